"""SPF evaluated as a receiver does: RFC 7208's check_host() over our DNS lookups.

Evaluated here rather than by pyspf, whose last release is from 2020 and which looks
names up through dnspython's module-wide default resolver (`dns.resolver.query`, long
deprecated), so it could not take the resolver the doctor is given. This covers the
whole of check_host: ip4, ip6, a, mx, ptr, exists, include, redirect and all, with
qualifiers, dual CIDR lengths and macros; the limits of §4.6.4 (ten terms that look
names up, two void lookups, ten names from one MX or PTR lookup) make a permerror,
as they do at Gmail. `exp=` only explains a failure and is not fetched.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from bulletin.domain.errors import DnsUnavailable, InvalidInput
from bulletin.mail.authn import spf_terms
from bulletin.mail.authn.lookups import Answer, IPAddress, Lookups
from bulletin.mail.authn.spf_terms import MacroContext, Mechanism, SpfSyntaxError

T = TypeVar("T")
MAX_LOOKUPS = 10
MAX_VOID_LOOKUPS = 2
MAX_NAMES = 10  # addresses looked up per MX or PTR mechanism


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SOFTFAIL = "softfail"
    NEUTRAL = "neutral"
    NONE = "none"
    PERMERROR = "permerror"
    TEMPERROR = "temperror"


@dataclass(frozen=True)
class Outcome:
    """check_host's result, what decided it, and how many terms looked names up."""

    result: Result
    reason: str
    lookups: int


class _Stop(Exception):
    def __init__(self, result: Result, reason: str) -> None:
        super().__init__(reason)
        self.result = result
        self.reason = reason


@dataclass
class _Evaluation:
    lookups: Lookups
    ip: IPAddress
    sender: str
    helo: str
    spent: int = 0
    voids: int = 0

    def spend(self, term: str) -> None:
        self.spent += 1
        if self.spent > MAX_LOOKUPS:
            raise _Stop(
                Result.PERMERROR,
                f"more than {MAX_LOOKUPS} DNS lookups (at {term}): receivers stop there",
            )

    def ask(self, answer: Answer[T], term: str) -> None:
        if answer.void:
            self.voids += 1
            if self.voids > MAX_VOID_LOOKUPS:
                raise _Stop(
                    Result.PERMERROR,
                    f"more than {MAX_VOID_LOOKUPS} lookups found nothing (at {term})",
                )


def check_host(
    lookups: Lookups, *, ip: IPAddress, domain: str, sender: str, helo: str = ""
) -> Outcome:
    """The SPF result for mail from `sender` (whose domain is `domain`) sent by `ip`."""
    evaluation = _Evaluation(lookups, ip, sender, helo or domain)
    try:
        result, reason = _check(evaluation, domain, top=True)
    except _Stop as stop:
        result, reason = stop.result, stop.reason
    return Outcome(result, reason, evaluation.spent)


def record_of(lookups: Lookups, domain: str) -> str | None:
    """The domain's one SPF record, None if it has none; SpfSyntaxError if it has several.

    DnsUnavailable if DNS does not answer.
    """
    found = [text for text in lookups.txt(domain).values if spf_terms.is_spf(text)]
    if len(found) > 1:
        raise SpfSyntaxError(f"{domain} has {len(found)} SPF records; it must have one")
    return found[0] if found else None


def _check(ev: _Evaluation, domain: str, *, top: bool = False) -> tuple[Result, str]:
    try:
        answer = ev.lookups.txt(domain)
    except DnsUnavailable as exc:
        raise _Stop(Result.TEMPERROR, str(exc)) from exc
    except InvalidInput as exc:
        raise _Stop(Result.PERMERROR if not top else Result.NONE, str(exc)) from exc
    if not top:
        ev.ask(answer, f"the SPF record of {domain}")
    records = [text for text in answer.values if spf_terms.is_spf(text)]
    if not records:
        where = "does not exist" if not answer.exists else "has no SPF record"
        return Result.NONE, f"{domain} {where}"
    if len(records) > 1:
        raise _Stop(Result.PERMERROR, f"{domain} has {len(records)} SPF records; one is allowed")
    try:
        record = spf_terms.parse(records[0])
    except SpfSyntaxError as exc:
        raise _Stop(Result.PERMERROR, f"the SPF record of {domain}: {exc}") from exc
    return _evaluate(ev, domain, record)


def _evaluate(ev: _Evaluation, domain: str, record: spf_terms.Record) -> tuple[Result, str]:
    for mechanism in record.mechanisms:
        if _matches(ev, domain, mechanism):
            return Result(mechanism.qualifier), f"{mechanism} in {domain}'s record"
    has_all = any(m.name == "all" for m in record.mechanisms)
    if record.redirect and not has_all:
        ev.spend(f"redirect={record.redirect}")
        target = _target(ev, domain, record.redirect)
        result, reason = _check(ev, target)
        if result is Result.NONE:
            raise _Stop(Result.PERMERROR, f"redirect={target}: {reason}")
        return result, reason
    return Result.NEUTRAL, f"nothing in {domain}'s record matched (neutral by default)"


