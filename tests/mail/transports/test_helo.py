"""The name Bulletin greets relays with: configured, the machine's, or its address literal."""

from __future__ import annotations

import pytest

from bulletin.mail.transports.helo import address_literal, greeting_name


def test_a_configured_name_is_used_as_it_is() -> None:
    assert greeting_name("mail.news.example.com", fqdn=lambda: "box.example.org") == (
        "mail.news.example.com"
    )


def test_without_one_the_machines_fully_qualified_name_is_used() -> None:
    assert greeting_name(None, fqdn=lambda: "box7.dc1.news.example.com") == (
        "box7.dc1.news.example.com"
    )


@pytest.mark.parametrize("machine", ["localhost", "vm", "", "box_7.example.com"])
def test_a_machine_name_that_is_not_fully_qualified_leaves_the_address_literal(
    machine: str,
) -> None:
    assert greeting_name(None, fqdn=lambda: machine) is None


@pytest.mark.parametrize(
    ("address", "literal"),
    [
        ("192.0.2.7", "[192.0.2.7]"),
        ("2001:db8:0:0::7", "[IPv6:2001:db8::7]"),
        ("::ffff:192.0.2.7", "[192.0.2.7]"),
        ("fe80::1%eth0", "[IPv6:fe80::1]"),
    ],
)
def test_address_literals_are_written_as_rfc_5321_writes_them(address: str, literal: str) -> None:
    assert address_literal(address) == literal
