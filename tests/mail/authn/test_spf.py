"""SPF as receivers evaluate it (RFC 7208 check_host), against a zone on a loopback DNS server."""

from __future__ import annotations

import ipaddress

import pytest

from bulletin.mail.authn.lookups import Lookups
from bulletin.mail.authn.spf import Outcome, Result, check_host, included_domains
from tests.support.dns_server import DnsServer, Zone

DOMAIN = "news.example"
SENDER = f"bounces+c1.s2.k0123456789@{DOMAIN}"


def spf(lookups: Lookups, ip: str, *, domain: str = DOMAIN) -> Outcome:
    address = ipaddress.ip_address(ip)
    return check_host(lookups, ip=address, domain=domain, sender=SENDER)


def test_an_address_in_an_ip4_network_passes_and_one_outside_fails_on_dash_all(
    zone: Zone, lookups: Lookups
) -> None:
    zone.txt(DOMAIN, "v=spf1 ip4:203.0.113.0/24 -all")
    assert spf(lookups, "203.0.113.77").result is Result.PASS
    outside = spf(lookups, "198.51.100.1")
    assert outside.result is Result.FAIL
    assert "-all" in outside.reason


def test_ip6_networks_match_only_ipv6_addresses(zone: Zone, lookups: Lookups) -> None:
    zone.txt(DOMAIN, "v=spf1 ip6:2001:db8::/32 ip4:203.0.113.5 ~all")
    assert spf(lookups, "2001:db8::25").result is Result.PASS
    assert spf(lookups, "2001:db9::25").result is Result.SOFTFAIL
    assert spf(lookups, "203.0.113.5").result is Result.PASS


def test_a_matches_the_domains_addresses_within_its_prefix_lengths(
    zone: Zone, lookups: Lookups
) -> None:
    zone.txt(DOMAIN, "v=spf1 a:relay.news.example/28//64 -all")
    zone.a("relay.news.example", "203.0.113.1").aaaa("relay.news.example", "2001:db8:1::1")
    assert spf(lookups, "203.0.113.14").result is Result.PASS
    assert spf(lookups, "203.0.113.17").result is Result.FAIL
    assert spf(lookups, "2001:db8:1::ffff").result is Result.PASS


def test_mx_matches_the_addresses_of_the_domains_mail_exchangers(
    zone: Zone, lookups: Lookups
) -> None:
    zone.txt(DOMAIN, "v=spf1 mx -all").mx(DOMAIN, 10, "mx1.news.example")
    zone.mx(DOMAIN, 20, "mx2.news.example")
    zone.a("mx1.news.example", "192.0.2.1").a("mx2.news.example", "192.0.2.2")
    assert spf(lookups, "192.0.2.2").result is Result.PASS
    assert spf(lookups, "192.0.2.3").result is Result.FAIL


def test_include_passes_only_on_the_included_records_pass(zone: Zone, lookups: Lookups) -> None:
    zone.txt(DOMAIN, "v=spf1 include:_spf.provider.example ip4:192.0.2.9 -all")
    zone.txt("_spf.provider.example", "v=spf1 ip4:198.51.100.0/24 -all")
    assert spf(lookups, "198.51.100.8").result is Result.PASS
    # The included record's -all is "no match" for the include, not a fail of ours.
    assert spf(lookups, "192.0.2.9").result is Result.PASS
    assert spf(lookups, "192.0.2.10").result is Result.FAIL


def test_an_include_of_a_domain_without_spf_is_a_permanent_error(
    zone: Zone, lookups: Lookups
) -> None:
    zone.txt(DOMAIN, "v=spf1 include:gone.example -all")
    outcome = spf(lookups, "192.0.2.1")
    assert outcome.result is Result.PERMERROR
    assert "include:gone.example" in outcome.reason


def test_redirect_applies_when_nothing_matched_and_is_ignored_beside_all(
    zone: Zone, lookups: Lookups
) -> None:
    zone.txt(DOMAIN, "v=spf1 ip4:192.0.2.1 redirect=_spf.news.example")
    zone.txt("_spf.news.example", "v=spf1 ip4:198.51.100.7 -all")
    assert spf(lookups, "198.51.100.7").result is Result.PASS
    assert spf(lookups, "198.51.100.8").result is Result.FAIL
    zone.remove(DOMAIN, "TXT").txt(DOMAIN, "v=spf1 ?all redirect=_spf.news.example")
    assert spf(lookups, "198.51.100.7").result is Result.NEUTRAL


def test_more_than_ten_lookups_is_a_permanent_error(zone: Zone, lookups: Lookups) -> None:
    zone.txt(DOMAIN, "v=spf1 include:i1.news.example -all")
    for n in range(1, 11):
        zone.txt(f"i{n}.news.example", f"v=spf1 include:i{n + 1}.news.example -all")
    zone.txt("i11.news.example", "v=spf1 ip4:192.0.2.1 -all")
    outcome = spf(lookups, "192.0.2.1")
    assert outcome.result is Result.PERMERROR
    assert "more than 10 DNS lookups" in outcome.reason
    assert outcome.lookups == 11


