"""Postmark as a relay: `POST /email/batch`, up to 500 messages a request, each answered.

Postmark builds each message from its fields, so ours is read back into them
(`providers.fields`): From, Subject, TextBody, HtmlBody, and our other headers
(Message-ID, List-Id, List-Unsubscribe and List-Unsubscribe-Post, Feedback-ID,
threading) in `Headers`, on the relay's message stream (`stream=`, default
`broadcast`: Postmark requires list mail on a broadcast stream). Our Message-ID also
goes in `Metadata` as `bulletin-message-id` (Postmark limits a value to 80
characters: a longer one is left out), which Postmark's webhooks post back; link
and open tracking are off, so our signed links stay as they are.

What survives: our headers, not our DKIM signature (Postmark rebuilds the message and
signs it for the domain verified in Postmark), nor our VERP return path (Postmark's
own bounce domain, or the custom Return-Path domain set in Postmark); returned mail
comes by the webhook (/hooks/postmark).

Answers: HTTP 200 with one result per message in order: `ErrorCode` 0 → 250 with
Postmark's `MessageID`; 406 (inactive recipient: Postmark's suppression list) and any
other code → 550 with Postmark's `Message`; 429 → 451. For the whole request: 429 →
451 for all; 5xx → 451 for all; 401, or 422 with ErrorCode 10 (bad token), 400/401
(sender signature missing or unconfirmed), 405 (not allowed to send) or 412 (account
pending) → unreachable; any other 422 → 550 for all with Postmark's message.
Idempotency: none offered (see `providers.http`).
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
from bulletin.mail.webhooks.postmark import METADATA_KEY

PATH = "/email/batch"
BATCH = 500
MAX_METADATA_VALUE = 80
CANNOT_SEND = {10, 400, 401, 405, 412}
THROTTLED = {429}


class PostmarkConnection:
    batch_size = BATCH

    def __init__(self, address: ProviderAddress, *, ssl_context: ssl.SSLContext, timeout: float):
        self._stream = address.options["stream"]
        self._api = http.ProviderApi(
            address,
            ssl_context=ssl_context,
            timeout=timeout,
            headers={"X-Postmark-Server-Token": address.secret, "Accept": "application/json"},
        )

    async def send_batch(self, envelopes: Sequence[Envelope]) -> BatchResult:
        messages: list[dict[str, Any]] = []
        unreadable: dict[int, Reply] = {}
        for index, envelope in enumerate(envelopes):
            try:
                messages.append(self.message(envelope))
            except ValueError as exc:
                unreadable[index] = http.permanent(f"cannot read the message: {exc}", 554)
        if not messages:
            return BatchResult([unreadable[i] for i in range(len(envelopes))])
        try:
            response = await self._api.post(
                PATH, content=json.dumps(messages).encode(), headers=_JSON
            )
        except http.Unreachable as exc:
            return BatchResult([], str(exc))
        except http.Lost as exc:
            return http.lost(len(envelopes), str(exc))
        answered = answers(response, len(messages))
        if isinstance(answered, str):
            return BatchResult([], answered)
        sent = iter(answered)
        return BatchResult([unreadable.get(i) or next(sent) for i in range(len(envelopes))])

    def message(self, envelope: Envelope) -> dict[str, Any]:
        """One message of the batch; ValueError if ours has no body."""
        fields = message_fields(envelope.data)
        message: dict[str, Any] = {
            "From": fields.from_header,
            "To": envelope.recipient,
            "Subject": fields.subject,
            "Headers": [{"Name": name, "Value": value} for name, value in fields.headers],
            "MessageStream": self._stream,
            "TrackOpens": False,
            "TrackLinks": "None",
        }
        if fields.text is not None:
            message["TextBody"] = fields.text
        if fields.html is not None:
            message["HtmlBody"] = fields.html
        if fields.message_id and len(fields.message_id) <= MAX_METADATA_VALUE:
            message["Metadata"] = {METADATA_KEY: fields.message_id}
        return message

    async def close(self, *, polite: bool = False) -> None:
        await self._api.close()


_JSON = {"Content-Type": "application/json"}


def answers(response: httpx.Response, count: int) -> list[Reply] | str:
    """A reply for each message, or the reason nothing can go (the relay is unreachable)."""
    status = response.status_code
    data = _json(response)
    if status == 200 and isinstance(data, list) and len(data) == count:
        return [_result(item) for item in data]
    if status == 200:
        return [http.temporary("Postmark's answer did not list every message")] * count
    if status == 429:
        return [http.temporary("Postmark throttled the send (HTTP 429)")] * count
    if status >= 500:
        return [http.server_error(response)] * count
    code, said = _error(data)
    if code in CANNOT_SEND:
        return f"Postmark will not send (ErrorCode {code}): {said}"
    return [http.permanent(f"Postmark rejected the batch (ErrorCode {code}): {said}")] * count


def _result(item: object) -> Reply:
    code, said = _error(item)
    if code == 0 and isinstance(item, dict) and item.get("MessageID"):
        return http.accepted(str(item["MessageID"]))
    if code in THROTTLED:
        return http.temporary(f"Postmark throttled it (ErrorCode {code}): {said}")
    return http.permanent(f"Postmark rejected it (ErrorCode {code}): {said}")


def _error(item: object) -> tuple[int | None, str]:
    if not isinstance(item, dict):
        return None, "no reason given"
    code = item.get("ErrorCode")
    return (code if isinstance(code, int) else None), str(item.get("Message") or "no reason given")


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None
