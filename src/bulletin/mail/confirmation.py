"""The double opt-in request: the one message Bulletin sends before anyone is on a list."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from bulletin.mail import message as mail
from bulletin.mail.compose import Links, wire
from bulletin.mail.render import render_pair
from bulletin.mail.tokens import Tokens
from bulletin.mail.transports import Envelope


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
    """The double opt-in request; its token is made now, so its lifetime starts now.

    Not a list message, but it signs with the newsroom's name and postal address all
    the same: CASL counts a request for consent as a commercial message, which must
    identify its sender and give a mailing address.
    """
    url = links.confirm_url(tokens.confirm(subscriber_id, email))
    names = _join_names(list_names)
    text, html = render_pair(
        "confirm",
        brand=links.brand,
        subject="Confirm your subscription",
        preheader=f"One click to start receiving {names}.",
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
        # Random as well as named: the row's key starts again at 1 in a fresh database.
        message_id=mail.message_id(f"{secrets.token_hex(6)}.bulletin.confirm.o{key}", links.domain),
        extra_headers={"Auto-Submitted": "auto-generated"},
    )
    data = wire(outgoing, links)
    return Envelope(
        key=key,
        sender=links.bounce_address(f"o{key}"),
        recipient=email,
        data=data,
        eight_bit=mail.is_eight_bit(data),
    )


def _join_names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
