"""An SPF record read into its terms (RFC 7208 §4.6, §5, §6), and its macros expanded (§7)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote

from bulletin.mail.authn.lookups import IPAddress

MECHANISMS = frozenset({"all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"})
NEEDS_TARGET = frozenset({"include", "exists", "ip4", "ip6"})
TAKES_CIDR = frozenset({"a", "mx"})
QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
VERSION = "v=spf1"

_MODIFIER = re.compile(r"^([a-z][a-z0-9_.\-]*)=(.*)$", re.IGNORECASE)
_MECHANISM = re.compile(r"^([+\-~?]?)([a-z][a-z0-9_.\-]*)(?::(.*?))?((?:/\d+)?(?://\d+)?)$", re.I)
_MACRO = re.compile(r"%(?:\{([a-z])(\d*)(r?)([.\-+,/_=]*)\}|(.))", re.IGNORECASE)


class SpfSyntaxError(ValueError):
    """A record that breaks the grammar: the SPF result is permerror."""


@dataclass(frozen=True)
class Mechanism:
    qualifier: str  # "pass", "fail", "softfail" or "neutral"
    name: str
    target: str | None  # the domain-spec or the network after ":"
    cidr4: int = 32
    cidr6: int = 128

    def __str__(self) -> str:
        prefix = {"pass": "", "fail": "-", "softfail": "~", "neutral": "?"}[self.qualifier]
        return prefix + self.name + (f":{self.target}" if self.target else "")


@dataclass(frozen=True)
class Record:
    mechanisms: tuple[Mechanism, ...]
    redirect: str | None = None


def is_spf(text: str) -> bool:
    """Whether a TXT record is an SPF record (its version, then a space or nothing)."""
    head = text[: len(VERSION) + 1].lower()
    return head == VERSION or head == VERSION + " "


def parse(text: str) -> Record:
    """The terms of an SPF record; SpfSyntaxError names the first one that is wrong."""
    mechanisms: list[Mechanism] = []
    modifiers: dict[str, str] = {}
    for term in text.split()[1:]:
        modifier = _MODIFIER.match(term)
        if modifier:
            name = modifier.group(1).lower()
            if name in modifiers and name in ("redirect", "exp"):
                raise SpfSyntaxError(f"{name}= appears twice")
            modifiers[name] = modifier.group(2)
        else:
            mechanisms.append(_mechanism(term))
    return Record(tuple(mechanisms), modifiers.get("redirect"))


def _mechanism(term: str) -> Mechanism:
    found = _MECHANISM.match(term)
    if not found or found.group(2).lower() not in MECHANISMS:
        raise SpfSyntaxError(f"unknown mechanism {term!r}")
    qualifier, name, target, cidr = found.groups()
    name = name.lower()
    if name in NEEDS_TARGET and not target:
        raise SpfSyntaxError(f"{name} needs a value after ':' in {term!r}")
    if name == "all" and (target is not None or cidr):
        raise SpfSyntaxError(f"'all' takes no value: {term!r}")
    if name in ("ip4", "ip6") and target:
        return _network(QUALIFIERS[qualifier or "+"], name, target + cidr, term)
    if cidr and name not in TAKES_CIDR:
        raise SpfSyntaxError(f"{name} takes no prefix length: {term!r}")
    cidr4, cidr6 = _dual_cidr(cidr, term)
    return Mechanism(QUALIFIERS[qualifier or "+"], name, target or None, cidr4, cidr6)


def _network(qualifier: str, name: str, value: str, term: str) -> Mechanism:
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise SpfSyntaxError(f"{term!r} is not a network: {exc}") from exc
    if network.version != (4 if name == "ip4" else 6):
        raise SpfSyntaxError(f"{term!r}: {name} needs an IPv{name[-1]} network")
    return Mechanism(qualifier, name, str(network))


def _dual_cidr(text: str, term: str) -> tuple[int, int]:
    v4, _, v6 = text.partition("//")
    cidr4 = int(v4[1:]) if v4 else 32
    cidr6 = int(v6) if v6 else 128
    if not (0 <= cidr4 <= 32 and 0 <= cidr6 <= 128):
        raise SpfSyntaxError(f"prefix length out of range in {term!r}")
    return cidr4, cidr6


@dataclass(frozen=True)
class MacroContext:
    """What the macros of a record may name (RFC 7208 §7.2)."""

    sender: str
    domain: str
    ip: IPAddress
    helo: str

    def value(self, letter: str) -> str:
        local, _, sender_domain = self.sender.rpartition("@")
        values = {
            "s": self.sender,
            "l": local or "postmaster",
            "o": sender_domain,
            "d": self.domain,
            "i": _dotted(self.ip),
            "p": "unknown",  # validating the PTR name is discouraged (§5.5); "unknown" is allowed
            "v": "in-addr" if self.ip.version == 4 else "ip6",
            "h": self.helo,
        }
        if letter.lower() not in values:
            raise SpfSyntaxError(f"%{{{letter}}} is not a macro of check_host (only of exp=)")
        return values[letter.lower()]


def expand(spec: str, context: MacroContext) -> str:
    """A domain-spec with its macros expanded; SpfSyntaxError for a malformed one."""
    out: list[str] = []
    position = 0
    for found in _MACRO.finditer(spec):
        out.append(spec[position : found.start()])
        position = found.end()
        letter, digits, reverse, delimiters, escape = found.groups()
        if escape is not None:
            out.append(_escape(escape, spec))
            continue
        out.append(_transform(context.value(letter), digits, reverse, delimiters, spec))
        if letter.isupper():
            out[-1] = quote(out[-1], safe="")
    rest = spec[position:]
    if "%" in rest:
        raise SpfSyntaxError(f"a lone '%' in {spec!r}")
    return "".join(out) + rest


def _escape(char: str, spec: str) -> str:
    escapes = {"%": "%", "_": " ", "-": "%20"}
    if char not in escapes:
        raise SpfSyntaxError(f"'%{char}' is not a macro in {spec!r}")
    return escapes[char]


def _transform(value: str, digits: str, reverse: str, delimiters: str, spec: str) -> str:
    parts = re.split("[" + re.escape(delimiters or ".") + "]", value)
    if reverse:
        parts.reverse()
    if digits:
        keep = int(digits)
        if keep == 0:
            raise SpfSyntaxError(f"a macro keeps zero labels in {spec!r}")
        parts = parts[-keep:]
    return ".".join(parts)


def _dotted(ip: IPAddress) -> str:
    if ip.version == 4:
        return str(ip)
    return ".".join(ip.exploded.replace(":", ""))
