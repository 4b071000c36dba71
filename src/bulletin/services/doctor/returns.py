"""Doctor: returned mail (and mailto unsubscribes) reach where Bulletin reads them.

They are addressed to the VERP return path (`bounces+…@DOMAIN`) and to
`unsubscribe@DOMAIN`, so the bounce domain's MX decides where they land. Bulletin
reads them either from a mailbox (BULLETIN_BOUNCE_IMAP_URL: the MX should then be
that mailbox's provider's) or with its own inbound listener, which the MX must
reach on port 25 at this machine's public address. Mail providers' webhooks carry
their bounces, but not the mailto unsubscribes, which still come by the MX.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bulletin.domain.errors import DnsUnavailable, InvalidInput
from bulletin.mail.authn.domains import organizational_domain
from bulletin.mail.authn.lookups import IPAddress
from bulletin.mail.authn.zone import entry
from bulletin.services.doctor.relays import Kind, configured_relays
from bulletin.services.doctor.setup import Setup, ip_literal, is_internal
from bulletin.services.doctor.verdicts import Status, Verdict

CHECK_MX = "bounce-mx"
CHECK_LISTENER = "inbound-listener"
SMTP_PORT = 25
Hosts = dict[str, tuple[IPAddress, ...]]


def check_returns(setup: Setup) -> list[Verdict]:
    mailbox = setup.settings.bounce_imap_url
    try:
        found = _exchangers(setup)
    except DnsUnavailable as exc:
        found = Verdict(CHECK_MX, Status.FAIL, str(exc), subject=setup.bounce_domain)
    if mailbox:
        skipped = Verdict(
            CHECK_LISTENER,
            Status.SKIPPED,
            "returned mail is read from the mailbox BULLETIN_BOUNCE_IMAP_URL names.",
        )
        mx = found if isinstance(found, Verdict) else _mailbox_mx(setup, mailbox, *found)
        return [mx, skipped]
    mx = found if isinstance(found, Verdict) else _listener_mx(setup, *found)
    return [mx, _listener(setup)]


def _exchangers(setup: Setup) -> tuple[Hosts, bool] | Verdict:
    """The bounce domain's mail hosts and their addresses; True if there is no MX (the
    domain's own address is used); or the verdict on why returned mail cannot arrive."""
    domain = setup.bounce_domain
    answer = setup.lookups.mx(domain)
    if not answer.exists:
        return _mx_fail(setup, f"{domain} does not exist: returned mail to it is lost.")
    hosts = [mx.host for mx in answer.values]
    if hosts and all(host == "." for host in hosts):
        return _mx_fail(setup, f"{domain} has a null MX (RFC 7505): it takes no mail at all.")
    implicit = not hosts
    addresses: Hosts = {}
    for host in [h for h in hosts if h != "."] or [domain]:
        try:
            addresses[host] = setup.lookups.addresses(host).values
        except InvalidInput:
            addresses[host] = ()
    if not any(addresses.values()):
        what = "has no MX and no address" if implicit else f"MX {', '.join(hosts)} has no address"
        return _mx_fail(setup, f"{domain} {what}: returned mail cannot be delivered.")
    return addresses, implicit


def _listener_mx(setup: Setup, hosts: Hosts, implicit: bool) -> Verdict:
    domain, ours = setup.bounce_domain, _listener_addresses(setup)
    shown = _shown(hosts)
    if not ours:
        return Verdict(
            CHECK_MX,
            Status.SKIPPED,
            f"{domain}'s mail goes to {shown}; the doctor does not know the public address "
            f"of this machine's inbound listener ({setup.settings.inbound_host}).",
            fix="Run `bulletin doctor --public-address ADDRESS` with the address the "
            "internet reaches this machine at.",
            subject=domain,
        )
    reaching = [host for host, addresses in hosts.items() if set(addresses) & set(ours)]
    webhooks = _webhook_note(setup)
    if not reaching:
        target = f"inbound.{domain}"
        first = ours[0]
        return Verdict(
            CHECK_MX,
            Status.FAIL,
            f"{domain}'s mail goes to {shown}, not to this machine "
            f"({', '.join(map(str, ours))}): returned mail and mailto unsubscribes are "
            f"not read.{webhooks}",
            fix=f"Publish: {entry(domain, 'MX', f'10 {target}.')} and "
            f"{entry(target, 'A' if first.version == 4 else 'AAAA', str(first))}",
            subject=domain,
        )
    if implicit:
        return Verdict(
            CHECK_MX,
            Status.WARN,
            f"{domain} has no MX record; senders fall back to its own address, which is "
            f"this machine's.{webhooks}",
            fix=f"Publish: {entry(domain, 'MX', f'10 {domain}.')}",
            subject=domain,
        )
    return Verdict(
        CHECK_MX,
        Status.PASS,
        f"{domain}'s MX {', '.join(reaching)} reaches this machine's listener.{webhooks}",
        subject=domain,
    )


