"""Amazon SNS messages posted to an HTTPS endpoint: their signature, and subscriptions.

Amazon SES publishes bounces, complaints and deliveries to an SNS topic, and SNS posts
each to the subscribed URL as JSON. Nothing in the body is believed until, as the SNS
documentation prescribes:

1. the message's `TopicArn` is one we were told to expect (`BULLETIN_SES_TOPIC_ARNS`);
2. its `SigningCertURL` is https on an SNS host (`sns.<region>.amazonaws.com`, or
   `.amazonaws.com.cn`) and names a `.pem` file, and that certificate, fetched over
   https (so TLS vouches for the host) and cached, is valid now;
3. its `Signature` verifies with that certificate's key over the canonical string:
   `name\\nvalue\\n` for `Message`, `MessageId`, `Subject` (when present), `Timestamp`,
   `TopicArn`, `Type` in a Notification, and for `Message`, `MessageId`,
   `SubscribeURL`, `Timestamp`, `Token`, `TopicArn`, `Type` in a
   SubscriptionConfirmation or UnsubscribeConfirmation; SignatureVersion 1 is
   SHA1withRSA, 2 is SHA256withRSA;
4. its `Timestamp` is less than a day old. SNS retries a failed delivery for hours,
   so the window is wide; a replay within it changes nothing because every event is
   taken once by its id.

A SubscriptionConfirmation is confirmed by visiting its `SubscribeURL`, which must be
https on an SNS host too. The certificate fetcher and the visitor are passed in, so
tests serve their own certificate and record the visit without any network.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bulletin.domain.errors import MalformedWebhook, ProviderUnavailable, WebhookRefused
from bulletin.mail.webhooks.events import from_iso, load_json

NOTIFICATION = "Notification"
SUBSCRIPTION = "SubscriptionConfirmation"
UNSUBSCRIPTION = "UnsubscribeConfirmation"
_CONFIRMATION_FIELDS = (
    "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
)  # fmt: skip
SIGNED_FIELDS = {
    NOTIFICATION: ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    SUBSCRIPTION: _CONFIRMATION_FIELDS,
    UNSUBSCRIPTION: _CONFIRMATION_FIELDS,
}
OPTIONAL_FIELDS = {"Subject"}
HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}
MAX_AGE = timedelta(days=1)
MAX_AHEAD = timedelta(minutes=15)  # clocks differ a little; a message from the future, not
SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
MAX_CERTIFICATE_BYTES = 64 * 1024
TIMEOUT_S = 10.0

Fetch = Callable[[str], bytes]
Visit = Callable[[str], None]
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class SnsMessage:
    """A message whose signature, topic and age have been checked."""

    type: str
    message_id: str
    topic_arn: str
    message: str
    timestamp: datetime
    subscribe_url: str | None = None


class SnsVerifier:
    """Checks SNS messages for the allowed topics; keeps the signing keys it fetched."""

    def __init__(
        self, topics: Collection[str], *, fetch: Fetch, clock: Clock, cache_size: int = 16
    ) -> None:
        self.topics = frozenset(topics)
        self.fetch = fetch
        self.clock = clock
        self.cache_size = cache_size
        self._keys: OrderedDict[str, tuple[rsa.RSAPublicKey, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, body: bytes) -> SnsMessage:
        """The message in `body` once it checks out; WebhookRefused or MalformedWebhook if not."""
        fields = _fields(load_json(body))
        kind = fields["Type"]
        if fields["TopicArn"] not in self.topics:
            raise WebhookRefused("The message is from an SNS topic that is not allowed here.")
        algorithm = HASHES.get(fields.get("SignatureVersion", ""))
        if algorithm is None:
            raise WebhookRefused("The message has an SNS signature version we do not know.")
        timestamp = self._fresh(fields["Timestamp"])
        key = self._key(_sns_url(fields["SigningCertURL"], what="signing certificate URL"))
        try:
            signature = base64.b64decode(fields["Signature"], validate=True)
            key.verify(signature, canonical(fields), padding.PKCS1v15(), algorithm())
        except (InvalidSignature, binascii.Error, ValueError):
            raise WebhookRefused("The SNS signature does not match the message.") from None
        subscribe_url = None
        if kind != NOTIFICATION:
            subscribe_url = _sns_url(fields["SubscribeURL"], what="SubscribeURL")
        return SnsMessage(
            type=kind,
            message_id=fields["MessageId"],
            topic_arn=fields["TopicArn"],
            message=fields["Message"],
            timestamp=timestamp,
            subscribe_url=subscribe_url,
        )

    def _fresh(self, value: str) -> datetime:
        timestamp = from_iso(value)
        if timestamp is None:
            raise MalformedWebhook("The SNS message has no readable Timestamp.")
        now = self.clock()
        if now - timestamp > MAX_AGE or timestamp - now > MAX_AHEAD:
            raise WebhookRefused("The SNS message is too old (or from the future).")
        return timestamp

    def _key(self, url: str) -> rsa.RSAPublicKey:
        """The certificate's public key, from the cache or fetched; refused unless valid now."""
        now = self.clock()
        with self._lock:
            cached = self._keys.get(url)
            if cached is not None:
                self._keys.move_to_end(url)
        if cached is None:
            cached = _read_certificate(self.fetch(url), now=now)
            with self._lock:
                self._keys[url] = cached
                while len(self._keys) > self.cache_size:
                    self._keys.popitem(last=False)
        key, not_after = cached
        if now > not_after:
            raise WebhookRefused("The SNS signing certificate has expired.")
        return key


