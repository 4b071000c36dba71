"""What every use case needs, handed to it explicitly rather than looked up globally."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bulletin.config import Settings
from bulletin.domain.addresses import IdentityHasher
from bulletin.mail.dkim import Signer, signer_for
from bulletin.mail.tokens import Tokens
from bulletin.store.db import Database
from bulletin.store.types import utcnow


@dataclass(eq=False)  # one per process or test: compared, and kept in maps, by identity
class Context:
    settings: Settings
    db: Database
    clock: Callable[[], datetime] = utcnow
    tokens: Tokens = field(init=False)
    # Readers' identities: address keys and their keyed hashes (the suppression list's).
    identities: IdentityHasher = field(init=False)
    # The DKIM signer, read here so a key that cannot sign stops the process at start-up.
    dkim: Signer | None = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = Tokens(self.settings.secret_key, clock=self.clock)
        self.identities = IdentityHasher(self.settings.suppression_key)
        self.dkim = signer_for(self.settings)

    @classmethod
    def from_settings(cls, settings: Settings) -> Context:
        return cls(settings=settings, db=Database(settings.database_url))
