"""Sends that pause themselves on what comes back after the relay took the mail.

Two rules, checked every scheduler round for the campaigns still sending:

- **complaints** past the 0.3 % that Gmail and Yahoo allow, over at least 1,000
  delivered (`domain.reputation`);
- **refusals for the newsroom's own reasons** — receivers rejecting the mail for its
  authentication, reputation or policy (`sender` returns), with the relay's own 5xx
  refusals — past BULLETIN_PAUSE_ERROR_PERCENT of at least 100 messages, the same rate
  that pauses a send whose relay refuses it as it goes (`delivery.outcomes`): a DKIM
  outage reported by a provider's webhook minutes later stops the send all the same.

Each pause says why and is audited. An editor may look and resume: the send then
pauses again only if as many more come back as could first pause it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bulletin.domain.models import CampaignStatus
from bulletin.domain.reputation import MIN_COMPLAINTS, pause_reason
from bulletin.store import audit, campaigns
from bulletin.store.db import Database
from bulletin.store.ledger import counts as ledger_counts
from bulletin.store.readers import events as event_store

log = logging.getLogger(__name__)

COMPLAINT_PAUSE = "campaign.complaint_pause"
REFUSAL_PAUSE = "campaign.refusal_pause"
MIN_REFUSAL_BASE = 100
MIN_REFUSALS = 10


@dataclass(frozen=True)
class Verdict:
    count: int  # what came back that counts toward the pause
    reason: str


def pause_on_returns(db: Database, *, now: datetime, error_rate: float) -> list[int]:
    """Pause the sending campaigns past either rule; the ids that paused."""
    with db.reading() as conn:  # once a second: never the write lock for nothing
        sending = campaigns.sendable_ids(conn, now=now)
        verdicts = {
            COMPLAINT_PAUSE: _complaints(conn, sending),
            REFUSAL_PAUSE: _refusals(conn, sending, error_rate),
        }
    if not any(verdicts.values()):
        return []
    paused: list[int] = []
    with db.transaction() as conn:
        for action, found in verdicts.items():
            for campaign_id, verdict in found.items():
                if campaign_id not in paused and _pause(conn, campaign_id, action, verdict, now):
                    paused.append(campaign_id)
                    log.warning(
                        "campaign %s %s",
                        campaign_id,
                        verdict.reason,
                        extra={"campaign_id": campaign_id},
                    )
    return paused


def _complaints(conn: Connection, sending: list[int]) -> dict[int, Verdict]:
    complained = event_store.by_campaign(conn, sending, event_store.EventKind.COMPLAINT)
    suspects = [
        c
        for c, n in complained.items()
        if n >= MIN_COMPLAINTS and n >= _paused_at(conn, c, COMPLAINT_PAUSE) + MIN_COMPLAINTS
    ]
    return {
        c: Verdict(rate.complaints, pause_reason(rate))
        for c, rate in event_store.complaint_rates(conn, suspects).items()
        if rate.pauses
    }


def _refusals(conn: Connection, sending: list[int], error_rate: float) -> dict[int, Verdict]:
    refused = event_store.by_campaign(conn, sending, event_store.EventKind.SENDER)
    suspects = [
        c
        for c, n in refused.items()
        if n >= MIN_REFUSALS and n >= _paused_at(conn, c, REFUSAL_PAUSE) + MIN_REFUSALS
    ]
    found = {}
    for campaign_id in suspects:
        counted = ledger_counts.campaign_counts(conn, campaign_id)
        bad = refused[campaign_id] + counted.failed
        base = counted.sent + counted.failed
        if base >= MIN_REFUSAL_BASE and bad / base >= error_rate:
            found[campaign_id] = Verdict(refused[campaign_id], _refusal_reason(bad, base))
    return found


def _refusal_reason(bad: int, base: int) -> str:
    return (
        f"paused automatically: receivers refused {bad:,} of {base:,} messages ({bad / base:.0%})"
        " for the newsroom's own reasons (authentication, reputation, policy); fix the cause"
        " (see the send's report) before resuming"
    )


def _paused_at(conn: Connection, campaign_id: int, action: str) -> int:
    """How many had come back when the campaign last paused itself for this (0: never)."""
    last = audit.latest(conn, action=action, target_type="campaign", target_id=campaign_id)
    return int((last or {}).get("detail", {}).get("count", 0))


def _pause(
    conn: Connection, campaign_id: int, action: str, verdict: Verdict, now: datetime
) -> bool:
    if not campaigns.change_status(
        conn,
        campaign_id,
        to=CampaignStatus.PAUSED,
        allowed_from=[CampaignStatus.SENDING],
        reason=verdict.reason,
    ):
        return False
    audit.record(
        conn,
        actor="bulletin",
        action=action,
        now=now,
        target_type="campaign",
        target_id=campaign_id,
        detail={"count": verdict.count},
    )
    return True
