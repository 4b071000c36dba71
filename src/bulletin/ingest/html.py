"""Article web pages: main text by trafilatura, metadata from JSON-LD and OpenGraph."""

from __future__ import annotations

import json
from typing import Any

import trafilatura
from lxml import etree
from lxml.html import HtmlElement, tostring
from trafilatura.htmlprocessing import convert_to_html

from bulletin.domain.errors import IngestError
from bulletin.domain.stories import Image, Story
from bulletin.ingest.bylines import is_agency, split_names
from bulletin.ingest.sanitize import squash, strip_tags
from bulletin.ingest.values import body_parts, parse_time

ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
    "liveblogposting", "opinionnewsarticle", "backgroundnewsarticle",
}  # fmt: skip


def parse_html(data: bytes | str, *, source: str, url: str | None = None) -> Story:
    """The article on a web page, or IngestError when the page holds no article text."""
    tree = trafilatura.load_html(data)
    if tree is None:
        raise IngestError(source, "not an HTML page (nothing could be parsed)")
    meta = _metadata(tree)
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, favor_precision=True
    )
    safe, paragraphs, place, agency, lead = body_parts(html=_body_html(document))
    if not paragraphs:
        raise IngestError(source, "no article text found on the page")
    people, agencies = _authors(meta.get("author"), getattr(document, "author", None))
    canonical = _first(meta.get("url"), meta.get("og:url"), url)
    return Story(
        source=source,
        source_id=canonical,
        headline=_first(
            meta.get("headline"), meta.get("og:title"), getattr(document, "title", None)
        ),
        summary=_first(meta.get("description"), meta.get("og:description")),
        byline_people=people,
        byline_agencies=agencies or tuple(split_names(agency or "")),
        dateline=place,
        lead=lead,
        paragraphs=tuple(paragraphs),
        body_html=safe,
        images=tuple(_images(meta)),
        published_at=parse_time(_first(meta.get("datePublished"), meta.get("published_time"))),
        updated_at=parse_time(_first(meta.get("dateModified"), meta.get("modified_time"))),
        section=_first(_text(meta.get("articleSection")), meta.get("section")),
        topics=tuple(_keywords(meta.get("keywords")) or meta.get("tags") or ()),
        url=canonical,
        language=tree.get("lang") or None,
    )


def _body_html(document: Any) -> str:
    """The extracted main text as simple HTML, without the page's own h1 title."""
    body = getattr(document, "body", None) if document is not None else None
    if body is None:
        return ""
    html_body = convert_to_html(body)[0]
    for heading in list(html_body.iter("h1")):
        parent = heading.getparent()
        if parent is not None:
            parent.remove(heading)  # its tail is whitespace between blocks
    return "".join(tostring(child, encoding="unicode") for child in html_body)


def _metadata(tree: HtmlElement) -> dict[str, Any]:
    """JSON-LD NewsArticle fields, with OpenGraph/article: meta tags beside them."""
    meta: dict[str, Any] = {"tags": []}
    for node in tree.xpath("//meta[@property or @name][@content]"):
        key = (node.get("property") or node.get("name") or "").lower()
        value = squash(node.get("content"))
        if key == "article:tag":
            meta["tags"].append(value)
        elif key.startswith(("og:", "article:")):
            meta.setdefault(key.removeprefix("article:"), value)
    for link in tree.xpath('//link[@rel="canonical"][@href]'):
        meta.setdefault("og:url", link.get("href"))
    for article in _json_ld(tree):
        meta.update({k: v for k, v in article.items() if not k.startswith("@")})
        break
    return meta


def _json_ld(tree: HtmlElement) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except (json.JSONDecodeError, etree.LxmlError):
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            node = stack.pop(0)
            if isinstance(node, dict):
                stack.extend(node.get("@graph") or [])
                kinds = node.get("@type")
                kinds = kinds if isinstance(kinds, list) else [kinds]
                if any(str(k).lower() in ARTICLE_TYPES for k in kinds):
                    found.append(node)
    return found


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("url") or value.get("caption")
    return strip_tags(str(value)) if value else None


def _first(*values: Any) -> str | None:
    for value in values:
        text = _text(value)
        if text:
            return text
    return None


def _authors(structured: Any, fallback: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    entries = structured if isinstance(structured, list) else [structured] if structured else []
    people: list[str] = []
    agencies: list[str] = []
    for entry in entries:
        name = _text(entry)
        is_org = isinstance(entry, dict) and entry.get("@type") == "Organization"
        if name:
            (agencies if is_org or is_agency(name) else people).append(name)
    if not entries and fallback:
        for name in split_names(fallback):
            (agencies if is_agency(name) else people).append(name)
    return tuple(people), tuple(agencies)


def _keywords(value: Any) -> list[str]:
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [k for k in (squash(str(i)) for i in items) if k]


def _images(meta: dict[str, Any]) -> list[Image]:
    image = meta.get("image")
    image = image[0] if isinstance(image, list) and image else image
    if isinstance(image, dict):
        credit = _first(image.get("creditText"), image.get("copyrightHolder"), image.get("author"))
        return [
            Image(url=_text(image.get("url")), caption=_text(image.get("caption")), credit=credit)
        ]
    url = _first(image, meta.get("og:image"))
    return [Image(url=url, caption=meta.get("og:image:alt"), credit=None)] if url else []
