"""/api/v1/stories: write stories, ingest documents and URLs, and read them back by key."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.store.tables import audit_log, stories
from tests.support.api import key_headers
from tests.support.http_feeds import FeedServer, Route

STORY = {
    "headline": "Dam breach floods the lower valley",
    "summary": "Water is rising in three villages.",
    "body": "VALLEY TOWN — Water is rising in three villages.\n\nResidents <b>must</b> leave.",
    "url": "https://news.example.com/dam",
    "section": "Nation",
    "topics": ["Weather", " floods "],
    "byline": ["Ann Lee"],
    "urgency": 2,
    "source_id": "cms-1001",
}
RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><guid>w-1</guid><title>Court rules on map</title><link>https://w.example/1</link>
<description>The ruling came late.</description></item>
<item><guid>w-2</guid><title>Storm nears coast</title><link>https://w.example/2</link>
<description>Winds are rising.</description></item>
</channel></rss>"""


def _stored(ctx: Context) -> int:
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(stories)).scalar_one())


def _actions(ctx: Context) -> list[str]:
    with ctx.db.transaction() as conn:
        return [r.action for r in conn.execute(select(audit_log.c.action))]


def test_an_editor_key_writes_a_story_and_reads_it_back(client: TestClient, ctx: Context) -> None:
    editor = key_headers(ctx, Role.EDITOR)
    made = client.post("/api/v1/stories", json=STORY, headers=editor)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["outcome"] == "new" and body["headline"] == STORY["headline"]
    assert body["lead"].startswith("VALLEY TOWN")
    assert body["topics"] == ["weather", "floods"] and body["byline_people"] == ["Ann Lee"]
    # Text is text: the markup a caller sends is escaped, never taken as HTML.
    assert "&lt;b&gt;must&lt;/b&gt;" in body["body_html"] and "<b>" not in body["body_html"]
    read = client.get(f"/api/v1/stories/{body['id']}", headers=key_headers(ctx, Role.VIEWER)).json()
    assert read["urgency"] == 2 and read["versions"] == 1 and read["cluster"] == []
    assert "story.write" in _actions(ctx)


def test_the_same_source_id_again_updates_the_story(client: TestClient, ctx: Context) -> None:
    editor = key_headers(ctx, Role.EDITOR)
    first = client.post("/api/v1/stories", json=STORY, headers=editor).json()
    again = client.post("/api/v1/stories", json=STORY, headers=editor)
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
    changed = client.post(
        "/api/v1/stories",
        json={**STORY, "headline": "Dam breach: 3 villages flooded"},
        headers=editor,
    )
    assert changed.status_code == 200 and changed.json()["outcome"] == "updated"
    assert changed.json()["id"] == first["id"] and _stored(ctx) == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"headline": "  "}, "needs a headline"),
        ({"headline": "Two\r\nlines"}, "line break"),
        ({"body": "\n\n"}, "text in its body"),
        ({"urgency": 12}, "Urgency runs from 1"),
        ({"url": "javascript:alert(1)"}, "http"),
    ],
)
def test_a_story_that_cannot_be_stored_is_refused_with_the_reason(
    client: TestClient, ctx: Context, change: dict[str, object], reason: str
) -> None:
    refused = client.post(
        "/api/v1/stories", json={**STORY, **change}, headers=key_headers(ctx, Role.EDITOR)
    )
    assert refused.status_code == 422 and reason in refused.json()["detail"], refused.text
    assert _stored(ctx) == 0


def test_a_document_is_ingested_item_by_item(client: TestClient, ctx: Context) -> None:
    done = client.post(
        "/api/v1/stories/ingest", json={"content": RSS}, headers=key_headers(ctx, Role.EDITOR)
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert [i["headline"] for i in body["items"]] == ["Court rules on map", "Storm nears coast"]
    assert body["summary"]["new"] == 2 and body["summary"]["failed"] == 0
    listed = client.get("/api/v1/stories?q=storm", headers=key_headers(ctx, Role.VIEWER)).json()
    assert [s["headline"] for s in listed["items"]] == ["Storm nears coast"]
    assert listed["next_before"] is None


def test_a_url_is_fetched_and_a_failing_one_reported_precisely(
    client: TestClient, ctx: Context, feed_server: FeedServer
) -> None:
    item = {"uri": "urn:x:1", "headline": "Bridge reopens", "body_text": "It reopened."}
    feed_server.routes["/story.json"] = Route(
        body=json.dumps(item).encode(), content_type="application/json"
    )
    editor = key_headers(ctx, Role.EDITOR)
    fetched = client.post(
        "/api/v1/stories/ingest", json={"url": feed_server.url("/story.json")}, headers=editor
    ).json()
    assert fetched["summary"]["new"] == 1 and fetched["items"][0]["headline"] == "Bridge reopens"
    missing = feed_server.url("/gone.json")
    failed = client.post("/api/v1/stories/ingest", json={"url": missing}, headers=editor).json()
    assert failed["summary"]["failed"] == 1 and "404" in failed["items"][0]["error"]
    assert _stored(ctx) == 1


def test_ingest_needs_exactly_one_of_url_and_content(client: TestClient, ctx: Context) -> None:
    editor = key_headers(ctx, Role.EDITOR)
    both = client.post(
        "/api/v1/stories/ingest", json={"url": "https://a.example/", "content": RSS}, headers=editor
    )
    neither = client.post("/api/v1/stories/ingest", json={}, headers=editor)
    assert both.status_code == neither.status_code == 422


def test_a_viewer_key_reads_stories_but_cannot_write_or_ingest(
    client: TestClient, ctx: Context
) -> None:
    viewer = key_headers(ctx, Role.VIEWER)
    assert client.post("/api/v1/stories", json=STORY, headers=viewer).status_code == 403
    ingest = client.post("/api/v1/stories/ingest", json={"content": RSS}, headers=viewer)
    assert ingest.status_code == 403 and _stored(ctx) == 0
    assert client.get("/api/v1/stories", headers=viewer).json()["items"] == []
    assert client.get("/api/v1/stories/12345", headers=viewer).status_code == 404
