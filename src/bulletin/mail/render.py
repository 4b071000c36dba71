"""Rendering email bodies from Jinja2 templates, with CSS inlined for mail clients."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from bulletin.config import Settings
from bulletin.mail.lines import fold_html, wrap_text

# Per-reader values are left in the rendered body as these markers and substituted
# per message, so a campaign is rendered once however many readers it has.
UNSUBSCRIBE_URL = "%%BULLETIN_UNSUBSCRIBE_URL%%"
PREFERENCES_URL = "%%BULLETIN_PREFERENCES_URL%%"


# Hidden after the preheader: no-break and plain spaces, so that a mail client's
# preview shows the preheader alone, not the masthead and body text that follow it.
# Entities, not the characters, so an ASCII message stays 7-bit.
PREHEADER_FILL = Markup("&nbsp; " * 90)
PREHEADER_LENGTH = 140  # about what the widest preview (desktop Gmail) shows


@dataclass(frozen=True)
class Brand:
    """Who a message is from, as its header and footer show it (settings: newsroom_*).

    `colour` is the brand colour of the masthead rule, links and buttons (checked by
    `config` to be dark enough for white text); `home_url` the newsroom's sign-up page.
    """

    newsroom: str
    home_url: str
    postal_address: str | None = None
    logo_url: str | None = None
    colour: str = "#b00020"
    privacy_url: str | None = None
    footer_text: str | None = None  # the newsroom's own paragraph in list messages' footers

    @classmethod
    def from_settings(cls, settings: Settings) -> Brand:
        return cls(
            newsroom=settings.newsroom_name,
            home_url=f"{settings.base_url}/",
            postal_address=settings.postal_address,
            logo_url=settings.logo_url,
            colour=settings.brand_colour,
            privacy_url=settings.privacy_url,
            footer_text=settings.footer_text,
        )


def preheader(text: str) -> str:
    """The preview line a mail client shows beside the subject: short, cut at a word."""
    text = " ".join(text.split())
    if len(text) <= PREHEADER_LENGTH:
        return text
    return text[: PREHEADER_LENGTH - 3].rsplit(" ", 1)[0] + "..."


def fill_reader_links(body: str, *, unsubscribe_url: str, preferences_url: str) -> str:
    """One reader's copy of a body rendered once for the whole campaign."""
    return body.replace(UNSUBSCRIBE_URL, unsubscribe_url).replace(PREFERENCES_URL, preferences_url)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("bulletin.mail", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def render_pair(
    name: str, *, brand: Brand, web: bool = False, view_url: str | None = None, **context: Any
) -> tuple[str, str]:
    """(plain text, HTML with inlined CSS) for the template pair `name.txt` / `name.html`.

    `web` renders the archive's copy: no reader's links, and no "view in browser";
    `view_url` is where that copy is (the campaign's, the same for every reader, so a
    campaign's skeleton stays shared). A `<style data-css-inline="keep">` block stays
    in the head beside the inlined CSS: media queries and dark-mode rules cannot be
    inlined. Both come out with short lines (text wrapped for reading, HTML folded at spaces),
    so they can go as 7bit/8bit without any transfer encoding re-wrapping them.
    """
    env = _environment()
    context.update(brand=brand, web=web, view_url=None if web else view_url)
    context["preheader_fill"] = PREHEADER_FILL
    text = env.get_template(f"{name}.txt").render(**context)
    html = env.get_template(f"{name}.html").render(**context)
    return wrap_text(text), fold_html(_inliner().inline(html))
