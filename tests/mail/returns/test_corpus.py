"""Every message in tests/fixtures/returns read as what it is: class, code, recipient, attribution.

One row per file. The fixtures are written in the formats the RFCs and the providers
document (RFC 3464 DSNs from Postfix, Sendmail, Exchange Online and Amazon SES,
Exim's plain-text bounce, qmail, ARF and RFC 6591 reports, Microsoft JMRP, SES's SNS
notices, RFC 3834 replies), about a message we sent to READER as campaign 7,
subscriber 42, its VERP address and Message-ID signed as the composer signs them.
"""

from __future__ import annotations

import pytest

from bulletin.mail.returns import ReturnClass, ReturnTags, read_return
from tests.support.factories import SECRET
from tests.support.returns import FIXTURES, returned_mail

A = ReturnClass
DOMAIN = "news.example.com"
READER = "reader.one@readers.example.org"

# file, class, status, the recipient it names (READER or None), attributed
CORPUS: list[tuple[str, ReturnClass, str | None, str | None, bool]] = [
    # RFC 3464 delivery status notifications: the code decides, the text where it must
    ("postfix_550_5_1_1_user_unknown.eml", A.ADDRESS, "5.1.1", READER, True),
    ("sendmail_550_5_1_1_user_unknown.eml", A.ADDRESS, "5.1.1", READER, True),
    ("gmail_550_5_1_1_no_such_account.eml", A.ADDRESS, "5.1.1", READER, True),
    ("office365_550_5_1_10_recipient_not_found.eml", A.ADDRESS, "5.1.10", READER, True),
    ("postfix_5_1_10_null_mx.eml", A.ADDRESS, "5.1.10", READER, True),
    ("postfix_5_4_4_domain_not_found.eml", A.ADDRESS, "5.4.4", READER, True),
    ("yahoo_554_dd_user_has_no_account.eml", A.ADDRESS, "5.0.0", READER, True),
    ("outlook_550_5_5_0_mailbox_unavailable.eml", A.ADDRESS, "5.5.0", READER, True),
    ("office365_550_5_4_1_dbeb_recipient_rejected.eml", A.ADDRESS, "5.4.1", READER, True),
    ("ses_forwarded_dsn_5_1_1.eml", A.ADDRESS, "5.1.1", READER, True),
    ("gmail_552_5_2_2_over_quota.eml", A.MAILBOX, "5.2.2", READER, True),
    ("gmail_550_5_2_1_account_disabled.eml", A.MAILBOX, "5.2.1", READER, True),
    ("dsn_delayed_4_2_2_mailbox_full.eml", A.MAILBOX, "4.2.2", READER, True),
    ("gmail_550_5_7_26_unauthenticated.eml", A.SENDER, "5.7.26", READER, True),
    ("gmail_550_5_7_1_unsolicited_low_reputation.eml", A.SENDER, "5.7.1", READER, True),
    ("gmail_421_4_7_28_rate_limited_delayed.eml", A.SENDER, "4.7.28", READER, True),
    ("yahoo_421_4_7_0_tss04_deferred.eml", A.SENDER, "4.7.0", READER, True),
    ("yahoo_553_5_7_1_bl21_blocklisted.eml", A.SENDER, "5.7.1", READER, True),
    ("outlook_550_5_7_1_s3150_block_list.eml", A.SENDER, "5.7.1", READER, True),
    ("office365_550_5_7_708_ip_reputation.eml", A.SENDER, "5.7.708", READER, True),
    ("spamhaus_554_5_7_1_client_host_blocked.eml", A.SENDER, "5.7.1", READER, True),
    ("postfix_554_5_7_1_relay_access_denied.eml", A.SENDER, "5.7.1", READER, True),
    ("dsn_550_5_0_0_no_reason_given.eml", A.UNKNOWN, "5.0.0", READER, True),
    ("postfix_delivered_2_0_0_success_notice.eml", A.DELIVERED, "2.0.0", READER, True),
    # the old, unsigned VERP address and Message-ID: read, but attributed to no one
    ("legacy_unsigned_verp_550_5_1_1.eml", A.ADDRESS, "5.1.1", READER, False),
    # bounces with no DSN part
    ("exim_550_5_1_1_plain_text_bounce.eml", A.ADDRESS, "5.1.1", READER, True),
    ("exim_delay_warning_4_2_2_over_quota.eml", A.MAILBOX, "4.2.2", READER, True),
    ("qmail_550_5_1_1_remote_host_said.eml", A.ADDRESS, "5.1.1", READER, True),
    ("groupwise_undeliverable_no_reason.eml", A.UNKNOWN, None, READER, True),
    # feedback reports (RFC 5965, RFC 6591) and Microsoft's JMRP
    ("arf_abuse_complaint.eml", A.COMPLAINT, None, READER, True),
    ("yahoo_arf_abuse_complaint.eml", A.COMPLAINT, None, READER, True),
    ("yahoo_header_only_complaint.eml", A.COMPLAINT, None, READER, True),
    ("microsoft_jmrp_complaint.eml", A.COMPLAINT, None, READER, True),
    ("arf_opt_out.eml", A.OPT_OUT, None, READER, True),
    ("arf_not_spam_report.eml", A.REPORT, None, READER, True),
    ("rfc6591_auth_failure_dkim.eml", A.REPORT, None, READER, True),
    # Amazon SES notices delivered by SNS email
    ("ses_bounce_permanent_general_5_1_1.eml", A.ADDRESS, "5.1.1", READER, True),
    ("ses_bounce_permanent_general_5_7_26_unauthenticated.eml", A.SENDER, "5.7.26", READER, True),
    ("ses_bounce_permanent_noemail.eml", A.ADDRESS, "5.1.1", READER, True),
    ("ses_bounce_permanent_suppressed.eml", A.SENDER, "5.1.1", READER, True),
    ("ses_bounce_transient_mailbox_full.eml", A.MAILBOX, "4.2.2", READER, True),
    ("ses_complaint_abuse.eml", A.COMPLAINT, None, READER, True),
    ("ses_delivery_notice.eml", A.DELIVERED, None, READER, True),
    # auto-replies, and mail that is no return at all
    ("rfc3834_out_of_office.eml", A.AUTO_REPLY, None, READER, True),
    ("vacation_automatic_reply_x_autoreply.eml", A.AUTO_REPLY, None, READER, True),
    ("human_reply_to_bounce_address.eml", A.UNKNOWN, None, None, False),
]


