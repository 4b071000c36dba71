"""`bulletin doctor`: checks a sending setup the way receivers will, and says what to fix.

Each check is a small function taking the `Setup` (settings, DNS lookups, this
machine's public address) and returning plain `Verdict`s: pass, warn, fail or
skipped, with the reason and, where there is one, the exact fix (the record to
publish). DNS goes through `mail.authn.lookups`, so a test points the whole doctor
at its own DNS server. A check that meets an error it did not expect reports it as
that check's failure; the others still run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bulletin.config import Settings
from bulletin.domain.errors import BulletinError
from bulletin.mail.authn.lookups import DEFAULT_LIFETIME_S, IPAddress, Lookups, resolver_for
from bulletin.services.doctor import dkim, dmarc, returns, site, spf
from bulletin.services.doctor.setup import Setup
from bulletin.services.doctor.verdicts import Report, Status, Verdict

Check = Callable[[Setup], Verdict | list[Verdict]]

CHECKS: tuple[tuple[str, Check], ...] = (
    ("mode", site.check_mode),
    ("sender-domain", site.check_sender_domain),
    ("spf", spf.check_spf),
    ("dkim", dkim.check_dkim),
    ("dmarc", dmarc.check_dmarc),
    ("bounce-mx", returns.check_returns),
    ("base-url", site.check_base_url),
    ("one-click", site.check_one_click),
    ("postal-address", site.check_postal_address),
)


def examine(setup: Setup) -> Report:
    """Every check, in the order an operator would fix them."""
    verdicts: list[Verdict] = []
    for name, check in CHECKS:
        try:
            found = check(setup)
        except BulletinError as exc:
            found = Verdict(name, Status.FAIL, str(exc))
        verdicts.extend(found if isinstance(found, list) else [found])
    return Report(tuple(verdicts))


def unusable_settings(error: BulletinError) -> Report:
    """The report when the settings themselves are refused: nothing else can be checked."""
    return Report(
        (Verdict("settings", Status.FAIL, str(error), fix="Correct the setting it names."),)
    )


def lookups_for(
    nameservers: Sequence[str] = (), *, port: int = 53, timeout: float = DEFAULT_LIFETIME_S
) -> Lookups:
    """DNS as this machine resolves it, or as `nameservers` answer."""
    return Lookups(resolver_for(tuple(nameservers), port=port, lifetime=timeout))


def setup_for(
    settings: Settings, lookups: Lookups, *, public_addresses: Sequence[IPAddress] = ()
) -> Setup:
    return Setup(settings, lookups, tuple(public_addresses))
