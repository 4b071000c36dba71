"""Mail providers' webhooks: verify the request, read its events, apply each one once.

A provider is only heard once its request checks out as the provider documents
(`mail.webhooks`): the SNS signature and topic for Amazon SES, SendGrid's ECDSA
signature, Mailgun's HMAC, Postmark's basic auth. Nothing is read from the database
before that, and no transaction is open while a certificate is fetched or a
subscription confirmed.

Each event is then applied in its own short transaction by `apply`, and is taken
once: its record in `events` carries the provider's own event id as its dedupe key,
so a replayed or retried request changes nothing. A verified webhook is trusted for
the address it names (the provider attests it); the campaign is the one our
Message-ID names, when the provider echoes it and the ledger shows that campaign went
to that reader.

    address     suppressed (audited); a bounce against the campaign
    complaint   suppressed, unsubscribed from every list (consent: "complaint")
    opt_out     unsubscribed from the campaign's list, or from every list when no
                campaign is known (consent: "opt_out")
    mailbox, temporary
                a soft bounce, nothing else
    sender      recorded against the campaign: the reader is not touched
    report      recorded: no one is touched
    delivered, unknown
                ignored
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from bulletin.domain.addresses import address_key
from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import ConsentAction, Subscriber
from bulletin.mail.returns.tags import ReturnTags, attribute
from bulletin.mail.webhooks import mailgun, postmark, sendgrid, ses, sns
from bulletin.mail.webhooks.events import EventClass, ProviderEvent
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.store import campaigns as campaign_store
from bulletin.store.readers import consent, suppressions
from bulletin.store.readers import events as event_store
from bulletin.store.readers import subscribers as subscriber_store

log = logging.getLogger(__name__)

PROVIDERS = ("ses", "sendgrid", "mailgun", "postmark")
C = EventClass
KINDS = {
    C.ADDRESS: event_store.EventKind.BOUNCE,
    C.MAILBOX: event_store.EventKind.SOFT_BOUNCE,
    C.TEMPORARY: event_store.EventKind.SOFT_BOUNCE,
    C.SENDER: event_store.EventKind.SENDER,
    C.COMPLAINT: event_store.EventKind.COMPLAINT,
    C.OPT_OUT: event_store.EventKind.UNSUBSCRIBE,
    C.REPORT: event_store.EventKind.REPORT,
}
SUPPRESSING = {C.ADDRESS: "hard_bounce", C.COMPLAINT: "complaint"}
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
        applied = tuple(apply(self.ctx, event) for event in events)
        for a in applied:
            log.info(
                "%s webhook: %s, %s (campaign %s)",
                a.event.provider,
                a.event.cls.value,
                a.action,
                a.campaign_id,
            )
        return Receipt(applied=applied)


def apply(ctx: Context, event: ProviderEvent) -> Applied:
    """Do what one verified event means, in its own transaction; the second time, nothing."""
    kind = KINDS.get(event.cls)
    if kind is None:
        return Applied(event, "ignored")
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        subscriber, campaign_id = _reader(
            conn, event, domain=ctx.settings.mail_domain, tags=ReturnTags(ctx.settings.secret_key)
        )
        if subscriber is None:
            return Applied(event, "unmatched")
        recorded = event_store.record(
            conn,
            event_store.Event(
                kind=kind,
                campaign_id=campaign_id,
                subscriber_id=subscriber.id,
                email=subscriber.email,
                detail=event.detail,
                dedupe_key=dedupe_key(event),
            ),
            now=now,
        )
        if not recorded:
            return Applied(event, "duplicate", campaign_id)
        actor = f"webhook:{event.provider}"
        if event.cls in SUPPRESSING:
            _suppress(conn, subscriber, event, campaign_id=campaign_id, actor=actor, now=now)
        if event.cls is C.COMPLAINT:
            _leave(conn, subscriber, None, method="complaint", event=event, now=now)
        elif event.cls is C.OPT_OUT:
            campaign = campaign_store.get(conn, campaign_id) if campaign_id else None
            list_id = campaign.list_id if campaign else None
            _leave(conn, subscriber, list_id, method="opt_out", event=event, now=now)
    return Applied(event, "recorded", campaign_id)


def dedupe_key(event: ProviderEvent) -> str:
    """The event's key in `events`: the provider's own id (hashed when very long)."""
    key = f"hook:{event.provider}:{event.event_id}"
    if len(key) <= MAX_KEY:
        return key
    return f"hook:{event.provider}:sha256:{hashlib.sha256(event.event_id.encode()).hexdigest()}"


def _suppress(
    conn: Connection,
    subscriber: Subscriber,
    event: ProviderEvent,
    *,
    campaign_id: int | None,
    actor: str,
    now: datetime,
) -> None:
    reason = SUPPRESSING[event.cls]
    suppressions.add_for_reader(conn, subscriber.id, reason=reason, now=now, detail=event.detail)
    audit.record(
        conn,
        actor=actor,
        action="suppression.add",
        now=now,
        target_type="subscriber",
        target_id=subscriber.id,
        detail={"reason": reason, "campaign": campaign_id, "provider": event.provider},
    )


def _leave(
    conn: Connection,
    subscriber: Subscriber,
    list_id: int | None,
    *,
    method: str,
    event: ProviderEvent,
    now: datetime,
) -> None:
    """Unsubscribe from one list, or from every list the reader is on (list_id None)."""
    lists = (
        [list_id] if list_id is not None else list(subscriber_store.statuses(conn, subscriber.id))
    )
    for each in lists:
        if subscriber_store.unsubscribe(conn, subscriber.id, each, now=now):
            consent.record(
                conn,
                subscriber_id=subscriber.id,
                list_id=each,
                action=ConsentAction.UNSUBSCRIBE,
                method=method,
                now=now,
                wording=event.detail,
            )


def _reader(
    conn: Connection, event: ProviderEvent, *, domain: str, tags: ReturnTags
) -> tuple[Subscriber | None, int | None]:
    """The reader the provider names, and the campaign when our Message-ID and the ledger agree."""
    try:
        key = address_key(event.recipient)
    except InvalidInput:
        return None, None
    subscriber = subscriber_store.find_by_key(conn, key)  # in any letter case
    ours = our_message(event.message_id, domain=domain, tags=tags)
    if subscriber is None:
        return None, None
    if ours is None or ours[1] != subscriber.id:
        return subscriber, None
    campaign_id = ours[0]
    return subscriber, campaign_id if event_store.was_sent(
        conn, campaign_id, subscriber.id
    ) else None


def our_message(message_id: str | None, *, domain: str, tags: ReturnTags) -> tuple[int, int] | None:
    """(campaign, reader) from a Message-ID we made and signed (`mail.returns.tags`), else None."""
    if not message_id:
        return None
    found = attribute([message_id], domain=domain, verify=tags.verify)
    return (found.campaign_id, found.subscriber_id) if found else None
