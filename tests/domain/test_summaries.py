"""Summaries shorten and never alter: whole sentences of the source, quotations intact."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bulletin.domain.summaries import SUMMARY_WORDS, balanced, sentences, summary


def test_a_sentence_ending_inside_a_quotation_keeps_its_closing_mark() -> None:
    text = 'The minister said the rules "are within the law." Critics disagreed.'
    assert sentences(text) == [
        'The minister said the rules "are within the law."',
        "Critics disagreed.",
    ]
    curly = "She called it \u201cthe end of an era.\u201d The board met on Monday."
    assert sentences(curly)[0] == "She called it \u201cthe end of an era.\u201d"


def test_a_full_stop_inside_a_quotation_does_not_end_the_sentence() -> None:
    text = 'He said: "We will rebuild. We will not leave." The mayor agreed.'
    assert sentences(text) == [
        'He said: "We will rebuild. We will not leave."',
        "The mayor agreed.",
    ]


def test_abbreviations_initials_and_decimals_do_not_end_a_sentence() -> None:
    text = (
        "Gov. Jane Ortiz and Sen. Tom Hale met U.S. officials on Jan. 5 in Washington. "
        "John F. Kennedy Airport reported 3.5 inches of snow. Flights resumed."
    )
    assert sentences(text) == [
        "Gov. Jane Ortiz and Sen. Tom Hale met U.S. officials on Jan. 5 in Washington.",
        "John F. Kennedy Airport reported 3.5 inches of snow.",
        "Flights resumed.",
    ]


def test_the_summary_is_the_longest_run_of_whole_sentences_that_fits() -> None:
    text = "One two three. Four five six. Seven eight nine ten."
    assert summary(text, words=6) == "One two three. Four five six."
    assert summary(text, words=2) is None
    assert summary(text, words=60, chars=20) == "One two three."


_WORD = st.text(alphabet="abcdefgh", min_size=1, max_size=8)
_ENDS = st.sampled_from([".", "!", "?", '."', '?"', ".\u201d", ".)"])
_OPENERS = st.sampled_from(["", "Gov. ", "U.S. ", "Jan. ", 'He said: "We won. ', "3.5 "])


@st.composite
def _story(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(min_value=1, max_value=10))):
        words = draw(st.lists(_WORD, min_size=1, max_size=25))
        opener = draw(_OPENERS)
        end = draw(_ENDS)
        body = opener + " ".join(words).capitalize() + end
        if opener.startswith("He said") and not end.endswith('"'):
            body += '"'
        if end.endswith('"') and not opener.startswith("He said"):
            body = body.replace(words[0].capitalize(), '"' + words[0].capitalize(), 1)
        if end.endswith("\u201d"):
            body = body.replace(words[0].capitalize(), "\u201c" + words[0].capitalize(), 1)
        if end.endswith(")"):
            body = body.replace(words[0].capitalize(), "(" + words[0].capitalize(), 1)
        parts.append(body)
    return draw(st.sampled_from([" ", "  ", "\\n"])).replace("\\n", "\n").join(parts)


@given(_story(), st.integers(min_value=5, max_value=80))
def test_every_summary_is_a_verbatim_run_of_whole_sentences_with_balanced_quotes(
    text: str, limit: int
) -> None:
    found = summary(text, words=limit)
    collapsed = " ".join(text.split())
    whole = sentences(text)
    assert " ".join(whole) == collapsed  # splitting loses nothing and adds nothing
    if found is None:
        assert all(len(s.split()) > limit for s in whole)
        return
    assert len(found.split()) <= limit <= SUMMARY_WORDS + 20
    assert found in collapsed
    runs = {" ".join(whole[i:j]) for i in range(len(whole)) for j in range(i + 1, len(whole) + 1)}
    assert found in runs
    assert balanced(found) and found.count("(") == found.count(")")
    assert re.search(r"[.!?][\"\u201d)]*$", found)
