"""Re-encoding an 8-bit message as 7-bit, for a relay that does not offer 8BITMIME.

RFC 6152 lets a client send 8-bit bodies only to a relay that offers 8BITMIME, and
asks it to declare them (`BODY=8BITMIME`). Nearly every relay offers it, so Bulletin
builds its bodies 8bit (a skeleton filled per reader must not re-wrap lines). For the
rare relay that does not, each 8-bit part is re-encoded here as quoted-printable,
which carries the same bytes in ASCII: the headers are kept byte for byte (ours are
7-bit already: the builder writes non-ASCII header text as RFC 2047 encoded words).

This costs a parse and a generation per message (about a millisecond): the price of a
relay without 8BITMIME, paid only there. A DKIM signature would not survive it, which
is why signed messages are built 7-bit from the start and never come here.
"""

from __future__ import annotations

import io
from email import message_from_bytes, quoprimime
from email.generator import BytesGenerator
from email.message import Message
from email.policy import compat32

# compat32 keeps each header as it was parsed, so the generator writes it back unchanged.
_POLICY = compat32.clone(linesep="\r\n")
_EIGHT_BIT = ("8bit", "binary")
_SEVEN_BIT_ALREADY = ("quoted-printable", "base64")


def seven_bit(data: bytes) -> bytes:
    """`data` with every 8-bit body part quoted-printable; 7-bit data comes back as is."""
    if data.isascii():
        return data
    message = message_from_bytes(data, policy=_POLICY)
    for part in message.walk():
        if not part.is_multipart():
            _quote(part)
        elif str(part.get("Content-Transfer-Encoding", "")).lower() in _EIGHT_BIT:
            # A multipart's encoding names its parts' (RFC 2045 6.4): 7bit once they are.
            part.replace_header("Content-Transfer-Encoding", "7bit")
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False, maxheaderlen=0, policy=_POLICY).flatten(message)
    return out.getvalue()


def _quote(part: Message) -> None:
    encoding = str(part.get("Content-Transfer-Encoding", "7bit")).strip().lower()
    if encoding in _SEVEN_BIT_ALREADY:
        return
    raw = part.get_payload(decode=True)  # 7bit, 8bit, binary: the octets as they are
    if not isinstance(raw, bytes) or raw.isascii():
        return
    # quoprimime works on text whose characters are the octets: latin-1 maps them 1:1.
    part.set_payload(quoprimime.body_encode(raw.decode("latin-1"), eol="\r\n"))
    if "Content-Transfer-Encoding" in part:
        part.replace_header("Content-Transfer-Encoding", "quoted-printable")
    else:
        part["Content-Transfer-Encoding"] = "quoted-printable"
