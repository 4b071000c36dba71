"""A sending setup that passes every check, served by a real DNS server on loopback.

Tests break one thing in the zone or the settings and read the verdict it gives.
"""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from bulletin.config import Settings
from bulletin.mail.authn.lookups import Lookups
from bulletin.services.doctor import setup_for
from bulletin.services.doctor.setup import Setup
from tests.support.dkim_keys import ed25519_key, rsa_key, write_key
from tests.support.dns_server import DnsServer, Zone
from tests.support.factories import SECRET, SUPPRESSION_KEY

DOMAIN = "news.example"
RELAY_IP = "203.0.113.10"
INBOUND_IP = "203.0.113.25"
WEB_IP = "203.0.113.80"
RELAY_PASSWORD = "relay-password-never-shown"
SELECTOR = "bulletin1"


def rsa_record() -> str:
    spki = (
        rsa_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return "v=DKIM1; k=rsa; p=" + base64.b64encode(spki).decode()


def ed25519_record() -> str:
    raw = (
        ed25519_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return "v=DKIM1; k=ed25519; p=" + base64.b64encode(raw).decode()


def good_zone() -> Zone:
    zone = Zone()
    zone.txt(DOMAIN, f"v=spf1 ip4:{RELAY_IP} -all", "site-verification=abc")
    zone.a(f"relay.{DOMAIN}", RELAY_IP)
    zone.txt(f"{SELECTOR}._domainkey.{DOMAIN}", rsa_record())
    zone.txt(f"{SELECTOR}-ed25519._domainkey.{DOMAIN}", ed25519_record())
    zone.txt(f"_dmarc.{DOMAIN}", f"v=DMARC1; p=reject; rua=mailto:dmarc@{DOMAIN}")
    zone.mx(DOMAIN, 10, f"mx.{DOMAIN}").a(f"mx.{DOMAIN}", INBOUND_IP)
    zone.a(DOMAIN, WEB_IP)
    return zone


@pytest.fixture
def zone() -> Zone:
    return good_zone()


@pytest.fixture
def dns_server(zone: Zone) -> Iterator[DnsServer]:
    with DnsServer(zone) as server:
        yield server


@pytest.fixture
def lookups(dns_server: DnsServer) -> Lookups:
    return Lookups(dns_server.resolver())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        env="production",
        secret_key=SECRET,
        suppression_key=SUPPRESSION_KEY,
        database_url=f"sqlite:///{tmp_path / 'b.db'}",
        base_url=f"https://{DOMAIN}",
        sender=f"News Alerts <alerts@{DOMAIN}>",
        data_dir=tmp_path / "data",
        relays=f"smtp://bulletin:{RELAY_PASSWORD}@relay.{DOMAIN}:587?connections=4",
        postal_address="1 Press Row, Springfield, IL 62701, USA",
        dkim_domain=DOMAIN,
        dkim_selector=SELECTOR,
        dkim_key_file=write_key(tmp_path / "dkim.pem", rsa_key()),
        dkim_ed25519_key_file=write_key(tmp_path / "ed25519.pem", ed25519_key()),
        inbound_host=INBOUND_IP,
        inbound_port=25,
    )


@pytest.fixture
def setup(settings: Settings, lookups: Lookups) -> Setup:
    return setup_for(settings, lookups)


def with_settings(setup: Setup, **changes: object) -> Setup:
    return setup_for(
        setup.settings.replace(**changes), setup.lookups, public_addresses=setup.public_addresses
    )


def with_public_address(setup: Setup, address: str) -> Setup:
    return setup_for(
        setup.settings, setup.lookups, public_addresses=[ipaddress.ip_address(address)]
    )
