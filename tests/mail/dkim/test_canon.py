"""Relaxed canonicalisation, and why a campaign's template may be canonicalised once."""

from __future__ import annotations

import string

from hypothesis import example, given
from hypothesis import strategies as st

from bulletin.mail.dkim.canon import header_fields, relaxed_body, relaxed_header
from bulletin.mail.skeleton import SkeletonSlots

# RFC 6376 3.4.5's example, relaxed.
RFC_HEADERS = b"A: X\r\nB : Y\t\r\n\tZ  \r\n"
RFC_BODY = b" C \r\nD \t E\r\n\r\n\r\n"


def test_the_rfc_example_canonicalises_as_the_rfc_says() -> None:
    fields = header_fields(RFC_HEADERS)
    assert [name for name, _ in fields] == [b"a", b"b"]
    assert [relaxed_header(raw) for _, raw in fields] == [b"a:X\r\n", b"b:Y Z\r\n"]
    assert relaxed_body(RFC_BODY) == b" C\r\nD E\r\n"


def test_a_body_of_nothing_but_blank_lines_canonicalises_to_nothing() -> None:
    assert relaxed_body(b"\r\n \r\n\t\r\n") == b""


def test_a_body_without_a_final_line_break_gets_one() -> None:
    assert relaxed_body(b"last line  ") == b"last line\r\n"


# Text as the builder writes it: words, runs of spaces and tabs, CRLF line ends,
# and the template's own "%" signs (the filler must escape them).
_WORDS = st.text(string.ascii_letters + string.digits + "<>=%;:.,/\"'-", min_size=0, max_size=12)
_GAPS = st.sampled_from(["", " ", "  ", "\t", " \t ", "\r\n", "\r\n ", "\r\n\r\n", " \r\n"])
# Slot values hold no whitespace and no line breaks, and are never empty.
_VALUES = st.text(string.ascii_letters + string.digits + "@.+-_~%=", min_size=1, max_size=80)
SLOT_NAMES = ["bltnslotto@slot.bulletin.invalid", "BLTNSLOTTOKENx9q", "bltnslottagx9q"]
SLOTS = SkeletonSlots()


@st.composite
def templates(draw: st.DrawFn) -> bytes:
    pieces = draw(st.lists(st.tuples(_WORDS, _GAPS, st.sampled_from([None, *SLOT_NAMES]))))
    return "".join(w + g + (s or "") for w, g, s in pieces).encode()


@given(templates(), st.lists(_VALUES, min_size=3, max_size=3))
@example(b"a  bltnslottagx9q  \r\n\r\n", ["x", "y", "z"])
@example(b"%% BLTNSLOTTOKENx9q %b\r\n", ["%s", "b", "c"])
def test_canonicalising_the_template_then_filling_equals_canonicalising_the_filled_body(
    template: bytes, values: list[str]
) -> None:
    filled_values, filled = _filled(template, values)
    canonical = relaxed_body(template)
    cut = SLOTS.first(canonical)
    assert canonical[:cut] + SLOTS.filler(canonical[cut:])(filled_values) == relaxed_body(filled)


@given(templates(), st.lists(_VALUES, min_size=3, max_size=3))
def test_the_same_holds_for_a_header_field(template: bytes, values: list[str]) -> None:
    field = b"Subject: " + template.replace(b"\r\n", b"\r\n ") + b"\r\n"
    filled_values, filled = _filled(field, values)
    assert SLOTS.filler(relaxed_header(field))(filled_values) == relaxed_header(filled)


def _filled(template: bytes, values: list[str]) -> tuple[list[bytes], bytes]:
    """The skeleton's value list (to, token, subscriber, preferences, tag) and the
    template with the three slots it uses filled in by plain replacement."""
    to, token, tag = values[0] + "@x.org", values[1], values[2]
    filled = template
    for name, value in ((SLOT_NAMES[0], to), (SLOT_NAMES[1], token), (SLOT_NAMES[2], tag)):
        filled = filled.replace(name.encode(), value.encode())
    return [v.encode() for v in (to, token, "", "", tag)], filled