def test_every_fixture_has_a_row_and_there_are_at_least_thirty() -> None:
    files = sorted(path.name for path in FIXTURES.glob("*.eml"))
    assert sorted(row[0] for row in CORPUS) == files
    assert len(files) >= 30


@pytest.mark.parametrize(
    ("name", "cls", "status", "recipient", "attributed"), CORPUS, ids=[row[0] for row in CORPUS]
)
def test_each_return_reads_as_what_it_is(
    name: str, cls: ReturnClass, status: str | None, recipient: str | None, attributed: bool
) -> None:
    raw = returned_mail(name, campaign=7, subscriber=42, email=READER)

    found = read_return(raw, domain=DOMAIN, verify=ReturnTags(SECRET).verify)

    assert (found.cls, found.status, found.recipient) == (cls, status, recipient)
    assert found.attributed is attributed
    expected = (7, 42) if attributed else (None, None)
    assert (found.campaign_id, found.subscriber_id) == expected
    assert found.key and found.provider


def test_a_report_carries_the_servers_own_words_trimmed_to_one_line() -> None:
    raw = returned_mail(
        "gmail_550_5_7_26_unauthenticated.eml", campaign=7, subscriber=42, email=READER
    )

    found = read_return(raw, domain=DOMAIN, verify=ReturnTags(SECRET).verify)

    assert found.diagnostic.startswith("550-5.7.26 This mail has been blocked because the sender")
    assert "\n" not in found.diagnostic and "  " not in found.diagnostic
    assert found.reason == "gmail-unauthenticated" and found.provider == "rfc3464"


def test_feedback_reports_say_their_type() -> None:
    tags = ReturnTags(SECRET)
    types = {
        name: read_return(
            returned_mail(name, campaign=7, subscriber=42, email=READER),
            domain=DOMAIN,
            verify=tags.verify,
        ).feedback_type
        for name in ("arf_opt_out.eml", "rfc6591_auth_failure_dkim.eml", "ses_complaint_abuse.eml")
    }
    assert types == {
        "arf_opt_out.eml": "opt-out",
        "rfc6591_auth_failure_dkim.eml": "auth-failure",
        "ses_complaint_abuse.eml": "abuse",
    }


def test_the_same_message_has_the_same_key_and_another_message_another() -> None:
    verify = ReturnTags(SECRET).verify
    one = returned_mail(
        "postfix_550_5_1_1_user_unknown.eml", campaign=7, subscriber=42, email=READER
    )
    two = returned_mail(
        "postfix_550_5_1_1_user_unknown.eml", campaign=7, subscriber=43, email=READER
    )

    assert (
        read_return(one, domain=DOMAIN, verify=verify).key
        == read_return(one, domain=DOMAIN, verify=verify).key
    )
    assert (
        read_return(one, domain=DOMAIN, verify=verify).key
        != read_return(two, domain=DOMAIN, verify=verify).key
    )
