"""Reading a finished message back into a JSON API's fields, as the email package would."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest

from bulletin.mail.transports.providers.fields import message_fields
from tests.support.providers import reader_message


def test_our_list_message_gives_its_sender_subject_bodies_and_other_headers() -> None:
    fields = message_fields(reader_message("reader@readers.example.org").data)

    assert (fields.from_name, fields.from_address) == (
        "Daily Bugle Alerts",
        "alerts@news.example.com",
    )
    assert fields.subject == "Parliament dissolved"
    assert fields.text is not None and fields.text.startswith("Elections follow in 60 days.")
    assert fields.html is not None and fields.html.startswith("<p>Elections")
    assert [name for name, _ in fields.headers] == [
        "Message-ID",
        "List-Id",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
        "Feedback-ID",
    ]
    assert fields.message_id == "<bulletin.c3.s7.k0123456789@news.example.com>"


def test_a_folded_header_is_unfolded_and_an_encoded_subject_decoded() -> None:
    data = reader_message("r@readers.example.org", subject="Élection: the results").data

    fields = message_fields(data)

    assert fields.subject == "Élection: the results"
    unsubscribe = dict(fields.headers)["List-Unsubscribe"]
    assert "\r" not in unsubscribe and "\n" not in unsubscribe
    assert unsubscribe.startswith("<https://news.example.com/unsubscribe/tok7>, <mailto:")


def _message(cte: str, *, dkim: bool = False) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = '"Desk, The" <desk@news.example.com>'
    message["Subject"] = "Storm"
    if dkim:
        message["DKIM-Signature"] = "v=1; a=rsa-sha256; d=news.example.com; b=abc"
    message.set_content("Storm makes landfall — café.\n", cte=cte)
    message.add_alternative("<p>Storm — café</p>\n", subtype="html", cte=cte)
    return message.as_bytes()


@pytest.mark.parametrize("cte", ["quoted-printable", "base64", "8bit"])
def test_each_transfer_encoding_is_decoded(cte: str) -> None:
    fields = message_fields(_message(cte))

    assert fields.text is not None and fields.text.replace("\r\n", "\n") == (
        "Storm makes landfall — café.\n"
    )
    assert fields.html is not None and "café" in fields.html
    assert fields.from_header == '"Desk, The" <desk@news.example.com>'


def test_our_dkim_signature_is_not_passed_on_to_a_provider_that_rebuilds_the_message() -> None:
    fields = message_fields(_message("8bit", dkim=True))

    assert "DKIM-Signature" not in dict(fields.headers)


def test_a_structure_we_do_not_build_is_read_by_the_email_package() -> None:
    message = EmailMessage(policy=SMTP)
    message["From"] = "desk@news.example.com"
    message.set_content("plain words\n")
    message.add_attachment(b"\x89PNG", maintype="image", subtype="png", filename="a.png")

    fields = message_fields(message.as_bytes())

    assert fields.text is not None and fields.text.replace("\r\n", "\n") == "plain words\n"
    assert fields.html is None


def test_a_message_without_a_text_or_html_body_is_refused() -> None:
    with pytest.raises(ValueError, match="no text or HTML body"):
        message_fields(b"From: a@news.example.com\r\nContent-Type: image/png\r\n\r\nxx")
