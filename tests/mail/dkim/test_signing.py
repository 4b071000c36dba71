"""Signed campaign messages: the skeleton's fast signatures are the slow path's, byte for
byte, dkimpy verifies both of them, and any change after signing fails verification."""

from __future__ import annotations

import re
from dataclasses import replace
from email import message_from_bytes, policy
from email.message import EmailMessage

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bulletin.domain.models import Campaign, SentAs
from bulletin.mail.compose import CampaignMessages
from bulletin.mail.dkim import Signer
from bulletin.mail.tokens import Tokens
from tests.mail.test_skeleton import (
    BREAKING,
    LINKS,
    SENT_AT,
    addresses,
    campaign,
    headlines,
    paths,
    summaries,
)
from tests.support.dkim import BOTH, DOMAIN, SELECTOR, records_for, signing_keys, verified
from tests.support.factories import SECRET, FakeClock

KEYS = signing_keys()
SIGNER = Signer(DOMAIN, SELECTOR, KEYS)
RECORDS = records_for(KEYS)
_SIGNATURE_FIELDS = re.compile(rb"\A(?:DKIM-Signature:.*?\r\n(?![ \t]))+", re.S)


def signed_composer(campaign: Campaign, thread: tuple[SentAs, ...] = ()) -> CampaignMessages:
    tokens = Tokens(SECRET, clock=FakeClock(SENT_AT))
    links = replace(LINKS, dkim=SIGNER)
    return CampaignMessages(
        campaign, BREAKING, links=links, tokens=tokens, date=SENT_AT, thread=thread
    )


def unsigned_part(data: bytes) -> bytes:
    """The message below its DKIM-Signature fields."""
    found = _SIGNATURE_FIELDS.match(data)
    assert found, "the message does not start with its DKIM-Signature fields"
    return data[found.end() :]


