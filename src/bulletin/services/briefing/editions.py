"""The morning briefing for editors: preview, assemble, hold, approve; no-briefing dates.

The scheduler does all of this unattended (see `delivery.briefing_duty`); these are the
same steps at an editor's hand, each checked against their role and written to the
audit log. Curation (`services.curation`) changes only a draft or held edition: once
approved, the ledger is being written and the edition is what readers get.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bulletin.domain.editions import Edition, EditionStatus
from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import Editor
from bulletin.domain.ranking import Item
from bulletin.domain.schedule import is_briefing_day
from bulletin.mail.briefing import render_briefing, segment_items
from bulletin.mail.render import Brand
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.store import lists as list_store
from bulletin.store.briefing import editions
from bulletin.store.briefing import steps as briefing
from bulletin.store.ledger import briefing as briefing_ledger


@dataclass(frozen=True)
class Preview:
    edition: Edition
    stored: bool
    plan: briefing.Plan | None
    segments: tuple[int, ...]

    def as_json(self) -> dict[str, object]:
        e = self.edition
        return {
            "date": e.edition_date.isoformat(),
            "status": e.status.value,
            "greeting": e.greeting,
            "sign_off": e.sign_off,
            "segments": len(self.segments),
            "skip_reason": e.skip_reason,
            "first_send_at": _iso(self.plan.first_send_at if self.plan else e.first_send_at),
            "last_expiry_at": _iso(self.plan.last_expiry_at if self.plan else e.last_expiry_at),
            "readers": self.plan.readers if self.plan else 0,
            "items": [
                {k: i.as_json()[k] for k in ("story_id", "headline", "summary", "section", "url")}
                for i in e.items
            ],
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def next_date(ctx: Context) -> date:
    """The next edition editors work on: today's in the newsroom's zone until its noon."""
    rules = ctx.settings.briefing_rules
    local = ctx.clock().astimezone(ZoneInfo(rules.default_zone))
    day = local.date() if local.time() < rules.expiry else local.date() + timedelta(days=1)
    with ctx.db.transaction() as conn:
        days_off = briefing.holidays(conn, rules)
    while not is_briefing_day(day, days_off):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class NextEdition:
    """What the dashboard shows: the next edition's state and send window (no ranking run)."""

    edition_date: date
    status: str
    first_send_at: datetime | None
    last_expiry_at: datetime | None
    readers: int
    skip_reason: str | None


def next_edition(ctx: Context) -> NextEdition:
    day = next_date(ctx)
    with ctx.db.transaction() as conn:
        stored = editions.by_date(conn, day)
        the_plan = briefing.plan_for(conn, day, ctx.settings.briefing_rules)
    return NextEdition(
        edition_date=day,
        status=stored.status.value if stored else "not assembled yet",
        first_send_at=the_plan.first_send_at if the_plan else None,
        last_expiry_at=the_plan.last_expiry_at if the_plan else None,
        readers=the_plan.readers if the_plan else 0,
        skip_reason=stored.skip_reason if stored else None,
    )


def preview(ctx: Context, edition_date: date | None = None) -> Preview:
    """The stored edition for the date, or what assembling it now would give (not stored)."""
    day = edition_date or next_date(ctx)
    rules = ctx.settings.briefing_rules
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        stored = editions.by_date(conn, day)
        the_plan = briefing.plan_for(conn, day, rules)
        segments = _segments(conn)
        if stored is None:
            selection, since = briefing.draft(conn, day, rules=rules, now=now)
            edition = briefing.unsaved(day, selection, now=now)
            if not selection.items:
                edition = replace(edition, skip_reason=briefing.skip_reason(since))
        else:
            edition = stored
    return Preview(edition, stored is not None, the_plan, segments)


def _segments(conn: Connection) -> tuple[int, ...]:
    (the_list,) = list_store.by_slugs(conn, [briefing.BRIEFING])
    return tuple(briefing_ledger.segments(conn, the_list.id)) or (0,)


def render_segment(ctx: Context, edition: Edition, segment: int) -> tuple[str, str]:
    """What readers of one segment will see (text, HTML), links left as markers."""
    subject = briefing.subject(edition) if edition.items else "Morning Briefing"
    return render_briefing(
        edition,
        segment,
        subject=subject,
        list_name="Morning Briefing",
        brand=Brand.from_settings(ctx.settings),
    )


def items_for(edition: Edition, segment: int) -> tuple[Item, ...]:
    return segment_items(edition, segment)


# Assembling, approving, holding ----------------------------------------------------------


def assemble(ctx: Context, edition_date: date, *, actor: Editor | None) -> Edition:
    """Store the draft for the date now (or return the one it already has)."""
    who = who_may_change(actor)
    rules = ctx.settings.briefing_rules
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        the_plan = briefing.plan_for(conn, edition_date, rules)
        if the_plan is None:
            raise InvalidInput(
                f"{edition_date:%A %Y-%m-%d} is not a briefing day (a weekend or no-briefing date)."
            )
        edition, made = briefing.assemble(conn, edition_date, rules=rules, plan=the_plan, now=now)
        if made:
            audit_edition(
                conn, ctx, who, "briefing.assemble", edition, {"status": edition.status.value}
            )
    return edition


