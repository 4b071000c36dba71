"""Untrusted HTML made safe (nh3) and turned into paragraphs and plain text."""

from __future__ import annotations

import html
import re

import lxml.html
import nh3
from lxml import etree

ALLOWED_TAGS = {
    "p", "br", "a", "em", "strong", "b", "i", "u", "s", "q", "blockquote", "ul", "ol",
    "li", "h2", "h3", "h4", "h5", "h6", "pre", "code", "sub", "sup", "figure",
    "figcaption", "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt"}}
PARAGRAPH_TAGS = ("p", "blockquote", "li", "h2", "h3", "h4", "h5", "h6", "pre")
_SPACE = re.compile(r"\s+")


def clean_html(fragment: str) -> str:
    """Only harmless markup: no scripts, styles, event handlers or javascript: links."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def squash(text: str | None) -> str:
    """Whitespace runs (newlines included) folded to single spaces, ends trimmed."""
    return _SPACE.sub(" ", text or "").strip()


def paragraphs_to_html(paragraphs: list[str] | tuple[str, ...]) -> str:
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def html_paragraphs(fragment: str) -> list[str]:
    """The text of each paragraph-like block, in order; loose text counts as a paragraph.

    Figures (images and their captions) are not paragraphs; callers read them apart.
    """
    if not fragment.strip():
        return []
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return [text] if (text := squash(strip_tags(fragment))) else []
    for element in list(root.iter("figure", "figcaption", "h1", "script", "style")):
        if element.getparent() is not None:
            element.drop_tree()
    blocks = [squash(el.text_content()) for el in root.iter(*PARAGRAPH_TAGS)]
    blocks = [b for b in blocks if b]
    if not blocks:
        text = squash(root.text_content())
        return [text] if text else []
    return _without_nested_repeats(blocks)


def _without_nested_repeats(blocks: list[str]) -> list[str]:
    # A <blockquote><p>…</p></blockquote> yields the same text twice; keep it once.
    out: list[str] = []
    for block in blocks:
        if out and (block == out[-1] or block in out[-1]):
            continue
        out.append(block)
    return out


def strip_tags(fragment: str) -> str:
    """Plain text of an HTML fragment (entities decoded), for summaries and captions."""
    if "<" not in fragment and "&" not in fragment:
        return squash(fragment)
    return squash(html.unescape(nh3.clean(fragment, tags=set(), attributes={})))
