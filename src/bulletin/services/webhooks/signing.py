"""Signing a webhook request per the Standard Webhooks specification (`standardwebhooks`).

The signature covers `{webhook-id}.{webhook-timestamp}.{body}` with the endpoint's
secret (HMAC-SHA256, `v1,<base64>`). The timestamp is the moment of each attempt, not
of the event: receivers refuse a request whose timestamp is more than a few minutes
from their own clock (that is what stops a replay), and a retry may come hours later.
"""

from __future__ import annotations

from datetime import datetime

from standardwebhooks.webhooks import Webhook

USER_AGENT = "Bulletin webhooks (+https://www.standardwebhooks.com/)"


def signed_headers(*, secret: str, event_id: str, body: str, at: datetime) -> dict[str, str]:
    """The headers of one attempt: id, timestamp and signature (and the body's type)."""
    signature = Webhook(secret).sign(msg_id=event_id, timestamp=at, data=body)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
