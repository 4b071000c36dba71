"""Mailgun as a relay: a campaign's readers up to 1,000 a request, other mail as MIME.

A campaign's envelopes carry its template (see `transports.seam`): the consecutive
envelopes of one template go in one batch request, `POST /v3/DOMAIN/messages`
(`providers.personal`), with the shared parts once and Mailgun's recipient variables:
- `to` once for each reader, and `recipient-variables`, a JSON object of each reader's
  values by slot name (and their Message-ID), which also makes Mailgun send each
  reader a message of their own;
- `text`, `html` and the `h:` headers with `%recipient.NAME%` where each reader's
  value goes (their links, their Message-ID, List-Unsubscribe with their token);
- `v:bulletin-message-id` = `%recipient.message_id%`: Mailgun posts user variables
  back in every event's `user-variables`, which is how `/hooks/mailgun` finds the send;
- `o:tracking=no`, which keeps our signed links as they are.
Mailgun builds these messages itself and signs them for the sending domain: our DKIM
signature does not survive a batch.

An envelope without a template (a confirmation, a test send) goes as we built it,
`POST /v3/DOMAIN/messages.mime` with our bytes as a file part, one a request: every
header we wrote survives, our DKIM signature included as long as Mailgun does not
touch the body (tracking off); Mailgun adds its own. Either way the envelope sender is
Mailgun's bounce address for the domain, not our VERP address: returned mail comes by
the webhook (/hooks/mailgun).

Answers: 200 `{"id"}` → 250 with Mailgun's id (one id for a whole batch) for each
reader in the request; 429 → 451 for all; 5xx → 451 for all; 413 → 552; 401/403 (a
wrong key, a domain not allowed to send) and 404 (no such domain) → unreachable; 400
→ 550 with Mailgun's message. Mailgun takes or refuses a request whole: a 400 that
names a reader's address (`'to' parameter is not a valid address`) fails that reader,
and the others go again at once without them (at most `ROUNDS` requests; past that
they wait for a retry). Idempotency: none offered (see `providers.http`).
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Sequence

import httpx

from bulletin.mail.transports.providers import http, personal
from bulletin.mail.transports.providers.urls import ProviderAddress
from bulletin.mail.transports.seam import BatchResult, Envelope, Reply
from bulletin.mail.webhooks.mailgun import MESSAGE_ID_VARIABLE

MAX_RECIPIENTS = 1000  # Mailgun's limit for a batch
ROUNDS = 3  # requests for one batch when Mailgun names readers it refuses
MESSAGE_ID = "message_id"  # the recipient variable that holds each reader's Message-ID
Form = dict[str, str | list[str]]


class MailgunConnection:
    batch_size = MAX_RECIPIENTS

    def __init__(self, address: ProviderAddress, *, ssl_context: ssl.SSLContext, timeout: float):
        assert address.domain, "a mailgun address names its domain"
        self._mime_path = f"/v3/{address.domain}/messages.mime"
        self._batch_path = f"/v3/{address.domain}/messages"
        self._api = http.ProviderApi(
            address,
            ssl_context=ssl_context,
            timeout=timeout,
            auth=httpx.BasicAuth(address.username or "api", address.secret),
        )

    async def send_batch(self, envelopes: Sequence[Envelope]) -> BatchResult:
        return await personal.send_in_runs(
            envelopes, limit=self.batch_size, send_run=self._send_run
        )

    async def _send_run(self, run: list[Envelope]) -> list[Reply]:
        if run[0].template is None:
            (envelope,) = run
            files = {"message": ("message.mime", envelope.data, "message/rfc822")}
            return [answer(await self._post(self._mime_path, data=form(envelope), files=files))]
        try:
            shared = personal.shared(run[0].template)
        except ValueError as exc:
            return [http.permanent(f"cannot read the message: {exc}", 554)] * len(run)
        return await self._send_batch_run(shared, run)

    async def _send_batch_run(self, shared: personal.Shared, run: list[Envelope]) -> list[Reply]:
        """One request for the run; readers Mailgun names as refused fail alone, and the
        others go again without them."""
        replies: dict[int, Reply] = {}
        pending = list(range(len(run)))
        for round_ in range(1, ROUNDS + 1):
            batch = [run[i] for i in pending]
            response = await self._post(self._batch_path, data=batch_form(shared, batch))
            named = refused_recipients(response, batch)
            if not named or len(named) == len(pending) or round_ == ROUNDS:
                rest = answer(response) if not named else _held_back()
                for position, index in enumerate(pending):
                    replies[index] = named.get(position) or rest
                break
            for position, reply in named.items():
                replies[pending[position]] = reply
            pending = [index for position, index in enumerate(pending) if position not in named]
        return [replies[index] for index in range(len(run))]

    async def _post(self, path: str, **request: object) -> httpx.Response:
        response = await self._api.post(path, **request)
        if response.status_code == 404:
            raise http.Unreachable("HTTP 404: Mailgun has no such sending domain")
        return response

    async def close(self, *, polite: bool = False) -> None:
        await self._api.close()


def batch_form(shared: personal.Shared, run: Sequence[Envelope]) -> Form:
    """The form of one batch request: shared parts once, each reader's values apart."""
    fields = shared.fields
    spell = {name: f"%recipient.{name}%" for name, _ in shared.slots}
    found: Form = {
        "from": fields.from_header,
        "to": [envelope.recipient for envelope in run],
        "subject": shared.in_place(fields.subject, spell),
        "o:tracking": "no",
        "recipient-variables": json.dumps(
            {envelope.recipient: _variables(shared, envelope) for envelope in run}
        ),
    }
    for kind, body in (("text", fields.text), ("html", fields.html)):
        if body is not None:
            found[kind] = shared.in_place(body, spell)
    for name, value in (*shared.fixed_headers, *shared.own_headers):
        found[f"h:{name}"] = shared.in_place(value, spell)
    if fields.message_id:
        found[f"v:{MESSAGE_ID_VARIABLE}"] = f"%recipient.{MESSAGE_ID}%"
    return found


def _variables(shared: personal.Shared, envelope: Envelope) -> dict[str, str]:
    variables = shared.named(envelope.values)
    message_id = shared.message_id(envelope.values)
    if message_id:
        variables[MESSAGE_ID] = message_id
    return variables


def _held_back() -> Reply:
    return http.temporary("Mailgun refused other readers of the same request; trying again")


def refused_recipients(response: httpx.Response, run: Sequence[Envelope]) -> dict[int, Reply]:
    """The readers a 400 names (by position in the run), each with Mailgun's reason."""
    if response.status_code != 400:
        return {}
    said = _message(response)
    words = {word.strip("'\"<>,;:()[]").rstrip(".").lower() for word in said.split()}
    return {
        position: http.permanent(f"Mailgun rejected it (HTTP 400): {said}")
        for position, envelope in enumerate(run)
        if envelope.recipient.lower() in words
    }


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
