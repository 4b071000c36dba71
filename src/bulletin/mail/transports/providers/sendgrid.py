"""SendGrid's v3 Mail Send as a relay: `POST /v3/mail/send`, up to 1,000 readers a request.

SendGrid builds the message itself, so ours is read back into its fields
(`providers.fields`): from, subject, the text and HTML bodies, and our other headers
(Message-ID, List-Id, List-Unsubscribe and List-Unsubscribe-Post, Feedback-ID,
threading) in `headers`. Click and open tracking are switched off: they would rewrite
our signed unsubscribe and preference links.

A campaign's envelopes carry its template (see `transports.seam`): the consecutive
envelopes of one template go in one request (`providers.personal`), the shared parts
once and one personalization per reader, holding
- `to`: the reader;
- `substitutions`: the reader's values for the placeholders in the text and HTML (the
  placeholders themselves are the substitution tags; SendGrid substitutes in the
  content, subject and reply-to, never in headers);
- `headers`: the headers that differ per reader, filled in (Message-ID,
  List-Unsubscribe with the reader's token, In-Reply-To and References); the shared
  ones go once in the request's `headers`;
- `custom_args`: our Message-ID as `bulletin_message_id`, which SendGrid's Event
  Webhook posts back with every event: that is how `/hooks/sendgrid` finds the send.
An envelope without a template (a confirmation, a test send) goes alone, its bytes
read back the same way.

What survives: our headers, not our DKIM signature (SendGrid rebuilds and signs the
message with the domain authenticated in SendGrid), nor our VERP return path (the
envelope sender is SendGrid's bounce domain; returned mail comes by the webhook).

Answers: 202 (the `X-Message-Id` header is the receipt, one for the whole request) →
250 for each reader in it; 429 → 451 for all; 5xx → 451 for all; 401/403 →
unreachable; 400 and 413 → 550/552 with SendGrid's error messages. SendGrid takes or
refuses a request whole: when its errors name personalizations (an address it will not
take, `personalizations.N.to.0.email`), those readers fail with their reason and the
others go again at once without them (at most `ROUNDS` requests; past that they wait
for a retry); otherwise the refusal answers every reader in the request.
Idempotency: Mail Send takes no idempotency key (see `providers.http`).
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Sequence
from typing import Any

import httpx

from bulletin.mail.transports.providers import http, personal
from bulletin.mail.transports.providers.fields import MessageFields, message_fields
from bulletin.mail.transports.providers.urls import ProviderAddress
from bulletin.mail.transports.seam import BatchResult, Envelope, Reply
from bulletin.mail.webhooks.sendgrid import MESSAGE_ID_ARG

PATH = "/v3/mail/send"
OFF = {"enable": False}
MAX_PERSONALIZATIONS = 1000  # SendGrid's limit a request (and of recipients in all)
ROUNDS = 3  # requests for one run when SendGrid names readers it refuses
_JSON = {"Content-Type": "application/json"}
_NAMED = re.compile(r"^personalizations\.(\d+)\.")


class SendGridConnection:
    batch_size = MAX_PERSONALIZATIONS

    def __init__(self, address: ProviderAddress, *, ssl_context: ssl.SSLContext, timeout: float):
        self._address = address
        self._api = http.ProviderApi(
            address,
            ssl_context=ssl_context,
            timeout=timeout,
            headers={"Authorization": f"Bearer {address.secret}"},
        )

    async def send_batch(self, envelopes: Sequence[Envelope]) -> BatchResult:
        return await personal.send_in_runs(
            envelopes, limit=self.batch_size, send_run=self._send_run
        )

    async def _send_run(self, run: list[Envelope]) -> list[Reply]:
        if run[0].template is None:
            try:
                body = self.request(run[0])
            except ValueError as exc:
                return [http.permanent(f"cannot read the message: {exc}", 554)]
            return [answer(await self._post(body))]
        try:
            shared = personal.shared(run[0].template)
        except ValueError as exc:
            return [http.permanent(f"cannot read the message: {exc}", 554)] * len(run)
        return await self._send_personalised(shared, run)

    async def _send_personalised(self, shared: personal.Shared, run: list[Envelope]) -> list[Reply]:
        """One request for the run; readers SendGrid names as refused fail alone, and the
        others go again without them."""
        replies: dict[int, Reply] = {}
        pending = list(range(len(run)))
        for round_ in range(1, ROUNDS + 1):
            response = await self._post(self.batch_request(shared, [run[i] for i in pending]))
            named = refused_personalizations(response, len(pending))
            if not named or len(named) == len(pending) or round_ == ROUNDS:
                rest = answer(response) if not named else _held_back()
                for position, index in enumerate(pending):
                    replies[index] = named.get(position) or rest
                break
            for position, reply in named.items():
                replies[pending[position]] = reply
            pending = [index for position, index in enumerate(pending) if position not in named]
        return [replies[index] for index in range(len(run))]

    async def _post(self, request: dict[str, Any]) -> httpx.Response:
        return await self._api.post(PATH, content=json.dumps(request).encode(), headers=_JSON)

    def request(self, envelope: Envelope) -> dict[str, Any]:
        """The Mail Send request for one envelope; ValueError if the message has no body."""
        fields = message_fields(envelope.data)
        personalization: dict[str, Any] = {"to": [{"email": envelope.recipient}]}
        if fields.message_id:
            personalization["custom_args"] = {MESSAGE_ID_ARG: fields.message_id}
        return self._shared_part(fields, [personalization], headers=fields.headers)

    def batch_request(self, shared: personal.Shared, run: Sequence[Envelope]) -> dict[str, Any]:
        """The Mail Send request for a run of one template's envelopes."""
        personalizations = [_personalization(shared, envelope) for envelope in run]
        return self._shared_part(shared.fields, personalizations, headers=shared.fixed_headers)

    def _shared_part(
        self,
        fields: MessageFields,
        personalizations: list[dict[str, Any]],
        *,
        headers: Sequence[tuple[str, str]],
    ) -> dict[str, Any]:
        sender: dict[str, str] = {"email": fields.from_address}
        if fields.from_name:
            sender["name"] = fields.from_name
        content = [
            {"type": kind, "value": value}
            for kind, value in (("text/plain", fields.text), ("text/html", fields.html))
            if value is not None
        ]
        request: dict[str, Any] = {
            "personalizations": personalizations,
            "from": sender,
            "subject": fields.subject,
            "content": content,
            "headers": dict(headers),
            "tracking_settings": {"click_tracking": OFF, "open_tracking": OFF},
        }
        if self._address.options.get("ip_pool"):
            request["ip_pool_name"] = self._address.options["ip_pool"]
        return request

    async def close(self, *, polite: bool = False) -> None:
        await self._api.close()


