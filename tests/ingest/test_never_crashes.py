"""Property: no parser crashes on arbitrary input; bad input is an IngestError or a failure."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.domain.errors import IngestError
from bulletin.domain.stories import ItemFailure, Story
from bulletin.ingest.feeds import parse_feed
from bulletin.ingest.html import parse_html
from bulletin.ingest.ninjs import parse_ninjs
from bulletin.ingest.text import parse_text

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "uri",
                    "headline",
                    "headlines",
                    "body_text",
                    "bodies",
                    "by",
                    "byline",
                    "associations",
                    "urgency",
                    "pubstatus",
                    "embargoed",
                    "type",
                    "value",
                    "renditions",
                    "subjects",
                    "versioncreated",
                    "located",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_scraped_text_parsing_never_crashes_on_arbitrary_text(text: str) -> None:
    try:
        story = parse_text(text, source="prop")
    except IngestError as exc:
        assert str(exc).startswith("prop: ")
    else:
        assert story.paragraphs and "<script" not in story.body_html


@settings(max_examples=150, deadline=None)
@given(st.text() | st.binary())
def test_feed_parsing_never_crashes_on_arbitrary_input(data: str | bytes) -> None:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        items = parse_feed(raw, source="prop")
    except IngestError:
        return
    assert all(isinstance(i, Story | ItemFailure) for i in items)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_ninjs_parsing_never_crashes_on_arbitrary_json(value: object) -> None:
    import json

    try:
        items = parse_ninjs(json.dumps(value), source="prop")
    except IngestError:
        return
    assert all(isinstance(i, Story | ItemFailure) for i in items)


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_html_parsing_never_crashes_on_arbitrary_text(text: str) -> None:
    try:
        story = parse_html(text, source="prop")
    except IngestError:
        return
    assert story.paragraphs


PAGE_PIECES = st.sampled_from(
    [
        "Breaking News Emails",
        "Breaking News",
        "Emails",
        "Get breaking news alerts and special reports.",
        "The news and stories that matter, delivered weekday mornings.",
        "SUBSCRIBE",
        "/",
        " / Updated ",
        "\u00a0/ Updated\u00a0",
        "/  / Updated",
        "Updated",
        "Aug. 30, 2017 / 7:36 PM ET",
        " date 2017-08-30 ",
        "By Ann Lee and The Associated Press",
        "by Bo Chen",
        "WASHINGTON —",
        "CHICAGO, Ill. (AP) \u2013",
        "Share this -",
        "Ann Lee contributed.",
        "Correction: an earlier version misspelled a name.",
        "It rained.",
        "Caption of a photo, 2017.Omar Sanadiki / Reuters",
    ]
)
SEPARATORS = st.sampled_from(["", " ", "  ", "\n", "\n\n", "\u00a0", "\t"])
pages = st.lists(st.tuples(PAGE_PIECES | st.text(max_size=12), SEPARATORS), max_size=24).map(
    lambda parts: "".join(piece + sep for piece, sep in parts)
)


@settings(max_examples=400, deadline=None)
@given(pages)
def test_scraped_pages_never_keep_the_newsletter_box_or_the_updated_stamp(text: str) -> None:
    try:
        story = parse_text(text, source="prop")
    except IngestError as exc:
        assert str(exc).startswith("prop: ")
        return
    for body in (*story.paragraphs, story.body_html, story.lead or ""):
        folded = " ".join(body.split()).casefold()
        assert "breaking news emails" not in folded
        assert "/ updated" not in folded
    assert story.paragraphs and "<script" not in story.body_html
