"""Returned mail as messages (the listener, the mailbox, `bulletin bounces process`).

Each message is classified (`mail.returns`) and handed to the one pipeline
(`services.readers.returns`), which says what each class does. A report counts only
when it is attributed: its VERP address or a quoted Message-ID carries a tag we signed
for a campaign and reader that the ledger shows were sent. A report that merely names
an address is unmatched and changes nothing, so a forged bounce cannot get anyone
suppressed. Every message gets its own transaction, so one that fails costs the others
nothing, and a report seen before counts once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection

from bulletin.mail.mailboxes import read_messages
from bulletin.mail.returns import Return, ReturnClass, read_return
from bulletin.services.context import Context
from bulletin.services.readers import returns
from bulletin.store.readers import events as event_store


@dataclass(frozen=True)
class Outcome:
    """What one message turned out to be and what was done about it."""

    where: str
    kind: ReturnClass
    email: str | None
    campaign_id: int | None
    action: str  # recorded, duplicate, unmatched, ignored
    suppress: bool = False  # this report suppressed or unsubscribed the reader


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
    with ctx.db.reading() as conn:
        subscriber_id = _reader(conn, report)
    item = returns.Classified(
        cls=report.cls,
        dedupe_key=f"report:{report.key}",
        detail=report.detail,
        source="mail",
        subscriber_id=subscriber_id,
        campaign_id=report.campaign_id if subscriber_id is not None else None,
    )
    applied = returns.apply(ctx, item, actor=actor)
    email = applied.email or report.recipient
    return Outcome(
        where, report.cls, email, applied.campaign_id, applied.action, applied.suppresses
    )


def _reader(conn: Connection, report: Return) -> int | None:
    """The reader a signed report is about, when the ledger shows we sent them that campaign."""
    campaign_id, subscriber_id = report.campaign_id, report.subscriber_id
    if campaign_id is None or subscriber_id is None:
        return None
    return subscriber_id if event_store.was_sent(conn, campaign_id, subscriber_id) else None
