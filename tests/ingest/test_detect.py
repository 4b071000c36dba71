"""`--format auto`: the content decides; name and Content-Type only break ties."""

from __future__ import annotations

import pytest

from bulletin.domain.stories import Format
from bulletin.ingest.detect import detect_format
from tests.support.feeds import atom, atom_entry, rss, rss_item


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (rss(rss_item(1)), "x.bin", Format.RSS),
        (atom(atom_entry(1)), "x.xml", Format.ATOM),
        (b'\xef\xbb\xbf  {"uri": "urn:x"}', "x.txt", Format.NINJS),
        (b"[]", "", Format.NINJS),
        (b"<!DOCTYPE html><html><body>x</body></html>", "x.xml", Format.HTML),
        (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="x"></rdf:RDF>', "", Format.RSS),
        (b"By Ann Lee\n\nPARIS -- It rained.", "a.txt", Format.TEXT),
        (b"Plain words", "page.html", Format.HTML),
    ],
)
def test_format_detection(data: bytes, name: str, expected: Format) -> None:
    assert detect_format(data, name=name) is expected


def test_unrecognisable_markup_served_as_xml_is_treated_as_a_feed() -> None:
    assert detect_format(b"<<<broken", content_type="application/rss+xml") is Format.RSS
    assert detect_format(b"<<<broken", content_type="text/plain") is Format.HTML


def test_content_type_breaks_a_tie_for_text_content() -> None:
    assert detect_format(b"plain", content_type="application/json; charset=utf-8") is Format.NINJS
