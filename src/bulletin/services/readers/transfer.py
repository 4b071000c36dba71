"""Moving readers in and out as CSV: an all-or-nothing import and a streamed export.

Import is all-or-nothing per file: every row is checked first, and if any row has a
problem the report lists each one (by line) and nothing at all is imported. Rows
that are fine but must not be acted on are *skipped* and reported, never silently
dropped: a reader who left a list is not put back on it, and a suppressed address
(hard bounce, complaint) is not added. Both are found by the address's key, so a
change of letter case brings nobody back; the note says when they left or why and
when the address was suppressed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Connection

from bulletin.domain.addresses import Identity, key_of, normalise_address
from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import ConsentAction, MailingList, SubscriptionStatus
from bulletin.domain.topics import (
    is_iana_zone,
    valid_briefing_time,
    valid_time_zone,
    valid_topics,
)
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.store import lists as list_store
from bulletin.store.readers import consent, suppressions
from bulletin.store.readers import lookup as readers
from bulletin.store.readers import preferences as preference_store
from bulletin.store.readers import subscribers as subscriber_store

MAX_ROWS = 50_000
EXPORT_BATCH = 1_000
METHOD = "csv_import"
_SPLIT = re.compile(r"[;|\s]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ImportRow:
    line: int
    email: str
    key: str
    lists: tuple[str, ...]
    time_zone: str | None = None
    topics: tuple[str, ...] = ()
    briefing_time: str | None = None


@dataclass(frozen=True)
class RowNote:
    """A row (by its line in the file) and what was wrong with it or why it was skipped."""

    line: int
    email: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[RowNote] = field(default_factory=list)
    skipped: list[RowNote] = field(default_factory=list)
    added: int = 0
    unchanged: int = 0

    @property
    def imported(self) -> bool:
        return not self.errors


def import_csv(
    ctx: Context, data: str, *, default_lists: list[str], consent_source: str, actor: str
) -> ImportReport:
    """Check every row; import all of them as confirmed readers, or none if any is wrong."""
    if not consent_source.strip():
        raise InvalidInput("Say where these readers agreed to receive our emails.")
    with ctx.db.transaction() as conn:
        known = {ml.slug: ml for ml in list_store.all_lists(conn)}
    rows, report = parse(data, default_lists=default_lists, known=set(known))
    if not report.imported:
        return report
    with ctx.db.transaction() as conn:
        for row in rows:
            _import_row(conn, ctx, row, known=known, report=report, wording=consent_source)
        audit.record(
            conn,
            actor=actor,
            action="subscribers.import",
            now=ctx.clock(),
            detail={"rows": report.rows, "added": report.added, "skipped": len(report.skipped)},
        )
    return report


def parse(
    data: str, *, default_lists: list[str], known: set[str]
) -> tuple[list[ImportRow], ImportReport]:
    """The rows of a CSV file with an `email` column, and a report of every bad one."""
    lines = _CountedLines(data.lstrip("\ufeff"))
    reader = csv.DictReader(lines)
    try:
        reader.fieldnames = [name.strip().lower() for name in reader.fieldnames or []]
    except csv.Error as exc:
        raise InvalidInput(f"The header row cannot be read: {_csv_problem(exc)}") from None
    if "email" not in reader.fieldnames:
        raise InvalidInput("The file needs a header row with an 'email' column.")
    report = ImportReport()
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    for record in _records(reader, lines, report):
        line = reader.line_num
        report.rows += 1
        if report.rows > MAX_ROWS:
            raise InvalidInput(f"A file may hold at most {MAX_ROWS:,} readers; split it.")
        try:
            row = _row(line, record, default_lists=default_lists, known=known)
        except InvalidInput as exc:
            report.errors.append(RowNote(line, (record.get("email") or "").strip(), str(exc)))
            continue
        if row.key in seen:
            message = f"Appears twice (first on line {seen[row.key]})."
            report.errors.append(RowNote(line, row.email, message))
        seen.setdefault(row.key, line)
        rows.append(row)
    if report.rows == 0:
        raise InvalidInput("The file has a header but no readers.")
    return rows, report


class _CountedLines:
    """The file's lines for the csv reader, counted, so a row it cannot read is named."""

    def __init__(self, data: str) -> None:
        # newline="": the csv module finds line ends itself, inside quotes too.
        self._lines = io.StringIO(data, newline="")
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        return line


def _records(
    reader: csv.DictReader[str], lines: _CountedLines, report: ImportReport
) -> Iterator[dict[str, str]]:
    """Each row the csv module can read; one it cannot is an error in the report."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report.rows += 1
            report.errors.append(RowNote(lines.count, "", _csv_problem(exc)))


def _csv_problem(exc: csv.Error) -> str:
    """The csv module's complaint in words a person with a spreadsheet can act on."""
    text = str(exc)
    if "field larger than field limit" in text:
        return f"A field is longer than {csv.field_size_limit():,} characters."
    return f"This line is not valid CSV ({text})."


