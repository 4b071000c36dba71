"""One briefing edition's steps: plan its send window, assemble its draft, write its ledger.

An edition is for one date, the readers' *local* date: each reader gets it at their
own briefing time that day, by their own clock (`domain.schedule`), so an edition's
sends span about a day of UTC, from the easternmost zone's morning to the westernmost.
The ledger is written per range of reader ids (`store.ledger.briefing`), each range its
own short transaction, two at once on PostgreSQL; a crash part-way leaves the edition
`approved` and writing again queues nobody twice.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bulletin.domain import ranking
from bulletin.domain.editions import (
    GREETING,
    SIGN_OFF,
    Edition,
    EditionStatus,
    Rules,
    briefing_subject,
)
from bulletin.domain.models import CampaignKind, CampaignStatus, MailingList
from bulletin.domain.schedule import DEFAULT_TIME, Send, send_for
from bulletin.domain.subject_tests import SubjectTest
from bulletin.domain.topics import is_iana_zone
from bulletin.store import campaigns, subject_tests
from bulletin.store import lists as list_store
from bulletin.store.briefing import candidates, editions
from bulletin.store.db import Database
from bulletin.store.ledger import briefing as briefing_ledger
from bulletin.store.ledger.briefing import Group, GroupSend

BRIEFING = "morning-briefing"
FIRST_LOOK_BACK = timedelta(hours=24)
# Connections writing an edition's ledger at once on PostgreSQL: the server does the work
# (the statements are INSERT … SELECT), so two keep two cores busy.
WRITERS = 2


@dataclass(frozen=True)
class Plan:
    """When an edition goes: each reader group's send and expiry, first send to last expiry."""

    edition_date: date
    sends: tuple[tuple[Group, Send], ...]
    first_send_at: datetime
    last_expiry_at: datetime

    @property
    def readers(self) -> int:
        return sum(group.readers for group, _ in self.sends)


def zone_for(name: str | None, default: str) -> ZoneInfo:
    """The reader's zone; an unknown or missing one falls back to the newsroom's."""
    return ZoneInfo(name if name and is_iana_zone(name) else default)


def holidays(conn: Connection, rules: Rules) -> frozenset[date]:
    return rules.holidays | {day for day, _ in editions.holidays(conn)}


def plan(
    edition_date: date, groups: list[Group], rules: Rules, days_off: frozenset[date]
) -> Plan | None:
    """The edition's sends, or None if the date is a weekend day or a no-briefing date."""
    sends = []
    for group in groups:
        send = send_for(
            edition_date,
            zone_for(group.time_zone, rules.default_zone),
            at=_time(group.briefing_time),
            expiry=rules.expiry,
            holidays=days_off,
        )
        if send is not None:
            sends.append((group, send))
    if not sends:
        fallback = send_for(
            edition_date, ZoneInfo(rules.default_zone), expiry=rules.expiry, holidays=days_off
        )
        if fallback is None:
            return None
        first, last = fallback.send_at, fallback.expires_at
    else:
        first = min(s.send_at for _, s in sends)
        last = max(s.expires_at for _, s in sends)
    return Plan(edition_date, tuple(sends), first, last)


