"""Photo captions and their credits, run into scraped text, taken out as images.

A scraper flattens a figure into one line: the caption, then the credit with no
space between ("…2017.Omar Sanadiki / Reuters"), or after a space when the credit
has a slash ("… Sunday. John Moore / Getty Images"), a "Photo:" label or brackets;
or the credit alone on the line after its caption. A photo essay is many of them.
"""

from __future__ import annotations

import re

from bulletin.domain.stories import Image

_NAME = r"[A-Z][\w.'\u2019&\-]*"
_LINK = r"(?:of|for|via|de|van|von|la|le|and|&|file|-|—|\u2013)"
_SIDE = rf"{_NAME}(?:\s+(?:{_NAME}|{_LINK}))*?"
_SLASHED = rf"{_SIDE}\s*/\s*{_SIDE}(?:\s+file)?"
_PREFIX = r"(?i:photo(?:graph)?s?|credits?|images?|pictures?)\s*:\s*"
_PAREN = r"\((?P<paren>[^()]*\b(?:Photos?|Images?|AP|Reuters|AFP|Getty)\b[^()]*)\)"
_END = r"[.!?”\"')]"
_CAPTION_WITH_CREDIT = re.compile(
    rf"^(?P<caption>.+?{_END})"
    rf"(?:\s*{_PREFIX}(?P<labelled>.{{2,80}})"
    rf"|\s*(?P<slashed>{_SLASHED})"
    rf"|(?P<bare>(?:Courtesy\s+(?:of\s+)?)?{_NAME}(?:\s+(?:{_NAME}|{_LINK})){{0,6}})"
    rf"|\s*{_PAREN})$"
)
_CREDIT_ONLY = re.compile(rf"^(?:{_PREFIX})?(?:{_SLASHED}|{_PAREN}|Courtesy\s+(?:of\s+)?{_SIDE})$")
MAX_BARE_CREDIT = 60


def take_figures(blocks: list[str]) -> tuple[list[str], list[Image]]:
    """Body paragraphs with photo captions (and their credits) taken out as images."""
    paragraphs: list[str] = []
    images: list[Image] = []
    for block in blocks:
        figure = caption_and_credit(block) if paragraphs else None
        if figure is not None:
            images.append(Image(url=None, caption=figure[0], credit=figure[1]))
        elif _CREDIT_ONLY.match(block) and len(paragraphs) > 1:
            caption = paragraphs.pop()
            images.append(Image(url=None, caption=caption, credit=_credit(block)))
        else:
            paragraphs.append(block)
    return paragraphs, images


def caption_and_credit(block: str) -> tuple[str, str] | None:
    """(caption, credit) when the block is a caption with its credit run in."""
    match = _CAPTION_WITH_CREDIT.match(block)
    if match is None:
        return None
    bare = match["bare"]
    if bare is not None and not _bare_credit(match["caption"], bare):
        return None
    credit = match["labelled"] or match["slashed"] or bare or match["paren"] or ""
    return match["caption"].strip(), _credit(credit)


def _bare_credit(caption: str, credit: str) -> bool:
    """A credit glued to the caption with no space ("…2017.Getty Images"): short, and
    not the next sentence of a paragraph, which a space would have kept apart."""
    if len(credit) > MAX_BARE_CREDIT or len(caption) < 20:
        return False
    # "…the U.S.Army" is an abbreviation run into a name, not a caption's end
    return not re.search(r"\b[A-Z]\.$|\b(?:U\.S|U\.K|U\.N)\.$", caption)


def _credit(text: str) -> str:
    text = re.sub(rf"^{_PREFIX}", "", text.strip())
    return text.strip(" ()")
