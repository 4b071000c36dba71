"""Taking in returned mail: each report becomes an event; only the reader's own ones suppress.

An address that is gone, a complaint or an opt-out suppresses the reader's address
(no later fan-out picks it); a full mailbox or a deferral is counted as a soft bounce;
a sender-side rejection (authentication, reputation, rate, content) and every other
report is recorded and touches no reader; auto-replies and delivery notices are
ignored. A report counts only when it is attributed: its VERP address or a quoted
Message-ID carries a tag we signed (`mail.returns`) for a campaign and reader that
the ledger shows were sent. A report that merely names an address is unmatched and
changes nothing, so a forged bounce cannot get anyone suppressed. Every message gets
its own transaction, so one that fails costs the others nothing, and a report seen
before counts once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from bulletin.domain.models import Subscriber
from bulletin.mail.mailboxes import read_messages
from bulletin.mail.returns import Return, ReturnClass, read_return
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.store.readers import events as event_store
from bulletin.store.readers import subscribers as subscriber_store
from bulletin.store.readers import suppressions

EventKind = event_store.EventKind
# What each class of return is recorded as. Still to come (issue 18): soft bounces
# counted per reader toward suppression, sender-side returns against send and relay.
EVENTS = {
    ReturnClass.ADDRESS: EventKind.BOUNCE,
    ReturnClass.MAILBOX: EventKind.SOFT_BOUNCE,
    ReturnClass.TEMPORARY: EventKind.SOFT_BOUNCE,
    ReturnClass.COMPLAINT: EventKind.COMPLAINT,
    ReturnClass.OPT_OUT: EventKind.COMPLAINT,
    ReturnClass.SENDER: EventKind.SENDER,
    ReturnClass.REPORT: EventKind.REPORT,
    ReturnClass.UNKNOWN: EventKind.REPORT,
}
SUPPRESSING = {
    ReturnClass.ADDRESS: "hard_bounce",
    ReturnClass.COMPLAINT: "complaint",
    ReturnClass.OPT_OUT: "complaint",
}


@dataclass(frozen=True)
class Outcome:
    """What one message turned out to be and what was done about it."""

    where: str
    kind: ReturnClass
    email: str | None
    campaign_id: int | None
    action: str  # recorded, duplicate, unmatched, ignored


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, action: str, kind: ReturnClass | None = None) -> int:
        return sum(
            1 for o in self.outcomes if o.action == action and (kind is None or o.kind is kind)
        )


def process_source(ctx: Context, path: str, *, stdin: bytes | None = None) -> Summary:
    """Returned mail from a Maildir, an mbox file, one message file, or `stdin` (path "-")."""
    return process(ctx, read_messages(path, stdin=stdin))


def process(ctx: Context, messages: Iterable[tuple[str, bytes]], *, actor: str = "cli") -> Summary:
    summary = Summary()
    verify = ctx.tokens.returns.verify
    for where, raw in messages:
        report = read_return(raw, domain=ctx.settings.mail_domain, verify=verify)
        summary.outcomes.append(_take(ctx, where, report, actor=actor))
    return summary


def _take(ctx: Context, where: str, report: Return, *, actor: str) -> Outcome:
    if report.cls not in EVENTS:
        return Outcome(where, report.cls, report.recipient, report.campaign_id, "ignored")
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        subscriber = _reader(conn, report)
        if subscriber is None:  # nothing we signed, or a pair the ledger never sent
            return Outcome(where, report.cls, report.recipient, None, "unmatched")
        campaign_id = report.campaign_id
        event = event_store.Event(
            kind=EVENTS[report.cls],
            campaign_id=campaign_id,
            subscriber_id=subscriber.id,
            email=subscriber.email,
            detail=report.detail,
            dedupe_key=f"report:{report.key}",
        )
        if not event_store.record(conn, event, now=now):
            return Outcome(where, report.cls, subscriber.email, campaign_id, "duplicate")
        if report.cls in SUPPRESSING:
            reason = SUPPRESSING[report.cls]
            suppressions.add_for_reader(
                conn, subscriber.id, reason=reason, now=now, detail=report.detail
            )
            audit.record(
                conn,
                actor=actor,
                action="suppression.add",
                now=now,
                target_type="subscriber",
                target_id=subscriber.id,
                detail={"reason": reason, "campaign": campaign_id},
            )
    return Outcome(where, report.cls, subscriber.email, campaign_id, "recorded")


def _reader(conn: Connection, report: Return) -> Subscriber | None:
    """The reader a signed report is about, when the ledger shows we sent them that campaign."""
    campaign_id, subscriber_id = report.campaign_id, report.subscriber_id
    if campaign_id is None or subscriber_id is None:
        return None
    if not event_store.was_sent(conn, campaign_id, subscriber_id):
        return None
    return subscriber_store.get(conn, subscriber_id)
