"""`bulletin special`: schedule from the terminal, list, preview, test-send and cancel."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from bulletin.cli import app
from bulletin.domain.reports import ReportStatus
from bulletin.services.context import Context
from bulletin.services.special_reports import scheduling as special_reports
from tests.support.factories import SECRET
from tests.support.smtp_sink import SmtpSink

runner = CliRunner()
ZONE = "Asia/Tokyo"


def _env(tmp_path: Path, database_url: str, **more: str) -> dict[str, str]:
    return {
        "BULLETIN_DATABASE_URL": database_url,
        "BULLETIN_DATA_DIR": str(tmp_path / "data"),
        "BULLETIN_SECRET_KEY": SECRET,
        "BULLETIN_SENDER": "Newsroom <news@news.example.com>",
        "BULLETIN_TIME_ZONE": ZONE,
        **more,
    }


def _tomorrow_at_nine() -> tuple[str, datetime]:
    day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=1)
    local = datetime(day.year, day.month, day.day, 9, 0)
    return f"{local:%Y-%m-%d %H:%M}", local.replace(tzinfo=ZoneInfo(ZONE)).astimezone(UTC)


def test_schedule_from_a_body_file_in_newsroom_time(
    tmp_path: Path, database_url: str, ctx: Context
) -> None:
    body = tmp_path / "body.html"
    body.write_text(
        "<p>Intro.</p><h2>First <em>part</em></h2><p>One.</p><h2>Second</h2><p>Two.</p>"
    )
    at, instant = _tomorrow_at_nine()
    result = runner.invoke(
        app,
        ["special", "schedule", "--headline", "Deep dive", "--body-file", str(body), "--at", at,
         "--hero-url", "https://img.example.com/h.jpg", "--hero-credit", "Staff"],
        env=_env(tmp_path, database_url),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "scheduled for" in result.output and "JST" in result.output
    (view,) = special_reports.recent(ctx)
    assert view.report.scheduled_at == instant
    assert [s.heading for s in view.report.content.sections] == ["", "First part", "Second"]

    listed = runner.invoke(app, ["special", "list", "--json"], env=_env(tmp_path, database_url))
    row = json.loads(listed.output.splitlines()[0])
    assert (row["status"], row["headline"]) == ("scheduled", "Deep dive")

    shown = runner.invoke(
        app, ["special", "preview", str(view.report.id)], env=_env(tmp_path, database_url)
    )
    assert 'List-Id: "Special Reports" <special-reports.news.example.com>' in shown.output
    assert "FIRST PART" in shown.output and "Two." in shown.output


def test_schedule_refuses_a_time_the_clocks_skip(tmp_path: Path, database_url: str) -> None:
    env = _env(tmp_path, database_url, BULLETIN_TIME_ZONE="Europe/Paris")
    result = runner.invoke(
        app,
        ["special", "schedule", "--headline", "H", "--at", "2030-03-31 02:30"],
        env=env,
    )
    assert result.exit_code == 1 and "does not exist in Europe/Paris" in result.output


def test_test_send_then_cancel(
    tmp_path: Path, database_url: str, ctx: Context, smtp_sink: SmtpSink
) -> None:
    body = tmp_path / "b.html"
    body.write_text("<p>Body.</p>")
    env = _env(tmp_path, database_url, BULLETIN_SMTP_URL=smtp_sink.url)
    at, _ = _tomorrow_at_nine()
    runner.invoke(
        app,
        ["special", "schedule", "--headline", "H", "--body-file", str(body), "--at", at],
        env=env,
    )
    (view,) = special_reports.recent(ctx)
    report_id = str(view.report.id)

    sent = runner.invoke(
        app, ["special", "test-send", report_id, "--to", "me@news.example.com"], env=env
    )
    assert sent.exit_code == 0 and "me@news.example.com: sent" in sent.output
    assert [m.rcpt_tos for m in smtp_sink.received] == [["me@news.example.com"]]

    cancelled = runner.invoke(app, ["special", "cancel", report_id], env=env)
    assert cancelled.exit_code == 0
    assert special_reports.get(ctx, view.report.id).report.status is ReportStatus.CANCELLED
    again = runner.invoke(app, ["special", "cancel", report_id], env=env)
    assert again.exit_code == 1 and "was cancelled" in again.output
