"""The BULLETIN_* variables: how each is written, read into a typed setting, or refused.

Each setting read from the environment carries a `Variable` in its annotation: where the
reference lists it, how it is written for people, the reader that turns its text into a
value, and the unit its numbers are in when that differs from the attribute's (the hours
of `BULLETIN_CONFIRM_MAX_AGE_HOURS` become the seconds of `confirm_max_age_s`).

A reader refuses text it cannot use with `refuse()` ("NAME must be…") or `refuse_item()`
("NAME: 'x' is not…"); `explain()` turns pydantic's `ValidationError` into those sentences,
each naming its variable, for `Settings.from_env` to raise as `ConfigurationError`.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time
from enum import Enum
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError, PydanticUseDefault
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bulletin.domain.addresses import normalise_address
from bulletin.domain.errors import InvalidInput

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REFUSED = "bulletin_setting"
REFUSED_ITEM = "bulletin_setting_item"


class Group(Enum):
    """The sections of the configuration reference, in its order."""

    CORE = "Core"
    MAIL = "Mail and relays"
    READERS = "Readers' links"
    CLICKS = "Click counts"
    ENGINE = "Delivery engine"
    BRIEFING = "Morning briefing"
    SIGNUPS = "Sign-up limits"
    DESK = "Desk"
    SECURITY = "Security and fetching"
    HOOKS = "Mail providers' webhooks"


@dataclass(frozen=True)
class Unit:
    """What one of a variable's numbers is worth in its attribute (an hour: 3600 seconds)."""

    name: str
    worth: Fraction

    def to_attribute(self, count: int) -> int | float:
        value = count * self.worth
        return int(value) if value.denominator == 1 else float(value)

    def from_attribute(self, value: float) -> int | float:
        count = Fraction(value) / self.worth
        return int(count) if count.denominator == 1 else float(count)


MINUTES = Unit("minutes", Fraction(60))
HOURS = Unit("hours", Fraction(3600))
DAYS = Unit("days", Fraction(86400))
PERCENT = Unit("percent", Fraction(1, 100))


@dataclass(frozen=True)
class Variable:
    """How a setting is written in the environment (metadata on its pydantic field)."""

    group: Group
    format: str
    read: Callable[[str], object] | None = None
    unit: Unit | None = None
    shown_default: str | None = None

    def parse(self, text: str) -> object:
        value = text if self.read is None else self.read(text)
        if self.unit is not None and isinstance(value, int):
            return self.unit.to_attribute(value)
        return value


def variable_of(field: FieldInfo) -> Variable | None:
    """The field's `Variable`; None for a fixed setting that no variable changes."""
    return next((m for m in field.metadata if isinstance(m, Variable)), None)


def variable_name(settings_cls: type[BaseSettings], field_name: str) -> str | None:
    """The variable that sets the field: its alias, else the prefix and its name; None: fixed."""
    field = settings_cls.model_fields[field_name]
    if variable_of(field) is None:
        return None
    if isinstance(field.validation_alias, str):
        return field.validation_alias
    return f"{settings_cls.model_config.get('env_prefix', '')}{field_name.upper()}"


class Environment(PydanticBaseSettingsSource):
    """The settings' variables found in one mapping, as text under their field names."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.environ = environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        name = variable_name(self.settings_cls, field_name)
        return (None if name is None else self.environ.get(name)), field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, field_name)
            if value is not None:
                found[key] = value
        return found


def explain(exc: ValidationError, settings_cls: type[BaseSettings]) -> str:
    """Pydantic's findings as sentences that name the variable, one a line."""
    names: dict[str, str] = {}
    for field_name, field in settings_cls.model_fields.items():
        name = variable_name(settings_cls, field_name) or field_name
        names[field_name] = name
        if isinstance(field.validation_alias, str):
            names[field.validation_alias] = name
    lines = []
    for error in exc.errors():
        key = str(error["loc"][0]) if error["loc"] else ""
        name = names.get(key, key)
        if error["type"] == REFUSED:
            lines.append(f"{name} {error['msg']}")
        elif error["type"] == REFUSED_ITEM:
            lines.append(f"{name}: {error['msg']}")
        else:  # pydantic's own finding, worded by pydantic
            lines.append(f"{name}: {error['msg']}.")
    return "\n".join(lines)


def refuse(reason: str) -> PydanticCustomError:
    """A refusal shown after the variable's name: "NAME {reason}"."""
    return PydanticCustomError(REFUSED, "{reason}", {"reason": reason})


def refuse_item(reason: str) -> PydanticCustomError:
    """A refusal of one item of a list, shown as "NAME: {reason}"."""
    return PydanticCustomError(REFUSED_ITEM, "{reason}", {"reason": reason})


def mode(text: str) -> str:
    name = text.strip().lower()
    if name not in ("development", "production"):
        raise refuse("must be 'development' or 'production'.")
    return name


def log_format(text: str) -> str:
    name = text.strip().lower() or "text"
    if name not in ("text", "json"):
        raise refuse("must be 'text' or 'json'.")
    return name


CLICK_TRACKING = ("off", "aggregate", "per-reader")


def click_tracking(text: str) -> str:
    name = text.strip().lower() or "off"
    if name not in CLICK_TRACKING:
        raise refuse("must be 'off', 'aggregate' or 'per-reader'.")
    return name


