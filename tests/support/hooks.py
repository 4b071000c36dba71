"""Mail providers' webhooks for tests: our own keys and certificates, signed real-format bodies.

Every request here is written in the format its provider documents and signed the way
the provider signs it, with keys the tests make themselves: an RSA key and a
self-signed certificate standing in for Amazon SNS's, an ECDSA key for SendGrid, an
HMAC key for Mailgun, a user and password for Postmark.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from bulletin.domain.models import AlertDraft
from bulletin.mail.compose import reader_message_id
from bulletin.mail.returns.tags import ReturnTags
from bulletin.mail.webhooks.sns import canonical
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store import campaigns as campaign_store
from bulletin.store import lists as list_store
from bulletin.store.readers import consent, suppressions
from bulletin.store.readers import events as event_store
from bulletin.store.readers import subscribers as subscriber_store
from bulletin.store.tables import events as events_table
from tests.support.factories import confirmed_reader, unique_email

TOPIC = "arn:aws:sns:eu-west-1:123456789012:newsroom-ses-returns"
CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-7f1c0e2b5d.pem"
SUBSCRIBE_URL = (
    "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription"
    f"&TopicArn={TOPIC}&Token=2336412f37fb687f5d51e6e2425f004ae"
)
MAILGUN_KEY = "mailgun-signing-key-for-tests-0123456789"
POSTMARK_USER = "postmark-hooks"
POSTMARK_PASSWORD = "a-long-webhook-password-42"
ALERT = AlertDraft("Storm makes landfall", "Evacuations continue.", "https://news.example.com/s")


def iso(moment: datetime) -> str:
    """A timestamp as SNS and SES write it: 2026-11-25T12:00:00.000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "000Z"


def certificate(key: rsa.RSAPrivateKey, *, now: datetime) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


class SnsSigner:
    """Signs SNS messages as SNS does and serves the certificate for CERT_URL."""

    def __init__(self, *, now: datetime | None = None) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = certificate(self.key, now=now or datetime.now(UTC))
        self.served = {CERT_URL: self.pem}
        self.fetched: list[str] = []

    def fetch(self, url: str) -> bytes:
        """The injected certificate fetcher: what the documented URL would serve."""
        self.fetched.append(url)
        if url not in self.served:
            raise AssertionError(f"fetched an unexpected URL {url}")
        return self.served[url]

    def sign(self, fields: dict[str, str], *, version: str = "1") -> dict[str, str]:
        signed = {**fields, "SignatureVersion": version, "SigningCertURL": CERT_URL}
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signature = self.key.sign(canonical(signed), padding.PKCS1v15(), algorithm)
        return {**signed, "Signature": base64.b64encode(signature).decode()}

    def notification(
        self, message: str, *, at: datetime, topic: str = TOPIC, version: str = "1"
    ) -> dict[str, str]:
        fields = {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": topic,
            "Message": message,
            "Timestamp": iso(at),
            "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
        }
        return self.sign(fields, version=version)

    def confirmation(self, *, at: datetime, topic: str = TOPIC) -> dict[str, str]:
        fields = {
            "Type": "SubscriptionConfirmation",
            "MessageId": str(uuid.uuid4()),
            "Token": "2336412f37fb687f5d51e6e2425f004ae",
            "TopicArn": topic,
            "Message": f"You have chosen to subscribe to the topic {topic}.\n"
            "To confirm the subscription, visit the SubscribeURL included in this message.",
            "SubscribeURL": SUBSCRIBE_URL,
            "Timestamp": iso(at),
        }
        return self.sign(fields, version="1")


def body(fields: object) -> bytes:
    return json.dumps(fields).encode()


