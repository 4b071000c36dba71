"""IPTC ninjs (news in JSON) 1.x, 2.x and 3.x turned into Stories.

1.x has `headline`, `byline`, `located`, `body_xhtml`/`body_text` and `associations`
as an object; 2.x has `headlines[]`, `by`, `bodies[]`, `descriptions[]` and
`associations` as an array; 3.x is 2.x with camelCase names. Keys are folded to lower
case first, so 2.x and 3.x read the same.
"""

from __future__ import annotations

import json
from typing import Any

from bulletin.domain.errors import IngestError
from bulletin.domain.stories import Image, ItemFailure, PubStatus, Story, clamp_urgency
from bulletin.ingest.bylines import parse_byline, split_names
from bulletin.ingest.sanitize import squash, strip_tags
from bulletin.ingest.values import body_parts, label, parse_time

MEDIA_TYPES = {"picture", "graphic", "video", "audio"}
MAX_IMAGE_WIDTH = 2048
PUBSTATUS = {"usable": PubStatus.USABLE, "withheld": PubStatus.WITHHELD}
PUBSTATUS |= {"canceled": PubStatus.CANCELED, "cancelled": PubStatus.CANCELED}
# Real ninjs nests a handful deep and has no number longer than a timestamp; past these
# a document is an attack on the parser (or its recursion), not a story.
MAX_DEPTH = 64
MAX_DIGITS = 100
TOO_DEEP = f"nests arrays and objects more than {MAX_DEPTH} deep; ninjs needs a handful"


def parse_ninjs(data: bytes | str, *, source: str) -> list[Story | ItemFailure]:
    """The story in a ninjs document: one item, an array of items, or {"items": [...]}."""
    document = _load(data, source=source)
    if isinstance(document, dict) and isinstance(document.get("items"), list):
        document = document["items"]
    items = document if isinstance(document, list) else [document]
    return [_item(raw, source=source, index=i) for i, raw in enumerate(items, start=1)]


def _load(data: bytes | str, *, source: str) -> Any:
    """The JSON document, or an IngestError saying what is wrong with it."""
    try:
        document = json.loads(data, parse_int=_bounded_int)
    except json.JSONDecodeError as exc:
        raise IngestError(
            source, f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except UnicodeDecodeError as exc:
        reason = f"JSON is not UTF-8, UTF-16 or UTF-32 text ({exc.reason})"
        raise IngestError(source, reason) from None
    except (ValueError, RecursionError) as exc:  # _bounded_int's refusal; nesting past the stack
        raise IngestError(source, str(exc) if isinstance(exc, ValueError) else TOO_DEEP) from None
    if _depth(document) > MAX_DEPTH:
        raise IngestError(source, TOO_DEEP)
    return document


def _bounded_int(text: str) -> int:
    """JSON integers as Python's, refused past MAX_DIGITS: no ninjs field needs more."""
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"has a number of {len(text):,} digits; at most {MAX_DIGITS} are read")
    return int(text)


