"""The DMARC check: a policy exists for the From domain, and DKIM d= and the return path align."""

from __future__ import annotations

from bulletin.services.doctor.dmarc import check_dmarc
from bulletin.services.doctor.setup import Setup
from bulletin.services.doctor.verdicts import Status
from tests.services.doctor.conftest import DOMAIN, with_settings
from tests.support.dns_server import Zone


def test_no_record_fails_with_a_starting_record(zone: Zone, setup: Setup) -> None:
    zone.remove(f"_dmarc.{DOMAIN}", "TXT")
    record, _ = check_dmarc(setup)
    assert record.status is Status.FAIL
    assert f"no DMARC record at _dmarc.{DOMAIN}" in record.reason
    assert record.fix is not None
    assert f'_dmarc.{DOMAIN}. IN TXT "v=DMARC1; p=none; rua=mailto:' in record.fix


def test_p_none_is_a_warning_that_says_it_is_fine_to_start_with(zone: Zone, setup: Setup) -> None:
    zone.remove(f"_dmarc.{DOMAIN}", "TXT").txt(f"_dmarc.{DOMAIN}", "v=DMARC1; p=none")
    record, _ = check_dmarc(setup)
    assert record.status is Status.WARN
    assert "fine to start with" in record.reason


def test_a_subdomain_sender_is_covered_by_the_organisations_record(
    zone: Zone, setup: Setup
) -> None:
    zone.mx(f"alerts.{DOMAIN}", 10, f"mx.{DOMAIN}")
    alerts = with_settings(setup, sender=f"News <breaking@alerts.{DOMAIN}>")
    record, alignment = check_dmarc(alerts)
    assert (record.status, record.reason) == (Status.PASS, f"_dmarc.{DOMAIN}: p=reject.")
    # d=news.example and From alerts.news.example share the organisation: relaxed passes.
    assert alignment.status is Status.PASS


def test_strict_dkim_alignment_with_a_parent_domain_signature_is_a_warning(
    zone: Zone, setup: Setup
) -> None:
    zone.txt(f"_dmarc.alerts.{DOMAIN}", "v=DMARC1; p=reject; adkim=s")
    alerts = with_settings(setup, sender=f"News <breaking@alerts.{DOMAIN}>")
    _, alignment = check_dmarc(alerts)
    assert alignment.status is Status.WARN
    assert f"DKIM d={DOMAIN} does not align (strict, adkim=s)" in alignment.reason
    assert alignment.fix == f"Sign as the From domain: BULLETIN_DKIM_DOMAIN=alerts.{DOMAIN}"


def test_a_signature_of_another_organisation_does_not_align(setup: Setup) -> None:
    other = with_settings(setup, dkim_domain="mailer.example.net")
    _, alignment = check_dmarc(other)
    assert alignment.status is Status.WARN
    assert "DKIM d=mailer.example.net does not align (relaxed)" in alignment.reason


def test_neither_dkim_nor_spf_aligned_fails(setup: Setup) -> None:
    unaligned = with_settings(
        setup,
        dkim_domain=None,
        dkim_selector=None,
        dkim_key_file=None,
        dkim_ed25519_key_file=None,
        relays="postmark://server-token@api.postmarkapp.com",
    )
    _, alignment = check_dmarc(unaligned)
    assert alignment.status is Status.FAIL
    assert "no DKIM signature to align" in alignment.reason
    assert "Postmark" in alignment.reason


def test_a_record_receivers_ignore_fails(zone: Zone, setup: Setup) -> None:
    zone.txt(f"_dmarc.{DOMAIN}", "v=DMARC1; p=none")
    record, _ = check_dmarc(setup)
    assert record.status is Status.FAIL
    assert "2 DMARC records" in record.reason