def ses_mail(recipient: str, *, message_id: str | None, at: datetime) -> dict[str, Any]:
    """The `mail` object of an SES notification: SES's id, and our headers as sent."""
    headers = [{"name": "From", "value": "Newsroom Alerts <alerts@news.example.com>"}]
    if message_id:
        headers.append({"name": "Message-ID", "value": message_id})
    return {
        "timestamp": iso(at - timedelta(seconds=5)),
        "source": "bounces+c1.s1@news.example.com",
        "sourceArn": "arn:aws:ses:eu-west-1:123456789012:identity/news.example.com",
        "sendingAccountId": "123456789012",
        "messageId": "0102018f3c1a2b3c-5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e-000000",
        "destination": [recipient],
        "headersTruncated": False,
        "headers": headers,
        "commonHeaders": {
            "from": ["Newsroom Alerts <alerts@news.example.com>"],
            "to": [recipient],
            "subject": "Storm makes landfall",
        },
    }


def ses_bounce(
    recipient: str,
    bounce_type: str,
    subtype: str,
    *,
    at: datetime,
    status: str = "5.1.1",
    diagnostic: str = "smtp; 550 5.1.1 user unknown",
    message_id: str | None = None,
) -> str:
    return json.dumps(
        {
            "notificationType": "Bounce",
            "bounce": {
                "bounceType": bounce_type,
                "bounceSubType": subtype,
                "bouncedRecipients": [
                    {
                        "emailAddress": recipient,
                        "action": "failed",
                        "status": status,
                        "diagnosticCode": diagnostic,
                    }
                ],
                "timestamp": iso(at),
                "feedbackId": "0102018f3c1a2b3c-aaaa-bbbb-cccc-000000",
                "reportingMTA": "dsn; a1-2.smtp-out.eu-west-1.amazonses.com",
            },
            "mail": ses_mail(recipient, message_id=message_id, at=at),
        }
    )


def ses_complaint(
    recipient: str,
    *,
    at: datetime,
    feedback_type: str | None = "abuse",
    subtype: str | None = None,
    message_id: str | None = None,
) -> str:
    complaint: dict[str, Any] = {
        "complainedRecipients": [{"emailAddress": recipient}],
        "timestamp": iso(at),
        "feedbackId": "0102018f3c1a2b3c-dddd-eeee-ffff-000000",
        "complaintSubType": subtype,
        "userAgent": "ExampleFeedbackLoop/1.0",
        "arrivalDate": iso(at),
    }
    if feedback_type:
        complaint["complaintFeedbackType"] = feedback_type
    return json.dumps(
        {
            "notificationType": "Complaint",
            "complaint": complaint,
            "mail": ses_mail(recipient, message_id=message_id, at=at),
        }
    )


def ses_delivery(recipient: str, *, at: datetime) -> str:
    return json.dumps(
        {
            "notificationType": "Delivery",
            "delivery": {
                "timestamp": iso(at),
                "processingTimeMillis": 812,
                "recipients": [recipient],
                "smtpResponse": "250 2.0.0 OK 1732536000 a1si1234567wra.12 - gsmtp",
                "reportingMTA": "a1-2.smtp-out.eu-west-1.amazonses.com",
            },
            "mail": ses_mail(recipient, message_id=None, at=at),
        }
    )


