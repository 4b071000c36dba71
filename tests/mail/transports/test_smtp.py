"""Specifications for sending through an SMTP relay behind the relay seam, on real servers.

Most go through `send_now`, the seam's synchronous wrapper that every test send uses;
the ones about a connection kept between batches use `SmtpRelayConnection` itself.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import ssl
import warnings
from collections.abc import Iterator, Sequence

import pytest

from bulletin.mail.transports import Envelope, Reply, send_now
from bulletin.mail.transports.addresses import is_loopback, parse_smtp_url
from bulletin.mail.transports.seam import BatchResult
from bulletin.mail.transports.smtp import SmtpRelayConnection
from tests.support.pipelining_relay import PipeliningRelay
from tests.support.ports import free_port
from tests.support.relays import Certificates, Relay, password_checker
from tests.support.smtp_sink import Received, SmtpSink

QUEUED = "250 2.0.0 queued as test"
USER, PASSWORD = "desk@news.example.com", "p@ss:w/rd"
QUOTED_CREDENTIALS = "desk%40news.example.com:p%40ss%3Aw%2Frd"


def envelope(key: int, recipient: str | None = None) -> Envelope:
    to = recipient or f"reader{key}@readers.example.org"
    data = (
        f"From: alerts@news.example.com\r\nTo: {to}\r\nSubject: Alert {key}\r\n\r\nBody {key}\r\n"
    ).encode()
    return Envelope(key=key, sender=f"bounces+s{key}@news.example.com", recipient=to, data=data)


def batch(*keys: int) -> list[Envelope]:
    return [envelope(key) for key in keys]


def send(
    url: str,
    envelopes: Sequence[Envelope],
    *,
    timeout: float = 5.0,
    ssl_context: ssl.SSLContext | None = None,
) -> list[Reply]:
    """One batch on a fresh connection, closed afterwards: a reply for each envelope."""
    return send_now(url, envelopes, timeout=timeout, ssl_context=ssl_context)


def codes(replies: Sequence[Reply]) -> list[int]:
    return [reply.code for reply in replies]


def subjects(received: Sequence[Received]) -> list[str]:
    return [str(r.message["Subject"]) for r in received]


class Kept:
    """One SmtpRelayConnection kept open across batches, on a loop of its own.

    `elsewhere` makes it treat the (loopback) relay as if it were on another machine.
    """

    def __init__(self, url: str, *, timeout: float = 5.0, elsewhere: bool = False) -> None:
        self.loop = asyncio.new_event_loop()
        self.connection = SmtpRelayConnection(
            parse_smtp_url(url),
            ssl_context=ssl.create_default_context(),
            timeout=timeout,
            local=(lambda peer: False) if elsewhere else is_loopback,
        )

    def send(self, *keys: int) -> BatchResult:
        return self.loop.run_until_complete(self.connection.send_batch(batch(*keys)))

    def close(self) -> None:
        self.loop.run_until_complete(self.connection.close(polite=True))
        self.loop.close()

    def __enter__(self) -> Kept:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture(scope="module")
def certificates() -> Certificates:
    return Certificates()


@pytest.fixture
def silent_relay() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


# Sending and sorting outcomes


def test_accepted_messages_get_the_relays_reply(smtp_sink: SmtpSink) -> None:
    assert send(smtp_sink.url, batch(1, 2, 3)) == [Reply(250, QUEUED)] * 3
    assert subjects(smtp_sink.received) == ["Alert 1", "Alert 2", "Alert 3"]
    first = smtp_sink.received[0]
    assert (first.mail_from, first.rcpt_tos) == (
        "bounces+s1@news.example.com",
        ["reader1@readers.example.org"],
    )


def test_empty_batch_sends_nothing_and_reports_nothing(smtp_sink: SmtpSink) -> None:
    assert send(smtp_sink.url, []) == []
    assert smtp_sink.received == []


def test_try_later_at_rcpt_is_temporary(smtp_sink: SmtpSink) -> None:
    smtp_sink.handler.rcpt_replies["reader2@readers.example.org"] = "451 4.7.1 try later"
    replies = send(smtp_sink.url, batch(1, 2, 3))
    assert replies[1] == Reply(451, "451 4.7.1 try later")
    assert [r.accepted for r in replies] == [True, False, True]
    assert not replies[1].permanent


def test_refusal_at_rcpt_is_permanent_and_the_rest_of_the_batch_still_goes(
    smtp_sink: SmtpSink,
) -> None:
    smtp_sink.handler.rcpt_replies["reader2@readers.example.org"] = "550 5.1.1 no such mailbox"
    replies = send(smtp_sink.url, batch(1, 2, 3))
    assert replies == [
        Reply(250, QUEUED),
        Reply(550, "550 5.1.1 no such mailbox"),
        Reply(250, QUEUED),
    ]
    assert replies[1].permanent
    assert subjects(smtp_sink.received) == ["Alert 1", "Alert 3"]


def test_refusal_after_data_is_permanent_with_the_relays_reply() -> None:
    with Relay() as relay:
        relay.handler.data_reply = "554 5.7.1 message rejected as spam"
        replies = send(relay.url(query="starttls=off"), batch(1, 2))
    assert replies == [Reply(554, "554 5.7.1 message rejected as spam")] * 2


def test_try_later_after_data_is_temporary() -> None:
    with Relay() as relay:
        relay.handler.data_reply = "452 4.3.1 insufficient system storage"
        replies = send(relay.url(query="starttls=off"), batch(1))
    assert replies == [Reply(452, "452 4.3.1 insufficient system storage")]


def test_non_ascii_recipient_is_permanent_and_the_rest_of_the_batch_still_goes(
    smtp_sink: SmtpSink,
) -> None:
    envelopes = [envelope(1), envelope(2, "josé@readers.example.org"), envelope(3)]
    replies = send(smtp_sink.url, envelopes)
    assert codes(replies) == [250, 553, 250]
    assert "SMTPUTF8" in replies[1].text
    assert subjects(smtp_sink.received) == ["Alert 1", "Alert 3"]


def test_relay_refusing_our_envelope_sender_is_temporary_not_the_readers_fault() -> None:
    with Relay(authenticator=password_checker(USER, PASSWORD), auth_required=True) as relay:
        replies = send(relay.url(query="starttls=off"), batch(1, 2))
        assert relay.received == []
    assert [r.text[:3] for r in replies] == ["530", "530"]
    assert not any(r.permanent for r in replies)


# When the relay is not there


def test_relay_not_listening_makes_the_whole_batch_temporary_without_raising() -> None:
    port = free_port()
    replies = send(f"smtp://127.0.0.1:{port}", batch(1, 2, 3))
    assert codes(replies) == [451, 451, 451]
    assert replies[0].text.startswith(
        f"451 relay smtp://127.0.0.1:{port} unavailable: ConnectionRefusedError"
    )


def test_unreachable_relay_is_reported_as_such_and_nothing_was_handed_over() -> None:
    with Kept(f"smtp://127.0.0.1:{free_port()}") as kept:
        result = kept.send(1, 2)
    assert result.replies == []
    assert result.unreachable is not None and "ConnectionRefusedError" in result.unreachable


def test_failure_reason_never_contains_the_password() -> None:
    url = f"smtp://{QUOTED_CREDENTIALS}@127.0.0.1:{free_port()}"
    (reply,) = send(url, batch(1))
    assert reply.code == 451
    assert PASSWORD not in reply.text
    assert "p%40ss" not in reply.text


def test_relay_that_never_answers_times_out_as_temporary(silent_relay: int) -> None:
    replies = send(f"smtp://127.0.0.1:{silent_relay}", batch(1, 2), timeout=0.2)
    assert codes(replies) == [451, 451]
    assert "unavailable" in replies[0].text


def test_connection_recovers_once_the_relay_is_back() -> None:
    relay = Relay()
    with Kept(relay.url(query="starttls=off")) as kept:
        down = kept.send(1)
        with relay:
            up = kept.send(1)
    assert down.unreachable is not None
    assert up == BatchResult([Reply(250, QUEUED)])


# Connections


def test_one_connection_is_reused_across_batches() -> None:
    with Relay() as relay, Kept(relay.url(query="starttls=off")) as kept:
        first = kept.send(1, 2)
        second = kept.send(3, 4)
        assert relay.connections_used == 1
    assert first.replies == second.replies == [Reply(250, QUEUED)] * 2


def test_close_ends_the_connection_and_the_next_batch_opens_another() -> None:
    with Relay() as relay, Kept(relay.url(query="starttls=off")) as kept:
        kept.send(1)
        kept.loop.run_until_complete(kept.connection.close(polite=True))
        kept.send(2)
        assert relay.connections_used == 2
        assert subjects(relay.received) == ["Alert 1", "Alert 2"]


def test_connection_the_relay_dropped_between_batches_is_reopened() -> None:
    with Relay() as relay, Kept(relay.url(query="starttls=off")) as kept:
        relay.handler.hang_up_after_data = True
        kept.send(1)
        result = kept.send(2)
        assert relay.connections_used == 2
    assert result == BatchResult([Reply(250, QUEUED)])


@pytest.mark.parametrize("notice", [None, "421 4.4.2 idle too long, closing"])
def test_connection_closed_while_idle_is_reopened_and_the_message_sent_at_once(
    notice: str | None,
) -> None:
    """Relays hang up on idle connections (Postfix after 300 s, saying 421 first): not a
    failure of anyone's, so the message goes at once on a new connection."""
    with Relay() as relay, Kept(relay.url(query="starttls=off")) as kept:
        kept.send(1)
        assert relay.close_idle_connections(notice) == 1
        result = kept.send(2, 3)
        assert relay.connections_used == 2
        assert subjects(relay.received) == ["Alert 1", "Alert 2", "Alert 3"]
    assert result == BatchResult([Reply(250, QUEUED)] * 2)


