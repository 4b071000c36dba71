"""A campaign's message built once, with each reader's values filled in per send.

Building a message with the `email` package costs about 1 ms of CPU; a campaign of a
million readers cannot afford that per reader. The skeleton is the full builder's own
output for placeholder values, split where those values appear; filling it in is one
bytes formatting call. Because the builder writes the per-reader headers verbatim and
the bodies as 7bit/8bit (see `message`), a filled skeleton is byte-for-byte what the
builder would have produced for that reader (tests/mail/test_skeleton.py checks it).
"""

from __future__ import annotations

import re
from dataclasses import replace

from bulletin.mail.message import OutgoingMessage, build, is_eight_bit

# Placeholders that no template, link or header could contain by accident, made only of
# characters every part of a message carries unchanged.
SLOTS = {
    "to": "bltnslotto@slot.bulletin.invalid",
    "token": "BLTNSLOTTOKENx9q",
    "subscriber": "BLTNSLOTSUBSCRIBERx9q",
    "preferences": "BLTNSLOTPREFERENCESx9q",
}
_SLOT_PATTERN = re.compile("|".join(re.escape(v) for v in SLOTS.values()).encode())
_NAME_OF = {value.encode(): name for name, value in SLOTS.items()}


class Skeleton:
    def __init__(self, message: OutgoingMessage) -> None:
        """`message` must use the SLOTS values where per-reader values go."""
        built = build(replace(message, to=SLOTS["to"]))
        self.eight_bit = is_eight_bit(built)
        self._order = [_NAME_OF[m.group(0)] for m in _SLOT_PATTERN.finditer(built)]
        self._template = _SLOT_PATTERN.sub(b"%b", built.replace(b"%", b"%%"))

    def fill(self, *, to: str, token: str, subscriber: int, preferences: str) -> bytes:
        values = {
            "to": to.encode(),
            "token": token.encode(),
            "subscriber": str(subscriber).encode(),
            "preferences": preferences.encode(),
        }
        return self._template % tuple(values[name] for name in self._order)
