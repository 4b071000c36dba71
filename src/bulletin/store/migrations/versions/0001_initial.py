"""The initial schema, with the three lists seeded.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from bulletin.store.types import BigId, UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED_LISTS = [
    {
        "slug": "breaking",
        "name": "Breaking News Alerts",
        "description": "Alerts the moment major news breaks: a headline, a sentence or two "
        "and a link.",
        "kind": "alert",
    },
    {
        "slug": "special-reports",
        "name": "Special Reports",
        "description": "Our in-depth reporting on the stories that shape the world, "
        "when we publish them.",
        "kind": "special",
    },
    {
        "slug": "morning-briefing",
        "name": "Morning Briefing",
        "description": "The news and stories that matter, delivered weekday mornings.",
        "kind": "briefing",
    },
]


def upgrade() -> None:
    lists = op.create_table(
        "lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lists"),
        sa.UniqueConstraint("slug", name="uq_lists_slug"),
    )
    op.create_table(
        "subscribers",
        sa.Column("id", BigId, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("time_zone", sa.String(64)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("confirmed_at", UtcDateTime()),
        sa.Column("confirmation_sent_at", UtcDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_subscribers"),
        sa.UniqueConstraint("email", name="uq_subscribers_email"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("subscriber_id", BigId, nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("confirmed_at", UtcDateTime()),
        sa.Column("unsubscribed_at", UtcDateTime()),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_subscriptions_subscriber_id_subscribers",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], name="fk_subscriptions_list_id_lists"),
        sa.PrimaryKeyConstraint("subscriber_id", "list_id", name="pk_subscriptions"),
    )
    op.create_index(
        "ix_subscriptions_list_status", "subscriptions", ["list_id", "status", "subscriber_id"]
    )
    op.create_table(
        "consent_records",
        sa.Column("id", BigId, nullable=False),
        sa.Column("subscriber_id", BigId, nullable=False),
        sa.Column("list_id", sa.Integer()),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("method", sa.String(30), nullable=False),
        sa.Column("ip", sa.String(64)),
        sa.Column("user_agent", sa.String(400)),
        sa.Column("wording", sa.Text()),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_consent_records_subscriber_id_subscribers",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], name="fk_consent_records_list_id_lists"),
        sa.PrimaryKeyConstraint("id", name="pk_consent_records"),
    )
    op.create_index("ix_consent_records_subscriber_id", "consent_records", ["subscriber_id"])
    op.create_table(
        "stories",
        sa.Column("id", BigId, nullable=False),
        sa.Column("headline", sa.String(500)),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("url", sa.String(2000)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stories"),
    )
    op.create_table(
        "editors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_login_at", UtcDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_editors"),
        sa.UniqueConstraint("email", name="uq_editors_email"),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", BigId, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("story_id", BigId),
        sa.Column("parent_id", BigId),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("headline", sa.String(500), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("created_by", sa.Integer()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime()),
        sa.Column("finished_at", UtcDateTime()),
        sa.Column("expires_at", UtcDateTime()),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], name="fk_campaigns_list_id_lists"),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], name="fk_campaigns_story_id_stories"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["campaigns.id"], name="fk_campaigns_parent_id_campaigns"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["editors.id"], name="fk_campaigns_created_by_editors"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", BigId, nullable=False),
        sa.Column("campaign_id", BigId, nullable=False),
        sa.Column("subscriber_id", BigId, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("send_after", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", UtcDateTime()),
        sa.Column("last_reply", sa.Text()),
        sa.Column("sent_at", UtcDateTime()),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_deliveries_campaign_id_campaigns"
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"], ["subscribers.id"], name="fk_deliveries_subscriber_id_subscribers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint(
            "campaign_id", "subscriber_id", name="uq_deliveries_campaign_subscriber"
        ),
    )
    op.create_index("ix_deliveries_status_send_after", "deliveries", ["status", "send_after"])
    op.create_table(
        "outbox",
        sa.Column("id", BigId, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subscriber_id", BigId, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("send_after", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", UtcDateTime()),
        sa.Column("last_reply", sa.Text()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime()),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_outbox_subscriber_id_subscribers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_status_send_after", "outbox", ["status", "send_after"])
    op.create_table(
        "suppressions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_suppressions"),
        sa.UniqueConstraint("email", name="uq_suppressions_email"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", BigId, nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target_type", sa.String(40)),
        sa.Column("target_id", sa.String(64)),
        sa.Column("detail", sa.JSON()),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_occurred_at", "audit_log", ["occurred_at"])

    now = datetime.now(UTC)
    op.bulk_insert(lists, [{**row, "created_at": now} for row in SEED_LISTS])


def downgrade() -> None:
    for table in (
        "audit_log",
        "suppressions",
        "outbox",
        "deliveries",
        "campaigns",
        "editors",
        "stories",
        "consent_records",
        "subscriptions",
        "subscribers",
        "lists",
    ):
        op.drop_table(table)