def test_relay_that_takes_one_message_per_connection_still_gets_the_whole_batch() -> None:
    with Relay() as relay:
        relay.handler.hang_up_after_data = True
        replies = send(relay.url(query="starttls=off"), batch(1, 2, 3))
        assert relay.connections_used == 3
    assert replies == [Reply(250, QUEUED)] * 3


# Encryption


def test_starttls_is_used_when_the_relay_offers_it(certificates: Certificates) -> None:
    context = certificates.server_context()
    with Relay(tls_context=context, require_starttls=True) as relay:
        replies = send(relay.url(), batch(1), ssl_context=certificates.client_context())
        assert [a.encrypted for a in relay.arrivals] == [True]
    assert replies == [Reply(250, QUEUED)]


def test_starttls_required_and_offered_sends_encrypted(certificates: Certificates) -> None:
    with Relay(tls_context=certificates.server_context()) as relay:
        url = relay.url(query="starttls=require")
        replies = send(url, batch(1), ssl_context=certificates.client_context())
        assert [a.encrypted for a in relay.arrivals] == [True]
    assert replies == [Reply(250, QUEUED)]


def test_starttls_required_but_not_offered_is_temporary_and_nothing_goes_in_plaintext() -> None:
    with Relay() as relay:
        replies = send(relay.url(query="starttls=require"), batch(1, 2))
        assert relay.received == []
    assert codes(replies) == [451, 451]
    assert "does not offer STARTTLS" in replies[0].text