def approve(
    ctx: Context, edition_date: date, *, actor: Editor | None, write_now: bool = False
) -> Edition:
    """Approve the edition (assembling it first if needed); its readers' rows follow.

    With `write_now` the ledger is written before returning (the command line);
    otherwise the scheduler writes it within a minute (the desk).
    """
    who = who_may_change(actor)
    edition = assemble(ctx, edition_date, actor=actor)
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        if edition.status is EditionStatus.SKIPPED:
            raise InvalidInput(f"There is nothing to send: {edition.skip_reason}")
        if not edition.status.editable:
            raise InvalidInput(f"The {edition_date} briefing is already {edition.status.value}.")
        if not editions.update_fields(
            conn,
            edition.id,
            now=now,
            allowed_from=[EditionStatus.DRAFT, EditionStatus.HELD],
            status=EditionStatus.APPROVED,
            approved_by=who,
            approved_at=now,
            held_by=None,
        ):
            raise InvalidInput("Someone else changed this briefing meanwhile; reload it.")
        audit_edition(conn, ctx, who, "briefing.approve", edition, None)
    if write_now:
        briefing.write_ledger(ctx.db, edition_date, rules=ctx.settings.briefing_rules, now=now)
    return get(ctx, edition_date)


def hold(ctx: Context, edition_date: date, *, actor: Editor | None) -> Edition:
    """Stop the deadline approving this edition; an editor must approve it by hand."""
    return _move(
        ctx, edition_date, actor, to=EditionStatus.HELD, allowed=[EditionStatus.DRAFT], held=True
    )


def release(ctx: Context, edition_date: date, *, actor: Editor | None) -> Edition:
    """Undo a hold: the deadline approves it again."""
    return _move(
        ctx, edition_date, actor, to=EditionStatus.DRAFT, allowed=[EditionStatus.HELD], held=False
    )


def _move(
    ctx: Context,
    edition_date: date,
    actor: Editor | None,
    *,
    to: EditionStatus,
    allowed: list[EditionStatus],
    held: bool,
) -> Edition:
    who = who_may_change(actor)
    edition = assemble(ctx, edition_date, actor=actor)
    with ctx.db.transaction() as conn:
        if not editions.update_fields(
            conn,
            edition.id,
            now=ctx.clock(),
            allowed_from=allowed,
            status=to,
            held_by=who if held else None,
        ):
            raise InvalidInput(
                f"Only a {allowed[0].value} briefing can be set to {to.value}; "
                f"this one is {edition.status.value}."
            )
        audit_edition(conn, ctx, who, f"briefing.{'hold' if held else 'release'}", edition, None)
    return get(ctx, edition_date)


def get(ctx: Context, edition_date: date) -> Edition:
    with ctx.db.transaction() as conn:
        edition = editions.by_date(conn, edition_date)
    if edition is None:
        raise NotFound(f"There is no briefing for {edition_date}.")
    return edition


def who_may_change(actor: Editor | None) -> str:
    if actor is not None and not actor.role.can_send:
        raise PermissionDenied("Your role can view the briefing but not change it.")
    return actor.email if actor else "cli"


def audit_edition(
    conn: Connection,
    ctx: Context,
    who: str,
    action: str,
    edition: Edition,
    detail: dict[str, Any] | None,
) -> None:
    audit.record(
        conn,
        actor=who,
        action=action,
        now=ctx.clock(),
        target_type="edition",
        target_id=edition.edition_date.isoformat(),
        detail=detail,
    )


# No-briefing dates -----------------------------------------------------------------------


def holidays(ctx: Context) -> list[tuple[date, str]]:
    """Every no-briefing date: the table's and the configured ones."""
    with ctx.db.transaction() as conn:
        stored = dict(editions.holidays(conn))
    configured = {day: "BULLETIN_BRIEFING_HOLIDAYS" for day in ctx.settings.briefing_holidays}
    return sorted({**configured, **stored}.items())


def add_holiday(ctx: Context, day: date, *, note: str, actor: Editor | None) -> bool:
    who = who_may_change(actor)
    note = " ".join(note.split())[:200] or "no briefing"
    with ctx.db.transaction() as conn:
        added = editions.add_holiday(conn, day, note=note, actor=who, now=ctx.clock())
        if added:
            audit.record(
                conn,
                actor=who,
                action="briefing.holiday.add",
                now=ctx.clock(),
                target_type="holiday",
                target_id=day.isoformat(),
                detail={"note": note},
            )
    return added


def remove_holiday(ctx: Context, day: date, *, actor: Editor | None) -> bool:
    who = who_may_change(actor)
    with ctx.db.transaction() as conn:
        removed = editions.remove_holiday(conn, day)
        if removed:
            audit.record(
                conn,
                actor=who,
                action="briefing.holiday.remove",
                now=ctx.clock(),
                target_type="holiday",
                target_id=day.isoformat(),
            )
    return removed
