"""The short keyed signature our VERP address and Message-ID carry, so returns can be trusted.

Every list message names its campaign and reader twice, in its envelope sender
(`bounces+c12.s345.k7f3a9c20b1@domain`) and in its Message-ID
(`<bulletin.c12.s345.k7f3a9c20b1@domain>`), and both end in the same tag: ten hex
digits (40 bits) of a BLAKE2s MAC of "campaign.subscriber", keyed by a key derived
from `BULLETIN_SECRET_KEY` for this purpose alone. Forging one takes, on average,
half a trillion tries, each a message we would have to receive and read; and a
forger must also guess the reader's internal id, which no message shows them. Returned mail is
attributed to a reader only when a tag it carries verifies, so nobody can get a
reader suppressed by forging a bounce that merely names them.

Tags are lowercase hex and verified case-insensitively: mail servers may change the
case of a local part on the way back. (Hex rather than base32: Python's base32 is
written in Python, and a tag is made for every reader of every send.)
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

PURPOSE = b"bulletin.return-tag.v1"
TAG_LENGTH = 10  # hex digits: 40 bits

# verify(campaign_id, subscriber_id, tag): whether we made that tag for that pair.
Verify = Callable[[int, int, str], bool]


class ReturnTags:
    """Makes and checks the tags; one per secret key, shared by every composer."""

    def __init__(self, secret_key: str) -> None:
        key = hmac.digest(secret_key.encode(), PURPOSE, "sha256")
        # The keyed state is built once and copied per tag: keying costs a compression.
        self._keyed = hashlib.blake2s(key=key, digest_size=TAG_LENGTH // 2)

    def tag(self, campaign_id: int, subscriber_id: int | str) -> str:
        mac = self._keyed.copy()
        mac.update(f"{campaign_id}.{subscriber_id}".encode())
        return mac.hexdigest()

    def signer(self, campaign_id: int) -> Callable[[int], str]:
        """`tag` for one campaign's readers, at the engine's pace: the MAC has taken in
        "campaign." once, so each reader costs a copy, their id and the digest."""
        keyed = self._keyed.copy()
        keyed.update(f"{campaign_id}.".encode())
        copy = keyed.copy

        def sign(subscriber_id: int) -> str:
            mac = copy()
            mac.update(b"%d" % subscriber_id)
            return mac.hexdigest()

        return sign

    def verify(self, campaign_id: int, subscriber_id: int, tag: str) -> bool:
        if len(tag) != TAG_LENGTH or not tag.isascii():
            return False
        return hmac.compare_digest(self.tag(campaign_id, subscriber_id), tag.lower())


def verp_local(campaign_id: int, subscriber_id: int | str, tag: str) -> str:
    """The local part of a reader's envelope sender: `bounces+cC.sS.kTAG`."""
    return f"bounces+c{campaign_id}.s{subscriber_id}.k{tag}"


def message_id_local(campaign_id: int, subscriber_id: int | str, tag: str) -> str:
    """The local part of a reader's Message-ID: `bulletin.cC.sS.kTAG`."""
    return f"bulletin.c{campaign_id}.s{subscriber_id}.k{tag}"


@dataclass(frozen=True)
class Tagged:
    """A (campaign, subscriber, tag) found in returned mail, not yet verified."""

    campaign_id: int
    subscriber_id: int
    tag: str


@lru_cache(maxsize=16)
def _pattern(domain: str) -> re.Pattern[str]:
    # ASCII only: under IGNORECASE alone, 'K' (the Kelvin sign) would match 'k'.
    ours = rf"@{re.escape(domain)}(?![\w.-])"
    return re.compile(
        rf"(?:bounces\+|bulletin\.)c(\d{{1,18}})\.s(\d{{1,18}})\.k([0-9a-f]{{{TAG_LENGTH}}}){ours}",
        re.IGNORECASE | re.ASCII,
    )


def find_tagged(texts: Iterable[str], *, domain: str) -> Iterator[Tagged]:
    """Every VERP address or Message-ID of ours in `texts`, signed or not yet checked."""
    pattern = _pattern(domain)
    for text in texts:
        for found in pattern.finditer(text):
            yield Tagged(int(found.group(1)), int(found.group(2)), found.group(3))


def attribute(texts: Iterable[str], *, domain: str, verify: Verify) -> Tagged | None:
    """The first tagged address or Message-ID in `texts` whose tag verifies, else None."""
    for tagged in find_tagged(texts, domain=domain):
        if verify(tagged.campaign_id, tagged.subscriber_id, tagged.tag):
            return tagged
    return None
