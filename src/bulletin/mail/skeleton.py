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
from collections.abc import Sequence
from dataclasses import replace
from operator import itemgetter

from bulletin.mail.message import OutgoingMessage, build, is_eight_bit

# Placeholders that no template, link or header could contain by accident, made only of
# characters every part of a message carries unchanged. "tag" is the reader's return
# tag in the Message-ID; "reply0".. are their tags for the campaigns a follow-up
# answers (References), at most MAX_REPLIES of them.
MAX_REPLIES = 6
SLOTS = {
    "to": "bltnslotto@slot.bulletin.invalid",
    "token": "BLTNSLOTTOKENx9q",
    "subscriber": "BLTNSLOTSUBSCRIBERx9q",
    "preferences": "BLTNSLOTPREFERENCESx9q",
    "tag": "bltnslottagx9q",
    **{f"reply{n}": f"bltnslotreply{n}x9q" for n in range(MAX_REPLIES)},
}
REPLY_SLOTS = tuple(SLOTS[f"reply{n}"] for n in range(MAX_REPLIES))
# The order fill() takes the values in: the names above, in SLOTS order.
_INDEX = {value.encode(): index for index, value in enumerate(SLOTS.values())}
_SLOT_PATTERN = re.compile("|".join(re.escape(v) for v in SLOTS.values()).encode())


class Skeleton:
    def __init__(self, message: OutgoingMessage) -> None:
        """`message` must use the SLOTS values where per-reader values go."""
        built = build(replace(message, to=SLOTS["to"]))
        self.eight_bit = is_eight_bit(built)
        order = [_INDEX[m.group(0)] for m in _SLOT_PATTERN.finditer(built)]
        self._template = _SLOT_PATTERN.sub(b"%b", built.replace(b"%", b"%%"))
        # A message always has its To and Message-ID slots, so this picks a tuple.
        self._pick = itemgetter(*order)

    def fill(
        self,
        *,
        to: str,
        token: str,
        subscriber: int,
        preferences: str,
        tag: str,
        reply_tags: Sequence[str] = (),
    ) -> bytes:
        """The message for one reader; `reply_tags` in the order of the References."""
        values = [
            to.encode(),
            token.encode(),
            str(subscriber).encode(),
            preferences.encode(),
            tag.encode(),
        ]
        if reply_tags:
            values += [reply.encode() for reply in reply_tags]
        return self._template % self._pick(values)
