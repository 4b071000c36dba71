"""The engine's one door to its data: claim due work, build messages, record what happened.

The sending engine reads and writes nothing else (the scheduler's rounds, which write
the ledger's rows in the first place, are apart: `delivery.rounds`). Two
implementations: `store.ledger.sql.SqlLedger` on SQLite or PostgreSQL, and
`delivery.memory_ledger.MemoryLedger`, which keeps everything in dictionaries so that
the engine's rules (retries, deadlines, pauses, shutdown) can be tested fast.

The contract
------------
- `claim` leases up to `limit` due rows of the campaigns now sending to `owner`, in one
  short transaction, and says which campaigns those are (the engine forgets the built
  messages of the others). A leased row is the claimant's until `release`,
  `record`, or the lease's end (the scheduler then returns it to the queue).
  `owner` is unique to the claim. Rows come lowest campaign first, due order within.
- `claim_confirmations` does the same for queued confirmation requests.
- `compose_inputs` reads what the messages of these campaigns are built from.
- `record` writes a group of outcomes in one transaction: sent, failed, expired,
  cancelled, retried at a given time; the same for confirmations; and the campaigns that
  pause themselves (sending → paused, with the reason). It returns the campaigns that
  did pause. A row not leased any more (swept back, or already recorded) may be
  written again; the ledger's states make a repeat harmless.
- `release` gives leased rows back to the queue untouched (claimed but never sent).
- `renew` extends to `until` every lease, deliveries and confirmations, still held by
  the claims of `worker` (claim owners are `worker#n`), in one statement each, and says
  how many it extended. A lease that ran out (the database was away) is renewed as long
  as its rows are still the worker's: the sweep clears the owner when it hands them on.
  Leases are short (`delivery.leases`), so a live worker renews them every few seconds
  and a dead one's rows go back within seconds.
- `link_positions` numbers a campaign's counted links (click counts on): a URL keeps
  its number for good, and no number ever names two URLs (`mail.clicks`).
- `subject_winner` names the subject a subject test's held readers get: decided once
  (by whoever asks first once their rows are due) and stored, so every reader of the
  rest gets the same one, on any worker, after any crash.

Every method may raise `store.db.UNAVAILABLE` errors while the database cannot be
reached; the engine then waits and tries again with what it meant to write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bulletin.domain.ledger import CampaignInputs, Claimed, DueConfirmation, LedgerWrites


class Ledger(Protocol):
    def claim(self, *, owner: str, now: datetime, lease: timedelta, limit: int) -> Claimed: ...

    def claim_confirmations(
        self, *, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> list[DueConfirmation]: ...

    def compose_inputs(self, campaign_ids: set[int]) -> dict[int, CampaignInputs]: ...

    def record(self, writes: LedgerWrites) -> list[int]: ...

    def release(self, *, deliveries: Sequence[int], confirmations: Sequence[int]) -> None: ...

    def renew(self, *, worker: str, now: datetime, until: datetime) -> int: ...

    def link_positions(self, campaign_id: int, urls: Sequence[str]) -> dict[str, int]:
        """Each URL's number among the campaign's counted links, numbering new ones."""
        ...

    def subject_winner(self, campaign_id: int, now: datetime) -> int:
        """The winning subject of the campaign's subject test (its position), decided now
        from the clicks so far if no one has decided it yet; the same answer ever after."""
        ...
