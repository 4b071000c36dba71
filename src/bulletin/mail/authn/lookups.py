"""DNS lookups for mail authentication, through dnspython, with its errors translated to ours.

`Lookups` wraps a `dns.resolver.Resolver`: the system's by default, or one a test
points at its own loopback server (`nameservers=["127.0.0.1"]`, `port=N`). Each
method returns an `Answer`: the records found, and whether the name exists at all
(NXDOMAIN), so callers can tell "no such domain" from "no record of that type".
A lookup that gets no answer (a timeout, a server failure) raises DnsUnavailable;
a name that is not a domain name raises InvalidInput. No answer is cached: the
doctor reports what DNS says now.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver
import dns.reversename
from dns.rdtypes.ANY.MX import MX
from dns.rdtypes.ANY.PTR import PTR
from dns.rdtypes.ANY.TXT import TXT
from dns.rdtypes.IN.A import A
from dns.rdtypes.IN.AAAA import AAAA

from bulletin.domain.errors import ConfigurationError, DnsUnavailable, InvalidInput

T = TypeVar("T")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_LIFETIME_S = 5.0


@dataclass(frozen=True)
class Answer(Generic[T]):
    """What DNS holds for one name and type: `exists` is False for NXDOMAIN."""

    name: str
    values: tuple[T, ...] = ()
    exists: bool = True

    @property
    def void(self) -> bool:
        """No record: NXDOMAIN, or the name with nothing of this type (RFC 7208 §4.6.4)."""
        return not self.values


@dataclass(frozen=True)
class Exchange:
    """One MX record: `host` is "." for a null MX (RFC 7505: the domain takes no mail)."""

    preference: int
    host: str


def resolver_for(
    nameservers: tuple[str, ...] = (), *, port: int = 53, lifetime: float = DEFAULT_LIFETIME_S
) -> dns.resolver.Resolver:
    """The system's resolver, or one asking only `nameservers` on `port`."""
    try:
        resolver = dns.resolver.Resolver(configure=not nameservers)
    except dns.resolver.NoResolverConfiguration as exc:
        raise ConfigurationError(
            "This machine has no DNS servers configured (/etc/resolv.conf): "
            "name one with --nameserver."
        ) from exc
    if nameservers:
        resolver.nameservers = list(nameservers)
        resolver.port = port
    resolver.lifetime = lifetime
    return resolver


class Lookups:
    """TXT, A, AAAA, MX and PTR lookups through one resolver."""

    def __init__(self, resolver: dns.resolver.Resolver) -> None:
        self._resolver = resolver

    def txt(self, name: str) -> Answer[str]:
        """Each TXT record with its strings joined (a long record is split into several)."""
        return self._ask(name, "TXT", _txt_text)

    def a(self, name: str) -> Answer[IPAddress]:
        return self._ask(name, "A", _address)

    def aaaa(self, name: str) -> Answer[IPAddress]:
        return self._ask(name, "AAAA", _address)

    def addresses(self, name: str) -> Answer[IPAddress]:
        """A and AAAA together; the name exists if either lookup says so."""
        v4, v6 = self.a(name), self.aaaa(name)
        return Answer(name, v4.values + v6.values, exists=v4.exists and v6.exists)

    def mx(self, name: str) -> Answer[Exchange]:
        answer = self._ask(name, "MX", _exchange)
        ordered = sorted(answer.values, key=lambda mx: (mx.preference, mx.host))
        return Answer(name, tuple(ordered), exists=answer.exists)

    def ptr(self, address: IPAddress) -> Answer[str]:
        name = dns.reversename.from_address(str(address)).to_text(omit_final_dot=True)
        return self._ask(name, "PTR", _pointer)

    def _ask(self, name: str, rdtype: str, read: Callable[[object], T | None]) -> Answer[T]:
        try:
            qname = dns.name.from_text(name)
        except dns.exception.DNSException as exc:
            raise InvalidInput(f"{name!r} is not a domain name: {exc}") from exc
        shown = qname.to_text(omit_final_dot=True)
        try:
            answer = self._resolver.resolve(qname, rdtype, search=False)
        except dns.resolver.NXDOMAIN:
            return Answer(shown, exists=False)
        except dns.resolver.NoAnswer:
            return Answer(shown)
        except dns.resolver.LifetimeTimeout as exc:
            raise DnsUnavailable(
                f"DNS did not answer the {rdtype} lookup of {shown} within "
                f"{self._resolver.lifetime:g} s (a timeout)."
            ) from exc
        except dns.resolver.NoNameservers as exc:
            raise DnsUnavailable(
                f"DNS failed the {rdtype} lookup of {shown}: every server refused or failed "
                "(SERVFAIL, often a broken DNSSEC signature or an unreachable authority)."
            ) from exc
        except dns.exception.DNSException as exc:
            raise DnsUnavailable(f"DNS failed the {rdtype} lookup of {shown}: {exc}") from exc
        found = (read(rdata) for rdata in answer)
        return Answer(shown, tuple(value for value in found if value is not None))


def _txt_text(rdata: object) -> str | None:
    if not isinstance(rdata, TXT):
        return None
    # SPF, DKIM and DMARC records are ASCII; anything else cannot match and is shown escaped.
    return b"".join(rdata.strings).decode("ascii", errors="backslashreplace")


def _address(rdata: object) -> IPAddress | None:
    if isinstance(rdata, A | AAAA):
        return ipaddress.ip_address(rdata.address)
    return None


def _exchange(rdata: object) -> Exchange | None:
    if not isinstance(rdata, MX):
        return None
    host = rdata.exchange.to_text(omit_final_dot=True) or "."
    return Exchange(rdata.preference, host.lower())


def _pointer(rdata: object) -> str | None:
    if not isinstance(rdata, PTR):
        return None
    return rdata.target.to_text(omit_final_dot=True).lower()
