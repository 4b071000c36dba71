"""What every use case needs, handed to it explicitly rather than looked up globally."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bulletin.config import Settings
from bulletin.domain.addresses import IdentityHasher
from bulletin.mail.dkim import Signer, signer_for
from bulletin.mail.tokens import Tokens
from bulletin.services.settings.live import LiveSettings
from bulletin.store.db import Database
from bulletin.store.types import utcnow


class _Effective:
    """`Context.settings`: set with the environment's settings, read as the effective ones.

    Reading gives the defaults < the desk's values < the environment, refreshed every
    few seconds (`LiveSettings`), so a change on the desk reaches a running worker.
    A descriptor rather than a plain field so that `Context(settings=…)` and
    `dataclasses.replace(ctx, settings=…)` keep working as they did.
    """

    def __get__(self, ctx: Context | None, owner: type | None = None) -> Settings:
        if ctx is None:
            raise AttributeError("settings has no default")  # dataclasses asks this
        return ctx.live_settings.current()

    def __set__(self, ctx: Context, value: Settings) -> None:
        ctx.__dict__["_base_settings"] = value
        if "live_settings" in ctx.__dict__:  # set again after start-up (tests do)
            ctx.live_settings = LiveSettings(value, ctx.db, ctx.clock)


@dataclass(eq=False)  # one per process or test: compared, and kept in maps, by identity
class Context:
    settings: _Effective = _Effective()
    db: Database  # type: ignore[misc]  # `settings` has no default: see _Effective.__get__
    clock: Callable[[], datetime] = utcnow
    tokens: Tokens = field(init=False)
    # Readers' identities: address keys and their keyed hashes (the suppression list's).
    identities: IdentityHasher = field(init=False)
    # The DKIM signer, read here so a key that cannot sign stops the process at start-up.
    dkim: Signer | None = field(init=False)
    live_settings: LiveSettings = field(init=False, repr=False)

    def __post_init__(self) -> None:
        base: Settings = self.__dict__["_base_settings"]
        self.live_settings = LiveSettings(base, self.db, self.clock)
        # Keys and signing are never set on the desk: read from the environment's settings.
        self.tokens = Tokens(base.secret_key, clock=self.clock)
        self.identities = IdentityHasher(base.suppression_key)
        self.dkim = signer_for(base)

    @classmethod
    def from_settings(cls, settings: Settings) -> Context:
        return cls(settings=settings, db=Database(settings.database_url))
