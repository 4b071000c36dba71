"""Specifications for docs/configuration.md: rendered from the settings, complete and current."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bulletin import config_reference
from bulletin.cli import app
from bulletin.config import Settings
from bulletin.config_variables import variable_name, variable_of

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "configuration.md"

# BULLETIN_ names that the code reads but that are not settings, and what they are instead.
NOT_SETTINGS = {
    "BULLETIN_BENCH_POSTGRES_URL": "the server the benchmarks run PostgreSQL figures on",
    "BULLETIN_NEW_USER_PASSWORD": "the password `bulletin users create` takes instead of asking",
}
# "%%BULLETIN_UNSUBSCRIBE_URL%%" and the like are placeholders in built mail, not variables.
MENTION = re.compile(r"(?<![%\w])BULLETIN_[A-Z][A-Z0-9_]*[A-Z0-9](?![%\w])")

VARIABLES = {
    name: variable
    for name in Settings.model_fields
    if (variable := variable_name(Settings, name)) is not None
}


def test_the_committed_reference_is_the_rendered_one() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == config_reference.render(), (
        f"docs/configuration.md is stale; regenerate it with `{config_reference.COMMAND}`"
    )


def test_the_command_prints_the_reference() -> None:
    result = CliRunner().invoke(app, ["config", "reference"])
    assert result.exit_code == 0, result.output
    assert result.output == config_reference.render()


def test_every_variable_is_in_the_reference() -> None:
    rendered = config_reference.render()
    assert [name for name in VARIABLES.values() if f"| `{name}` |" not in rendered] == []


@pytest.mark.parametrize("field_name", list(Settings.model_fields))
def test_every_setting_has_a_one_line_description(field_name: str) -> None:
    description = Settings.model_fields[field_name].description or ""
    assert description.endswith("."), f"{field_name} needs a one-line description"
    assert "\n" not in description


@pytest.mark.parametrize("field_name", list(VARIABLES))
def test_every_variable_says_how_it_is_written(field_name: str) -> None:
    variable = variable_of(Settings.model_fields[field_name])
    assert variable is not None and variable.format.strip()


def test_no_two_settings_share_a_variable() -> None:
    assert len(set(VARIABLES.values())) == len(VARIABLES)


def test_every_variable_the_code_reads_is_a_setting() -> None:
    sources = [
        *(ROOT / "src" / "bulletin").rglob("*.py"),
        *(ROOT / "src" / "bulletin").rglob("*.html"),
        *(ROOT / "bench").glob("*.py"),
    ]
    mentioned = {
        (name, path.relative_to(ROOT).as_posix())
        for path in sources
        for name in MENTION.findall(path.read_text(encoding="utf-8"))
    }
    known = set(VARIABLES.values()) | NOT_SETTINGS.keys()
    assert sorted((name, where) for name, where in mentioned if name not in known) == []


def _written(default: object) -> str | None:
    """A default as one would write it in the environment, if it is a single value."""
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, time):
        return f"{default:%H:%M}"
    if isinstance(default, int | float | str) and default != "":
        return str(default)
    return None


def _defaults_as_written() -> list[tuple[str, str]]:
    """(field, text) for each variable whose reference shows its default as a value."""
    found = []
    for field_name in VARIABLES:
        field = Settings.model_fields[field_name]
        variable = variable_of(field)
        if variable is None or variable.shown_default is not None:
            continue
        value = field.default
        if variable.unit is not None:
            value = variable.unit.from_attribute(value)
        if (text := _written(value)) is not None:
            found.append((field_name, text))
    return found


@pytest.mark.parametrize(("field_name", "text"), _defaults_as_written())
def test_the_default_shown_reads_as_the_default(field_name: str, text: str, tmp_path: Path) -> None:
    env = {"BULLETIN_DATA_DIR": str(tmp_path / "data"), VARIABLES[field_name]: text}
    assert getattr(Settings.from_env(env), field_name) == Settings.model_fields[field_name].default
