"""Counted links: a campaign's story links rewritten to go through `/r/…` once, at build.

With click counts on (BULLETIN_CLICK_TRACKING), each http(s) link of a list message's
HTML that does not point at Bulletin itself (unsubscribe, preferences, the web
version, sign-up) or at the privacy policy is numbered among the campaign's links and
replaced, in the HTML and wherever it appears in the text part, by
`BASE/r/TOKEN/SUBSCRIBER.TAG`: TOKEN signs (campaign, position) and is the same for
every reader; SUBSCRIBER and TAG are the skeleton's own per-reader slots (the tag the
Message-ID carries), so the skeleton is still built once and filled per reader. The
URL itself never travels in the link: the redirect can only send a reader to a URL
this campaign carried.
"""

from __future__ import annotations

import html as markup
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

# Positions of URLs among a campaign's links (numbering the new ones); the delivery
# ledger's `link_positions`.
Positions = Callable[[Sequence[str]], Mapping[str, int]]

_HREF = re.compile(r'href="(https?://[^"]+)"')
# Characters a URL in the text part never ends with (what follows it there).
_TEXT_END = r"(?=[\s)>\]]|$)"


@dataclass(frozen=True)
class ClickLinks:
    """How a campaign's links are counted: `positions` numbers them, `sign` makes the
    token for (campaign, position), `own` are URL prefixes never rewritten."""

    base_url: str
    positions: Positions
    sign: Callable[[int], str]
    own: tuple[str, ...] = ()
    # The open pixel's address less the reader's part (BULLETIN_OPEN_PIXEL), or None.
    pixel: str | None = None

    def link(self, position: int, *, subscriber: str, tag: str) -> str:
        return f"{self.base_url}/r/{self.sign(position)}/{subscriber}.{tag}"


def trackable(html: str, own: Sequence[str]) -> list[str]:
    """The http(s) URLs the HTML links to, in order, each once, but ours."""
    found: dict[str, None] = {}
    for match in _HREF.finditer(html):
        url = markup.unescape(match.group(1))
        if not url.startswith(tuple(own)) and _safe(url):
            found[url] = None
    return list(found)


def _safe(url: str) -> bool:
    """No character that could break a Location header or a line of mail."""
    return url.isprintable() and not any(c.isspace() for c in url)


def rewrite(
    rendered: tuple[str, str], clicks: ClickLinks, *, subscriber: str, tag: str
) -> tuple[str, str]:
    """The (text, HTML) with every trackable link through `/r/`, and the open pixel
    when the newsroom counts opens."""
    text, html = rendered
    if clicks.pixel is not None:
        html = _with_pixel(html, f"{clicks.pixel}/{subscriber}.{tag}")
    urls = trackable(html, (clicks.base_url, *clicks.own))
    if not urls:
        return text, html
    positions = clicks.positions(urls)
    new = {url: clicks.link(positions[url], subscriber=subscriber, tag=tag) for url in urls}

    def in_html(match: re.Match[str]) -> str:
        url = markup.unescape(match.group(1))
        return f'href="{markup.escape(new[url])}"' if url in new else match.group(0)

    html = _HREF.sub(in_html, html)
    # Longest first, so a URL that begins another is not replaced inside it.
    pattern = re.compile(
        "(" + "|".join(re.escape(u) for u in sorted(new, key=len, reverse=True)) + ")" + _TEXT_END
    )
    text = pattern.sub(lambda m: new[m.group(1)], text)
    return text, html


def _with_pixel(html: str, src: str) -> str:
    """The HTML with a one-pixel image at the end of its body (or of the document)."""
    image = (
        f'<img src="{markup.escape(src)}" width="1" height="1" alt="" '
        'style="display:block;width:1px;height:1px;border:0">'
    )
    at = html.rfind("</body>")
    return html + image if at < 0 else html[:at] + image + html[at:]
