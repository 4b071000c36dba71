"""Reading a rejection: the enhanced code first, the text where the code says too little."""

from __future__ import annotations

import pytest

from bulletin.mail.returns import ReturnClass, classify_reply
from bulletin.mail.returns.codes import classify_code, parse, reply_code
from bulletin.mail.returns.reasons import REASONS

A = ReturnClass


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("5.1.1", A.ADDRESS),  # bad destination mailbox
        ("5.1.2", A.ADDRESS),  # bad destination system
        ("5.1.6", A.ADDRESS),  # mailbox moved
        ("5.1.10", A.ADDRESS),  # null MX (RFC 7505)
        ("5.1.7", A.SENDER),  # our sender address's syntax
        ("5.1.8", A.SENDER),  # our sender's system
        ("5.2.1", A.MAILBOX),
        ("5.2.2", A.MAILBOX),
        ("5.2.3", A.SENDER),  # our message too long
        ("5.3.4", A.SENDER),  # our message too big
        ("5.4.4", A.ADDRESS),  # unable to route: no mail host
        ("5.4.7", A.UNKNOWN),  # delivery time expired: says nothing of the reader
        ("5.5.3", A.SENDER),
        ("5.6.1", A.SENDER),
        ("5.7.1", A.SENDER),
        ("5.7.26", A.SENDER),
        ("5.7.13", A.MAILBOX),  # account disabled
        ("5.7.17", A.ADDRESS),  # mailbox owner has changed
        ("4.2.2", A.MAILBOX),
        ("4.4.1", A.TEMPORARY),
        ("4.7.0", A.SENDER),
        ("4.7.28", A.SENDER),
        ("2.0.0", A.DELIVERED),
        ("5.0.0", None),  # generic: the text must decide
    ],
)
def test_enhanced_codes_mean_what_rfc_3463_says(code: str, cls: ReturnClass | None) -> None:
    assert classify_code(code) == cls


def test_codes_are_found_in_text_but_not_in_ip_addresses_or_versions() -> None:
    assert parse("smtp; 550-5.7.26 This mail has been blocked") == "5.7.26"
    assert parse("#5.1.1 (user unknown)") == "5.1.1"
    assert parse("host 192.0.2.25 (Exim 4.94.2) refused") is None
    assert parse("from 10.5.1.1 on port 25") is None
    assert reply_code("smtp; 550 5.1.1 <a@b>") == 550
    assert reply_code("[192.0.2.25] said: 450 4.2.1 slow down") == 450
    assert reply_code("received at 2026-11-25") is None


def test_a_specific_code_beats_a_text_that_would_say_otherwise() -> None:
    # "user unknown" in a 5.7.1 policy rejection: the code (sender-side) decides.
    found = classify_reply("5.7.1", "550 5.7.1 Recipient address rejected: user unknown")
    assert found.cls is A.SENDER


def test_a_generic_code_leaves_it_to_the_providers_text() -> None:
    gone = classify_reply(
        "5.0.0", "554 delivery error: dd This user doesn't have a yahoo.com account"
    )
    blocked = classify_reply("5.0.0", "554 Service unavailable; Client host blocked using Spamhaus")
    unknown = classify_reply("5.0.0", "550 Message rejected")

    assert (gone.cls, gone.reason) == (A.ADDRESS, "yahoo-no-such-user")
    assert (blocked.cls, blocked.reason) == (A.SENDER, "blocklisted")
    assert (unknown.cls, unknown.status) == (A.UNKNOWN, "5.0.0")


def test_the_more_specific_code_in_the_reply_beats_a_generic_status() -> None:
    found = classify_reply("5.0.0", "smtp; 550 5.7.26 Unauthenticated email is not accepted")

    assert (found.cls, found.status) == (A.SENDER, "5.7.26")


def test_texts_known_to_come_with_a_misleading_code_override_it() -> None:
    dbeb = classify_reply(
        "5.4.1", "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)"
    )
    outlook = classify_reply("5.5.0", "550 5.5.0 Requested action not taken: mailbox unavailable.")
    ses = classify_reply("5.1.1", "Amazon SES has suppressed sending to this address")

    assert [dbeb.cls, outlook.cls, ses.cls] == [A.ADDRESS, A.ADDRESS, A.SENDER]


def test_a_temporary_failure_never_reads_as_an_address_that_is_gone() -> None:
    assert classify_reply(None, "450 user unknown, try later").cls is A.TEMPORARY
    assert classify_reply("4.1.1", "450 4.1.1 unverified address").cls is A.TEMPORARY
    assert classify_reply("5.1.1", "550 5.1.1 no such user", action="delayed").cls is A.TEMPORARY


def test_no_code_and_no_known_text_is_unknown_or_temporary_by_the_reply_code() -> None:
    assert classify_reply(None, "550 go away").cls is A.UNKNOWN
    assert classify_reply(None, "421 come back later").cls is A.TEMPORARY
    assert classify_reply(None, "").cls is A.UNKNOWN
    assert classify_reply(None, None, action="delivered").cls is A.DELIVERED


def test_every_reason_has_a_distinct_name() -> None:
    names = [reason.name for reason in REASONS]
    assert len(names) == len(set(names))
