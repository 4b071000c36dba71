"""The configuration reference, docs/configuration.md, rendered from the Settings definition."""

from __future__ import annotations

from datetime import time

from pydantic.fields import FieldInfo

from bulletin.config import Settings
from bulletin.config_variables import Group, Variable, variable_name, variable_of

COMMAND = "bulletin config reference > docs/configuration.md"

INTRODUCTION = f"""\
# Configuration

<!-- Generated from src/bulletin/config.py by `{COMMAND}`:
     change the definitions there, then regenerate; a test fails while this file is stale. -->

Bulletin reads its settings from `BULLETIN_*` environment variables once, at start-up,
and refuses to start when one cannot work, with a message that names the variable.
The defaults run the embedded setup: development mode, SQLite and the built-in mail
catcher. A blank number or time of day means its default.

### Set on the desk

Admins can also set some of them on the desk's **Settings** page: the newsroom name,
`BULLETIN_SENDER`, `BULLETIN_REPLY_TO`, `BULLETIN_POSTAL_ADDRESS`,
`BULLETIN_FOOTER_TEXT`, `BULLETIN_RELAYS`, the briefing's size and times
(`BULLETIN_BRIEFING_SIZE`, `_EXPIRY`, `_ASSEMBLE_MINUTES`, `_APPROVE_MINUTES`),
`BULLETIN_ALERT_EXPIRY_MINUTES` and `BULLETIN_ALERT_APPROVAL`. A value is written there
as its variable is (minutes, `HH:MM`, `on`/`off`) and checked by the same rules; a value
refused is not stored, and every change is in the audit log.

- **Order**: the default, then the desk's value, then the variable: where a variable
  is set it wins, and the page shows that field read-only, naming the variable
  (`BULLETIN_SMTP_URL` counts as setting the relays).
- **Running processes** look at the desk's revision (one row) at most every 5 seconds
  and use a change from their next batch of messages on: footer, sender, reply-to,
  postal address and newsroom name, the briefing's rules, alert expiry and approval.
  **Relays** are held open by a running engine: when they change, each engine claims
  nothing more, gives back what it had not sent, and its process starts it again on
  the new relays (`server.keep_sending`) — no restart, nothing lost or sent twice; the
  worker's log says so. Emptying them on the desk goes back to the relays the process
  started with.
- **Relay passwords** are write-only: shown as `••••••`, kept when left so, never
  logged or audited. The relays set on the desk are stored encrypted with Fernet
  (`cryptography`), under a key derived (HKDF-SHA256) from `BULLETIN_SECRET_KEY`: a
  copy of the database without the key shows no password. Changing the secret key
  makes them unreadable: the processes then run without the desk's relays (logged)
  until an admin enters them again.
"""

FIXED = """\
## Fixed

Not read from the environment; listed so that the figures above have their context.
"""


def render() -> str:
    """The whole reference, as the committed docs/configuration.md should read."""
    sections = [INTRODUCTION]
    for group in Group:
        rows = [
            _variable_row(name, field, variable)
            for name, field in Settings.model_fields.items()
            if (variable := variable_of(field)) is not None and variable.group is group
        ]
        table = ["| Variable | Format | Default | Meaning |", "|---|---|---|---|", *rows]
        sections.append(f"## {group.value}\n\n" + "\n".join(table) + "\n")
    fixed = [
        f"| `{name}` | {_cell(_shown(field.default))} | {_cell(field.description or '')} |"
        for name, field in Settings.model_fields.items()
        if variable_of(field) is None
    ]
    table = ["| Setting | Value | Meaning |", "|---|---|---|", *fixed]
    sections.append(FIXED + "\n" + "\n".join(table) + "\n")
    return "\n".join(sections)


def _variable_row(field_name: str, field: FieldInfo, variable: Variable) -> str:
    name = variable_name(Settings, field_name)
    default = variable.shown_default
    if default is None:
        value = field.default
        if variable.unit is not None:
            value = variable.unit.from_attribute(value)
        default = _shown(value)
    cells = (f"`{name}`", variable.format, default, field.description or "")
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _shown(value: object) -> str:
    """A default as it would be written in the environment."""
    if value is None or value == "":
        return "unset"
    if isinstance(value, bool):
        return "`on`" if value else "`off`"
    if isinstance(value, time):
        return f"`{value:%H:%M}`"
    if isinstance(value, tuple | frozenset):
        return " ".join(f"`{item}`" for item in sorted(value, key=str)) or "none"
    return f"`{value}`"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")