def _depth(document: Any) -> int:
    """How deeply arrays and objects nest in `document`, found without recursion."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:  # deeper is refused anyway: no need to walk it all
                stack.extend((child, depth + 1) for child in value)
    return deepest


def _lower(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k).lower(): _lower(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower(v) for v in value]
    return value


def _item(raw: Any, *, source: str, index: int) -> Story | ItemFailure:
    if not isinstance(raw, dict):
        return ItemFailure(source, label(index, None), "is not a JSON object")
    item = _lower(raw)
    uri = item.get("uri")
    where = label(index, uri if isinstance(uri, str) else None)
    kind = item.get("type")
    if isinstance(kind, str) and kind in MEDIA_TYPES:
        return ItemFailure(source, where, f"is a {kind} item, not a story")
    try:
        return _story(item, source=source, where=where)
    except (TypeError, ValueError, AttributeError) as exc:
        return ItemFailure(source, where, f"has a field of the wrong shape ({exc})")


def _story(item: dict[str, Any], *, source: str, where: str) -> Story | ItemFailure:
    headline = _headline(item)
    html, text = _body(item)
    safe, paragraphs, place, agency, lead = body_parts(html=html, text=text)
    if not headline and not paragraphs:
        return ItemFailure(source, where, "has neither a headline nor a body")
    people, agencies = parse_byline(item.get("byline") or item.get("by"))
    if agency and not agencies:
        agencies = tuple(split_names(agency))
    created = parse_time(item.get("versioncreated"))
    status = str(item.get("pubstatus") or "usable").lower()
    return Story(
        source=source,
        source_id=_str(item.get("uri")),
        headline=headline,
        summary=_summary(item),
        byline_people=people,
        byline_agencies=agencies,
        dateline=squash(item.get("located")) or place,
        lead=lead,
        paragraphs=tuple(paragraphs),
        body_html=safe,
        images=tuple(_images(item.get("associations"))),
        published_at=parse_time(item.get("firstcreated")) or created,
        updated_at=created,
        section=_names(item.get("genres"))[0] if _names(item.get("genres")) else None,
        topics=tuple(_names(item.get("subjects") or item.get("subject"))),
        urgency=clamp_urgency(item.get("urgency")),
        pubstatus=PUBSTATUS.get(status, PubStatus.WITHHELD),
        embargoed_until=parse_time(item.get("embargoed")),
        url=_url(item),
        language=_str(item.get("language")),
    )


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _headline(item: dict[str, Any]) -> str | None:
    if isinstance(item.get("headline"), str):
        return strip_tags(item["headline"]) or None
    return strip_tags(_by_role(item.get("headlines"), ("main", "default"))) or None


def _by_role(entries: Any, roles: tuple[str, ...]) -> str:
    """The value of the first entry with one of these roles, else of the first entry."""
    entries = [e for e in entries or [] if isinstance(e, dict) and e.get("value")]
    for entry in entries:
        if entry.get("role") in roles:
            return str(entry["value"])
    return str(entries[0]["value"]) if entries else ""


def _summary(item: dict[str, Any]) -> str | None:
    text = item.get("description_text") or strip_tags(item.get("description_html") or "")
    text = text or strip_tags(_by_role(item.get("descriptions"), ("summary", "text")))
    return squash(text) or None


def _body(item: dict[str, Any]) -> tuple[str | None, str | None]:
    """(html, text) of the richest body the item carries."""
    html = item.get("body_html") or item.get("body_xhtml")
    text = item.get("body_text")
    for body in item.get("bodies") or []:
        kind = str(body.get("contenttype") or "")
        if not html and "html" in kind:
            html = body.get("value")
        elif not text and kind in ("", "text/plain"):
            text = body.get("value")
    return html, text


def _names(entries: Any) -> list[str]:
    names = [
        squash(e.get("name") or e.get("literal")) for e in entries or [] if isinstance(e, dict)
    ]
    return [n for n in names if n]


def _url(item: dict[str, Any]) -> str | None:
    links = [link.get("href") for link in item.get("links") or [] if isinstance(link, dict)]
    for candidate in [item.get("uri"), *links]:
        if isinstance(candidate, str) and candidate.startswith(("http://", "https://")):
            return candidate
    return None


def _images(associations: Any) -> list[Image]:
    entries = associations.values() if isinstance(associations, dict) else associations or []
    images = []
    for entry in entries:
        if isinstance(entry, dict) and entry.get("type") == "picture":
            caption = entry.get("description_text") or _by_role(entry.get("descriptions"), ())
            credit = entry.get("byline") or entry.get("by") or entry.get("copyrightnotice")
            images.append(
                Image(
                    url=_rendition(entry.get("renditions")),
                    caption=squash(caption) or None,
                    credit=squash(credit) or None,
                )
            )
    return images


def _rendition(renditions: Any) -> str | None:
    """The widest rendition no wider than MAX_IMAGE_WIDTH (else the first with a link)."""
    options = renditions.values() if isinstance(renditions, dict) else renditions or []
    usable = [r for r in options if isinstance(r, dict) and r.get("href")]
    fitting = [r for r in usable if 0 < int(r.get("width") or 0) <= MAX_IMAGE_WIDTH]
    if fitting:
        return str(max(fitting, key=lambda r: int(r["width"]))["href"])
    return str(usable[0]["href"]) if usable else None
