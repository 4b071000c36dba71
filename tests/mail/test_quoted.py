"""Quoted-printable bodies: 7-bit, short lines, the same text decoded, slots never split."""

from __future__ import annotations

import quopri
import string

from hypothesis import given
from hypothesis import strategies as st

from bulletin.mail.quoted import MAX_LINE, encode

SLOT = "BLTNSLOTTOKENx9q"
_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r"))
# The builder's bodies end with a line break, as the library's encoders make them.


@given(_TEXT)
def test_any_text_encodes_to_short_ascii_lines_that_decode_to_it(text: str) -> None:
    encoded = encode(text)
    assert encoded.isascii()
    assert all(len(line) <= MAX_LINE for line in encoded.split("\n"))
    assert quopri.decodestring(encoded.encode()).decode() == _ended(text)


def _ended(text: str) -> str:
    return text if text.endswith("\n") or not text else text + "\n"


@given(
    st.lists(st.one_of(st.just(SLOT), st.text(string.ascii_letters + " éü—=", max_size=40))),
    st.integers(min_value=16, max_value=70),
)
def test_a_slot_is_never_split_and_its_widest_filling_still_fits(
    pieces: list[str], widest: int
) -> None:
    text = "".join(pieces)
    encoded = encode(text, whole={SLOT: widest})
    assert encoded.count(SLOT) == text.count(SLOT)
    filled = encoded.replace(SLOT, "x" * widest)
    assert all(len(line) <= MAX_LINE for line in filled.split("\n"))
    assert quopri.decodestring(encoded.encode()).decode() == _ended(text)


def test_whitespace_that_ends_a_line_is_encoded_so_it_survives() -> None:
    assert encode("last word \nnext\t") == "last word=20\nnext=09\n"
