"""The lean asyncio SMTP client against real servers on loopback.

aiosmtpd (no PIPELINING) for replies, dot-stuffing, TLS and AUTH; a small server of
our own (tests/support/pipelining_relay.py) for PIPELINING and 8BITMIME.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, TypeVar

import pytest

from bulletin.mail import message as mail
from bulletin.mail.transports.addresses import parse_smtp_url
from bulletin.mail.transports.smtp_client import (
    LocalPolicy,
    LoginNeedsEncryption,
    SmtpConnection,
    SmtpConnectionLost,
)
from tests.support.pipelining_relay import PipeliningRelay
from tests.support.ports import free_port
from tests.support.relays import Certificates, Relay, password_checker
from tests.support.smtp_sink import SmtpSink

SENDER = "bounces+c1.s1@news.example.com"
USER, PASSWORD = "desk@news.example.com", "s3cret:pass"
T = TypeVar("T")


def message(n: int, body: str = "Body") -> bytes:
    return (
        f"From: alerts@news.example.com\r\nTo: reader{n}@readers.example.org\r\n"
        f"Message-ID: <m{n}@news.example.com>\r\nSubject: Alert {n}\r\n\r\n{body}\r\n"
    ).encode()


def built_message(text: str, html: str) -> bytes:
    """A message as Bulletin builds one (multipart/alternative, bodies 7bit or 8bit)."""
    return mail.build(
        mail.OutgoingMessage(
            sender="News <alerts@news.example.com>",
            to=reader(1),
            subject="Grüße",
            text=text,
            html=html,
            message_id="<m1@news.example.com>",
            date=datetime(2026, 3, 2, 6, 0, tzinfo=UTC),
        )
    )


def reader(n: int) -> str:
    return f"reader{n}@readers.example.org"


def connection(
    url: str,
    *,
    context: ssl.SSLContext | None = None,
    helo: str | None = None,
    local: LocalPolicy | None = None,
) -> SmtpConnection:
    options = {"local": local} if local else {}
    return SmtpConnection(
        parse_smtp_url(url),
        ssl_context=context or ssl.create_default_context(),
        timeout=5,
        helo=helo,
        **options,
    )


def run(coroutine: Awaitable[T]) -> T:
    async def bounded() -> T:
        async with asyncio.timeout(30):  # nothing here may hang the suite
            return await coroutine

    return asyncio.run(bounded())


async def send_all(
    url: str, messages: list[tuple[int, bytes]], *, eight_bit: bool = False, **kw: Any
) -> list[tuple[int, str]]:
    """Open one connection, send each (reader number, data) on it, close politely."""
    conn = connection(url, **kw)
    await conn.open()
    try:
        return [
            await conn.send(SENDER, reader(n), data, eight_bit=eight_bit) for n, data in messages
        ]
    finally:
        await conn.close(polite=True)


@pytest.fixture(scope="module")
def certificates() -> Certificates:
    return Certificates()


@pytest.fixture
def relay() -> Iterator[Relay]:
    with Relay() as started:
        yield started


# Replies, without PIPELINING (aiosmtpd does not offer it)


def test_accepted_message_arrives_and_reports_the_relays_reply(smtp_sink: SmtpSink) -> None:
    replies = run(send_all(smtp_sink.url, [(1, message(1)), (2, message(2))]))

    assert replies == [(250, "250 2.0.0 queued as test")] * 2
    assert [(r.mail_from, r.rcpt_tos) for r in smtp_sink.received] == [
        (SENDER, [reader(1)]),
        (SENDER, [reader(2)]),
    ]
    assert smtp_sink.received[0].data == message(1)


@pytest.mark.parametrize(
    "refusal", ["451 4.7.1 Greylisted, try again", "550 5.1.1 No such user here"]
)
def test_refusal_at_rcpt_is_reported_and_the_connection_goes_on(
    smtp_sink: SmtpSink, refusal: str
) -> None:
    smtp_sink.handler.rcpt_replies[reader(2)] = refusal

    replies = run(send_all(smtp_sink.url, [(1, message(1)), (2, message(2)), (3, message(3))]))

    assert replies[1] == (int(refusal[:3]), refusal)
    assert [code for code, _ in replies] == [250, int(refusal[:3]), 250]
    assert [r.rcpt_tos for r in smtp_sink.received] == [[reader(1)], [reader(3)]]


@pytest.mark.parametrize(
    "refusal", ["452 4.3.1 Insufficient system storage", "554 5.7.1 Rejected as spam"]
)
def test_refusal_after_data_is_reported_with_the_relays_words(relay: Relay, refusal: str) -> None:
    relay.handler.data_reply = refusal

    replies = run(send_all(relay.url(query="starttls=off"), [(1, message(1)), (2, message(2))]))

    assert replies == [(int(refusal[:3]), refusal)] * 2


def test_relay_refusing_our_envelope_sender_is_temporary_not_the_readers_fault() -> None:
    with Relay(authenticator=password_checker(USER, PASSWORD), auth_required=True) as relay:
        replies = run(send_all(relay.url(query="starttls=off"), [(1, message(1))]))
        assert relay.received == []
    ((code, text),) = replies
    assert code == 451
    assert text.startswith("530")


def test_lines_starting_with_a_dot_arrive_intact(smtp_sink: SmtpSink) -> None:
    body = ".hidden line\r\n.\r\n..two dots\r\nmiddle . dot\r\n."
    data = message(1, body)

    (reply,) = run(send_all(smtp_sink.url, [(1, data)]))

    assert reply[0] == 250
    assert smtp_sink.received[0].data == data


def test_message_without_a_final_line_end_is_ended_properly(smtp_sink: SmtpSink) -> None:
    data = message(1).rstrip(b"\r\n")

    (reply,) = run(send_all(smtp_sink.url, [(1, data)]))

    assert reply[0] == 250
    assert smtp_sink.received[0].data == data + b"\r\n"


# Losing the connection


def test_relay_not_listening_raises_connection_lost() -> None:
    with pytest.raises(SmtpConnectionLost, match="ConnectionRefusedError"):
        run(send_all(f"smtp://127.0.0.1:{free_port()}?starttls=off", [(1, message(1))]))


def test_relay_hanging_up_after_data_raises_connection_lost_and_nothing_is_counted(
    relay: Relay,
) -> None:
    async def scenario() -> tuple[int, str]:
        conn = connection(relay.url(query="starttls=off"))
        await conn.open()
        relay.handler.hang_up_after_data = True
        first = await conn.send(SENDER, reader(1), message(1), eight_bit=False)
        with pytest.raises(SmtpConnectionLost):
            await conn.send(SENDER, reader(2), message(2), eight_bit=False)
        return first

    assert run(scenario())[0] == 250
    assert [r.rcpt_tos for r in relay.received] == [[reader(1)]]


def test_connection_dropped_mid_data_raises_connection_lost() -> None:
    async def scenario(server: PipeliningRelay) -> None:
        conn = connection(server.url)
        await conn.open()
        with pytest.raises(SmtpConnectionLost):
            await conn.send(SENDER, reader(1), message(1, "x" * 200_000), eight_bit=False)

    async def main() -> list[object]:
        async with PipeliningRelay(drop_during_data=True) as server:
            await scenario(server)
            return list(server.delivered)

    assert run(main()) == []


# Encryption and authentication


def test_starttls_encrypts_before_the_message(certificates: Certificates) -> None:
    with Relay(tls_context=certificates.server_context(), require_starttls=True) as relay:
        replies = run(
            send_all(relay.url(), [(1, message(1))], context=certificates.client_context())
        )
        assert [a.encrypted for a in relay.arrivals] == [True]
    assert replies[0][0] == 250


def test_implicit_tls_encrypts_from_the_start(certificates: Certificates) -> None:
    with Relay(ssl_context=certificates.server_context()) as relay:
        replies = run(
            send_all(relay.url("smtps"), [(1, message(1))], context=certificates.client_context())
        )
        assert [a.encrypted for a in relay.arrivals] == [True]
    assert replies[0][0] == 250


def test_untrusted_certificate_raises_connection_lost_and_sends_nothing(
    certificates: Certificates,
) -> None:
    with Relay(tls_context=certificates.server_context()) as relay:
        with pytest.raises(SmtpConnectionLost, match="SSLCertVerificationError"):
            run(send_all(relay.url(), [(1, message(1))]))
        assert relay.received == []


def test_starttls_required_but_not_offered_raises_and_sends_nothing(relay: Relay) -> None:
    with pytest.raises(SmtpConnectionLost, match="does not offer STARTTLS"):
        run(send_all(relay.url(query="starttls=require"), [(1, message(1))]))
    assert relay.received == []


@pytest.mark.parametrize("excluded", [[], ["PLAIN"]], ids=["plain", "login"])
def test_auth_over_starttls_with_the_right_password_sends(
    certificates: Certificates, excluded: list[str]
) -> None:
    checker = password_checker(USER, PASSWORD)
    tls = {"tls_context": certificates.server_context(), "auth_exclude_mechanism": excluded}
    with Relay(authenticator=checker, auth_required=True, **tls) as relay:
        url = relay.url(credentials="desk%40news.example.com:s3cret%3Apass")
        replies = run(send_all(url, [(1, message(1))], context=certificates.client_context()))
        assert [a.encrypted for a in relay.arrivals] == [True]
    assert replies[0][0] == 250


def test_auth_with_a_wrong_password_raises_connection_lost(certificates: Certificates) -> None:
    checker = password_checker(USER, PASSWORD)
    tls = {"tls_context": certificates.server_context()}
    with Relay(authenticator=checker, auth_required=True, **tls) as relay:
        url = relay.url(credentials="desk%40news.example.com:wrong")
        with pytest.raises(SmtpConnectionLost, match="535"):
            run(send_all(url, [(1, message(1))], context=certificates.client_context()))
        assert relay.received == []


# Never a password in clear, unless the relay is on loopback

# The relays here are on loopback, where logging in without encryption is allowed (the
# password crosses no network). To stand for a relay elsewhere, these tests give the
# client a policy that trusts no address as local: the one thing changed, and only the
# decision the refusal rests on. The real rule, `is_loopback`, is specified in
# test_addresses.py; test_login_in_clear_to_a_loopback_relay_is_allowed shows it is the
# client's default.
ELSEWHERE: LocalPolicy = lambda peer: False  # noqa: E731


def clear_auth_relay(heard: list[bytes]) -> Relay:
    """A relay that offers AUTH but not STARTTLS, and notes every password it is given."""
    checker = password_checker(USER, PASSWORD, heard=heard)
    return Relay(authenticator=checker, auth_required=True, auth_require_tls=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("query", ["", "starttls=auto"], ids=["default", "auto"])
def test_no_login_over_a_connection_that_stayed_unencrypted(query: str) -> None:
    heard: list[bytes] = []
    with clear_auth_relay(heard) as relay:
        url = relay.url(credentials="desk%40news.example.com:s3cret%3Apass", query=query)
        with pytest.raises(LoginNeedsEncryption) as refused:
            run(send_all(url, [(1, message(1))], local=ELSEWHERE))
        assert relay.received == []
    assert heard == []  # the password never reached the relay
    reason = str(refused.value)
    assert f"smtp://127.0.0.1:{relay.port}" in reason
    assert "starttls=require" in reason and "smtps://" in reason and "loopback" in reason
    assert PASSWORD not in reason and "s3cret" not in reason


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_in_clear_to_a_loopback_relay_is_allowed() -> None:
    heard: list[bytes] = []
    with clear_auth_relay(heard) as relay:
        url = relay.url(credentials="desk%40news.example.com:s3cret%3Apass")
        replies = run(send_all(url, [(1, message(1))]))  # the default policy: loopback
        assert [a.encrypted for a in relay.arrivals] == [False]
    assert heard == [PASSWORD.encode()]
    assert replies[0][0] == 250


def test_login_over_starttls_to_a_relay_elsewhere_goes_ahead(certificates: Certificates) -> None:
    heard: list[bytes] = []
    checker = password_checker(USER, PASSWORD, heard=heard)
    with Relay(
        tls_context=certificates.server_context(), authenticator=checker, auth_required=True
    ) as relay:
        url = relay.url(credentials="desk%40news.example.com:s3cret%3Apass")
        context = certificates.client_context()
        replies = run(send_all(url, [(1, message(1))], context=context, local=ELSEWHERE))
        assert [a.encrypted for a in relay.arrivals] == [True]
    assert heard == [PASSWORD.encode()]
    assert replies[0][0] == 250


def test_sending_without_a_login_to_a_relay_elsewhere_needs_no_encryption(relay: Relay) -> None:
    replies = run(send_all(relay.url(), [(1, message(1))], local=ELSEWHERE))

    assert replies[0][0] == 250
    assert [a.encrypted for a in relay.arrivals] == [False]


# The name we greet with


def test_relay_hears_the_configured_name_in_ehlo(relay: Relay) -> None:
    run(send_all(relay.url(), [(1, message(1))], helo="mail.news.example.com"))

    assert [a.helo for a in relay.arrivals] == ["mail.news.example.com"]


def test_without_a_name_the_relay_hears_our_address_literal(relay: Relay) -> None:
    run(send_all(relay.url(), [(1, message(1))]))

    assert [a.helo for a in relay.arrivals] == ["[127.0.0.1]"]


def test_the_name_is_said_again_after_starttls(certificates: Certificates) -> None:
    with Relay(tls_context=certificates.server_context(), require_starttls=True) as relay:
        context = certificates.client_context()
        run(send_all(relay.url(), [(1, message(1))], context=context, helo="mx.news.example.com"))
        assert [(a.encrypted, a.helo) for a in relay.arrivals] == [(True, "mx.news.example.com")]


# PIPELINING and 8BITMIME


def pipelined(
    scenario: Callable[[PipeliningRelay], Awaitable[T]], **options: Any
) -> tuple[T, PipeliningRelay]:
    async def main() -> tuple[T, PipeliningRelay]:
        async with PipeliningRelay(**options) as server:
            return await scenario(server), server

    return run(main())


def test_envelope_and_data_go_in_one_write_when_the_relay_pipelines() -> None:
    replies, server = pipelined(lambda s: send_all(s.url, [(1, message(1)), (2, message(2))]))

    assert replies == [(250, "250 2.0.0 queued")] * 2
    envelope = f"MAIL FROM:<{SENDER}>\r\nRCPT TO:<{reader(1)}>\r\nDATA\r\n".encode()
    assert envelope in server.chunks
    assert [d.data for d in server.delivered] == [message(1), message(2)]


def test_eight_bit_message_is_declared_body_8bitmime() -> None:
    data = message(1, "Grüße aus Zürich")
    _, server = pipelined(lambda s: send_all(s.url, [(1, data)], eight_bit=True))

    assert f"MAIL FROM:<{SENDER}> BODY=8BITMIME" in server.commands
    assert server.delivered[0].data == data


def test_seven_bit_message_is_not_declared_8bitmime() -> None:
    _, server = pipelined(lambda s: send_all(s.url, [(1, message(1))]))

    assert f"MAIL FROM:<{SENDER}>" in server.commands
    assert not any("BODY=" in command for command in server.commands)


def test_body_8bitmime_is_not_declared_to_a_relay_that_does_not_offer_it() -> None:
    data = built_message("Grüße aus Zürich", "<p>Grüße aus Zürich</p>")
    _, server = pipelined(
        lambda s: send_all(s.url, [(1, data)], eight_bit=True), eight_bit_mime=False
    )

    assert f"MAIL FROM:<{SENDER}>" in server.commands
    assert not any("BODY=" in command for command in server.commands)


def test_eight_bit_message_goes_quoted_printable_to_a_relay_without_8bitmime() -> None:
    text, html = "Grüße aus Zürich\r\n€ 5, naïve café", "<p>Grüße aus Zürich</p>"
    data = built_message(text, html)
    _, server = pipelined(
        lambda s: send_all(s.url, [(1, data)], eight_bit=True), eight_bit_mime=False
    )

    arrived = server.delivered[0].data
    assert arrived.isascii()
    parsed = message_from_bytes(arrived, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    parts = [part for part in parsed.walk() if not part.is_multipart()]
    assert [part["Content-Transfer-Encoding"] for part in parts] == ["quoted-printable"] * 2
    assert [part.get_content() for part in parts] == [text + "\r\n", html + "\r\n"]
    assert parsed["Subject"] == "Grüße" and parsed["Message-ID"] == "<m1@news.example.com>"


def test_eight_bit_message_goes_as_it_is_to_a_relay_with_8bitmime() -> None:
    data = built_message("Grüße aus Zürich", "<p>Grüße</p>")
    _, server = pipelined(lambda s: send_all(s.url, [(1, data)], eight_bit=True))

    assert server.delivered[0].data == data


@pytest.mark.parametrize("data_despite_refusal", [False, True])
def test_pipelined_refusal_is_reported_and_the_next_message_still_goes(
    data_despite_refusal: bool,
) -> None:
    replies, server = pipelined(
        lambda s: send_all(s.url, [(1, message(1)), (2, message(2)), (3, message(3))]),
        rcpt_replies={reader(2): "550 5.1.1 No such user"},
        data_despite_refusal=data_despite_refusal,
    )

    assert replies[1] == (550, "550 5.1.1 No such user")
    assert [code for code, _ in replies] == [250, 550, 250]
    assert [d.rcpt_to for d in server.delivered] == [reader(1), reader(3)]
    assert "RSET" in server.commands


# Relays that answer out of turn


async def scripted_relay(answers: dict[bytes, bytes]) -> tuple[asyncio.Server, str]:
    """A relay that answers each command by its first word, from `answers`."""

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 scripted.test ESMTP\r\n")
        while line := await reader.readline():
            writer.write(answers.get(line.split()[0].upper(), b"250 ok") + b"\r\n")

    server = await asyncio.start_server(session, "127.0.0.1", 0)
    return server, f"smtp://127.0.0.1:{server.sockets[0].getsockname()[1]}?starttls=off"


def test_relay_accepting_data_without_asking_for_the_message_is_not_counted_as_sent() -> None:
    async def scenario() -> list[tuple[int, str]]:
        server, url = await scripted_relay({b"DATA": b"250 2.0.0 thanks"})
        async with server:
            return await send_all(url, [(1, message(1))])

    ((code, text),) = run(scenario())

    assert code == 451
    assert "unexpected answer to DATA" in text
    assert "250 2.0.0 thanks" in text


# Chaining: each message's data written with the next one's envelope


async def send_chained(url: str, numbers: list[int]) -> list[tuple[int, str]]:
    conn = connection(url)
    await conn.open()
    replies: list[tuple[int, str]] = []
    try:
        await conn.send_many([(SENDER, reader(n), message(n), False) for n in numbers], replies)
    finally:
        await conn.close(polite=True)
    return replies


def test_chained_messages_go_one_write_each_with_the_next_envelope() -> None:
    replies, server = pipelined(lambda s: send_chained(s.url, [1, 2, 3]))

    assert replies == [(250, "250 2.0.0 queued")] * 3
    assert [d.data for d in server.delivered] == [message(1), message(2), message(3)]
    assert [d.rcpt_to for d in server.delivered] == [reader(1), reader(2), reader(3)]
    # Message 1's end of data and message 2's envelope went out in one write.
    end_and_next = f".\r\nMAIL FROM:<{SENDER}>\r\nRCPT TO:<{reader(2)}>\r\nDATA\r\n".encode()
    assert any(chunk.endswith(end_and_next) for chunk in server.chunks)


def test_a_refused_recipient_in_a_chain_is_answered_and_the_rest_still_go() -> None:
    refused = {reader(2): "550 5.1.1 no such user"}
    replies, server = pipelined(lambda s: send_chained(s.url, [1, 2, 3, 4]), rcpt_replies=refused)

    assert [code for code, _ in replies] == [250, 550, 250, 250]
    assert [d.rcpt_to for d in server.delivered] == [reader(1), reader(3), reader(4)]


def test_a_refused_recipient_with_data_opened_anyway_is_closed_and_the_chain_goes_on() -> None:
    refused = {reader(1): "550 5.1.1 no such user"}
    replies, server = pipelined(
        lambda s: send_chained(s.url, [1, 2, 3]), rcpt_replies=refused, data_despite_refusal=True
    )

    assert [code for code, _ in replies] == [550, 250, 250]
    assert [d.rcpt_to for d in server.delivered if d.data] == [reader(2), reader(3)]
