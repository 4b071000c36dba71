"""Doctor: the From domain has a DMARC policy, and our DKIM d= and return path align with it.

A message passes DMARC when SPF or DKIM passes for a domain aligned with its From
domain: the same organisational domain (relaxed, the default) or the very same
domain (adkim=s, aspf=s). DKIM is the one that survives forwarding, so the doctor
wants both aligned and fails only when neither is.
"""

from __future__ import annotations

from bulletin.domain.errors import DnsUnavailable
from bulletin.mail.authn.dmarc import DmarcError, Policy, find_policy, record_names
from bulletin.mail.authn.domains import aligned
from bulletin.mail.authn.zone import txt_entry
from bulletin.services.doctor.relays import Kind, configured_relays
from bulletin.services.doctor.setup import Setup
from bulletin.services.doctor.verdicts import Status, Verdict

CHECK = "dmarc"
CHECK_ALIGNMENT = "dmarc-alignment"


def check_dmarc(setup: Setup) -> list[Verdict]:
    domain = setup.from_domain
    starter = txt_entry(f"_dmarc.{domain}", f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}")
    try:
        policy = find_policy(setup.lookups, domain)
    except DnsUnavailable as exc:
        return [Verdict(CHECK, Status.FAIL, str(exc), subject=domain), _alignment(setup, None)]
    except DmarcError as exc:
        record = Verdict(CHECK, Status.FAIL, f"{exc}.", fix=f"Publish one: {starter}")
        return [record, _alignment(setup, None)]
    if policy is None:
        where = " or ".join(record_names(domain))
        record = Verdict(
            CHECK,
            Status.FAIL,
            f"no DMARC record at {where}: Gmail and Yahoo require one of bulk senders.",
            fix=f"Publish: {starter} (p=none to start; read the reports, then tighten).",
        )
        return [record, _alignment(setup, None)]
    return [_policy_verdict(policy), _alignment(setup, policy)]


def _policy_verdict(policy: Policy) -> Verdict:
    found = f"{policy.name}: p={policy.policy}"
    if policy.policy == "none":
        return Verdict(
            CHECK,
            Status.WARN,
            f"{found}, which only monitors: fine to start with (Gmail and Yahoo accept "
            "it), but it does not stop anyone sending as you.",
            fix="Once the reports (rua=) show all your mail aligned, move to p=quarantine, "
            "then p=reject.",
        )
    if policy.percent < 100:
        return Verdict(
            CHECK, Status.WARN, f"{found}, applied to {policy.percent}% of failing mail only."
        )
    return Verdict(CHECK, Status.PASS, f"{found}.")


def _alignment(setup: Setup, policy: Policy | None) -> Verdict:
    domain = setup.from_domain
    strict_dkim = policy.strict_dkim if policy else False
    strict_spf = policy.strict_spf if policy else False
    dkim = _dkim_alignment(setup, strict=strict_dkim)
    spf = _spf_alignment(setup, strict=strict_spf)
    reason = f"From {domain}: {dkim[1]}; {spf[1]}."
    if dkim[0] and spf[0]:
        return Verdict(CHECK_ALIGNMENT, Status.PASS, reason)
    if dkim[0] or spf[0]:
        fix = None if dkim[0] else "Sign as the From domain: BULLETIN_DKIM_DOMAIN=" + domain
        return Verdict(CHECK_ALIGNMENT, Status.WARN, reason, fix=fix)
    return Verdict(
        CHECK_ALIGNMENT,
        Status.FAIL,
        reason + " DMARC fails for every message.",
        fix=f"Sign with DKIM as {domain} (BULLETIN_DKIM_DOMAIN).",
    )


def _dkim_alignment(setup: Setup, *, strict: bool) -> tuple[bool, str]:
    signing = setup.settings.dkim_domain
    mode = "strict, adkim=s" if strict else "relaxed"
    if not signing:
        return False, "no DKIM signature to align"
    if aligned(signing, setup.from_domain, strict=strict):
        return True, f"DKIM d={signing} aligns ({mode})"
    return False, f"DKIM d={signing} does not align ({mode})"


def _spf_alignment(setup: Setup, *, strict: bool) -> tuple[bool, str]:
    relays = configured_relays(setup.settings)
    mode = "strict, aspf=s" if strict else "relaxed"
    providers = [r.provider.name for r in relays if r.kind is Kind.PROVIDER and r.provider]
    if providers:
        return False, (
            f"mail through {', '.join(providers)} has the provider's return path unless "
            "you set up a custom one there, and that does not align"
        )
    bounce = setup.bounce_domain
    if aligned(bounce, setup.from_domain, strict=strict):
        return True, f"the return path @{bounce} aligns ({mode})"
    return False, f"the return path @{bounce} does not align ({mode})"
