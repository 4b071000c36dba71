"""Turning ledger rows into finished messages: render once per campaign, fill per reader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from bulletin.config import Settings
from bulletin.domain.models import Campaign, MailingList
from bulletin.mail import message as mail
from bulletin.mail.render import (
    PREFERENCES_URL,
    UNSUBSCRIBE_URL,
    fill_reader_links,
    render_pair,
)
from bulletin.mail.tokens import Tokens
from bulletin.mail.transports import Envelope


@dataclass(frozen=True)
class Links:
    """Where the links in our mail point, and who the mail says it is from."""

    base_url: str
    domain: str
    sender: str
    newsroom: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Links:
        return cls(
            base_url=settings.base_url,
            domain=settings.mail_domain,
            sender=mail.sender_header(settings.sender),
            newsroom=settings.newsroom_name,
        )

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


class CampaignMessages:
    """A campaign rendered once; `envelope()` fills in one reader's values."""

    def __init__(
        self, campaign: Campaign, mailing_list: MailingList, *, links: Links, tokens: Tokens
    ) -> None:
        self.campaign = campaign
        self.mailing_list = mailing_list
        self._links = links
        self._tokens = tokens
        self._list_id = mail.list_id(mailing_list.name, mailing_list.slug, links.domain)
        self._text, self._html = render_pair(
            "alert",
            subject=campaign.subject,
            masthead=mailing_list.name,
            headline=campaign.headline,
            summary=campaign.summary,
            url=campaign.url,
            list_name=mailing_list.name,
            newsroom=links.newsroom,
            unsubscribe_url=UNSUBSCRIBE_URL,
            preferences_url=PREFERENCES_URL,
        )

    def envelope(self, *, key: int, subscriber_id: int, email: str, now: datetime) -> Envelope:
        token = self._tokens.unsubscribe(subscriber_id, self.mailing_list.id)
        unsubscribe_url = self._links.unsubscribe_url(token)
        links = {
            "unsubscribe_url": unsubscribe_url,
            "preferences_url": self._links.preferences_url(
                self._tokens.preferences(subscriber_id, email)
            ),
        }
        outgoing = mail.OutgoingMessage(
            sender=self._links.sender,
            to=email,
            subject=self.campaign.subject,
            text=fill_reader_links(self._text, **links),
            html=fill_reader_links(self._html, **links),
            message_id=mail.message_id(
                f"bulletin.c{self.campaign.id}.s{subscriber_id}", self._links.domain
            ),
            date=now,
            list_headers=mail.ListHeaders(
                list_id=self._list_id,
                unsubscribe_url=unsubscribe_url,
                unsubscribe_mailto=self._links.unsubscribe_mailto(token),
            ),
        )
        return Envelope(
            key=key,
            sender=self._links.bounce_address(f"c{self.campaign.id}.s{subscriber_id}"),
            recipient=email,
            data=mail.build(outgoing),
        )


def confirmation_envelope(
    *,
    key: int,
    subscriber_id: int,
    email: str,
    list_names: Sequence[str],
    links: Links,
    tokens: Tokens,
    valid_hours: int,
    now: datetime,
) -> Envelope:
    """The double opt-in request; its token is made now, so its lifetime starts now."""
    url = links.confirm_url(tokens.confirm(subscriber_id, email))
    names = _join_names(list_names)
    text, html = render_pair(
        "confirm",
        subject="Confirm your subscription",
        masthead=links.newsroom,
        newsroom=links.newsroom,
        list_names=names,
        confirm_url=url,
        valid_hours=valid_hours,
    )
    outgoing = mail.OutgoingMessage(
        sender=links.sender,
        to=email,
        subject=f"Confirm your subscription to {names}",
        text=text,
        html=html,
        date=now,
        message_id=mail.message_id(f"bulletin.confirm.o{key}", links.domain),
        extra_headers={"Auto-Submitted": "auto-generated"},
    )
    return Envelope(
        key=key, sender=links.bounce_address(f"o{key}"), recipient=email, data=mail.build(outgoing)
    )


def _join_names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
