"""What an admin may see of the running configuration: relays and settings, secrets masked."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit, urlunsplit

from bulletin.domain.errors import PermissionDenied
from bulletin.domain.models import Editor, Role
from bulletin.services.context import Context

MASK = "••••••"


@dataclass(frozen=True)
class RelayView:
    url: str  # with any password replaced by MASK
    connections: str
    rate: str
    window: str


def masked_url(url: str) -> str:
    """The URL with its password (if any) replaced; the rest as configured."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}{port}"))


def relays(ctx: Context, *, actor: Editor) -> list[RelayView]:
    _require_admin(actor)
    settings = ctx.settings
    urls = settings.relay_urls
    views = []
    for url in urls:
        query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
        views.append(
            RelayView(
                url=masked_url(url),
                connections=query.get("connections", "default"),
                rate=f"{query['rate']}/s" if "rate" in query else "unlimited",
                window=query.get("window", "none"),
            )
        )
    return views


def settings_rows(ctx: Context, *, actor: Editor) -> list[tuple[str, str]]:
    """(name, value) of the settings worth checking; never the secret key."""
    _require_admin(actor)
    s = ctx.settings
    source = "BULLETIN_RELAYS" if s.relays else "BULLETIN_SMTP_URL" if s.smtp_url else None
    return [
        ("Environment (BULLETIN_ENV)", s.env),
        ("Public address (BULLETIN_BASE_URL)", s.base_url),
        ("Sender (BULLETIN_SENDER)", s.sender),
        ("Newsroom name", s.newsroom_name),
        ("Database (BULLETIN_DATABASE_URL)", masked_url(s.database_url)),
        (
            "Relays from",
            source or f"none: the built-in catcher on {s.catcher_host}:{s.catcher_port}",
        ),
        (
            "Bounce mailbox (BULLETIN_BOUNCE_IMAP_URL)",
            f"{masked_url(s.bounce_imap_url)}, every {s.bounce_imap_interval_s} s"
            if s.bounce_imap_url
            else "none",
        ),
        ("Alerts expire after", f"{s.alert_expiry_s // 60} minutes"),
        ("First retry after", f"{s.retry_base_s} seconds"),
        ("A send pauses itself at", f"{s.pause_error_rate:.0%} refused"),
        ("Rows claimed per batch", str(s.worker_batch)),
        ("Sites that may embed the sign-up form", ", ".join(s.embed_origins) or "none"),
        (
            "Private networks feeds may be fetched from",
            ", ".join(str(net) for net in s.fetch_allow_networks) or "none: public addresses only",
        ),
        ("Secret key", "set (never shown)"),
        *_webhook_rows(ctx),
    ]


def _webhook_rows(ctx: Context) -> list[tuple[str, str]]:
    """Which providers' webhooks are on; their keys and passwords are never shown."""
    s = ctx.settings

    def secret(value: str | None) -> str:
        return "set (never shown)" if value else "unset: no endpoint"

    return [
        (
            "Amazon SES topics (BULLETIN_SES_TOPIC_ARNS)",
            ", ".join(s.ses_topic_arns) or "none: no endpoint",
        ),
        ("SendGrid webhook key", secret(s.sendgrid_webhook_key)),
        ("Mailgun signing key", secret(s.mailgun_signing_key)),
        (
            "Postmark webhook user and password",
            secret(s.postmark_webhook_user and s.postmark_webhook_password),
        ),
    ]


def _require_admin(actor: Editor) -> None:
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("Only admins can see the relays and settings.")