def _personalization(shared: personal.Shared, envelope: Envelope) -> dict[str, Any]:
    """One reader's personalization: their address, values, own headers and Message-ID."""
    values = envelope.values
    found: dict[str, Any] = {"to": [{"email": envelope.recipient}]}
    substitutions = {
        shared.slots[i][1]: values[i].decode() for i in shared.body_slots if i < len(values)
    }
    if substitutions:
        found["substitutions"] = substitutions
    headers = shared.own(values)
    if headers:
        found["headers"] = headers
    message_id = shared.message_id(values)
    if message_id:
        found["custom_args"] = {MESSAGE_ID_ARG: message_id}
    return found


def _held_back() -> Reply:
    return http.temporary("SendGrid refused other readers of the same request; trying again")


def refused_personalizations(response: httpx.Response, count: int) -> dict[int, Reply]:
    """The personalizations a 400 names (by position), each with SendGrid's reason."""
    if response.status_code != 400:
        return {}
    named: dict[int, list[str]] = {}
    for field_name, message in _errors(response):
        found = _NAMED.match(field_name or "")
        if found and int(found.group(1)) < count:
            named.setdefault(int(found.group(1)), []).append(f"{field_name}: {message}")
    return {
        position: http.permanent(f"SendGrid rejected it (HTTP 400): {'; '.join(said)}")
        for position, said in named.items()
    }


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
    said = [f"{name}: {message}" if name else message for name, message in _errors(response)]
    return "; ".join(said) or "no reason given"


def _errors(response: httpx.Response) -> list[tuple[str | None, str]]:
    """(field, message) of each of SendGrid's errors."""
    try:
        data = response.json()
    except ValueError:
        return []
    found = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(found, list):
        return []
    return [
        (str(e["field"]) if e.get("field") else None, str(e.get("message")))
        for e in found
        if isinstance(e, dict)
    ]
