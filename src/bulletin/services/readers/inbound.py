"""What becomes of mail the inbound listener takes in: unsubscribes, and returned mail."""

from __future__ import annotations

import logging

from bulletin.mail.inbound import Inbound
from bulletin.services.context import Context
from bulletin.services.readers import bounces, mailto

log = logging.getLogger(__name__)


def take(ctx: Context, message: Inbound) -> None:
    """Act on one message; raises only when the database could not record it (so the
    listener answers 451 and the sender tries again)."""
    where = f"mail from <{message.mail_from}>"
    if message.is_unsubscribe:
        outcome = mailto.unsubscribe_by_mail(ctx, message.data)
        if outcome.unsubscribed:
            log.info("%s left %s by email", outcome.email, outcome.list_name)
        else:
            log.info("unsubscribe mail %s not acted on: %s", where, outcome.reason)
        return
    summary = bounces.process(ctx, [(where, message.data)], actor="listener")
    for taken in summary.outcomes:
        log.info("returned mail %s: %s, %s", where, taken.kind.value, taken.action)
