"""Mailgun as a relay: `POST /v3/DOMAIN/messages.mime`, our MIME bytes, one reader a request.

The message goes as we built it (`message`, a file part) with the reader as `to`, so
every header we wrote survives, our DKIM signature included as long as Mailgun does not
touch the body (tracking is switched off with `o:tracking=no`, which also keeps our
signed links as they are); Mailgun adds its own signature for the sending domain. The
envelope sender is Mailgun's bounce address for the domain, not our VERP address:
returned mail comes by the webhook (/hooks/mailgun), whose `message.headers.message-id`
is our Message-ID; it is also sent as the user variable `bulletin-message-id`, which
Mailgun posts back in every event's `user-variables`.

Why not `/messages` with `recipient-variables` (up to 1,000 readers a request): each
reader's body differs by their own links, and the seam hands over finished messages,
not the campaign's parts with each reader's values.

Answers: 200 `{"id"}` → 250 with Mailgun's id; 429 → 451; 400 → 550 with Mailgun's
message; 413 → 552; 401/403 (a wrong key, a domain not allowed to send) and 404 (no
such domain) → unreachable; 5xx → 451. Idempotency: none offered (see `providers.http`).
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence

import httpx

from bulletin.mail.transports.providers import http
from bulletin.mail.transports.providers.urls import ProviderAddress
from bulletin.mail.transports.seam import BatchResult, Envelope, Reply
from bulletin.mail.webhooks.mailgun import MESSAGE_ID_VARIABLE


class MailgunConnection:
    batch_size = 1

    def __init__(self, address: ProviderAddress, *, ssl_context: ssl.SSLContext, timeout: float):
        assert address.domain, "a mailgun address names its domain"
        self._path = f"/v3/{address.domain}/messages.mime"
        self._api = http.ProviderApi(
            address,
            ssl_context=ssl_context,
            timeout=timeout,
            auth=httpx.BasicAuth(address.username or "api", address.secret),
        )

    async def send_batch(self, envelopes: Sequence[Envelope]) -> BatchResult:
        replies: list[Reply] = []
        for envelope in envelopes:
            try:
                response = await self._api.post(
                    self._path,
                    data=form(envelope),
                    files={"message": ("message.mime", envelope.data, "message/rfc822")},
                )
            except http.Unreachable as exc:
                return BatchResult(replies, str(exc))
            except http.Lost as exc:
                return BatchResult(
                    replies + http.lost(len(envelopes) - len(replies), str(exc)).replies
                )
            if response.status_code == 404:
                return BatchResult(replies, "HTTP 404: Mailgun has no such sending domain")
            replies.append(answer(response))
        return BatchResult(replies)

    async def close(self, *, polite: bool = False) -> None:
        await self._api.close()


def form(envelope: Envelope) -> dict[str, str]:
    """The form fields beside the message: the reader, no tracking, our Message-ID."""
    fields = {"to": envelope.recipient, "o:tracking": "no"}
    message_id = _message_id(envelope.data)
    if message_id:
        fields[f"v:{MESSAGE_ID_VARIABLE}"] = message_id
    return fields


def _message_id(data: bytes) -> str | None:
    """Our Message-ID, from the header block (we write it on one line, never folded)."""
    head = data.partition(b"\r\n\r\n")[0]
    for line in head.split(b"\r\n"):
        if line[:11].lower() == b"message-id:":
            return line[11:].strip().decode("ascii", "replace") or None
    return None


def answer(response: httpx.Response) -> Reply:
    status = response.status_code
    said = _message(response)
    if status == 200:
        data = _json(response)
        receipt = data.get("id") if isinstance(data, dict) else None
        return http.accepted(str(receipt) if receipt else "mailgun HTTP 200")
    if status == 429:
        return http.temporary(f"Mailgun throttled the send (HTTP 429): {said}")
    if status >= 500:
        return http.server_error(response)
    code = 552 if status == 413 else 550
    return http.permanent(f"Mailgun rejected it (HTTP {status}): {said}", code)


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


def _message(response: httpx.Response) -> str:
    data = _json(response)
    if isinstance(data, dict) and data.get("message"):
        return str(data["message"])
    return response.text[:200] or "no reason given"
