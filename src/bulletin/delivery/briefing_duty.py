"""The scheduler's briefing duty: assemble each edition, approve it at its deadline, queue it.

For every date whose sends could be near (the UTC date, the day before and the two
after, since zones run from UTC-12 to UTC+14), in the leading worker only:

- at `assemble_before` the first reader's send, the draft is assembled (or the
  edition is recorded as skipped, with why, when no story qualifies);
- at `approve_before` the first send, a draft no editor has held is approved;
- an approved edition gets its ledger rows (one per reader, `send_after` their local
  briefing time, expiring at their local noon);
- a draft or held edition still unapproved when its last reader's expiry passes is
  skipped; an edition is sent once its campaign is.

After downtime the same rules catch up: a date whose every reader's expiry has passed
is never assembled, and readers whose noon passed while the rows were written are
marked expired by the sweep, never sent late. Finding the reader groups reads the
whole list, so the duty runs once a minute, not every scheduler round.
"""

from __future__ import annotations

import logging
import time as monotonic
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from bulletin.domain.editions import Edition, EditionStatus, Rules
from bulletin.store import audit
from bulletin.store import lists as list_store
from bulletin.store.briefing import editions
from bulletin.store.briefing import steps as briefing
from bulletin.store.db import Database
from bulletin.store.ledger import briefing as briefing_ledger
from bulletin.store.ledger import outcomes

log = logging.getLogger(__name__)

EVERY_S = 60.0
EXPIRE_CHUNK = 10_000
SCHEDULER = "scheduler"
EXPIRED_REASON = "not sent: the briefing expired (the reader's local noon had passed)"


@dataclass
class DutyRound:
    assembled: list[date]
    approved: list[date]
    queued: int = 0
    skipped: int = 0
    expired: int = 0


class BriefingDuty:
    def __init__(self, rules: Rules, *, every_s: float = EVERY_S) -> None:
        self.rules = rules
        self.every_s = every_s
        self._next = 0.0

    def due(self) -> bool:
        return monotonic.monotonic() >= self._next

    def run(self, db: Database, *, now: datetime) -> DutyRound:
        self._next = monotonic.monotonic() + self.every_s
        return run(db, rules=self.rules, now=now)


def expire_stale(db: Database, *, now: datetime) -> int:
    """Queued rows past their own expiry are marked expired (every scheduler round)."""
    total = 0
    while True:
        with db.transaction() as conn:
            done = outcomes.expire_stale(conn, now=now, reason=EXPIRED_REASON, limit=EXPIRE_CHUNK)
        total += done
        if done < EXPIRE_CHUNK:
            return total


def run(db: Database, *, rules: Rules, now: datetime) -> DutyRound:
    result = DutyRound(assembled=[], approved=[])
    # Read-only: the groups read the whole list (50 ms for a million readers, a quarter
    # second on a cold cache), and on SQLite a write transaction would hold up every
    # claim, every outcome flush and any Send meanwhile.
    with db.reading() as conn:
        (the_list,) = list_store.by_slugs(conn, [briefing.BRIEFING])
        groups = briefing_ledger.groups(conn, the_list.id)
        days_off = briefing.holidays(conn, rules)
    today = now.date()
    for offset in (-1, 0, 1, 2):
        edition_date = today + timedelta(days=offset)
        the_plan = briefing.plan(edition_date, groups, rules, days_off)
        if the_plan is not None and the_plan.readers:  # no readers: nothing to assemble for
            _one_date(db, the_plan, rules=rules, now=now, result=result)
    for edition in _approved(db):
        result.queued += briefing.write_ledger(db, edition, rules=rules, now=now)
    return result


def _one_date(
    db: Database, the_plan: briefing.Plan, *, rules: Rules, now: datetime, result: DutyRound
) -> None:
    edition_date = the_plan.edition_date
    if now >= the_plan.last_expiry_at:
        with db.transaction() as conn:
            result.skipped += _skip_unsent(conn, edition_date, now=now)
        return
    with db.transaction() as conn:
        edition = editions.by_date(conn, edition_date)
        if edition is None and now >= the_plan.first_send_at - rules.assemble_before:
            edition, made = briefing.assemble(
                conn, edition_date, rules=rules, plan=the_plan, now=now
            )
            if made:
                _audit(conn, "briefing.assemble", edition_date, now, edition.status.value)
                result.assembled.append(edition_date)
                log.info("briefing for %s assembled: %s", edition_date, edition.status.value)
        deadline = the_plan.first_send_at - rules.approve_before
        if edition is not None and now >= deadline and _approve(conn, edition, now=now):
            _audit(conn, "briefing.approve", edition_date, now, "at its deadline")
            result.approved.append(edition_date)
            log.info("briefing for %s approved at its deadline", edition_date)


def _approve(conn: Connection, edition: Edition, *, now: datetime) -> bool:
    """A draft nobody held is approved by the scheduler; a held one waits for an editor."""
    return edition.status is EditionStatus.DRAFT and editions.update_fields(
        conn,
        edition.id,
        now=now,
        allowed_from=[EditionStatus.DRAFT],
        status=EditionStatus.APPROVED,
        approved_by=SCHEDULER,
        approved_at=now,
    )


def _skip_unsent(conn: Connection, edition_date: date, *, now: datetime) -> int:
    edition = editions.by_date(conn, edition_date)
    if edition is None or not edition.status.editable:
        return 0
    _audit(conn, "briefing.skip", edition_date, now, "not approved before the last expiry")
    return int(
        editions.update_fields(
            conn,
            edition.id,
            now=now,
            allowed_from=[EditionStatus.DRAFT, EditionStatus.HELD],
            status=EditionStatus.SKIPPED,
            skip_reason=f"Not approved before the last reader's expiry ({edition.status.value}).",
        )
    )


def _audit(conn: Connection, action: str, edition_date: date, now: datetime, note: str) -> None:
    audit.record(
        conn,
        actor=SCHEDULER,
        action=action,
        now=now,
        target_type="edition",
        target_id=edition_date.isoformat(),
        detail={"note": note},
    )


def _approved(db: Database) -> list[date]:
    with db.reading() as conn:
        return [e.edition_date for e in editions.in_states(conn, [EditionStatus.APPROVED])]
