"""The reason table: what mail providers' rejection texts mean, where their codes say too little.

The enhanced status code decides first (`codes`). These patterns decide when a
provider gives no code, only a generic one (5.0.0, 4.0.0), or one it is known to
misuse (`overrides`): each names the provider whose documented text it is and what
that text means. They are written from the providers' published error references
and bounces as they are seen; order matters (the first match wins), so sender-side
texts come before the generic "address gone" ones: when a text is ambiguous, reading
it as the newsroom's problem suppresses no one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bulletin.mail.returns.model import ReturnClass

A = ReturnClass


@dataclass(frozen=True)
class Reason:
    name: str  # provider and meaning, e.g. "gmail-unauthenticated"
    pattern: re.Pattern[str]
    cls: ReturnClass
    overrides: bool = False  # the text beats even a specific enhanced code


def _r(name: str, pattern: str, cls: ReturnClass, *, overrides: bool = False) -> Reason:
    return Reason(name, re.compile(pattern, re.IGNORECASE), cls, overrides)


REASONS: tuple[Reason, ...] = (
    # --- Provider texts whose code misleads -------------------------------------------
    # Microsoft 365 (Exchange Online): directory-based edge blocking answers a recipient
    # that does not exist in the tenant with "5.4.1 Recipient address rejected: Access
    # denied. AS(201806281)"; 5.4.1 would read as a network problem.
    _r(
        "microsoft-dbeb-recipient-unknown",
        r"5\.4\.1\b[^\n]{0,80}recipient address rejected: access denied",
        A.ADDRESS,
        overrides=True,
    ),
    # Outlook.com / Hotmail: a mailbox that does not exist is "550 5.5.0 Requested action
    # not taken: mailbox unavailable"; 5.5.0 would read as a protocol error (ours).
    _r(
        "outlook-mailbox-unavailable",
        r"5\.5\.0 requested action not taken: mailbox unavailable",
        A.ADDRESS,
        overrides=True,
    ),
    # Yahoo: "552 1 Requested mail action aborted, mailbox not found": 552 is normally
    # "storage exceeded", but Yahoo means the mailbox does not exist.
    _r(
        "yahoo-mailbox-not-found",
        r"mail action aborted, mailbox not found",
        A.ADDRESS,
        overrides=True,
    ),
    # Amazon SES: its own suppression list refused the send; no mail server was asked,
    # whatever code SES attaches (it uses 5.1.1): the newsroom's account's problem.
    _r(
        "ses-suppressed",
        r"amazon ses (has suppressed|did not send)|on the account-level suppression list",
        A.SENDER,
        overrides=True,
    ),
    # --- Sender-side: authentication ---------------------------------------------------
    # Gmail 550 5.7.26 / 421 4.7.26: "This mail has been blocked because the sender is
    # unauthenticated" / "Unauthenticated email from example.com is not accepted due to
    # domain's DMARC policy"; Yahoo 550 5.7.9 says the same of its own requirements.
    _r("gmail-unauthenticated", r"sender is unauthenticated|unauthenticated email", A.SENDER),
    # --- Sender-side: reputation, blocklists, rate -------------------------------------
    # Yahoo 421 4.7.0 [TSS04] "Messages from … temporarily deferred due to unexpected
    # volume or user complaints" ([TSSnn] deferrals, [TSS09] permanent deferral).
    _r("yahoo-deferred", r"\[TSS\d\d\]|temporarily deferred due to", A.SENDER),
    # Yahoo 553 5.7.1 [BL21] "Connections will not be accepted from …, because the ip
    # is in Spamhaus's list" ([BLnn] blocklist refusals).
    _r("yahoo-blocklisted", r"\[BL\d\d\]|connections will not be accepted from", A.SENDER),
    # Outlook.com 550 5.7.1 "… part of their network is on our block list (S3150)";
    # Microsoft 365 5.7.606-649 "Access denied, banned sending IP", 5.7.708 "Access
    # denied, traffic not accepted from this IP", 4.7.650 "rate limited due to IP
    # reputation", 451 4.7.500-699 "Server busy. Please try again later from […]".
    _r(
        "microsoft-blocked",
        r"\(S3\d{3}\)|on our block list|banned sending ip|traffic not accepted from this ip"
        r"|due to ip reputation|server busy\. please try again later from",
        A.SENDER,
    ),
    # Gmail 421 4.7.28 / 550 5.7.1 "Our system has detected an unusual rate of
    # unsolicited mail originating from your IP address"; 550 5.7.1 "likely unsolicited
    # mail", "very low reputation of the sending IP address / domain".
    _r(
        "gmail-reputation",
        r"unusual rate of unsolicited|likely unsolicited|low reputation|likely suspicious",
        A.SENDER,
    ),
    # Any DNS blocklist named in a refusal: "blocked using Spamhaus", "listed at …".
    _r(
        "blocklisted",
        r"spamhaus|spamcop|barracuda|\bsorbs\b|\b(dnsbl|rbl)\b|block ?listed|black ?listed"
        r"|blocked using|listed (at|on|in|by) ",
        A.SENDER,
    ),
    # Rate limiting, by any provider: "too many connections", "rate limit exceeded".
    _r("rate-limited", r"rate limit|too many (messages|connections|emails)|throttl", A.SENDER),
    # Gmail 421 4.7.0 / 550 5.7.1 "does not have authentication information or fails to
    # pass authentication checks (SPF or DKIM)"; any SPF, DKIM or DMARC failure text.
    _r("authentication", r"authentication (information|checks)|\b(spf|dkim|dmarc)\b", A.SENDER),
    # Gmail 550 5.7.25: "The IP address sending this message does not have a PTR record";
    # any reverse-DNS (PTR) refusal: our sending server's DNS.
    _r("reverse-dns", r"\bptr record|reverse dns|rdns|reverse lookup", A.SENDER),
    # Relaying denied: the server will not take mail for that domain from us.
    _r("relay-denied", r"relay(ing)? (access )?(denied|not permitted)|unable to relay", A.SENDER),
    # Content and policy: "message not accepted for policy reasons" (Yahoo 554 5.7.9,
    # [PHnn]), "has a policy that prohibited the mail" (Gmail 550 5.7.1), spam verdicts.
    _r(
        "policy-or-content",
        r"policy reasons|\[PH\d\d\]|prohibited the mail|violates .{0,40}polic"
        r"|\bspam\b|unsolicited|content (was )?rejected|junk mail",
        A.SENDER,
    ),
    # --- The reader's mailbox (soft) ---------------------------------------------------
    # Gmail 552 5.2.2 / 452 4.2.2 "The email account that you tried to reach is over
    # quota" / "The recipient's inbox is out of storage space"; Microsoft 554 5.2.2
    # "mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException".
    _r(
        "mailbox-full",
        r"over quota|quota ?exceeded|mailbox (is )?full|out of storage|insufficient storage",
        A.MAILBOX,
    ),
    # Gmail 550 5.2.1 "The email account that you tried to reach is disabled"; Yahoo 554
    # "This mailbox is disabled (554.30)".
    _r(
        "mailbox-disabled",
        r"(account|mailbox) (that you tried to reach )?is (disabled|inactive|suspended)",
        A.MAILBOX,
    ),
    # Gmail 450 4.2.1 "The user you are trying to contact is receiving mail too quickly":
    # the reader's mailbox, for now.
    _r("receiving-too-fast", r"receiving mail (too quickly|at a rate)", A.TEMPORARY),
    # --- The address is gone -----------------------------------------------------------
    # Gmail 550 5.1.1 "The email account that you tried to reach does not exist".
    _r("gmail-no-such-account", r"account that you tried to reach does not exist", A.ADDRESS),
    # Yahoo 554 "delivery error: dd This user doesn't have a yahoo.com account" (no
    # enhanced code, or 5.0.0 from the MTA that reports it).
    _r("yahoo-no-such-user", r"this user doesn'?t have an? \S+ account", A.ADDRESS),
    # Microsoft 550 5.1.10 "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP
    # address lookup" and 550 5.1.1 "RESOLVER.ADR.RecipNotFound".
    _r("microsoft-recipient-not-found", r"recip(ient)?notfound|recipient not found", A.ADDRESS),
    # RFC 7505 null MX: the domain says it takes no mail at all.
    _r("null-mx", r"null ?mx|does not accept (e-?)?mail", A.ADDRESS),
    # Postfix "Host or domain name not found. Name service error … Host not found".
    _r(
        "domain-not-found",
        r"host or domain name not found|domain (not found|does not exist)",
        A.ADDRESS,
    ),
    # RFC 3463 5.1.6: "mailbox has moved, no forwarding address".
    _r("moved", r"(mailbox|user) has moved|no forwarding address", A.ADDRESS),
    # The classic texts of Postfix, Sendmail, Exim, qmail and most others.
    _r(
        "no-such-user",
        r"user unknown|unknown user|no such (user|mailbox|recipient|address)"
        r"|(recipient|address|mailbox|user) (unknown|not found|does not exist)"
        r"|unknown (recipient|mailbox|address)|invalid (recipient|mailbox)|unrouteable address"
        r"|not a valid mailbox|no mailbox here|account (has been )?(closed|deleted|terminated)"
        r"|mailbox unavailable",
        A.ADDRESS,
    ),
)


def reason_for(text: str) -> Reason | None:
    """The first reason whose pattern the text matches, or None."""
    if not text:
        return None
    for reason in REASONS:
        if reason.pattern.search(text):
            return reason
    return None
