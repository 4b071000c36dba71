"""Receivers find the From domain's DMARC record, or its organisation's, and read its policy."""

from __future__ import annotations

import pytest

from bulletin.mail.authn.dmarc import DmarcError, find_policy, record_names
from bulletin.mail.authn.domains import aligned, organizational_domain
from bulletin.mail.authn.lookups import Lookups
from bulletin.mail.authn.tags import TagSyntaxError, parse_tags
from tests.support.dns_server import Zone


def test_the_organisational_domain_comes_from_the_bundled_public_suffix_list() -> None:
    assert organizational_domain("alerts.news.example.co.uk") == "example.co.uk"
    assert organizational_domain("News.Example.COM.") == "example.com"
    assert organizational_domain("co.uk") == "co.uk"
    # A private suffix (a hosting platform) is a boundary too.
    assert organizational_domain("paper.github.io") == "paper.github.io"


def test_relaxed_alignment_is_the_same_organisation_and_strict_the_same_domain() -> None:
    assert aligned("mail.example.com", "example.com", strict=False)
    assert not aligned("mail.example.com", "example.com", strict=True)
    assert not aligned("a.github.io", "b.github.io", strict=False)


def test_a_from_domains_own_record_comes_before_its_organisations(
    zone: Zone, lookups: Lookups
) -> None:
    zone.txt("_dmarc.alerts.example.com", "v=DMARC1; p=reject; adkim=s")
    zone.txt("_dmarc.example.com", "v=DMARC1; p=none")
    policy = find_policy(lookups, "alerts.example.com")
    assert policy is not None
    assert (policy.name, policy.policy, policy.strict_dkim) == (
        "_dmarc.alerts.example.com",
        "reject",
        True,
    )


def test_the_organisations_record_applies_its_subdomain_policy(
    zone: Zone, lookups: Lookups
) -> None:
    zone.txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.com")
    policy = find_policy(lookups, "alerts.example.com")
    assert policy is not None
    assert (policy.name, policy.policy, policy.reports) == (
        "_dmarc.example.com",
        "quarantine",
        "mailto:d@example.com",
    )
    assert record_names("alerts.example.com") == (
        "_dmarc.alerts.example.com",
        "_dmarc.example.com",
    )


def test_no_record_anywhere_is_none(zone: Zone, lookups: Lookups) -> None:
    zone.txt("_dmarc.example.com", "v=spf1 -all")
    assert find_policy(lookups, "alerts.example.com") is None


@pytest.mark.parametrize(
    ("records", "says"),
    [
        (["v=DMARC1; p=none", "v=DMARC1; p=reject"], "2 DMARC records"),
        (["v=DMARC1; rua=mailto:d@example.com"], "no p= tag"),
        (["v=DMARC1; p=block"], "p=block is not none"),
        (["v=DMARC1; p=none; pct=all"], "pct=all"),
        (["v=DMARC1; p=none; p=reject"], "appears twice"),
    ],
)
def test_a_record_receivers_cannot_apply_is_refused_saying_why(
    zone: Zone, lookups: Lookups, records: list[str], says: str
) -> None:
    zone.txt("_dmarc.example.com", *records)
    with pytest.raises(DmarcError, match=says):
        find_policy(lookups, "example.com")


def test_tag_lists_allow_a_trailing_semicolon_and_refuse_a_bare_word() -> None:
    assert parse_tags(" v=DKIM1 ; k=rsa; p=AB CD ;") == {"v": "DKIM1", "k": "rsa", "p": "AB CD"}
    with pytest.raises(TagSyntaxError):
        parse_tags("v=DKIM1; rsa")
