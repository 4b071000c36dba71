"""What the doctor examines: the settings, DNS as the world sees it, and this machine's address."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from bulletin.config import Settings
from bulletin.mail.authn.lookups import IPAddress, Lookups
from bulletin.mail.compose import Links


@dataclass(frozen=True)
class Setup:
    """`public_addresses`: where the internet reaches this machine, when the operator
    says (`--public-address`): a listener or relay on a private address cannot tell."""

    settings: Settings
    lookups: Lookups
    public_addresses: tuple[IPAddress, ...] = ()

    @property
    def from_domain(self) -> str:
        return self.settings.mail_domain

    @property
    def bounce_domain(self) -> str:
        """The domain of the VERP envelope sender list mail carries (SPF and bounces)."""
        return Links.from_settings(self.settings).bounce_address("x").rpartition("@")[2]

    @property
    def bounce_sender(self) -> str:
        """An envelope sender as list mail has it, for SPF macros that name its parts."""
        return Links.from_settings(self.settings).bounce_address("c1.s1.k0000000000")


# Addresses the internet cannot reach this machine at. (Not `is_global`: that also
# excludes the documentation ranges, which the tests and the docs use as public.)
INTERNAL = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "::/128",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
)


def is_internal(address: IPAddress) -> bool:
    """On this machine or a private network: what a relay or listener there is known as
    from outside, only the operator can say."""
    return any(address in network for network in INTERNAL if network.version == address.version)


def ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
