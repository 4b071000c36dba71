"""Following and steering a running campaign: progress, pause, resume, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from bulletin.domain import subject_tests as subject_rules
from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import Campaign, CampaignCounts, CampaignStatus, DeliveryStatus, Editor
from bulletin.services.context import Context
from bulletin.store import audit, campaigns, subject_tests
from bulletin.store.ledger import counts as ledger_counts
from bulletin.store.ledger import outcomes
from bulletin.store.subject_tests import Race

RATE_WINDOW = timedelta(seconds=10)
MIN_WINDOW = timedelta(seconds=1)


@dataclass(frozen=True)
class RetryWait:
    """Messages a relay turned away for now (4xx), waiting for their next try."""

    waiting: int  # among the next messages in the queue (a bounded look, not a full count)
    next_at: datetime
    in_s: float  # how long until then (0 once due)
    reply: str | None  # the relay's answer that put the first one back


@dataclass(frozen=True)
class Progress:
    campaign: Campaign
    counts: CampaignCounts
    rate_per_s: float
    eta_s: float | None
    retry: RetryWait | None = None
    race: Race | None = None  # its subject test, if it races subjects
    now: datetime | None = None  # when it was read (the race's time left)

    @property
    def fraction_done(self) -> float:
        total = self.counts.total
        return 1.0 if total == 0 and self.campaign.fanout_done else self.counts.done / max(total, 1)

    def as_json(self) -> dict[str, object]:
        c = self.counts
        return {
            "id": self.campaign.id,
            "status": self.campaign.status.value,
            "reason": self.campaign.status_reason,
            "subject": self.campaign.subject,
            "fanout_done": self.campaign.fanout_done,
            "total": c.total,
            "queued": c.queued,
            "sending": c.sending,
            "sent": c.sent,
            "failed": c.failed,
            "expired": c.expired,
            "cancelled": c.cancelled,
            "rate_per_s": round(self.rate_per_s, 1),
            "eta_s": None if self.eta_s is None else round(self.eta_s, 1),
            "started_at": _minute(self.campaign.started_at),
            "finished_at": _minute(self.campaign.finished_at),
            "retry": None if self.retry is None else _retry_json(self.retry),
            "race": None if self.race is None else _race_json(self.race, self.now),
        }


def _race_json(race: Race, now: datetime | None) -> dict[str, object]:
    decision = race.decision
    left = None
    if decision is None and race.decide_at is not None and now is not None:
        left = max(0, round((race.decide_at - now).total_seconds()))
    return {
        "ends_at": _minute(race.decide_at),
        "left_s": left,
        "winner": None if decision is None else decision.winner,
        "decided": None
        if decision is None
        else subject_rules.describe(decision, race.test.subjects),
        "decided_at": _minute(race.decided_at),
        "standings": [
            {
                "subject": s.subject,
                "sent": s.sent,
                "clickers": s.clickers,
                "rate": f"{s.rate:.1%}",
            }
            for s in race.standings
        ],
    }


def _retry_json(retry: RetryWait) -> dict[str, object]:
    return {
        "waiting": retry.waiting,
        "next_at": _minute(retry.next_at),
        "in_s": round(retry.in_s),
        "reply": retry.reply,
    }


def _minute(at: datetime | None) -> str | None:
    """A time as the desk shows it: `2026-11-24 06:00:05 UTC`."""
    return None if at is None else f"{at:%Y-%m-%d %H:%M:%S} UTC"


def progress(ctx: Context, campaign_id: int) -> Progress:
    # Polled while a send runs (the desk's live counts, the CLI's progress bar): a read
    # that never takes SQLite's write lock, so watching a send cannot slow it down.
    now = ctx.clock()
    with ctx.db.reading() as conn:
        campaign = _campaign(conn, campaign_id)
        counts = ledger_counts.campaign_counts(conn, campaign_id)
        recent = ledger_counts.sent_since(conn, campaign_id, now - RATE_WINDOW)
        retries = ledger_counts.next_retries(conn, campaign_id) if counts.queued else []
        race = subject_tests.race(conn, campaign_id)
    rate = recent / _window(campaign, now).total_seconds()
    eta = counts.open / rate if rate > 0 else None
    return Progress(campaign, counts, rate, eta, _retry_wait(retries, now), race, now)


def _retry_wait(retries: list[tuple[datetime, str | None]], now: datetime) -> RetryWait | None:
    """Why a queued message has not gone yet, when a relay put it back: "Queued 1" alone
    with no rate and no time left told the editor nothing."""
    if not retries:
        return None
    next_at, reply = retries[0]
    return RetryWait(len(retries), next_at, max(0.0, (next_at - now).total_seconds()), reply)


def _window(campaign: Campaign, now: datetime) -> timedelta:
    """The last 10 s, or the time since the send began if shorter (at least 1 s).

    Dividing two messages sent in the first second by ten seconds showed 0.2/s for a
    send that ran at 2/s.
    """
    if campaign.started_at is None:
        return RATE_WINDOW
    return max(MIN_WINDOW, min(RATE_WINDOW, now - campaign.started_at))


def campaign_counts(ctx: Context, campaign_id: int) -> CampaignCounts:
    return progress(ctx, campaign_id).counts


def pause(ctx: Context, campaign_id: int, *, actor: Editor | None) -> None:
    _steer(ctx, campaign_id, actor, to=CampaignStatus.PAUSED, allowed=[CampaignStatus.SENDING])


def resume(ctx: Context, campaign_id: int, *, actor: Editor | None) -> None:
    _steer(ctx, campaign_id, actor, to=CampaignStatus.SENDING, allowed=[CampaignStatus.PAUSED])


def cancel(ctx: Context, campaign_id: int, *, actor: Editor | None) -> int:
    """Stop for good: every message not yet handed to a relay is never sent."""
    who = _who(actor)
    with ctx.db.transaction() as conn:
        _campaign(conn, campaign_id)
        changed = campaigns.change_status(
            conn,
            campaign_id,
            to=CampaignStatus.CANCELLED,
            allowed_from=[
                CampaignStatus.SENDING,
                CampaignStatus.PAUSED,
                CampaignStatus.DRAFT,
                CampaignStatus.AWAITING_APPROVAL,
            ],
            reason=f"cancelled by {who}",
            now=ctx.clock(),
        )
        if not changed:
            raise InvalidInput(
                "Only a campaign that is sending, paused or awaiting approval can be cancelled."
            )
        campaigns.advance_fanout(conn, campaign_id, cursor=None, done=True)
        closed = outcomes.close_unsent(
            conn, [campaign_id], status=DeliveryStatus.CANCELLED, reason=f"cancelled by {who}"
        )
        _audit(conn, ctx, who, "campaign.cancel", campaign_id, {"not_sent": closed})
    return closed


def _steer(
    ctx: Context,
    campaign_id: int,
    actor: Editor | None,
    *,
    to: CampaignStatus,
    allowed: list[CampaignStatus],
) -> None:
    who = _who(actor)
    with ctx.db.transaction() as conn:
        _campaign(conn, campaign_id)
        reason = f"paused by {who}" if to is CampaignStatus.PAUSED else None
        if not campaigns.change_status(
            conn, campaign_id, to=to, allowed_from=allowed, reason=reason
        ):
            raise InvalidInput(f"Only a {allowed[0].value} campaign can be set to {to.value}.")
        _audit(conn, ctx, who, f"campaign.{to.value}", campaign_id, None)


def _who(actor: Editor | None) -> str:
    if actor is not None and not actor.role.can_send:
        raise PermissionDenied("Your role can view campaigns but not change them.")
    return actor.email if actor else "cli"


def _campaign(conn: Connection, campaign_id: int) -> Campaign:
    campaign = campaigns.get(conn, campaign_id)
    if campaign is None:
        raise NotFound(f"There is no campaign {campaign_id}.")
    return campaign


def _audit(
    conn: Connection,
    ctx: Context,
    who: str,
    action: str,
    campaign_id: int,
    detail: dict[str, Any] | None,
) -> None:
    audit.record(
        conn,
        actor=who,
        action=action,
        now=ctx.clock(),
        target_type="campaign",
        target_id=campaign_id,
        detail=detail,
    )
