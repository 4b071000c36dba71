"""A campaign's message built once, with each reader's values filled in per send.

Building a message with the `email` package costs about 1 ms of CPU; a campaign of a
million readers cannot afford that per reader. The skeleton is the full builder's own
output for placeholder values, split where those values appear; filling it in is one
bytes formatting call. Because the builder writes the per-reader headers verbatim and
the bodies as 7bit/8bit (see `message`), a filled skeleton is byte-for-byte what the
builder would have produced for that reader (tests/mail/test_skeleton.py checks it).

Signed with DKIM (`dkim` given), the skeleton is built 7-bit (quoted-printable bodies
that never split a slot) and its signing work is done here once (`dkim.Prepared`):
per reader, `fill` adds only the signatures over the filled copy.

The skeleton is also the campaign's `Template` on the relay seam (`template`): the
built message with its placeholders, for provider relays that send many readers in one
request with substitutions per reader; `reader_values` gives a reader's values for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from operator import itemgetter

from bulletin.mail.dkim import Fill, Prepared, Signer
from bulletin.mail.message import OutgoingMessage, build, is_eight_bit
from bulletin.mail.transports.seam import Template

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
# The most characters each slot is filled with (addresses 254; tokens, measured, under
# 70 for ids of 13 digits): a quoted-printable line is kept short enough for them.
WIDEST = {
    SLOTS["to"]: 254,
    SLOTS["token"]: 72,
    SLOTS["subscriber"]: 20,
    SLOTS["preferences"]: 80,
    **{SLOTS[name]: 24 for name in SLOTS if name == "tag" or name.startswith("reply")},
}
# The order fill() takes the values in: the names above, in SLOTS order.
_INDEX = {value.encode(): index for index, value in enumerate(SLOTS.values())}
_SLOT_PATTERN = re.compile("|".join(re.escape(v) for v in SLOTS.values()).encode())


class Skeleton:
    def __init__(self, message: OutgoingMessage, *, dkim: Signer | None = None) -> None:
        """`message` must use the SLOTS values where per-reader values go."""
        signed = dkim is not None
        built = build(replace(message, to=SLOTS["to"]), seven_bit=signed, whole=WIDEST)
        self.eight_bit = is_eight_bit(built)
        order = [_INDEX[m.group(0)] for m in _SLOT_PATTERN.finditer(built)]
        self._template = _SLOT_PATTERN.sub(b"%b", built.replace(b"%", b"%%"))
        # A message always has its To and Message-ID slots, so this picks a tuple.
        self._pick = itemgetter(*order)
        at = int(message.date.timestamp())
        self._dkim: Prepared | None = dkim.prepare(built, SkeletonSlots(), at=at) if dkim else None
        self.template = Template(built, tuple(SLOTS.items()))

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
        return self.fill_values(
            reader_values(
                to=to,
                token=token,
                subscriber=subscriber,
                preferences=preferences,
                tag=tag,
                reply_tags=reply_tags,
            )
        )

    def fill_values(self, values: Sequence[bytes]) -> bytes:
        """The message for one reader's `values` (in SLOTS order, as `reader_values` makes them)."""
        if self._dkim is None:
            return self._template % self._pick(values)
        return self._dkim.headers(values) + self._template % self._pick(values)


def reader_values(
    *, to: str, token: str, subscriber: int, preferences: str, tag: str, reply_tags: Sequence[str]
) -> list[bytes]:
    """A reader's values in SLOTS order (the template's `slots`), up to their last reply tag."""
    found = [
        to.encode(),
        token.encode(),
        str(subscriber).encode(),
        preferences.encode(),
        tag.encode(),
    ]
    if reply_tags:
        found += [reply.encode() for reply in reply_tags]
    return found


class SkeletonSlots:
    """The skeleton's slots, for the DKIM signer's own templates (`dkim.Slots`)."""

    def filler(self, data: bytes) -> Fill:
        order = [_INDEX[m.group(0)] for m in _SLOT_PATTERN.finditer(data)]
        if not order:
            return lambda _values: data
        template = _SLOT_PATTERN.sub(b"%b", data.replace(b"%", b"%%"))
        if len(order) == 1:
            index = order[0]
            return lambda values: template % values[index]
        pick = itemgetter(*order)
        return lambda values: template % pick(values)

    def first(self, data: bytes) -> int:
        found = _SLOT_PATTERN.search(data)
        return found.start() if found else len(data)
