"""Settings from BULLETIN_* environment variables, validated once at start-up."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping
from datetime import date, time, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bulletin import config_variables as v
from bulletin.config_variables import DAYS, HOURS, MINUTES, PERCENT, Group, IPNetwork, Variable
from bulletin.domain.addresses import ensure_header_safe
from bulletin.domain.branding import is_dark_enough, is_web_url
from bulletin.domain.editions import Rules
from bulletin.domain.errors import ConfigurationError, InvalidInput
from bulletin.domain.hostnames import is_fqdn

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "secret-key", "default", "password", "dev", "test"}
)
MIN_SECRET_LENGTH = 32
MIN_UNSUBSCRIBE_DAYS = 60
MIN_WEBHOOK_PASSWORD = 16
LIST = "separated by spaces or commas"
IMAP_SCHEMES = ("imap", "imaps")


class Settings(BaseSettings):
    """Everything Bulletin reads from its environment, in one typed definition.

    `Settings.from_env()` reads the variables; `Settings(field=value)` takes Python values
    and reads no environment (tests, benchmarks); `settings.replace(field=value)` is a
    changed copy. A field's variable is `BULLETIN_` + its name, or its alias; the
    `Variable` in its annotation says how that is written. docs/configuration.md is
    rendered from these fields (`bulletin config reference`).
    """

    # The fields this process's environment set (`from_env`): they win over the desk's.
    _environment: frozenset[str] = PrivateAttr(default_factory=frozenset)

    model_config = SettingsConfigDict(
        env_prefix="BULLETIN_",
        case_sensitive=True,
        frozen=True,
        populate_by_name=True,
        extra="forbid",
    )

    env: Annotated[str, Variable(Group.CORE, "`development` or `production`", read=v.mode)] = Field(
        default="development",
        description="`production` refuses a missing or placeholder secret key and a non-https "
        "base URL.",
    )
    log_format: Annotated[str, Variable(Group.CORE, "`text` or `json`", read=v.log_format)] = Field(
        default="text",
        description="`json` writes one JSON object per log line (time, level, logger, "
        "message, worker, and request_id / campaign_id where there is one).",
    )
    secret_key: Annotated[
        str,
        Variable(
            Group.CORE,
            f"text, at least {MIN_SECRET_LENGTH} characters in production",
            shown_default="development: made on first run into `BULLETIN_DATA_DIR/secret_key`",
        ),
    ] = Field(
        default="",
        repr=False,
        description="Signs sessions and the confirmation and unsubscribe links.",
    )
    suppression_key: Annotated[
        str,
        Variable(
            Group.CORE,
            f"text, at least {MIN_SECRET_LENGTH} characters in production; never changed",
            shown_default="development: made on first run into `BULLETIN_DATA_DIR/suppression_key`",
        ),
    ] = Field(
        default="",
        repr=False,
        description="Keys the hashes the suppression list keeps in place of addresses; "
        "kept apart from the database and from BULLETIN_SECRET_KEY.",
    )
    database_url: Annotated[
        str, Variable(Group.CORE, "SQLAlchemy URL, e.g. `postgresql+psycopg://user:pass@host/db`")
    ] = Field(
        default="sqlite:///./bulletin.db", description="Where readers, stories and sends are kept."
    )
    base_url: Annotated[str, Variable(Group.CORE, "http(s) URL", read=v.url)] = Field(
        default="http://127.0.0.1:8000",
        description="The public address used in the links of emails.",
    )
    newsroom_name: Annotated[str, Variable(Group.CORE, "one line of text")] = Field(
        default="Bulletin News", description="Shown on pages and in emails."
    )
    data_dir: Annotated[
        Path, Variable(Group.CORE, "directory", shown_default="`./bulletin-data`")
    ] = Field(
        default=Path("./bulletin-data"),
        description="Holds the generated secret key and the catcher's Maildir.",
    )
    time_zone: Annotated[
        str, Variable(Group.CORE, "IANA zone, e.g. `America/New_York`", read=v.zone)
    ] = Field(
        default="UTC",
        description="The newsroom's zone: the briefing's clock for readers who gave none, "
        "the desk's dates and special reports' schedules.",
    )

    sender: Annotated[str, Variable(Group.MAIL, "`Name <address>`, the address in ASCII")] = Field(
        default="Bulletin News <news@localhost>",
        description="The From of every email; its domain names Message-IDs, List-Ids and "
        "bounce addresses.",
    )
    reply_to: Annotated[
        str | None,
        Variable(Group.MAIL, "an address, `Name <address>` or `address`", read=v.optional),
    ] = Field(
        default=None,
        description="The Reply-To of every list message (alerts, briefings, special "
        "reports), where readers' answers go; unset: to the sender.",
    )
    smtp_url: Annotated[
        str | None,
        Variable(
            Group.MAIL,
            "`smtp://user:pass@host:587` (`?starttls=require` or `off`) or `smtps://…:465`",
            read=v.optional,
            shown_default="unset: the built-in catcher",
        ),
    ] = Field(default=None, repr=False, description="The relay all mail goes through.")
    relays: Annotated[
        str | None,
        Variable(
            Group.MAIL,
            "relay URLs separated by spaces, each may add "
            "`?connections=16&rate=500&window=3600:1000000`",
            read=v.optional,
        ),
    ] = Field(
        default=None,
        repr=False,
        description="Several relays (connections, messages a second, at most COUNT in any "
        "SECONDS each); overrides BULLETIN_SMTP_URL. Besides smtp:// and smtps://, a mail "
        "provider's API: ses://, sendgrid://, mailgun://, postmark:// "
        "(docs/provider-relays.md).",
    )
    postal_address: Annotated[
        str | None,
        Variable(
            Group.CORE,
            "one line of text, e.g. `1 Press Row, Springfield, IL 62701, USA`",
            read=v.optional,
            shown_default="unset (refused in production)",
        ),
    ] = Field(
        default=None,
        description="The newsroom's postal address, in the footer of every list message "
        "beside its name (CAN-SPAM and CASL require one).",
    )
    footer_text: Annotated[
        str | None,
        Variable(
            Group.CORE,
            f"one paragraph of text, at most {v.FOOTER_LENGTH} characters",
            read=v.paragraph,
        ),
    ] = Field(
        default=None,
        description="A paragraph of the newsroom's own at the foot of every list message "
        "(alerts, briefings, special reports), above its name and postal address.",
    )
    logo_url: Annotated[
        str | None,
        Variable(Group.CORE, "https URL of an image about 32 px high", read=v.optional),
    ] = Field(
        default=None,
        description="The newsroom's logo, beside its name in the header of every email "
        "(name alone when unset).",
    )
    brand_colour: Annotated[str, Variable(Group.CORE, "`#rrggbb`, dark enough for white text")] = (
        Field(
            default="#b00020",
            description="The masthead rule, buttons and links of emails; refused unless "
            "white text on it passes WCAG AA (4.5:1).",
        )
    )
    privacy_url: Annotated[str | None, Variable(Group.CORE, "http(s) URL", read=v.optional)] = (
        Field(
            default=None,
            description="The newsroom's privacy policy, linked from the footer of every email.",
        )
    )
    helo_name: Annotated[
        str | None,
        Variable(
            Group.MAIL,
            "fully qualified host name",
            read=v.optional,
            shown_default="this machine's fully qualified name, else its address (`[192.0.2.7]`)",
        ),
    ] = Field(
        default=None,
        description="The name Bulletin gives relays in EHLO; relays refuse one that is not "
        "fully qualified, so it is checked at start-up.",
    )
    dkim_domain: Annotated[
        str | None,
        Variable(Group.MAIL, "domain name", read=v.optional, shown_default="unset: no signing"),
    ] = Field(
        default=None,
        description="Signs every message with DKIM as this domain (d=); it should be the "
        "From domain or its parent, for DMARC alignment. Needs the selector and key file.",
    )
    dkim_selector: Annotated[
        str | None, Variable(Group.MAIL, "DNS label", read=v.optional, shown_default="unset")
    ] = Field(
        default=None,
        description="The DKIM selector (s=): the public key is published at "
        "SELECTOR._domainkey.DOMAIN.",
    )
    dkim_key_file: Annotated[
        Path | None,
        Variable(Group.MAIL, "path to a PEM RSA private key (2048 bits)", shown_default="unset"),
    ] = Field(
        default=None,
        description="The rsa-sha256 signing key; a file that is missing, unreadable, not "
        "RSA or under 2048 bits stops Bulletin at start-up.",
    )
    dkim_ed25519_key_file: Annotated[
        Path | None,
        Variable(Group.MAIL, "path to a PEM Ed25519 private key", shown_default="unset"),
    ] = Field(
        default=None,
        description="Adds a second, ed25519-sha256 signature (RFC 8463), its public key "
        "published at SELECTOR-ed25519._domainkey.DOMAIN; optional (see docs/dkim.md).",
    )
    catcher_host: Annotated[str, Variable(Group.MAIL, "host name or IP address")] = Field(
        default="127.0.0.1", description="Where the built-in mail catcher listens."
    )
    catcher_port: Annotated[int, Variable(Group.MAIL, "port number", read=v.whole)] = Field(
        default=2525, description="The port the built-in mail catcher listens on."
    )
    inbound_host: Annotated[str, Variable(Group.MAIL, "host name or IP address")] = Field(
        default="127.0.0.1",
        description="Where the inbound listener for returned mail and mailto unsubscribes "
        "listens (`bulletin bounces listen`; `bulletin serve` starts it beside the catcher).",
    )
    inbound_port: Annotated[int, Variable(Group.MAIL, "port number", read=v.whole)] = Field(
        default=2526, description="The port of the inbound listener."
    )
    bounce_imap_url: Annotated[
        str | None,
        Variable(
            Group.MAIL,
            "`imaps://user:password@host/INBOX`, or `imap://…:143/INBOX` "
            "(`?starttls=require`, the default, `auto` or `off`; `&idle=off`)",
            read=v.optional,
            shown_default="unset: no mailbox is polled",
        ),
    ] = Field(
        default=None,
        repr=False,
        description="A mailbox that returned mail and mailto unsubscribes are delivered to: "
        "`bulletin serve` and `bulletin worker` poll it (IDLE when the server offers it), "
        "and `bulletin bounces poll` does alone. Each message taken is moved to "
        "`Bulletin/Processed`; one that cannot be read, to `Bulletin/Unreadable`.",
    )
    bounce_imap_interval_s: Annotated[
        int, Variable(Group.MAIL, "whole seconds, at least 1", read=v.whole)
    ] = Field(
        default=60,
        validation_alias="BULLETIN_BOUNCE_IMAP_INTERVAL_SECONDS",
        description="How often the mailbox is looked at (with IDLE, new mail is taken at "
        "once and this is the longest wait); after a failure to reach it, the first wait "
        "before trying again, doubling up to 15 minutes.",
    )

    confirm_max_age_s: Annotated[
        int, Variable(Group.READERS, "whole hours, at least 1", read=v.whole, unit=HOURS)
    ] = Field(
        default=48 * 3600,
        validation_alias="BULLETIN_CONFIRM_MAX_AGE_HOURS",
        description="How long a confirmation link works.",
    )
    soft_bounce_limit: Annotated[
        int, Variable(Group.READERS, "whole number, at least 1", read=v.whole)
    ] = Field(
        default=3,
        description="Soft bounces (mailbox full or disabled, deferrals) of as many different "
        "sends within BULLETIN_SOFT_BOUNCE_DAYS that suppress a reader's address.",
    )
    soft_bounce_window_s: Annotated[
        int, Variable(Group.READERS, "whole days, at least 1", read=v.whole, unit=DAYS)
    ] = Field(
        default=15 * 86400,
        validation_alias="BULLETIN_SOFT_BOUNCE_DAYS",
        description="The window in which soft bounces are counted.",
    )
    unsubscribe_max_age_s: Annotated[
        int,
        Variable(
            Group.READERS, f"whole days, at least {MIN_UNSUBSCRIBE_DAYS}", read=v.whole, unit=DAYS
        ),
    ] = Field(
        default=365 * 86400,
        validation_alias="BULLETIN_UNSUBSCRIBE_MAX_AGE_DAYS",
        description="How long an unsubscribe (and preferences) link works.",
    )
    confirm_resend_s: int = Field(
        default=600, description="Least time between two confirmation emails to one reader."
    )

    click_tracking: Annotated[
        str, Variable(Group.CLICKS, "`off`, `aggregate` or `per-reader`", read=v.click_tracking)
    ] = Field(
        default="off",
        description="`aggregate`: links in list messages go through `/r/…` and are counted "
        "per campaign and link (unique clickers by message, never by address); `per-reader`: "
        "also which reader clicked what, shown in their preference centre. No open pixel "
        "either way.",
    )
    click_link_max_age_s: Annotated[
        int, Variable(Group.CLICKS, "whole days, at least 1", read=v.whole, unit=DAYS)
    ] = Field(
        default=365 * 86400,
        validation_alias="BULLETIN_CLICK_LINK_MAX_AGE_DAYS",
        description="How long a counted link in an email keeps redirecting.",
    )
    click_limit_ip: Annotated[
        str, Variable(Group.CLICKS, "rates like `120/minute`", read=v.rate_limits)
    ] = Field(
        default="120/minute;1200/hour",
        description="Requests to `/r/…` from one client address; past it a page says to try "
        "again shortly and nothing is counted.",
    )
    click_scanner_window_s: Annotated[
        int, Variable(Group.CLICKS, "whole seconds, 0 for none", read=v.whole_or_zero)
    ] = Field(
        default=60,
        validation_alias="BULLETIN_CLICK_SCANNER_SECONDS",
        description="Clicks this soon after a campaign started sending from a known link "
        "scanner (by user agent or network) are not counted.",
    )
    click_scanner_networks: Annotated[
        tuple[IPNetwork, ...],
        Variable(
            Group.CLICKS,
            f"addresses or CIDR ranges {LIST}",
            read=v.networks,
            shown_default="none: scanners are known by their user agents",
        ),
    ] = Field(
        default=(),
        description="Networks of mail security scanners (a provider's published ranges) "
        "whose early clicks are not counted.",
    )

    subject_test_min_clicks: Annotated[
        int, Variable(Group.CLICKS, "whole number, at least 1", read=v.whole)
    ] = Field(
        default=10,
        description="Unique clickers the leading subject of an alert's subject test needs "
        "to win; with fewer, or a tie, the first subject goes to the rest.",
    )

    worker_batch: Annotated[
        int, Variable(Group.ENGINE, "whole number, at least 1", read=v.whole)
    ] = Field(default=500, description="Ledger rows a worker claims at a time.")
    retry_base_s: Annotated[
        int, Variable(Group.ENGINE, "whole seconds, at least 1", read=v.whole)
    ] = Field(
        default=30,
        validation_alias="BULLETIN_RETRY_BASE_SECONDS",
        description="First back-off after a 4xx or an unreachable relay; doubles each try "
        "(with jitter), capped at an hour.",
    )
    pause_error_rate: Annotated[
        float, Variable(Group.ENGINE, "whole percent, at least 1", read=v.whole, unit=PERCENT)
    ] = Field(
        default=0.5,
        validation_alias="BULLETIN_PAUSE_ERROR_PERCENT",
        description="A send pauses itself when this share of its last 100 messages were "
        "refused (5xx).",
    )
    alert_expiry_s: Annotated[
        int, Variable(Group.ENGINE, "whole minutes, at least 1", read=v.whole, unit=MINUTES)
    ] = Field(
        default=2 * 3600,
        validation_alias="BULLETIN_ALERT_EXPIRY_MINUTES",
        description="An alert not sent by then is marked expired, never sent late.",
    )
    max_attempts: int = Field(
        default=8,
        description="Tries of one message before a temporary failure counts as permanent.",
    )
    worker_idle_s: float = Field(
        default=0.2,
        description="How long a worker with nothing to send waits before looking again.",
    )

    briefing_size: Annotated[
        int, Variable(Group.BRIEFING, "whole number, 1 to 10", read=v.story_count)
    ] = Field(default=7, description="Stories per edition.")
    briefing_expiry: Annotated[
        time, Variable(Group.BRIEFING, "time of day, `HH:MM`", read=v.clock_time)
    ] = Field(
        default=time(12, 0),
        description="A reader's briefing not sent by this local time is marked expired, "
        "never sent late.",
    )
    briefing_assemble_before_s: Annotated[
        int, Variable(Group.BRIEFING, "whole minutes, at least 1", read=v.whole, unit=MINUTES)
    ] = Field(
        default=120 * 60,
        validation_alias="BULLETIN_BRIEFING_ASSEMBLE_MINUTES",
        description="The draft is assembled this long before the first reader's send.",
    )
    briefing_approve_before_s: Annotated[
        int, Variable(Group.BRIEFING, "whole minutes, at least 1", read=v.whole, unit=MINUTES)
    ] = Field(
        default=30 * 60,
        validation_alias="BULLETIN_BRIEFING_APPROVE_MINUTES",
        description="Unless held, the draft is approved this long before the first reader's send.",
    )
    briefing_holidays: Annotated[
        frozenset[date], Variable(Group.BRIEFING, f"dates `YYYY-MM-DD` {LIST}", read=v.dates)
    ] = Field(
        default=frozenset(),
        description="No-briefing dates, besides those set with `bulletin briefing holidays add`.",
    )

    signup_limit_ip: Annotated[
        str, Variable(Group.SIGNUPS, "rates like `10/minute;60/hour`", read=v.rate_limits)
    ] = Field(
        default="10/minute;60/hour",
        description="Sign-ups from one client address (see `BULLETIN_TRUSTED_PROXIES`).",
    )
    signup_limit_network: Annotated[
        str, Variable(Group.SIGNUPS, "rates like `30/minute;300/hour`", read=v.rate_limits)
    ] = Field(
        default="30/minute;300/hour",
        description="Sign-ups from one network: a /24 of IPv4 or a /48 of IPv6.",
    )
    signup_limit_mailbox: Annotated[
        str, Variable(Group.SIGNUPS, "rates like `3/hour;6/day`", read=v.rate_limits)
    ] = Field(
        default="3/hour;6/day",
        description="Confirmation emails to one mailbox, however its address is spelt "
        "(letter case, `+tags`, and dots for Gmail); one address also gets at most one "
        "every 10 minutes.",
    )
    confirmation_limit: Annotated[
        str, Variable(Group.SIGNUPS, "rates like `300/minute`", read=v.rate_limits)
    ] = Field(
        default="300/minute",
        description="Confirmation emails sent by the whole service; past it sign-ups are "
        "refused with a page asking to try again shortly.",
    )
    signup_min_fill_s: Annotated[
        int, Variable(Group.SIGNUPS, "whole seconds, 0 for no minimum", read=v.whole_or_zero)
    ] = Field(
        default=1,
        validation_alias="BULLETIN_SIGNUP_MIN_FILL_SECONDS",
        description="A sign-up form sent back sooner than this after it was served is "
        "shown again (people take longer; scripts do not).",
    )
    redis_url: Annotated[
        str | None,
        Variable(
            Group.SIGNUPS,
            "`redis://host:port/db` URL",
            read=v.redis_url,
            shown_default="unset: each process counts in its own memory",
        ),
    ] = Field(
        default=None,
        repr=False,
        description="Where the sign-up limits are counted, so that several web processes "
        "share one count.",
    )

    staff_seed_list: Annotated[
        tuple[str, ...],
        Variable(
            Group.DESK,
            f"addresses {LIST}",
            read=v.addresses,
            shown_default="none: the signed-in editor",
        ),
    ] = Field(
        default=(),
        description="Where the desk's alert test sends go, and the staff a special report's "
        "test copy may go to besides the signed-in editor.",
    )
    alert_approval: Annotated[bool, Variable(Group.DESK, "`on` or `off`", read=v.flag)] = Field(
        default=False,
        description="On: an alert from the desk or the API waits until a second editor "
        "approves it.",
    )
    session_max_age_s: int = Field(
        default=12 * 3600, description="How long a desk sign-in lasts at most."
    )
    session_idle_s: Annotated[
        int, Variable(Group.DESK, "whole minutes, at least 1", read=v.whole, unit=MINUTES)
    ] = Field(
        default=60 * 60,
        validation_alias="BULLETIN_SESSION_IDLE_MINUTES",
        description="A desk sign-in not used for this long ends; the next page asks to sign "
        "in again.",
    )
    sign_in_max_failures: Annotated[
        int, Variable(Group.SECURITY, "whole number, at least 1", read=v.whole)
    ] = Field(
        default=10,
        validation_alias="BULLETIN_SIGN_IN_MAX_FAILURES",
        description="Failed desk sign-ins to one account (existing or not) within the lock "
        "time that lock it; after the third, each attempt waits twice as long as the last.",
    )
    sign_in_ip_max_failures: Annotated[
        int, Variable(Group.SECURITY, "whole number, at least 1", read=v.whole)
    ] = Field(
        default=30,
        validation_alias="BULLETIN_SIGN_IN_IP_MAX_FAILURES",
        description="Failed desk sign-ins from one client address, to any accounts, within "
        "the lock time that lock that address out.",
    )
    sign_in_lock_s: Annotated[
        int, Variable(Group.SECURITY, "whole minutes, at least 1", read=v.whole, unit=MINUTES)
    ] = Field(
        default=15 * 60,
        validation_alias="BULLETIN_SIGN_IN_LOCK_MINUTES",
        description="How long a lock lasts from the failure that set it, and the window "
        "failures are counted in.",
    )

    fetch_allow_networks: Annotated[
        tuple[IPNetwork, ...],
        Variable(
            Group.SECURITY,
            f"addresses or CIDR ranges {LIST}",
            read=v.networks,
            shown_default="none: public addresses only",
        ),
    ] = Field(
        default=(),
        description="Private networks that feed and story URLs may be fetched from (an "
        "intranet wire server); any other private address is refused, redirects included.",
    )
    webhook_allow_networks: Annotated[
        tuple[IPNetwork, ...],
        Variable(
            Group.SECURITY,
            f"addresses or CIDR ranges {LIST}",
            read=v.networks,
            shown_default="none: public addresses only",
        ),
    ] = Field(
        default=(),
        description="Private networks outbound webhooks may be sent to (a CRM on the "
        "newsroom's network); any other private, loopback or link-local address (a cloud's "
        "metadata service) is refused, when the endpoint is saved and at every delivery.",
    )
    trusted_proxies: Annotated[
        tuple[IPNetwork, ...],
        Variable(
            Group.SECURITY,
            f"addresses or CIDR ranges {LIST}",
            read=v.networks,
            shown_default="none: the connection's address is the client's",
        ),
    ] = Field(
        default=(),
        description="Reverse proxies whose `X-Forwarded-For` is believed: behind them the "
        "client is the right-most address in it that is not one of them.",
    )
    metrics: Annotated[bool, Variable(Group.SECURITY, "`on` or `off`", read=v.flag)] = Field(
        default=True,
        description="Prometheus metrics: counted in every process, shown at /metrics and "
        "by `bulletin worker --metrics-port` (docs/operations.md, Monitoring).",
    )
    metrics_token: Annotated[
        str | None,
        Variable(
            Group.SECURITY,
            "text, at least 16 characters",
            read=v.optional,
            shown_default="unset: only the networks below may read /metrics",
        ),
    ] = Field(
        default=None,
        repr=False,
        description="A scraper sending `Authorization: Bearer TOKEN` may read /metrics from "
        "anywhere.",
    )
    metrics_networks: Annotated[
        tuple[IPNetwork, ...],
        Variable(
            Group.SECURITY,
            f"addresses or CIDR ranges {LIST}",
            read=v.networks,
            shown_default="loopback only",
        ),
    ] = Field(
        default=(),
        description="Clients that may read /metrics without the token (loopback always may).",
    )
    embed_origins: Annotated[
        tuple[str, ...],
        Variable(
            Group.SECURITY,
            f"origins like `https://news.example` or `https://*.news.example`, {LIST}",
            read=v.origins,
            shown_default="none: only Bulletin itself",
        ),
    ] = Field(default=(), description="Sites allowed to frame the sign-up form (/embed).")

    ses_topic_arns: Annotated[
        tuple[str, ...],
        Variable(
            Group.HOOKS,
            f"SNS topic ARNs {LIST}",
            read=v.topic_arns,
            shown_default="none: no `/hooks/ses`",
        ),
    ] = Field(
        default=(),
        description="The SNS topics whose Amazon SES notifications POST /hooks/ses takes; "
        "a message from any other topic is refused.",
    )
    sendgrid_webhook_key: Annotated[
        str | None,
        Variable(
            Group.HOOKS,
            "the Event Webhook's verification key, as SendGrid shows it (base64)",
            read=v.ec_public_key,
            shown_default="unset: no `/hooks/sendgrid`",
        ),
    ] = Field(
        default=None,
        repr=False,
        description="Checks the signature of SendGrid's Event Webhook (POST /hooks/sendgrid).",
    )
    mailgun_signing_key: Annotated[
        str | None,
        Variable(
            Group.HOOKS,
            "text: Mailgun's HTTP webhook signing key",
            read=v.optional,
            shown_default="unset: no `/hooks/mailgun`",
        ),
    ] = Field(
        default=None,
        repr=False,
        description="Checks the signature of Mailgun's webhooks (POST /hooks/mailgun).",
    )
    postmark_webhook_user: Annotated[
        str | None,
        Variable(
            Group.HOOKS,
            "text, no colon",
            read=v.optional,
            shown_default="unset: no `/hooks/postmark`",
        ),
    ] = Field(
        default=None,
        repr=False,
        description="The user in the URL of Postmark's webhooks (HTTP basic auth on "
        "POST /hooks/postmark); needs BULLETIN_POSTMARK_WEBHOOK_PASSWORD.",
    )
    postmark_webhook_password: Annotated[
        str | None,
        Variable(
            Group.HOOKS,
            f"text, at least {MIN_WEBHOOK_PASSWORD} characters",
            read=v.optional,
            shown_default="unset",
        ),
    ] = Field(
        default=None,
        repr=False,
        description="The password in the URL of Postmark's webhooks.",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and check the variables of `environ` (default: this process's environment).

        In development with no BULLETIN_SECRET_KEY (or BULLETIN_SUPPRESSION_KEY), the key
        made on the data directory's first run is used; production refuses to start
        without strong ones.
        """
        variables = v.Environment(cls, os.environ if environ is None else environ)()
        try:
            settings = cls(**variables)
        except ValidationError as exc:
            raise ConfigurationError(v.explain(exc, cls)) from exc
        if not settings.secret_key and not settings.production:
            settings = settings.replace(secret_key=_development_key(settings.data_dir))
        if not settings.suppression_key and not settings.production:
            key = _development_suppression_key(settings.data_dir)
            settings = settings.replace(suppression_key=key)
        settings.check()
        settings._environment = frozenset(variables)
        return settings

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments only: a test's settings never pick up the developer's shell.

        The environment is read by `from_env`, from the mapping it is given.
        """
        return (init_settings,)

    @field_validator("*", mode="before")
    @classmethod
    def _read_text(cls, value: object, info: ValidationInfo) -> object:
        """Text is read as its variable is written (hours, on/off, lists); other values pass.

        The environment gives text and Python callers give typed values, so `Settings(
        alert_expiry_s=60)` is 60 seconds while BULLETIN_ALERT_EXPIRY_MINUTES=60 is an hour.
        """
        variable = v.variable_of(cls.model_fields[info.field_name]) if info.field_name else None
        if isinstance(value, str) and variable is not None:
            return variable.parse(value)
        return value

    def replace(self, **changes: object) -> Self:
        """A copy with `changes`, each given as a field's value (seconds, not hours)."""
        unknown = sorted(changes.keys() - type(self).model_fields.keys())
        if unknown:
            raise TypeError(f"Settings has no field {', '.join(unknown)}.")
        copy = self.model_validate({**dict(self), **changes})
        copy._environment = self._environment
        return copy

    @property
    def set_by_environment(self) -> frozenset[str]:
        """The fields read from BULLETIN_* variables (none for settings made in Python)."""
        return self._environment

    def check(self) -> None:
        """Refuse settings that cannot work, with a message that says which and why."""
        if self.production and _is_placeholder(self.secret_key):
            raise ConfigurationError(
                "BULLETIN_SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters in production."
            )
        if self.production and _is_placeholder(self.suppression_key):
            raise ConfigurationError(
                "BULLETIN_SUPPRESSION_KEY must be set to a random value of at least "
                f"{MIN_SECRET_LENGTH} characters in production, the same in every process, "
                "and never changed (see docs/operations.md)."
            )
        if self.suppression_key and self.suppression_key == self.secret_key:
            raise ConfigurationError(
                "BULLETIN_SUPPRESSION_KEY must differ from BULLETIN_SECRET_KEY, so that "
                "changing the secret key leaves the suppression list working."
            )
        url = urlsplit(self.base_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ConfigurationError("BULLETIN_BASE_URL must be an http(s) URL.")
        if self.production and url.scheme != "https":
            raise ConfigurationError("BULLETIN_BASE_URL must use https in production.")
        if self.unsubscribe_max_age_s < MIN_UNSUBSCRIBE_DAYS * 86400:
            raise ConfigurationError(
                f"BULLETIN_UNSUBSCRIBE_MAX_AGE_DAYS must be at least {MIN_UNSUBSCRIBE_DAYS}: "
                f"unsubscribe links must work for at least {MIN_UNSUBSCRIBE_DAYS} days."
            )
        if self.smtp_url and urlsplit(self.smtp_url).scheme not in ("smtp", "smtps"):
            raise ConfigurationError("BULLETIN_SMTP_URL must start with smtp:// or smtps://.")
        if self.bounce_imap_url and urlsplit(self.bounce_imap_url).scheme not in IMAP_SCHEMES:
            raise ConfigurationError(
                "BULLETIN_BOUNCE_IMAP_URL must start with imaps:// or imap://."
            )
        self._check_webhooks()
        self.check_identity()
        if self.metrics_token is not None and len(self.metrics_token) < 16:
            raise ConfigurationError("BULLETIN_METRICS_TOKEN must be at least 16 characters.")

    def _check_brand(self) -> None:
        for name, value in (("LOGO_URL", self.logo_url), ("PRIVACY_URL", self.privacy_url)):
            if value is not None and not is_web_url(value):
                raise ConfigurationError(
                    f"BULLETIN_{name} must be an http:// or https:// URL, not {value!r}."
                )
        if not is_dark_enough(self.brand_colour):
            raise ConfigurationError(
                f"BULLETIN_BRAND_COLOUR must be a colour #rrggbb on which white text passes "
                f"WCAG AA (4.5:1), not {self.brand_colour!r}."
            )

    def check_identity(self) -> None:
        """The checks of who mail says it is from: the part of `check()` the desk can move."""
        _, address = parseaddr(self.sender)
        if "@" not in address:
            raise ConfigurationError("BULLETIN_SENDER must be an address like 'News <n@x.org>'.")
        if not address.isascii():
            raise ConfigurationError(
                "BULLETIN_SENDER's address must be plain ASCII; "
                "write an international domain in its xn-- form."
            )
        for name, value, what in (
            ("BULLETIN_SENDER", self.sender, "sender"),
            ("BULLETIN_NEWSROOM_NAME", self.newsroom_name, "newsroom name"),
        ):
            try:
                ensure_header_safe(value, field=what)
            except InvalidInput as exc:
                raise ConfigurationError(f"{name}: {exc}") from exc
        if self.production and not (self.postal_address or "").strip():
            raise ConfigurationError(
                "BULLETIN_POSTAL_ADDRESS must be set in production: every list message's "
                "footer carries the newsroom's postal address (CAN-SPAM, CASL)."
            )
        if self.postal_address:
            try:
                ensure_header_safe(self.postal_address, field="postal address")
            except InvalidInput as exc:
                raise ConfigurationError(f"BULLETIN_POSTAL_ADDRESS: {exc}") from exc
        self._check_brand()
        self._check_reply_to()
        if self.helo_name is not None and not is_fqdn(self.helo_name):
            raise ConfigurationError(
                f"BULLETIN_HELO_NAME must be a fully qualified host name such as "
                f"mail.example.com (no final dot), not {self.helo_name!r}: relays refuse "
                "others. Leave it unset to use this machine's name."
            )
        dkim = {
            "BULLETIN_DKIM_DOMAIN": self.dkim_domain,
            "BULLETIN_DKIM_SELECTOR": self.dkim_selector,
            "BULLETIN_DKIM_KEY_FILE": self.dkim_key_file,
        }
        given = [name for name, value in dkim.items() if value]
        if given and len(given) < len(dkim):
            missing = ", ".join(name for name in dkim if name not in given)
            raise ConfigurationError(f"DKIM signing needs {missing} as well as {', '.join(given)}.")
        if self.dkim_ed25519_key_file and not given:
            raise ConfigurationError(
                "BULLETIN_DKIM_ED25519_KEY_FILE is a second signature: set "
                "BULLETIN_DKIM_DOMAIN, BULLETIN_DKIM_SELECTOR and BULLETIN_DKIM_KEY_FILE too."
            )

    def _check_reply_to(self) -> None:
        if self.reply_to is None:
            return
        _, address = parseaddr(self.reply_to)
        if "@" not in address or not address.isascii():
            raise ConfigurationError(
                "BULLETIN_REPLY_TO must be an address like 'Desk <desk@news.example>' "
                f"in plain ASCII, not {self.reply_to!r}."
            )
        try:
            ensure_header_safe(self.reply_to, field="reply-to address")
        except InvalidInput as exc:
            raise ConfigurationError(f"BULLETIN_REPLY_TO: {exc}") from exc

    def _check_webhooks(self) -> None:
        if self.sendgrid_webhook_key and not v.is_ec_public_key(self.sendgrid_webhook_key):
            raise ConfigurationError(
                "BULLETIN_SENDGRID_WEBHOOK_KEY must be the verification key SendGrid shows: "
                "base64, an elliptic-curve public key."
            )
        user, password = self.postmark_webhook_user, self.postmark_webhook_password
        if bool(user) != bool(password):
            raise ConfigurationError(
                "BULLETIN_POSTMARK_WEBHOOK_USER and BULLETIN_POSTMARK_WEBHOOK_PASSWORD "
                "go together: set both, or neither."
            )
        if user and ":" in user:
            raise ConfigurationError("BULLETIN_POSTMARK_WEBHOOK_USER cannot contain a colon.")
        if password and len(password) < MIN_WEBHOOK_PASSWORD:
            raise ConfigurationError(
                f"BULLETIN_POSTMARK_WEBHOOK_PASSWORD must be at least {MIN_WEBHOOK_PASSWORD} "
                "characters: anyone who guesses it can suppress your readers."
            )

    @property
    def origin(self) -> str:
        """scheme://host[:port] of the base URL: what browsers send as Origin from our pages."""
        url = urlsplit(self.base_url)
        return f"{url.scheme}://{url.netloc}"

    @property
    def briefing_rules(self) -> Rules:
        return Rules(
            default_zone=self.time_zone,
            expiry=self.briefing_expiry,
            holidays=self.briefing_holidays,
            size=self.briefing_size,
            assemble_before=timedelta(seconds=self.briefing_assemble_before_s),
            approve_before=timedelta(seconds=self.briefing_approve_before_s),
        )

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]

    @property
    def mail_domain(self) -> str:
        return self.sender_address.rpartition("@")[2].lower()

    @property
    def relay_urls(self) -> tuple[str, ...]:
        """Where mail goes: `BULLETIN_RELAYS`, else `BULLETIN_SMTP_URL`; empty: the catcher."""
        listed = tuple((self.relays or "").split())
        return listed or ((self.smtp_url,) if self.smtp_url else ())

    @property
    def uses_catcher(self) -> bool:
        return not self.relay_urls

    @property
    def catcher_dir(self) -> Path:
        return self.data_dir / "catcher"