def _time(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        return DEFAULT_TIME


def plan_for(conn: Connection, edition_date: date, rules: Rules) -> Plan | None:
    (briefing,) = list_store.by_slugs(conn, [BRIEFING])
    return plan(
        edition_date, briefing_ledger.groups(conn, briefing.id), rules, holidays(conn, rules)
    )


# Assembly --------------------------------------------------------------------------------


def draft(
    conn: Connection, edition_date: date, *, rules: Rules, now: datetime
) -> tuple[ranking.Selection, datetime]:
    """The stories the edition would carry if assembled now, and since when they were read.

    Stories since the previous edition was assembled (at least the last day's, so two
    editions assembled together after downtime both have news), minus those it carried.
    """
    previous = editions.previous(conn, edition_date)
    since = now - FIRST_LOOK_BACK
    carried: set[int] = set()
    if previous is not None and previous.assembled_at is not None:
        since = min(since, previous.assembled_at)
        carried = {item.story_id for item in previous.items}
    found = [c for c in candidates.since(conn, since=since, now=now) if c.story_id not in carried]
    return ranking.select(found, now=now, size=rules.size), since


def assemble(
    conn: Connection, edition_date: date, *, rules: Rules, plan: Plan | None, now: datetime
) -> tuple[Edition, bool]:
    """Store the edition's draft (or a skipped edition saying why); (edition, newly made).

    A date that already has an edition keeps it: there is never a second one. A
    skipped edition is looked at again, since a story may have qualified since (an
    editor gave a pasted story its link): it becomes a draft when one has.
    """
    existing = editions.by_date(conn, edition_date)
    if existing is not None and not existing.reopenable(now):
        return existing, False
    selection, since = draft(conn, edition_date, rules=rules, now=now)
    if existing is not None:
        return _reassemble(conn, existing, selection, now=now)
    status = EditionStatus.DRAFT if selection.items else EditionStatus.SKIPPED
    reason = None if selection.items else skip_reason(since)
    made = editions.insert(
        conn,
        edition_date=edition_date,
        status=status,
        greeting=GREETING,
        sign_off=SIGN_OFF,
        items=selection.items,
        reserve=selection.reserve,
        now=now,
        skip_reason=reason,
        first_send_at=plan.first_send_at if plan else None,
        last_expiry_at=plan.last_expiry_at if plan else None,
    )
    if made is None:  # another process assembled it a moment ago
        existing = editions.by_date(conn, edition_date)
        assert existing is not None
        return existing, False
    return made, True


def _reassemble(
    conn: Connection, skipped: Edition, selection: ranking.Selection, *, now: datetime
) -> tuple[Edition, bool]:
    """A skipped edition with something to carry now becomes a draft; (edition, changed)."""
    if not selection.items or not editions.update_fields(
        conn,
        skipped.id,
        now=now,
        allowed_from=[EditionStatus.SKIPPED],
        status=EditionStatus.DRAFT,
        skip_reason=None,
        items=selection.items,
        reserve=selection.reserve,
        assembled_at=now,
    ):
        return skipped, False
    again = editions.by_date(conn, skipped.edition_date)
    assert again is not None
    return again, True


def skip_reason(since: datetime) -> str:
    return (
        f"No story qualified: none with a headline, a link and a summary was published "
        f"since {since:%Y-%m-%d %H:%M} UTC, so no briefing goes out."
    )


def unsaved(edition_date: date, selection: ranking.Selection, *, now: datetime) -> Edition:
    """An edition assembled for a look only (preview), never stored."""
    return Edition(
        id=0,
        edition_date=edition_date,
        status=EditionStatus.DRAFT if selection.items else EditionStatus.SKIPPED,
        greeting=GREETING,
        sign_off=SIGN_OFF,
        items=selection.items,
        reserve=selection.reserve,
        assembled_at=now,
    )


# Scheduling ------------------------------------------------------------------------------


def write_ledger(db: Database, edition_date: date, *, rules: Rules, now: datetime) -> int:
    """Write an approved edition's ledger rows, range by range, then let it be sent.

    Returns the rows added. Safe to repeat after a crash: rows already written stay.
    """
    with db.transaction() as conn:
        edition = editions.by_date(conn, edition_date, lock=True)
        if edition is None or edition.status is not EditionStatus.APPROVED:
            return 0
        the_plan = plan_for(conn, edition_date, rules)
        (briefing,) = list_store.by_slugs(conn, [BRIEFING])
        campaign_id = edition.campaign_id or _campaign(conn, edition, briefing, the_plan, now)
        spans = briefing_ledger.ranges(conn, briefing.id)
    sends = [GroupSend(g, s.send_at, s.expires_at) for g, s in the_plan.sends] if the_plan else []
    added = _write_ranges(
        db, campaign_id=campaign_id, list_id=briefing.id, sends=sends, spans=spans
    )
    with db.transaction() as conn:
        campaigns.mark_sending(conn, campaign_id, now=now)
        campaigns.advance_fanout(conn, campaign_id, cursor=None, done=True)
        editions.update_fields(
            conn,
            edition.id,
            now=now,
            allowed_from=[EditionStatus.APPROVED],
            status=EditionStatus.SENDING,
            first_send_at=the_plan.first_send_at if the_plan else edition.first_send_at,
            last_expiry_at=the_plan.last_expiry_at if the_plan else edition.last_expiry_at,
        )
    return added


def _write_ranges(
    db: Database,
    *,
    campaign_id: int,
    list_id: int,
    sends: list[GroupSend],
    spans: list[tuple[int, int]],
) -> int:
    """Each range in its own short transaction; on PostgreSQL `WRITERS` ranges at once.

    The ranges hold different readers, so two connections never write the same rows; a
    second writer of the edition waits its turn per range (`take_turn`). A failure
    leaves the edition approved with the ranges written so far: writing it again adds
    the rest. SQLite has one writer, so there the ranges go one after another.
    """

    def one(span: tuple[int, int]) -> int:
        after, upto = span
        with db.transaction() as conn:
            briefing_ledger.take_turn(conn, campaign_id=campaign_id, after=after)
            return briefing_ledger.write_range(
                conn,
                campaign_id=campaign_id,
                list_id=list_id,
                sends=sends,
                after=after,
                upto=upto,
                split=subject_tests.split_of(conn, campaign_id),
            )

    if not sends:
        return 0
    if db.dialect != "postgresql" or len(spans) < 2:
        return sum(one(span) for span in spans)
    with ThreadPoolExecutor(WRITERS, thread_name_prefix="briefing-ledger") as pool:
        futures = [pool.submit(one, span) for span in spans]
        try:
            return sum(future.result() for future in futures)
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise


def _campaign(
    conn: Connection,
    edition: Edition,
    briefing: MailingList,
    the_plan: Plan | None,
    now: datetime,
) -> int:
    lead = edition.items[0]
    expires = the_plan.last_expiry_at if the_plan else now
    campaign_id = campaigns.insert(
        conn,
        kind=CampaignKind.BRIEFING,
        list_id=briefing.id,
        subject=subject(edition),
        headline=lead.headline,
        summary=edition.greeting,
        url=lead.url,
        created_by=None,
        now=now,
        expires_at=expires,
    )
    editions.update_fields(conn, edition.id, now=now, campaign_id=campaign_id)
    if edition.subject_test is not None and the_plan is not None and the_plan.sends:
        _race(conn, campaign_id, subject(edition), edition.subject_test, the_plan)
    return campaign_id


def _race(
    conn: Connection, campaign_id: int, own: str, others: SubjectTest, the_plan: Plan
) -> None:
    """The edition's subject test, its own subject first: it runs from the first
    readers' morning for its window, ending before those readers' briefing expires."""
    test = replace(others, subjects=(own, *others.subjects))
    first = min((send for _, send in the_plan.sends), key=lambda send: send.send_at)
    subject_tests.insert(conn, campaign_id, test)
    subject_tests.start(conn, campaign_id, now=first.send_at, expires_at=first.expires_at)


def subject(edition: Edition) -> str:
    return briefing_subject(edition)


def finish_sent(conn: Connection, *, now: datetime) -> int:
    """Editions whose campaign has finished (or was cancelled) are sent."""
    done = 0
    for edition in editions.in_states(conn, [EditionStatus.SENDING]):
        campaign = campaigns.get(conn, edition.campaign_id) if edition.campaign_id else None
        if campaign and campaign.status in (CampaignStatus.SENT, CampaignStatus.CANCELLED):
            done += editions.update_fields(
                conn,
                edition.id,
                now=now,
                allowed_from=[EditionStatus.SENDING],
                status=EditionStatus.SENT,
            )
    return done
