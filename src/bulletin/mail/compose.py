"""Turning ledger rows into finished messages: render once per campaign, fill per reader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from bulletin.config import Settings
from bulletin.domain.models import Campaign, CampaignKind, MailingList, SentAs
from bulletin.domain.reports import ReportContent
from bulletin.mail import message as mail
from bulletin.mail.clicks import ClickLinks, rewrite
from bulletin.mail.dkim import Signer, signer_for
from bulletin.mail.message import OutgoingMessage
from bulletin.mail.render import (
    PREFERENCES_URL,
    UNSUBSCRIBE_URL,
    Brand,
    fill_reader_links,
    preheader,
    render_pair,
)
from bulletin.mail.returns.tags import message_id_local
from bulletin.mail.skeleton import MAX_REPLIES, REPLY_SLOTS, SLOTS, Skeleton, reader_values
from bulletin.mail.tokens import Tokens
from bulletin.mail.transports import Envelope


@dataclass(frozen=True)
class Links:
    """Where the links in our mail point, and who the mail says it is from (and signs as).

    `newsroom` and `postal_address` sign every message's footer (CAN-SPAM, CASL); a
    development install may have no postal address, and then the name stands alone.
    `logo_url`, `colour` and `privacy_url` dress the header and footer (`brand`);
    `footer_text` is the newsroom's own paragraph in the footer, `reply_to` where
    readers' answers go.
    """

    base_url: str
    domain: str
    sender: str
    newsroom: str
    postal_address: str | None = None
    dkim: Signer | None = None
    logo_url: str | None = None
    colour: str = "#b00020"
    privacy_url: str | None = None
    reply_to: str | None = None
    footer_text: str | None = None

    @property
    def brand(self) -> Brand:
        return Brand(
            newsroom=self.newsroom,
            home_url=f"{self.base_url}/",
            postal_address=self.postal_address,
            logo_url=self.logo_url,
            colour=self.colour,
            privacy_url=self.privacy_url,
            footer_text=self.footer_text,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Links:
        """Raises ConfigurationError for a DKIM key that cannot sign."""
        return cls(
            base_url=settings.base_url,
            domain=settings.mail_domain,
            sender=mail.sender_header(settings.sender),
            newsroom=settings.newsroom_name,
            postal_address=settings.postal_address,
            dkim=signer_for(settings),
            logo_url=settings.logo_url,
            colour=settings.brand_colour,
            privacy_url=settings.privacy_url,
            reply_to=mail.sender_header(settings.reply_to) if settings.reply_to else None,
            footer_text=settings.footer_text,
        )

    def view_url(self, list_slug: str, campaign_id: int) -> str:
        """The campaign's web version in the archive: one for all its readers."""
        return f"{self.base_url}/archive/{list_slug}/{campaign_id}"

    def unsubscribe_url(self, token: str) -> str:
        return f"{self.base_url}/unsubscribe/{token}"

    def unsubscribe_mailto(self, token: str) -> str:
        return f"mailto:unsubscribe@{self.domain}?subject={quote('unsubscribe ' + token)}"

    def preferences_url(self, token: str) -> str:
        return f"{self.base_url}/preferences/{token}"

    def confirm_url(self, token: str) -> str:
        return f"{self.base_url}/confirm/{token}"

    def bounce_address(self, tag: str) -> str:
        """VERP envelope sender: a bounce names the message it is about."""
        return f"bounces+{tag}@{self.domain}"


# A follow-up's References name the first alert of the thread and the latest ones:
# enough for every mail client to thread it, however long a story runs.
MAX_REFERENCES = MAX_REPLIES


def reader_message_id(campaign: SentAs, subscriber: int | str, tag: str, domain: str) -> str:
    """The Message-ID of one campaign's message to one reader: stable, so resends and
    follow-ups (In-Reply-To) can name it without storing it, and signed (`tag`, see
    `mail.returns.tags`), so returned mail quoting it can be trusted.

    It starts with the campaign's random salt, `<SALT.bulletin.cC.sS.kTAG@domain>`, so
    that no reset or copy of the database makes IDs another has sent (mail providers
    drop a message whose ID they have seen); returned mail is matched by the part after
    it. Campaigns made before salts were (migration 0011) keep their IDs unsalted.
    """
    local = message_id_local(campaign.campaign_id, subscriber, tag)
    if campaign.message_salt:
        local = f"{campaign.message_salt}.{local}"
    return mail.message_id(local, domain)


