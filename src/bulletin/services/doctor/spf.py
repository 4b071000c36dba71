"""Doctor: the return path's SPF record lets every relay the mail leaves by send for it.

List mail's envelope sender is the VERP address at the bounce domain (the From
domain), so that is the domain receivers evaluate SPF for. For an SMTP relay the
addresses checked are the relay host's own: a relay that submits on one address and
sends from others (a provider's smarthost) needs those checked by hand. A relay on
this machine or a private network sends from the network's public address, which
only the operator can tell the doctor (`--public-address`).
"""

from __future__ import annotations

from collections.abc import Sequence

from bulletin.domain.errors import DnsUnavailable, InvalidInput
from bulletin.mail.authn.lookups import IPAddress
from bulletin.mail.authn.spf import Outcome, Result, check_host, included_domains, record_of
from bulletin.mail.authn.spf_terms import SpfSyntaxError
from bulletin.mail.authn.zone import txt_entry
from bulletin.services.doctor.relays import Kind, Relay, configured_relays
from bulletin.services.doctor.setup import Setup, ip_literal, is_internal
from bulletin.services.doctor.verdicts import Status, Verdict

CHECK = "spf"


def check_spf(setup: Setup) -> list[Verdict]:
    return [_for_relay(setup, relay) for relay in configured_relays(setup.settings)]


def _for_relay(setup: Setup, relay: Relay) -> Verdict:
    if relay.kind is Kind.LOCAL:
        return _verdict(
            relay,
            Status.SKIPPED,
            f"mail to {relay.display} stays on this machine: no sending address to cover.",
        )
    if relay.kind is Kind.UNKNOWN:
        return _verdict(
            relay,
            Status.WARN,
            f"the doctor does not know relays like {relay.display}, so it cannot tell "
            "which addresses send for them.",
            fix=f"Make sure the SPF record of {setup.bounce_domain} names the addresses "
            "(or the include:) that the relay's operator documents.",
        )
    try:
        if relay.kind is Kind.PROVIDER:
            return _provider(setup, relay)
        return _smtp(setup, relay)
    except DnsUnavailable as exc:
        return _verdict(relay, Status.FAIL, str(exc), fix="Run the doctor again once DNS answers.")


def _provider(setup: Setup, relay: Relay) -> Verdict:
    assert relay.provider is not None, "a provider relay names its provider"
    domain, include = setup.from_domain, relay.provider.spf_include
    try:
        included = included_domains(setup.lookups, domain)
    except SpfSyntaxError as exc:
        return _verdict(relay, Status.FAIL, f"{domain}'s SPF record is broken: {exc}.")
    if included is not None and include in included:
        return _verdict(relay, Status.PASS, f"{domain}'s SPF record includes {include}.")
    current = record_of(setup.lookups, domain)
    return _verdict(
        relay,
        Status.WARN,
        f"{domain}'s SPF record does not include {include}. {relay.provider.name} sends "
        "with its own return path unless you set up a custom one; then DMARC rests on "
        "DKIM alone.",
        fix="Publish: " + txt_entry(domain, proposed_record(current, [f"include:{include}"])),
    )


def _smtp(setup: Setup, relay: Relay) -> Verdict:
    assert relay.host is not None, "an SMTP relay has a host"
    found = _sending_addresses(setup, relay)
    if isinstance(found, Verdict):
        return found
    addresses, note = found
    domain = setup.bounce_domain
    outcomes = {
        ip: check_host(setup.lookups, ip=ip, domain=domain, sender=setup.bounce_sender)
        for ip in addresses
    }
    refused = {ip: o for ip, o in outcomes.items() if o.result is not Result.PASS}
    if not refused:
        shown = ", ".join(f"{ip} ({o.reason})" for ip, o in outcomes.items())
        return _verdict(relay, Status.PASS, f"{domain}'s SPF passes {shown}{note}.")
    ip, outcome = next(iter(refused.items()))
    return _refused(setup, relay, ip, outcome, [*refused], note)


def _refused(
    setup: Setup,
    relay: Relay,
    ip: IPAddress,
    outcome: Outcome,
    refused: Sequence[IPAddress],
    note: str,
) -> Verdict:
    domain = setup.bounce_domain
    if outcome.result is Result.TEMPERROR:
        return _verdict(relay, Status.FAIL, f"SPF could not be evaluated: {outcome.reason}")
    if outcome.result is Result.PERMERROR:
        fix = (
            "Replace include: terms by the ip4:/ip6: networks they name, or drop services "
            "that no longer send for you, to stay within 10 lookups."
            if "DNS lookups" in outcome.reason
            else f"Correct the SPF record of {domain}."
        )
        return _verdict(
            relay,
            Status.FAIL,
            f"{domain}'s SPF record is broken, so receivers treat it as a failure "
            f"(permerror): {outcome.reason}.",
            fix=fix,
        )
    try:
        current = record_of(setup.lookups, domain)
    except SpfSyntaxError:
        current = None
    terms = [f"ip{address.version}:{address}" for address in refused]
    if outcome.result is Result.NONE:
        reason = f"{outcome.reason}: receivers cannot tell {ip} may send for it"
    else:
        reason = f"{ip} gets {outcome.result.value} from {domain}'s SPF ({outcome.reason})"
    return _verdict(
        relay,
        Status.FAIL,
        reason + note + ".",
        fix="Publish: " + txt_entry(domain, proposed_record(current, terms)),
    )


def _sending_addresses(setup: Setup, relay: Relay) -> tuple[list[IPAddress], str] | Verdict:
    """The relay's public addresses, and a note on where they came from; or why none."""
    assert relay.host is not None, "an SMTP relay has a host"
    literal = ip_literal(relay.host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            answer = setup.lookups.addresses(relay.host)
        except InvalidInput as exc:
            return _verdict(relay, Status.FAIL, str(exc))
        if not answer.values:
            why = "does not exist (NXDOMAIN)" if not answer.exists else "has no A or AAAA record"
            return _verdict(relay, Status.FAIL, f"the relay host {relay.host} {why}.")
        addresses = list(answer.values)
    public = [address for address in addresses if not is_internal(address)]
    if public:
        return public, ""
    if setup.public_addresses:
        shown = ", ".join(map(str, addresses))
        return list(setup.public_addresses), (
            f"; the relay is at {shown}, so this network's public address was checked"
        )
    return _verdict(
        relay,
        Status.SKIPPED,
        f"the relay {relay.host} is at {', '.join(map(str, addresses))}, on this machine or "
        "a private network: receivers see the network's public address, which the doctor "
        "cannot see from here.",
        fix="Run `bulletin doctor --public-address ADDRESS` with the address this "
        "network's mail leaves from.",
    )


def proposed_record(current: str | None, terms: Sequence[str]) -> str:
    """The SPF record with `terms` added before whatever ends its evaluation."""
    if current is None:
        return " ".join(["v=spf1", *terms, "~all"])
    parts = current.split()
    for index, part in enumerate(parts[1:], start=1):
        if part.lstrip("+-~?").lower() == "all" or part.lower().startswith("redirect="):
            return " ".join([*parts[:index], *terms, *parts[index:]])
    return " ".join([*parts, *terms])


def _verdict(relay: Relay, status: Status, reason: str, *, fix: str | None = None) -> Verdict:
    return Verdict(CHECK, status, reason, fix=fix, subject=relay.display)
