"""Relay addresses: what the relay URLs name, and never a password shown."""

from __future__ import annotations

import pytest

from bulletin.domain.errors import ConfigurationError
from bulletin.mail.transports.addresses import (
    RelayAddress,
    is_loopback,
    parse_relay,
    parse_smtp_url,
)


def test_plain_relay_url_defaults_to_port_25_and_opportunistic_starttls() -> None:
    assert parse_smtp_url("smtp://relay.example.com") == RelayAddress(
        host="relay.example.com",
        port=25,
        implicit_tls=False,
        starttls="auto",
        username=None,
        password=None,
    )


def test_smtps_url_defaults_to_port_465_with_implicit_tls() -> None:
    relay = parse_smtp_url("smtps://relay.example.com")
    assert (relay.port, relay.implicit_tls, relay.starttls) == (465, True, "off")


def test_port_and_starttls_mode_are_read_from_the_url() -> None:
    relay = parse_smtp_url("smtp://relay.example.com:587?starttls=require")
    assert (relay.host, relay.port, relay.starttls) == ("relay.example.com", 587, "require")


def test_credentials_are_percent_decoded() -> None:
    relay = parse_smtp_url("smtp://desk%40news.example.com:p%40ss%3Aw%2Frd%20+x@relay.example.com")
    assert (relay.username, relay.password) == ("desk@news.example.com", "p@ss:w/rd +x")


@pytest.mark.parametrize(
    "url",
    ["http://relay.example.com", "relay.example.com:25", "smtp://", "smtp://:25", "memory", ""],
)
def test_url_that_is_not_a_relay_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"smtp://user:password@host:587"):
        parse_smtp_url(url)


def test_unknown_starttls_mode_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="starttls= must be auto, require or off"):
        parse_smtp_url("smtp://relay.example.com?starttls=yes")


@pytest.mark.parametrize("port", ["abc", "99999", "-1"])
def test_bad_port_is_a_configuration_error(port: str) -> None:
    with pytest.raises(ConfigurationError, match="port"):
        parse_smtp_url(f"smtp://relay.example.com:{port}")


def test_display_and_repr_never_show_the_credentials() -> None:
    relay = parse_smtp_url("smtp://desk:hunter2@relay.example.com:587")
    assert relay.display == "smtp://relay.example.com:587"
    assert "hunter2" not in repr(relay)
    assert "hunter2" not in repr(parse_relay("smtp://desk:hunter2@relay.example.com"))


def test_display_names_implicit_tls() -> None:
    assert parse_smtp_url("smtps://relay.example.com").display == "smtps://relay.example.com:465"


def test_relay_options_are_read_and_not_passed_on_to_the_address() -> None:
    spec = parse_relay("smtp://u:pw@mx.example.net:587?connections=4&rate=50&starttls=require")
    assert (spec.connections, spec.per_second) == (4, 50)
    assert spec.url == "smtp://u:pw@mx.example.net:587?starttls=require"
    assert spec.smtp is not None and spec.smtp.starttls == "require"
    assert "pw" not in repr(spec)


def test_memory_relays_are_named_and_need_no_address() -> None:
    assert parse_relay("memory").memory_name == "memory"
    spec = parse_relay("memory://desk?connections=2")
    assert (spec.memory_name, spec.display, spec.connections, spec.smtp) == (
        "desk",
        "memory://desk",
        2,
        None,
    )


# Passwords and unencrypted connections


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "::ffff:127.0.0.1", "localhost", "LocalHost."],
)
def test_loopback_addresses_and_localhost_are_this_machine(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host",
    [
        "192.0.2.2",
        "10.0.0.1",
        "::ffff:192.0.2.2",
        "fd00::2",
        "0.0.0.0",
        "mx.example.net",
        "localhost.example.net",
        "127.0.0.1.nip.io",
        "",
    ],
)
def test_other_addresses_and_names_are_not_this_machine(host: str) -> None:
    assert not is_loopback(host)


def test_password_with_starttls_off_to_a_relay_elsewhere_is_refused_at_start_up() -> None:
    with pytest.raises(ConfigurationError) as refused:
        parse_relay("smtp://desk:hunter2@mx.example.net:587?starttls=off&connections=4")
    message = str(refused.value)
    assert "smtp://mx.example.net:587" in message
    assert "starttls=require" in message and "smtps://" in message
    assert "hunter2" not in message


@pytest.mark.parametrize(
    "url",
    [
        "smtp://desk:hunter2@127.0.0.1:2525?starttls=off",
        "smtp://desk:hunter2@localhost:2525?starttls=off",
        "smtp://desk:hunter2@mx.example.net:587?starttls=require",
        "smtp://desk:hunter2@mx.example.net:587",
        "smtps://desk:hunter2@mx.example.net",
        "smtp://mx.example.net:25?starttls=off",
    ],
)
def test_passwords_that_cannot_go_in_clear_by_configuration_are_accepted(url: str) -> None:
    assert parse_relay(url).smtp is not None