def threaded(thread: Sequence[SentAs]) -> tuple[SentAs, ...]:
    """The campaigns a follow-up's References name: the first and the latest ones."""
    if len(thread) > MAX_REFERENCES:
        return (thread[0], *thread[-(MAX_REFERENCES - 1) :])
    return tuple(thread)


class CampaignMessages:
    """A campaign rendered and built once; `envelope()` fills in one reader's values.

    `thread` lists the campaigns this one follows up, oldest first (its parent last):
    each reader's message then answers that reader's message of the parent
    (In-Reply-To) and names the thread (References), so mail clients thread them.

    A special report's campaign passes its `report` content; an alert needs none.
    With `clicks`, its story links go through `/r/…` (`mail.clicks`).
    """

    def __init__(
        self,
        campaign: Campaign,
        mailing_list: MailingList,
        *,
        links: Links,
        tokens: Tokens,
        date: datetime,
        rendered: tuple[str, str] | None = None,
        thread: Sequence[SentAs] = (),
        report: ReportContent | None = None,
        clicks: ClickLinks | None = None,
    ) -> None:
        """`rendered` is the (text, HTML) body when it is not an alert's (a briefing's)."""
        self.campaign = campaign
        self.mailing_list = mailing_list
        self._feedback_id = mail.feedback_id(campaign.kind.value, mailing_list.slug, links.domain)
        self.thread = tuple(thread)
        self._links = links
        self._tokens = tokens
        self._rendered = rendered or _rendered(campaign, mailing_list, links, report)
        self._counted = clicks is not None
        if clicks is not None:  # the reader's part of each link is the skeleton's slots
            self._rendered = rewrite(
                self._rendered, clicks, subscriber=SLOTS["subscriber"], tag=SLOTS["tag"]
            )
        self._tags = tokens.returns
        self._replied = threaded(self.thread)
        # The reader's tags for this campaign and those a follow-up answers.
        self._sign = self._tags.signer(campaign.id)
        self._sign_replies = [self._tags.signer(c.campaign_id) for c in self._replied]
        self.skeleton = Skeleton(
            self.message(
                SLOTS["to"],
                SLOTS["subscriber"],
                SLOTS["token"],
                SLOTS["preferences"],
                date,
                tag=SLOTS["tag"],
                reply_tags=REPLY_SLOTS[: len(self._replied)],
            ),
            dkim=links.dkim,
        )
        self._bounce_prefix = f"bounces+c{campaign.id}.s"
        self._bounce_suffix = f"@{links.domain}"

    def message(
        self,
        to: str,
        subscriber: int | str,
        token: str,
        preferences: str,
        date: datetime,
        *,
        tag: str | None = None,
        reply_tags: Sequence[str] | None = None,
    ) -> OutgoingMessage:
        """The full message for one reader, as the builder takes it (the skeleton's source).

        The reader's return tags (their Message-ID's, and those of the messages a
        follow-up answers) are made here unless given, as the skeleton gives its slots.
        """
        campaign, links = self.campaign, self._links
        if tag is None:
            tag = self._tags.tag(campaign.id, subscriber)
        if reply_tags is None:
            reply_tags = [self._tags.tag(c.campaign_id, subscriber) for c in self._replied]
        text, html = self._rendered
        if self._counted:  # counted links name the reader's message (`mail.clicks`)
            text, html = (
                part.replace(SLOTS["subscriber"], str(subscriber)).replace(SLOTS["tag"], tag)
                for part in (text, html)
            )
        reader_links = {
            "unsubscribe_url": links.unsubscribe_url(token),
            "preferences_url": links.preferences_url(preferences),
        }
        text = fill_reader_links(text, **reader_links)
        html = fill_reader_links(html, **reader_links)
        replies = tuple(
            reader_message_id(c, subscriber, reply_tag, links.domain)
            for c, reply_tag in zip(self._replied, reply_tags, strict=True)
        )
        return mail.OutgoingMessage(
            sender=links.sender,
            to=to,
            subject=campaign.subject,
            text=text,
            html=html,
            message_id=reader_message_id(campaign.sent_as, subscriber, tag, links.domain),
            in_reply_to=replies[-1] if replies else None,
            references=replies,
            date=date,
            boundary=mail.boundary_for(*self._rendered),
            reply_to=links.reply_to,
            list_headers=mail.ListHeaders(
                list_id=mail.list_id(self.mailing_list.name, self.mailing_list.slug, links.domain),
                unsubscribe_url=reader_links["unsubscribe_url"],
                unsubscribe_mailto=links.unsubscribe_mailto(token),
                feedback_id=self._feedback_id,
            ),
        )

    def token(self, subscriber_id: int) -> str:
        return self._tokens.unsubscribe(subscriber_id, self.mailing_list.id, self.campaign.id)

    def preferences_token(self, subscriber_id: int, email: str) -> str:
        return self._tokens.preferences(subscriber_id, email)

    def envelope(self, *, key: int, subscriber_id: int, email: str) -> Envelope:
        tag = self._sign(subscriber_id)
        replies = self._sign_replies  # empty for all but follow-ups: skip the comprehension
        values = reader_values(
            to=email,
            token=self.token(subscriber_id),
            subscriber=subscriber_id,
            preferences=self.preferences_token(subscriber_id, email),
            tag=tag,
            reply_tags=[sign(subscriber_id) for sign in replies] if replies else (),
        )
        skeleton = self.skeleton
        return Envelope(
            key=key,
            # The VERP address carries the same tag as the Message-ID.
            sender=f"{self._bounce_prefix}{subscriber_id}.k{tag}{self._bounce_suffix}",
            recipient=email,
            data=skeleton.fill_values(values),
            eight_bit=skeleton.eight_bit,
            template=skeleton.template,
            values=values,
        )


