"""What makes a special report sendable as written."""

from __future__ import annotations

import pytest

from bulletin.domain.errors import InvalidInput, UnsafeHeaderValue
from bulletin.domain.reports import (
    DEFAULT_CTA_LABEL,
    Picture,
    ReportContent,
    ReportStatus,
    Section,
    validate_content,
)

BODY = (Section("What happened", "<p>The river rose.</p>"),)


def test_subject_defaults_to_the_headline_and_the_button_gets_a_label() -> None:
    content = validate_content(
        ReportContent(headline="  The   flood  ", sections=BODY, cta_url="https://n.example/f")
    )
    assert (content.headline, content.subject) == ("The flood", "The flood")
    assert content.cta_label == DEFAULT_CTA_LABEL


@pytest.mark.parametrize("field", ["subject", "headline"])
def test_line_breaks_in_subject_or_headline_are_refused(field: str) -> None:
    values = {"headline": "Flood", "subject": "Flood", field: "Flood\r\nBcc: all@x.org"}
    with pytest.raises(UnsafeHeaderValue, match="line break"):
        validate_content(ReportContent(**values, sections=BODY))  # type: ignore[arg-type]


def test_a_report_needs_a_headline_and_a_section_with_text() -> None:
    with pytest.raises(InvalidInput, match="headline"):
        validate_content(ReportContent(headline=" ", sections=BODY))
    with pytest.raises(InvalidInput, match="at least one section"):
        validate_content(ReportContent(headline="Flood"))
    with pytest.raises(InvalidInput, match="Section 2 has no text"):
        validate_content(ReportContent(headline="Flood", sections=(*BODY, Section("Empty", " "))))


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://x.org/a", "https://x.org/a b", 'https://x.org/"a']
)
def test_links_and_images_must_be_plain_web_addresses(url: str) -> None:
    with pytest.raises(InvalidInput, match="web address"):
        validate_content(ReportContent(headline="Flood", sections=BODY, cta_url=url))
    with pytest.raises(InvalidInput, match="web address"):
        validate_content(ReportContent(headline="Flood", sections=BODY, hero=Picture(url)))


def test_a_credit_without_an_image_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no image address"):
        validate_content(ReportContent(headline="F", sections=BODY, hero=Picture("", "", "AP")))


def test_only_drafts_and_scheduled_reports_can_change() -> None:
    assert [s.value for s in ReportStatus if s.changeable] == ["draft", "scheduled"]
