"""Article pages: main text by trafilatura, metadata from JSON-LD and OpenGraph."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bulletin.domain.errors import IngestError
from bulletin.ingest.html import parse_html
from tests.support.fixtures import FIXTURES

PAGE = FIXTURES / "html" / "article.html"


def test_json_ld_news_article_gives_headline_authors_times_and_section() -> None:
    story = parse_html(PAGE.read_bytes(), source="article.html")
    assert story.headline == "Quake hits city"  # JSON-LD wins over og:title
    assert story.byline_people == ("Jane Roe",)
    assert story.byline_agencies == ("Reuters",)
    assert story.published_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert story.updated_at == datetime(2024, 1, 2, 4, 0, tzinfo=UTC)
    assert story.section == "World"
    assert story.topics == ("quake", "disaster")
    assert story.url == "https://news.example.com/quake"
    assert story.summary == "A strong earthquake struck."


def test_main_text_without_navigation_footer_title_or_scripts() -> None:
    story = parse_html(PAGE.read_bytes(), source="article.html")
    assert story.dateline == "TOKYO"
    assert story.lead and story.lead.startswith("A strong earthquake struck the city")
    assert len(story.paragraphs) == 3
    for junk in ("Home | World", "Copyright 2024", "alert(1)", "onclick", "<h1"):
        assert junk not in story.body_html
    assert "Sign up" not in story.body_text


def test_image_from_json_ld_keeps_caption_and_credit() -> None:
    story = parse_html(PAGE.read_bytes(), source="article.html")
    assert [(i.url, i.caption, i.credit) for i in story.images] == [
        ("https://ex.com/b.jpg", "Rescue workers.", "Jo Bloggs / AP")
    ]


def test_opengraph_alone_is_enough_for_metadata() -> None:
    page = (
        '<html><head><meta property="og:title" content="Dam bursts">'
        '<meta property="og:url" content="https://n.example.com/dam">'
        '<meta property="article:published_time" content="2024-05-01T10:00:00+02:00">'
        "</head><body><article><p>VALENCIA, Spain — Water poured through the town late on "
        "Monday, residents said, as the old dam gave way.</p><p>Crews were on the scene within "
        "the hour, the regional government said in a statement.</p></article></body></html>"
    )
    story = parse_html(page, source="p")
    assert story.headline == "Dam bursts"
    assert story.url == "https://n.example.com/dam"
    assert story.published_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert story.dateline == "VALENCIA, Spain"


def test_a_page_without_article_text_is_refused_naming_the_source() -> None:
    with pytest.raises(IngestError, match=r"^empty\.html: no article text"):
        parse_html(b"<html><body><nav>Home</nav></body></html>", source="empty.html")