def canonical(fields: dict[str, str]) -> bytes:
    """The string SNS signs: `name\\nvalue\\n` for each signed field, in its order."""
    lines = []
    for name in SIGNED_FIELDS[fields["Type"]]:
        if name in fields:
            lines.append(f"{name}\n{fields[name]}\n")
    return "".join(lines).encode()


def _fields(data: object) -> dict[str, str]:
    """The message's text fields, with every one its type needs; MalformedWebhook if not."""
    if not isinstance(data, dict):
        raise MalformedWebhook("The body is not an SNS message.")
    fields = {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}
    kind = fields.get("Type", "")
    if kind not in SIGNED_FIELDS:
        raise MalformedWebhook("The body is not an SNS message of a type we know.")
    needed = set(SIGNED_FIELDS[kind]) - OPTIONAL_FIELDS | {"Signature", "SigningCertURL"}
    missing = sorted(needed - fields.keys())
    if missing:
        raise MalformedWebhook(f"The SNS message lacks {', '.join(missing)}.")
    return fields


def _sns_url(url: str, *, what: str) -> str:
    """The URL if it is https on an SNS host (a certificate: a .pem path); else refused."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    ok = (
        parts.scheme == "https"
        and SNS_HOST.match(parts.hostname or "") is not None
        and parts.username is None
        and port in (None, 443)
    )
    if ok and what == "signing certificate URL":
        ok = parts.path.endswith(".pem") and not parts.query
    if not ok:
        raise WebhookRefused(f"The {what} is not https on an Amazon SNS host.")
    return url


def _read_certificate(pem: bytes, *, now: datetime) -> tuple[rsa.RSAPublicKey, datetime]:
    try:
        certificate = x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise WebhookRefused("The SNS signing certificate cannot be read.") from None
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise WebhookRefused("The SNS signing certificate does not hold an RSA key.")
    if now < certificate.not_valid_before_utc:
        raise WebhookRefused("The SNS signing certificate is not valid yet.")
    return key, certificate.not_valid_after_utc


def fetch_https(url: str) -> bytes:
    """GET a signing certificate over https (redirects not followed, size bounded)."""
    try:
        with (
            httpx.Client(timeout=TIMEOUT_S, follow_redirects=False) as client,
            client.stream("GET", url) as response,
        ):
            response.raise_for_status()
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_CERTIFICATE_BYTES:
                    raise ProviderUnavailable("The SNS signing certificate is too large.")
            return body
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"Could not fetch the SNS signing certificate: {exc}") from exc


def visit_https(url: str) -> None:
    """Confirm a subscription: GET its SubscribeURL, which SNS answers with 200."""
    try:
        with httpx.Client(timeout=TIMEOUT_S, follow_redirects=False) as client:
            client.get(url).raise_for_status()
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(f"Could not confirm the SNS subscription: {exc}") from exc
