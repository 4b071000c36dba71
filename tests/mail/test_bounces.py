"""Reading returned mail: DSN hard and soft bounces, ARF complaints, and what is neither."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from bulletin.domain.errors import InvalidInput
from bulletin.mail.bounces import Kind, read_report
from bulletin.mail.mailboxes import parse, read_messages
from tests.support.bounces import returned_mail

DOMAIN = "news.example.com"
READER = "gone@readers.example.org"


def _report(name: str, **overrides: object):  # type: ignore[no-untyped-def]
    raw = returned_mail(name, campaign=7, subscriber=42, email=READER)
    for old, new in overrides.items():
        raw = raw.replace(old.encode(), str(new).encode())
    return read_report(parse(raw), raw, domain=DOMAIN)


def test_a_dsn_with_5xx_is_a_hard_bounce_attributed_by_verp() -> None:
    report = _report("dsn_hard.eml")
    assert report.kind is Kind.HARD
    assert report.addresses == (READER,)
    assert (report.campaign_id, report.subscriber_id) == (7, 42)
    assert "5.1.1" in report.detail and "User unknown" not in report.detail.split(";")[0]


def test_a_delay_dsn_is_a_soft_bounce() -> None:
    report = _report("dsn_soft.eml")
    assert report.kind is Kind.SOFT and report.addresses == (READER,)
    assert "4.2.2" in report.detail and (report.campaign_id, report.subscriber_id) == (7, 42)


def test_an_arf_report_is_a_complaint_found_by_the_original_message_id() -> None:
    report = _report("arf_complaint.eml")
    assert report.kind is Kind.COMPLAINT
    assert report.detail == "feedback-type abuse"
    assert report.addresses == (READER,)
    assert (report.campaign_id, report.subscriber_id) == (7, 42)


def test_a_bounce_without_verp_is_attributed_by_the_quoted_message_id() -> None:
    raw = returned_mail("dsn_hard.eml", campaign=7, subscriber=42, email=READER)
    raw = raw.replace(b"bounces+c7.s42@", b"bounces@")
    report = read_report(parse(raw), raw, domain=DOMAIN)
    assert report.kind is Kind.HARD and (report.campaign_id, report.subscriber_id) == (7, 42)


def test_ids_for_another_domain_are_not_ours() -> None:
    report = _report("dsn_hard.eml", **{"news.example.com": "elsewhere.example"})
    assert report.kind is Kind.HARD and report.campaign_id is None


def test_an_out_of_office_reply_is_not_a_bounce() -> None:
    assert _report("autoreply.eml").kind is Kind.NONE


def test_garbage_is_not_a_bounce_and_does_not_raise() -> None:
    raw = b"\x00\xff not an email at all\r\n\r\n--\r\n"
    assert read_report(parse(raw), raw, domain=DOMAIN).kind is Kind.NONE


def test_messages_are_read_from_a_maildir_an_mbox_and_a_single_file(tmp_path: Path) -> None:
    hard = returned_mail("dsn_hard.eml", campaign=1, subscriber=2, email=READER)
    soft = returned_mail("dsn_soft.eml", campaign=1, subscriber=2, email=READER)
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    maildir.add(hard)
    maildir.add(soft)
    assert sorted(len(raw) for _, raw in read_messages(str(tmp_path / "Maildir"))) == sorted(
        [len(hard), len(soft)]
    )
    box = mailbox.mbox(tmp_path / "returned.mbox")
    box.add(hard)
    box.add(soft)
    box.flush()
    from_mbox = list(read_messages(str(tmp_path / "returned.mbox")))
    assert [where for where, _ in from_mbox] == [
        f"{tmp_path / 'returned.mbox'} (message 1)",
        f"{tmp_path / 'returned.mbox'} (message 2)",
    ]
    kinds = [read_report(parse(raw), raw, domain=DOMAIN).kind for _, raw in from_mbox]
    assert kinds == [Kind.HARD, Kind.SOFT]
    single = tmp_path / "one.eml"
    single.write_bytes(hard)
    assert [raw for _, raw in read_messages(str(single))] == [hard]
    assert [raw for _, raw in read_messages("-", stdin=hard)] == [hard]


def test_a_missing_path_or_a_plain_directory_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot be read"):
        list(read_messages(str(tmp_path / "nothing-here")))
    with pytest.raises(InvalidInput, match="not a Maildir"):
        list(read_messages(str(tmp_path)))
