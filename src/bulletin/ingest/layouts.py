"""Where a scraped page puts its headline, dek and byline, whatever order they come in.

Pages of one family differ: the headline, a dek, then the byline; the byline first;
the byline run into the dateline on one line ("By Ann Lee WASHINGTON — …"); no
byline, only a dateline under the headline; notes from the editors ("Editor's note:",
"Correction:") above or below the story. The head is read by shape: a headline is
only taken when a byline or dateline follows it, so a lone first sentence (or a
section heading such as "OFF TO THE RACES: …") is never promoted to one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bulletin.ingest.bylines import is_agency, is_byline, split_names
from bulletin.ingest.datelines import split_dateline

MAX_HEADLINE = 200
MAX_DEK = 400
HEAD_BLOCKS = 6  # the byline or dateline is among the first lines, or there is no head
_NOTE = re.compile(
    r"^(?:editor['\u2019]?s['\u2019]?\s+note|editors['\u2019]\s+note|note\s+to\s+readers|correction|"
    r"clarification|update|updated\s+note)\b[^:—\u2013]{0,80}?[:—\u2013]\s*\S",
    re.IGNORECASE,
)
_KICKER = re.compile(r"^(?:live(?:\s+blog|\s+updates)?|breaking|exclusive|analysis|opinion|"
                     r"photos?|photo essay|in pictures|video|news|politics|world|u\.s\. news)$",
                     re.IGNORECASE)  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?][\"”\u2019')]*$")


@dataclass(frozen=True)
class Head:
    headline: str | None
    dek: str | None
    byline: str | None
    body: list[str]


def is_note(block: str) -> bool:
    """An editors' note or correction: part of the story, never its lead or headline."""
    return bool(_NOTE.match(block))


def read_head(blocks: list[str]) -> Head:
    """The headline, dek and byline at the top of the page, and the blocks after them."""
    for index, block in enumerate(blocks[:HEAD_BLOCKS]):
        if is_byline(block):
            headline, dek, notes = _above(blocks[:index])
            return Head(headline, dek, block, notes + blocks[index + 1 :])
        split = split_run_in_byline(block)
        if split is not None:
            headline, dek, notes = _above(blocks[:index])
            return Head(headline, dek, split[0], [*notes, split[1], *blocks[index + 1 :]])
    for index, block in enumerate(blocks[:HEAD_BLOCKS]):
        if index and not is_note(block) and split_dateline(block)[0]:
            headline, dek, notes = _above(blocks[:index])
            if headline is not None:
                return Head(headline, dek, None, notes + blocks[index:])
            break
    return Head(None, None, None, blocks)


def _above(blocks: list[str]) -> tuple[str | None, str | None, list[str]]:
    """(headline, dek, notes) from the blocks above a byline or dateline."""
    notes = [b for b in blocks if is_note(b)]
    rest = [b for b in blocks if not is_note(b) and not _KICKER.match(b)]
    if not rest:
        return None, None, notes
    last = rest[-1]
    if _SENTENCE_END.search(last) and len(last) <= MAX_DEK:
        if len(rest) >= 2 and _headline_shaped(rest[-2]):
            return rest[-2], last, notes
        return None, last, notes
    if _headline_shaped(last):
        return last, None, notes
    return None, None, notes


def _headline_shaped(block: str) -> bool:
    return (
        len(block) <= MAX_HEADLINE
        and not block.endswith((".", ",", ";", ":"))
        and not split_dateline(block)[0]
    )


def split_run_in_byline(block: str) -> tuple[str, str] | None:
    """(byline, dateline paragraph) when a byline runs straight into the dateline.

    The longest byline-shaped start wins whose remainder opens on a dateline in
    capitals: "By Ann Lee, AP WASHINGTON — …" is "By Ann Lee, AP" then "WASHINGTON — …".
    """
    if not re.match(r"(?i)by\s", block):
        return None
    spaces = [m.start() for m in re.finditer(r" ", block[:220])]
    for cut in reversed(spaces):
        byline, rest = block[:cut].rstrip(" ,"), block[cut + 1 :]
        if not rest[:1].isupper() or not is_byline(byline):
            continue
        place = split_dateline(rest)[0]
        if place and place.split(",")[0].isupper():
            return byline, rest
    return _split_before_sentence(block, spaces)


# Words that open a sentence but never end a name: "By Ann Lee The Senate passed …"
_OPENERS = {"the", "a", "an", "in", "on", "at", "after", "as", "when", "for", "from", "with",
            "it", "this", "that", "these", "those", "there", "more", "some", "two", "three",
            "officials", "police", "president", "gov.", "sen.", "rep.", "mayor", "former",
            "u.s."}  # fmt: skip
MAX_RUN_IN_NAME = 3


def _split_before_sentence(block: str, spaces: list[int]) -> tuple[str, str] | None:
    """(byline, first paragraph) when a byline runs into a sentence with no dateline between.

    One-line scrapes lose the break after the byline ("By Ann Lee Senators passed …").
    Names are short and capitalised, so the longest byline whose every person has at most
    three words, none of them a sentence opener, and whose remainder opens a sentence
    (an opener word, or a capitalised word then a lower-case one) is taken.
    """
    for cut in reversed(spaces):
        byline, rest = block[:cut].rstrip(" ,"), block[cut + 1 :]
        words = rest.split(maxsplit=2)
        if len(words) < 3 or not _opens_sentence(words) or not is_byline(byline):
            continue
        if byline.rsplit(maxsplit=1)[-1].casefold() in _OPENERS:
            continue
        names = [n for n in split_names(byline) if not is_agency(n)]
        if all(_short_name(n) for n in names):
            return byline, rest
    return None


def _opens_sentence(words: list[str]) -> bool:
    first, second = words[0], words[1]
    if not first[:1].isupper():
        return False
    return first.casefold() in _OPENERS or second[:1].islower()


def _short_name(name: str) -> bool:
    words = name.split()
    return len(words) <= MAX_RUN_IN_NAME and not any(w.casefold() in _OPENERS for w in words)


def is_inner_byline(block: str) -> bool:
    """A byline inside the body (a live blog's entries): every name at least two words."""
    if not is_byline(block):
        return False
    return all(len(name.split()) >= 2 for name in split_names(block))
