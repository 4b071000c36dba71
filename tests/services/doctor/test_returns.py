"""The bounce MX check: returned mail reaches the listener or the mailbox Bulletin reads."""

from __future__ import annotations

from bulletin.services.doctor.returns import check_returns
from bulletin.services.doctor.setup import Setup
from bulletin.services.doctor.verdicts import Status
from tests.services.doctor.conftest import DOMAIN, INBOUND_IP, with_public_address, with_settings
from tests.support.dns_server import Zone

MAILBOX = "imaps://bounces:password@imap.mailhost.example/INBOX"


def test_an_mx_elsewhere_fails_with_the_records_to_publish(zone: Zone, setup: Setup) -> None:
    zone.remove(f"mx.{DOMAIN}", "A").a(f"mx.{DOMAIN}", "198.51.100.3")
    mx, _ = check_returns(setup)
    assert mx.status is Status.FAIL
    assert f"mx.{DOMAIN} (198.51.100.3), not to this machine ({INBOUND_IP})" in mx.reason
    assert mx.fix == (
        f"Publish: {DOMAIN}. IN MX 10 inbound.{DOMAIN}. and inbound.{DOMAIN}. IN A {INBOUND_IP}"
    )


def test_a_listener_on_a_private_address_needs_the_public_one_to_be_checked(
    setup: Setup,
) -> None:
    private = with_settings(setup, inbound_host="10.0.0.5")
    mx, listener = check_returns(private)
    assert mx.status is Status.SKIPPED
    assert mx.fix is not None and "--public-address" in mx.fix
    assert listener.status is Status.PASS
    given = with_public_address(private, INBOUND_IP)
    assert check_returns(given)[0].status is Status.PASS


def test_a_null_mx_fails(zone: Zone, setup: Setup) -> None:
    zone.remove(DOMAIN, "MX").add(DOMAIN, "MX", "0 .")
    mx, _ = check_returns(setup)
    assert mx.status is Status.FAIL
    assert "null MX" in mx.reason


def test_a_bounce_domain_that_does_not_exist_fails(setup: Setup) -> None:
    gone = with_settings(setup, sender="News <alerts@gone.example>")
    mx, _ = check_returns(gone)
    assert (mx.status, mx.reason) == (
        Status.FAIL,
        "gone.example does not exist: returned mail to it is lost.",
    )


def test_mx_hosts_without_addresses_fail(zone: Zone, setup: Setup) -> None:
    zone.remove(f"mx.{DOMAIN}", "A")
    mx, _ = check_returns(setup)
    assert mx.status is Status.FAIL
    assert f"MX mx.{DOMAIN} has no address" in mx.reason


def test_no_mx_but_the_domains_own_address_is_a_warning(zone: Zone, setup: Setup) -> None:
    zone.remove(DOMAIN, "MX").remove(DOMAIN, "A").a(DOMAIN, INBOUND_IP)
    mx, _ = check_returns(setup)
    assert mx.status is Status.WARN
    assert mx.fix == f"Publish: {DOMAIN}. IN MX 10 {DOMAIN}."


def test_a_listener_on_loopback_and_another_port_is_a_warning(setup: Setup) -> None:
    local = with_settings(setup, inbound_host="127.0.0.1", inbound_port=2526)
    _, listener = check_returns(local)
    assert listener.status is Status.WARN
    assert "only this machine reaches" in listener.reason
    assert "port 2526" in listener.reason


def test_with_a_mailbox_the_mx_should_be_the_mailbox_providers(zone: Zone, setup: Setup) -> None:
    mailbox = with_settings(setup, bounce_imap_url=MAILBOX)
    mx, listener = check_returns(mailbox)
    assert mx.status is Status.WARN
    assert "imap.mailhost.example" in mx.reason
    assert listener.status is Status.SKIPPED
    zone.remove(DOMAIN, "MX").mx(DOMAIN, 10, "in1.mailhost.example")
    zone.a("in1.mailhost.example", "192.0.2.40")
    assert check_returns(mailbox)[0].status is Status.PASS


def test_a_dns_failure_on_the_mx_lookup_is_reported(zone: Zone, setup: Setup) -> None:
    zone.failing.add(DOMAIN)
    mx, _ = check_returns(setup)
    assert mx.status is Status.FAIL
    assert "MX lookup of news.example" in mx.reason
