"""Rendering a special report: the designed HTML email and its plain-text twin, once."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from bulletin.domain.reports import ReportContent, Section
from bulletin.mail.render import PREFERENCES_URL, UNSUBSCRIBE_URL, Brand, preheader, render_pair
from bulletin.mail.richtext import sanitise, to_text


@dataclass(frozen=True)
class _RenderedSection:
    heading: str
    body_html: Markup
    text: str
    image: object


def render_special(
    content: ReportContent,
    *,
    list_name: str,
    brand: Brand,
    view_url: str | None = None,
    web: bool = False,
) -> tuple[str, str]:
    """(plain text, HTML with inlined CSS); reader links left as markers for the skeleton.

    Section bodies are sanitised again here, whatever was stored: the HTML that reaches
    readers never depends on every earlier writer having been careful.
    """
    return render_pair(
        "special",
        brand=brand,
        web=web,
        view_url=view_url,
        subject=content.subject or content.headline,
        preheader=preheader(content.dek or content.headline),
        manage_what="lists, topics, time zone",
        headline=content.headline,
        dek=content.dek,
        hero=content.hero,
        sections=[_section(s) for s in content.sections],
        cta_url=content.cta_url,
        cta_label=content.cta_label,
        list_name=list_name,
        unsubscribe_url=UNSUBSCRIBE_URL,
        preferences_url=PREFERENCES_URL,
    )


def _section(section: Section) -> _RenderedSection:
    clean = sanitise(section.body_html)
    return _RenderedSection(
        heading=section.heading,
        body_html=Markup(clean),  # sanitised by nh3 just above
        text=to_text(clean),
        image=section.image,
    )
