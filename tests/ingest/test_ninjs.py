"""IPTC ninjs 1.x, 2.x and 3.x (the IPTC's own examples) become the same kind of story."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bulletin.domain.errors import IngestError
from bulletin.domain.stories import ItemFailure, PubStatus, Story
from bulletin.ingest.ninjs import parse_ninjs
from tests.support.fixtures import NINJS


def _one(path: str) -> Story:
    (story,) = parse_ninjs((NINJS / path).read_bytes(), source=path)
    assert isinstance(story, Story)
    return story


def test_ninjs_1_headline_byline_located_and_picture_association() -> None:
    story = _one("1.4/ninjsExComplex1.json")
    assert story.headline == "Captain of wrecked cruise ship on trial in Italy"
    assert story.byline_people == ("Paulo Santalucia", "Frances d'Emilio")
    assert story.dateline == "Grossetto, Italy"
    assert story.lead and story.lead.startswith("The trial of the captain")
    assert story.updated_at == datetime(2013, 7, 9, 10, 37, tzinfo=UTC)
    (image,) = story.images
    assert image.caption and image.caption.startswith("The Costa Concordia cruise ship lies")
    assert image.credit == "Paulo Santalucia"
    assert image.url and image.url.endswith("-big.jpg")
    assert len(story.paragraphs) == 4


def test_ninjs_2_headlines_by_bodies_urgency_and_array_associations() -> None:
    story = _one("2.1/tt_text_image_2.json")
    assert story.headline == "Militärövning i jätteformat hålls 2023"
    assert story.urgency == 3 and story.pubstatus is PubStatus.USABLE
    assert story.section == "Inrikes"
    assert story.lead and story.lead.startswith("Pandemin satte stopp")
    (image,) = story.images
    assert image.credit == "Karl Melander/TT"
    assert image.url and image.url.endswith("a001_NormalPreview.jpg")


def test_ninjs_2_by_line_in_german_splits_person_and_agency() -> None:
    story = _one("2.1/dpa_text.json")
    assert (story.byline_people, story.byline_agencies) == (("Christian Hollmann",), ("dpa",))
    assert story.source_id == "urn:newsml:dpa.com:20090101:190510-99-167362"


@pytest.mark.parametrize("name", ["dpa_text.json", "ntb_text.json"])
def test_ninjs_3_camel_case_reads_exactly_like_ninjs_2(name: str) -> None:
    two = _one(f"2.1/{name}")
    three = _one(f"3.0/{name}")
    assert three.content_hash() == two.content_hash()


def test_ninjs_3_tt_example_matches_its_2_1_twin() -> None:
    two, three = _one("2.1/tt_text_image_2.json"), _one("3.0/tt_text_image_3.json")
    assert (three.headline, three.images, three.paragraphs) == (
        two.headline,
        two.images,
        two.paragraphs,
    )


def test_embargo_withheld_and_flash_urgency_are_read() -> None:
    item = {"uri": "urn:x:1", "headline": "Flash", "body_text": "Text.", "urgency": 1,
            "pubStatus": "withheld", "embargoed": "2030-01-01T00:00:00Z"}  # fmt: skip
    (story,) = parse_ninjs(json.dumps(item), source="s")
    assert isinstance(story, Story)
    assert story.urgency == 1 and story.pubstatus is PubStatus.WITHHELD
    assert story.embargoed_until == datetime(2030, 1, 1, tzinfo=UTC)


def test_malformed_json_is_refused_with_line_and_column() -> None:
    with pytest.raises(IngestError, match=r"^bad\.json: not valid JSON at line 2, column"):
        parse_ninjs(b'{"headline": "x",\n oops}', source="bad.json")


def test_bad_items_fail_alone_naming_their_position_and_uri() -> None:
    items = [{"uri": "urn:ok", "headline": "Fine", "body_text": "Body."},
             {"uri": "urn:pic", "type": "picture"}, {"uri": "urn:empty"}, "text",
             {"uri": "urn:shape", "headlines": "not a list", "bodies": 5}]  # fmt: skip
    results = parse_ninjs(json.dumps(items), source="batch.json")
    assert isinstance(results[0], Story)
    failures = [(r.item, r.error) for r in results[1:] if isinstance(r, ItemFailure)]
    assert failures[0] == ("item 2 (urn:pic)", "is a picture item, not a story")
    assert failures[1] == ("item 3 (urn:empty)", "has neither a headline nor a body")
    assert failures[2] == ("item 4", "is not a JSON object")
    assert failures[3][0] == "item 5 (urn:shape)"


def test_json_in_latin1_is_refused_naming_the_encoding_problem() -> None:
    data = json.dumps({"headline": "Café"}, ensure_ascii=False).encode("latin-1")
    with pytest.raises(IngestError, match=r"^l1\.json: JSON is not UTF-8, UTF-16 or UTF-32"):
        parse_ninjs(data, source="l1.json")


def test_a_list_of_items_or_an_items_object_are_both_read() -> None:
    item = {"uri": "urn:x:1", "headline": "One", "body_text": "Text."}
    assert len(parse_ninjs(json.dumps([item, item]), source="s")) == 2
    assert len(parse_ninjs(json.dumps({"items": [item]}), source="s")) == 1


@pytest.mark.parametrize("depth", [65, 2_000, 200_000])
def test_ninjs_nested_past_any_real_document_is_a_clear_error(depth: int) -> None:
    nested = '{"headline": "x", "extra": ' + "[" * depth + "]" * depth + "}"

    with pytest.raises(IngestError, match="nests arrays and objects more than 64 deep"):
        parse_ninjs(nested, source="deep.json")


def test_a_number_of_thousands_of_digits_is_a_clear_error() -> None:
    document = '{"headline": "x", "urgency": ' + "9" * 5_000 + "}"

    with pytest.raises(IngestError, match="has a number of 5,000 digits; at most 100 are read"):
        parse_ninjs(document, source="big.json")
