"""Doctor: the DKIM key published for the selector is the key Bulletin signs with."""

from __future__ import annotations

from pathlib import Path

from bulletin.domain.errors import ConfigurationError, DnsUnavailable
from bulletin.mail.authn.dkim_keys import (
    ED25519,
    RSA,
    PublicKey,
    decode_p,
    ed25519_selector,
    public_key_of,
    record_name,
)
from bulletin.mail.authn.tags import TagSyntaxError, parse_tags
from bulletin.mail.authn.zone import txt_entry
from bulletin.services.doctor.setup import Setup
from bulletin.services.doctor.verdicts import Status, Verdict

CHECK = "dkim"
CHECK_ED25519 = "dkim-ed25519"
MIN_RSA_BITS = 2048
TURN_ON = (
    "Make a key (`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "
    "dkim.pem`), set BULLETIN_DKIM_DOMAIN (the From domain), BULLETIN_DKIM_SELECTOR "
    "(e.g. `bulletin1`) and BULLETIN_DKIM_KEY_FILE, and run the doctor again: it prints "
    "the record to publish."
)


def check_dkim(setup: Setup) -> list[Verdict]:
    settings = setup.settings
    if not (settings.dkim_domain and settings.dkim_selector and settings.dkim_key_file):
        return [
            Verdict(
                CHECK,
                Status.FAIL,
                "Bulletin does not sign its mail: Gmail and Yahoo require DKIM of bulk "
                "senders (since February 2024), and one-click unsubscribe must be signed.",
                fix=TURN_ON,
            )
        ]
    domain, selector = settings.dkim_domain, settings.dkim_selector
    verdicts = [
        _key_verdict(setup, CHECK, record_name(selector, domain), settings.dkim_key_file, RSA)
    ]
    ed_file = settings.dkim_ed25519_key_file
    if ed_file is None:
        verdicts.append(
            Verdict(
                CHECK_ED25519,
                Status.SKIPPED,
                "no second, Ed25519 signature is configured (optional: "
                "BULLETIN_DKIM_ED25519_KEY_FILE).",
            )
        )
    else:
        name = record_name(ed25519_selector(selector), domain)
        verdicts.append(_key_verdict(setup, CHECK_ED25519, name, ed_file, ED25519))
    return verdicts


def _key_verdict(setup: Setup, check: str, name: str, path: Path, algorithm: str) -> Verdict:
    setting = "BULLETIN_DKIM_KEY_FILE" if algorithm == RSA else "BULLETIN_DKIM_ED25519_KEY_FILE"
    try:
        key = public_key_of(path, algorithm=algorithm, setting=setting)
    except ConfigurationError as exc:
        return Verdict(check, Status.FAIL, str(exc), subject=name)
    publish = "Publish: " + txt_entry(name, key.record)
    try:
        records = [t for t in setup.lookups.txt(name).values if _is_key_record(t)]
    except DnsUnavailable as exc:
        return Verdict(check, Status.FAIL, str(exc), subject=name)
    if not records:
        return Verdict(check, Status.FAIL, f"no DKIM key record at {name}.", publish, name)
    if len(records) > 1:
        return Verdict(
            check,
            Status.FAIL,
            f"{name} has {len(records)} key records; receivers pick one at random.",
            f"Keep one: {txt_entry(name, key.record)}",
            name,
        )
    status, reason = _compare(records[0], key, name)
    fix = publish if status is Status.FAIL else None
    return Verdict(check, status, reason, fix, name)


def _compare(text: str, key: PublicKey, name: str) -> tuple[Status, str]:
    """How the record published at `name` stands to our key."""
    try:
        tags = parse_tags(text)
    except TagSyntaxError as exc:
        return Status.FAIL, f"the record at {name} cannot be read: {exc}."
    if tags.get("v", "DKIM1") != "DKIM1":
        return Status.FAIL, f"the record at {name} has v={tags['v']}, not DKIM1."
    if "p" not in tags:
        return Status.FAIL, f"the record at {name} has no p= (public key) tag."
    if not tags["p"]:
        return Status.FAIL, f"the key at {name} is revoked (an empty p=)."
    published = tags.get("k", RSA).lower()
    if published != key.algorithm:
        return Status.FAIL, f"the record at {name} is for k={published}, not {key.algorithm}."
    if "sha256" not in tags.get("h", "sha256").split(":"):
        return Status.FAIL, f"the record at {name} allows h={tags['h']}, not sha256."
    try:
        same = decode_p(tags["p"]) == key.data
    except ValueError as exc:
        return Status.FAIL, f"the record at {name} cannot be read: {exc}."
    if not same:
        return Status.FAIL, f"the key published at {name} is not the configured key."
    if "y" in tags.get("t", "").split(":"):
        return Status.WARN, f"the key at {name} matches but is marked testing (t=y)."
    return Status.PASS, f"the key published at {name} is the configured {key.algorithm} key."


def _is_key_record(text: str) -> bool:
    """A DKIM key record: it starts with v=DKIM1, or (v= being optional) carries p=."""
    head = text.lstrip().lower()
    return head.startswith("v=dkim1") or "p=" in head.replace(" ", "")
