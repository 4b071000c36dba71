"""A campaign's skeleton, filled in for one reader, is byte-for-byte the full builder's message."""

from __future__ import annotations

import string
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bulletin.domain.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    ListKind,
    MailingList,
    SentAs,
)
from bulletin.mail.compose import CampaignMessages, Links, reader_message_id
from bulletin.mail.message import build, is_eight_bit
from bulletin.mail.tokens import Tokens
from tests.support.factories import SECRET, FakeClock

SENT_AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LINKS = Links(
    base_url="https://bulletin.example.com",
    domain="news.example.com",
    sender="The Daily Example <alerts@news.example.com>",
    newsroom="The Daily Example",
)
BREAKING = MailingList(
    id=1, slug="breaking", name="Breaking News Alerts", description="", kind=ListKind("alert")
)

_LOCAL = string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~"
_LABEL = string.ascii_lowercase + string.digits


@st.composite
def addresses(draw: st.DrawFn) -> str:
    """ASCII addresses from 3 to 254 characters, '%' and friends included in the local part."""
    local = draw(st.text(_LOCAL, min_size=1, max_size=64))
    labels = draw(
        st.lists(st.text(_LABEL, min_size=1, max_size=63), min_size=1, max_size=4).map(
            lambda found: [*found, "org"]
        )
    )
    return (local + "@" + ".".join(labels))[-254:].lstrip("@.") or "a@b.org"


# Headlines and summaries: any printable text, non-ASCII and '%' included, no line breaks.
_PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
headlines = st.text(_PRINTABLE, min_size=1, max_size=120).filter(lambda s: s.strip() != "")
summaries = st.text(_PRINTABLE, min_size=0, max_size=600)
paths = st.text(string.ascii_letters + string.digits + "-_/%~.", max_size=80)


def salt(campaign_id: int) -> str:
    """The message salt these tests give campaign `campaign_id` (random in the store)."""
    return f"{campaign_id:012x}"


def signed_id(campaign_id: int, subscriber_id: int) -> str:
    """The Message-ID a reader's copy of a campaign carries: named and signed for them."""
    tag = Tokens(SECRET).returns.tag(campaign_id, subscriber_id)
    return reader_message_id(
        SentAs(campaign_id, salt(campaign_id)), subscriber_id, tag, LINKS.domain
    )


def campaign(*, headline: str, summary: str, url: str, campaign_id: int = 7) -> Campaign:
    return Campaign(
        message_salt=salt(campaign_id),
        id=campaign_id,
        kind=CampaignKind.ALERT,
        list_id=BREAKING.id,
        status=CampaignStatus.SENDING,
        subject=headline,
        headline=headline,
        summary=summary,
        url=url,
        created_at=SENT_AT,
        started_at=SENT_AT,
    )


def composer(campaign: Campaign, thread: tuple[int, ...] = ()) -> CampaignMessages:
    """`thread`: the ids of the campaigns it follows up (made by `campaign` here too)."""
    tokens = Tokens(SECRET, clock=FakeClock(SENT_AT))
    sent_as = tuple(SentAs(c, salt(c)) for c in thread)
    return CampaignMessages(
        campaign, BREAKING, links=LINKS, tokens=tokens, date=SENT_AT, thread=sent_as
    )


