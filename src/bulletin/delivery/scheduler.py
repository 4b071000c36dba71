"""The scheduler's rounds: start due reports, keep fan-outs going, recover leases, expire,
finish, brief.

Runs in one worker at a time (see `leader`). Each duty is its own short transaction,
so the senders' claims and records are never held up behind a long one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from bulletin.delivery import briefing_duty
from bulletin.delivery.briefing_duty import BriefingDuty
from bulletin.delivery.pauses import pause_on_returns
from bulletin.delivery.starts import start_due_reports
from bulletin.domain.models import CampaignStatus, DeliveryStatus
from bulletin.store import campaigns
from bulletin.store.briefing import steps as briefing_store
from bulletin.store.db import UNAVAILABLE, Database
from bulletin.store.ledger import claims, counts, fanout, outcomes

log = logging.getLogger(__name__)

EXPIRED_REASON = "not sent: the alert expired first"


@dataclass
class Round:
    swept: int = 0
    started: int = 0
    expired: int = 0
    fanned_out: int = 0
    finished: int = 0
    fanouts_pending: bool = False
    paused: list[int] = field(default_factory=list)


def run_round(
    db: Database,
    *,
    now: datetime,
    fanout_budget_s: float = 0.25,
    briefing: BriefingDuty | None = None,
    pause_error_rate: float = 0.5,
    sweep: bool = True,
) -> Round:
    """One round; `sweep` False skips returning expired leases (see `leases.SweepGuard`)."""
    result = Round()
    if sweep:
        with db.transaction() as conn:
            result.swept = claims.sweep_expired_leases(conn, now=now)
    result.expired = expire(db, now=now) + briefing_duty.expire_stale(db, now=now)
    if briefing is not None and briefing.due():
        try:
            briefing.run(db, now=now)
        except UNAVAILABLE:
            raise
        except Exception:  # a briefing problem must never stop alerts going out
            log.exception("the briefing duty failed; it runs again in a minute")
        result.expired += briefing_duty.expire_stale(db, now=now)
    result.paused = pause_on_returns(db, now=now, error_rate=pause_error_rate)
    result.started = len(start_due_reports(db, now=now))
    result.fanned_out, result.fanouts_pending = continue_fanouts(db, budget_s=fanout_budget_s)
    with db.transaction() as conn:
        result.finished = len(campaigns.complete_finished(conn, now=now))
        briefing_store.finish_sent(conn, now=now)
    return result


def expire(db: Database, *, now: datetime) -> int:
    """Rows of campaigns past their expiry are marked expired, never sent late."""
    with db.transaction() as conn:
        ids = campaigns.expired_ids(conn, now=now)
        closed = outcomes.close_unsent(
            conn, ids, status=DeliveryStatus.EXPIRED, reason=EXPIRED_REASON
        )
        for campaign_id in ids:
            campaigns.advance_fanout(conn, campaign_id, cursor=None, done=True)
            if not counts.has_open_rows(conn, campaign_id):
                campaigns.change_status(
                    conn,
                    campaign_id,
                    to=CampaignStatus.SENT,
                    allowed_from=[CampaignStatus.SENDING, CampaignStatus.PAUSED],
                    reason="expired",
                    now=now,
                )
    return closed


def continue_fanouts(db: Database, *, budget_s: float) -> tuple[int, bool]:
    """Write ledger chunks for campaigns still fanning out, for about `budget_s` seconds.

    Returns (rows written, whether any fan-out is still unfinished).
    """
    deadline = time.monotonic() + budget_s
    written = 0
    with db.transaction() as conn:
        pending = campaigns.unfinished_fanouts(conn)
    for campaign_id, list_id, cursor, send_after in pending:
        done = False
        while not done and time.monotonic() < deadline:
            with db.transaction() as conn:
                chunk = fanout.step(
                    conn,
                    campaign_id=campaign_id,
                    list_id=list_id,
                    cursor=cursor,
                    send_after=send_after,
                )
            written, cursor, done = written + chunk.added, chunk.cursor, chunk.done
        if not done:
            return written, True
    return written, False
