"""Specifications for building one message: multipart/alternative with the list headers."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from bulletin.domain.errors import UnsafeHeaderValue
from bulletin.mail.message import (
    ListHeaders,
    OutgoingMessage,
    build,
    feedback_id,
    list_id,
    message_id,
    sender_header,
)

TOKEN = "WzEyMzQ1NiwzXQ.aWcxZg.GBLTs2C_9xbAc4icVsAjkyviLG0"
UNSUBSCRIBE_URL = f"https://bulletin.example.com/unsubscribe/{TOKEN}"
UNSUBSCRIBE_MAILTO = f"mailto:unsubscribe@news.example.com?subject=unsubscribe%20{TOKEN}"


def list_headers(**overrides: str) -> ListHeaders:
    base = ListHeaders(
        list_id='"Breaking News" <breaking.news.example.com>',
        unsubscribe_url=UNSUBSCRIBE_URL,
        unsubscribe_mailto=UNSUBSCRIBE_MAILTO,
    )
    return dataclasses.replace(base, **overrides)


def outgoing(**overrides: object) -> OutgoingMessage:
    base = OutgoingMessage(
        sender="The Daily Example <alerts@news.example.com>",
        to="reader@readers.example.org",
        subject="Bridge closed after river floods",
        text="The Old Bridge is closed.\n\nRead more: https://news.example.com/bridge\n",
        html="<p>The Old Bridge is <b>closed</b>.</p>",
        message_id="<bulletin.c7.s42@news.example.com>",
        date=datetime(2026, 11, 25, 12, 30, tzinfo=UTC),
        list_headers=list_headers(),
    )
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


def parsed(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body(message: EmailMessage, subtype: str) -> str:
    """A body part's text with the wire's CRLF line ends read back as newlines."""
    part = message.get_body((subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content()).replace("\r\n", "\n")


def raw_header(raw: bytes, name: str) -> str:
    """A header exactly as it is on the wire, continuation lines included."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    match = re.search(rf"^{name}: .*?(?=\r\n[^ \t])", head + "\r\nEnd", re.M | re.S)
    assert match, f"no {name} header"
    return match.group(0)


def test_message_is_multipart_alternative_with_plain_text_then_html() -> None:
    message = parsed(build(outgoing()))
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert [p.get_content_charset() for p in parts] == ["utf-8", "utf-8"]
    assert body(message, "plain") == outgoing().text
    assert body(message, "html").strip() == outgoing().html


def test_envelope_headers_are_set() -> None:
    message = parsed(build(outgoing()))
    assert message["From"] == "The Daily Example <alerts@news.example.com>"
    assert message["To"] == "reader@readers.example.org"
    assert message["Subject"] == "Bridge closed after river floods"
    assert message["Date"].datetime == datetime(2026, 11, 25, 12, 30, tzinfo=UTC)
    assert message["Message-ID"] == "<bulletin.c7.s42@news.example.com>"
    assert message["MIME-Version"] == "1.0"


def test_list_headers_allow_one_click_unsubscribe() -> None:
    message = parsed(build(outgoing()))
    assert message["List-Id"] == '"Breaking News" <breaking.news.example.com>'
    assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE_URL}>, <{UNSUBSCRIBE_MAILTO}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_list_message_names_its_feedback_loop_group_for_gmail() -> None:
    headers = list_headers(feedback_id=feedback_id("alert", "breaking", "news.example.com"))
    message = parsed(build(outgoing(list_headers=headers)))
    assert message["Feedback-ID"] == "alert:breaking:news.example.com"
    assert parsed(build(outgoing()))["Feedback-ID"] is None  # none without one given


@pytest.mark.parametrize("part", ["", "a:b", "line\nbreak"])
def test_a_feedback_id_part_must_be_one_non_empty_word_without_colons(part: str) -> None:
    with pytest.raises((ValueError, UnsafeHeaderValue)):
        feedback_id("alert", part, "news.example.com")


def test_long_unsubscribe_links_go_on_the_wire_as_written_not_encoded() -> None:
    raw = build(outgoing())
    assert raw_header(raw, "List-Unsubscribe") == (
        f"List-Unsubscribe: <{UNSUBSCRIBE_URL}>,\r\n <{UNSUBSCRIBE_MAILTO}>"
    )


def test_message_without_list_headers_has_none() -> None:
    message = parsed(build(outgoing(list_headers=None)))
    assert message["List-Id"] is None
    assert message["List-Unsubscribe"] is None
    assert message["List-Unsubscribe-Post"] is None


def test_reply_threading_headers_are_set_when_given() -> None:
    parent = "<bulletin.c6.s42@news.example.com>"
    message = parsed(build(outgoing(in_reply_to=parent)))
    assert message["In-Reply-To"] == parent
    assert message["References"] == parent


def test_reply_threading_headers_are_absent_otherwise() -> None:
    message = parsed(build(outgoing()))
    assert message["In-Reply-To"] is None
    assert message["References"] is None


