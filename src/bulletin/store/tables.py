"""The schema: every table Bulletin keeps, as SQLAlchemy Core tables."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from bulletin.store.types import BigId, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

lists = Table(
    "lists",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

subscribers = Table(
    "subscribers",
    metadata,
    Column("id", BigId, primary_key=True),
    # The address as the reader typed it (domain in IDNA form): where mail goes.
    Column("email", String(320), nullable=False),
    # Who the reader is: the address compared case-insensitively (domain.addresses).
    Column("address_key", String(320), nullable=False, unique=True),
    # The key's keyed hash, the form the suppression list is kept in.
    Column("address_hash", String(64), nullable=False, unique=True),
    Column("time_zone", String(64)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("confirmed_at", UtcDateTime),
    Column("confirmation_sent_at", UtcDateTime),
    # The reader's local time for the weekday briefing, "HH:MM".
    Column("briefing_time", String(5), nullable=False, server_default="06:00"),
    # The briefing's ledger is written one (zone, time) group at a time.
    Index("ix_subscribers_zone_time", "time_zone", "briefing_time"),
    # The desk's prefix search (LIKE 'start%') in any collation on PostgreSQL; SQLite
    # searches by range on the unique index, so its copy holds no rows (migration 0024).
    Index(
        "ix_subscribers_address_key_prefix",
        "address_key",
        postgresql_ops={"address_key": "varchar_pattern_ops"},
        sqlite_where=text("0"),
    ),
    # An erased reader's id is never reused (PostgreSQL's sequences never do).
    sqlite_autoincrement=True,
)

# Readers merged into another (two spellings of one address, see migration 0010): old
# links name the old id, and still work. Holds a fingerprint of the old address only.
subscriber_aliases = Table(
    "subscriber_aliases",
    metadata,
    Column("old_id", BigId, primary_key=True, autoincrement=False),
    Column(
        "subscriber_id",
        BigId,
        ForeignKey("subscribers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("address_fingerprint", String(16), nullable=False),
    Column("merged_at", UtcDateTime, nullable=False),
)

# Topics a reader follows (slugs from domain.topics); none means "everything".
subscriber_topics = Table(
    "subscriber_topics",
    metadata,
    Column(
        "subscriber_id",
        BigId,
        ForeignKey("subscribers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("topic", String(40), primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column(
        "subscriber_id",
        BigId,
        ForeignKey("subscribers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("list_id", Integer, ForeignKey("lists.id"), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("confirmed_at", UtcDateTime),
    Column("unsubscribed_at", UtcDateTime),
    Index("ix_subscriptions_list_status", "list_id", "status", "subscriber_id"),
)

consent_records = Table(
    "consent_records",
    metadata,
    Column("id", BigId, primary_key=True),
    Column(
        "subscriber_id",
        BigId,
        ForeignKey("subscribers.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("list_id", Integer, ForeignKey("lists.id")),
    Column("action", String(20), nullable=False),
    Column("method", String(30), nullable=False),
    Column("ip", String(64)),
    Column("user_agent", String(400)),
    Column("wording", Text),
    Column("occurred_at", UtcDateTime, nullable=False),
)

# A story is the current version; `story_versions` keeps every version it has had.
# `identity` (source id, globally unique when it is a URI), `url` and `content_hash`
# are the three keys that make the same item seen twice stored once.
stories = Table(
    "stories",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("headline", String(500)),
    Column("summary", Text, nullable=False, default=""),
    Column("url", String(2000)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("source", String(2000)),
    Column("source_id", String(1000)),
    Column("identity", String(1000)),
    Column("content_hash", String(64)),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("cluster_id", BigId),
    Column("fingerprint", LargeBinary),
    Column("needs_headline", Boolean, nullable=False, server_default=false()),
    Column("byline_people", JSON),
    Column("byline_agencies", JSON),
    Column("dateline", String(200)),
    Column("lead", Text),
    Column("body_html", Text),
    Column("body_text", Text),
    Column("paragraphs", JSON),
    Column("images", JSON),
    Column("contributors", JSON),
    Column("section", String(200)),
    Column("topics", JSON),
    Column("urgency", Integer),
    Column("pubstatus", String(20), nullable=False, server_default="usable"),
    Column("embargoed_until", UtcDateTime),
    Column("breaking", Boolean, nullable=False, server_default=false()),
    Column("published_at", UtcDateTime),
    Column("source_updated_at", UtcDateTime),
    Column("language", String(35)),
    # Fields an editor changed (["headline", "summary"]): re-ingesting keeps their values.
    Column("edited_fields", JSON),
    Index("ix_stories_identity", "identity", unique=True),
    Index("ix_stories_url", "url"),
    Index("ix_stories_content_hash", "content_hash"),
    Index("ix_stories_cluster_id", "cluster_id"),
    Index("ix_stories_created_at", "created_at"),
)

story_versions = Table(
    "story_versions",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("story_id", BigId, ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("data", JSON, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    UniqueConstraint("story_id", "version", name="uq_story_versions_story_version"),
)

# Feeds an editor registered; the worker polls the due ones (conditional GET).
feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2000), nullable=False, unique=True),
    Column("format", String(20), nullable=False),
    Column("poll_interval_s", Integer, nullable=False),
    Column("auto_send", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("etag", String(500)),
    Column("last_modified", String(100)),
    Column("next_poll_at", UtcDateTime, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("last_status", String(40)),
    Column("last_polled_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_feeds_active_next_poll_at", "active", "next_poll_at"),
)

feed_polls = Table(
    "feed_polls",
    metadata,
    Column("id", BigId, primary_key=True),
    Column(
        "feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("http_status", Integer),
    Column("new", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("failed", Integer, nullable=False),
    Column("error", Text),
)

# Wire stories urgent enough to alert on, waiting for an editor (or auto-sent).
alert_proposals = Table(
    "alert_proposals",
    metadata,
    Column("id", BigId, primary_key=True),
    Column(
        "story_id",
        BigId,
        ForeignKey("stories.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("reason", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="SET NULL")),
    Column("campaign_id", BigId, ForeignKey("campaigns.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("decided_at", UtcDateTime),
)

editors = Table(
    "editors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_login_at", UtcDateTime),
    # An admin's TOTP second factor: the secret encrypted (services/staff/totp.py), set
    # while enrolling; enabled once a code from it was verified; the last step used,
    # so a code works once.
    Column("totp_secret", Text),
    Column("totp_enabled_at", UtcDateTime),
    Column("totp_last_step", BigInteger),
)

# Desk sign-ins: the cookie holds a random id, only its SHA-256 is kept here; a
# session ends when its row is deleted (sign-out, password change, role change...).
desk_sessions = Table(
    "desk_sessions",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("editor_id", Integer, ForeignKey("editors.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("ip", String(45)),
    Column("user_agent", String(300)),
    Index("ix_desk_sessions_editor_id", "editor_id"),
)

# Failed sign-ins in the throttle's window, by a hash of the account or client address.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("key_hash", String(64), nullable=False),
    Column("failed_at", UtcDateTime, nullable=False),
    Index("ix_sign_in_failures_key", "key_hash", "failed_at"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("list_id", Integer, ForeignKey("lists.id"), nullable=False),
    Column("story_id", BigId, ForeignKey("stories.id")),
    Column("parent_id", BigId, ForeignKey("campaigns.id")),
    Column("status", String(20), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("headline", String(500), nullable=False),
    Column("summary", Text, nullable=False),
    Column("url", String(2000), nullable=False),
    Column("created_by", Integer, ForeignKey("editors.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime),
    Column("finished_at", UtcDateTime),
    Column("expires_at", UtcDateTime),
    # Fan-out writes the ledger in keyset chunks: the last subscriber id written, and
    # whether the whole audience is in. A crash resumes from the cursor.
    Column("fanout_cursor", BigId),
    Column("fanout_done", Boolean, nullable=False, server_default=false()),
    Column("status_reason", Text),
    # Who approved an alert when a second editor's approval is required, and when.
    Column("approved_by", Integer, ForeignKey("editors.id")),
    Column("approved_at", UtcDateTime),
    # The desk review an alert was sent from: unique, so a second press of Send (or a
    # replayed form) finds the alert already made instead of sending it again.
    Column("review_id", String(32), unique=True),
    # Random, made with the campaign: its Message-IDs are its own on any copy of the
    # database (NULL for campaigns made before migration 0011, whose IDs had none).
    Column("message_salt", String(16)),
)

# Special reports: the editor's content, and its schedule. It becomes a campaign of
# kind `special` (campaign_id) only when its time comes and the fan-out starts.
special_reports = Table(
    "special_reports",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("status", String(20), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("headline", String(500), nullable=False),
    Column("dek", Text, nullable=False),
    Column("hero", JSON),
    Column("sections", JSON, nullable=False),
    Column("cta_url", String(2000), nullable=False),
    Column("cta_label", String(200), nullable=False),
    Column("story_id", BigId, ForeignKey("stories.id", ondelete="SET NULL")),
    Column("scheduled_at", UtcDateTime),
    Column("campaign_id", BigId, ForeignKey("campaigns.id"), unique=True),
    Column("created_by", Integer, ForeignKey("editors.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_special_reports_status_scheduled_at", "status", "scheduled_at"),
)

# The delivery ledger: one row per (campaign, subscriber), the single source of truth
# for what was sent. The unique pair makes a repeated fan-out harmless.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("campaign_id", BigId, ForeignKey("campaigns.id"), nullable=False),
    # None once the reader was erased: the row still counts, it no longer names anyone.
    Column("subscriber_id", BigId, ForeignKey("subscribers.id")),
    Column("status", String(20), nullable=False),
    Column("send_after", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_owner", String(64)),
    Column("lease_until", UtcDateTime),
    Column("last_reply", Text),
    Column("sent_at", UtcDateTime),
    # A briefing row is too late after the reader's local noon; alerts expire per campaign.
    Column("expires_at", UtcDateTime),
    # Which rendering of the campaign the reader gets: a briefing's topic set as a bit mask.
    Column("segment", Integer),
    # Which subject of a subject test the reader is sent (its position), written with the
    # row; None for everyone else, who get the campaign's subject or the test's winner.
    Column("variant", SmallInteger),
    UniqueConstraint("campaign_id", "subscriber_id", name="uq_deliveries_campaign_subscriber"),
    # A campaign's rows by status, in claim order: claims read the queued ones in order
    # (however many the campaign has sent already) and the live counts read it alone.
    # One index for both, so no planner can claim through the other and sort the queue.
    Index("ix_deliveries_campaign_queue", "campaign_id", "status", "send_after", "id"),
    Index(
        "ix_deliveries_leased",
        "lease_until",
        sqlite_where=text("status = 'sending'"),
        postgresql_where=text("status = 'sending'"),
    ),
    # Queued rows that can go stale: the scheduler's expiry sweep reads only these.
    Index(
        "ix_deliveries_expiring",
        "expires_at",
        sqlite_where=text("status = 'queued' AND expires_at IS NOT NULL"),
        postgresql_where=text("status = 'queued' AND expires_at IS NOT NULL"),
    ),
)

# One morning briefing per date (the readers' local date): its items as curated, and
# where it stands. The unique date is what makes a second edition for a day impossible.
editions = Table(
    "editions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("edition_date", Date, nullable=False, unique=True),
    Column("status", String(20), nullable=False),
    Column("greeting", Text, nullable=False),
    Column("sign_off", Text, nullable=False),
    Column("items", JSON, nullable=False),
    Column("reserve", JSON, nullable=False),
    Column("skip_reason", Text),
    Column("campaign_id", BigId, ForeignKey("campaigns.id")),
    Column("approved_by", String(320)),
    Column("held_by", String(320)),
    Column("assembled_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("approved_at", UtcDateTime),
    Column("first_send_at", UtcDateTime),
    Column("last_expiry_at", UtcDateTime),
    # A subject test set by an editor: {"subjects": [the others], "share", "window",
    # "min_clicks"}.
    Column("subject_test", JSON),
)

# Newsroom "no briefing" dates, in the readers' own calendars.
briefing_holidays = Table(
    "briefing_holidays",
    metadata,
    Column("day", Date, primary_key=True),
    Column("note", String(200), nullable=False),
    Column("created_by", String(320), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Transactional mail (confirmation requests): queued here by the web request and
# sent by the worker, so no request ever waits on a mail server.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column(
        "subscriber_id",
        BigId,
        ForeignKey("subscribers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("status", String(20), nullable=False),
    Column("send_after", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_owner", String(64)),
    Column("lease_until", UtcDateTime),
    Column("last_reply", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Index("ix_outbox_status_send_after", "status", "send_after"),
)

# Addresses we must never mail again, by the keyed hash of their key (never the
# address): a suppression outlives the reader's erasure and names no one in a dump.
suppressions = Table(
    "suppressions",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("address_hash", String(64), nullable=False, unique=True),
    Column("reason", String(30), nullable=False),
    Column("detail", Text),
    Column("created_at", UtcDateTime, nullable=False),
)

# What happened to a message after the relay took it: a bounce (hard or soft), a
# complaint, an unsubscribe from its link, a refusal that is the sender's problem, a
# report. `dedupe_key` makes processing the same bounce mailbox (or webhook) twice harmless.
events = Table(
    "events",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("campaign_id", BigId, ForeignKey("campaigns.id")),
    Column("subscriber_id", BigId, ForeignKey("subscribers.id", ondelete="SET NULL")),
    Column("kind", String(20), nullable=False),
    Column("email", String(320)),
    Column("detail", Text),
    Column("dedupe_key", String(300)),
    Column("occurred_at", UtcDateTime, nullable=False),
    UniqueConstraint("dedupe_key", name="uq_events_dedupe_key"),
    Index("ix_events_campaign_kind", "campaign_id", "kind"),
    Index("ix_events_subscriber_id", "subscriber_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("occurred_at", UtcDateTime, nullable=False, index=True),
    Column("actor", String(320), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target_type", String(40)),
    Column("target_id", String(64)),
    Column("detail", JSON),
)

# REST API keys: only a SHA-256 of the key is kept; the key itself is shown once.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("created_by", Integer, ForeignKey("editors.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
)

# The public archive shows every sent campaign but those withdrawn here (a correction):
# one row per withdrawn campaign, who withdrew it, when and why (also in the audit log).
archive_withdrawals = Table(
    "archive_withdrawals",
    metadata,
    Column("campaign_id", BigId, ForeignKey("campaigns.id"), primary_key=True),
    Column("withdrawn_at", UtcDateTime, nullable=False),
    Column("withdrawn_by", Integer, ForeignKey("editors.id")),
    Column("reason", Text, nullable=False),
)

# Each running engine's last sign of life ("host:pid"), written every few seconds; the
# web app's /readyz asks for a recent one. Rows of engines gone a day are pruned.
worker_heartbeats = Table(
    "worker_heartbeats",
    metadata,
    Column("worker", String(80), primary_key=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("seen_at", UtcDateTime, nullable=False, index=True),
)

# Outbound webhooks (see services/webhooks): where events go, and the events on their
# way there. The secret is kept as it is (it signs every request), shown to admins only.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("url", Text, nullable=False),
    Column("description", String(200), nullable=False, server_default=""),
    Column("secret", String(100), nullable=False),
    Column("event_types", Text, nullable=False),  # space-separated EventType values
    Column("enabled", Boolean, nullable=False),
    Column("created_by", String(320), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# The webhook outbox: one row per (event, endpoint), written in the transaction of the
# change the event reports; claimed under a lease like the mail ledger and kept as the
# delivery log (status, attempts, the last answer) until it is pruned.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("event_id", String(40), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column(
        "endpoint_id",
        BigId,
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
        nullable=False,
    ),
    # the reader a reader event names: erasing them deletes these rows (their address)
    Column("subscriber_id", BigId, ForeignKey("subscribers.id", ondelete="CASCADE")),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("lease_owner", String(64)),
    Column("lease_until", UtcDateTime),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime),
    UniqueConstraint("event_id", "endpoint_id", name="uq_webhook_deliveries_event_endpoint"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    Index("ix_webhook_deliveries_subscriber_id", "subscriber_id"),
)


# Test sends queued by the desk and sent by any worker (see services/test_send_jobs.py):
# `copies` holds the composed messages, `results` each address's reply, both JSON.
test_sends = Table(
    "test_sends",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("title", Text, nullable=False),
    Column("back_path", Text, nullable=False),
    Column("requested_by", String(320), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("copies", Text, nullable=False),
    Column("results", Text),
    Column("lease_owner", String(64)),
    Column("lease_until", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime),
    Column("finished_at", UtcDateTime),
)

# Settings an admin set on the desk (services/settings): each the text its BULLETIN_*
# variable would hold; `secret` values (relay passwords) are kept encrypted.
desk_settings = Table(
    "desk_settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("secret", Boolean, nullable=False, server_default=false()),
    Column("changed_by", String(320), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

# One row: raised by every change to desk_settings, so a running process learns of
# one with a single-row read instead of reading them all.
desk_settings_revision = Table(
    "desk_settings_revision",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("revision", BigInteger, nullable=False),
)

# Counted links (BULLETIN_CLICK_TRACKING): each campaign's URLs, numbered as its
# messages' `/r/` tokens name them (docs/clicks.md).
campaign_links = Table(
    "campaign_links",
    metadata,
    Column("campaign_id", BigId, ForeignKey("campaigns.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("url", Text, nullable=False),
)

# Per campaign and link: clicks counted and requests set aside as scanners'.
link_clicks = Table(
    "link_clicks",
    metadata,
    Column("campaign_id", BigId, primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("clicks", BigInteger, nullable=False, server_default=text("0")),
    Column("ignored", BigInteger, nullable=False, server_default=text("0")),
)

# One row per link and message that clicked it: `clicker` is a keyed hash of the
# (campaign, reader) pair, so uniques are counted without the address; `subscriber_id`
# only when the newsroom keeps per-reader history (BULLETIN_CLICK_TRACKING=per-reader).
link_clickers = Table(
    "link_clickers",
    metadata,
    Column("campaign_id", BigId, primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("clicker", String(32), primary_key=True),
    Column("subscriber_id", BigId, index=True),
    Column("first_at", UtcDateTime, nullable=False),
    # The subject the message was sent with, when its campaign raced subjects.
    Column("variant", SmallInteger),
)

# An alert's subject test (domain/subject_tests.py): the subjects raced, the share of
# readers and the window, when the race ends (set when sending starts) and, once
# decided, the winner and the figures it was decided on. One winner, set once.
subject_tests = Table(
    "subject_tests",
    metadata,
    Column("campaign_id", BigId, ForeignKey("campaigns.id"), primary_key=True),
    Column("subjects", JSON, nullable=False),
    Column("share_percent", Integer, nullable=False),
    Column("window_s", Integer, nullable=False),
    Column("min_clicks", Integer, nullable=False),
    Column("decide_at", UtcDateTime),
    Column("winner", SmallInteger),
    Column("reason", String(20)),
    Column("decided_at", UtcDateTime),
    Column("standings", JSON),
)
