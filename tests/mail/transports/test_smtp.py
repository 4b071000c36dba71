"""Specifications for sending through a relay, against real SMTP servers on loopback."""

from __future__ import annotations

import gc
import socket
import ssl
import warnings
from collections.abc import Iterator, Sequence
from contextlib import closing

import pytest

from bulletin.domain.errors import ConfigurationError
from bulletin.mail.transports.base import Envelope, SendResult
from bulletin.mail.transports.smtp import RelayAddress, SmtpTransport, parse_relay_url
from tests.support.relays import Certificates, Relay, password_checker
from tests.support.smtp_sink import Received, SmtpSink, free_port

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


def send(url: str, envelopes: Sequence[Envelope], **options: object) -> SendResult:
    """One batch on a fresh transport, closed afterwards."""
    with closing(SmtpTransport(url, **options)) as transport:  # type: ignore[arg-type]
        return transport.send_batch(envelopes)


def subjects(received: Sequence[Received]) -> list[str]:
    return [str(r.message["Subject"]) for r in received]


@pytest.fixture(scope="module")
def certificates() -> Certificates:
    return Certificates()


@pytest.fixture
def silent_relay() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


# Sending and sorting outcomes


def test_accepted_messages_are_reported_sent_with_the_relays_reply(smtp_sink: SmtpSink) -> None:
    result = send(smtp_sink.url, batch(1, 2, 3))
    assert result.sent == [(1, QUEUED), (2, QUEUED), (3, QUEUED)]
    assert (result.temporary, result.permanent) == ([], [])
    assert subjects(smtp_sink.received) == ["Alert 1", "Alert 2", "Alert 3"]
    first = smtp_sink.received[0]
    assert (first.mail_from, first.rcpt_tos) == (
        "bounces+s1@news.example.com",
        ["reader1@readers.example.org"],
    )


def test_empty_batch_sends_nothing_and_reports_nothing(smtp_sink: SmtpSink) -> None:
    assert send(smtp_sink.url, []) == SendResult()
    assert smtp_sink.received == []


def test_try_later_at_rcpt_is_temporary(smtp_sink: SmtpSink) -> None:
    smtp_sink.handler.rcpt_replies["reader2@readers.example.org"] = "451 4.7.1 try later"
    result = send(smtp_sink.url, batch(1, 2, 3))
    assert result.temporary == [(2, "451 4.7.1 try later")]
    assert [key for key, _ in result.sent] == [1, 3]
    assert result.permanent == []


def test_refusal_at_rcpt_is_permanent_and_the_rest_of_the_batch_still_goes(
    smtp_sink: SmtpSink,
) -> None:
    smtp_sink.handler.rcpt_replies["reader2@readers.example.org"] = "550 5.1.1 no such mailbox"
    result = send(smtp_sink.url, batch(1, 2, 3))
    assert result.permanent == [(2, "550 5.1.1 no such mailbox")]
    assert result.sent == [(1, QUEUED), (3, QUEUED)]
    assert result.temporary == []
    assert subjects(smtp_sink.received) == ["Alert 1", "Alert 3"]


def test_refusal_after_data_is_permanent_with_the_relays_reply() -> None:
    with Relay() as relay:
        relay.handler.data_reply = "554 5.7.1 message rejected as spam"
        result = send(relay.url(query="starttls=off"), batch(1, 2))
    assert result.permanent == [
        (1, "554 5.7.1 message rejected as spam"),
        (2, "554 5.7.1 message rejected as spam"),
    ]
    assert result.sent == []


def test_try_later_after_data_is_temporary() -> None:
    with Relay() as relay:
        relay.handler.data_reply = "452 4.3.1 insufficient system storage"
        result = send(relay.url(query="starttls=off"), batch(1))
    assert result.temporary == [(1, "452 4.3.1 insufficient system storage")]


def test_non_ascii_recipient_is_permanent_and_the_rest_of_the_batch_still_goes(
    smtp_sink: SmtpSink,
) -> None:
    envelopes = [envelope(1), envelope(2, "josé@readers.example.org"), envelope(3)]
    result = send(smtp_sink.url, envelopes)
    assert [key for key, _ in result.permanent] == [2]
    assert "SMTPUTF8" in result.permanent[0][1]
    assert result.sent == [(1, QUEUED), (3, QUEUED)]
    assert subjects(smtp_sink.received) == ["Alert 1", "Alert 3"]


def test_relay_refusing_our_envelope_sender_is_temporary_not_the_readers_fault() -> None:
    with Relay(authenticator=password_checker(USER, PASSWORD), auth_required=True) as relay:
        result = send(relay.url(query="starttls=off"), batch(1, 2))
        assert relay.received == []
    assert [key for key, _ in result.temporary] == [1, 2]
    assert result.temporary[0][1].startswith("530")
    assert result.permanent == []


