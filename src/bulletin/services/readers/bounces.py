"""Returned mail as messages (the listener, the mailbox, `bulletin bounces process`).

Each message is classified (`mail.returns`) and handed to the one pipeline
(`services.readers.returns`), which says what each class does. A report counts only
when it is attributed: its VERP address or a quoted Message-ID carries a tag we signed
for a campaign and reader that the ledger shows were sent. A report that merely names
an address is unmatched and changes nothing, so a forged bounce cannot get anyone
suppressed. A report seen before counts once; the messages of one call are applied
together, batched with whatever else this process is taking in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from bulletin.mail.mailboxes import read_messages
from bulletin.mail.returns import Return, ReturnClass, read_return
from bulletin.services.context import Context
from bulletin.services.readers import returns

CHUNK = 200  # messages classified, then applied, at a time (a big mbox is not held whole)


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
    for chunk in _chunks(iter(messages)):
        reports = [
            (where, read_return(raw, domain=ctx.settings.mail_domain, verify=verify))
            for where, raw in chunk
        ]
        items = [_classified(report, actor=actor) for _, report in reports]
        for (where, report), applied in zip(reports, returns.apply_many(ctx, items), strict=True):
            summary.outcomes.append(_outcome(where, report, applied))
    return summary


def _chunks(messages: Iterator[tuple[str, bytes]]) -> Iterator[list[tuple[str, bytes]]]:
    while chunk := list(islice(messages, CHUNK)):
        yield chunk


def _classified(report: Return, *, actor: str) -> returns.Classified:
    """What the pipeline needs of a report; it checks the signed tag against the ledger."""
    return returns.Classified(
        cls=report.cls,
        dedupe_key=f"report:{report.key}",
        detail=report.detail,
        source="mail",
        subscriber_id=report.subscriber_id,
        campaign_id=report.campaign_id,
        actor=actor,
    )


def _outcome(where: str, report: Return, applied: returns.Applied) -> Outcome:
    email = applied.email or report.recipient
    return Outcome(
        where, report.cls, email, applied.campaign_id, applied.action, applied.suppresses
    )
