"""What the loopback provider API (`provider_api`) checks in a request, and what it answers.

Each provider's documented request shape and authentication, and its documented
answers for success, throttling, a refused recipient, refused credentials and its own
failure; see `mail.transports.providers` for how the relays read them.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
from dataclasses import dataclass, field
from email.message import Message as EmailMessage
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from bulletin.benchmarks.provider_batches import Malformed, mailgun_readers, sendgrid_readers

if TYPE_CHECKING:
    from bulletin.benchmarks.provider_api import ApiState
    from bulletin.benchmarks.sink import SinkCounters

OUR_ID = re.compile(r"bulletin\.c(\d+)\.s(\d+)[.@]", re.IGNORECASE)
MESSAGE_ID_HEADER = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


@dataclass
class Request:
    path: str
    host: str
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class Message:
    """One message as the API received it, and the id it answered with."""

    recipient: str
    message_id: str | None  # ours, as the request carried it
    receipt: str
    raw: bytes | None = None  # SES and Mailgun: our MIME bytes
    fields: dict[str, Any] = field(default_factory=dict)  # the JSON or form fields
    # A batched request's message for this reader as the provider makes it
    # (`provider_batches`): subject, text, html, headers and what comes back in events.
    expanded: dict[str, Any] = field(default_factory=dict)


@dataclass
class Answer:
    status: int
    body: object
    headers: dict[str, str] = field(default_factory=dict)
    accepted: list[Message] | None = None


def answer(state: ApiState, request: Request, behaviour: str) -> Answer:
    handler = {"ses": _ses, "sendgrid": _sendgrid, "mailgun": _mailgun, "postmark": _postmark}
    return handler[state.kind](state, request, behaviour)


def count(counters: SinkCounters, campaign: Any, messages: list[Message]) -> None:
    """Count arrivals by our Message-ID, as the SMTP sink does (`benchmarks.sink`)."""
    import time

    now = time.time()
    for message in messages:
        if counters.accepted.value == 0:
            counters.first_at.value = now
        counters.accepted.value += 1
        counters.last_at.value = now
        found = OUR_ID.search(message.message_id or "")
        if not found:
            continue
        if not campaign.value:
            campaign.value = int(found.group(1))
        sid = int(found.group(2))
        if int(found.group(1)) == campaign.value and sid < len(counters.seen):
            if counters.seen[sid]:
                counters.duplicates.value += 1
            counters.seen[sid] = min(255, counters.seen[sid] + 1)


# Amazon SES v2 ----------------------------------------------------------------------------


def _ses(state: ApiState, request: Request, behaviour: str) -> Answer:
    if request.path != "/v2/email/outbound-emails":
        return _ses_error(404, "NotFoundException", "Unknown operation")
    refused = ses_signature_problem(state, request)
    if refused or behaviour == "auth":
        return _ses_error(403, "InvalidSignatureException", refused or "The signature is wrong")
    if behaviour == "throttle":
        return _ses_error(429, "TooManyRequestsException", "Maximum sending rate exceeded.")
    if behaviour == "suspended":
        return _ses_error(400, "AccountSuspendedException", "Your account is suspended.")
    if behaviour == "error":
        return _ses_error(500, "InternalFailure", "Internal failure")
    try:
        body = json.loads(request.body)
        raw = base64.b64decode(body["Content"]["Raw"]["Data"], validate=True)
        (recipient,) = body["Destination"]["ToAddresses"]
    except (ValueError, KeyError, TypeError):
        return _ses_error(400, "BadRequestException", "The request is malformed.")
    if recipient.lower() in state.refused:
        return _ses_error(400, "MessageRejected", "Email address is not verified.")
    receipt = f"0102019{next(state.ids):09d}-ses-{state.region}-000000"
    message = Message(recipient, _raw_message_id(raw), receipt, raw=raw, fields=body)
    return Answer(200, {"MessageId": receipt}, accepted=[message])


def ses_signature_problem(state: ApiState, request: Request) -> str | None:
    """Why the request's SigV4 signature is not ours, recomputed with botocore; None if it is."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    found = re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/ses/aws4_request, "
        r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})",
        request.headers.get("authorization", ""),
    )
    if not found:
        return "The request carries no SigV4 Authorization header"
    key_id, _, region, signed, given = found.groups()
    if key_id != state.user or region != state.region:
        return "The security token included in the request is invalid"
    names = signed.split(";")
    if "host" not in names or "x-amz-date" not in names:
        return "Host and X-Amz-Date must be signed"
    aws = AWSRequest(
        method="POST",
        url=f"http://{request.host}{request.path}",
        data=request.body,
        headers={name: request.headers.get(name, "") for name in names},
    )
    aws.context["timestamp"] = request.headers["x-amz-date"]
    signer = SigV4Auth(Credentials(state.user, state.secret), "ses", state.region)
    expected = signer.signature(signer.string_to_sign(aws, signer.canonical_request(aws)), aws)
    if not hmac.compare_digest(expected, given):
        return "The request signature we calculated does not match the signature you provided"
    return None


