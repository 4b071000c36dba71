"""The inbound listener takes mail for our own addresses only, and never loses what it acks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bulletin.mail.inbound import Inbound, InboundListener, is_ours
from bulletin.mail.transports import Envelope, send_now
from tests.support.ports import free_port

DOMAIN = "news.example.com"
RETURNED = b"From: MAILER-DAEMON@mx.example.org\r\nSubject: Undelivered\r\n\r\nGone.\r\n"


class Taken:
    def __init__(self) -> None:
        self.messages: list[Inbound] = []
        self.fail = False

    def __call__(self, message: Inbound) -> None:
        if self.fail:
            raise RuntimeError("the database is away")
        self.messages.append(message)


@pytest.fixture
def taken() -> Taken:
    return Taken()


@pytest.fixture
def listener(taken: Taken) -> Iterator[InboundListener]:
    started = InboundListener(taken, domain=DOMAIN, port=free_port(), max_bytes=10_000)
    started.start()
    yield started
    started.stop()


def send(listener: InboundListener, to: str, data: bytes = RETURNED) -> tuple[int, str]:
    url = f"smtp://{listener.host}:{listener.port}?starttls=off"
    envelope = Envelope(key=1, sender="", recipient=to, data=data)
    (reply,) = send_now(url, [envelope], timeout=5)
    return reply


@pytest.mark.parametrize(
    ("address", "ours"),
    [
        ("bounces+c12.s345@news.example.com", True),
        ("Bounces+C12.S345@NEWS.example.com", True),
        ("unsubscribe@news.example.com", True),
        ("bounces@news.example.com", False),
        ("editor@news.example.com", False),
        ("bounces+c1.s2@elsewhere.example.org", False),
        ("unsubscribe@news.example.com.evil.example", False),
    ],
)
def test_only_our_return_paths_and_the_unsubscribe_mailbox_are_ours(
    address: str, ours: bool
) -> None:
    assert is_ours(address, DOMAIN) is ours


def test_mail_for_a_return_path_is_taken_in_whole(listener: InboundListener, taken: Taken) -> None:
    code, _ = send(listener, "bounces+c12.s345@news.example.com")

    assert code == 250
    (message,) = taken.messages
    assert message.recipients == ("bounces+c12.s345@news.example.com",)
    assert message.data.replace(b"\r\n", b"\n") == RETURNED.replace(b"\r\n", b"\n")
    assert not message.is_unsubscribe


def test_mail_to_the_unsubscribe_mailbox_is_marked_so(
    listener: InboundListener, taken: Taken
) -> None:
    assert send(listener, "unsubscribe@news.example.com")[0] == 250
    assert taken.messages[0].is_unsubscribe


def test_mail_for_anyone_else_is_refused_at_rcpt(listener: InboundListener, taken: Taken) -> None:
    code, text = send(listener, "editor@news.example.com")

    assert code == 550 and "No such user" in text
    assert taken.messages == []


def test_a_message_over_the_size_limit_is_refused(listener: InboundListener, taken: Taken) -> None:
    code, _ = send(
        listener, "bounces+c1.s2@news.example.com", RETURNED + (b"x" * 70 + b"\r\n") * 300
    )

    assert code == 552
    assert taken.messages == []


def test_a_message_that_could_not_be_recorded_is_not_acknowledged(
    listener: InboundListener, taken: Taken
) -> None:
    taken.fail = True

    code, _ = send(listener, "bounces+c1.s2@news.example.com")

    assert code == 451  # the sender keeps it and tries again