def test_ten_lookups_are_still_allowed(zone: Zone, lookups: Lookups) -> None:
    zone.txt(DOMAIN, "v=spf1 include:i2.news.example -all")
    for n in range(2, 11):
        zone.txt(f"i{n}.news.example", f"v=spf1 include:i{n + 1}.news.example -all")
    zone.txt("i11.news.example", "v=spf1 ip4:192.0.2.1 -all")
    outcome = spf(lookups, "192.0.2.1")
    assert (outcome.result, outcome.lookups) == (Result.PASS, 10)


def test_a_third_lookup_that_finds_nothing_is_a_permanent_error(
    zone: Zone, lookups: Lookups
) -> None:
    zone.txt(DOMAIN, "v=spf1 a:n1.news.example a:n2.news.example a:n3.news.example -all")
    outcome = spf(lookups, "192.0.2.1")
    assert outcome.result is Result.PERMERROR
    assert "found nothing" in outcome.reason


def test_exists_with_macros_looks_up_the_expanded_name(zone: Zone, lookups: Lookups) -> None:
    zone.txt(DOMAIN, "v=spf1 exists:%{ir}.%{v}.allow.%{d} -all")
    zone.a("5.113.0.203.in-addr.allow.news.example", "127.0.0.2")
    assert spf(lookups, "203.0.113.5").result is Result.PASS
    assert spf(lookups, "203.0.113.6").result is Result.FAIL
    assert "6.113.0.203.in-addr.allow.news.example" in zone.lookups_of("A")


def test_ptr_matches_a_validated_name_under_the_domain(zone: Zone, lookups: Lookups) -> None:
    zone.txt(DOMAIN, "v=spf1 ptr -all")
    zone.add("5.113.0.203.in-addr.arpa", "PTR", "out.news.example.")
    zone.a("out.news.example", "203.0.113.5")
    zone.add("6.113.0.203.in-addr.arpa", "PTR", "liar.news.example.")  # no forward record
    assert spf(lookups, "203.0.113.5").result is Result.PASS
    assert spf(lookups, "203.0.113.6").result is Result.FAIL


def test_no_match_and_no_all_is_neutral(zone: Zone, lookups: Lookups) -> None:
    zone.txt(DOMAIN, "v=spf1 ip4:192.0.2.1")
    assert spf(lookups, "192.0.2.2").result is Result.NEUTRAL


@pytest.mark.parametrize(
    ("record", "named"),
    [
        ("v=spf1 ipv4:192.0.2.1 -all", "ipv4"),
        ("v=spf1 ip4:192.0.2.300 -all", "192.0.2.300"),
        ("v=spf1 ip4:2001:db8::1 -all", "IPv4"),
        ("v=spf1 include -all", "include"),
        ("v=spf1 a:%{z}.news.example -all", "%{z}"),
        ("v=spf1 redirect=a.example redirect=b.example", "twice"),
    ],
)
def test_a_record_that_breaks_the_grammar_is_a_permanent_error_naming_the_term(
    zone: Zone, lookups: Lookups, record: str, named: str
) -> None:
    zone.txt(DOMAIN, record)
    outcome = spf(lookups, "192.0.2.1")
    assert outcome.result is Result.PERMERROR
    assert named in outcome.reason


def test_two_spf_records_are_a_permanent_error(zone: Zone, lookups: Lookups) -> None:
    zone.txt(DOMAIN, "v=spf1 -all", "v=spf1 ip4:192.0.2.1 -all", "google-site-verification=x")
    outcome = spf(lookups, "192.0.2.1")
    assert outcome.result is Result.PERMERROR
    assert "2 SPF records" in outcome.reason


def test_other_txt_records_and_v_spf10_are_not_spf(zone: Zone, lookups: Lookups) -> None:
    zone.txt(DOMAIN, "v=spf10 ip4:192.0.2.1", "site-verification=abc")
    outcome = spf(lookups, "192.0.2.1")
    assert (outcome.result, outcome.reason) == (Result.NONE, f"{DOMAIN} has no SPF record")


def test_a_domain_that_does_not_exist_has_result_none(lookups: Lookups) -> None:
    outcome = spf(lookups, "192.0.2.1", domain="missing.example")
    assert (outcome.result, outcome.reason) == (Result.NONE, "missing.example does not exist")


def test_a_failing_server_or_a_timeout_is_a_temporary_error(
    zone: Zone, dns_server: DnsServer
) -> None:
    lookups = Lookups(dns_server.resolver(lifetime=0.3))
    zone.txt(DOMAIN, "v=spf1 include:broken.example include:slow.example -all")
    zone.failing.add("broken.example")
    failed = spf(lookups, "192.0.2.1")
    assert failed.result is Result.TEMPERROR
    assert "SERVFAIL" in failed.reason
    zone.failing.clear()
    zone.silent.add("broken.example")
    timed_out = spf(lookups, "192.0.2.1")
    assert timed_out.result is Result.TEMPERROR
    assert "timeout" in timed_out.reason


def test_included_domains_follow_includes_and_redirects_however_deep(
    zone: Zone, lookups: Lookups
) -> None:
    zone.txt(DOMAIN, "v=spf1 include:_spf.news.example ip4:192.0.2.1 redirect=r.example")
    zone.txt("_spf.news.example", "v=spf1 include:sendgrid.net -all")
    zone.txt("sendgrid.net", "v=spf1 ip4:198.51.100.0/24 -all")
    assert included_domains(lookups, DOMAIN) == {"_spf.news.example", "sendgrid.net", "r.example"}
    assert included_domains(lookups, "nothing.example") is None