def _ses_error(status: int, kind: str, message: str) -> Answer:
    return Answer(status, {"message": message}, headers={"x-amzn-ErrorType": kind})


# SendGrid v3 ------------------------------------------------------------------------------


def _sendgrid(state: ApiState, request: Request, behaviour: str) -> Answer:
    expected = f"Bearer {state.secret}"
    if request.headers.get("authorization") != expected or behaviour == "auth":
        return _sendgrid_error(
            401, "The provided authorization grant is invalid, expired, or revoked"
        )
    if behaviour == "throttle":
        return _sendgrid_error(429, "too many requests")
    if behaviour == "error":
        return _sendgrid_error(500, "internal error")
    if behaviour == "refuse-request":
        return _sendgrid_error(
            400,
            "The from address does not match a verified Sender Identity.",
            "from.email",
        )
    try:
        body = json.loads(request.body)
        assert body["from"]["email"] and body["content"] and isinstance(body["subject"], str)
        readers = sendgrid_readers(body)
    except Malformed as exc:
        return _sendgrid_error(400, str(exc), "personalizations")
    except (ValueError, KeyError, TypeError, AssertionError):
        return _sendgrid_error(400, "The request body is malformed.", "body")
    refused = [
        {
            "message": "Does not contain a valid address.",
            "field": f"personalizations.{i}.to.0.email",
        }
        for i, reader in enumerate(readers)
        if reader["to"].lower() in state.refused
    ]
    if refused:
        return Answer(400, {"errors": [{**error, "help": None} for error in refused]})
    receipt = f"sg{next(state.ids):010d}XmsgID"
    messages = [
        Message(r["to"], r["headers"].get("Message-ID"), receipt, fields=body, expanded=r)
        for r in readers
    ]
    return Answer(202, b"", headers={"X-Message-Id": receipt}, accepted=messages)


def _sendgrid_error(status: int, message: str, field_name: str | None = None) -> Answer:
    return Answer(status, {"errors": [{"message": message, "field": field_name, "help": None}]})


# Mailgun ----------------------------------------------------------------------------------


def _mailgun(state: ApiState, request: Request, behaviour: str) -> Answer:
    if request.path not in (f"/v3/{state.domain}/messages.mime", f"/v3/{state.domain}/messages"):
        return Answer(404, {"message": "Domain not found"})
    basic = base64.b64encode(f"api:{state.secret}".encode()).decode()
    if request.headers.get("authorization") != f"Basic {basic}" or behaviour == "auth":
        return Answer(401, b"Forbidden")
    if behaviour == "throttle":
        return Answer(429, {"message": "Too many requests"})
    if behaviour == "error":
        return Answer(500, {"message": "Internal server error"})
    if behaviour == "refuse-request":
        return Answer(400, {"message": "from parameter is not a valid address"})
    form = _form(request)
    if request.path.endswith("/messages"):
        return _mailgun_batch(state, form)
    raw, recipients = form.get("message", []), form.get("to", [])
    if len(raw) != 1 or not isinstance(raw[0], bytes) or len(recipients) != 1:
        return Answer(400, {"message": "to parameter is missing"})
    recipient = str(recipients[0])
    if recipient.lower() in state.refused:
        return Answer(400, {"message": f"'to' parameter is not a valid address: {recipient}"})
    receipt = f"<20261202.{next(state.ids)}@{state.domain}>"
    fields = {k: v[-1] for k, v in form.items() if isinstance(v[-1], str)}
    message = Message(recipient, _raw_message_id(raw[0]), receipt, raw=raw[0], fields=fields)
    return Answer(200, {"id": receipt, "message": "Queued. Thank you."}, accepted=[message])


