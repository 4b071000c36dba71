"""Each test serves its own zone from a real DNS server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bulletin.mail.authn.lookups import Lookups
from tests.support.dns_server import DnsServer, Zone


@pytest.fixture
def zone() -> Zone:
    return Zone()


@pytest.fixture
def dns_server(zone: Zone) -> Iterator[DnsServer]:
    with DnsServer(zone) as server:
        yield server


@pytest.fixture
def lookups(dns_server: DnsServer) -> Lookups:
    return Lookups(dns_server.resolver())
