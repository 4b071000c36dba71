"""The desk's story pages over HTTP: list, search, read, edit, bring in; who may do what."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.stories import editing
from bulletin.services.stories import ingest as stories
from bulletin.store import audit
from bulletin.store.stories import search as story_search
from bulletin.store.stories import versions as story_store
from bulletin.store.stories.search import StoryFilter
from bulletin.store.tables import stories as stories_table
from tests.support.fixtures import SEED
from tests.support.http_feeds import FeedServer, Route
from tests.support.web import csrf_from, signed_in_as


def _ninjs(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "uri": f"urn:newsml:wire.example:story-{n}",
        "headline": f"Wire story number {n}",
        "body_html": f"<p>Body of story {n}, about the harbour.</p>",
        **fields,
    }


def _ingest(ctx: Context, tmp_path: Path, *items: dict[str, Any], name: str = "wire") -> list[int]:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(list(items)))
    results = list(stories.ingest(ctx, str(path)))
    assert all(r.story is not None for r in results), [str(r.failure) for r in results]
    return [r.story.id for r in results if r.story is not None]


def _story_count(ctx: Context) -> int:
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(stories_table)).scalar_one())


def test_the_list_shows_stories_newest_first_and_pages_back(
    client: TestClient, ctx: Context, tmp_path: Path
) -> None:
    _ingest(ctx, tmp_path, *[_ninjs(n) for n in range(30)])
    page = signed_in_as(client, ctx, Role.VIEWER).get("/desk/stories")
    assert page.status_code == 200
    headlines = re.findall(r"Wire story number (\d+)<", page.text)
    assert headlines == [str(n) for n in range(29, 4, -1)]  # 25 newest, newest first
    older = re.search(r'rel="next" href="([^"]+)"', page.text)
    assert older
    second = client.get(older.group(1).replace("&amp;", "&"))
    assert re.findall(r"Wire story number (\d+)<", second.text) == ["4", "3", "2", "1", "0"]
    assert 'rel="next"' not in second.text


def test_search_finds_headline_and_body_text_and_filters(
    client: TestClient, ctx: Context, tmp_path: Path
) -> None:
    _ingest(
        ctx,
        tmp_path,
        _ninjs(1, headline="Earthquake strikes the capital", genres=[{"name": "World"}]),
        _ninjs(2, headline="Council votes on budget", body_html="<p>After the EARTHQUAKE, …</p>"),
        _ninjs(3, headline="Football final tonight", genres=[{"name": "Sport"}]),
        _ninjs(4, headline=""),  # a story that still needs its headline
    )
    viewer = signed_in_as(client, ctx, Role.VIEWER)
    found = viewer.get("/desk/stories", params={"q": "earthquake"}).text
    assert "Earthquake strikes the capital" in found and "Council votes on budget" in found
    assert "Football final" not in found
    sport = viewer.get("/desk/stories", params={"section": "Sport"}).text
    assert "Football final tonight" in sport and "Earthquake strikes" not in sport
    headless = viewer.get("/desk/stories", params={"needs_headline": "yes"}).text
    assert '<span class="tag">needs a headline</span>' in headless
    assert "Football final" not in headless
    assert "(needs a headline)</a>" not in headless  # said once, by the tag
    wildcard = viewer.get("/desk/stories", params={"q": "100%_"}).text
    assert "No stories match" in wildcard  # % and _ are searched for, not wildcards


def test_a_story_page_shows_byline_images_cluster_and_sanitised_body(
    client: TestClient, ctx: Context, tmp_path: Path
) -> None:
    text = "Rescue teams reached the flooded valley on Monday after three days of heavy rain."
    [first] = _ingest(
        ctx,
        tmp_path,
        _ninjs(
            1,
            headline="Floods cut off valley",
            description_text="Thousands are stranded.",
            byline="By Jane Doe and The Associated Press",
            located="GENEVA",
            body_html=f"<p>{text}</p><script>alert(1)</script><p onclick='x()'>More.</p>",
            associations={
                "pic": {
                    "type": "picture",
                    "description_text": "The valley from the air.",
                    "byline": "Omar Sanadiki / Reuters",
                    "renditions": {"web": {"href": "https://img.example/v.jpg", "width": 800}},
                }
            },
        ),
        name="one",
    )
    [second] = _ingest(
        ctx, tmp_path, _ninjs(99, headline="Valley cut off by floods", body_html=f"<p>{text}</p>")
    )
    editing.set_headline(ctx, first, "Floods cut off <b>valley</b>", actor=None)
    page = signed_in_as(client, ctx, Role.VIEWER).get(f"/desk/stories/{first}").text
    assert "Floods cut off &lt;b&gt;valley&lt;/b&gt;" in page  # autoescaped
    assert "Thousands are stranded." in page and "Jane Doe" in page and "Associated Press" in page
    assert "GENEVA" in page
    assert "<script>" not in page.split("<article")[1] and "onclick" not in page
    assert f"<p>{text}</p>" in page  # sanitised HTML is rendered as HTML
    assert "The valley from the air." in page and "Credit: Omar Sanadiki / Reuters" in page
    assert f'href="/desk/stories/{second}"' in page  # its near-duplicate
    assert 'id="edit-story"' not in page and "Fire alert" not in page  # a viewer only reads


def test_an_editor_edits_headline_and_summary_keeping_the_old_version(
    client: TestClient, ctx: Context, tmp_path: Path
) -> None:
    [story_id] = _ingest(ctx, tmp_path, _ninjs(1, headline=""))
    editor = signed_in_as(client, ctx, Role.EDITOR)
    page = editor.get(f"/desk/stories/{story_id}").text
    assert "Fire alert from this story" not in page  # no headline yet
    saved = editor.post(
        f"/desk/stories/{story_id}/edit",
        data={
            "csrf_token": csrf_from(page),
            "headline": "Harbour reopens after storm",
            "summary": "Ships return.",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    shown = editor.get(saved.headers["location"]).text
    assert "Saved as version 2" in shown and "Ships return." in shown
    assert f'href="/desk/alerts/new?story={story_id}"' in shown
    with ctx.db.transaction() as conn:
        stored = story_store.get(conn, story_id)
        assert stored is not None and not stored.story.needs_headline
        assert [v for v, _ in story_store.versions(conn, story_id)] == [1, 2]
        assert story_store.versions(conn, story_id)[0][1]["headline"] is None
        entry = audit.recent(conn, 1)[0]
    assert entry["action"] == "story.edit" and entry["target_id"] == str(story_id)
    assert entry["detail"]["headline"] == "Harbour reopens after storm"
    history = re.search(r'<table id="versions">.*?</table>', shown, re.S)
    assert history and "Harbour reopens after storm" in history.group(0)


def test_an_empty_headline_is_refused_and_an_unchanged_one_makes_no_version(
    client: TestClient, ctx: Context, tmp_path: Path
) -> None:
    [story_id] = _ingest(ctx, tmp_path, _ninjs(1))
    editor = signed_in_as(client, ctx, Role.EDITOR)
    token = csrf_from(editor.get(f"/desk/stories/{story_id}").text)
    refused = editor.post(
        f"/desk/stories/{story_id}/edit",
        data={"csrf_token": token, "headline": "  ", "summary": "x"},
    )
    assert refused.status_code == 422 and "A headline cannot be empty." in refused.text
    same = editor.post(
        f"/desk/stories/{story_id}/edit",
        data={"csrf_token": token, "headline": "Wire story number 1", "summary": ""},
    )
    assert "Nothing changed, so no new version was made." in same.text
    assert "Nothing changed" not in editor.get(f"/desk/stories/{story_id}").text  # said once
    with ctx.db.transaction() as conn:
        assert [v for v, _ in story_store.versions(conn, story_id)] == [1]


def test_viewers_cannot_edit_or_ingest_and_forms_need_csrf(
    client: TestClient, ctx: Context, tmp_path: Path
) -> None:
    [story_id] = _ingest(ctx, tmp_path, _ninjs(1))
    viewer = signed_in_as(client, ctx, Role.VIEWER)
    token = csrf_from(viewer.get("/desk/stories").text)
    assert "Bring in a story" not in viewer.get("/desk/stories").text
    edit = {"csrf_token": token, "headline": "Changed", "summary": ""}
    assert viewer.post(f"/desk/stories/{story_id}/edit", data=edit).status_code == 403
    paste = {"csrf_token": token, "mode": "text", "text": "Some text.", "format": "auto"}
    assert viewer.post("/desk/stories/ingest", data=paste).status_code == 403
    client.cookies.clear()
    editor = signed_in_as(client, ctx, Role.EDITOR)
    editor.get("/desk/stories")
    no_token = {"headline": "Changed", "summary": ""}
    assert editor.post(f"/desk/stories/{story_id}/edit", data=no_token).status_code == 403
    wrong = {**no_token, "csrf_token": "forged"}
    assert editor.post(f"/desk/stories/{story_id}/edit", data=wrong).status_code == 403
    with ctx.db.transaction() as conn:
        stored = story_store.get(conn, story_id)
    assert stored is not None and stored.story.headline == "Wire story number 1"


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/desk/stories", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/desk/login?next=%2Fdesk%2Fstories"


def test_pasting_a_story_stores_it_and_a_bad_paste_stores_nothing(
    client: TestClient, ctx: Context
) -> None:
    editor = signed_in_as(client, ctx, Role.EDITOR)
    token = csrf_from(editor.get("/desk/stories").text)
    article = (
        "Storm closes the harbour\n\nBy Ann Writer\n\n"
        "PORTSMOUTH — The harbour was closed on Tuesday as the storm arrived.\n\n"
        "Ferries stayed in port.\n"
    )
    stored = editor.post(
        "/desk/stories/ingest",
        data={"csrf_token": token, "mode": "text", "text": article, "format": "text"},
    )
    assert stored.status_code == 200, stored.text
    assert "Storm closes the harbour" in stored.text and ">new<" in stored.text
    assert _story_count(ctx) == 1
    broken = editor.post(
        "/desk/stories/ingest",
        data={"csrf_token": token, "mode": "text", "text": '{"uri": "x", ', "format": "ninjs"},
    )
    assert broken.status_code == 422
    assert "Not stored: pasted on the desk by" in broken.text and "JSON" in broken.text
    assert _story_count(ctx) == 1
    empty = editor.post(
        "/desk/stories/ingest", data={"csrf_token": token, "mode": "text", "text": " "}
    )
    assert empty.status_code == 422 and "Paste the story" in empty.text


def test_ingesting_a_url_fetches_it_and_reports_a_failure_precisely(
    client: TestClient, ctx: Context, feed_server: FeedServer
) -> None:
    feed_server.routes["/story.json"] = Route(
        body=json.dumps(_ninjs(7, headline="Bridge reopens")).encode(),
        content_type="application/json",
    )
    editor = signed_in_as(client, ctx, Role.EDITOR)
    token = csrf_from(editor.get("/desk/stories").text)
    url = feed_server.url("/story.json")
    fetched = editor.post(
        "/desk/stories/ingest",
        data={"csrf_token": token, "mode": "url", "url": url, "format": "auto"},
    )
    assert fetched.status_code == 200 and "Bridge reopens" in fetched.text
    missing = feed_server.url("/gone.json")
    failed = editor.post(
        "/desk/stories/ingest",
        data={"csrf_token": token, "mode": "url", "url": missing, "format": "auto"},
    )
    assert failed.status_code == 422
    assert f"Not stored: {missing}: answered HTTP 404" in failed.text
    local = editor.post(
        "/desk/stories/ingest",
        data={"csrf_token": token, "mode": "url", "url": "/etc/passwd", "format": "auto"},
    )
    assert local.status_code == 422 and "starting with http:// or https://" in local.text
    assert _story_count(ctx) == 1
    with ctx.db.transaction() as conn:
        assert audit.recent(conn, 1)[0]["action"] == "story.ingest"


def test_an_unknown_story_is_a_404(client: TestClient, ctx: Context) -> None:
    assert signed_in_as(client, ctx, Role.VIEWER).get("/desk/stories/999").status_code == 404


def _report_cells(html: str, story_id: int) -> dict[str, str]:
    row = re.search(rf'<tr data-story="{story_id}">(.*?)</tr>', html, re.S)
    assert row, f"no report row for story {story_id}"
    return dict(re.findall(r'data-field="(\w+)" data-found="(yes|no)"', row.group(1)))


def test_a_paste_redirects_to_a_report_of_the_fields_found_and_a_reload_stores_nothing(
    client: TestClient, ctx: Context
) -> None:
    editor = signed_in_as(client, ctx, Role.EDITOR)
    token = csrf_from(editor.get("/desk/stories").text)
    posted = editor.post(
        "/desk/stories/ingest",
        data={"csrf_token": token, "mode": "text", "text": SEED.read_text(), "format": "auto"},
        follow_redirects=False,
    )
    assert posted.status_code == 303
    location = posted.headers["location"]
    assert re.fullmatch(r"/desk/stories/ingested/[\w.\-]+", location)
    shown = editor.get(location)
    assert shown.status_code == 200
    assert "1 story in: 1 new." in shown.text  # the flash, once
    with ctx.db.transaction() as conn:
        [story_id] = [s.id for s in story_search.search(conn, StoryFilter(), before=None, limit=5)]
    assert _report_cells(shown.text, story_id) == {
        "headline": "no",
        "summary": "no",
        "link": "no",
        "byline": "yes",
        "dateline": "yes",
        "time": "no",
        "image": "yes",
        "body": "yes",
    }
    assert f'href="/desk/stories/{story_id}#edit-story">Edit this story</a>' in shown.text
    assert "(headline, dek or summary, link, time)" in shown.text
    again = editor.get(location)
    assert again.status_code == 200 and "1 story in" not in again.text  # flashed once only
    assert f'<tr data-story="{story_id}">' in again.text
    assert _story_count(ctx) == 1


def test_the_report_is_computed_afresh_so_an_edit_shows_at_once(
    client: TestClient, ctx: Context
) -> None:
    editor = signed_in_as(client, ctx, Role.EDITOR)
    token = csrf_from(editor.get("/desk/stories").text)
    article = "By Ann Writer\n\nPORTSMOUTH — The harbour closed.\n"
    shown = editor.post(
        "/desk/stories/ingest",
        data={"csrf_token": token, "mode": "text", "text": article, "format": "text"},
    )
    story_id = int(re.findall(r'<tr data-story="(\d+)">', shown.text)[0])
    assert _report_cells(shown.text, story_id)["headline"] == "no"
    editing.set_headline(ctx, story_id, "Harbour closes", actor=None)
    again = editor.get(str(shown.url))
    assert _report_cells(again.text, story_id)["headline"] == "yes"
    assert "Harbour closes</a>" in again.text


def test_a_feed_with_a_bad_item_reports_the_stored_ones_and_flashes_the_failure(
    client: TestClient, ctx: Context
) -> None:
    editor = signed_in_as(client, ctx, Role.EDITOR)
    token = csrf_from(editor.get("/desk/stories").text)
    items: list[object] = [
        _ninjs(1, headline="Bridge reopens", description_text="After repairs.", byline="By Kim"),
        7,  # not a ninjs item at all
        _ninjs(2, headline="Tunnel shut", located="DOVER", versioncreated="2026-11-25T10:00:00Z"),
    ]
    shown = editor.post(
        "/desk/stories/ingest",
        data={"csrf_token": token, "mode": "text", "text": json.dumps(items), "format": "ninjs"},
    )
    assert shown.status_code == 200
    ids = [int(i) for i in re.findall(r'<tr data-story="(\d+)">', shown.text)]
    failures = re.findall(r'role="alert">Not stored: ([^<]+)</p>', shown.text)
    assert len(failures) == 1
    assert re.fullmatch(r"pasted on the desk by \S+@\S+, item 2: is not a JSON object", failures[0])
    assert "2 stories in: 2 new, 1 failed." in shown.text
    assert "1 not stored" in shown.text
    assert len(ids) == _story_count(ctx) == 2
    bridge, tunnel = _report_cells(shown.text, ids[0]), _report_cells(shown.text, ids[-1])
    assert bridge["summary"] == "yes" and bridge["dateline"] == "no"
    assert tunnel["dateline"] == "yes" and tunnel["time"] == "yes" and tunnel["summary"] == "no"


def test_a_file_upload_is_ingested_and_reported(client: TestClient, ctx: Context) -> None:
    editor = signed_in_as(client, ctx, Role.EDITOR)
    page = editor.get("/desk/stories").text
    assert 'enctype="multipart/form-data"' in page
    document = json.dumps(_ninjs(5, headline="Ferry returns"))
    shown = editor.post(
        "/desk/stories/ingest",
        data={"csrf_token": csrf_from(page), "mode": "file", "format": "auto"},
        files={"file": ("wire.json", document.encode(), "application/json")},
    )
    assert shown.status_code == 200 and "/desk/stories/ingested/" in str(shown.url)
    assert "Ferry returns</a>" in shown.text
    missing = editor.post(
        "/desk/stories/ingest",
        data={"csrf_token": csrf_from(page), "mode": "file", "format": "auto"},
    )
    assert missing.status_code == 422 and "Choose a file to upload first." in missing.text
    assert _story_count(ctx) == 1


def test_a_forged_or_mangled_report_address_is_a_404(client: TestClient, ctx: Context) -> None:
    editor = signed_in_as(client, ctx, Role.EDITOR)
    assert editor.get("/desk/stories/ingested/not-a-token").status_code == 404
    token = csrf_from(editor.get("/desk/stories").text)
    shown = editor.post(
        "/desk/stories/ingest",
        data={"csrf_token": token, "mode": "text", "text": "PARIS — It rained.", "format": "text"},
    )
    address = str(shown.url)
    assert editor.get(address[:-3]).status_code == 404
    assert editor.get(address + "x" * 9000).status_code == 404
    client.cookies.clear()
    assert client.get(address, follow_redirects=False).status_code == 303  # signed in only


def test_the_format_menu_says_what_each_format_is_and_that_auto_is_the_default(
    client: TestClient, ctx: Context
) -> None:
    page = signed_in_as(client, ctx, Role.EDITOR).get("/desk/stories").text
    menu = re.search(r'<select id="text-format" name="format"[^>]*>(.*?)</select>', page, re.S)
    assert menu
    options = re.findall(r'<option value="(\w+)">([^<]+)</option>', menu.group(1))
    assert [value for value, _ in options] == ["auto", "text", "rss", "atom", "ninjs", "html"]
    assert options[0][1].startswith("auto-detect (default)")
    assert "IPTC" in dict(options)["ninjs"] and "feed" in dict(options)["atom"]
    assert "web page" in dict(options)["html"]
