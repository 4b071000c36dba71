"""Provider relay URLs: which API, where, with what key, and never the key shown."""

from __future__ import annotations

import pytest

from bulletin.domain.errors import ConfigurationError
from bulletin.mail.transports import parse_relay
from bulletin.mail.transports.providers.urls import parse_provider_url


def test_ses_url_reads_the_region_from_the_endpoint_host() -> None:
    ses = parse_provider_url(
        "ses://AKID:se%2Fcret@email.eu-west-1.amazonaws.com?configuration_set=news"
    )
    assert (ses.kind, ses.base_url) == ("ses", "https://email.eu-west-1.amazonaws.com")
    assert (ses.username, ses.secret) == ("AKID", "se/cret")
    assert ses.options == {"region": "eu-west-1", "configuration_set": "news"}


def test_ses_url_without_a_regional_host_needs_the_region_option() -> None:
    with pytest.raises(ConfigurationError, match="region"):
        parse_provider_url("ses://AKID:secret@ses.example.net")
    assert parse_provider_url("ses://A:s@ses.example.net?region=us-east-2").options == {
        "region": "us-east-2"
    }


def test_mailgun_url_names_its_sending_domain_in_the_path() -> None:
    mailgun = parse_provider_url("mailgun://api:key-1@api.eu.mailgun.net/news.example.com")
    assert (mailgun.base_url, mailgun.domain) == ("https://api.eu.mailgun.net", "news.example.com")
    with pytest.raises(ConfigurationError, match="sending domain"):
        parse_provider_url("mailgun://api:key-1@api.eu.mailgun.net")


def test_postmark_sends_on_the_broadcast_stream_unless_told_otherwise() -> None:
    assert parse_provider_url("postmark://:tok@api.postmarkapp.com").options == {
        "stream": "broadcast"
    }
    assert parse_provider_url("postmark://:tok@api.postmarkapp.com?stream=news").options == {
        "stream": "news"
    }


def test_a_provider_url_without_its_key_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="needs its API key"):
        parse_provider_url("sendgrid://api.sendgrid.com")


def test_an_unknown_option_is_refused_and_the_known_ones_are_named() -> None:
    with pytest.raises(ConfigurationError, match=r"stream.*its options: ip_pool"):
        parse_provider_url("sendgrid://:key@api.sendgrid.com?stream=x")


@pytest.mark.parametrize("host", ["api.sendgrid.com", "10.0.0.5", "192.168.1.2"])
def test_plain_http_is_refused_for_any_host_but_loopback(host: str) -> None:
    with pytest.raises(ConfigurationError, match="loopback test server only"):
        parse_provider_url(f"sendgrid+http://:key@{host}:8080")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_plain_http_is_allowed_to_a_loopback_test_server(host: str) -> None:
    address = parse_provider_url(f"postmark+http://:tok@{host}:8025")
    assert address.base_url == f"http://{host}:8025"


def test_engine_options_keep_working_beside_the_provider_options() -> None:
    spec = parse_relay(
        "postmark://:tok@api.postmarkapp.com?stream=news&connections=4&rate=50&window=3600:10000"
    )
    assert (spec.connections, spec.per_second, spec.window_s, spec.window_count) == (
        4,
        50.0,
        3600.0,
        10000,
    )
    assert spec.provider is not None and spec.provider.options == {"stream": "news"}
    assert spec.smtp is None and spec.memory_name is None


def test_the_key_is_in_no_display_and_no_repr() -> None:
    spec = parse_relay("ses://AKIDSECRETID:hunter2hunter2@email.eu-west-1.amazonaws.com")
    assert spec.display == "ses https://email.eu-west-1.amazonaws.com"
    for shown in (spec.display, repr(spec), repr(spec.provider)):
        assert "hunter2" not in shown and "AKIDSECRETID" not in shown
