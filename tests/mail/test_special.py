"""Special reports in mail: sanitised sections, plain text, and a skeleton equal to the builder."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin.domain.models import Campaign, CampaignKind, CampaignStatus, ListKind, MailingList
from bulletin.domain.reports import Picture, ReportContent, Section, validate_content
from bulletin.mail.compose import CampaignMessages
from bulletin.mail.richtext import sanitise, to_text
from bulletin.mail.tokens import Tokens
from tests.mail.test_skeleton import LINKS, SENT_AT, addresses, assert_filled_equals_built
from tests.support.factories import SECRET, FakeClock

SPECIAL = MailingList(
    id=2, slug="special-reports", name="Special Reports", description="", kind=ListKind.SPECIAL
)
_PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
words = st.text(_PRINTABLE, min_size=1, max_size=60).filter(lambda s: s.strip() != "")


def composer(content: ReportContent, campaign_id: int = 11) -> CampaignMessages:
    campaign = Campaign(
        id=campaign_id,
        kind=CampaignKind.SPECIAL,
        list_id=SPECIAL.id,
        status=CampaignStatus.SENDING,
        subject=content.subject,
        headline=content.headline,
        summary=content.dek,
        url=content.cta_url,
        created_at=SENT_AT,
        started_at=SENT_AT,
    )
    tokens = Tokens(SECRET, clock=FakeClock(SENT_AT))
    return CampaignMessages(
        campaign, SPECIAL, links=LINKS, tokens=tokens, date=SENT_AT, report=content
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headline=words,
    dek=st.text(_PRINTABLE, max_size=300),
    bodies=st.lists(st.text(_PRINTABLE, min_size=1, max_size=400), min_size=1, max_size=4),
    readers=st.lists(st.tuples(st.integers(1, 2**62), addresses()), min_size=1, max_size=3),
)
def test_filled_special_skeleton_equals_the_full_message(
    headline: str, dek: str, bodies: list[str], readers: list[tuple[int, str]]
) -> None:
    sections = tuple(Section(f"Part {n}", f"<p>{b} 100%</p>") for n, b in enumerate(bodies))
    content = validate_content(
        ReportContent(
            headline=headline,
            dek=dek,
            hero=Picture("https://img.example.com/a%20b.jpg", "Caption ü", "Agency"),
            sections=sections,
            cta_url="https://news.example.com/report?x=1&y=%25",
        )
    )
    messages = composer(content)
    for subscriber_id, email in readers:
        assert_filled_equals_built(messages, subscriber_id, email)


def test_a_thousand_readers_share_one_rendering() -> None:
    content = validate_content(
        ReportContent(
            headline="A year of water",
            sections=tuple(
                Section(f"Part {n}", "<p>" + "Long text. " * 200 + "</p>") for n in range(8)
            ),
        )
    )
    messages = composer(content)
    for n in range(1, 1001):
        assert_filled_equals_built(messages, n * 104729, f"reader{n}@readers{n % 5}.example.org")


def test_sanitise_keeps_structure_and_drops_what_runs() -> None:
    cleaned = sanitise(
        '<h3>Head</h3><p style="color:red" onmouseover="x()">Hi <b>there</b></p>'
        '<script>evil()</script><img src="https://t.example/pixel"><a href="javascript:x()">y</a>'
    )
    assert cleaned.startswith("<h3>Head</h3><p>Hi <b>there</b></p>")
    for banned in ("script", "evil", "style=", "onmouseover", "<img", "javascript"):
        assert banned not in cleaned


def test_plain_text_reads_paragraphs_lists_and_links() -> None:
    text = to_text(
        '<p>One <a href="https://x.org/a">link</a>.</p><ol><li>first</li><li>second</li></ol>'
        "<p>Line<br>break</p>"
    )
    assert text == "One link (https://x.org/a).\n\n1. first\n2. second\n\nLine\nbreak"
