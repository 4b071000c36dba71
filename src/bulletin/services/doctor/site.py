"""Doctor: the mode, the sender domain, the base URL, one-click unsubscribe, the postal address."""

from __future__ import annotations

from urllib.parse import urlsplit

from bulletin.domain.errors import DnsUnavailable, InvalidInput
from bulletin.mail.authn.domains import organizational_domain
from bulletin.services.doctor.setup import Setup, ip_literal, is_internal
from bulletin.services.doctor.verdicts import Status, Verdict

# Mailbox providers whose domains readers' servers will not take bulk mail "from":
# they publish DMARC p=reject (or quarantine), so mail from elsewhere fails it.
FREE_MAIL = frozenset(
    {
        "aol.com", "gmail.com", "googlemail.com", "gmx.com", "gmx.de", "gmx.net",
        "hotmail.com", "icloud.com", "live.com", "mac.com", "mail.com", "mail.ru",
        "me.com", "msn.com", "outlook.com", "proton.me", "protonmail.com", "web.de",
        "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yandex.com", "yandex.ru", "zoho.com",
    }
)  # fmt: skip


def check_mode(setup: Setup) -> Verdict:
    if setup.settings.production:
        return Verdict(
            "mode",
            Status.PASS,
            "production: secret keys, the https base URL and the postal address are required.",
        )
    return Verdict(
        "mode",
        Status.WARN,
        "development: Bulletin accepts generated secret keys, an http base URL and no "
        "postal address.",
        fix="Set BULLETIN_ENV=production where Bulletin sends for real, with "
        "BULLETIN_SECRET_KEY and BULLETIN_SUPPRESSION_KEY set to random values.",
    )


def check_sender_domain(setup: Setup) -> Verdict:
    domain = setup.from_domain
    organisation = organizational_domain(domain)
    if domain in FREE_MAIL or organisation in FREE_MAIL:
        return Verdict(
            "sender-domain",
            Status.FAIL,
            f"the From address is at {domain}, a mailbox provider's domain: its DMARC "
            "policy makes mail from anywhere else undeliverable.",
            fix="Send from your newsroom's own domain: BULLETIN_SENDER='News <news@YOUR-DOMAIN>'.",
            subject=domain,
        )
    if "." not in domain or domain.endswith((".local", ".localhost", ".internal")):
        return Verdict(
            "sender-domain",
            Status.FAIL,
            f"the From address is at {domain}, which is not a public domain.",
            fix="Set BULLETIN_SENDER to an address at your newsroom's own domain.",
            subject=domain,
        )
    return Verdict(
        "sender-domain", Status.PASS, f"mail is from {domain}, your own domain.", subject=domain
    )


def check_base_url(setup: Setup) -> Verdict:
    url = setup.settings.base_url
    parts = urlsplit(url)
    host = parts.hostname or ""
    problems: list[str] = []
    if parts.scheme != "https":
        problems.append("it is not https: readers' mail programs warn of it and Gmail's "
                        "one-click unsubscribe needs it")  # fmt: skip
    reach = _reachability(setup, host)
    if reach:
        problems.append(reach)
    if not problems:
        return Verdict("base-url", Status.PASS, f"{url} is https and resolves.", subject=url)
    return Verdict(
        "base-url",
        Status.FAIL,
        "; ".join(problems) + ".",
        fix="Set BULLETIN_BASE_URL to the https address readers reach Bulletin at.",
        subject=url,
    )


def _reachability(setup: Setup, host: str) -> str | None:
    """Why readers could not reach `host`, or None."""
    literal = ip_literal(host)
    if host == "localhost" or (literal is not None and is_internal(literal)):
        return f"{host} is this machine or a private network, which readers cannot reach"
    if literal is not None:
        return None
    try:
        answer = setup.lookups.addresses(host)
    except DnsUnavailable as exc:
        return str(exc).rstrip(".")
    except InvalidInput as exc:
        return str(exc).rstrip(".")
    if not answer.values:
        return f"{host} does not resolve" + (" (NXDOMAIN)" if not answer.exists else "")
    if all(is_internal(address) for address in answer.values):
        return f"{host} resolves only to private addresses"
    return None


def check_one_click(setup: Setup) -> Verdict:
    """RFC 8058: an https List-Unsubscribe URL, and the headers covered by DKIM."""
    settings = setup.settings
    problems = []
    if urlsplit(settings.base_url).scheme != "https":
        problems.append("the unsubscribe link is not https (BULLETIN_BASE_URL)")
    if not settings.dkim_domain:
        problems.append("no DKIM signature covers List-Unsubscribe and List-Unsubscribe-Post")
    if not problems:
        return Verdict(
            "one-click",
            Status.PASS,
            "List-Unsubscribe is https and List-Unsubscribe-Post=One-Click is signed.",
        )
    return Verdict(
        "one-click",
        Status.FAIL,
        "Gmail and Yahoo require one-click unsubscribe (RFC 8058) of bulk senders, but "
        + " and ".join(problems)
        + ".",
        fix="Use an https BULLETIN_BASE_URL and turn on DKIM signing (see the dkim check).",
    )


def check_postal_address(setup: Setup) -> Verdict:
    address = (setup.settings.postal_address or "").strip()
    if address:
        return Verdict("postal-address", Status.PASS, f"every list message's footer has {address}.")
    return Verdict(
        "postal-address",
        Status.FAIL,
        "no postal address: CAN-SPAM and CASL require one in every list message.",
        fix="Set BULLETIN_POSTAL_ADDRESS, e.g. '1 Press Row, Springfield, IL 62701, USA'.",
    )