# When the relay is not there


def test_relay_not_listening_makes_the_whole_batch_temporary_without_raising() -> None:
    port = free_port()
    result = send(f"smtp://127.0.0.1:{port}", batch(1, 2, 3))
    assert [key for key, _ in result.temporary] == [1, 2, 3]
    reason = result.temporary[0][1]
    assert reason.startswith(f"relay smtp://127.0.0.1:{port} unavailable: ConnectionRefusedError")
    assert (result.sent, result.permanent) == ([], [])


def test_failure_reason_never_contains_the_password() -> None:
    url = f"smtp://{QUOTED_CREDENTIALS}@127.0.0.1:{free_port()}"
    result = send(url, batch(1))
    assert len(result.temporary) == 1
    assert PASSWORD not in result.temporary[0][1]
    assert "p%40ss" not in result.temporary[0][1]


def test_relay_that_never_answers_times_out_as_temporary(silent_relay: int) -> None:
    result = send(f"smtp://127.0.0.1:{silent_relay}", batch(1, 2), timeout=0.2)
    assert [key for key, _ in result.temporary] == [1, 2]
    assert "unavailable" in result.temporary[0][1]


def test_transport_recovers_once_the_relay_is_back() -> None:
    relay = Relay()
    with closing(SmtpTransport(relay.url(query="starttls=off"))) as transport:
        down = transport.send_batch(batch(1))
        with relay:
            up = transport.send_batch(batch(1))
    assert [key for key, _ in down.temporary] == [1]
    assert up.sent == [(1, QUEUED)]


# Connections


def test_one_connection_is_reused_across_batches() -> None:
    with Relay() as relay, closing(SmtpTransport(relay.url(query="starttls=off"))) as transport:
        first = transport.send_batch(batch(1, 2))
        second = transport.send_batch(batch(3, 4))
        assert relay.connections_used == 1
    assert len(first.sent) == len(second.sent) == 2


def test_close_ends_the_connection_and_the_next_batch_opens_another() -> None:
    with Relay() as relay, closing(SmtpTransport(relay.url(query="starttls=off"))) as transport:
        transport.send_batch(batch(1))
        transport.close()
        transport.send_batch(batch(2))
        assert relay.connections_used == 2
        assert subjects(relay.received) == ["Alert 1", "Alert 2"]


def test_connection_the_relay_dropped_between_batches_is_reopened() -> None:
    with Relay() as relay, closing(SmtpTransport(relay.url(query="starttls=off"))) as transport:
        relay.handler.hang_up_after_data = True
        transport.send_batch(batch(1))
        result = transport.send_batch(batch(2))
        assert relay.connections_used == 2
    assert result.sent == [(2, QUEUED)]


def test_relay_that_takes_one_message_per_connection_still_gets_the_whole_batch() -> None:
    with Relay() as relay:
        relay.handler.hang_up_after_data = True
        result = send(relay.url(query="starttls=off"), batch(1, 2, 3))
        assert relay.connections_used == 3
    assert [key for key, _ in result.sent] == [1, 2, 3]
    assert result.temporary == []


# Encryption


def test_starttls_is_used_when_the_relay_offers_it(certificates: Certificates) -> None:
    context = certificates.server_context()
    with Relay(tls_context=context, require_starttls=True) as relay:
        result = send(relay.url(), batch(1), ssl_context=certificates.client_context())
        assert [a.encrypted for a in relay.arrivals] == [True]
    assert result.sent == [(1, QUEUED)]


def test_starttls_required_and_offered_sends_encrypted(certificates: Certificates) -> None:
    with Relay(tls_context=certificates.server_context()) as relay:
        url = relay.url(query="starttls=require")
        result = send(url, batch(1), ssl_context=certificates.client_context())
        assert [a.encrypted for a in relay.arrivals] == [True]
    assert result.sent == [(1, QUEUED)]


def test_starttls_required_but_not_offered_is_temporary_and_nothing_goes_in_plaintext() -> None:
    with Relay() as relay:
        result = send(relay.url(query="starttls=require"), batch(1, 2))
        assert relay.received == []
    assert [key for key, _ in result.temporary] == [1, 2]
    assert "does not offer STARTTLS" in result.temporary[0][1]


def test_starttls_off_stays_in_plaintext_even_when_offered(certificates: Certificates) -> None:
    with Relay(tls_context=certificates.server_context()) as relay:
        result = send(relay.url(query="starttls=off"), batch(1))
        assert [a.encrypted for a in relay.arrivals] == [False]
    assert result.sent == [(1, QUEUED)]


