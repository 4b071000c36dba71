"""Credentials come out of a URL before it is logged or kept; the rest of it stays."""

from __future__ import annotations

import pytest

from bulletin.domain.urls import is_secret_parameter, redact_url


def test_user_info_is_replaced_and_the_host_kept() -> None:
    assert redact_url("https://user:pw@wire.example:8443/feed") == (
        "https://redacted@wire.example:8443/feed"
    )


def test_credential_like_query_values_are_replaced_and_the_others_kept() -> None:
    url = "https://wire.example/x?page=2&api_key=abc&X-Amz-Signature=def&access_token=ghi#top"
    assert redact_url(url) == (
        "https://wire.example/x?page=2&api_key=redacted&X-Amz-Signature=redacted"
        "&access_token=redacted#top"
    )


def test_a_url_without_credentials_is_unchanged() -> None:
    url = "https://wire.example/feed.xml?page=2&lang=en"
    assert redact_url(url) == url


@pytest.mark.parametrize(
    "name",
    [
        "api_key",
        "apikey",
        "API-KEY",
        "key",
        "token",
        "password",
        "secret",
        "sig",
        "auth",
        "Signature",
    ],
)
def test_credential_names_are_recognised_whatever_their_case_or_separator(name: str) -> None:
    assert is_secret_parameter(name)


@pytest.mark.parametrize("name", ["page", "id", "q", "lang", "monkey_business"])
def test_ordinary_parameter_names_are_not_taken_for_credentials(name: str) -> None:
    assert not is_secret_parameter(name)


def test_a_url_too_broken_to_parse_loses_its_query_and_user_info() -> None:
    assert redact_url("http://u:p@[::1/x?token=abc") == "http://redacted@[::1/x"
