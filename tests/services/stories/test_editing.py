"""Editors give a story its headline or a better summary; later ingests keep them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import Role
from bulletin.domain.stories import Outcome
from bulletin.services.context import Context
from bulletin.services.stories import editing
from bulletin.services.stories import ingest as stories
from bulletin.store.stories import versions as story_store
from tests.support.factories import make_editor
from tests.support.fixtures import SEED


def _seed_id(ctx: Context) -> int:
    (result,) = stories.ingest(ctx, str(SEED))
    assert result.story is not None
    return result.story.id


def test_headline_makes_the_story_usable_and_keeps_the_old_version(ctx: Context) -> None:
    story_id = _seed_id(ctx)
    editor = make_editor(ctx)
    updated = editing.set_headline(ctx, story_id, " Coalition  stops ISIS convoy ", actor=editor)
    assert updated.story.headline == "Coalition stops ISIS convoy"
    assert updated.story.needs_headline is False and updated.version == 2
    with ctx.db.transaction() as conn:
        history = story_store.versions(conn, story_id)
        stored = story_store.get(conn, story_id)
    assert [d["headline"] for _, d in history] == [None, "Coalition stops ISIS convoy"]
    assert stored is not None and stored.story.headline == "Coalition stops ISIS convoy"


def test_reingesting_the_headless_source_keeps_the_editors_headline(ctx: Context) -> None:
    story_id = _seed_id(ctx)
    editing.set_headline(ctx, story_id, "Coalition stops ISIS convoy", actor=None)
    (again,) = stories.ingest(ctx, str(SEED))
    assert again.outcome is Outcome.UNCHANGED
    assert again.story is not None and again.story.story.headline == "Coalition stops ISIS convoy"


def test_empty_overlong_or_unknown_is_refused(ctx: Context) -> None:
    story_id = _seed_id(ctx)
    with pytest.raises(InvalidInput, match="cannot be empty"):
        editing.set_headline(ctx, story_id, "   ", actor=None)
    with pytest.raises(InvalidInput, match="under 500 characters"):
        editing.set_headline(ctx, story_id, "x" * 501, actor=None)
    with pytest.raises(NotFound):
        editing.set_headline(ctx, story_id + 99, "Headline", actor=None)


def test_a_viewer_cannot_set_a_headline(ctx: Context) -> None:
    story_id = _seed_id(ctx)
    with pytest.raises(PermissionDenied):
        editing.set_headline(ctx, story_id, "Headline", actor=make_editor(ctx, role=Role.VIEWER))


def _wire(tmp_path: Path, body: str) -> str:
    path = tmp_path / "wire.json"
    path.write_text(
        json.dumps(
            {
                "uri": "urn:newsml:wire.example:harbour",
                "headline": "Harbour closed",
                "description_text": "The wire's summary.",
                "body_html": f"<p>{body}</p>",
            }
        )
    )
    return str(path)


def test_an_edited_summary_and_headline_outlive_later_ingests(ctx: Context, tmp_path: Path) -> None:
    (first,) = stories.ingest(ctx, _wire(tmp_path, "The harbour closed at noon."))
    assert first.story is not None
    story_id = first.story.id
    edited = editing.edit_story(
        ctx, story_id, headline="Storm shuts the harbour", summary="Our summary.", actor=None
    )
    assert edited.version == 2
    (same,) = stories.ingest(ctx, _wire(tmp_path, "The harbour closed at noon."))
    assert same.outcome is Outcome.UNCHANGED  # the source did not change; nothing reverts
    (newer,) = stories.ingest(ctx, _wire(tmp_path, "The harbour closed at noon; ferries wait."))
    assert newer.outcome is Outcome.UPDATED and newer.story is not None
    story = newer.story.story
    assert (story.headline, story.summary) == ("Storm shuts the harbour", "Our summary.")
    assert "ferries wait" in story.body_text and newer.story.version == 3


def test_editing_nothing_makes_no_version(ctx: Context) -> None:
    story_id = _seed_id(ctx)
    editing.set_headline(ctx, story_id, "Coalition stops ISIS convoy", actor=None)
    again = editing.edit_story(ctx, story_id, headline="Coalition stops ISIS convoy", actor=None)
    assert again.version == 2


def test_a_pasted_story_gets_its_link_and_keeps_it_on_reingest(ctx: Context) -> None:
    story_id = _seed_id(ctx)
    updated = editing.edit_story(
        ctx, story_id, headline="Convoy stopped", url=" https://news.example.com/a ", actor=None
    )
    assert updated.story.url == "https://news.example.com/a" and updated.version == 2
    unchanged = editing.edit_story(ctx, story_id, headline="Convoy stopped", url="", actor=None)
    assert unchanged.story.url == "https://news.example.com/a" and unchanged.version == 2
    with ctx.db.transaction() as conn:
        stored = story_store.get(conn, story_id)
    assert stored is not None and stored.story.url == "https://news.example.com/a"


@pytest.mark.parametrize("url", ["news.example.com/a", "javascript:alert(1)", "https://a b.c/"])
def test_a_link_that_is_not_a_web_address_is_refused(ctx: Context, url: str) -> None:
    story_id = _seed_id(ctx)
    with pytest.raises(InvalidInput, match="full web address"):
        editing.edit_story(ctx, story_id, headline="Convoy stopped", url=url, actor=None)
