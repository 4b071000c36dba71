"""SPF macros expand as RFC 7208 §7.4's examples say, and records parse into their terms."""

from __future__ import annotations

import ipaddress

import pytest

from bulletin.mail.authn.spf_terms import MacroContext, SpfSyntaxError, expand, is_spf, parse

CONTEXT = MacroContext(
    sender="strong-bad@email.example.com",
    domain="email.example.com",
    ip=ipaddress.ip_address("192.0.2.3"),
    helo="mx.example.org",
)


@pytest.mark.parametrize(
    ("spec", "expanded"),
    [
        ("%{s}", "strong-bad@email.example.com"),
        ("%{o}", "email.example.com"),
        ("%{d4}", "email.example.com"),
        ("%{d2}", "example.com"),
        ("%{d1}", "com"),
        ("%{dr}", "com.example.email"),
        ("%{d2r}", "example.email"),
        ("%{l}", "strong-bad"),
        ("%{l-}", "strong.bad"),
        ("%{lr-}", "bad.strong"),
        ("%{l1r-}", "strong"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        ("%{h}", "mx.example.org"),
        ("a%%b%_c%-d", "a%b c%20d"),
        ("%{S}", "strong-bad%40email.example.com"),
    ],
)
def test_macros_expand_as_the_rfc_examples(spec: str, expanded: str) -> None:
    assert expand(spec, CONTEXT) == expanded


def test_an_ipv6_address_expands_to_dotted_nibbles() -> None:
    context = MacroContext(
        sender="a@email.example.com",
        domain="email.example.com",
        ip=ipaddress.ip_address("2001:db8::cb01"),
        helo="h.example",
    )
    assert expand("%{ir}.%{v}._spf.%{d2}", context) == (
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
    )


@pytest.mark.parametrize("spec", ["%{c}", "%{d0}", "50%", "%x"])
def test_malformed_or_explanation_only_macros_are_refused(spec: str) -> None:
    with pytest.raises(SpfSyntaxError):
        expand(spec, CONTEXT)


def test_a_record_parses_into_qualified_mechanisms_and_its_redirect() -> None:
    record = parse("v=spf1 -ip4:192.0.2.0/24 ~a:x.example/28//64 mx ?all redirect=r.example")
    shown = [(m.qualifier, m.name, m.target, m.cidr4, m.cidr6) for m in record.mechanisms]
    assert shown == [
        ("fail", "ip4", "192.0.2.0/24", 32, 128),
        ("softfail", "a", "x.example", 28, 64),
        ("pass", "mx", None, 32, 128),
        ("neutral", "all", None, 32, 128),
    ]
    assert record.redirect == "r.example"


def test_only_v_spf1_alone_or_followed_by_a_space_is_spf() -> None:
    assert is_spf("v=spf1") and is_spf("V=SPF1 -all")
    assert not is_spf("v=spf10 -all") and not is_spf("spf1 -all")
