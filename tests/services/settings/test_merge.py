"""Defaults < desk < environment, each desk value read and checked as its variable is."""

from __future__ import annotations

from datetime import time

import pytest

from bulletin.config import Settings
from bulletin.domain.errors import ConfigurationError
from bulletin.services.settings.merge import effective
from tests.support.factories import SECRET

ENV = {"BULLETIN_SECRET_KEY": SECRET, "BULLETIN_SUPPRESSION_KEY": SECRET[::-1]}


def from_env(**variables: str) -> Settings:
    return Settings.from_env({**ENV, **{f"BULLETIN_{k}": val for k, val in variables.items()}})


def test_a_desk_value_replaces_the_default_read_as_its_variable_is() -> None:
    merged = effective(
        from_env(),
        {"alert_expiry_s": "30", "briefing_expiry": "10:30", "alert_approval": "on"},
    )

    assert merged.alert_expiry_s == 30 * 60  # minutes, as BULLETIN_ALERT_EXPIRY_MINUTES
    assert merged.briefing_expiry == time(10, 30)
    assert merged.alert_approval is True


def test_the_environment_wins_over_the_desk() -> None:
    base = from_env(FOOTER_TEXT="From the environment.")

    merged = effective(base, {"footer_text": "From the desk.", "newsroom_name": "Gazette"})

    assert merged.footer_text == "From the environment."
    assert merged.newsroom_name == "Gazette"


def test_smtp_url_in_the_environment_keeps_the_desk_off_the_relays() -> None:
    base = from_env(SMTP_URL="smtp://relay.example.org:587")

    merged = effective(base, {"relays": "smtp://other.example.org:25"})

    assert merged.relay_urls == ("smtp://relay.example.org:587",)


def test_a_value_the_rules_refuse_names_its_variable() -> None:
    with pytest.raises(ConfigurationError, match="BULLETIN_BRIEFING_SIZE must be 1 to 10"):
        effective(from_env(), {"briefing_size": "12"})
    with pytest.raises(ConfigurationError, match="BULLETIN_REPLY_TO must be an address"):
        effective(from_env(), {"reply_to": "not an address"})


def test_names_the_desk_may_not_set_are_ignored() -> None:
    base = from_env()

    assert effective(base, {"secret_key": "x" * 40, "database_url": "sqlite://"}) is base
