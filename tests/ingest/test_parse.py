"""One entry point for every format: encodings, empty and oversize documents."""

from __future__ import annotations

import pytest

from bulletin.domain.errors import IngestError
from bulletin.domain.stories import Format, Story
from bulletin.ingest.parse import MAX_DOCUMENT_BYTES, decode_text, parse_document
from tests.support.fixtures import SEED


def test_scraped_text_in_windows_1252_is_decoded() -> None:
    text = "By Zoë Müller\n\nZÜRICH — Café owners say prices rose “sharply” this week."
    (story,) = parse_document(text.encode("cp1252"), source="legacy.txt", fmt=Format.TEXT)
    assert isinstance(story, Story)
    assert story.byline_people == ("Zoë Müller",)
    assert story.lead == "Café owners say prices rose “sharply” this week."


def test_utf8_with_a_byte_order_mark_loses_the_mark() -> None:
    assert decode_text("By Ann Lee".encode("utf-8-sig"), source="s") == "By Ann Lee"


def test_utf16_text_is_decoded() -> None:
    data = "By Ann Lee\n\nPARIS — Rain fell on the city all night long.".encode("utf-16")
    assert decode_text(data, source="s").startswith("By Ann Lee")


def test_an_empty_document_is_refused_naming_the_source() -> None:
    with pytest.raises(IngestError, match=r"^blank\.txt: is empty$"):
        parse_document(b" \n\t\n", source="blank.txt")


def test_a_document_over_the_limit_is_refused_before_parsing() -> None:
    data = b"x" * (MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(IngestError, match=r"^big\.txt: is 33,554,433 bytes; the limit is"):
        parse_document(data, source="big.txt")


def test_auto_format_routes_the_seed_to_the_text_parser() -> None:
    (story,) = parse_document(SEED.read_bytes(), source="seed", name=SEED.name)
    assert isinstance(story, Story) and story.dateline == "WASHINGTON"
