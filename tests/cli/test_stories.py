"""`bulletin ingest` and `bulletin feeds` from a terminal: JSON lines, summary, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bulletin.cli import app
from tests.cli.test_app import _env
from tests.support.feeds import rss, rss_item
from tests.support.fixtures import NINJS, SEED
from tests.support.http_feeds import FeedServer, Route

runner = CliRunner()
STORY_KEYS = {
    "id", "headline", "needs_headline", "byline_people", "byline_agencies", "dateline", "lead",
    "body_text", "images", "contributors", "published_at", "updated_at", "section", "topics",
    "urgency", "source", "source_id", "url", "cluster_id",
}  # fmt: skip


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_ingest_json_prints_each_story_then_the_summary(tmp_path: Path, database_url: str) -> None:
    result = runner.invoke(app, ["ingest", str(SEED), "--json"], env=_env(tmp_path, database_url))
    assert result.exit_code == 0, result.output
    story, summary = _lines(result.output)
    assert set(story) >= STORY_KEYS
    assert story["headline"] is None and story["needs_headline"] is True
    assert story["byline_people"] == ["Courtney Kube"]
    assert story["dateline"] == "WASHINGTON"
    assert story["images"] == [
        {"url": None, "caption": story["images"][0]["caption"], "credit": "Omar Sanadiki / Reuters"}  # type: ignore[index]
    ]
    assert summary == {"summary": {"new": 1, "updated": 0, "unchanged": 0, "failed": 0}}


def test_ingest_a_directory_twice_reports_unchanged_in_the_table(
    tmp_path: Path, database_url: str
) -> None:
    env = _env(tmp_path, database_url)
    first = runner.invoke(app, ["ingest", str(NINJS)], env=env)
    second = runner.invoke(app, ["ingest", str(NINJS)], env=env)
    assert first.exit_code == 0, first.output
    assert "new               6" in first.output and "unchanged         3" in first.output
    assert "new               0" in second.output and "unchanged         9" in second.output


def test_ingest_reads_standard_input(tmp_path: Path, database_url: str) -> None:
    text = "Storm hits coast\nBy Ann Lee\nMIAMI — Winds rose overnight.\n"
    result = runner.invoke(
        app, ["ingest", "-", "--format", "text", "--json"], input=text,
        env=_env(tmp_path, database_url),
    )  # fmt: skip
    story, _summary = _lines(result.output)
    assert story["headline"] == "Storm hits coast" and story["source"] == "<stdin>"


def test_ingest_a_url_served_on_loopback(
    tmp_path: Path, database_url: str, feed_server: FeedServer
) -> None:
    feed_server.routes["/wire.xml"] = Route(body=rss(rss_item(1), rss_item(2)))
    url = feed_server.url("/wire.xml")
    result = runner.invoke(app, ["ingest", url, "--json"], env=_env(tmp_path, database_url))
    lines = _lines(result.output)
    assert [line.get("source") for line in lines[:2]] == [url, url]
    assert lines[-1] == {"summary": {"new": 2, "updated": 0, "unchanged": 0, "failed": 0}}


def test_failed_source_prints_an_error_object_and_exits_1(
    tmp_path: Path, database_url: str, feed_server: FeedServer
) -> None:
    url = feed_server.url("/missing.xml")
    result = runner.invoke(app, ["ingest", url, "--json"], env=_env(tmp_path, database_url))
    assert result.exit_code == 1
    error, summary = _lines(result.output)
    assert error == {"error": "answered HTTP 404 Not Found", "source": url, "item": None}
    assert summary == {"summary": {"new": 0, "updated": 0, "unchanged": 0, "failed": 1}}


def test_feeds_add_list_and_poll(
    tmp_path: Path, database_url: str, feed_server: FeedServer
) -> None:
    feed_server.routes["/wire.xml"] = Route(body=rss(rss_item(1)))
    env = _env(tmp_path, database_url)
    url = feed_server.url("/wire.xml")
    added = runner.invoke(app, ["feeds", "add", url, "--interval", "60"], env=env)
    assert added.exit_code == 0 and "every 60s" in added.output
    assert "Polled 1 feed." in runner.invoke(app, ["feeds", "poll"], env=env).output
    listed = runner.invoke(app, ["feeds", "list"], env=env)
    assert url in listed.output and "last: ok" in listed.output
    again = runner.invoke(app, ["feeds", "add", url], env=env)
    assert again.exit_code == 1 and "already registered" in again.output
