"""Settings from BULLETIN_* environment variables, validated once at start-up."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bulletin.domain.addresses import ensure_header_safe, normalise_address
from bulletin.domain.editions import Rules
from bulletin.domain.errors import ConfigurationError, InvalidInput

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "secret-key", "default", "password", "dev", "test"}
)
MIN_SECRET_LENGTH = 32
MIN_UNSUBSCRIBE_DAYS = 60


@dataclass(frozen=True)
class Settings:
    """Everything Bulletin reads from its environment.

    Build it with `Settings.from_env()`; tests use `dataclasses.replace` on one.
    """

    secret_key: str = field(repr=False)
    env: str = "development"
    database_url: str = "sqlite:///./bulletin.db"
    base_url: str = "http://127.0.0.1:8000"
    sender: str = "Bulletin News <news@localhost>"
    newsroom_name: str = "Bulletin News"
    data_dir: Path = Path("./bulletin-data")
    smtp_url: str | None = field(default=None, repr=False)
    catcher_host: str = "127.0.0.1"
    catcher_port: int = 2525
    confirm_max_age_s: int = 48 * 3600
    unsubscribe_max_age_s: int = 365 * 86400
    confirm_resend_s: int = 600
    worker_batch: int = 500
    worker_idle_s: float = 0.2
    max_attempts: int = 8
    relays: str | None = field(default=None, repr=False)
    retry_base_s: int = 30
    pause_error_rate: float = 0.5
    alert_expiry_s: int = 2 * 3600
    session_max_age_s: int = 12 * 3600
    # Sites allowed to show the sign-up form (/embed) in an iframe, e.g. https://news.example.org
    embed_origins: tuple[str, ...] = ()
    # The newsroom's own zone: readers who gave none get their briefing by its clock.
    time_zone: str = "UTC"
    briefing_size: int = 7
    briefing_expiry: time = time(12, 0)
    briefing_assemble_before_s: int = 120 * 60
    briefing_approve_before_s: int = 30 * 60
    briefing_holidays: frozenset[date] = frozenset()
    # Where the desk's test sends go; empty: to the signed-in editor alone.
    staff_seed_list: tuple[str, ...] = ()
    # A desk alert needs a second editor's approval before it is sent.
    alert_approval: bool = False
    # Private networks that feeds and story URLs may still be fetched from (an intranet
    # wire server); every other non-public address is refused (see services.fetch).
    fetch_allow_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        mode = env.get("BULLETIN_ENV", "development").strip().lower()
        if mode not in ("development", "production"):
            raise ConfigurationError("BULLETIN_ENV must be 'development' or 'production'.")
        data_dir = Path(env.get("BULLETIN_DATA_DIR", "./bulletin-data"))
        settings = cls(
            secret_key=_secret_key(env.get("BULLETIN_SECRET_KEY"), mode=mode, data_dir=data_dir),
            env=mode,
            database_url=env.get("BULLETIN_DATABASE_URL", cls.database_url),
            base_url=env.get("BULLETIN_BASE_URL", cls.base_url).rstrip("/"),
            sender=env.get("BULLETIN_SENDER", cls.sender),
            newsroom_name=env.get("BULLETIN_NEWSROOM_NAME", cls.newsroom_name),
            data_dir=data_dir,
            smtp_url=env.get("BULLETIN_SMTP_URL") or None,
            catcher_host=env.get("BULLETIN_CATCHER_HOST", cls.catcher_host),
            catcher_port=_int(env, "BULLETIN_CATCHER_PORT", cls.catcher_port),
            confirm_max_age_s=_int(env, "BULLETIN_CONFIRM_MAX_AGE_HOURS", 48) * 3600,
            unsubscribe_max_age_s=_int(env, "BULLETIN_UNSUBSCRIBE_MAX_AGE_DAYS", 365) * 86400,
            worker_batch=_int(env, "BULLETIN_WORKER_BATCH", cls.worker_batch),
            relays=env.get("BULLETIN_RELAYS") or None,
            retry_base_s=_int(env, "BULLETIN_RETRY_BASE_SECONDS", cls.retry_base_s),
            pause_error_rate=_int(env, "BULLETIN_PAUSE_ERROR_PERCENT", 50) / 100,
            alert_expiry_s=_int(env, "BULLETIN_ALERT_EXPIRY_MINUTES", 120) * 60,
            embed_origins=_origins(env.get("BULLETIN_EMBED_ORIGINS", "")),
            time_zone=_zone(env.get("BULLETIN_TIME_ZONE", "UTC")),
            briefing_size=_briefing_size(env),
            briefing_expiry=_clock_time(env, "BULLETIN_BRIEFING_EXPIRY", "12:00"),
            briefing_assemble_before_s=_int(env, "BULLETIN_BRIEFING_ASSEMBLE_MINUTES", 120) * 60,
            briefing_approve_before_s=_int(env, "BULLETIN_BRIEFING_APPROVE_MINUTES", 30) * 60,
            briefing_holidays=_dates(env.get("BULLETIN_BRIEFING_HOLIDAYS", "")),
            staff_seed_list=_addresses(env.get("BULLETIN_STAFF_SEED_LIST", "")),
            alert_approval=_flag(env, "BULLETIN_ALERT_APPROVAL"),
            fetch_allow_networks=_networks(env.get("BULLETIN_FETCH_ALLOW_NETWORKS", "")),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Refuse settings that cannot work, with a message that says which and why."""
        if self.production and _is_placeholder(self.secret_key):
            raise ConfigurationError(
                "BULLETIN_SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters in production."
            )
        url = urlsplit(self.base_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ConfigurationError("BULLETIN_BASE_URL must be an http(s) URL.")
        if self.production and url.scheme != "https":
            raise ConfigurationError("BULLETIN_BASE_URL must use https in production.")
        _, address = parseaddr(self.sender)
        if "@" not in address:
            raise ConfigurationError("BULLETIN_SENDER must be an address like 'News <n@x.org>'.")
        if not address.isascii():
            raise ConfigurationError(
                "BULLETIN_SENDER's address must be plain ASCII; "
                "write an international domain in its xn-- form."
            )
        try:
            ensure_header_safe(self.sender, field="sender")
            ensure_header_safe(self.newsroom_name, field="newsroom name")
        except InvalidInput as exc:
            raise ConfigurationError(str(exc)) from exc
        if self.unsubscribe_max_age_s < MIN_UNSUBSCRIBE_DAYS * 86400:
            raise ConfigurationError(
                f"Unsubscribe links must work for at least {MIN_UNSUBSCRIBE_DAYS} days."
            )
        if self.smtp_url and urlsplit(self.smtp_url).scheme not in ("smtp", "smtps"):
            raise ConfigurationError("BULLETIN_SMTP_URL must start with smtp:// or smtps://.")

    @property
    def origin(self) -> str:
        """scheme://host[:port] of the base URL: what browsers send as Origin from our pages."""
        url = urlsplit(self.base_url)
        return f"{url.scheme}://{url.netloc}"

    @property
    def briefing_rules(self) -> Rules:
        return Rules(
            default_zone=self.time_zone,
            expiry=self.briefing_expiry,
            holidays=self.briefing_holidays,
            size=self.briefing_size,
            assemble_before=timedelta(seconds=self.briefing_assemble_before_s),
            approve_before=timedelta(seconds=self.briefing_approve_before_s),
        )

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]

    @property
    def mail_domain(self) -> str:
        return self.sender_address.rpartition("@")[2].lower()

    @property
    def relay_urls(self) -> tuple[str, ...]:
        """Where mail goes: `BULLETIN_RELAYS`, else `BULLETIN_SMTP_URL`; empty: the catcher."""
        listed = tuple((self.relays or "").split())
        return listed or ((self.smtp_url,) if self.smtp_url else ())

    @property
    def uses_catcher(self) -> bool:
        return not self.relay_urls

    @property
    def catcher_dir(self) -> Path:
        return self.data_dir / "catcher"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    """A positive whole number: none of ours (ports, hours, days, batch sizes) can be 0."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}.") from exc
    if value < 1:
        raise ConfigurationError(f"{name} must be at least 1, not {value}.")
    return value


def _zone(name: str) -> str:
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(
            f"BULLETIN_TIME_ZONE must be an IANA zone like Europe/London, not {name!r}."
        ) from exc
    return name.strip()


def _briefing_size(env: Mapping[str, str]) -> int:
    size = _int(env, "BULLETIN_BRIEFING_SIZE", 7)
    if not 1 <= size <= 10:
        raise ConfigurationError(f"BULLETIN_BRIEFING_SIZE must be 1 to 10 stories, not {size}.")
    return size


def _clock_time(env: Mapping[str, str], name: str, default: str) -> time:
    raw = env.get(name, default).strip() or default
    try:
        return time.fromisoformat(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a time of day like 12:00, not {raw!r}.") from exc


def _dates(raw: str) -> frozenset[date]:
    """BULLETIN_BRIEFING_HOLIDAYS: dates (YYYY-MM-DD) separated by spaces or commas."""
    days: set[date] = set()
    for part in re.split(r"[\s,]+", raw):
        if not part:
            continue
        try:
            days.add(date.fromisoformat(part))
        except ValueError as exc:
            raise ConfigurationError(
                f"BULLETIN_BRIEFING_HOLIDAYS: {part!r} is not a date like 2026-12-25."
            ) from exc
    return frozenset(days)


_ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$")


def _origins(raw: str) -> tuple[str, ...]:
    """BULLETIN_EMBED_ORIGINS: origins separated by spaces or commas (https://*.x.org allowed)."""
    origins = tuple(part.rstrip("/") for part in re.split(r"[\s,]+", raw) if part)
    for origin in origins:
        if not _ORIGIN.match(origin):
            raise ConfigurationError(
                f"BULLETIN_EMBED_ORIGINS: {origin!r} is not an origin like https://news.example.org"
                " (scheme and host, no path)."
            )
    return origins


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw not in _TRUE + _FALSE:
        raise ConfigurationError(f"{name} must be on or off, not {raw!r}.")
    return raw in _TRUE


def _networks(raw: str) -> tuple[IPNetwork, ...]:
    """BULLETIN_FETCH_ALLOW_NETWORKS: addresses or CIDR ranges, separated by spaces or commas."""
    found = []
    for part in re.split(r"[\s,]+", raw):
        if not part:
            continue
        try:
            found.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ConfigurationError(f"BULLETIN_FETCH_ALLOW_NETWORKS: {exc}") from exc
    return tuple(found)


def _addresses(raw: str) -> tuple[str, ...]:
    """BULLETIN_STAFF_SEED_LIST: addresses separated by spaces or commas."""
    found = []
    for part in re.split(r"[\s,]+", raw):
        if not part:
            continue
        try:
            found.append(normalise_address(part))
        except InvalidInput as exc:
            raise ConfigurationError(f"BULLETIN_STAFF_SEED_LIST: {exc}") from exc
    return tuple(dict.fromkeys(found))


def _is_placeholder(secret: str) -> bool:
    return secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH


def _secret_key(given: str | None, *, mode: str, data_dir: Path) -> str:
    """Use the configured key; in development make one on first run and keep it."""
    if given:
        return given
    if mode == "production":
        return ""  # validate() refuses it with the explanation
    path = data_dir / "secret_key"
    if not path.exists():
        _write_new_key(path)
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"The stored secret key in {path} is empty or too short; delete it to make a new one."
        )
    return key


def _write_new_key(path: Path) -> None:
    """Write a fresh key readable only by us, so that it appears whole or not at all.

    The web process and the worker often start together on a first run: the key is
    written to a private file, then linked into place, and the loser of the race
    simply reads the winner's key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink()
