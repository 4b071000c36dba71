"""Re-encoding an 8-bit message as 7-bit: the same message, decoded, in ASCII on the wire."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from bulletin.mail import message as mail
from bulletin.mail.transports.seven_bit import seven_bit

TEXT = "Grüße aus Zürich: € 5\n.leading dot\nFrom the desk\ntrailing space \n" + "ä" * 300
HTML = "<p>Grüße aus Zürich</p>\n<p>naïve café</p>"


def built(text: str = TEXT, html: str = HTML, **changes: object) -> bytes:
    outgoing = mail.OutgoingMessage(
        sender="Die Zeitung <news@zeitung.example>",
        to="leser@readers.example.org",
        subject="Eilmeldung: Grüße",
        text=text,
        html=html,
        message_id="<bulletin.c1.s2.k0123456789@zeitung.example>",
        date=datetime(2026, 3, 2, 6, 0, tzinfo=UTC),
        list_headers=mail.ListHeaders(
            list_id='"Eilmeldungen" <eil.zeitung.example>',
            unsubscribe_url="https://zeitung.example/unsubscribe/" + "t" * 120,
            unsubscribe_mailto="mailto:unsubscribe@zeitung.example?subject=unsubscribe",
        ),
    )
    return mail.build(outgoing)


def parsed(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def leaves(message: EmailMessage) -> list[EmailMessage]:
    return [part for part in message.walk() if not part.is_multipart()]


def test_eight_bit_parts_become_quoted_printable_and_decode_to_the_same_text() -> None:
    original = built()
    assert not original.isascii()

    downgraded = seven_bit(original)

    assert downgraded.isascii()
    before, after = leaves(parsed(original)), leaves(parsed(downgraded))
    assert [p["Content-Transfer-Encoding"] for p in after] == ["quoted-printable"] * 2
    assert [p.get_content() for p in after] == [p.get_content() for p in before]
    assert [p.get_content_type() for p in after] == ["text/plain", "text/html"]


def test_headers_are_kept_byte_for_byte() -> None:
    original = built()
    downgraded = seven_bit(original)

    assert downgraded.split(b"\r\n\r\n")[0] == original.split(b"\r\n\r\n")[0]


def test_lines_end_in_crlf_and_stay_short() -> None:
    lines = seven_bit(built()).split(b"\r\n")

    assert not any(b"\n" in line or b"\r" in line for line in lines)
    body = seven_bit(built()).split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76  # RFC 2045's limit for QP


def test_a_seven_bit_part_beside_an_eight_bit_one_is_left_as_it_is() -> None:
    original = built(html="<p>plain ASCII</p>")
    after = leaves(parsed(seven_bit(original)))

    assert [p["Content-Transfer-Encoding"] for p in after] == ["quoted-printable", "7bit"]
    assert after[1].as_bytes() == leaves(parsed(original))[1].as_bytes()


def test_a_seven_bit_message_comes_back_unchanged() -> None:
    original = built(text="Hello", html="<p>Hello</p>")

    assert seven_bit(original) is original