def _row(
    line: int, record: dict[str, str], *, default_lists: list[str], known: set[str]
) -> ImportRow:
    def cell(name: str) -> str:
        return _undefused((record.get(name) or "").strip())

    email = normalise_address(cell("email"))
    slugs = _row_lists(record, cell, default_lists=default_lists, known=known)
    if not slugs:
        raise InvalidInput("No list given, and none chosen for the whole file.")
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise InvalidInput(f"There is no list called {unknown[0]!r}.")
    return ImportRow(
        line=line,
        email=email,
        key=key_of(email),
        lists=tuple(dict.fromkeys(slugs)),
        time_zone=_zone(cell("time_zone")) if cell("time_zone") else None,
        topics=tuple(valid_topics([t for t in _SPLIT.split(cell("topics")) if t])),
        briefing_time=valid_briefing_time(cell("briefing_time")) if cell("briefing_time") else None,
    )


def _row_lists(
    record: dict[str, str], cell: Callable[[str], str], *, default_lists: list[str], known: set[str]
) -> tuple[str, ...]:
    """A `lists` cell's slugs; else, in a file of our export, the lists marked confirmed."""
    if "lists" in record or not known & record.keys():
        return tuple(s for s in _SPLIT.split(cell("lists")) if s) or tuple(default_lists)
    confirmed = tuple(slug for slug in sorted(known & record.keys()) if cell(slug) == "confirmed")
    if not confirmed:
        raise InvalidInput("Confirmed on none of the lists: nobody to add.")
    return confirmed


def _zone(name: str) -> str:
    """A zone the export may hold: the IANA list's, aliases too (browsers report them)."""
    return name if is_iana_zone(name) else valid_time_zone(name)


def _import_row(
    conn: Connection,
    ctx: Context,
    row: ImportRow,
    *,
    known: dict[str, MailingList],
    report: ImportReport,
    wording: str,
) -> None:
    now = ctx.clock()
    identity = Identity(email=row.email, key=row.key, digest=ctx.identities.digest(row.key))
    suppressed = suppressions.find(conn, identity.digest)
    if suppressed is not None:
        note = f"Suppressed on {suppressed.created_at:%Y-%m-%d} ({_reason(suppressed.reason)}): "
        report.skipped.append(RowNote(row.line, row.email, note + "not added."))
        return
    subscriber, created = subscriber_store.get_or_create(
        conn, identity, time_zone=row.time_zone, now=now
    )
    if created:
        preference_store.set_topics(conn, subscriber.id, list(row.topics), now=now)
        if row.briefing_time:
            preference_store.set_schedule(
                conn, subscriber.id, time_zone=row.time_zone, briefing_time=row.briefing_time
            )
    current = {s.list_slug: s for s in readers.subscriptions_of(conn, subscriber.id)}
    for slug in row.lists:
        ml = known[slug]
        found = current.get(slug)
        status = found.status if found else None
        if status is SubscriptionStatus.CONFIRMED:
            report.unchanged += 1
        elif found is not None and status is SubscriptionStatus.UNSUBSCRIBED:
            left = f" on {found.unsubscribed_at:%Y-%m-%d}" if found.unsubscribed_at else ""
            note = f"Unsubscribed from {ml.name}{left}: not re-added."
            report.skipped.append(RowNote(row.line, row.email, note))
        elif preference_store.join(conn, subscriber.id, ml.id, now=now):
            report.added += 1
            consent.record(
                conn,
                subscriber_id=subscriber.id,
                list_id=ml.id,
                action=ConsentAction.IMPORT,
                method=METHOD,
                now=now,
                wording=f"{ml.name}: {wording.strip()}",
            )


def _reason(reason: str) -> str:
    """A suppression's reason as a person reads it."""
    return {"hard_bounce": "bounced", "complaint": "complained"}.get(
        reason, reason.replace("_", " ")
    )


def export_csv(ctx: Context, *, actor: str) -> Iterator[str]:
    """Every reader as CSV lines, read in keyset batches so memory stays flat."""
    with ctx.db.transaction() as conn:
        slugs = [ml.slug for ml in list_store.all_lists(conn)]
        audit.record(conn, actor=actor, action="subscribers.export", now=ctx.clock())
    columns = ["email", "created_at", "confirmed_at", "time_zone", "briefing_time", "topics"]
    yield _line([*columns, *slugs])
    after = 0
    while True:
        with ctx.db.transaction() as conn:
            batch = readers.export_batch(conn, after_id=after, limit=EXPORT_BATCH)
            ids = [row.id for row in batch]
            statuses = readers.statuses_for(conn, ids) if ids else {}
            topics = readers.topics_for(conn, ids) if ids else {}
        if not batch:
            return
        for row in batch:
            yield _line(
                [
                    row.email,
                    row.created_at.isoformat(),
                    row.confirmed_at.isoformat() if row.confirmed_at else "",
                    row.time_zone or "",
                    row.briefing_time,
                    ";".join(topics.get(row.id, [])),
                    *(statuses.get(row.id, {}).get(slug, "") for slug in slugs),
                ]
            )
        after = batch[-1].id


def _line(cells: list[str]) -> str:
    """One CSV line; a cell a spreadsheet would run as a formula is defused with a quote."""
    out = io.StringIO()
    csv.writer(out).writerow([_defused(c) for c in cells])
    return out.getvalue()


def _defused(cell: str) -> str:
    """`'` before a cell a spreadsheet would run as a formula, and before one that starts
    with `'` itself, so `_undefused` gives back exactly what was exported: `'` is a legal
    address character, and `-news@example.com` must not come back as `'-news@…`."""
    return "'" + cell if cell.startswith((*_FORMULA_START, "'")) else cell


def _undefused(cell: str) -> str:
    return cell[1:] if cell.startswith("'") else cell
