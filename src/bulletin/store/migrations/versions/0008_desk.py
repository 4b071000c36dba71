"""Delivery events (bounces, complaints, unsubscribes) attributed to campaign and reader;
the story fields an editor changed, which later ingests of the same story keep.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bulletin.store.types import BigId, UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("campaign_id", BigId, sa.ForeignKey("campaigns.id"), nullable=True),
        sa.Column(
            "subscriber_id",
            BigId,
            sa.ForeignKey("subscribers.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("detail", sa.Text()),
        sa.Column("dedupe_key", sa.String(300)),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("dedupe_key", name="uq_events_dedupe_key"),
    )
    op.create_index("ix_events_campaign_kind", "events", ["campaign_id", "kind"])
    op.create_index("ix_events_subscriber_id", "events", ["subscriber_id"])
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("edited_fields", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("edited_fields")
    op.drop_index("ix_events_subscriber_id", table_name="events")
    op.drop_index("ix_events_campaign_kind", table_name="events")
    op.drop_table("events")
