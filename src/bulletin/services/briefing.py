"""The morning briefing for editors: preview, assemble, curate, hold, approve; no-briefing dates.

The scheduler does all of this unattended (see `delivery.briefing_duty`); these are the
same steps at an editor's hand, each checked against their role and written to the
audit log. Curation changes only a draft or held edition: once approved, the ledger
is being written and the edition is what readers get.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bulletin.domain.editions import MAX_ITEMS, Edition, EditionStatus
from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import Editor
from bulletin.domain.ranking import SUMMARY_WORDS, Item, summarize
from bulletin.domain.schedule import is_briefing_day
from bulletin.mail.briefing import render_briefing, segment_items
from bulletin.services.context import Context
from bulletin.store import audit, briefing, briefing_ledger, candidates, editions
from bulletin.store import lists as list_store

MAX_GREETING = 300


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
        newsroom=ctx.settings.newsroom_name,
    )


def items_for(edition: Edition, segment: int) -> tuple[Item, ...]:
    return segment_items(edition, segment)


# Assembling, approving, holding ----------------------------------------------------------


def assemble(ctx: Context, edition_date: date, *, actor: Editor | None) -> Edition:
    """Store the draft for the date now (or return the one it already has)."""
    who = _who(actor)
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
            _audit(conn, ctx, who, "briefing.assemble", edition, {"status": edition.status.value})
    return edition


def approve(
    ctx: Context, edition_date: date, *, actor: Editor | None, write_now: bool = False
) -> Edition:
    """Approve the edition (assembling it first if needed); its readers' rows follow.

    With `write_now` the ledger is written before returning (the command line);
    otherwise the scheduler writes it within a minute (the desk).
    """
    who = _who(actor)
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
        _audit(conn, ctx, who, "briefing.approve", edition, None)
    if write_now:
        briefing.write_ledger(ctx.db, edition_date, rules=ctx.settings.briefing_rules, now=now)
    return _get(ctx, edition_date)


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
    who = _who(actor)
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
        _audit(conn, ctx, who, f"briefing.{'hold' if held else 'release'}", edition, None)
    return _get(ctx, edition_date)


# Curation --------------------------------------------------------------------------------


def reorder(ctx: Context, edition_date: date, order: list[int], *, actor: Editor | None) -> Edition:
    def change(edition: Edition) -> dict[str, object]:
        by_id = {i.story_id: i for i in edition.items}
        if sorted(order) != sorted(by_id):
            raise InvalidInput("A new order must list each story of the briefing exactly once.")
        return {"items": [by_id[i] for i in order]}

    return _curate(ctx, edition_date, actor, "briefing.reorder", {"order": order}, change)


def set_pinned(
    ctx: Context, edition_date: date, story_id: int, *, pinned: bool, actor: Editor | None
) -> Edition:
    """A pinned story keeps its place in every topic segment."""

    def change(edition: Edition) -> dict[str, object]:
        _item(edition, story_id)
        items = [replace(i, pinned=pinned) if i.story_id == story_id else i for i in edition.items]
        return {"items": items}

    action = "briefing.pin" if pinned else "briefing.unpin"
    return _curate(ctx, edition_date, actor, action, {"story_id": story_id}, change)


def drop(ctx: Context, edition_date: date, story_id: int, *, actor: Editor | None) -> Edition:
    def change(edition: Edition) -> dict[str, object]:
        _item(edition, story_id)
        items = [i for i in edition.items if i.story_id != story_id]
        if not items:
            raise InvalidInput("A briefing needs at least one story; hold it instead.")
        return {"items": items}

    return _curate(ctx, edition_date, actor, "briefing.drop", {"story_id": story_id}, change)


def add(ctx: Context, edition_date: date, story_id: int, *, actor: Editor | None) -> Edition:
    """Add a stored story at the end (its summary taken from it like any other)."""
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        candidate = candidates.one(conn, story_id, now=now)
    if candidate is None:
        raise NotFound(f"There is no publishable story {story_id}.")
    summary = summarize(candidate)
    if candidate.needs_headline or not candidate.url or summary is None:
        raise InvalidInput("That story needs a headline, a link and a summary before it can go.")

    def change(edition: Edition) -> dict[str, object]:
        if any(i.story_id == story_id for i in edition.items):
            raise InvalidInput("That story is already in the briefing.")
        if len(edition.items) >= MAX_ITEMS:
            raise InvalidInput(f"A briefing has at most {MAX_ITEMS} stories; drop one first.")
        item = Item(
            story_id=story_id,
            headline=" ".join(candidate.headline.split()),
            summary=summary,
            section=candidate.section,
            url=candidate.url,
            topics=candidate.topics,
        )
        reserve = [r for r in edition.reserve if r.story_id != story_id]
        return {"items": [*edition.items, item], "reserve": reserve}

    return _curate(ctx, edition_date, actor, "briefing.add", {"story_id": story_id}, change)


def set_summary(
    ctx: Context, edition_date: date, story_id: int, text: str, *, actor: Editor | None
) -> Edition:
    """An editor's own summary for one item (at most 60 words)."""
    summary = _words(text, limit=SUMMARY_WORDS, what="A summary")

    def change(edition: Edition) -> dict[str, object]:
        _item(edition, story_id)
        items = [
            replace(i, summary=summary) if i.story_id == story_id else i for i in edition.items
        ]
        return {"items": items}

    detail = {"story_id": story_id, "summary": summary}
    return _curate(ctx, edition_date, actor, "briefing.summary", detail, change)


