"""Counted links for tests: an alert's message built as the engine builds it, and its links."""

from __future__ import annotations

import email
import re
from email.message import EmailMessage
from email.policy import default

from bulletin.delivery.composers import Composers
from bulletin.domain.models import AlertDraft
from bulletin.mail.compose import Links
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.ledger.sql import SqlLedger

_LINK = re.compile(r'href="(https?://[^"]*/r/[^"]+)"')


def counted_alert(ctx: Context, url: str = "https://news.example.com/bridge") -> int:
    draft = AlertDraft("Bridge collapses", "Traffic diverted.", url)
    return alerts.fire_alert(ctx, draft, actor=None).campaign_id


def message_for(
    ctx: Context, campaign_id: int, subscriber_id: int, to: str, *, segment: int = -1
) -> EmailMessage:
    """The campaign's message to this reader, composed with counted links as the engine
    does (`segment`: a briefing's, as its composer key names it)."""
    composers = Composers(Links.from_settings(ctx.settings), ctx.tokens, count_clicks=True)
    key = (campaign_id, segment, 0, -1)
    composers.prepare(SqlLedger(ctx.db), {key}, ctx.clock())
    envelope = composers.built[key].envelope(key=1, subscriber_id=subscriber_id, email=to)
    parsed = email.message_from_bytes(envelope.data, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def counted_links(message: EmailMessage) -> list[str]:
    """The `/r/` links of a message's HTML part, in order, as paths."""
    part = message.get_body(("html",))
    assert part is not None
    found = [m.group(1) for m in _LINK.finditer(part.get_content())]
    return [re.sub(r"^https?://[^/]+", "", url).replace("&amp;", "&") for url in found]
