"""SendGrid's v3 Mail Send as a relay: `POST /v3/mail/send`, one reader a request.

SendGrid builds the message itself, so ours is read back into its fields
(`providers.fields`): from, subject, the text and HTML bodies, and our other headers
(Message-ID, List-Id, List-Unsubscribe and List-Unsubscribe-Post, Feedback-ID,
threading) in `headers`. The reader's address is the one personalization, and our
Message-ID also goes in its `custom_args` as `bulletin_message_id`: SendGrid's Event
Webhook posts custom args back with every event, which is how `/hooks/sendgrid` finds
the send. Click and open tracking are switched off: they would rewrite our signed
unsubscribe and preference links.

What survives: our headers, not our DKIM signature (SendGrid rebuilds and signs the
message with the domain authenticated in SendGrid), nor our VERP return path (the
envelope sender is SendGrid's bounce domain; returned mail comes by the webhook).

One reader a request because each reader's body differs (their unsubscribe and
preference links): batching them as personalizations would need the campaign's
shared parts and each reader's values through the seam, which it does not carry yet.

Answers: 202 (the `X-Message-Id` header is the receipt) → 250; 429 → 451; 400 and
413 → 550/552 with SendGrid's error messages; 401/403 → unreachable; 5xx → 451.
Idempotency: Mail Send takes no idempotency key (see `providers.http`).
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Sequence
from typing import Any

import httpx

from bulletin.mail.transports.providers import http
from bulletin.mail.transports.providers.fields import message_fields
from bulletin.mail.transports.providers.urls import ProviderAddress
from bulletin.mail.transports.seam import BatchResult, Envelope, Reply
from bulletin.mail.webhooks.sendgrid import MESSAGE_ID_ARG

PATH = "/v3/mail/send"
OFF = {"enable": False}


class SendGridConnection:
    batch_size = 1

    def __init__(self, address: ProviderAddress, *, ssl_context: ssl.SSLContext, timeout: float):
        self._address = address
        self._api = http.ProviderApi(
            address,
            ssl_context=ssl_context,
            timeout=timeout,
            headers={"Authorization": f"Bearer {address.secret}"},
        )

    async def send_batch(self, envelopes: Sequence[Envelope]) -> BatchResult:
        replies: list[Reply] = []
        for envelope in envelopes:
            try:
                body = json.dumps(self.request(envelope)).encode()
            except ValueError as exc:
                replies.append(http.permanent(f"cannot read the message: {exc}", 554))
                continue
            try:
                response = await self._api.post(
                    PATH, content=body, headers={"Content-Type": "application/json"}
                )
            except http.Unreachable as exc:
                return BatchResult(replies, str(exc))
            except http.Lost as exc:
                return BatchResult(
                    replies + http.lost(len(envelopes) - len(replies), str(exc)).replies
                )
            replies.append(answer(response))
        return BatchResult(replies)

    def request(self, envelope: Envelope) -> dict[str, Any]:
        """The Mail Send request for one envelope; ValueError if the message has no body."""
        fields = message_fields(envelope.data)
        personalization: dict[str, Any] = {"to": [{"email": envelope.recipient}]}
        if fields.message_id:
            personalization["custom_args"] = {MESSAGE_ID_ARG: fields.message_id}
        sender: dict[str, str] = {"email": fields.from_address}
        if fields.from_name:
            sender["name"] = fields.from_name
        content = [
            {"type": kind, "value": value}
            for kind, value in (("text/plain", fields.text), ("text/html", fields.html))
            if value is not None
        ]
        request: dict[str, Any] = {
            "personalizations": [personalization],
            "from": sender,
            "subject": fields.subject,
            "content": content,
            "headers": dict(fields.headers),
            "tracking_settings": {"click_tracking": OFF, "open_tracking": OFF},
        }
        if self._address.options.get("ip_pool"):
            request["ip_pool_name"] = self._address.options["ip_pool"]
        return request

    async def close(self, *, polite: bool = False) -> None:
        await self._api.close()


def answer(response: httpx.Response) -> Reply:
    status = response.status_code
    if status in (200, 202):
        return http.accepted(response.headers.get("X-Message-Id") or f"sendgrid HTTP {status}")
    if status == 429:
        return http.temporary("SendGrid throttled the send (HTTP 429)")
    if status >= 500:
        return http.server_error(response)
    code = 552 if status == 413 else 550
    return http.permanent(f"SendGrid rejected it (HTTP {status}): {errors(response)}", code)


def errors(response: httpx.Response) -> str:
    """SendGrid's error messages (`{"errors": [{"message", "field"}]}`), joined."""
    try:
        data = response.json()
    except ValueError:
        return "no reason given"
    found = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(found, list):
        return "no reason given"
    said = [
        f"{e.get('field')}: {e.get('message')}" if e.get("field") else str(e.get("message"))
        for e in found
        if isinstance(e, dict)
    ]
    return "; ".join(said) or "no reason given"