def variable_for(name: str) -> str | None:
    """The BULLETIN_* variable that sets the field `name`; None for a fixed setting."""
    return v.variable_name(Settings, name)


def written(settings: Settings, name: str) -> str:
    """The field's value as its variable would be written (minutes, HH:MM, on/off)."""
    value = getattr(settings, name)
    variable = v.variable_of(Settings.model_fields[name])
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if variable is not None and variable.unit is not None and isinstance(value, int | float):
        return str(variable.unit.from_attribute(value))
    return str(value)


def with_text(settings: Settings, changes: Mapping[str, str]) -> Settings:
    """`settings` with fields given as text their variables would hold, read and checked
    by the rules of the environment; ConfigurationError names the variable refused."""
    try:
        changed = settings.replace(**changes)
    except ValidationError as exc:
        raise ConfigurationError(v.explain(exc, Settings)) from exc
    changed.check_identity()  # the rest of `check()` is about what the desk cannot set
    return changed


def _is_placeholder(secret: str) -> bool:
    return secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH


def _development_key(data_dir: Path) -> str:
    """The secret key made on this data directory's first run, and kept."""
    return _stored_key(data_dir / "secret_key", lost="delete it to make a new one")


def _development_suppression_key(data_dir: Path) -> str:
    """The suppression key made on this data directory's first run, and kept.

    A new one would make every stored suppression unrecognisable, so a damaged file
    is never replaced by itself.
    """
    return _stored_key(data_dir / "suppression_key", lost="restore it from a backup")


def _stored_key(path: Path, *, lost: str) -> str:
    if not path.exists():
        _write_new_key(path)
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise ConfigurationError(f"The stored key in {path} is empty or too short; {lost}.")
    return key


def _write_new_key(path: Path) -> None:
    """Write a fresh key readable only by us, so that it appears whole or not at all.

    The web process and the worker often start together on a first run: the key is
    written to a private file, then linked into place, and the loser of the race
    simply reads the winner's key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink()
