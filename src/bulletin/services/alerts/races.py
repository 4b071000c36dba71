"""Subject tests of alerts: checked when written, watched on the desk, ended early.

The race itself runs in the ledger (store.subject_tests, the fan-out's split and the
engine's composers): this module holds what an editor does with one.
"""

from __future__ import annotations

from dataclasses import replace

from bulletin.domain import subject_tests as rules
from bulletin.domain.errors import InvalidAlert, InvalidInput, NotFound
from bulletin.domain.models import AlertDraft, Editor
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.store import subject_tests as store
from bulletin.store.subject_tests import Race


def checked(ctx: Context, alert: AlertDraft) -> AlertDraft:
    """The alert with its subject test validated (its first subject the alert's own),
    or InvalidAlert; an alert without a test as it is."""
    if alert.test is None:
        return alert
    if ctx.settings.click_tracking == "off":
        raise InvalidAlert(
            "A subject test picks its winner by clicks, and click counts are off: "
            "turn them on (BULLETIN_CLICK_TRACKING) or send one subject."
        )
    others = [s for s in alert.test.subjects[1:] if s.strip()]
    test = rules.validate(
        [alert.subject or alert.headline, *others],
        share_percent=alert.test.share_percent,
        window_minutes=alert.test.window_s // 60,
        min_clicks=ctx.settings.subject_test_min_clicks,
        expiry_s=ctx.settings.alert_expiry_s,
    )
    return replace(alert, test=test)


def race(ctx: Context, campaign_id: int) -> Race | None:
    """The campaign's subject test with its standings now, None if it has none."""
    with ctx.db.reading() as conn:
        return store.race(conn, campaign_id)


def end_now(ctx: Context, campaign_id: int, *, actor: Editor) -> Race:
    """End the race now: decide from the clicks so far and send the winner to the rest.

    The decision is written first, in its own transaction, then the held readers are
    made due chunk by chunk: a crash between chunks leaves the rest of them due at the
    race's planned end, with the same winner.
    """
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        found = store.race(conn, campaign_id)
        if found is None:
            raise NotFound(f"Campaign {campaign_id} has no subject test.")
        if found.winner is not None or found.decide_at is None:
            raise InvalidInput(
                "This subject test has already ended."
                if found.winner is not None
                else "This alert has not started sending yet."
            )
        planned = store.end_early(conn, campaign_id, now=now)
        winner = store.decide(conn, campaign_id, now=now)
        audit.record(
            conn,
            actor=actor.email,
            action="alert.subject_test.end",
            now=now,
            target_type="campaign",
            target_id=campaign_id,
            detail={"winner": found.test.subjects[winner]},
        )
    after: int | None = 0
    while planned is not None and after is not None:
        with ctx.db.transaction() as conn:
            after = store.release_held(conn, campaign_id, held_until=planned, now=now, after=after)
    ended = race(ctx, campaign_id)
    assert ended is not None
    return ended
