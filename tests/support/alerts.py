"""Driving the desk's alert flow over HTTP: the form, the review step and the Send."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.testclient import TestClient

from bulletin.domain.stories import Story
from bulletin.services.context import Context
from bulletin.services.stories import ingest as stories
from tests.support.web import csrf_from

ALERT = {
    "headline": "Markets tumble at the open",
    "summary": "Stocks fell sharply in early trading.",
    "url": "https://news.example.com/markets",
}
_REVIEW_TOKEN = re.compile(r'name="review_token" value="([^"]+)"')


def review(client: TestClient, **fields: str) -> Any:
    """Post the alert form to the review step (the confirmation page)."""
    token = csrf_from(client.get("/desk/alerts/new").text)
    return client.post("/desk/alerts/review", data={"csrf_token": token, **ALERT, **fields})


def review_token(page: str) -> str:
    match = _REVIEW_TOKEN.search(page)
    assert match, "the page has no review token"
    return match.group(1)


def send(client: TestClient, review_page: str) -> Any:
    """Press Send on a review page."""
    return client.post(
        "/desk/alerts",
        data={"csrf_token": csrf_from(review_page), "review_token": review_token(review_page)},
        follow_redirects=False,
    )


def fire(client: TestClient, **fields: str) -> Any:
    """Review then send; the response to the Send."""
    reviewed = review(client, **fields)
    assert reviewed.status_code == 200, reviewed.text
    return send(client, reviewed.text)


def campaign_id_of(response: Any) -> int:
    location = response.headers["location"]
    assert location.startswith("/desk/campaigns/"), location
    return int(location.rsplit("/", 1)[1])


def make_story(ctx: Context, **fields: Any) -> int:
    """A story stored through the ingest service (as a feed or `bulletin ingest` would)."""
    values: dict[str, Any] = {
        "source": "test",
        "source_id": f"urn:test:{uuid.uuid4().hex}",
        "headline": "Harbour fire forces evacuations",
        "summary": "A fire at the container terminal has spread. Residents are told to leave.",
        "paragraphs": ("A fire at the container terminal spread overnight.",),
        "url": f"https://news.example.com/harbour-fire-{uuid.uuid4().hex[:6]}",
        **fields,
    }
    (result,) = stories.store_items(ctx, [Story(**values)], index=stories.cluster_index(ctx))
    assert result.story is not None, result.failure
    return result.story.id
