"""Rendering email bodies from Jinja2 templates, with CSS inlined for mail clients."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bulletin.mail.lines import fold_html, wrap_text

# Per-reader values are left in the rendered body as these markers and substituted
# per message, so a campaign is rendered once however many readers it has.
UNSUBSCRIBE_URL = "%%BULLETIN_UNSUBSCRIBE_URL%%"
PREFERENCES_URL = "%%BULLETIN_PREFERENCES_URL%%"


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


def render_pair(name: str, **context: Any) -> tuple[str, str]:
    """(plain text, HTML with inlined CSS) for the template pair `name.txt` / `name.html`.

    Both come out with short lines (text wrapped for reading, HTML folded at spaces),
    so they can go as 7bit/8bit without any transfer encoding re-wrapping them.
    """
    env = _environment()
    text = env.get_template(f"{name}.txt").render(**context)
    html = env.get_template(f"{name}.html").render(**context)
    return wrap_text(text), fold_html(_inliner().inline(html))
