"""Editors curating a draft briefing: order, pins, drops, additions, summaries, greeting.

Only a draft or held edition changes; each change is one transaction, checked against
the editor's role and written to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from bulletin.domain import subject_tests as subject_rules
from bulletin.domain.editions import MAX_ITEMS, Edition, EditionStatus, briefing_subject
from bulletin.domain.errors import InvalidInput, NotFound
from bulletin.domain.models import Editor
from bulletin.domain.ranking import SUMMARY_WORDS, Item, summarize
from bulletin.services.briefing import editions as briefing
from bulletin.services.briefing.editions import who_may_change
from bulletin.services.context import Context
from bulletin.store.briefing import candidates, editions

MAX_GREETING = 300


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

    # Curating a skipped edition looks for stories again first, and may take this very
    # story in (a pasted one just given its link): then the Add is done, not refused.
    with ctx.db.transaction() as conn:
        before = editions.by_date(conn, edition_date)
    was_in = before is not None and any(i.story_id == story_id for i in before.items)

    def change(edition: Edition) -> dict[str, object]:
        if any(i.story_id == story_id for i in edition.items):
            if was_in:
                raise InvalidInput("That story is already in the briefing.")
            return {"items": list(edition.items)}
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

    return _curate(
        ctx, edition_date, actor, "briefing.add", {"story_id": story_id}, change, reopen=True
    )


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


# A briefing is good for hours after its readers' morning (until their local expiry):
# the race's window (at most two hours) is checked against that, and ends before the
# first readers' expiry in any case (`store.briefing.steps`).
BRIEFING_EXPIRY_S = 4 * 3600


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


def set_subject_test(
    ctx: Context,
    edition_date: date,
    others: list[str],
    *,
    share_percent: int,
    window_minutes: int,
    actor: Editor | None,
) -> Edition:
    """Race `others` against the edition's own subject on a share of its first readers;
    no other subject at all removes the test. Checked against the edition's subject as
    it stands (it follows the lead story, so a new lead changes it)."""
    wanted = [o for o in others if o.strip()]
    if not wanted:
        return _curate(
            ctx,
            edition_date,
            actor,
            "briefing.subject_test",
            {"removed": True},
            lambda _edition: {"subject_test": None},
        )
    if ctx.settings.click_tracking == "off":
        raise InvalidInput(
            "A subject test picks its winner by clicks, and click counts are off "
            "(BULLETIN_CLICK_TRACKING)."
        )

    def change(edition: Edition) -> dict[str, object]:
        if not edition.items:
            raise InvalidInput("The briefing has no story yet, so no subject to race against.")
        test = subject_rules.validate(
            [briefing_subject(edition), *wanted],
            share_percent=share_percent,
            window_minutes=window_minutes,
            min_clicks=ctx.settings.subject_test_min_clicks,
            expiry_s=BRIEFING_EXPIRY_S,
        )
        others_only = replace(test, subjects=test.subjects[1:])
        return {"subject_test": editions.test_json(others_only)}

    detail = {"subjects": wanted, "share_percent": share_percent, "minutes": window_minutes}
    return _curate(ctx, edition_date, actor, "briefing.subject_test", detail, change)


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


def _curate(
    ctx: Context,
    edition_date: date,
    actor: Editor | None,
    action: str,
    detail: dict[str, Any],
    change: Callable[[Edition], dict[str, object]],
    *,
    reopen: bool = False,
) -> Edition:
    """Apply `change` to a draft or held edition; with `reopen`, a skipped one becomes a draft."""
    who = who_may_change(actor)
    edition = briefing.assemble(ctx, edition_date, actor=actor)
    with ctx.db.transaction() as conn:
        current = editions.by_date(conn, edition_date, lock=True)
        assert current is not None
        reopened = reopen and current.reopenable(ctx.clock())
        if not current.status.editable and not reopened:
            raise InvalidInput(
                f"The {edition_date} briefing is {current.status.value}; only a draft or a held "
                "briefing can be changed."
            )
        values = change(current)
        if reopened:  # an editor's story is something to send after all
            values |= {"status": EditionStatus.DRAFT, "skip_reason": None}
        editions.update_fields(
            conn, edition.id, now=ctx.clock(), allowed_from=[current.status], **values
        )
        briefing.audit_edition(conn, ctx, who, action, current, detail)
    return briefing.get(ctx, edition_date)