def test_starttls_off_stays_in_plaintext_even_when_offered(certificates: Certificates) -> None:
    with Relay(tls_context=certificates.server_context()) as relay:
        replies = send(relay.url(query="starttls=off"), batch(1))
        assert [a.encrypted for a in relay.arrivals] == [False]
    assert replies == [Reply(250, QUEUED)]


def test_implicit_tls_sends_encrypted(certificates: Certificates) -> None:
    with Relay(ssl_context=certificates.server_context()) as relay:
        replies = send(relay.url("smtps"), batch(1, 2), ssl_context=certificates.client_context())
        assert [a.encrypted for a in relay.arrivals] == [True, True]
    assert codes(replies) == [250, 250]


def test_relay_certificate_we_do_not_trust_is_temporary_and_nothing_is_sent(
    certificates: Certificates,
) -> None:
    with Relay(tls_context=certificates.server_context()) as relay:
        replies = send(relay.url(), batch(1), ssl_context=ssl.create_default_context())
        assert relay.received == []
    assert codes(replies) == [451]
    assert "SSLCertVerificationError" in replies[0].text


def test_implicit_tls_to_an_untrusted_relay_is_temporary(certificates: Certificates) -> None:
    with Relay(ssl_context=certificates.server_context()) as relay:
        replies = send(relay.url("smtps"), batch(1), ssl_context=ssl.create_default_context())
        assert relay.received == []
    assert codes(replies) == [451]


