"""Amazon SES v2 as a relay: `SendEmail` with our own MIME bytes (`Content.Raw`).

One message a request (`POST /v2/email/outbound-emails`), the envelope's recipient as
its only destination, signed with AWS Signature Version 4 by botocore's `SigV4Auth`
(imported on the first send, not at the worker's start). Raw content keeps every
header we wrote and our DKIM signature; SES signs again with its own key when the
domain has Easy DKIM. The return path is SES's own MAIL FROM (or the custom MAIL FROM
domain set in SES), not our VERP address: returned mail comes through the SNS
notifications read at /hooks/ses, which carry our Message-ID in `mail.headers`. With
`feedback=verp`, SES also forwards returned mail to the VERP address
(`FeedbackForwardingEmailAddress`, its domain must be verified in SES).

Answers (SES's documented errors, by `x-amzn-ErrorType` or the body's `__type`):

    200 {"MessageId"}                         250, the receipt is SES's message id
    TooManyRequestsException, ThrottlingException, LimitExceededException, 429
                                              451: retried with back-off
    AccountSuspendedException, SendingPausedException, NotFoundException,
    MailFromDomainNotVerifiedException, HTTP 401/403
                                              unreachable: nothing will go until the
                                              newsroom fixes its SES account
    MessageRejected, BadRequestException, other 4xx
                                              554 with SES's reason
    5xx                                       451

Idempotency: SendEmail takes no client token; a request with no answer is retried
later and may be delivered twice (see `providers.http`).
"""

from __future__ import annotations

import base64
import json
import ssl
from collections.abc import Sequence
from typing import Any

import httpx

from bulletin.mail.transports.providers import http
from bulletin.mail.transports.providers.urls import ProviderAddress
from bulletin.mail.transports.seam import BatchResult, Envelope, Reply

PATH = "/v2/email/outbound-emails"
SERVICE = "ses"
THROTTLED = {"TooManyRequestsException", "ThrottlingException", "LimitExceededException"}
CANNOT_SEND = {
    "AccountSuspendedException",
    "SendingPausedException",
    "NotFoundException",
    "MailFromDomainNotVerifiedException",
}


class SesConnection:
    batch_size = 1  # SendEmail takes one message; the relay's `connections` give concurrency

    def __init__(self, address: ProviderAddress, *, ssl_context: ssl.SSLContext, timeout: float):
        self._address = address
        self._api = http.ProviderApi(address, ssl_context=ssl_context, timeout=timeout)
        self._signer: Any = None

    async def send_batch(self, envelopes: Sequence[Envelope]) -> BatchResult:
        replies: list[Reply] = []
        for envelope in envelopes:
            body = json.dumps(self.request(envelope)).encode()
            try:
                response = await self._api.post(PATH, content=body, headers=self._signed(body))
                replies.append(answer(response))
            except http.Unreachable as exc:
                return BatchResult(replies, str(exc))
            except http.Lost as exc:
                missing = len(envelopes) - len(replies)
                return BatchResult(replies + http.lost(missing, str(exc)).replies)
            except CannotSend as exc:
                return BatchResult(replies, str(exc))
        return BatchResult(replies)

    def request(self, envelope: Envelope) -> dict[str, Any]:
        """The SendEmail request for one envelope."""
        options = self._address.options
        request: dict[str, Any] = {
            "Destination": {"ToAddresses": [envelope.recipient]},
            "Content": {"Raw": {"Data": base64.b64encode(envelope.data).decode()}},
        }
        if options.get("configuration_set"):
            request["ConfigurationSetName"] = options["configuration_set"]
        if options.get("feedback") == "verp":
            request["FeedbackForwardingEmailAddress"] = envelope.sender
        return request

    def _signed(self, body: bytes) -> dict[str, str]:
        """The request's headers with its SigV4 signature (made now: it holds the time)."""
        if self._signer is None:
            self._signer = signer(self._address)
        from botocore.awsrequest import AWSRequest

        request = AWSRequest(
            method="POST",
            url=self._address.base_url + PATH,
            data=body,
            headers={"Content-Type": "application/json"},
        )
        self._signer.add_auth(request)
        return dict(request.headers.items())

    async def close(self, *, polite: bool = False) -> None:
        await self._api.close()


class CannotSend(Exception):
    """SES will take nothing from this account as it is (suspended, paused, unverified)."""


def signer(address: ProviderAddress) -> Any:
    """botocore's SigV4 signer for SES in the relay's region (imported here: it is large)."""
    from botocore.auth import SigV4Auth
    from botocore.credentials import Credentials

    credentials = Credentials(address.username, address.secret)
    return SigV4Auth(credentials, SERVICE, address.options["region"])


def answer(response: httpx.Response) -> Reply:
    """What one SendEmail response means for its message; CannotSend for the account."""
    if response.status_code == 200:
        message_id = _json(response).get("MessageId")
        if isinstance(message_id, str) and message_id:
            return http.accepted(message_id)
        return http.temporary("SES answered 200 without a MessageId")
    kind, reason = error(response)
    if kind in THROTTLED or response.status_code == 429:
        return http.temporary(f"SES throttled the send ({kind}): {reason}")
    if kind in CANNOT_SEND:
        raise CannotSend(f"SES will not send for this account ({kind}): {reason}")
    if response.status_code >= 500:
        return http.server_error(response)
    return http.permanent(f"SES rejected it ({kind}): {reason}", 554)


def error(response: httpx.Response) -> tuple[str, str]:
    """SES's error type (without its namespace or URL) and message."""
    body = _json(response)
    kind = response.headers.get("x-amzn-ErrorType") or str(body.get("__type") or "")
    kind = kind.split(":")[0].split("#")[-1] or f"HTTP {response.status_code}"
    message = body.get("message") or body.get("Message") or ""
    return kind, str(message)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
