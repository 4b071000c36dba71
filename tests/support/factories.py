"""Small builders for test data: settings, contexts, confirmed readers, editors."""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bulletin.config import Settings
from bulletin.domain.addresses import address_key
from bulletin.domain.models import Editor, Role, Subscriber
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.services.readers.subscriptions import Requester
from bulletin.services.staff import accounts as editors
from bulletin.store.readers import subscribers as subscriber_store
from bulletin.store.readers import suppressions

SECRET = "test-secret-key-that-is-long-enough-0123456789"
SUPPRESSION_KEY = "test-suppression-key-kept-apart-0123456789"
_counter = itertools.count(1)


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    settings = Settings(
        secret_key=SECRET,
        suppression_key=SUPPRESSION_KEY,
        database_url=database_url,
        base_url="http://bulletin.example.com",
        sender="Newsroom Alerts <alerts@news.example.com>",
        newsroom_name="The Daily Example",
        data_dir=tmp_path / "data",
        smtp_url="memory",
        # The feed and story servers of the tests listen on loopback.
        fetch_allow_networks=(ipaddress.ip_network("127.0.0.0/8"),),
    )
    return settings.replace(**overrides)


class FakeClock:
    """A clock the test moves by hand: time-dependent rules without sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FakeMonotonic:
    """Monotonic seconds that move only when the test, or a sleep it hands out, moves them."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def unique_email(prefix: str = "reader") -> str:
    return f"{prefix}{next(_counter)}@readers.example.org"


def web_requester() -> Requester:
    return Requester(method="test", ip="127.0.0.1", user_agent="pytest")


def confirmed_reader(ctx: Context, lists: list[str] | None = None, email: str | None = None) -> int:
    """A reader who signed up and confirmed (through the real use cases)."""
    address = email or unique_email()
    result = subscriptions.sign_up(
        ctx, email=address, list_slugs=lists or ["breaking"], requester=web_requester()
    )
    token = ctx.tokens.confirm(result.subscriber_id, result.email)
    subscriptions.confirm(ctx, token, requester=web_requester())
    return result.subscriber_id


def suppress(ctx: Context, email: str, *, reason: str = "hard_bounce") -> None:
    """Put an address (any spelling of it) on the suppression list."""
    with ctx.db.transaction() as conn:
        suppressions.add(conn, digest(ctx, email), reason=reason, now=ctx.clock())


def is_suppressed(ctx: Context, email: str) -> bool:
    with ctx.db.transaction() as conn:
        return suppressions.is_suppressed(conn, digest(ctx, email))


def digest(ctx: Context, email: str) -> str:
    """The keyed hash the suppression list knows this address by."""
    return ctx.identities.identity(email).digest


def find_reader(ctx: Context, email: str) -> Subscriber | None:
    """The reader with this address, in any spelling."""
    with ctx.db.transaction() as conn:
        return subscriber_store.find_by_key(conn, address_key(email))


def make_editor(
    ctx: Context, role: Role = Role.EDITOR, password: str = "a-long-password-1"
) -> Editor:
    return editors.create_editor(
        ctx, email=unique_email(role.value), name=f"Test {role.value}", password=password, role=role
    )


Clock = Callable[[], datetime]
