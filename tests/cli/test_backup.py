"""`bulletin backup` and `bulletin restore` from a terminal: what they say, and the prompt."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bulletin.cli import app
from bulletin.services.context import Context
from tests.support.factories import SECRET, SUPPRESSION_KEY, confirmed_reader, find_reader

runner = CliRunner()


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        "BULLETIN_DATABASE_URL": database_url,
        "BULLETIN_DATA_DIR": str(tmp_path / "data"),
        "BULLETIN_SECRET_KEY": SECRET,
        "BULLETIN_SUPPRESSION_KEY": SUPPRESSION_KEY,
    }


def test_backup_then_restore_round_trips_and_restore_asks_first(
    tmp_path: Path, ctx: Context
) -> None:
    env = _env(tmp_path, ctx.db.url)
    if ctx.db.dialect != "sqlite":
        refused = runner.invoke(app, ["backup", str(tmp_path / "copy.db")], env=env)
        assert refused.exit_code == 1 and "pg_dump" in refused.output
        return
    confirmed_reader(ctx, email="kept@example.org")
    made = runner.invoke(app, ["backup", str(tmp_path / "copy.db")], env=env)
    assert made.exit_code == 0, made.output
    assert "1 readers, 0 campaigns, 0 ledger rows" in made.output

    confirmed_reader(ctx, email="later@example.org")
    declined = runner.invoke(app, ["restore", str(tmp_path / "copy.db")], env=env, input="n\n")
    assert declined.exit_code == 1 and find_reader(ctx, "later@example.org")

    done = runner.invoke(app, ["restore", "--yes", str(tmp_path / "copy.db")], env=env)
    assert done.exit_code == 0, done.output
    assert "Restored" in done.output and "db upgrade" not in done.output
    assert find_reader(ctx, "kept@example.org") and not find_reader(ctx, "later@example.org")
