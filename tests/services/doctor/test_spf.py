"""The SPF check: each relay the mail leaves by must pass the return path's SPF record."""

from __future__ import annotations

from bulletin.services.doctor.setup import Setup
from bulletin.services.doctor.spf import check_spf, proposed_record
from bulletin.services.doctor.verdicts import Status, Verdict
from tests.services.doctor.conftest import (
    DOMAIN,
    RELAY_IP,
    with_public_address,
    with_settings,
)
from tests.support.dns_server import Zone


def only(verdicts: list[Verdict]) -> Verdict:
    assert len(verdicts) == 1
    return verdicts[0]


def test_a_relay_the_record_does_not_name_fails_with_the_record_to_publish(
    zone: Zone, setup: Setup
) -> None:
    zone.remove(DOMAIN, "TXT").txt(DOMAIN, "v=spf1 ip4:192.0.2.1 -all")
    verdict = only(check_spf(setup))
    assert verdict.status is Status.FAIL
    assert f"{RELAY_IP} gets fail" in verdict.reason
    assert verdict.fix == f'Publish: {DOMAIN}. IN TXT "v=spf1 ip4:192.0.2.1 ip4:{RELAY_IP} -all"'


def test_no_spf_record_fails_with_a_new_record(zone: Zone, setup: Setup) -> None:
    zone.remove(DOMAIN, "TXT")
    verdict = only(check_spf(setup))
    assert verdict.status is Status.FAIL
    assert "has no SPF record" in verdict.reason
    assert verdict.fix == f'Publish: {DOMAIN}. IN TXT "v=spf1 ip4:{RELAY_IP} ~all"'


def test_a_record_past_ten_lookups_fails_as_broken(zone: Zone, setup: Setup) -> None:
    includes = " ".join(f"include:s{n}.{DOMAIN}" for n in range(11))
    zone.remove(DOMAIN, "TXT").txt(DOMAIN, f"v=spf1 {includes} ip4:{RELAY_IP} -all")
    for n in range(11):
        zone.txt(f"s{n}.{DOMAIN}", "v=spf1 ip4:192.0.2.1 -all")
    verdict = only(check_spf(setup))
    assert verdict.status is Status.FAIL
    assert "permerror" in verdict.reason and "more than 10 DNS lookups" in verdict.reason
    assert verdict.fix is not None and "within 10 lookups" in verdict.fix


def test_a_relay_host_that_does_not_resolve_fails(zone: Zone, setup: Setup) -> None:
    zone.remove(f"relay.{DOMAIN}", "A")
    verdict = only(check_spf(setup))
    assert verdict.status is Status.FAIL
    assert verdict.reason == f"the relay host relay.{DOMAIN} does not exist (NXDOMAIN)."


def test_a_dns_failure_is_reported_as_such(zone: Zone, setup: Setup) -> None:
    zone.failing.add(DOMAIN)
    verdict = only(check_spf(setup))
    assert verdict.status is Status.FAIL
    assert "SERVFAIL" in verdict.reason


def test_a_relay_on_loopback_is_skipped_until_the_public_address_is_given(
    setup: Setup,
) -> None:
    local = with_settings(setup, relays="smtp://127.0.0.1:25")
    skipped = only(check_spf(local))
    assert skipped.status is Status.SKIPPED
    assert skipped.fix is not None and "--public-address" in skipped.fix
    assert only(check_spf(with_public_address(local, RELAY_IP))).status is Status.PASS
    refused = only(check_spf(with_public_address(local, "198.51.100.99")))
    assert refused.status is Status.FAIL
    assert "198.51.100.99 gets fail" in refused.reason


def test_one_verdict_per_relay(setup: Setup) -> None:
    both = with_settings(setup, relays=f"smtp://relay.{DOMAIN}:587 smtps://192.0.2.7")
    verdicts = check_spf(both)
    assert [(v.subject, v.status) for v in verdicts] == [
        (f"smtp://relay.{DOMAIN}:587", Status.PASS),
        ("smtps://192.0.2.7:465", Status.FAIL),
    ]


def test_the_catcher_and_a_memory_relay_are_skipped(setup: Setup) -> None:
    catcher = with_settings(setup, relays=None, smtp_url=None)
    assert only(check_spf(catcher)).status is Status.SKIPPED
    memory = only(check_spf(with_settings(setup, relays="memory")))
    assert (memory.status, memory.subject) == (Status.SKIPPED, "memory")


def test_a_provider_relay_passes_when_the_record_includes_the_providers(
    zone: Zone, setup: Setup
) -> None:
    sendgrid = with_settings(setup, relays="sendgrid://SG.secret-api-key@api.sendgrid.com")
    missing = only(check_spf(sendgrid))
    assert missing.status is Status.WARN
    assert missing.fix == (
        f'Publish: {DOMAIN}. IN TXT "v=spf1 ip4:{RELAY_IP} include:sendgrid.net -all"'
    )
    assert "secret-api-key" not in (missing.subject or "")
    zone.remove(DOMAIN, "TXT").txt(DOMAIN, "v=spf1 include:_spf.news.example -all")
    zone.txt(f"_spf.{DOMAIN}", "v=spf1 include:sendgrid.net -all")
    assert only(check_spf(sendgrid)).status is Status.PASS


def test_a_relay_of_a_kind_the_doctor_does_not_know_is_a_warning(setup: Setup) -> None:
    unknown = only(check_spf(with_settings(setup, relays="sparkpost://key@api.sparkpost.test")))
    assert unknown.status is Status.WARN
    assert unknown.subject == "sparkpost://api.sparkpost.test"


def test_new_terms_go_before_what_ends_the_evaluation() -> None:
    assert proposed_record("v=spf1 mx ~all", ["ip4:1.2.3.4"]) == "v=spf1 mx ip4:1.2.3.4 ~all"
    assert proposed_record("v=spf1 redirect=x.example", ["a"]) == "v=spf1 a redirect=x.example"
    assert proposed_record("v=spf1 mx", ["ip6:2001:db8::1"]) == "v=spf1 mx ip6:2001:db8::1"