def assert_filled_equals_built(messages: CampaignMessages, subscriber_id: int, email: str) -> None:
    filled = messages.envelope(key=1, subscriber_id=subscriber_id, email=email)
    full = build(
        messages.message(
            email,
            subscriber_id,
            messages.token(subscriber_id),
            messages.preferences_token(subscriber_id, email),
            SENT_AT,
        )
    )
    assert filled.data == full
    assert filled.eight_bit == is_eight_bit(full)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headline=headlines,
    summary=summaries,
    path=paths,
    campaign_id=st.integers(1, 2**40),
    readers=st.lists(st.tuples(st.integers(1, 2**62), addresses()), min_size=1, max_size=5),
)
@example(
    headline="Élection: 52 % des voix — «résultats» 選挙",
    summary="Taux de participation 100%% %s %b %(x)s " + "ü" * 560,
    path="live/100%-turnout",
    campaign_id=2**40,
    readers=[(2**62, "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".abcdefghij.org")],
)
def test_filled_skeleton_equals_the_full_message_for_every_reader(
    headline: str,
    summary: str,
    path: str,
    campaign_id: int,
    readers: list[tuple[int, str]],
) -> None:
    url = f"https://news.example.com/{path}"
    messages = composer(
        campaign(headline=headline, summary=summary, url=url, campaign_id=campaign_id)
    )
    for subscriber_id, email in readers:
        assert_filled_equals_built(messages, subscriber_id, email)


def test_one_skeleton_serves_a_thousand_different_readers() -> None:
    messages = composer(
        campaign(
            headline="Storm warning: 100% chance of flooding",
            summary="Evacuate low ground now. " * 24,
            url="https://news.example.com/weather/storm?src=alert&pct=100%25",
        )
    )
    for n in range(1, 1001):
        email = f"reader.{n}.{'x' * (n % 190)}@readers{n % 7}.example.org"
        assert_filled_equals_built(messages, n * 7919, email)


def test_eight_bit_campaigns_are_marked_eight_bit_and_ascii_ones_are_not() -> None:
    ascii_only = composer(campaign(headline="Plain", summary="Plain.", url="https://x.org/a"))
    accented = composer(campaign(headline="Zürich", summary="Grüße.", url="https://x.org/b"))

    assert ascii_only.envelope(key=1, subscriber_id=1, email="a@x.org").eight_bit is False
    assert accented.envelope(key=1, subscriber_id=1, email="a@x.org").eight_bit is True


def test_each_reader_gets_their_own_address_token_and_message_id() -> None:
    messages = composer(campaign(headline="H", summary="S", url="https://x.org/c"))
    first = messages.envelope(key=1, subscriber_id=11, email="one@x.org").data
    second = messages.envelope(key=2, subscriber_id=22, email="two@x.org").data

    assert b"To: one@x.org\r\n" in first and b"two@x.org" not in first
    assert signed_id(7, 11).encode() in first and signed_id(7, 22).encode() in second
    assert signed_id(7, 11) != signed_id(7, 22)
    assert messages.token(11).encode() in first and messages.token(22).encode() not in first


def test_the_envelope_sender_carries_the_same_signed_tag_as_the_message_id() -> None:
    messages = composer(campaign(headline="H", summary="S", url="https://x.org/e"))
    envelope = messages.envelope(key=1, subscriber_id=11, email="one@x.org")
    tag = Tokens(SECRET).returns.tag(7, 11)

    assert envelope.sender == f"bounces+c7.s11.k{tag}@news.example.com"
    assert _parsed(envelope.data)["Message-ID"] == (
        f"<{salt(7)}.bulletin.c7.s11.k{tag}@news.example.com>"
    )


def test_the_shared_boundary_still_splits_the_message_into_its_two_parts() -> None:
    messages = composer(campaign(headline="H", summary="S ü", url="https://x.org/d"))
    data = messages.envelope(key=1, subscriber_id=5, email="five@x.org").data

    parsed = message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    boundary = parsed.get_boundary()
    assert boundary is not None and boundary.encode() not in parsed.get_body(("plain",)).as_bytes()  # type: ignore[union-attr]


def _parsed(data: bytes) -> EmailMessage:
    parsed = message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_a_follow_up_answers_each_readers_own_copy_of_the_first_alert() -> None:
    first = composer(campaign(headline="Fire at the harbour", summary="S", url="https://x.org/f"))
    update = composer(
        campaign(headline="Fire contained", summary="S2", url="https://x.org/f", campaign_id=8),
        thread=(7,),
    )
    for subscriber_id, email in [(11, "one@x.org"), (2**62, "far@x.org")]:
        original = _parsed(first.envelope(key=1, subscriber_id=subscriber_id, email=email).data)
        follow_up = update.envelope(key=2, subscriber_id=subscriber_id, email=email).data
        parsed = _parsed(follow_up)

        assert parsed["In-Reply-To"] == original["Message-ID"]
        assert parsed["References"] == original["Message-ID"]
        assert parsed["Message-ID"] != original["Message-ID"]
        # Through the skeleton, byte for byte what the full builder makes for this reader.
        assert_filled_equals_built(update, subscriber_id, email)


def test_an_update_to_an_update_references_the_whole_thread_oldest_first() -> None:
    third = composer(
        campaign(headline="All clear", summary="S3", url="https://x.org/f", campaign_id=9),
        thread=(7, 8),
    )
    data = third.envelope(key=3, subscriber_id=5, email="five@x.org").data
    parsed = _parsed(data)

    assert parsed["In-Reply-To"] == signed_id(8, 5)
    assert str(parsed["References"]).split() == [signed_id(7, 5), signed_id(8, 5)]
    assert_filled_equals_built(third, 5, "five@x.org")


def test_a_long_thread_keeps_its_first_alert_and_latest_updates_in_references() -> None:
    long = composer(
        campaign(headline="Day 12", summary="S", url="https://x.org/f", campaign_id=100),
        thread=tuple(range(1, 13)),
    )
    parsed = _parsed(long.envelope(key=1, subscriber_id=3, email="t@x.org").data)
    ids = str(parsed["References"]).split()

    assert ids[0] == signed_id(1, 3)
    assert ids[-1] == parsed["In-Reply-To"] == signed_id(12, 3)
    assert ids == [signed_id(c, 3) for c in (1, 8, 9, 10, 11, 12)]
