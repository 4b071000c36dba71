"""Finding and reading a From domain's DMARC record (RFC 7489 §6.3, §6.6.3)."""

from __future__ import annotations

from dataclasses import dataclass

from bulletin.mail.authn.domains import organizational_domain
from bulletin.mail.authn.lookups import Lookups
from bulletin.mail.authn.tags import TagSyntaxError, parse_tags

POLICIES = ("none", "quarantine", "reject")
VERSION = "DMARC1"


class DmarcError(ValueError):
    """A DMARC record receivers cannot apply: several records, a bad tag, no valid p=."""


@dataclass(frozen=True)
class Policy:
    """A DMARC record, and the policy it asks for mail from the From domain."""

    name: str  # where the record was found: _dmarc.DOMAIN
    text: str
    policy: str  # p=, or sp= when the record is the organisation's and From is below it
    strict_dkim: bool
    strict_spf: bool
    percent: int
    reports: str | None  # rua=


def record_names(from_domain: str) -> tuple[str, ...]:
    """Where receivers look: the From domain's record, else its organisational domain's."""
    organisation = organizational_domain(from_domain)
    names = [f"_dmarc.{from_domain}"]
    if organisation != from_domain:
        names.append(f"_dmarc.{organisation}")
    return tuple(names)


def find_policy(lookups: Lookups, from_domain: str) -> Policy | None:
    """The policy receivers apply to mail from `from_domain`; None if it has none.

    DnsUnavailable if DNS does not answer; DmarcError for a record that cannot apply.
    """
    domain = from_domain.lower().rstrip(".")
    for name in record_names(domain):
        records = [t for t in lookups.txt(name).values if _is_dmarc(t)]
        if len(records) > 1:
            raise DmarcError(f"{name} has {len(records)} DMARC records; receivers ignore them all")
        if records:
            return parse(name, records[0], subdomain=name != f"_dmarc.{domain}")
    return None


def parse(name: str, text: str, *, subdomain: bool = False) -> Policy:
    try:
        tags = parse_tags(text)
    except TagSyntaxError as exc:
        raise DmarcError(f"{name}: {exc}") from exc
    policy = tags.get("sp", tags.get("p")) if subdomain else tags.get("p")
    if policy not in POLICIES:
        shown = "no p= tag" if policy is None else f"p={policy} is not none, quarantine or reject"
        raise DmarcError(f"{name}: {shown}")
    try:
        percent = int(tags.get("pct", "100"))
    except ValueError as exc:
        raise DmarcError(f"{name}: pct={tags['pct']} is not a number") from exc
    return Policy(
        name=name,
        text=text,
        policy=policy,
        strict_dkim=tags.get("adkim", "r").lower() == "s",
        strict_spf=tags.get("aspf", "r").lower() == "s",
        percent=percent,
        reports=tags.get("rua"),
    )


def _is_dmarc(text: str) -> bool:
    head, _, value = text.partition(";")[0].partition("=")
    return head.strip().lower() == "v" and value.strip() == VERSION