def assert_fast_equals_slow_and_verifies(
    messages: CampaignMessages, reader: int, email: str
) -> None:
    data = messages.envelope(key=1, subscriber_id=reader, email=email).data
    slow = SIGNER.sign(unsigned_part(data), at=int(SENT_AT.timestamp()))
    assert data == slow
    assert verified(data, RECORDS) == BOTH


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headline=headlines,
    summary=summaries,
    path=paths,
    campaign_id=st.integers(1, 2**40),
    readers=st.lists(st.tuples(st.integers(1, 2**62), addresses()), min_size=1, max_size=3),
)
@example(
    headline="Élection: 52 % des voix — «résultats» 選挙",
    summary="Taux de participation 100%% %s %b %(x)s " + "ü" * 560,
    path="live/100%-turnout/" + "long-path-segment/" * 3,
    campaign_id=2**40,
    readers=[(2**62, "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".abcdefghij.org")],
)
def test_the_fast_signature_is_the_slow_one_for_every_reader(
    headline: str, summary: str, path: str, campaign_id: int, readers: list[tuple[int, str]]
) -> None:
    url = f"https://news.example.com/{path}"
    messages = signed_composer(
        campaign(headline=headline, summary=summary, url=url, campaign_id=campaign_id)
    )
    for subscriber_id, email in readers:
        assert_fast_equals_slow_and_verifies(messages, subscriber_id, email)


def test_two_hundred_readers_with_long_links_all_verify() -> None:
    messages = signed_composer(
        campaign(
            headline="Storm warning: 100 % chance of flooding in Zürich",
            summary="Evacuate low ground now — » « « " * 20,
            url="https://news.example.com/weather/storm?src=alert&pct=100%25&" + "x" * 300,
        )
    )
    for n in range(1, 201):
        email = f"reader.{n}.{'x' * (n % 60)}@readers{n % 7}.example.org"
        assert_fast_equals_slow_and_verifies(messages, n * 7919 * 10**n % 2**62 or 1, email)


def test_a_follow_up_with_its_thread_verifies() -> None:
    update = signed_composer(
        campaign(headline="Fire contained", summary="S2", url="https://x.org/f", campaign_id=9),
        thread=(SentAs(7, "a1b2c3d4e5f6"), SentAs(8)),
    )
    data = update.envelope(key=2, subscriber_id=11, email="one@x.org").data
    assert b"\r\nReferences: " in data
    assert_fast_equals_slow_and_verifies(update, 11, "one@x.org")
    assert b"in-reply-to:references" in re.sub(rb"\r\n\s+", b"", data)


def test_a_signed_message_is_seven_bit_and_reads_as_the_unsigned_one() -> None:
    story = campaign(headline="Zürich: Grüße", summary="Ça va — «oui».", url="https://x.org/z")
    signed = signed_composer(story).envelope(key=1, subscriber_id=3, email="z@x.org")
    unsigned = _unsigned_composer(story).envelope(key=1, subscriber_id=3, email="z@x.org")

    assert signed.eight_bit is False and signed.data.isascii()
    assert unsigned.eight_bit is True  # unsigned messages stay as they were
    assert b"Content-Transfer-Encoding: quoted-printable" in signed.data
    for kind in ("plain", "html"):
        assert _body(signed.data, kind) == _body(unsigned.data, kind)


def test_the_signature_covers_the_headers_receivers_require() -> None:
    data = _signed(campaign(headline="H", summary="S", url="https://x.org/h"))
    fields = dict(
        re.findall(rb"(\w+)=([^;]*)", re.sub(rb"\r\n\s+", b"", data.split(b"\r\n\r\n")[0]))
    )
    signed = fields[b"h"].split(b":")
    for name in (
        b"from",
        b"to",
        b"subject",
        b"date",
        b"message-id",
        b"mime-version",
        b"content-type",
        b"list-id",
        b"list-unsubscribe",
        b"list-unsubscribe-post",
        b"feedback-id",
    ):
        assert name in signed, name
    for over_signed in (b"from", b"subject", b"list-unsubscribe", b"list-unsubscribe-post"):
        assert signed.count(over_signed) == 2, over_signed
    assert fields[b"c"] == b"relaxed/relaxed" and fields[b"d"] == DOMAIN.encode()


def test_an_altered_header_fails_verification() -> None:
    data = _signed(campaign(headline="Original headline", summary="S", url="https://x.org/a"))
    altered = data.replace(b"Subject: Original headline", b"Subject: Altered headline")
    assert altered != data
    assert verified(altered, RECORDS) == {"rsa-sha256": False, "ed25519-sha256": False}


def test_an_altered_body_fails_verification() -> None:
    data = _signed(campaign(headline="H", summary="The original summary.", url="https://x.org/b"))
    altered = data.replace(b"The original summary.", b"The altered summary.")
    assert altered != data
    assert verified(altered, RECORDS) == {"rsa-sha256": False, "ed25519-sha256": False}


def test_a_second_list_unsubscribe_added_later_fails_verification() -> None:
    data = _signed(campaign(headline="H", summary="S", url="https://x.org/c"))
    head, _, body = data.partition(b"\r\n\r\n")
    added = head + b"\r\nList-Unsubscribe: <https://evil.example/u>\r\n\r\n" + body
    assert verified(added, RECORDS) == {"rsa-sha256": False, "ed25519-sha256": False}


def test_whitespace_changed_on_the_way_still_verifies_under_relaxed() -> None:
    data = _signed(campaign(headline="H", summary="S", url="https://x.org/d"))
    refolded = data.replace(b"\r\nSubject: H\r\n", b"\r\nSubject:   H  \r\n")
    assert refolded != data
    assert verified(refolded, RECORDS) == BOTH


def _signed(story: Campaign) -> bytes:
    return signed_composer(story).envelope(key=1, subscriber_id=5, email="five@x.org").data


def _unsigned_composer(story: Campaign) -> CampaignMessages:
    tokens = Tokens(SECRET, clock=FakeClock(SENT_AT))
    return CampaignMessages(story, BREAKING, links=LINKS, tokens=tokens, date=SENT_AT)


def _body(data: bytes, kind: str) -> str:
    parsed = message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    part = parsed.get_body((kind,))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")
