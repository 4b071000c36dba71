"""Every message we send names the newsroom and its postal address in its footer.

CAN-SPAM and CASL want a sender's postal address in each commercial message; list
messages of every kind carry it, in the text and the HTML part, and so does the
confirmation request (CASL counts a request for consent as a commercial message).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from bulletin.config import Settings
from bulletin.domain.editions import Edition, EditionStatus
from bulletin.domain.models import Campaign, CampaignKind, CampaignStatus, ListKind, MailingList
from bulletin.domain.ranking import Item
from bulletin.domain.reports import ReportContent, Section, validate_content
from bulletin.mail.briefing import render_briefing
from bulletin.mail.compose import CampaignMessages, Links
from bulletin.mail.confirmation import confirmation_envelope
from bulletin.mail.tokens import Tokens
from tests.mail.test_skeleton import LINKS, SENT_AT
from tests.support.factories import SECRET, FakeClock

ADDRESS = "1 Press Row, Springfield, IL 62701, USA"
WITH_ADDRESS = replace(LINKS, postal_address=ADDRESS)
TOKENS = Tokens(SECRET, clock=FakeClock(SENT_AT))
READER = "reader@readers.example.org"


def campaign(kind: CampaignKind, list_id: int) -> Campaign:
    return Campaign(
        id=7,
        kind=kind,
        list_id=list_id,
        status=CampaignStatus.SENDING,
        subject="Levee breaks",
        headline="Levee breaks north of the city",
        summary="Residents are told to leave.",
        url="https://news.example.com/levee",
        created_at=SENT_AT,
        started_at=SENT_AT,
    )


def alert(links: Links) -> bytes:
    the_list = MailingList(1, "breaking", "Breaking News", "", ListKind.ALERT)
    messages = CampaignMessages(
        campaign(CampaignKind.ALERT, 1), the_list, links=links, tokens=TOKENS, date=SENT_AT
    )
    return messages.envelope(key=1, subscriber_id=3, email=READER).data


def special(links: Links) -> bytes:
    the_list = MailingList(2, "special-reports", "Special Reports", "", ListKind.SPECIAL)
    content = validate_content(
        ReportContent(
            headline="The flood",
            dek="A week on the river.",
            sections=(Section("Day one", "<p>The water rose.</p>"),),
            cta_url="https://news.example.com/flood",
        )
    )
    messages = CampaignMessages(
        campaign(CampaignKind.SPECIAL, 2),
        the_list,
        links=links,
        tokens=TOKENS,
        date=SENT_AT,
        report=content,
    )
    return messages.envelope(key=1, subscriber_id=3, email=READER).data


def briefing(links: Links) -> bytes:
    the_list = MailingList(3, "morning-briefing", "Morning Briefing", "", ListKind.BRIEFING)
    item = Item(1, "Levee holds", "Crews worked overnight.", None, "https://news.example.com/1")
    edition = Edition(
        1, date(2026, 11, 25), EditionStatus.APPROVED, "Good morning.", "Have a good day.", (item,)
    )
    rendered = render_briefing(
        edition,
        0,
        subject="Your briefing",
        list_name=the_list.name,
        brand=links.brand,
        view_url=links.view_url(the_list.slug, 7),
    )
    messages = CampaignMessages(
        campaign(CampaignKind.BRIEFING, 3),
        the_list,
        links=links,
        tokens=TOKENS,
        date=SENT_AT,
        rendered=rendered,
    )
    return messages.envelope(key=1, subscriber_id=3, email=READER).data


def confirmation(links: Links) -> bytes:
    return confirmation_envelope(
        key=1,
        subscriber_id=3,
        email=READER,
        list_names=["Breaking News"],
        links=links,
        tokens=TOKENS,
        valid_hours=48,
        now=SENT_AT,
    ).data


KINDS: dict[str, Callable[[Links], bytes]] = {
    "alert": alert,
    "special report": special,
    "briefing": briefing,
    "confirmation": confirmation,
}


def parts(data: bytes) -> tuple[str, str]:
    """(text, HTML) of a message as a mail client reads them."""
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    text = message.get_body(("plain",))
    markup = message.get_body(("html",))
    assert text is not None and markup is not None
    return str(text.get_content()), str(markup.get_content())


def footer(text: str) -> str:
    return text.rpartition("\n--")[2]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_message_signs_with_the_newsroom_and_its_postal_address(kind: str) -> None:
    text, markup = parts(KINDS[kind](WITH_ADDRESS))

    assert f"{LINKS.newsroom}, {ADDRESS}" in footer(text)
    assert f'<span class="sender">{LINKS.newsroom}, {ADDRESS}</span>' in markup


@pytest.mark.parametrize("kind", KINDS)
def test_the_postal_address_is_escaped_in_html(kind: str) -> None:
    tricky = "Suite <b>4</b> & Co, 1 Press Row"
    links = replace(LINKS, newsroom="Smith & Sons <News>", postal_address=tricky)
    text, markup = parts(KINDS[kind](links))

    assert f"Smith & Sons <News>, {tricky}" in footer(text)
    assert html.escape(f"Smith & Sons <News>, {tricky}", quote=False) in markup
    assert "<b>4</b>" not in markup


@pytest.mark.parametrize("kind", KINDS)
def test_without_a_postal_address_the_footer_shows_the_name_alone(kind: str) -> None:
    text, markup = parts(KINDS[kind](replace(LINKS, postal_address=None)))

    assert footer(text).rstrip().endswith(f"\n{LINKS.newsroom}")
    assert f'<span class="sender">{LINKS.newsroom}</span>' in markup
    assert "None" not in text and "None" not in markup


def test_links_from_settings_carry_the_postal_address() -> None:
    settings = Settings(secret_key=SECRET, postal_address=ADDRESS)
    assert Links.from_settings(settings).postal_address == ADDRESS


LIST_KINDS = [kind for kind in KINDS if kind != "confirmation"]
FOOTER_TEXT = "Tips & corrections: desk@news.example.com. <Thanks> for reading."


@pytest.mark.parametrize("kind", LIST_KINDS)
def test_every_list_message_carries_the_footer_text_escaped_in_html(kind: str) -> None:
    text, markup = parts(KINDS[kind](replace(LINKS, footer_text=FOOTER_TEXT)))

    assert " ".join(footer(text).split()).count(FOOTER_TEXT) == 1
    assert html.escape(FOOTER_TEXT, quote=False) in markup
    assert "<Thanks>" not in markup
    assert 'class="footer-text"' in markup


@pytest.mark.parametrize("kind", LIST_KINDS)
def test_without_footer_text_the_footer_has_no_paragraph_for_it(kind: str) -> None:
    _, markup = parts(KINDS[kind](replace(LINKS, footer_text=None)))

    assert "footer-text" not in markup


@pytest.mark.parametrize("kind", LIST_KINDS)
def test_every_list_message_has_the_reply_to_when_one_is_set(kind: str) -> None:
    with_reply = message_from_bytes(KINDS[kind](replace(LINKS, reply_to="Desk <desk@x.org>")))
    without = message_from_bytes(KINDS[kind](LINKS))

    assert with_reply["Reply-To"] == "Desk <desk@x.org>"
    assert without["Reply-To"] is None


def test_links_from_settings_carry_the_reply_to_and_footer_text() -> None:
    settings = Settings(secret_key=SECRET, reply_to="Desk <desk@x.org>", footer_text="Hello.")
    links = Links.from_settings(settings)

    assert (links.reply_to, links.footer_text) == ("Desk <desk@x.org>", "Hello.")
