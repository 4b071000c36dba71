"""Reading returned mail from where an operator keeps it: a Maildir, an mbox, one file, stdin."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from bulletin.domain.errors import InvalidInput
from bulletin.mail.mailboxes import read_messages
from tests.support.returns import returned_mail

READER = "gone@readers.example.org"


def test_messages_are_read_from_a_maildir_an_mbox_and_a_single_file(tmp_path: Path) -> None:
    hard = returned_mail(
        "postfix_550_5_1_1_user_unknown.eml", campaign=1, subscriber=2, email=READER
    )
    soft = returned_mail(
        "dsn_delayed_4_2_2_mailbox_full.eml", campaign=1, subscriber=2, email=READER
    )
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
    assert [b"Status: 5.1.1" in raw for _, raw in from_mbox] == [True, False]
    single = tmp_path / "one.eml"
    single.write_bytes(hard)
    assert [raw for _, raw in read_messages(str(single))] == [hard]
    assert [raw for _, raw in read_messages("-", stdin=hard)] == [hard]


def test_a_missing_path_or_a_plain_directory_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot be read"):
        list(read_messages(str(tmp_path / "nothing-here")))
    with pytest.raises(InvalidInput, match="not a Maildir"):
        list(read_messages(str(tmp_path)))
