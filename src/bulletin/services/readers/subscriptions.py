"""Signing up, confirming (double opt-in) and leaving lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bulletin import metrics
from bulletin.domain.addresses import mailbox_key
from bulletin.domain.errors import InvalidInput, TokenInvalid
from bulletin.domain.models import ConsentAction, SignUpResult, Subscriber, SubscriptionStatus
from bulletin.domain.topics import is_iana_zone, valid_topics
from bulletin.mail.tokens import UnsubscribeClaim, address_hash
from bulletin.services.context import Context
from bulletin.services.readers.signup_limits import SignUpLimits
from bulletin.services.webhooks import events as webhook_events
from bulletin.store import lists as list_store
from bulletin.store import outbox
from bulletin.store.readers import consent, suppressions
from bulletin.store.readers import events as event_store
from bulletin.store.readers import preferences as preference_store
from bulletin.store.readers import subscribers as subscriber_store


@dataclass(frozen=True)
class Requester:
    """Where a request came from, for the consent record."""

    method: str
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class PendingConfirmation:
    email: str
    list_names: tuple[str, ...]


@dataclass(frozen=True)
class UnsubscribeTarget:
    email: str
    list_name: str
    subscribed: bool


def sign_up(
    ctx: Context,
    *,
    email: str,
    list_slugs: list[str],
    requester: Requester,
    time_zone: str | None = None,
    topics: list[str] | None = None,
    limits: SignUpLimits | None = None,
) -> SignUpResult:
    """Ask to join lists; queue a confirmation email unless one went out very recently.

    Signing up again is harmless: one subscriber per address (by its key, so any
    spelling of it is the same reader, who keeps the address as first typed); no
    confirmation goes to a suppressed address, and one is re-sent at most once per
    `confirm_resend_s` so the form cannot be used to flood someone's inbox. The time
    zone and topics given are kept only for a new reader: anyone can fill in the form,
    so it must not change an existing reader's choices (those change in the preference
    centre, behind the signed link).

    With `limits` (the public forms), the request counts against its client's and
    network's limits, and a confirmation email against its mailbox's and the service's:
    past one, TooManyRequests is raised and nothing is stored.
    """
    identity = ctx.identities.identity(email)
    if not list_slugs:
        raise InvalidInput("Please choose at least one list.")
    if limits is not None:
        limits.admit(ip=requester.ip)
    wanted_topics = valid_topics(topics or [])
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        chosen = list_store.by_slugs(conn, list(dict.fromkeys(list_slugs)))
        subscriber, created = subscriber_store.get_or_create(
            conn, identity, time_zone=_valid_zone(time_zone), now=now
        )
        if created and wanted_topics:
            preference_store.set_topics(conn, subscriber.id, wanted_topics, now=now)
        pending = subscriber_store.add_pending(
            conn, subscriber.id, [ml.id for ml in chosen], now=now
        )
        for ml in chosen:
            if ml.id in pending.new:
                consent.record(
                    conn,
                    subscriber_id=subscriber.id,
                    list_id=ml.id,
                    action=ConsentAction.SIGN_UP,
                    method=requester.method,
                    now=now,
                    ip=requester.ip,
                    user_agent=requester.user_agent,
                    wording=f"{ml.name}: {ml.description}",
                )
        queued = bool(pending.lists) and _may_send_confirmation(
            ctx, conn, subscriber.id, identity.digest
        )
        if queued and limits is not None:
            # Counted inside the transaction (one in-memory or Redis round trip, well
            # under a millisecond) so that a refusal rolls the whole sign-up back.
            limits.confirmation(mailbox=mailbox_key(identity.key))
        if queued:
            outbox.enqueue(conn, kind="confirm", subscriber_id=subscriber.id, now=now)
            subscriber_store.mark_confirmation_sent(conn, subscriber.id, now=now)
    return SignUpResult(
        subscriber_id=subscriber.id,
        email=subscriber.email,
        lists=tuple(ml.slug for ml in chosen),
        confirmation_queued=queued,
        already_confirmed=tuple(ml.slug for ml in chosen if ml.id not in pending.lists),
    )


def check_confirmation(ctx: Context, token: str) -> PendingConfirmation:
    """What a confirmation link would confirm; changes nothing (GET is safe)."""
    claim = ctx.tokens.read_confirm(token, max_age_s=ctx.settings.confirm_max_age_s)
    with ctx.db.transaction() as conn:
        subscriber = _confirmed_subject(conn, claim.subscriber_id, claim.address_hash)
        names = _list_names(conn, subscriber.id, SubscriptionStatus.PENDING)
    return PendingConfirmation(email=subscriber.email, list_names=names)


def confirm(ctx: Context, token: str, *, requester: Requester) -> PendingConfirmation:
    """Confirm the address and its pending lists. Confirming twice is harmless."""
    claim = ctx.tokens.read_confirm(token, max_age_s=ctx.settings.confirm_max_age_s)
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        subscriber = _confirmed_subject(conn, claim.subscriber_id, claim.address_hash)
        confirmed = subscriber_store.confirm_pending(conn, subscriber.id, now=now)
        for list_id in confirmed:
            consent.record(
                conn,
                subscriber_id=subscriber.id,
                list_id=list_id,
                action=ConsentAction.CONFIRM,
                method=requester.method,
                now=now,
                ip=requester.ip,
                user_agent=requester.user_agent,
            )
        webhook_events.reader_confirmed(conn, subscriber.id, confirmed, now=now)
        names = tuple(ml.name for ml in list_store.all_lists(conn) if ml.id in confirmed)
    if confirmed:
        metrics.confirmed()
    return PendingConfirmation(email=subscriber.email, list_names=names)


def check_unsubscribe(ctx: Context, token: str) -> UnsubscribeTarget:
    """Whom and which list an unsubscribe link is for; changes nothing."""
    claim = ctx.tokens.read_unsubscribe(token, max_age_s=ctx.settings.unsubscribe_max_age_s)
    with ctx.db.transaction() as conn:
        subscriber = _subscriber(conn, claim.subscriber_id)
        mailing_list = list_store.by_id(conn, claim.list_id)
        status = subscriber_store.statuses(conn, subscriber.id).get(mailing_list.id)
    return UnsubscribeTarget(
        email=subscriber.email,
        list_name=mailing_list.name,
        subscribed=status is not None and status is not SubscriptionStatus.UNSUBSCRIBED,
    )


def unsubscribe(ctx: Context, token: str, *, requester: Requester) -> UnsubscribeTarget:
    """Leave the list named by the link, at once. Leaving twice is harmless."""
    claim = ctx.tokens.read_unsubscribe(token, max_age_s=ctx.settings.unsubscribe_max_age_s)
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        subscriber = _subscriber(conn, claim.subscriber_id)
        mailing_list = list_store.by_id(conn, claim.list_id)
        if subscriber_store.unsubscribe(conn, subscriber.id, mailing_list.id, now=now):
            consent.record(
                conn,
                subscriber_id=subscriber.id,
                list_id=mailing_list.id,
                action=ConsentAction.UNSUBSCRIBE,
                method=requester.method,
                now=now,
                ip=requester.ip,
                user_agent=requester.user_agent,
            )
            _attribute_unsubscribe(conn, claim, subscriber, now=now)
            webhook_events.reader_unsubscribed(
                conn, subscriber.id, mailing_list.id, via=requester.method, now=now
            )
    return UnsubscribeTarget(email=subscriber.email, list_name=mailing_list.name, subscribed=False)


def _attribute_unsubscribe(
    conn: Connection, claim: UnsubscribeClaim, subscriber: Subscriber, *, now: datetime
) -> None:
    """Count the unsubscribe against the campaign whose link was used, if it was sent to them."""
    if claim.campaign_id is None or not event_store.was_sent(
        conn, claim.campaign_id, subscriber.id
    ):
        return
    event = event_store.Event(
        kind=event_store.EventKind.UNSUBSCRIBE,
        campaign_id=claim.campaign_id,
        subscriber_id=subscriber.id,
        email=subscriber.email,
        detail=None,
        dedupe_key=f"unsubscribe:c{claim.campaign_id}.s{subscriber.id}.l{claim.list_id}",
    )
    event_store.record(conn, event, now=now)


def _may_send_confirmation(ctx: Context, conn: Connection, subscriber_id: int, digest: str) -> bool:
    if suppressions.is_suppressed(conn, digest):
        return False
    last = subscriber_store.confirmation_sent_at(conn, subscriber_id)
    return last is None or ctx.clock() - last >= timedelta(seconds=ctx.settings.confirm_resend_s)


def linked_reader(conn: Connection, subscriber_id: int) -> tuple[Subscriber, str] | None:
    """The reader a link names, with the fingerprint of the address it was sent to.

    A link made for a reader since merged into another (one address spelt twice, see
    migration 0010) names the one they became, and the address the link went to.
    """
    subscriber = subscriber_store.get(conn, subscriber_id)
    if subscriber is not None:
        return subscriber, address_hash(subscriber.email)
    return subscriber_store.merged_into(conn, subscriber_id)


def _subscriber(conn: Connection, subscriber_id: int) -> Subscriber:
    linked = linked_reader(conn, subscriber_id)
    if linked is None:
        raise TokenInvalid("This link is for a subscription that no longer exists.")
    return linked[0]


def _confirmed_subject(conn: Connection, subscriber_id: int, digest: str) -> Subscriber:
    linked = linked_reader(conn, subscriber_id)
    if linked is None:
        raise TokenInvalid("This link is for a subscription that no longer exists.")
    if linked[1] != digest:
        raise TokenInvalid("This confirmation link is not valid.")
    return linked[0]


def _list_names(
    conn: Connection, subscriber_id: int, status: SubscriptionStatus
) -> tuple[str, ...]:
    wanted = {
        lid for lid, st in subscriber_store.statuses(conn, subscriber_id).items() if st is status
    }
    return tuple(ml.name for ml in list_store.all_lists(conn) if ml.id in wanted)


def _valid_zone(name: str | None) -> str | None:
    """Keep a browser-reported IANA zone if it is real; otherwise the newsroom default applies."""
    if not name or len(name) > 64 or not is_iana_zone(name):
        return None
    return name
