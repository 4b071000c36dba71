"""Specifications for what makes a breaking alert sendable."""

from __future__ import annotations

import dataclasses

import pytest

from bulletin.domain.alerts import MAX_HEADLINE, MAX_SUMMARY, MAX_URL, validate_alert
from bulletin.domain.errors import InvalidAlert, UnsafeHeaderValue
from bulletin.domain.models import AlertDraft


def draft(**overrides: object) -> AlertDraft:
    base = AlertDraft(
        headline="Bridge closed after river floods",
        summary="The Old Bridge is closed in both directions while engineers inspect it.",
        url="https://news.example.com/2026/11/bridge-closed",
    )
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


def test_valid_draft_comes_back_tidied() -> None:
    tidy = validate_alert(
        draft(
            headline="  Bridge closed  ",
            summary="  The bridge\nis   closed.\n\n Detours\tsigned. ",
            url=" https://news.example.com/bridge \n",
        )
    )
    assert tidy == AlertDraft(
        headline="Bridge closed",
        summary="The bridge is closed. Detours signed.",
        url="https://news.example.com/bridge",
        subject="Bridge closed",
    )


@pytest.mark.parametrize("subject", [None, "", "   "])
def test_subject_defaults_to_the_headline(subject: str | None) -> None:
    assert validate_alert(draft(subject=subject)).subject == "Bridge closed after river floods"


def test_subject_given_by_the_editor_is_kept() -> None:
    tidy = validate_alert(draft(subject=" BREAKING: Old Bridge shut "))
    assert tidy.subject == "BREAKING: Old Bridge shut"
    assert tidy.headline == "Bridge closed after river floods"


@pytest.mark.parametrize("headline", ["", "   ", "\t"])
def test_missing_headline_is_refused(headline: str) -> None:
    with pytest.raises(InvalidAlert, match="An alert needs a headline"):
        validate_alert(draft(headline=headline))


@pytest.mark.parametrize("summary", ["", "  \n\t "])
def test_missing_summary_is_refused(summary: str) -> None:
    with pytest.raises(InvalidAlert, match="sentence or two of summary"):
        validate_alert(draft(summary=summary))


def test_headline_at_the_limit_is_accepted_and_one_more_character_refused() -> None:
    assert validate_alert(draft(headline="h" * MAX_HEADLINE)).headline == "h" * MAX_HEADLINE
    with pytest.raises(InvalidAlert, match=f"headline under {MAX_HEADLINE} characters"):
        validate_alert(draft(headline="h" * (MAX_HEADLINE + 1)))


def test_over_long_subject_is_refused() -> None:
    with pytest.raises(InvalidAlert, match=f"subject under {MAX_HEADLINE} characters"):
        validate_alert(draft(subject="s" * (MAX_HEADLINE + 1)))


def test_over_long_summary_is_refused() -> None:
    assert validate_alert(draft(summary="w" * MAX_SUMMARY)).summary == "w" * MAX_SUMMARY
    with pytest.raises(InvalidAlert, match=f"under {MAX_SUMMARY} characters"):
        validate_alert(draft(summary="w" * (MAX_SUMMARY + 1)))


def test_over_long_link_is_refused() -> None:
    url = "https://news.example.com/" + "a" * MAX_URL
    with pytest.raises(InvalidAlert, match="single web address"):
        validate_alert(draft(url=url))


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript://news.example.com/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://news.example.com/file",
        "mailto:desk@news.example.com",
        "news.example.com/story",
        "/2026/11/story",
        "https:///no-host",
        "",
    ],
)
def test_link_must_be_a_full_http_or_https_address(url: str) -> None:
    with pytest.raises(InvalidAlert, match="full web address starting with https://"):
        validate_alert(draft(url=url))


@pytest.mark.parametrize("url", ["https://news.example.com/a", "http://news.example.com/a?b=c#d"])
def test_http_and_https_links_are_accepted(url: str) -> None:
    assert validate_alert(draft(url=url)).url == url


def test_link_with_a_space_inside_is_refused() -> None:
    with pytest.raises(InvalidAlert, match="without spaces"):
        validate_alert(draft(url="https://news.example.com/bridge closed"))


@pytest.mark.parametrize("field", ["headline", "subject"])
@pytest.mark.parametrize("brk", ["\r\n", "\n", "\r", "\u2028"], ids=repr)
def test_line_break_inside_a_header_field_is_refused(field: str, brk: str) -> None:
    with pytest.raises(UnsafeHeaderValue, match=f"The {field} contains a line break"):
        validate_alert(draft(**{field: f"Bridge closed{brk}Bcc: everyone@example.org"}))


def test_line_breaks_in_the_summary_are_folded_into_spaces() -> None:
    assert validate_alert(draft(summary="One.\r\nTwo.")).summary == "One. Two."
