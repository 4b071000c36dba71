"""Fully qualified host names, as relays judge the name a client greets them with."""

from __future__ import annotations

import pytest

from bulletin.domain.hostnames import is_fqdn


@pytest.mark.parametrize(
    "name",
    ["mail.example.com", "a.b", "MX-1.News.Example.COM", "xn--bcher-kva.example", "a" * 63 + ".io"],
)
def test_dotted_names_of_valid_labels_are_fully_qualified(name: str) -> None:
    assert is_fqdn(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "bulletin",
        "localhost",
        "mail.example.com.",
        ".example.com",
        "mail..example.com",
        "-mail.example.com",
        "mail-.example.com",
        "mail_1.example.com",
        "mail example.com",
        "mail.example.com\r\nRCPT TO:<x@y>",
        "192.0.2.7",
        "[192.0.2.7]",
        "bücher.example",
        "a" * 64 + ".io",
        ("a" * 63 + ".") * 4 + "io",
    ],
)
def test_anything_else_is_not(name: str) -> None:
    assert not is_fqdn(name)