def whole(text: str) -> int:
    """A positive whole number: none of ours (ports, hours, days, batch sizes) can be 0.

    Blank text means the default.
    """
    if text.strip() == "":
        raise PydanticUseDefault()
    try:
        value = int(text)
    except ValueError:
        raise refuse(f"must be a whole number, not {text!r}.") from None
    if value < 1:
        raise refuse(f"must be at least 1, not {value}.")
    return value


def whole_or_zero(text: str) -> int:
    """A whole number, 0 included (0 turns the check off); blank text means the default."""
    if text.strip() == "":
        raise PydanticUseDefault()
    try:
        value = int(text)
    except ValueError:
        raise refuse(f"must be a whole number, not {text!r}.") from None
    if value < 0:
        raise refuse(f"must be 0 or more, not {value}.")
    return value


def story_count(text: str) -> int:
    size = whole(text)
    if not 1 <= size <= 10:
        raise refuse(f"must be 1 to 10 stories, not {size}.")
    return size


def zone(text: str) -> str:
    if text.strip() not in available_timezones():  # ZoneInfo("America") is a directory
        raise refuse(f"must be an IANA zone like Europe/London, not {text!r}.")
    return text.strip()


def clock_time(text: str) -> time:
    """A time of day like 12:00; blank text means the default."""
    raw = text.strip()
    if not raw:
        raise PydanticUseDefault()
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise refuse(f"must be a time of day like 12:00, not {raw!r}.") from None


def optional(text: str) -> str | None:
    """Empty text means unset."""
    return text or None


FOOTER_LENGTH = 600


def paragraph(text: str) -> str | None:
    """One paragraph: line breaks and runs of spaces become one space; empty means unset."""
    found = " ".join(text.split())
    if len(found) > FOOTER_LENGTH:
        raise refuse(f"must be at most {FOOTER_LENGTH} characters, not {len(found)}.")
    return found or None


def rate_limits(text: str) -> str:
    """Rates like `10/minute;60/hour` (the `limits` library's notation), all must hold."""
    from limits import parse_many  # here, not above: a sending worker never loads it

    rates = text.strip()
    try:
        parsed = parse_many(rates)
    except ValueError:
        parsed = []
    if not parsed or any(item.amount < 1 for item in parsed):
        raise refuse(
            f"must be rates like '10/minute;60/hour' (a count per second, minute, hour or "
            f"day; several separated by ';'), not {text!r}."
        )
    return rates


def redis_url(text: str) -> str | None:
    """A Redis URL, or unset for counts kept in each process's memory."""
    found = text.strip()
    if found and urlsplit(found).scheme not in ("redis", "rediss", "redis+unix"):
        raise refuse("must be a redis://, rediss:// or redis+unix:// URL.")
    return found or None


def url(text: str) -> str:
    return text.rstrip("/")


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def flag(text: str) -> bool:
    raw = text.strip().lower()
    if raw not in _TRUE + _FALSE:
        raise refuse(f"must be on or off, not {raw!r}.")
    return raw in _TRUE


def _parts(text: str) -> list[str]:
    """The items of a list separated by spaces or commas."""
    return [part for part in re.split(r"[\s,]+", text) if part]


def dates(text: str) -> frozenset[date]:
    days: set[date] = set()
    for part in _parts(text):
        try:
            days.add(date.fromisoformat(part))
        except ValueError:
            raise refuse_item(f"{part!r} is not a date like 2026-12-25.") from None
    return frozenset(days)


_ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$")


def origins(text: str) -> tuple[str, ...]:
    """Origins like https://news.example.org; https://*.x.org allows its subdomains."""
    found = tuple(part.rstrip("/") for part in _parts(text))
    for origin in found:
        if not _ORIGIN.match(origin):
            raise refuse_item(
                f"{origin!r} is not an origin like https://news.example.org"
                " (scheme and host, no path)."
            )
    return found


def networks(text: str) -> tuple[IPNetwork, ...]:
    found = []
    for part in _parts(text):
        try:
            found.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise refuse_item(str(exc)) from None
    return tuple(found)


def addresses(text: str) -> tuple[str, ...]:
    """Addresses in their canonical form, each once, in the order given."""
    found = []
    for part in _parts(text):
        try:
            found.append(normalise_address(part))
        except InvalidInput as exc:
            raise refuse_item(str(exc)) from None
    return tuple(dict.fromkeys(found))


_TOPIC_ARN = re.compile(r"^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$")


def topic_arns(text: str) -> tuple[str, ...]:
    """Amazon SNS topic ARNs, each once, in the order given."""
    found = tuple(dict.fromkeys(_parts(text)))
    for arn in found:
        if not _TOPIC_ARN.match(arn):
            raise refuse_item(
                f"{arn!r} is not an SNS topic ARN like arn:aws:sns:us-east-1:123456789012:bounces."
            )
    return found


def is_ec_public_key(text: str) -> bool:
    """Whether the text is an elliptic-curve public key as SendGrid shows one (base64 DER)."""
    # cryptography costs about 7 MB: loaded only when such a key is set.
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        key = serialization.load_der_public_key(base64.b64decode(text.strip(), validate=True))
    except (ValueError, binascii.Error, TypeError):
        return False
    return isinstance(key, ec.EllipticCurvePublicKey)


def ec_public_key(text: str) -> str | None:
    """SendGrid's verification key, checked; empty text means unset."""
    if not text.strip():
        return None
    if not is_ec_public_key(text):
        raise refuse("must be the verification key SendGrid shows: base64, an EC public key.")
    return text.strip()
