"""Taking in returned mail: bounces and complaints become events; the bad ones suppress.

A hard bounce or a complaint suppresses the reader's address (no later fan-out picks
it), a soft bounce is only counted. Each report is attributed to the campaign and reader
it is about when our VERP address or Message-ID names one that is in the ledger;
otherwise to the reader whose address the report names (by its key: in any letter
case), with no campaign. A report that names no reader of ours changes nothing. Every
message gets its own transaction, so one that fails costs the others nothing, and a
report seen before counts once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from bulletin.domain.addresses import address_key
from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import Subscriber
from bulletin.mail.bounces import Kind, Report, read_report
from bulletin.mail.mailboxes import parse, read_messages
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.store.readers import events as event_store
from bulletin.store.readers import subscribers as subscriber_store
from bulletin.store.readers import suppressions

SUPPRESSING = {Kind.HARD: "hard_bounce", Kind.COMPLAINT: "complaint"}


@dataclass(frozen=True)
class Outcome:
    """What one message turned out to be and what was done about it."""

    where: str
    kind: Kind
    email: str | None
    campaign_id: int | None
    action: str  # recorded, duplicate, unmatched, ignored


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, action: str, kind: Kind | None = None) -> int:
        return sum(
            1 for o in self.outcomes if o.action == action and (kind is None or o.kind is kind)
        )


def process_source(ctx: Context, path: str, *, stdin: bytes | None = None) -> Summary:
    """Returned mail from a Maildir, an mbox file, one message file, or `stdin` (path "-")."""
    return process(ctx, read_messages(path, stdin=stdin))


def process(ctx: Context, messages: Iterable[tuple[str, bytes]], *, actor: str = "cli") -> Summary:
    summary = Summary()
    for where, raw in messages:
        report = read_report(parse(raw), raw, domain=ctx.settings.mail_domain)
        summary.outcomes.append(_take(ctx, where, report, actor=actor))
    return summary


def _take(ctx: Context, where: str, report: Report, *, actor: str) -> Outcome:
    if report.kind is Kind.NONE:
        return Outcome(where, report.kind, None, report.campaign_id, "ignored")
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        subscriber, campaign_id = _reader(conn, report)
        if subscriber is None:
            email = report.addresses[0] if report.addresses else None
            return Outcome(where, report.kind, email, campaign_id, "unmatched")
        event = event_store.Event(
            kind=event_store.EventKind(report.kind.value),
            campaign_id=campaign_id,
            subscriber_id=subscriber.id,
            email=subscriber.email,
            detail=report.detail,
            dedupe_key=f"report:{report.key}",
        )
        if not event_store.record(conn, event, now=now):
            return Outcome(where, report.kind, subscriber.email, campaign_id, "duplicate")
        if report.kind in SUPPRESSING:
            reason = SUPPRESSING[report.kind]
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
    return Outcome(where, report.kind, subscriber.email, campaign_id, "recorded")


def _reader(conn: Connection, report: Report) -> tuple[Subscriber | None, int | None]:
    """The reader the report is about, and the campaign when the ledger confirms it."""
    campaign_id, subscriber_id = report.campaign_id, report.subscriber_id
    if (
        campaign_id is not None
        and subscriber_id is not None
        and event_store.was_sent(conn, campaign_id, subscriber_id)
    ):
        return subscriber_store.get(conn, subscriber_id), campaign_id
    for address in report.addresses:
        try:
            key = address_key(address)
        except InvalidInput:
            continue
        found = subscriber_store.find_by_key(conn, key)
        if found is not None:
            return found, None
    return None, None