def test_long_message_id_in_threading_headers_stays_readable_on_the_wire() -> None:
    parent = f"<bulletin.special.{'x' * 80}@news.example.com>"
    raw = build(outgoing(in_reply_to=parent))
    assert raw_header(raw, "In-Reply-To") == f"In-Reply-To: {parent}"
    assert raw_header(raw, "References") == f"References: {parent}"


def test_extra_headers_are_added() -> None:
    message = parsed(build(outgoing(extra_headers={"Auto-Submitted": "auto-generated"})))
    assert message["Auto-Submitted"] == "auto-generated"


def test_output_uses_crlf_line_ends_only() -> None:
    raw = build(outgoing(text="one\ntwo\nthree\n", html="<p>one</p>\n<p>two</p>\n"))
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")


def test_headers_are_ascii_and_non_ascii_bodies_go_as_8bit_utf8() -> None:
    raw = build(outgoing(subject="Élection à Zürich", text="Grüße — ünïcode", html="<p>naïve</p>"))
    headers, _, _ = raw.partition(b"\r\n\r\n")
    assert headers.isascii()
    assert b"Content-Transfer-Encoding: 8bit" in raw
    assert "Grüße — ünïcode".encode() in raw


def test_ascii_bodies_go_as_7bit_and_unchanged() -> None:
    raw = build(outgoing(text="Plain news.\n", html="<p>Plain news.</p>"))
    assert raw.isascii()
    assert b"Content-Transfer-Encoding: 8bit" not in raw
    assert b"Content-Transfer-Encoding: 7bit" in raw


def test_a_body_line_too_long_for_smtp_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than 998"):
        build(outgoing(text="x" * 999))


def test_non_ascii_subject_and_bodies_round_trip() -> None:
    subject = "Élection à Zürich: 投票結果 — results are in at last for every district"
    message = parsed(build(outgoing(subject=subject, text="Grüße\n", html="<p>naïve</p>")))
    assert message["Subject"] == subject
    assert body(message, "plain") == "Grüße\n"
    assert body(message, "html").strip() == "<p>naïve</p>"


def test_body_line_starting_with_a_dot_survives() -> None:
    message = parsed(build(outgoing(text=".\n.hidden\n")))
    assert body(message, "plain") == ".\n.hidden\n"


@pytest.mark.parametrize("field", ["sender", "to", "subject", "message_id", "in_reply_to"])
@pytest.mark.parametrize("brk", ["\r\n", "\n", "\r"], ids=repr)
def test_line_break_in_any_header_value_refuses_to_build(field: str, brk: str) -> None:
    with pytest.raises(UnsafeHeaderValue, match="contains a line break"):
        build(outgoing(**{field: f"x@example.org{brk}Bcc: victim@example.org"}))


@pytest.mark.parametrize("field", ["list_id", "unsubscribe_url", "unsubscribe_mailto"])
def test_line_break_in_a_list_header_refuses_to_build(field: str) -> None:
    bad = list_headers(**{field: "https://x.example/\r\nBcc: victim@example.org"})
    with pytest.raises(UnsafeHeaderValue):
        build(outgoing(list_headers=bad))


def test_line_break_in_an_extra_header_refuses_to_build() -> None:
    with pytest.raises(UnsafeHeaderValue, match="Auto-Submitted"):
        build(outgoing(extra_headers={"Auto-Submitted": "no\r\nBcc: victim@example.org"}))


def test_list_id_quotes_the_list_name() -> None:
    assert list_id("Breaking News", "breaking", "news.example.com") == (
        '"Breaking News" <breaking.news.example.com>'
    )


def test_list_id_drops_quotes_and_backslashes_from_the_name() -> None:
    assert list_id('The "Big" \\ One', "big", "example.com") == '"The Big  One" <big.example.com>'


def test_list_id_refuses_a_name_with_a_line_break() -> None:
    with pytest.raises(UnsafeHeaderValue, match="list name"):
        list_id("Breaking\r\nBcc: x@example.org", "breaking", "example.com")


def test_message_id_wraps_local_part_and_domain() -> None:
    assert message_id("bulletin.c7.s42", "news.example.com") == "<bulletin.c7.s42@news.example.com>"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("alerts@news.example.com", "alerts@news.example.com"),
        ("Newsroom <alerts@news.example.com>", "Newsroom <alerts@news.example.com>"),
        ('"The Daily, Example" <a@news.example.com>', '"The Daily, Example" <a@news.example.com>'),
    ],
)
def test_sender_header_quotes_the_display_name_only_when_it_must(given: str, expected: str) -> None:
    assert sender_header(given) == expected


def test_sender_with_a_comma_in_its_name_stays_one_address_on_the_wire() -> None:
    sender = sender_header('"The Daily, Example" <alerts@news.example.com>')
    message = parsed(build(outgoing(sender=sender)))
    assert [a.addr_spec for a in message["From"].addresses] == ["alerts@news.example.com"]
    assert message["From"].addresses[0].display_name == "The Daily, Example"


def test_sender_header_refuses_a_line_break() -> None:
    with pytest.raises(UnsafeHeaderValue):
        sender_header("News <a@example.com>\nBcc: victim@example.org")