def test_implicit_tls_sends_encrypted(certificates: Certificates) -> None:
    with Relay(ssl_context=certificates.server_context()) as relay:
        result = send(relay.url("smtps"), batch(1, 2), ssl_context=certificates.client_context())
        assert [a.encrypted for a in relay.arrivals] == [True, True]
    assert [key for key, _ in result.sent] == [1, 2]


def test_relay_certificate_we_do_not_trust_is_temporary_and_nothing_is_sent(
    certificates: Certificates,
) -> None:
    with Relay(tls_context=certificates.server_context()) as relay:
        result = send(relay.url(), batch(1), ssl_context=ssl.create_default_context())
        assert relay.received == []
    assert [key for key, _ in result.temporary] == [1]
    assert "SSLCertVerificationError" in result.temporary[0][1]


def test_implicit_tls_to_an_untrusted_relay_is_temporary(certificates: Certificates) -> None:
    with Relay(ssl_context=certificates.server_context()) as relay:
        result = send(relay.url("smtps"), batch(1), ssl_context=ssl.create_default_context())
        assert relay.received == []
    assert [key for key, _ in result.temporary] == [1]


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
        result = send(url, batch(1, 2))
        assert subjects(relay.received) == ["Alert 1", "Alert 2"]
    assert [key for key, _ in result.sent] == [1, 2]


@plain_auth
def test_wrong_password_sends_nothing_and_is_temporary() -> None:
    with auth_relay() as relay:
        url = relay.url(credentials="desk%40news.example.com:wrong-password", query="starttls=off")
        result = send(url, batch(1, 2))
        assert relay.received == []
    assert [key for key, _ in result.temporary] == [1, 2]
    assert "SMTPAuthenticationError" in result.temporary[0][1]
    assert "wrong-password" not in result.temporary[0][1]


@plain_auth
def test_failed_login_closes_its_connection() -> None:
    with auth_relay() as relay, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        send(relay.url(credentials="desk:wrong", query="starttls=off"), batch(1))
        gc.collect()
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []


def test_login_happens_over_tls_when_starttls_is_offered(certificates: Certificates) -> None:
    relay = Relay(
        tls_context=certificates.server_context(),
        authenticator=password_checker(USER, PASSWORD),
        auth_required=True,
    )  # aiosmtpd's default: AUTH is only offered once the connection is encrypted
    with relay:
        url = relay.url(credentials=QUOTED_CREDENTIALS)
        result = send(url, batch(1), ssl_context=certificates.client_context())
        assert [a.encrypted for a in relay.arrivals] == [True]
    assert result.sent == [(1, QUEUED)]


# Relay URLs


def test_plain_relay_url_defaults_to_port_25_and_opportunistic_starttls() -> None:
    assert parse_relay_url("smtp://relay.example.com") == RelayAddress(
        host="relay.example.com",
        port=25,
        implicit_tls=False,
        starttls="auto",
        username=None,
        password=None,
    )


def test_smtps_url_defaults_to_port_465_with_implicit_tls() -> None:
    relay = parse_relay_url("smtps://relay.example.com")
    assert (relay.port, relay.implicit_tls, relay.starttls) == (465, True, "off")


def test_port_and_starttls_mode_are_read_from_the_url() -> None:
    relay = parse_relay_url("smtp://relay.example.com:587?starttls=require")
    assert (relay.host, relay.port, relay.starttls) == ("relay.example.com", 587, "require")


def test_credentials_are_percent_decoded() -> None:
    relay = parse_relay_url("smtp://desk%40news.example.com:p%40ss%3Aw%2Frd%20+x@relay.example.com")
    assert (relay.username, relay.password) == ("desk@news.example.com", "p@ss:w/rd +x")


@pytest.mark.parametrize(
    "url",
    ["http://relay.example.com", "relay.example.com:25", "smtp://", "smtp://:25", "memory", ""],
)
def test_url_that_is_not_a_relay_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"smtp://user:password@host:587"):
        parse_relay_url(url)


def test_unknown_starttls_mode_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="starttls= must be auto, require or off"):
        parse_relay_url("smtp://relay.example.com?starttls=yes")


@pytest.mark.parametrize("port", ["abc", "99999", "-1"])
def test_bad_port_is_a_configuration_error(port: str) -> None:
    with pytest.raises(ConfigurationError, match="port"):
        parse_relay_url(f"smtp://relay.example.com:{port}")


def test_display_and_repr_never_show_the_credentials() -> None:
    relay = parse_relay_url("smtp://desk:hunter2@relay.example.com:587")
    assert relay.display == "smtp://relay.example.com:587"
    assert "hunter2" not in repr(relay)
    assert "hunter2" not in repr(SmtpTransport("smtp://desk:hunter2@relay.example.com").relay)


def test_display_names_implicit_tls() -> None:
    assert parse_relay_url("smtps://relay.example.com").display == "smtps://relay.example.com:465"
