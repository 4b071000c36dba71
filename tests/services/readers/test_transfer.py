"""CSV import (all or nothing per file, every problem reported by line) and export."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import SubscriptionStatus
from bulletin.services.context import Context
from bulletin.services.readers import preferences, subscriptions, transfer
from bulletin.store.db import Database
from bulletin.store.readers import subscribers as subscriber_store
from bulletin.store.readers import suppressions
from bulletin.store.tables import audit_log, consent_records, subscribers
from tests.support.factories import (
    FakeClock,
    confirmed_reader,
    digest,
    find_reader,
    make_settings,
    suppress,
    unique_email,
    web_requester,
)

SOURCE = "Print edition opt-in, March 2026"


def _import(ctx: Context, data: str, lists: list[str] | None = None) -> transfer.ImportReport:
    return transfer.import_csv(
        ctx, data, default_lists=lists or [], consent_source=SOURCE, actor="ed@news.example.com"
    )


def _count(ctx: Context, table) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _statuses(ctx: Context, email: str) -> dict[int, SubscriptionStatus]:
    with ctx.db.transaction() as conn:
        subscriber = subscriber_store.find_by_key(conn, email.lower())
        assert subscriber is not None
        return subscriber_store.statuses(conn, subscriber.id)


def test_a_clean_file_imports_every_reader_as_confirmed_with_consent_and_audit(
    ctx: Context,
) -> None:
    data = (
        "email,lists,time_zone,topics,briefing_time\n"
        "ann@readers.example.org,breaking;morning-briefing,Europe/Berlin,science,07:00\n"
        "bob@readers.example.org,,,,\n"
    )
    report = _import(ctx, data, lists=["special-reports"])
    assert report.imported and report.errors == []
    assert (report.rows, report.added, report.unchanged) == (2, 3, 0)
    assert _statuses(ctx, "ann@readers.example.org") == {
        1: SubscriptionStatus.CONFIRMED,
        3: SubscriptionStatus.CONFIRMED,
    }
    assert _statuses(ctx, "bob@readers.example.org") == {2: SubscriptionStatus.CONFIRMED}
    with ctx.db.transaction() as conn:
        ann = subscriber_store.find_by_key(conn, "ann@readers.example.org")
        wordings = list(
            conn.execute(
                select(consent_records.c.wording).where(consent_records.c.method == "csv_import")
            ).scalars()
        )
        actions = list(conn.execute(select(audit_log.c.action)).scalars())
    assert ann is not None and (ann.time_zone, ann.briefing_time) == ("Europe/Berlin", "07:00")
    assert len(wordings) == 3 and all(SOURCE in w for w in wordings)
    assert actions == ["subscribers.import"]


def test_one_bad_row_imports_nothing_and_every_problem_is_reported_by_line(ctx: Context) -> None:
    data = (
        "Email,Lists\n"
        "good@readers.example.org,breaking\n"
        "not-an-address,breaking\n"
        "other@readers.example.org,sports-scores\n"
        "GOOD@readers.example.org,breaking\n"
    )
    report = _import(ctx, data)
    assert not report.imported
    assert [(e.line, e.email) for e in report.errors] == [
        (3, "not-an-address"),
        (4, "other@readers.example.org"),
        (5, "GOOD@readers.example.org"),
    ]
    assert "valid email address" in report.errors[0].message
    assert "sports-scores" in report.errors[1].message
    assert "first on line 2" in report.errors[2].message
    assert _count(ctx, subscribers) == 0
    assert _count(ctx, audit_log) == 0


def test_readers_who_left_or_are_suppressed_are_skipped_and_told_when(ctx: Context) -> None:
    left = unique_email()
    reader = confirmed_reader(ctx, ["breaking"], email=left)
    with ctx.db.transaction() as conn:
        subscriber_store.unsubscribe(conn, reader, 1, now=ctx.clock())
        suppressions.add(
            conn, digest(ctx, "bounced@readers.example.org"), reason="bounce", now=ctx.clock()
        )
    report = _import(ctx, f"email\n{left}\nbounced@readers.example.org\n", lists=["breaking"])
    assert report.imported and report.added == 0
    day = f"{ctx.clock():%Y-%m-%d}"
    assert [(n.line, n.message) for n in report.skipped] == [
        (2, f"Unsubscribed from Breaking News Alerts on {day}: not re-added."),
        (3, f"Suppressed on {day} (bounce): not added."),
    ]
    assert _statuses(ctx, left)[1] is SubscriptionStatus.UNSUBSCRIBED


def test_a_change_of_letter_case_brings_back_no_one_who_left_or_was_suppressed(
    ctx: Context,
) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email="Case.Test@Example.com")
    with ctx.db.transaction() as conn:
        subscriber_store.unsubscribe(conn, reader, 1, now=ctx.clock())
    suppress(ctx, "Bounced.Reader@readers.example.org", reason="hard_bounce")
    data = "email\ncase.test@example.com\nbounced.reader@READERS.example.org\n"
    report = _import(ctx, data, lists=["breaking"])
    assert report.imported and report.added == 0
    day = f"{ctx.clock():%Y-%m-%d}"
    assert [(n.line, n.email, n.message) for n in report.skipped] == [
        (
            2,
            "case.test@example.com",
            f"Unsubscribed from Breaking News Alerts on {day}: not re-added.",
        ),
        (3, "bounced.reader@readers.example.org", f"Suppressed on {day} (bounced): not added."),
    ]
    assert _count(ctx, subscribers) == 1  # the same reader, not a second one
    assert _statuses(ctx, "CASE.TEST@example.com") == {1: SubscriptionStatus.UNSUBSCRIBED}


def test_a_case_variant_of_a_reader_joins_them_to_more_lists_and_keeps_their_spelling(
    ctx: Context,
) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email="Ann.Lee@Readers.example.org")
    report = _import(ctx, "email,lists\nann.lee@readers.example.org,breaking;special-reports\n")
    assert report.imported and (report.added, report.unchanged) == (1, 1)
    found = find_reader(ctx, "ANN.LEE@readers.example.org")
    assert found is not None and found.id == reader
    assert found.email == "Ann.Lee@readers.example.org"
    assert _count(ctx, subscribers) == 1


def test_two_spellings_of_one_address_in_a_file_are_one_reader_twice(ctx: Context) -> None:
    data = "email\nAnn@readers.example.org\nann@READERS.example.org\n"
    report = _import(ctx, data, lists=["breaking"])
    assert not report.imported
    assert [(e.line, e.message) for e in report.errors] == [(3, "Appears twice (first on line 2).")]


def test_importing_an_existing_reader_keeps_their_own_choices(ctx: Context) -> None:
    email = unique_email()
    result = subscriptions.sign_up(
        ctx, email=email, list_slugs=["breaking"], requester=web_requester(), time_zone="Asia/Tokyo"
    )
    report = _import(ctx, f"email,time_zone\n{email},Europe/Paris\n", lists=["breaking"])
    assert report.added == 1  # the pending subscription is now confirmed
    token = ctx.tokens.preferences(result.subscriber_id, email)
    assert preferences.load(ctx, token).time_zone == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("address\nann@readers.example.org\n", "'email' column"),
        ("email\n", "no readers"),
    ],
)
def test_unusable_files_are_refused_whole(ctx: Context, data: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        _import(ctx, data, lists=["breaking"])


def test_the_consent_source_is_required(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match="agreed"):
        transfer.import_csv(
            ctx,
            "email\na@readers.example.org\n",
            default_lists=["breaking"],
            consent_source=" ",
            actor="x",
        )


def test_a_row_without_lists_and_no_default_is_a_problem(ctx: Context) -> None:
    report = _import(ctx, "email\nann@readers.example.org\n")
    assert not report.imported and "No list" in report.errors[0].message


def test_export_lists_every_reader_with_their_statuses_in_batches(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "EXPORT_BATCH", 2)  # several keyset batches from 5 readers
    emails = [unique_email() for _ in range(5)]
    for email in emails:
        confirmed_reader(ctx, ["breaking", "morning-briefing"], email=email)
    rows = list(csv.DictReader(io.StringIO("".join(transfer.export_csv(ctx, actor="ed")))))
    assert [row["email"] for row in rows] == emails
    assert {row["breaking"] for row in rows} == {"confirmed"}
    assert {row["special-reports"] for row in rows} == {""}
    assert {row["briefing_time"] for row in rows} == {"06:00"}
    with ctx.db.transaction() as conn:
        assert "subscribers.export" in conn.execute(select(audit_log.c.action)).scalars().all()


def test_export_defuses_cells_a_spreadsheet_would_run(ctx: Context) -> None:
    confirmed_reader(ctx, ["breaking"], email="=cmd@readers.example.org")
    exported = "".join(transfer.export_csv(ctx, actor="ed"))
    assert "'=cmd@readers.example.org" in exported


ODD_ADDRESSES = [
    "-news@readers.example.org",  # starts like a formula: defused on export
    "+tagged@readers.example.org",
    "=cmd@readers.example.org",
    "'=both@readers.example.org",
    "'quoted@readers.example.org",  # starts with the defusing quote itself
    "plain@readers.example.org",
]


def _comparable(exported: str) -> list[dict[str, str]]:
    """The export's rows without the timestamps an import sets anew."""
    rows = list(csv.DictReader(io.StringIO(exported)))
    return [{k: v for k, v in row.items() if not k.endswith("_at")} for row in rows]