def _mailgun_batch(state: ApiState, form: dict[str, list[str | bytes]]) -> Answer:
    """`/messages` with recipient variables: each reader's message made from the form."""
    texts = {k: [v for v in values if isinstance(v, str)] for k, values in form.items()}
    if not texts.get("from") or not (texts.get("text") or texts.get("html")):
        return Answer(400, {"message": "from parameter is missing"})
    try:
        readers = mailgun_readers(texts)
    except Malformed as exc:
        return Answer(400, {"message": str(exc)})
    for reader in readers:
        if reader["to"].lower() in state.refused:
            return Answer(
                400, {"message": f"'to' parameter is not a valid address: {reader['to']}"}
            )
    receipt = f"<20261202.{next(state.ids)}@{state.domain}>"
    sent = {k: v[-1] for k, v in texts.items() if v and k != "to"}  # the request's form
    messages = [
        Message(r["to"], r.get("h:Message-ID"), receipt, fields=sent, expanded=r) for r in readers
    ]
    return Answer(200, {"id": receipt, "message": "Queued. Thank you."}, accepted=messages)


def _form(request: Request) -> dict[str, list[str | bytes]]:
    """A form body's fields, each name with its values in order (files as bytes, exactly
    as sent); multipart/form-data or application/x-www-form-urlencoded.

    Multipart is split at the boundary by hand: the email package would parse a
    message/rfc822 file into a message of its own, and the point is to see our bytes
    as they came.
    """
    kind = EmailMessage()
    kind["Content-Type"] = request.headers.get("content-type", "")
    found: dict[str, list[str | bytes]] = {}
    if kind.get_content_type() == "application/x-www-form-urlencoded":
        query = parse_qs(request.body.decode(), keep_blank_values=True)
        return {name: list(values) for name, values in query.items()}
    boundary = kind.get_boundary()
    if kind.get_content_type() != "multipart/form-data" or not boundary:
        return found
    for chunk in request.body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, payload = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        part = BytesHeaderParser(policy=compat32).parsebytes(head + b"\r\n\r\n")
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            is_file = part.get_param("filename", header="content-disposition") is not None
            value = payload.removesuffix(b"\r\n")
            found.setdefault(name, []).append(value if is_file else value.decode())
    return found


# Postmark ---------------------------------------------------------------------------------


def _postmark(state: ApiState, request: Request, behaviour: str) -> Answer:
    if request.headers.get("x-postmark-server-token") != state.secret or behaviour == "auth":
        return Answer(
            401, {"ErrorCode": 10, "Message": "The Server Token you provided was invalid."}
        )
    if behaviour == "throttle":
        return Answer(429, {"ErrorCode": 429, "Message": "Rate limit exceeded."})
    if behaviour == "error":
        return Answer(500, {"ErrorCode": 500, "Message": "Internal server error."})
    try:
        batch = json.loads(request.body)
        assert isinstance(batch, list) and 1 <= len(batch) <= 500
        for item in batch:
            assert item["From"] and item["To"] and item["MessageStream"]
            assert "TextBody" in item or "HtmlBody" in item
    except (ValueError, KeyError, TypeError, AssertionError):
        return Answer(422, {"ErrorCode": 300, "Message": "Invalid email request."})
    results, accepted = [], []
    for item in batch:
        if item["To"].lower() in state.refused:
            results.append(
                {
                    "ErrorCode": 406,
                    "Message": "You tried to send to recipient(s) "
                    "that have been marked as inactive.",
                    "To": item["To"],
                }
            )
            continue
        receipt = f"0a129aee-e1cd-480d-b08d-{next(state.ids):012d}"
        results.append({"ErrorCode": 0, "Message": "OK", "MessageID": receipt, "To": item["To"]})
        headers = {h["Name"]: h["Value"] for h in item.get("Headers", [])}
        accepted.append(Message(item["To"], headers.get("Message-ID"), receipt, fields=item))
    return Answer(200, results, accepted=accepted)


def _raw_message_id(raw: bytes) -> str | None:
    head = raw.partition(b"\r\n\r\n")[0]
    found = MESSAGE_ID_HEADER.search(head)
    return found.group(1).decode() if found else None
