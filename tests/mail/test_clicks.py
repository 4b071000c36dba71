"""Counted links in a campaign's message: story links rewritten once at build, the
reader's part filled per reader, our own links left alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin.mail.clicks import ClickLinks, rewrite, trackable
from bulletin.mail.compose import CampaignMessages
from bulletin.mail.message import build
from bulletin.mail.tokens import Tokens
from tests.mail.test_skeleton import BREAKING, LINKS, SENT_AT, campaign, paths
from tests.support.factories import SECRET, FakeClock

TOKENS = Tokens(SECRET, clock=FakeClock(SENT_AT))


def numbering() -> tuple[ClickLinks, list[str]]:
    """ClickLinks numbering URLs as the ledger does, and the list it numbers them in."""
    known: list[str] = []

    def positions(urls: Sequence[str]) -> Mapping[str, int]:
        for url in urls:
            if url not in known:
                known.append(url)
        return {url: known.index(url) for url in urls}

    links = ClickLinks(
        base_url=LINKS.base_url,
        positions=positions,
        sign=lambda position: TOKENS.click(7, position),
        own=("https://news.example.com/privacy",),
    )
    return links, known


def counted(url: str, campaign_id: int = 7) -> CampaignMessages:
    clicks, _ = numbering()
    return CampaignMessages(
        campaign(
            headline="Bridge collapses",
            summary="Traffic diverted.",
            url=url,
            campaign_id=campaign_id,
        ),
        BREAKING,
        links=LINKS,
        tokens=TOKENS,
        date=SENT_AT,
        clicks=clicks,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=paths, subscriber_id=st.integers(1, 2**62))
def test_filled_skeleton_with_counted_links_equals_the_full_message(
    path: str, subscriber_id: int
) -> None:
    messages = counted(f"https://news.example.com/{path}")
    email = "reader@example.org"
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
    tag = TOKENS.returns.tag(7, subscriber_id)
    assert f"/r/{TOKENS.click(7, 0)}/{subscriber_id}.{tag}".encode() in filled.data


def test_story_links_are_rewritten_and_ours_are_not() -> None:
    clicks, known = numbering()
    html = (
        '<a href="https://news.example.com/a?x=1&amp;y=2">A</a>'
        '<a href="https://news.example.com/a?x=1&amp;y=2/more">B</a>'
        f'<a href="{LINKS.base_url}/archive/breaking/7">web version</a>'
        '<a href="https://news.example.com/privacy">Privacy</a>'
        '<a href="mailto:desk@news.example.com">write</a>'
    )
    text = "A: https://news.example.com/a?x=1&y=2\nB (https://news.example.com/a?x=1&y=2/more)\n"

    new_text, new_html = rewrite((text, html), clicks, subscriber="S", tag="T")

    assert known == [
        "https://news.example.com/a?x=1&y=2",
        "https://news.example.com/a?x=1&y=2/more",
    ]
    first = f"{LINKS.base_url}/r/{TOKENS.click(7, 0)}/S.T"
    second = f"{LINKS.base_url}/r/{TOKENS.click(7, 1)}/S.T"
    assert new_text == f"A: {first}\nB ({second})\n"
    assert f'href="{first}"' in new_html and f'href="{second}"' in new_html
    for kept in ("/archive/breaking/7", "news.example.com/privacy", "mailto:desk@"):
        assert kept in new_html


def test_a_url_that_could_break_a_header_is_never_counted() -> None:
    assert trackable('<a href="https://x.org/a\tb">x</a>', ()) == []
    assert trackable('<a href="https://x.org/ok">x</a>', ()) == ["https://x.org/ok"]
