"""Returned mail and mailto unsubscribes from a polled IMAP mailbox (a real Dovecot on loopback).

A real alert goes out through the engine to a memory relay; the mail that comes back is
written about what it really sent — a DSN to its VERP return path, an unsubscribe to its
List-Unsubscribe mailto with its subject — and delivered into the mailbox (IMAP APPEND)
as the newsroom's mail host would. The poller hands each to `inbound.take`.
"""

from __future__ import annotations

import threading
import time
from email import message_from_bytes, policy
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from typer.testing import CliRunner

from bulletin import server
from bulletin.cli import app
from bulletin.delivery.leader import MAILBOX_LOCK_KEY, Leadership
from bulletin.domain.models import AlertDraft, SubscriptionStatus
from bulletin.mail.imap import parse_imap_url
from bulletin.mail.imap_poller import MailboxPoller
from bulletin.mail.inbound import Inbound
from bulletin.mail.transports.memory import Stored, memory_box
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.readers import inbound
from bulletin.store.db import Database
from bulletin.store.readers import events
from bulletin.store.readers import subscribers as subscriber_store
from tests.support.dovecot import Dovecot, ImapUser
from tests.support.engines import engine_for
from tests.support.factories import confirmed_reader, unique_email
from tests.support.returns import returned_mail, verp_pair
from tests.support.served import wait_for

FIRST = AlertDraft("Dam gates opened", "Move to higher ground.", "https://news.example.com/dam")
SECOND = AlertDraft("Dam: all clear", "Residents may return.", "https://news.example.com/clear")
BREAKING = 1
BOX = "mailbox-e2e"
MAIL_HOST_BOX = "bulletin-returns@mail.news.example.com"  # the mailbox's own address


def alert_to(ctx: Context, draft: AlertDraft) -> list[Stored]:
    memory_box(BOX).clear()
    alerts.fire_alert(ctx, draft, actor=None)
    engine_for(ctx, f"memory://{BOX}").run_until_idle()
    return [m for m in memory_box(BOX).messages if b"List-Id:" in m.data]


def bounce_for(sent: Stored) -> bytes:
    """A Postfix DSN about this very message, to the VERP address it went out with."""
    campaign, subscriber = verp_pair(sent.sender)
    return returned_mail(
        "postfix_550_5_1_1_user_unknown.eml",
        campaign=campaign,
        subscriber=subscriber,
        email=sent.recipient,
    )


def unsubscribe_for(sent: Stored) -> bytes:
    """What a mail client sends for the message's List-Unsubscribe mailto, as delivered."""
    header = str(message_from_bytes(sent.data, policy=policy.default)["List-Unsubscribe"])
    mailto = urlsplit(next(p.strip("<> ") for p in header.split(",") if "mailto:" in p))
    subject = unquote(parse_qs(mailto.query)["subject"][0])
    return (
        f"Return-Path: <{sent.recipient}>\r\n"
        f"Delivered-To: {MAIL_HOST_BOX}\r\n"
        f"X-Original-To: {mailto.path}\r\n"
        f"From: {sent.recipient}\r\nTo: {mailto.path}\r\nSubject: {subject}\r\n\r\n"
    ).encode()


def with_mailbox(ctx: Context, server_: Dovecot, user: ImapUser) -> Context:
    settings = ctx.settings.replace(bounce_imap_url=server_.url(user))
    return Context(settings=settings, db=ctx.db, clock=ctx.clock)


def status(ctx: Context, subscriber_id: int) -> SubscriptionStatus | None:
    with ctx.db.transaction() as conn:
        return subscriber_store.statuses(conn, subscriber_id).get(BREAKING)


def campaign_of(sent: Stored) -> int:
    return int(sent.sender.split("@")[0].removeprefix("bounces+c").split(".s")[0])


def test_a_bounce_and_a_mailto_unsubscribe_in_the_mailbox_are_taken_and_moved(
    ctx: Context, dovecot_server: Dovecot
) -> None:
    gone, leaving, staying = unique_email(), unique_email(), unique_email()
    confirmed_reader(ctx, email=gone)
    leaver = confirmed_reader(ctx, email=leaving)
    confirmed_reader(ctx, email=staying)
    sent = {m.recipient: m for m in alert_to(ctx, FIRST)}
    user = dovecot_server.new_user()
    dovecot_server.deliver(user, bounce_for(sent[gone]), unsubscribe_for(sent[leaving]))
    polling = with_mailbox(ctx, dovecot_server, user)

    first = server.mailbox_poller_for(polling).poll_once()
    second = server.mailbox_poller_for(polling).poll_once()

    assert (first.taken, first.left, first.unreadable) == (2, 0, 0)
    assert second.taken == 0
    assert dovecot_server.folders(user) == {"INBOX": 0, "Bulletin.Processed": 2}
    assert status(ctx, leaver) is SubscriptionStatus.UNSUBSCRIBED
    assert [m.recipient for m in alert_to(ctx, SECOND)] == [staying]  # gone is suppressed