def set_greeting(ctx: Context, edition_date: date, text: str, *, actor: Editor | None) -> Edition:
    greeting = " ".join(text.split())
    if not greeting or len(greeting) > MAX_GREETING:
        raise InvalidInput(f"The greeting must be 1 to {MAX_GREETING} characters.")
    return _curate(
        ctx,
        edition_date,
        actor,
        "briefing.greeting",
        {"greeting": greeting},
        lambda _edition: {"greeting": greeting},
    )


def _words(text: str, *, limit: int, what: str) -> str:
    collapsed = " ".join(text.split())
    if not collapsed:
        raise InvalidInput(f"{what} cannot be empty.")
    if len(collapsed.split()) > limit:
        raise InvalidInput(
            f"{what} must be at most {limit} words (this has {len(collapsed.split())})."
        )
    return collapsed


def _item(edition: Edition, story_id: int) -> Item:
    for item in edition.items:
        if item.story_id == story_id:
            return item
    raise NotFound(f"Story {story_id} is not in the {edition.edition_date} briefing.")


def _curate(ctx, edition_date: date, actor, action: str, detail, change) -> Edition:  # type: ignore[no-untyped-def]
    who = _who(actor)
    edition = assemble(ctx, edition_date, actor=actor)
    with ctx.db.transaction() as conn:
        current = editions.by_date(conn, edition_date, lock=True)
        assert current is not None
        if not current.status.editable:
            raise InvalidInput(
                f"The {edition_date} briefing is {current.status.value}; only a draft or a held "
                "briefing can be changed."
            )
        values = change(current)
        editions.update_fields(
            conn, edition.id, now=ctx.clock(), allowed_from=[current.status], **values
        )
        _audit(conn, ctx, who, action, current, detail)
    return _get(ctx, edition_date)


def _get(ctx: Context, edition_date: date) -> Edition:
    with ctx.db.transaction() as conn:
        edition = editions.by_date(conn, edition_date)
    if edition is None:
        raise NotFound(f"There is no briefing for {edition_date}.")
    return edition


def _who(actor: Editor | None) -> str:
    if actor is not None and not actor.role.can_send:
        raise PermissionDenied("Your role can view the briefing but not change it.")
    return actor.email if actor else "cli"


def _audit(conn: Connection, ctx: Context, who: str, action: str, edition: Edition, detail) -> None:  # type: ignore[no-untyped-def]
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
    who = _who(actor)
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
    who = _who(actor)
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
