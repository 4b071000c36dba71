"""Which settings the desk may edit, and each one's value written as its variable is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bulletin.config import Settings, variable_for

Kind = Literal["line", "paragraph", "number", "time", "flag", "relays"]


@dataclass(frozen=True)
class Editable:
    """One setting the desk may change: `name` is its Settings field."""

    name: str
    label: str
    kind: Kind
    # Relays are held open by a running engine: a change makes it stop cleanly and start
    # again on the new ones (server.keep_sending), so the desk says it takes a moment.
    restart: bool = False

    @property
    def variable(self) -> str:
        found = variable_for(self.name)
        assert found is not None, f"{self.name} is not read from the environment"
        return found

    @property
    def secret(self) -> bool:
        """Holds passwords: kept encrypted, never shown back, never logged or audited."""
        return self.kind == "relays"


EDITABLE: tuple[Editable, ...] = (
    Editable("newsroom_name", "Newsroom name", "line"),
    Editable("sender", "Sender (From)", "line"),
    Editable("reply_to", "Reply-To", "line"),
    Editable("postal_address", "Postal address", "line"),
    Editable("footer_text", "Footer text", "paragraph"),
    Editable("relays", "Relays", "relays", restart=True),
    Editable("briefing_size", "Stories per briefing", "number"),
    Editable("briefing_expiry", "Briefing expires at (reader's time)", "time"),
    Editable("briefing_assemble_before_s", "Assemble the briefing (minutes before)", "number"),
    Editable("briefing_approve_before_s", "Approve the briefing (minutes before)", "number"),
    Editable("alert_expiry_s", "Alerts expire after (minutes)", "number"),
    Editable("alert_approval", "A second editor approves alerts", "flag"),
)
BY_NAME = {field.name: field for field in EDITABLE}
# Fields another variable can stand in for: BULLETIN_SMTP_URL is the one-relay form.
ALSO_SET_BY = {"relays": ("smtp_url",)}


def environment_sets(settings: Settings, name: str) -> str | None:
    """The variable that sets this field in this process's environment, if one does."""
    for field in (name, *ALSO_SET_BY.get(name, ())):
        if field in settings.set_by_environment:
            return variable_for(field)
    return None
