"""`bulletin briefing`: preview (text and JSON), send, hold, and no-briefing dates."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from bulletin.cli import app
from bulletin.services.context import Context
from bulletin.store.tables import deliveries, editions
from tests.support.briefing import add_story, briefing_reader
from tests.support.factories import SECRET
from tests.support.smtp_sink import SmtpSink

runner = CliRunner()


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        "BULLETIN_DATABASE_URL": database_url,
        "BULLETIN_DATA_DIR": str(tmp_path / "data"),
        "BULLETIN_SECRET_KEY": SECRET,
        "BULLETIN_SENDER": "Newsroom <news@news.example.com>",
    }


def _count(ctx: Context, table) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_preview_json_assembles_without_storing_or_sending(
    tmp_path: Path, database_url: str, ctx: Context
) -> None:
    story = add_story(ctx, headline="Parliament dissolved", section="Politics")
    briefing_reader(ctx, zone="Europe/Berlin", topics=["politics"])
    briefing_reader(ctx, zone="Asia/Tokyo")
    result = runner.invoke(
        app,
        ["briefing", "preview", "--date", "2030-01-07", "--json"],
        env=_env(tmp_path, database_url),
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["date"] == "2030-01-07"
    assert shown["greeting"].startswith("Good morning.")
    assert shown["segments"] == 2
    assert shown["items"][0] == {
        "story_id": story,
        "headline": "Parliament dissolved",
        "summary": shown["items"][0]["summary"],
        "section": "Politics",
        "url": shown["items"][0]["url"],
    }
    assert _count(ctx, editions) == 0 and _count(ctx, deliveries) == 0


def test_preview_text_numbers_the_items(tmp_path: Path, database_url: str, ctx: Context) -> None:
    add_story(ctx, headline="Parliament dissolved", section="Politics")
    result = runner.invoke(
        app, ["briefing", "preview", "--date", "2030-01-07"], env=_env(tmp_path, database_url)
    )
    assert result.exit_code == 0, result.output
    assert "1. Parliament dissolved" in result.output
    assert "Read more in POLITICS" in result.output


def test_send_approves_and_queues_every_reader_once(
    tmp_path: Path, database_url: str, ctx: Context
) -> None:
    add_story(ctx)
    briefing_reader(ctx, zone="Europe/Berlin")
    briefing_reader(ctx, zone="America/Chicago", at="07:15")
    env = _env(tmp_path, database_url)
    first = runner.invoke(app, ["briefing", "send", "--date", "2030-01-07"], env=env)
    second = runner.invoke(app, ["briefing", "send", "--date", "2030-01-07"], env=env)
    assert first.exit_code == 0, first.output
    assert "2 readers" in first.output
    assert second.exit_code == 1 and "already sending" in second.output
    assert _count(ctx, deliveries) == 2


def test_bad_dates_and_weekends_are_refused_clearly(tmp_path: Path, database_url: str) -> None:
    env = _env(tmp_path, database_url)
    bad = runner.invoke(app, ["briefing", "send", "--date", "07/01/2030"], env=env)
    weekend = runner.invoke(app, ["briefing", "hold", "--date", "2030-01-05"], env=env)
    assert bad.exit_code == 1 and "like 2026-11-24" in bad.output
    assert weekend.exit_code == 1 and "not a briefing day" in weekend.output


def test_holidays_add_list_remove(tmp_path: Path, database_url: str) -> None:
    env = _env(tmp_path, database_url)
    added = runner.invoke(
        app, ["briefing", "holidays", "add", "2030-12-25", "--note", "Christmas"], env=env
    )
    listed = runner.invoke(app, ["briefing", "holidays", "list"], env=env)
    held = runner.invoke(app, ["briefing", "hold", "--date", "2030-12-25"], env=env)
    removed = runner.invoke(app, ["briefing", "holidays", "remove", "2030-12-25"], env=env)
    assert added.exit_code == 0 and "now a no-briefing date" in added.output
    assert "2030-12-25  Christmas" in listed.output
    assert held.exit_code == 1 and "not a briefing day" in held.output
    assert removed.exit_code == 0 and "no longer" in removed.output


def test_test_send_mails_the_named_address_only_and_writes_no_ledger_rows(
    tmp_path: Path, database_url: str, ctx: Context, smtp_sink: SmtpSink
) -> None:
    add_story(ctx, headline="Parliament dissolved", section="Politics")
    briefing_reader(ctx, zone="Europe/Berlin", email="reader@example.org")
    env = {**_env(tmp_path, database_url), "BULLETIN_SMTP_URL": smtp_sink.url}
    args = ["briefing", "test-send", "--date", "2030-01-07", "--to", "me@news.example.com"]

    missing = runner.invoke(app, args, env=env)
    assert missing.exit_code == 1 and "There is no briefing for 2030-01-07" in missing.output
    assert runner.invoke(app, ["briefing", "hold", "--date", "2030-01-07"], env=env).exit_code == 0
    sent = runner.invoke(app, args, env=env)

    assert sent.exit_code == 0, sent.output
    assert "me@news.example.com: sent" in sent.output
    (received,) = smtp_sink.received
    assert received.rcpt_tos == ["me@news.example.com"]
    assert str(received.message["Subject"]).strip().startswith("[TEST] Morning Briefing, ")
    assert "1. Parliament dissolved" in received.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert _count(ctx, deliveries) == 0