# Authentication

# Plain AUTH is fine on loopback; aiosmtpd warns about it all the same.
plain_auth = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def auth_relay() -> Relay:
    return Relay(
        authenticator=password_checker(USER, PASSWORD), auth_required=True, auth_require_tls=False
    )


@plain_auth
def test_right_password_in_the_url_logs_in_and_sends() -> None:
    with auth_relay() as relay:
        url = relay.url(credentials=QUOTED_CREDENTIALS, query="starttls=off")
        replies = send(url, batch(1, 2))
        assert subjects(relay.received) == ["Alert 1", "Alert 2"]
    assert codes(replies) == [250, 250]


@plain_auth
def test_wrong_password_sends_nothing_and_is_temporary() -> None:
    with auth_relay() as relay:
        url = relay.url(credentials="desk%40news.example.com:wrong-password", query="starttls=off")
        replies = send(url, batch(1, 2))
        assert relay.received == []
    assert codes(replies) == [451, 451]
    assert "535" in replies[0].text
    assert "wrong-password" not in replies[0].text


@plain_auth
def test_failed_login_closes_its_connection() -> None:
    with auth_relay() as relay, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        send(relay.url(credentials="desk:wrong", query="starttls=off"), batch(1))
        gc.collect()
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []


@plain_auth
def test_login_the_relay_would_hear_in_clear_makes_it_unreachable_and_says_why() -> None:
    # A relay on another machine that offers AUTH but no STARTTLS (see test_smtp_client.py
    # for why `elsewhere` stands for one, and tests/delivery for the engine resting it).
    with auth_relay() as relay:
        url = relay.url(credentials=QUOTED_CREDENTIALS)
        with Kept(url, elsewhere=True) as kept:
            result = kept.send(1, 2)
        assert relay.received == []
    assert result.replies == []
    assert result.unreachable is not None
    assert f"not logging in to smtp://127.0.0.1:{relay.port}" in result.unreachable
    assert "starttls=require" in result.unreachable
    assert PASSWORD not in result.unreachable and "p%40ss" not in result.unreachable


def test_login_happens_over_tls_when_starttls_is_offered(certificates: Certificates) -> None:
    relay = Relay(
        tls_context=certificates.server_context(),
        authenticator=password_checker(USER, PASSWORD),
        auth_required=True,
    )  # aiosmtpd's default: AUTH is only offered once the connection is encrypted
    with relay:
        url = relay.url(credentials=QUOTED_CREDENTIALS)
        replies = send(url, batch(1), ssl_context=certificates.client_context())
        assert [a.encrypted for a in relay.arrivals] == [True]
    assert replies == [Reply(250, QUEUED)]


# Chained batches on a relay that pipelines


def test_a_batch_on_an_open_pipelining_connection_is_chained_and_survives_a_hang_up() -> None:
    """Once its connection is open a batch goes chained; the relay hanging up mid-chain
    costs the message it was on a temporary reply, and the rest go on new connections."""

    async def scenario(server: PipeliningRelay) -> list[list[int]]:
        connection = SmtpRelayConnection(
            parse_smtp_url(server.url), ssl_context=ssl.create_default_context(), timeout=5.0
        )
        assert connection.batch_size == 1  # nothing open yet: one message per sender
        opened = await connection.send_batch(batch(1))
        assert connection.batch_size > 1
        chained = await connection.send_batch(batch(2, 3, 4))
        server.drop_during_data = True
        dropped = await connection.send_batch(batch(5, 6))
        server.drop_during_data = False
        after = await connection.send_batch(batch(7))
        await connection.close(polite=True)
        return [codes(r.replies) for r in (opened, chained, dropped, after)]

    async def main() -> tuple[list[list[int]], list[str]]:
        async with PipeliningRelay() as server:
            found = await scenario(server)
            return found, [d.rcpt_to for d in server.delivered]

    found, delivered = asyncio.run(main())
    assert found == [[250], [250, 250, 250], [451, 451], [250]]
    assert delivered == [f"reader{n}@readers.example.org" for n in (1, 2, 3, 4, 7)]