def test_a_crash_between_taking_and_moving_takes_the_message_again_and_counts_it_once(
    ctx: Context, dovecot_server: Dovecot
) -> None:
    gone, leaving = unique_email(), unique_email()
    confirmed_reader(ctx, email=gone)
    leaver = confirmed_reader(ctx, email=leaving)
    sent = {m.recipient: m for m in alert_to(ctx, FIRST)}
    user = dovecot_server.new_user()
    dovecot_server.deliver(user, bounce_for(sent[gone]), unsubscribe_for(sent[leaving]))
    polling = with_mailbox(ctx, dovecot_server, user)

    def take_then_die(message: Inbound) -> None:
        inbound.take(polling, message)  # recorded in the database ...
        raise RuntimeError("... and the poller dies before it moves the message")

    dying = MailboxPoller(parse_imap_url(dovecot_server.url(user)), take_then_die)
    assert dying.poll_once().left == 2
    assert dovecot_server.folders(user) == {"INBOX": 2}

    again = server.mailbox_poller_for(polling).poll_once()

    assert again.taken == 2
    assert dovecot_server.folders(user) == {"INBOX": 0, "Bulletin.Processed": 2}
    with ctx.db.transaction() as conn:
        counted = events.counts(conn, campaign_of(sent[gone]))
    assert counted[events.EventKind.BOUNCE] == 1
    assert counted[events.EventKind.UNSUBSCRIBE] == 1
    assert status(ctx, leaver) is SubscriptionStatus.UNSUBSCRIBED


def test_taking_the_same_message_twice_changes_nothing_the_second_time(ctx: Context) -> None:
    """What the poller relies on: `take` is idempotent for returned mail (by a digest of
    the message) and for unsubscribes (a reader who has left cannot leave again)."""
    gone, leaving = unique_email(), unique_email()
    confirmed_reader(ctx, email=gone)
    leaver = confirmed_reader(ctx, email=leaving)
    sent = {m.recipient: m for m in alert_to(ctx, FIRST)}
    bounce = Inbound("", (sent[gone].sender,), bounce_for(sent[gone]))
    leave = Inbound(leaving, ("unsubscribe@news.example.com",), unsubscribe_for(sent[leaving]))

    for _ in range(2):
        inbound.take(ctx, bounce)
        inbound.take(ctx, leave)

    with ctx.db.transaction() as conn:
        counted = events.counts(conn, campaign_of(sent[gone]))
    assert (counted[events.EventKind.BOUNCE], counted[events.EventKind.UNSUBSCRIBE]) == (1, 1)
    assert status(ctx, leaver) is SubscriptionStatus.UNSUBSCRIBED


def test_bounces_poll_once_takes_what_is_waiting_and_says_so(
    ctx: Context, dovecot_server: Dovecot, tmp_path: Path
) -> None:
    gone = unique_email()
    confirmed_reader(ctx, email=gone)
    (sent,) = alert_to(ctx, FIRST)
    user = dovecot_server.new_user()
    dovecot_server.deliver(user, bounce_for(sent), b"no header, no message\r\n")
    env = {
        "BULLETIN_DATABASE_URL": ctx.settings.database_url,
        "BULLETIN_SECRET_KEY": ctx.settings.secret_key,
        "BULLETIN_SENDER": ctx.settings.sender,
        "BULLETIN_DATA_DIR": str(tmp_path / "data"),
        "BULLETIN_BOUNCE_IMAP_URL": dovecot_server.url(user),
    }

    done = CliRunner().invoke(app, ["bounces", "poll", "--once"], env=env)

    assert done.exit_code == 0, done.output
    assert "1 taken, 1 unreadable (moved to Bulletin.Unreadable)" in done.output
    assert user.password not in done.output
    assert [m.recipient for m in alert_to(ctx, SECOND)] == []


def test_bounces_poll_without_a_mailbox_says_what_to_set(ctx: Context, tmp_path: Path) -> None:
    env = {
        "BULLETIN_DATABASE_URL": ctx.settings.database_url,
        "BULLETIN_SECRET_KEY": ctx.settings.secret_key,
        "BULLETIN_DATA_DIR": str(tmp_path / "data"),
    }
    done = CliRunner().invoke(app, ["bounces", "poll", "--once"], env=env)
    assert done.exit_code == 1 and "set BULLETIN_BOUNCE_IMAP_URL" in done.output


@pytest.mark.postgres
def test_on_postgresql_one_process_at_a_time_polls_the_mailbox(
    postgres_migrated: str, dovecot_server: Dovecot
) -> None:
    user = dovecot_server.new_user()
    address = parse_imap_url(dovecot_server.url(user))
    databases = [Database(postgres_migrated), Database(postgres_migrated)]
    taken: list[list[bytes]] = [[], []]
    stop = threading.Event()
    threads = []
    for n, db in enumerate(databases):  # two worker processes' pollers, each its own lead
        lead = Leadership(db, key=MAILBOX_LOCK_KEY)
        record = partial(_record, taken[n])
        polling = MailboxPoller(address, record, interval_s=0.1, may_poll=lead.holds)
        threads.append(threading.Thread(target=polling.run, args=(stop,)))
    try:
        for thread in threads:
            thread.start()
        for n in range(6):
            dovecot_server.deliver(user, f"From: a@b\r\nSubject: {n}\r\n\r\n.\r\n".encode())
            time.sleep(0.05)
        wait_for(lambda: dovecot_server.folders(user).get("Bulletin.Processed") == 6, "all six")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        for db in databases:
            db.dispose()

    assert sorted(len(t) for t in taken) == [0, 6]


def _record(into: list[bytes], message: Inbound) -> None:
    into.append(message.data)
