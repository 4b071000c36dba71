"""The DKIM check: the record at the selector holds the very key Bulletin signs with."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bulletin.mail.authn.lookups import Lookups
from bulletin.services.doctor import setup_for
from bulletin.services.doctor.dkim import check_dkim
from bulletin.services.doctor.setup import Setup
from bulletin.services.doctor.verdicts import Status, Verdict
from tests.services.doctor.conftest import DOMAIN, SELECTOR, rsa_record, with_settings
from tests.support.dkim_keys import rsa_key, write_key
from tests.support.dns_server import DnsServer, Zone

NAME = f"{SELECTOR}._domainkey.{DOMAIN}"


def rsa_verdict(setup: Setup) -> Verdict:
    return check_dkim(setup)[0]


def publish(zone: Zone, *records: str) -> None:
    zone.remove(NAME, "TXT").txt(NAME, *records)


def test_no_signing_configured_fails_saying_gmail_and_yahoo_require_it(setup: Setup) -> None:
    unsigned = with_settings(
        setup, dkim_domain=None, dkim_selector=None, dkim_key_file=None, dkim_ed25519_key_file=None
    )
    [verdict] = check_dkim(unsigned)
    assert verdict.status is Status.FAIL
    assert "Gmail and Yahoo require DKIM" in verdict.reason
    assert verdict.fix is not None and "BULLETIN_DKIM_KEY_FILE" in verdict.fix


def test_a_missing_record_fails_with_the_exact_record_to_publish(zone: Zone, setup: Setup) -> None:
    zone.remove(NAME, "TXT")
    verdict = rsa_verdict(setup)
    assert (verdict.status, verdict.reason) == (Status.FAIL, f"no DKIM key record at {NAME}.")
    assert verdict.fix is not None
    published = verdict.fix.removeprefix(f"Publish: {NAME}. IN TXT ")
    assert "".join(part.strip('"') for part in published.split('" "')) == rsa_record()


def test_a_record_with_another_key_fails_as_a_mismatch(zone: Zone, setup: Setup) -> None:
    other = rsa_key("other")
    publish(zone, rsa_record().rsplit("p=", 1)[0] + "p=" + _p_of(other))
    verdict = rsa_verdict(setup)
    assert verdict.status is Status.FAIL
    assert "is not the configured key" in verdict.reason


def test_a_revoked_key_fails_as_revoked(zone: Zone, setup: Setup) -> None:
    publish(zone, "v=DKIM1; k=rsa; p=")
    verdict = rsa_verdict(setup)
    assert verdict.status is Status.FAIL
    assert "revoked" in verdict.reason


@pytest.mark.parametrize(
    ("record", "says"),
    [
        ("v=DKIM1; k=ed25519; p=AAAA", "k=ed25519, not rsa"),
        ("v=DKIM1; k=rsa", "no p= (public key) tag"),
        ("v=DKIM1; k=rsa; p=***", "not base64"),
        ("v=DKIM1; h=sha1; p=AAAA", "h=sha1"),
    ],
)
def test_a_record_that_cannot_verify_our_signature_fails_saying_why(
    zone: Zone, setup: Setup, record: str, says: str
) -> None:
    publish(zone, record)
    verdict = rsa_verdict(setup)
    assert verdict.status is Status.FAIL
    assert says in verdict.reason


def test_a_matching_key_in_testing_mode_is_a_warning(zone: Zone, setup: Setup) -> None:
    publish(zone, rsa_record().replace("k=rsa;", "k=rsa; t=y;"))
    assert rsa_verdict(setup).status is Status.WARN


def test_two_key_records_at_one_name_fail(zone: Zone, setup: Setup) -> None:
    publish(zone, rsa_record(), "v=DKIM1; k=rsa; p=AAAA")
    verdict = rsa_verdict(setup)
    assert verdict.status is Status.FAIL
    assert "2 key records" in verdict.reason


def test_an_unreadable_key_file_fails_naming_the_setting(setup: Setup) -> None:
    path = setup.settings.dkim_key_file
    assert path is not None
    path.unlink()
    verdict = rsa_verdict(setup)
    assert verdict.status is Status.FAIL
    assert verdict.reason == f"BULLETIN_DKIM_KEY_FILE: {path} does not exist."


def test_a_smaller_rsa_key_fails_as_signing_would_refuse_it(zone: Zone, setup: Setup) -> None:
    small = rsa_key("small", 1024)
    path = write_key(setup.settings.data_dir.parent / "small.pem", small)
    publish(zone, "v=DKIM1; k=rsa; p=" + _p_of(small))
    verdict = rsa_verdict(with_settings(setup, dkim_key_file=path))
    assert verdict.status is Status.FAIL
    assert "1024-bit RSA key" in verdict.reason


def test_the_ed25519_record_is_checked_at_the_sibling_selector(zone: Zone, setup: Setup) -> None:
    sibling = f"{SELECTOR}-ed25519._domainkey.{DOMAIN}"
    zone.remove(sibling, "TXT")
    verdict = check_dkim(setup)[1]
    assert (verdict.check, verdict.status, verdict.subject) == (
        "dkim-ed25519",
        Status.FAIL,
        sibling,
    )
    assert verdict.fix is not None and "k=ed25519" in verdict.fix
    alone = check_dkim(with_settings(setup, dkim_ed25519_key_file=None))[1]
    assert alone.status is Status.SKIPPED


def test_a_dns_timeout_is_reported_as_a_timeout(
    zone: Zone, dns_server: DnsServer, setup: Setup
) -> None:
    zone.silent.add(NAME)
    impatient = setup_for(setup.settings, Lookups(dns_server.resolver(lifetime=0.3)))
    verdict = rsa_verdict(impatient)
    assert verdict.status is Status.FAIL
    assert f"TXT lookup of {NAME}" in verdict.reason and "timeout" in verdict.reason


def _p_of(key: rsa.RSAPrivateKey) -> str:
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(spki).decode()
