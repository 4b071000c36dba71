"""Settings from BULLETIN_* environment variables, validated once at start-up."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bulletin.domain.addresses import ensure_header_safe
from bulletin.domain.errors import ConfigurationError, InvalidInput

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
    # The newsroom's own zone: special reports are scheduled in its wall-clock time.
    newsroom_time_zone: str = "UTC"
    # Staff addresses a desk editor may test-send to, besides their own.
    test_addresses: tuple[str, ...] = ()

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
            newsroom_time_zone=_zone(env.get("BULLETIN_NEWSROOM_TIME_ZONE", "UTC")),
            test_addresses=_addresses(env.get("BULLETIN_TEST_ADDRESSES", "")),
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
    def production(self) -> bool:
        return self.env == "production"

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]

    @property
    def mail_domain(self) -> str:
        return self.sender_address.rpartition("@")[2].lower()

    @property
    def uses_catcher(self) -> bool:
        return self.smtp_url is None and self.relays is None

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


def _zone(raw: str) -> str:
    name = raw.strip() or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(
            f"BULLETIN_NEWSROOM_TIME_ZONE: {name!r} is not an IANA time zone"
            " such as America/New_York or Europe/London."
        ) from exc
    return name


def _addresses(raw: str) -> tuple[str, ...]:
    """BULLETIN_TEST_ADDRESSES: staff addresses separated by spaces or commas."""
    found = tuple(part for part in re.split(r"[\s,]+", raw) if part)
    for address in found:
        if "@" not in address or not address.isascii():
            raise ConfigurationError(
                f"BULLETIN_TEST_ADDRESSES: {address!r} is not a plain address like desk@news.org."
            )
    return found


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
