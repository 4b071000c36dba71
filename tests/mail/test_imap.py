"""The bounce mailbox over IMAP, against a real Dovecot on loopback: taken once, moved after.

These tests hand messages to a recording `take`; tests/services/readers/test_mailbox.py
hands them to the real `inbound.take`, with real alerts' returns and unsubscribes.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from bulletin.domain.errors import ConfigurationError, MailboxUnavailable
from bulletin.mail.imap import PROCESSED as PROCESSED_FOLDER
from bulletin.mail.imap import Mailbox, parse_imap_url
from bulletin.mail.imap_poller import MailboxPoller, read_inbound, retry_delay
from bulletin.mail.inbound import Inbound
from tests.support.dovecot import Dovecot, ImapUser
from tests.support.ports import free_port

PROCESSED, UNREADABLE = "Bulletin.Processed", "Bulletin.Unreadable"  # Dovecot's separator: "."


def returned(n: int = 1) -> bytes:
    """Mail as the mail host delivers it to the bounce mailbox: envelope headers on top."""
    return (
        "Return-Path: <>\r\n"
        "Delivered-To: bulletin-bounces@mail.news.example.com\r\n"
        f"X-Original-To: bounces+c{n}.s{n}@news.example.com\r\n"
        "From: MAILER-DAEMON@mx.readers.example.org\r\n"
        f"To: bounces+c{n}.s{n}@news.example.com\r\n"
        f"Subject: Undelivered Mail Returned to Sender ({n})\r\n"
        "\r\n"
        "This is the mail system at host mx.readers.example.org.\r\n"
    ).encode()


@pytest.fixture
def user(dovecot_server: Dovecot) -> ImapUser:
    return dovecot_server.new_user()


def poller(
    server: Dovecot,
    user: ImapUser,
    take: Callable[[Inbound], None],
    *,
    way: str = "plain",
    interval_s: float = 60.0,
) -> MailboxPoller:
    return MailboxPoller(
        parse_imap_url(server.url(user, way=way)),
        take,
        interval_s=interval_s,
        ssl_context=server.client_context(),
    )


def test_each_message_is_taken_then_moved_and_a_second_poll_takes_nothing(
    dovecot_server: Dovecot, user: ImapUser
) -> None:
    dovecot_server.deliver(user, returned(1), returned(2))
    taken: list[Inbound] = []

    first = poller(dovecot_server, user, taken.append).poll_once()
    second = poller(dovecot_server, user, taken.append).poll_once()

    assert (first.taken, second.taken) == (2, 0)
    assert [m.data for m in taken] == [returned(1), returned(2)]  # the bytes as delivered
    assert taken[0].mail_from == ""  # Return-Path: <>, a bounce's null sender
    assert taken[0].recipients == (
        "bulletin-bounces@mail.news.example.com",
        "bounces+c1.s1@news.example.com",
    )
    assert dovecot_server.folders(user) == {"INBOX": 0, PROCESSED: 2}


def test_a_message_whose_take_raises_stays_unmarked_and_is_taken_at_the_next_poll(
    dovecot_server: Dovecot, user: ImapUser
) -> None:
    dovecot_server.deliver(user, returned(1), returned(2))
    taken: list[bytes] = []

    def database_away_for_the_first(message: Inbound) -> None:
        if message.data == returned(1) and not taken:
            taken.append(b"failed")
            raise RuntimeError("database is away")
        taken.append(message.data)

    first = poller(dovecot_server, user, database_away_for_the_first).poll_once()
    assert (first.taken, first.left) == (1, 1)
    assert dovecot_server.folders(user) == {"INBOX": 1, PROCESSED: 1}
    client = dovecot_server.client(user)
    client.select_folder("INBOX")
    flags = client.get_flags(client.search("ALL"))
    client.logout()
    assert all(b"\\Seen" not in f for f in flags.values()), "left as it came: unread"

    second = poller(dovecot_server, user, database_away_for_the_first).poll_once()

    assert (second.taken, second.left) == (1, 0)
    assert taken == [b"failed", returned(2), returned(1)]
    assert dovecot_server.folders(user) == {"INBOX": 0, PROCESSED: 2}


def test_an_unreadable_message_is_moved_aside_and_reported_never_retried(
    dovecot_server: Dovecot, user: ImapUser, caplog: pytest.LogCaptureFixture
) -> None:
    big = returned(3) + b"x" * 2048 + b"\r\n"
    dovecot_server.deliver(user, b"this is not a mail message at all\r\n", big, returned(1))
    taken: list[Inbound] = []
    small_limit = MailboxPoller(
        parse_imap_url(dovecot_server.url(user)), taken.append, max_bytes=1024
    )

    with caplog.at_level(logging.WARNING, logger="bulletin.mail.imap_poller"):
        first = small_limit.poll_once()
    second = small_limit.poll_once()

    assert (first.taken, first.unreadable, first.aside) == (1, 2, UNREADABLE)
    assert (second.taken, second.unreadable) == (0, 0)
    assert [m.data for m in taken] == [returned(1)]
    assert dovecot_server.folders(user) == {"INBOX": 0, PROCESSED: 1, UNREADABLE: 2}
    reported = [r.getMessage() for r in caplog.records]
    assert any("not a mail message" in line for line in reported)
    assert any("over the limit of 1024" in line for line in reported)


def test_two_pollers_at_once_take_a_message_and_neither_fails_on_the_other(
    dovecot_server: Dovecot, user: ImapUser
) -> None:
    dovecot_server.deliver(user, returned(1))
    address = parse_imap_url(dovecot_server.url(user))
    one, other = Mailbox.open(address), Mailbox.open(address)
    try:
        assert one.waiting() == other.waiting() == [1]
        other.move(1, PROCESSED_FOLDER)  # the other took it first and moved it

        assert one.fetch(1, max_bytes=1024) is None  # gone: not taken here
        one.move(1, PROCESSED_FOLDER)  # and a late move of it is no error
    finally:
        one.close()
        other.close()
    assert dovecot_server.folders(user) == {"INBOX": 0, PROCESSED: 1}


def test_reading_a_message_finds_its_recipients_and_return_path() -> None:
    unsubscribe = (
        b"Return-Path: <Reader@Readers.example.org>\r\n"
        b"Delivered-To: bulletin-bounces@mail.news.example.com\r\n"
        b"To: Unsubscribe <unsubscribe@news.example.com>\r\n"
        b"Subject: unsubscribe\r\n\r\n"
    )
    message = read_inbound(unsubscribe)

    assert isinstance(message, Inbound) and message.is_unsubscribe
    assert message.mail_from == "Reader@Readers.example.org"
    assert "unsubscribe@news.example.com" in message.recipients
    assert not isinstance(read_inbound(b"\r\n\r\n"), Inbound)


def test_a_wrong_password_is_reported_without_the_password(
    dovecot_server: Dovecot, user: ImapUser, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "not-the-Password-42"
    url = dovecot_server.url(user, password=wrong)
    polling = MailboxPoller(parse_imap_url(url), lambda m: None, interval_s=0.05)

    with pytest.raises(MailboxUnavailable) as refused:
        polling.poll_once()
    stop = threading.Event()
    with caplog.at_level(logging.DEBUG):
        thread = threading.Thread(target=polling.run, args=(stop,))
        thread.start()
        time.sleep(0.5)  # the loop tries, fails, backs off and tries again
        stop.set()
        thread.join(timeout=10)

    assert str(refused.value).endswith(
        "refused the login: [AUTHENTICATIONFAILED] Authentication failed."
    )
    assert f"{user.name}@127.0.0.1" in str(refused.value)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "refused the login" in logged and "trying again in" in logged
    for text in (str(refused.value), repr(refused.value), logged, repr(polling.address)):
        assert wrong not in text and user.password not in text
    assert not thread.is_alive()


def test_imaps_and_starttls_are_verified_against_the_certificate(
    dovecot_server: Dovecot, user: ImapUser
) -> None:
    taken: list[Inbound] = []

    dovecot_server.deliver(user, returned(1))
    assert poller(dovecot_server, user, taken.append, way="imaps").poll_once().taken == 1
    dovecot_server.deliver(user, returned(2))
    assert poller(dovecot_server, user, taken.append, way="starttls").poll_once().taken == 1
    untrusted = MailboxPoller(parse_imap_url(dovecot_server.url(user, way="imaps")), taken.append)
    with pytest.raises(MailboxUnavailable, match=r"could not be reached.*CERTIFICATE_VERIFY"):
        untrusted.poll_once()
    assert len(taken) == 2


def test_new_mail_is_taken_at_once_with_idle(dovecot_server: Dovecot, user: ImapUser) -> None:
    arrived = threading.Event()
    polling = poller(dovecot_server, user, lambda m: arrived.set(), interval_s=300)
    stop = threading.Event()
    thread = threading.Thread(target=polling.run, args=(stop,))
    thread.start()
    try:
        time.sleep(0.5)  # the first round found nothing; it waits in IDLE (or 300 s without)
        dovecot_server.deliver(user, returned(1))
        assert arrived.wait(timeout=20), "IDLE should have woken the poller"
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive(), "a stop is heard within IDLE"


def test_a_process_that_does_not_hold_the_lead_leaves_the_mailbox_alone(
    dovecot_server: Dovecot, user: ImapUser
) -> None:
    dovecot_server.deliver(user, returned(1))
    asked: list[bool] = []

    def another_process_leads() -> bool:
        asked.append(True)
        if len(asked) == 2:
            raise OSError("the database deciding who leads is away")
        return False

    taken: list[Inbound] = []
    polling = MailboxPoller(
        parse_imap_url(dovecot_server.url(user)),
        taken.append,
        interval_s=0.05,
        may_poll=another_process_leads,
    )
    stop = threading.Event()
    thread = threading.Thread(target=polling.run, args=(stop,))
    thread.start()
    time.sleep(0.4)
    stop.set()
    thread.join(timeout=10)

    assert len(asked) > 2, "asked again after the database failed to answer"
    assert taken == []
    assert dovecot_server.folders(user) == {"INBOX": 1}


def test_a_mailbox_that_cannot_be_reached_is_reported_and_retried_with_back_off() -> None:
    address = parse_imap_url(f"imap://u:secret-pw@127.0.0.1:{free_port()}/INBOX?starttls=off")
    with pytest.raises(MailboxUnavailable, match="could not be reached") as refused:
        MailboxPoller(address, lambda m: None).poll_once()
    assert "secret-pw" not in str(refused.value)
    assert [retry_delay(n, 60) for n in (1, 2, 3, 4, 5, 6)] == [60, 120, 240, 480, 900, 900]
    assert retry_delay(1, 3600) == 3600  # never sooner than the interval


def test_starttls_is_required_unless_turned_off(no_starttls_server: int) -> None:
    url = f"imap://u:secret-pw@127.0.0.1:{no_starttls_server}/INBOX"
    with pytest.raises(MailboxUnavailable, match="does not offer STARTTLS") as refused:
        MailboxPoller(parse_imap_url(url), lambda m: None).poll_once()
    assert "secret-pw" not in str(refused.value)


def test_a_url_names_the_mailbox_and_keeps_its_password_out_of_sight() -> None:
    address = parse_imap_url("imaps://bounces%40news:p%40ss@imap.example.org/Returns%20In")

    assert (address.host, address.port, address.folder) == ("imap.example.org", 993, "Returns In")
    assert (address.username, address.password) == ("bounces@news", "p@ss")
    assert address.display == "imaps://bounces@news@imap.example.org:993/Returns In"
    assert "p@ss" not in repr(address)
    plain = parse_imap_url("imap://u:pw@imap.example.org?idle=off")
    assert (plain.port, plain.starttls, plain.idle) == (143, "require", False)
    assert plain.folder == "INBOX"


@pytest.mark.parametrize(
    "url",
    [
        "pop3://u:hunter22@imap.example.org/INBOX",
        "imaps://imap.example.org/INBOX",
        "imap://u:hunter22@imap.example.org/INBOX?starttls=maybe",
        "imap://u:hunter22@imap.example.org/INBOX?folder=Bounces",
        "imap://u:hunter22@imap.example.org:99999/INBOX",
    ],
)
def test_a_url_that_names_no_mailbox_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        parse_imap_url(url)
    assert "BULLETIN_BOUNCE_IMAP_URL" in str(refused.value)
    assert "hunter22" not in str(refused.value)


@pytest.fixture
def no_starttls_server() -> Iterator[int]:
    """An IMAP greeting that offers no STARTTLS, then silence: enough to be refused."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])

    def serve() -> None:
        with listener:
            conn, _ = listener.accept()
            with conn:
                conn.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
                for line in conn.makefile("rb"):
                    tag = line.split(b" ", 1)[0]
                    if b"CAPABILITY" in line.upper():
                        conn.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + b" OK ok\r\n")
                        continue
                    if b"LOGOUT" in line.upper():
                        conn.sendall(b"* BYE\r\n" + tag + b" OK bye\r\n")
                        return
                    conn.sendall(tag + b" BAD not here\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port
    thread.join(timeout=5)