def _matches(ev: _Evaluation, domain: str, mechanism: Mechanism) -> bool:
    name = mechanism.name
    if name == "all":
        return True
    if name in ("ip4", "ip6"):
        assert mechanism.target is not None, "parse requires a network"
        network = ipaddress.ip_network(mechanism.target)
        return ev.ip.version == network.version and ev.ip in network
    ev.spend(str(mechanism))
    target = _target(ev, domain, mechanism.target or domain)
    try:
        return _looked_up(ev, target, mechanism)
    except DnsUnavailable as exc:
        raise _Stop(Result.TEMPERROR, str(exc)) from exc
    except InvalidInput as exc:
        raise _Stop(Result.PERMERROR, f"{mechanism}: {exc}") from exc


def _looked_up(ev: _Evaluation, target: str, mechanism: Mechanism) -> bool:
    if mechanism.name == "include":
        result, reason = _check(ev, target)
        if result is Result.NONE:
            raise _Stop(Result.PERMERROR, f"include:{target}: {reason}")
        return result is Result.PASS
    if mechanism.name == "exists":
        answer = ev.lookups.a(target)
        ev.ask(answer, str(mechanism))
        return not answer.void
    if mechanism.name == "a":
        return _in_addresses(ev, target, mechanism, count_void=True)
    if mechanism.name == "mx":
        return _in_exchanges(ev, target, mechanism)
    return _ptr_matches(ev, target)


def _in_addresses(ev: _Evaluation, host: str, mechanism: Mechanism, *, count_void: bool) -> bool:
    answer = ev.lookups.a(host) if ev.ip.version == 4 else ev.lookups.aaaa(host)
    if count_void:
        ev.ask(answer, str(mechanism))
    prefix = mechanism.cidr4 if ev.ip.version == 4 else mechanism.cidr6
    return any(ev.ip in ipaddress.ip_network(f"{a}/{prefix}", strict=False) for a in answer.values)


def _in_exchanges(ev: _Evaluation, target: str, mechanism: Mechanism) -> bool:
    answer = ev.lookups.mx(target)
    ev.ask(answer, str(mechanism))
    hosts = [mx.host for mx in answer.values if mx.host != "."]
    if len(hosts) > MAX_NAMES:
        raise _Stop(Result.PERMERROR, f"{mechanism}: {target} has more than {MAX_NAMES} MX hosts")
    return any(_in_addresses(ev, host, mechanism, count_void=False) for host in hosts)


def _ptr_matches(ev: _Evaluation, target: str) -> bool:
    answer = ev.lookups.ptr(ev.ip)
    ev.ask(answer, "ptr")
    for name in answer.values[:MAX_NAMES]:
        forward = ev.lookups.a(name) if ev.ip.version == 4 else ev.lookups.aaaa(name)
        if ev.ip in forward.values and (name == target or name.endswith("." + target)):
            return True
    return False


def _target(ev: _Evaluation, domain: str, spec: str) -> str:
    context = MacroContext(sender=ev.sender, domain=domain, ip=ev.ip, helo=ev.helo)
    try:
        expanded = spf_terms.expand(spec, context).rstrip(".").lower()
    except SpfSyntaxError as exc:
        raise _Stop(Result.PERMERROR, f"in {domain}'s record: {exc}") from exc
    # A name longer than DNS allows loses labels from the left (RFC 7208 §7.3).
    while len(expanded) > 253 and "." in expanded:
        expanded = expanded.partition(".")[2]
    if not expanded:
        raise _Stop(Result.PERMERROR, f"in {domain}'s record: {spec!r} names no domain")
    return expanded


def included_domains(lookups: Lookups, domain: str) -> frozenset[str] | None:
    """Every domain the SPF record includes or redirects to, however deep; None: no record.

    Used for a mail provider's relay, whose sending addresses only its own record
    knows: "covered" means the provider's record is reachable from ours. Walks at most
    as many records as a receiver would evaluate. DnsUnavailable, SpfSyntaxError.
    """
    record = record_of(lookups, domain)
    if record is None:
        return None
    found: list[str] = []
    pending = [record]
    while pending and len(found) < MAX_LOOKUPS:
        parsed = spf_terms.parse(pending.pop(0))
        named = [m.target for m in parsed.mechanisms if m.name == "include" and m.target]
        for target in [*named, *([parsed.redirect] if parsed.redirect else [])]:
            name = target.lower().rstrip(".")
            if "%" in name or name in found or len(found) >= MAX_LOOKUPS:
                continue  # a macro names a domain only at evaluation time
            found.append(name)
            text = record_of(lookups, name)
            if text is not None:
                pending.append(text)
    return frozenset(found)