class SendGridSigner:
    """Signs Event Webhook bodies as SendGrid does; `key` is what SendGrid would show."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        der = self.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.key = base64.b64encode(der).decode()

    def headers(self, payload: bytes, *, at: datetime) -> dict[str, str]:
        timestamp = str(int(at.timestamp()))
        signature = self.private.sign(timestamp.encode() + payload, ec.ECDSA(hashes.SHA256()))
        return {
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
            "Content-Type": "application/json",
        }


def sendgrid_event(event: str, email: str, *, at: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "email": email,
        "timestamp": int(at.timestamp()),
        "smtp-id": fields.pop("smtp_id", "<14c5d75ce93.dfd.64b469@ismtpd-555>"),
        "event": event,
        "category": ["breaking"],
        "sg_event_id": fields.pop("sg_event_id", secrets.token_urlsafe(16)),
        "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001p3las1-16816-5A023E36-1.0",
        **fields,
    }


def mailgun_body(
    event_data: dict[str, Any], *, at: datetime, key: str = MAILGUN_KEY, token: str | None = None
) -> bytes:
    timestamp = str(int(at.timestamp()))
    token = token or secrets.token_hex(25)
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return body(
        {
            "signature": {"timestamp": timestamp, "token": token, "signature": signature},
            "event-data": event_data,
        }
    )


def mailgun_event(
    event: str, recipient: str, *, at: datetime, message_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    return {
        "id": fields.pop("id", secrets.token_urlsafe(16)),
        "timestamp": at.timestamp(),
        "log-level": "error" if event == "failed" else "info",
        "event": event,
        "recipient": recipient,
        "recipient-domain": recipient.rpartition("@")[2],
        "message": {
            "headers": {
                "to": recipient,
                "message-id": message_id or "20261125120000.1.ABCDEF@mg.news.example.com",
                "from": "Newsroom Alerts <alerts@news.example.com>",
                "subject": "Storm makes landfall",
            },
            "size": 18233,
        },
        "tags": ["breaking"],
        "user-variables": {},
        **fields,
    }


def basic(user: str = POSTMARK_USER, password: str = POSTMARK_PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}", "Content-Type": "application/json"}


def postmark_bounce(
    email: str,
    bounce_type: str,
    *,
    at: datetime,
    record_id: int = 4323372036854775807,
    details: str = "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    content: str | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "RecordType": "Bounce",
        "ID": record_id,
        "Type": bounce_type,
        "TypeCode": 1,
        "Name": bounce_type,
        "Tag": "breaking",
        "MessageID": str(uuid.uuid4()),
        "Metadata": {},
        "ServerID": 23,
        "MessageStream": "outbound",
        "Description": "The server was unable to deliver your message.",
        "Details": details,
        "Email": email,
        "From": "alerts@news.example.com",
        "BouncedAt": iso(at),
        "DumpAvailable": True,
        "Inactive": bounce_type == "HardBounce",
        "CanActivate": True,
        "Subject": "Storm makes landfall",
    }
    if content is not None:
        record["Content"] = content
    return record


@dataclass(frozen=True)
class SentReader:
    """A confirmed reader an alert went to (the ledger has the row), and its Message-ID."""

    subscriber_id: int
    email: str
    campaign_id: int
    message_id: str


def sent_reader(ctx: Context, *, lists: list[str] | None = None) -> SentReader:
    email = unique_email("hooked")
    subscriber_id = confirmed_reader(ctx, lists=lists or ["breaking"], email=email)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    tag = ReturnTags(ctx.settings.secret_key).tag(fired.campaign_id, subscriber_id)
    with ctx.db.transaction() as conn:
        campaign = campaign_store.get(conn, fired.campaign_id)
    assert campaign is not None
    domain = ctx.settings.mail_domain
    message_id = reader_message_id(campaign.sent_as, subscriber_id, tag, domain)
    return SentReader(subscriber_id, email, fired.campaign_id, message_id)


@dataclass(frozen=True)
class ReaderState:
    """What the database says about one reader and one campaign after a webhook."""

    suppressed: bool
    lists: dict[str, str]  # list slug: subscription status
    consent_methods: list[str]  # of the unsubscribes recorded
    events: dict[str, int]  # the campaign's events by kind, those with any


def state(ctx: Context, reader: SentReader) -> ReaderState:
    with ctx.db.transaction() as conn:
        slugs = {ml.id: ml.slug for ml in list_store.all_lists(conn)}
        statuses = subscriber_store.statuses(conn, reader.subscriber_id)
        history = consent.history(conn, reader.subscriber_id)
        counts = event_store.counts(conn, reader.campaign_id)
        # As the audience of a send sees it: by the hash stored with the reader.
        suppressed = suppressions.of_reader(conn, reader.subscriber_id) is not None
    return ReaderState(
        suppressed=suppressed,
        lists={slugs[list_id]: status.value for list_id, status in statuses.items()},
        consent_methods=[r["method"] for r in history if r["action"] == "unsubscribe"],
        events={kind.value: n for kind, n in counts.items() if n},
    )


def all_events(ctx: Context) -> list[dict[str, Any]]:
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(events_table).order_by(events_table.c.id))
        return [dict(row._mapping) for row in rows]
