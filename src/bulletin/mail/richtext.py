"""Editors' rich text for email: sanitised HTML (nh3) and its plain-text reading."""

from __future__ import annotations

import re

import lxml.html
import nh3
from lxml import etree

# What a section of a designed email may contain: text structure and links, nothing
# that runs, loads or restyles (no scripts, styles, forms, frames, images, classes).
ALLOWED_TAGS = {
    "p", "br", "a", "em", "strong", "b", "i", "u", "s", "q", "blockquote", "ul", "ol",
    "li", "h3", "h4", "sub", "sup", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
BLOCKS = {"p", "blockquote", "ul", "ol", "li", "h3", "h4", "hr", "div"}
_SPACE = re.compile(r"[ \t\r\f\v\n]+")


def sanitise(fragment: str) -> str:
    """Only harmless markup: scripts and styles go with their content, handlers and
    javascript: links go, and every link opens outside the mail client's frame."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        clean_content_tags={"script", "style"},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()


def to_text(fragment: str) -> str:
    """The fragment as plain text: paragraphs apart by a blank line, links as 'text (url)'."""
    if not fragment.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return _squash(nh3.clean(fragment, tags=set()))
    blocks: list[str] = []
    _walk(root, blocks, [""])
    out = ""
    for block in blocks:
        # List items stay together, one a line; everything else is a paragraph apart.
        tight = out and _is_item(block) and _is_item(out.rsplit("\n", 1)[-1])
        out += ("\n" if tight else "\n\n") + block if out else block
    return out


def _is_item(line: str) -> bool:
    return line.startswith("- ") or bool(re.match(r"\d+\. ", line))


def _walk(element: etree._Element, blocks: list[str], current: list[str]) -> None:
    """Append the text of `element` to current[0]; a block element closes it into `blocks`."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in BLOCKS:
        _close(blocks, current)
        current[0] = _prefix(element)
    if tag == "br":
        current[0] += "\n"
    elif element.text:
        current[0] += _squash_inline(element.text)
    for child in element:
        _walk(child, blocks, current)
        if child.tail:
            current[0] += _squash_inline(child.tail)
    if tag == "a":
        href = element.get("href", "")
        if href and href != element.text_content().strip():
            current[0] += f" ({href})"
    if tag in BLOCKS:
        _close(blocks, current)


def _prefix(element: etree._Element) -> str:
    if element.tag != "li":
        return ""
    parent = element.getparent()
    if parent is not None and parent.tag == "ol":
        return f"{list(parent).index(element) + 1}. "
    return "- "


def _close(blocks: list[str], current: list[str]) -> None:
    text = "\n".join(_squash(line) for line in current[0].split("\n")).strip()
    if text and text not in ("-", "- "):
        blocks.append(text)
    current[0] = ""


def _squash_inline(text: str) -> str:
    return _SPACE.sub(" ", text)


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
