"""`bulletin subscribers export|erase`: one reader's data from a terminal, and erasure."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from bulletin.cli import app
from bulletin.services.context import Context
from bulletin.store.tables import audit_log
from tests.support.factories import confirmed_reader, find_reader, is_suppressed, suppress

runner = CliRunner()
READER = "Dana.Scully@Readers.example.org"


def _env(ctx: Context, tmp_path: Path) -> dict[str, str]:
    return {
        "BULLETIN_DATABASE_URL": ctx.settings.database_url,
        "BULLETIN_DATA_DIR": str(tmp_path / "cli-data"),
        "BULLETIN_SECRET_KEY": ctx.settings.secret_key,
        "BULLETIN_SUPPRESSION_KEY": ctx.settings.suppression_key,
    }


def _audit(ctx: Context) -> list[tuple[str, str]]:
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(audit_log.c.actor, audit_log.c.action).order_by(audit_log.c.id))
        return [(r.actor, r.action) for r in rows]


def test_export_prints_one_readers_data_as_json_found_by_any_spelling(
    ctx: Context, tmp_path: Path
) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email=READER)
    done = runner.invoke(
        app, ["subscribers", "export", "dana.scully@readers.example.org"], env=_env(ctx, tmp_path)
    )
    assert done.exit_code == 0, done.output
    document = json.loads(done.output)
    assert document["reader"]["id"] == reader
    assert document["reader"]["email"] == "Dana.Scully@readers.example.org"
    assert [(x["list"], x["status"]) for x in document["lists"]] == [("breaking", "confirmed")]
    assert ("cli", "subscriber.export") in _audit(ctx)


def test_export_without_an_address_prints_every_reader_as_csv(ctx: Context, tmp_path: Path) -> None:
    confirmed_reader(ctx, ["breaking"], email=READER)
    done = runner.invoke(app, ["subscribers", "export"], env=_env(ctx, tmp_path))
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(done.output)))
    assert [(r["email"], r["breaking"]) for r in rows] == [
        ("Dana.Scully@readers.example.org", "confirmed")
    ]


def test_erase_asks_first_and_a_no_changes_nothing(ctx: Context, tmp_path: Path) -> None:
    confirmed_reader(ctx, ["breaking"], email=READER)
    done = runner.invoke(
        app, ["subscribers", "erase", READER], input="n\n", env=_env(ctx, tmp_path)
    )
    assert done.exit_code == 1 and "cannot be undone" in done.output
    assert find_reader(ctx, READER) is not None


def test_erase_removes_the_reader_and_keeps_their_suppression(ctx: Context, tmp_path: Path) -> None:
    reader = confirmed_reader(ctx, ["breaking"], email=READER)
    suppress(ctx, READER, reason="complaint")
    done = runner.invoke(
        app,
        ["subscribers", "erase", "DANA.SCULLY@readers.example.org"],
        input="y\n",
        env=_env(ctx, tmp_path),
    )
    assert done.exit_code == 0, done.output
    assert f"Erased reader {reader}" in done.output and "suppression is kept" in done.output
    assert find_reader(ctx, READER) is None
    assert is_suppressed(ctx, READER)
    assert ("cli", "subscriber.erase") in _audit(ctx)


def test_erasing_an_unknown_address_fails_clearly(ctx: Context, tmp_path: Path) -> None:
    done = runner.invoke(
        app, ["subscribers", "erase", "--yes", "nobody@example.org"], env=_env(ctx, tmp_path)
    )
    assert done.exit_code == 1
    assert "No reader has the address nobody@example.org" in done.output
