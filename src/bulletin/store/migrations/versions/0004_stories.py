"""Stories in full (ingest), their version history, feeds, poll log and alert proposals.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from bulletin.store.types import BigId, UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STORY_COLUMNS: list[tuple[str, Any]] = [
    ("source", sa.String(2000)),
    ("source_id", sa.String(1000)),
    ("identity", sa.String(1000)),
    ("content_hash", sa.String(64)),
    ("cluster_id", BigId),
    ("fingerprint", sa.LargeBinary()),
    ("byline_people", sa.JSON()),
    ("byline_agencies", sa.JSON()),
    ("dateline", sa.String(200)),
    ("lead", sa.Text()),
    ("body_html", sa.Text()),
    ("body_text", sa.Text()),
    ("paragraphs", sa.JSON()),
    ("images", sa.JSON()),
    ("contributors", sa.JSON()),
    ("section", sa.String(200)),
    ("topics", sa.JSON()),
    ("urgency", sa.Integer()),
    ("embargoed_until", UtcDateTime()),
    ("published_at", UtcDateTime()),
    ("source_updated_at", UtcDateTime()),
    ("language", sa.String(35)),
]
STORY_INDEXES = [
    ("ix_stories_identity", ["identity"], True),
    ("ix_stories_url", ["url"], False),
    ("ix_stories_content_hash", ["content_hash"], False),
    ("ix_stories_cluster_id", ["cluster_id"], False),
    ("ix_stories_created_at", ["created_at"], False),
]


def upgrade() -> None:
    _extend_stories()
    op.create_table(
        "story_versions",
        sa.Column("id", BigId, nullable=False),
        sa.Column("story_id", BigId, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name="fk_story_versions_story_id_stories",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_story_versions"),
        sa.UniqueConstraint("story_id", "version", name="uq_story_versions_story_version"),
    )
    _create_feeds()
    _create_alert_proposals()


def _extend_stories() -> None:
    for name, kind in STORY_COLUMNS:
        op.add_column("stories", sa.Column(name, kind, nullable=True))
    op.add_column(
        "stories", sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
    )
    for flag in ("needs_headline", "breaking"):
        op.add_column(
            "stories", sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.add_column(
        "stories",
        sa.Column("pubstatus", sa.String(20), nullable=False, server_default="usable"),
    )
    for name, columns, unique in STORY_INDEXES:
        op.create_index(name, "stories", columns, unique=unique)


def _create_feeds() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("poll_interval_s", sa.Integer(), nullable=False),
        sa.Column("auto_send", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(500)),
        sa.Column("last_modified", sa.String(100)),
        sa.Column("next_poll_at", UtcDateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.String(40)),
        sa.Column("last_polled_at", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feeds"),
        sa.UniqueConstraint("url", name="uq_feeds_url"),
    )
    op.create_index("ix_feeds_active_next_poll_at", "feeds", ["active", "next_poll_at"])
    op.create_table(
        "feed_polls",
        sa.Column("id", BigId, nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("http_status", sa.Integer()),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name="fk_feed_polls_feed_id_feeds", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_feed_polls"),
    )
    op.create_index("ix_feed_polls_feed_id", "feed_polls", ["feed_id"])


def _create_alert_proposals() -> None:
    op.create_table(
        "alert_proposals",
        sa.Column("id", BigId, nullable=False),
        sa.Column("story_id", BigId, nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("feed_id", sa.Integer()),
        sa.Column("campaign_id", BigId),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime()),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name="fk_alert_proposals_story_id_stories",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name="fk_alert_proposals_feed_id_feeds", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_alert_proposals_campaign_id_campaigns"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_alert_proposals"),
        sa.UniqueConstraint("story_id", name="uq_alert_proposals_story_id"),
    )


def downgrade() -> None:
    for table in ("alert_proposals", "feed_polls", "feeds", "story_versions"):
        op.drop_table(table)
    for name, _columns, _unique in STORY_INDEXES:
        op.drop_index(name, table_name="stories")
    names = [name for name, _kind in STORY_COLUMNS]
    for name in [*names, "version", "needs_headline", "breaking", "pubstatus"]:
        op.drop_column("stories", name)