def _mailbox_mx(setup: Setup, url: str, hosts: Hosts, implicit: bool) -> Verdict:
    domain = setup.bounce_domain
    imap = (urlsplit(url).hostname or "").lower()
    shown = _shown(hosts)
    same_provider = organizational_domain(imap) in {organizational_domain(h) for h in hosts}
    try:
        imap_addresses = set(setup.lookups.addresses(imap).values) if imap else set()
    except (DnsUnavailable, InvalidInput):
        imap_addresses = set()
    if same_provider or any(set(a) & imap_addresses for a in hosts.values()):
        return Verdict(
            CHECK_MX,
            Status.PASS,
            f"{domain}'s mail goes to {shown}, the provider of the mailbox at {imap}.",
            subject=domain,
        )
    return Verdict(
        CHECK_MX,
        Status.WARN,
        f"{domain}'s mail goes to {shown}, while returned mail is read from the mailbox "
        f"at {imap}: the doctor cannot tell whether one delivers into the other"
        + (" (and there is no MX record)." if implicit else "."),
        fix=f"Make sure mail to bounces+…@{domain} and unsubscribe@{domain} lands in "
        "that mailbox (your mail provider's MX records for the domain).",
        subject=domain,
    )


def _listener(setup: Setup) -> Verdict:
    host, port = setup.settings.inbound_host, setup.settings.inbound_port
    problems = []
    literal = ip_literal(host)
    if host == "localhost" or (literal is not None and literal.is_loopback):
        problems.append(
            f"it listens on {host}, which only this machine reaches: set "
            "BULLETIN_INBOUND_HOST to a public address (or 0.0.0.0), or forward to it"
        )
    if port != SMTP_PORT:
        problems.append(
            f"it listens on port {port}, and the internet delivers mail on port 25: "
            "forward port 25 to it, or set BULLETIN_INBOUND_PORT=25"
        )
    where = f"{host}:{port}"
    if not problems:
        return Verdict(CHECK_LISTENER, Status.PASS, f"it listens on {where}.", subject=where)
    return Verdict(
        CHECK_LISTENER,
        Status.WARN,
        "; ".join(problems) + " (fine if a firewall or mail server forwards to it).",
        subject=where,
    )


def _listener_addresses(setup: Setup) -> list[IPAddress]:
    ours = list(setup.public_addresses)
    literal = ip_literal(setup.settings.inbound_host)
    if literal is not None and not is_internal(literal) and literal not in ours:
        ours.append(literal)
    return ours


def _webhook_note(setup: Setup) -> str:
    relays = configured_relays(setup.settings)
    if relays and all(relay.kind is Kind.PROVIDER for relay in relays):
        return (
            " (Bounces of mail sent through a provider come by its webhooks; this MX "
            "still takes mailto unsubscribes.)"
        )
    return ""


def _shown(hosts: Hosts) -> str:
    return ", ".join(
        f"{host} ({', '.join(map(str, addresses)) or 'no address'})"
        for host, addresses in hosts.items()
    )


def _mx_fail(setup: Setup, reason: str) -> Verdict:
    return Verdict(CHECK_MX, Status.FAIL, reason, subject=setup.bounce_domain)
