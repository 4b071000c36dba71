"""What every test send shares: who may receive it, which relay carries it, its outcome.

A test send goes out at once through the configured relay (or the built-in catcher),
not through the ledger: it is a handful of messages an editor is waiting to see, and
it never reaches readers. It takes the relay seam and the SMTP client that the engine
sends with, so a test that arrives shows the real send would connect the same way.
Alerts, special reports and the morning briefing all send tests this way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bulletin.config import Settings
from bulletin.domain.addresses import normalise_address
from bulletin.domain.errors import InvalidInput, PermissionDenied
from bulletin.domain.models import Editor
from bulletin.mail.transports import Envelope, Reply
from bulletin.mail.transports import send_now as send_through_relay
from bulletin.services.context import Context

MAX_TEST_RECIPIENTS = 10
# Every test copy, of whatever kind, is marked the same way in the inbox.
TEST_SUBJECT_PREFIX = "[TEST] "
TEST_SEND_TIMEOUT_S = 15.0  # an editor is waiting on the page


@dataclass(frozen=True)
class TestResult:
    recipient: str
    sent: bool
    reply: str


def allowed_test_recipients(ctx: Context, editor: Editor) -> list[str]:
    """Where an editor may test-send from the desk: their own address and the staff list."""
    return list(dict.fromkeys([editor.email, *ctx.settings.staff_seed_list]))


def checked_recipients(ctx: Context, recipients: Sequence[str], actor: Editor | None) -> list[str]:
    """The addresses, normalised and deduplicated; from the desk, only the allowed ones.

    The operator's command line (`actor` None) may name any address.
    """
    addresses = list(dict.fromkeys(normalise_address(r) for r in recipients if r.strip()))
    if not addresses:
        raise InvalidInput("Name at least one address to send the test to.")
    if len(addresses) > MAX_TEST_RECIPIENTS:
        raise InvalidInput(f"Send a test to at most {MAX_TEST_RECIPIENTS} addresses at a time.")
    if actor is not None:
        allowed = {a.lower() for a in allowed_test_recipients(ctx, actor)}
        refused = [a for a in addresses if a.lower() not in allowed]
        if refused:
            raise PermissionDenied(
                f"Tests from the desk go to you or the staff addresses set in"
                f" BULLETIN_STAFF_SEED_LIST, not to {', '.join(refused)}."
            )
    return addresses


def relay_url(settings: Settings) -> str:
    """The first configured relay, else the built-in catcher (running inside `bulletin serve`)."""
    if settings.relay_urls:
        return settings.relay_urls[0]
    return f"smtp://{settings.catcher_host}:{settings.catcher_port}?starttls=off"


def send_replies(ctx: Context, envelopes: Sequence[Envelope]) -> list[Reply]:
    """Send each envelope at once on one connection to the relay; the relay's reply to each."""
    return send_through_relay(
        relay_url(ctx.settings),
        envelopes,
        timeout=TEST_SEND_TIMEOUT_S,
        helo=ctx.settings.helo_name,
    )


def send_now(ctx: Context, envelopes: Sequence[Envelope]) -> list[TestResult]:
    """Send each envelope at once; each address's own outcome."""
    replies = send_replies(ctx, envelopes)
    return [
        TestResult(envelope.recipient, reply.accepted, reply.text)
        for envelope, reply in zip(envelopes, replies, strict=True)
    ]
