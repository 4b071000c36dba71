"""The admins' settings page: what each setting is and where it comes from; saving changes.

A setting comes from its default, from the desk, or from its BULLETIN_* variable, which
wins: the desk cannot change one the environment sets. A change is checked by the
rules the environment's values are (nothing is stored when one is refused), stored
with who and when, audited, and reaches every running process within seconds.
Relay URLs hold passwords: stored encrypted, shown masked, never written to the audit
log; a masked password left as it is keeps the stored one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bulletin.config import Settings, written
from bulletin.domain.errors import ConfigurationError, InvalidInput, PermissionDenied
from bulletin.domain.models import Editor, Role
from bulletin.mail.transports.addresses import parse_relay
from bulletin.services.context import Context
from bulletin.services.settings import merge, relays, secrets
from bulletin.services.settings.fields import EDITABLE, Editable, environment_sets
from bulletin.store import audit
from bulletin.store import desk_settings as store

Source = Literal["default", "desk", "environment"]
NOT_RECORDED = "(changed; not recorded)"
# A name or address goes into headers and body lines (at most 998 octets each):
# long before that, it is a mistake. The footer's own limit is config's.
MAX_LENGTH = {"line": 200, "paragraph": 2000, "number": 20, "time": 20, "flag": 5, "relays": 8000}


@dataclass(frozen=True)
class FieldView:
    field: Editable
    value: str  # as its variable is written; relays with their passwords masked
    source: Source
    environment: str | None  # the variable that sets it here, when one does
    changed_by: str | None = None
    changed_at: datetime | None = None


def view(ctx: Context, *, actor: Editor) -> list[FieldView]:
    _require_admin(actor)
    base, effective = ctx.live_settings.base, ctx.settings
    with ctx.db.reading() as conn:
        found = store.stored(conn)
    views = []
    for field in EDITABLE:
        env = environment_sets(base, field.name)
        row = found.get(field.name)
        value = written(effective, field.name)
        source: Source = "environment" if env else "desk" if row else "default"
        views.append(
            FieldView(
                field=field,
                value=relays.masked(value) if field.secret else value,
                source=source,
                environment=env,
                changed_by=row.changed_by if row and not env else None,
                changed_at=row.changed_at if row and not env else None,
            )
        )
    return views


def save(ctx: Context, form: Mapping[str, str], *, actor: Editor) -> list[str]:
    """Apply the form's changes; the labels of the settings changed (none: nothing was).

    Raises InvalidInput, naming the setting, when a value is refused: nothing is stored.
    """
    _require_admin(actor)
    base, now = ctx.live_settings.base, ctx.clock()
    with ctx.db.transaction() as conn:
        desk = secrets.opened(base.secret_key, store.stored(conn))
        changes = _changes(base, ctx.settings, desk, form)
        if not changes:
            return []
        _check(base, desk, changes)
        sealed = {
            name: secrets.seal(base.secret_key, value) if _is_secret(name) and value else value
            for name, value in changes.items()
        }
        secret = frozenset(name for name in changes if _is_secret(name))
        revision = store.write(conn, sealed, secret=secret, actor=actor.email, now=now)
        audit.record(
            conn,
            actor=actor.email,
            action="settings.change",
            now=now,
            target_type="settings",
            target_id=revision,
            detail={"changed": _audited(ctx.settings, changes)},
        )
    ctx.live_settings.invalidate()
    return [field.label for field in EDITABLE if field.name in changes]


def _changes(
    base: Settings, effective: Settings, desk: Mapping[str, str], form: Mapping[str, str]
) -> dict[str, str | None]:
    """name → new desk text, or None to forget the desk's value (an emptied field)."""
    changes: dict[str, str | None] = {}
    for field in EDITABLE:
        if environment_sets(base, field.name) or field.name not in form:
            continue
        submitted = form[field.name].strip()
        if len(submitted) > MAX_LENGTH[field.kind]:
            raise InvalidInput(
                f"{field.label}: at most {MAX_LENGTH[field.kind]} characters, not {len(submitted)}."
            )
        current = written(effective, field.name)
        if field.secret:
            if submitted == relays.masked(current):
                continue
            submitted = relays.unmasked(submitted, current)
        if submitted == "":
            if field.name in desk:
                changes[field.name] = None
        elif submitted != current:
            changes[field.name] = submitted
    return changes


def _check(base: Settings, desk: Mapping[str, str], changes: Mapping[str, str | None]) -> None:
    candidate = {**desk, **changes}
    kept = {name: value for name, value in candidate.items() if value is not None}
    try:
        merge.effective(base, kept)
        for url in (changes.get("relays") or "").split():
            parse_relay(url)  # as a worker will when it starts: refused here, not there
    except ConfigurationError as exc:
        raise InvalidInput(_labelled(str(exc))) from None


def _labelled(message: str) -> str:
    """The checks name variables; the form shows labels, so name both."""
    for field in EDITABLE:
        if field.variable in message:
            return message.replace(field.variable, f"{field.label} ({field.variable})", 1)
    return message


def _audited(before: Settings, changes: Mapping[str, str | None]) -> dict[str, object]:
    return {
        name: NOT_RECORDED
        if _is_secret(name)
        else {"from": written(before, name), "to": "(default)" if value is None else value}
        for name, value in changes.items()
    }


def _is_secret(name: str) -> bool:
    return any(field.secret for field in EDITABLE if field.name == name)


def _require_admin(actor: Editor) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("Only admins can change the settings.")
