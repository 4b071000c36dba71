"""What every use case needs, handed to it explicitly rather than looked up globally."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bulletin.config import Settings
from bulletin.mail.tokens import Tokens
from bulletin.store.db import Database
from bulletin.store.types import utcnow


@dataclass
class Context:
    settings: Settings
    db: Database
    clock: Callable[[], datetime] = utcnow
    tokens: Tokens = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = Tokens(self.settings.secret_key, clock=self.clock)

    @classmethod
    def from_settings(cls, settings: Settings) -> Context:
        return cls(settings=settings, db=Database(settings.database_url))
