"""Mail providers' webhooks: verify the request, read its events, apply each one once.

A provider is only heard once its request checks out as the provider documents
(`mail.webhooks`): the SNS signature and topic for Amazon SES, SendGrid's ECDSA
signature, Mailgun's HMAC, Postmark's basic auth. Nothing is read from the database
before that, and no transaction is open while a certificate is fetched or a
subscription confirmed.

The request's events are then applied once, together, by the one pipeline for
returned mail (`services.readers.returns`, which says what each class does): its
record in `events` carries the provider's own event id as its dedupe key, so a replayed
or retried request changes nothing. A verified webhook is trusted for the address it
names (the provider attests it); the campaign is the one our signed Message-ID names,
when the provider echoes it and the ledger shows that campaign went to that reader.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bulletin.domain.addresses import address_key
from bulletin.domain.errors import InvalidInput
from bulletin.mail.returns import ReturnClass
from bulletin.mail.returns.tags import ReturnTags, attribute
from bulletin.mail.webhooks import mailgun, postmark, sendgrid, ses, sns
from bulletin.mail.webhooks.events import ProviderEvent
from bulletin.services.context import Context
from bulletin.services.readers import returns

log = logging.getLogger(__name__)

PROVIDERS = ("ses", "sendgrid", "mailgun", "postmark")
MAX_KEY = 300


@dataclass(frozen=True)
class Applied:
    """What one event turned out to do."""

    event: ProviderEvent
    action: str  # recorded, duplicate, unmatched, ignored
    campaign_id: int | None = None


@dataclass(frozen=True)
class Receipt:
    """What one webhook request brought: its events applied, or a subscription confirmed."""

    applied: tuple[Applied, ...] = ()
    confirmed: bool = False

    def count(self, action: str) -> int:
        return sum(1 for a in self.applied if a.action == action)

    def summary(self) -> dict[str, int | bool]:
        counts: dict[str, int | bool] = {"events": len(self.applied)}
        for action in ("recorded", "duplicate", "unmatched", "ignored"):
            counts[action] = self.count(action)
        if self.confirmed:
            counts["confirmed"] = True
        return counts


@dataclass
class Webhooks:
    """The webhook intake of one process: its settings and the SNS keys it has fetched.

    `fetch_certificate` and `visit` reach Amazon SNS (a signing certificate, a
    SubscribeURL); tests pass their own so that nothing leaves the machine.
    """

    ctx: Context
    fetch_certificate: Callable[[str], bytes] = sns.fetch_https
    visit: Callable[[str], None] = sns.visit_https
    verifier: sns.SnsVerifier = field(init=False)

    def __post_init__(self) -> None:
        settings = self.ctx.settings
        self.verifier = sns.SnsVerifier(
            settings.ses_topic_arns, fetch=self.fetch_certificate, clock=self.ctx.clock
        )
        key = settings.sendgrid_webhook_key
        self._sendgrid_key = sendgrid.public_key(key) if key else None

    def enabled(self, provider: str) -> bool:
        """Whether this provider's webhook is configured (else it has no endpoint)."""
        s = self.ctx.settings
        return {
            "ses": bool(s.ses_topic_arns),
            "sendgrid": self._sendgrid_key is not None,
            "mailgun": bool(s.mailgun_signing_key),
            "postmark": bool(s.postmark_webhook_user and s.postmark_webhook_password),
        }.get(provider, False)

    def ses(self, body: bytes) -> Receipt:
        """An SNS message: a subscription to confirm, or SES notifications."""
        message = self.verifier.verify(body)
        if message.type == sns.SUBSCRIPTION:
            assert message.subscribe_url is not None  # verified: confirmations carry one
            self.visit(message.subscribe_url)
            log.info("confirmed the SNS subscription to %s", message.topic_arn)
            return Receipt(confirmed=True)
        if message.type == sns.UNSUBSCRIPTION:
            log.warning("SNS says this endpoint left %s", message.topic_arn)
            return Receipt()
        return self.take(ses.events(message))

    def sendgrid(self, body: bytes, *, signature: str | None, timestamp: str | None) -> Receipt:
        assert self._sendgrid_key is not None, "the SendGrid webhook is not configured"
        sendgrid.verify(
            body,
            signature=signature,
            timestamp=timestamp,
            key=self._sendgrid_key,
            now=self.ctx.clock(),
        )
        return self.take(sendgrid.events(body))

    def mailgun(self, body: bytes) -> Receipt:
        key = self.ctx.settings.mailgun_signing_key
        assert key, "the Mailgun webhook is not configured"
        return self.take(mailgun.read(body, signing_key=key, now=self.ctx.clock()))

    def postmark(self, body: bytes, *, authorization: str | None) -> Receipt:
        s = self.ctx.settings
        assert s.postmark_webhook_user and s.postmark_webhook_password
        postmark.verify(
            authorization, user=s.postmark_webhook_user, password=s.postmark_webhook_password
        )
        return self.take(postmark.events(body))

    def take(self, events: Iterable[ProviderEvent]) -> Receipt:
        applied = apply_all(self.ctx, list(events))
        for a in applied:
            log.info(
                "%s webhook: %s, %s (campaign %s)",
                a.event.provider,
                a.event.cls.value,
                a.action,
                a.campaign_id,
            )
        return Receipt(applied=applied)


def apply_all(ctx: Context, events: list[ProviderEvent]) -> tuple[Applied, ...]:
    """Do what verified events mean (`services.readers.returns`); a second time, nothing."""
    tags = ReturnTags(ctx.settings.secret_key)
    wanted = [event for event in events if event.cls is not ReturnClass.UNKNOWN]
    items = [_classified(event, domain=ctx.settings.mail_domain, tags=tags) for event in wanted]
    done = iter(returns.apply_many(ctx, items))
    # Opens, clicks, "processed": not returned mail.
    return tuple(
        Applied(event, "ignored")
        if event.cls is ReturnClass.UNKNOWN
        else _applied(event, next(done))
        for event in events
    )


def _applied(event: ProviderEvent, done: returns.Applied) -> Applied:
    return Applied(event, done.action, done.campaign_id)


def _classified(event: ProviderEvent, *, domain: str, tags: ReturnTags) -> returns.Classified:
    """The reader the provider names (by address key) and the reader and campaign our
    signed Message-ID names; the pipeline believes the campaign when they and the ledger agree."""
    try:
        key: str | None = address_key(event.recipient)
    except InvalidInput:
        key = None
    ours = our_message(event.message_id, domain=domain, tags=tags) if key else None
    return returns.Classified(
        cls=event.cls,
        dedupe_key=dedupe_key(event),
        detail=event.detail,
        source=event.provider,
        subscriber_id=ours[1] if ours else None,
        campaign_id=ours[0] if ours else None,
        address_key=key,
        actor=f"webhook:{event.provider}",
    )


def dedupe_key(event: ProviderEvent) -> str:
    """The event's key in `events`: the provider's own id (hashed when very long)."""
    key = f"hook:{event.provider}:{event.event_id}"
    if len(key) <= MAX_KEY:
        return key
    return f"hook:{event.provider}:sha256:{hashlib.sha256(event.event_id.encode()).hexdigest()}"


def our_message(message_id: str | None, *, domain: str, tags: ReturnTags) -> tuple[int, int] | None:
    """(campaign, reader) from a Message-ID we made and signed (`mail.returns.tags`), else None."""
    if not message_id:
        return None
    found = attribute([message_id], domain=domain, verify=tags.verify)
    return (found.campaign_id, found.subscriber_id) if found else None
