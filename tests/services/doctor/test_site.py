"""The checks of the rest of the setup: mode, sender domain, base URL, one-click, postal address."""

from __future__ import annotations

from bulletin.services.doctor import site
from bulletin.services.doctor.setup import Setup
from bulletin.services.doctor.verdicts import Status
from tests.services.doctor.conftest import DOMAIN, with_settings
from tests.support.dns_server import Zone


def test_a_free_mail_sender_fails(setup: Setup) -> None:
    verdict = site.check_sender_domain(with_settings(setup, sender="News <paper@gmail.com>"))
    assert verdict.status is Status.FAIL
    assert "gmail.com" in verdict.reason and "DMARC" in verdict.reason


def test_a_sender_at_no_public_domain_fails(setup: Setup) -> None:
    verdict = site.check_sender_domain(with_settings(setup, sender="News <news@localhost>"))
    assert verdict.status is Status.FAIL


def test_an_http_base_url_fails_and_so_does_one_click(setup: Setup) -> None:
    plain = with_settings(setup, base_url=f"http://{DOMAIN}")
    assert site.check_base_url(plain).status is Status.FAIL
    one_click = site.check_one_click(plain)
    assert one_click.status is Status.FAIL
    assert "RFC 8058" in one_click.reason and "not https" in one_click.reason


def test_a_base_url_that_does_not_resolve_fails(zone: Zone, setup: Setup) -> None:
    missing = with_settings(setup, base_url="https://www.gone.example")
    verdict = site.check_base_url(missing)
    assert verdict.status is Status.FAIL
    assert verdict.reason == "www.gone.example does not resolve (NXDOMAIN)."


def test_a_base_url_on_this_machine_fails(setup: Setup) -> None:
    verdict = site.check_base_url(with_settings(setup, base_url="https://127.0.0.1:8000"))
    assert verdict.status is Status.FAIL
    assert "readers cannot reach" in verdict.reason


def test_one_click_without_dkim_fails(setup: Setup) -> None:
    unsigned = with_settings(
        setup, dkim_domain=None, dkim_selector=None, dkim_key_file=None, dkim_ed25519_key_file=None
    )
    verdict = site.check_one_click(unsigned)
    assert verdict.status is Status.FAIL
    assert "no DKIM signature covers List-Unsubscribe" in verdict.reason


def test_a_missing_postal_address_fails(setup: Setup) -> None:
    verdict = site.check_postal_address(
        with_settings(setup, env="development", postal_address=None)
    )
    assert verdict.status is Status.FAIL
    assert "CAN-SPAM" in verdict.reason


def test_development_mode_is_a_warning(setup: Setup) -> None:
    verdict = site.check_mode(with_settings(setup, env="development"))
    assert verdict.status is Status.WARN
    assert verdict.fix is not None and "BULLETIN_ENV=production" in verdict.fix