def _rendered(
    campaign: Campaign, mailing_list: MailingList, links: Links, report: ReportContent | None
) -> tuple[str, str]:
    return render_campaign(
        campaign,
        mailing_list,
        brand=links.brand,
        report=report,
        view_url=links.view_url(mailing_list.slug, campaign.id),
    )


def render_campaign(
    campaign: Campaign,
    mailing_list: MailingList,
    *,
    brand: Brand,
    report: ReportContent | None,
    view_url: str | None = None,
    web: bool = False,
) -> tuple[str, str]:
    """An alert's or special report's (text, HTML): a reader's with the links left as
    markers, or (`web`) the archive's, with none."""
    if campaign.kind is CampaignKind.SPECIAL:
        if report is None:
            raise ValueError(f"special report campaign {campaign.id} has no report content")
        # Rich text (lxml, nh3) is loaded by the first special report, not by every worker.
        from bulletin.mail.special import render_special

        return render_special(
            report, list_name=mailing_list.name, brand=brand, view_url=view_url, web=web
        )
    return render_pair(
        "alert",
        brand=brand,
        web=web,
        view_url=view_url,
        subject=campaign.subject,
        preheader=preheader(campaign.summary or campaign.headline),
        update=campaign.parent_id is not None,
        headline=campaign.headline,
        summary=campaign.summary,
        url=campaign.url,
        list_name=mailing_list.name,
        manage_what="lists, topics, time zone",
        unsubscribe_url=UNSUBSCRIBE_URL,
        preferences_url=PREFERENCES_URL,
    )


def wire(outgoing: OutgoingMessage, links: Links) -> bytes:
    """A message built in full as it goes out: 7-bit and signed when DKIM is set.

    For the few messages not made from a campaign's skeleton (confirmations, test
    sends); the skeleton signs its own (`Skeleton.fill`) with the same signer.
    """
    if links.dkim is None:
        return mail.build(outgoing)
    built = mail.build(outgoing, seven_bit=True)
    return links.dkim.sign(built, at=int(outgoing.date.timestamp()))
