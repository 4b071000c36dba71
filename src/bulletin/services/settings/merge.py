"""Defaults < desk values < environment: the settings a process runs with."""

from __future__ import annotations

from collections.abc import Mapping

from bulletin.config import Settings, with_text
from bulletin.services.settings.fields import BY_NAME, environment_sets


def effective(base: Settings, desk: Mapping[str, str]) -> Settings:
    """`base` (defaults and environment) with the desk's values where no variable is set.

    Each desk value is text as its variable would be written, read by the same rules
    as the environment's (`config.with_text`);
    raises ConfigurationError naming the variable when they refuse it.
    """
    changes = {
        name: text
        for name, text in desk.items()
        if name in BY_NAME and environment_sets(base, name) is None
    }
    if not changes:
        return base
    return with_text(base, changes)
