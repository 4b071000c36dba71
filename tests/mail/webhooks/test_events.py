"""Specifications for the shared reading of status codes and words."""

from __future__ import annotations

import pytest

from bulletin.mail.returns import ReturnClass as C
from bulletin.mail.webhooks.events import enhanced_code, status_class, text_class


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("5.1.1", C.ADDRESS),
        ("5.1.10", C.ADDRESS),  # null MX
        ("5.1.8", C.SENDER),  # our sender's domain
        ("5.2.2", C.MAILBOX),
        ("4.2.2", C.MAILBOX),
        ("5.2.1", C.MAILBOX),
        ("5.2.3", C.SENDER),  # our message is too long
        ("5.3.4", C.SENDER),
        ("5.7.1", C.SENDER),
        ("5.7.26", C.SENDER),
        ("4.7.0", C.SENDER),  # rate limited, greylisted for reputation
        ("4.4.7", C.TEMPORARY),
        ("5.4.4", C.TEMPORARY),
        ("5.0.0", None),
        ("", None),
        (None, None),
        ("550", None),
    ],
)
def test_status_codes_read_as_rfc_3463_means_them(status: str | None, expected: C | None) -> None:
    assert status_class(status) is expected


def test_the_enhanced_code_is_found_in_a_diagnostic() -> None:
    assert enhanced_code("smtp; 550 5.1.1 <a@b.example>: user unknown") == "5.1.1"
    assert enhanced_code(None, "421-4.7.28 Gmail has detected an unusual rate") == "4.7.28"
    assert enhanced_code("sent from 10.2.3.4 at 12.30") is None


def test_words_say_what_a_code_does_not() -> None:
    assert text_class("550 No such user here") is C.ADDRESS
    assert text_class("552 Mailbox full") is C.MAILBOX
    assert text_class("554 Message rejected as spam") is C.SENDER
    assert text_class("550 Requested action not taken") is None