def test_an_export_imported_into_an_empty_database_exports_the_same_readers(
    ctx: Context, sqlite_template: Path, tmp_path: Path, clock: FakeClock
) -> None:
    for email in ODD_ADDRESSES[:-1]:
        confirmed_reader(ctx, ["breaking", "morning-briefing"], email=email)
    confirmed_reader(ctx, ["special-reports"], email=ODD_ADDRESSES[-1])
    exported = "".join(transfer.export_csv(ctx, actor="ed"))
    empty = tmp_path / "empty.db"
    shutil.copy(sqlite_template, empty)
    other = Context(
        settings=make_settings(tmp_path, f"sqlite:///{empty}"),
        db=Database(f"sqlite:///{empty}"),
        clock=clock,
    )
    try:
        report = _import(other, exported)
        again = "".join(transfer.export_csv(other, actor="ed"))
    finally:
        other.db.dispose()

    assert report.errors == [] and report.imported
    assert report.added == 2 * 5 + 1
    assert _comparable(again) == _comparable(exported)
    shown = {row["email"] for row in _comparable(again)}
    assert {e.removeprefix("'") for e in shown} == set(ODD_ADDRESSES)  # each defused once


def test_an_export_imported_again_adds_nobody(ctx: Context) -> None:
    for email in ODD_ADDRESSES[:3]:
        confirmed_reader(ctx, ["breaking"], email=email)
    before = _count(ctx, subscribers)

    report = _import(ctx, "".join(transfer.export_csv(ctx, actor="ed")))

    assert report.imported and report.added == 0 and report.unchanged == 3
    assert _count(ctx, subscribers) == before


def test_a_lone_carriage_return_ends_a_line_and_the_bad_half_is_a_row_error(
    ctx: Context,
) -> None:
    report = _import(ctx, "email,lists\nok@example.com,breaking\nbroken\rrest@example.com,x\n")

    assert not report.imported
    assert (report.errors[0].line, report.errors[0].email) == (3, "broken")
    assert _count(ctx, subscribers) == 0


def test_a_field_past_the_csv_limit_is_a_row_error_naming_its_line(ctx: Context) -> None:
    data = "email,lists\nok@example.com,breaking\nbig@example.com," + "x" * 140_000 + "\n"

    report = _import(ctx, data)

    assert not report.imported
    assert [(n.line, n.message) for n in report.errors] == [
        (3, "A field is longer than 131,072 characters.")
    ]
    assert _count(ctx, subscribers) == 0
