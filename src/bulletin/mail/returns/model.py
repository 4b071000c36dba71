"""What one piece of returned mail says: its class, the reader it is about, and why.

`Return` is the one currency of returned mail, whichever way it came in. The mail
classifier (`read_return`) makes one from a DSN, a feedback report or a provider's
notice; a mail provider's webhook event is turned into one field by field:

- `cls`: from the event's type and, for a bounce, its status and reason text through
  `classify_reply` (Amazon SES: `read_ses` does it all, as for SES mail).
- `status`: the RFC 3463 code (SendGrid `status`, SES `status`, Mailgun
  `delivery-status.enhanced-code`); from mail, the DSN's `Status`, or the one in
  the server's reply when that is more specific.
- `diagnostic`: the remote server's reply text, on one line, trimmed (the event's
  reason / diagnosticCode / description).
- `recipient`: the address the report names; display only, it attributes nothing.
- `campaign_id`, `subscriber_id`: only from something we signed (a VERP address or
  Message-ID whose tag verifies: SES's `mail.source`, `commonHeaders.messageId`), or
  from metadata we set on the send that the provider returns in an event whose own
  signature the webhook verified.
- `feedback_type`: ARF's `Feedback-Type` (abuse, fraud, virus, opt-out, not-spam,
  auth-failure, other); a provider's complaint type.
- `provider`: the format recognised (`rfc3464`, `exim`, `flufl`, `arf`,
  `arf-headers-only`, `jmrp`, `ses`, `rfc3834`, `none`, `unreadable`), or the
  webhook's provider.
- `reason`: the reason-table entry (`reasons.REASONS`) that decided, if one did.
- `key`: what makes a second copy count once: a digest of the message, or the
  provider's event id.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ReturnClass(enum.StrEnum):
    """What a report means for the reader it is about (and for the newsroom)."""

    ADDRESS = "address"  # the address is gone (5.1.x, null MX, moved): suppress
    MAILBOX = "mailbox"  # mailbox full or disabled: soft, suppress only when repeated
    TEMPORARY = "temporary"  # a 4.x.x deferral: soft
    SENDER = "sender"  # refused for the newsroom's reasons (auth, reputation, rate, content)
    COMPLAINT = "complaint"  # ARF abuse/fraud/virus: the reader marked it as spam
    OPT_OUT = "opt-out"  # ARF opt-out: the reader asked to leave
    REPORT = "report"  # not-spam, auth-failure and other reports: recorded, touch no one
    AUTO_REPLY = "auto-reply"  # RFC 3834 and vacation replies: ignored
    DELIVERED = "delivered"  # delivery notices: ignored
    UNKNOWN = "unknown"  # nothing we can read a reason from: touches no one


@dataclass(frozen=True)
class Return:
    """One returned message (or provider event), classified and, if we can trust it, attributed.

    `campaign_id` and `subscriber_id` are set only when the report carries something we
    signed (see `mail.returns.tags`); an address the report merely names is kept in
    `recipient` and attributes nothing.
    """

    cls: ReturnClass
    key: str
    provider: str = "none"
    status: str | None = None
    diagnostic: str = ""
    recipient: str | None = None
    campaign_id: int | None = None
    subscriber_id: int | None = None
    feedback_type: str | None = None
    reason: str | None = None

    @property
    def attributed(self) -> bool:
        return self.campaign_id is not None and self.subscriber_id is not None

    @property
    def detail(self) -> str:
        """One line for a person: the class, the code and what the server said."""
        parts = [str(self.cls), self.status or "", self.feedback_type or "", self.diagnostic]
        return " ".join(part for part in parts if part)[:2000]
