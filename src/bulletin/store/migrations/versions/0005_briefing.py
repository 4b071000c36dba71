"""The morning briefing: editions, no-briefing dates, per-row expiry and segment in the ledger.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bulletin.store.types import BigId, UtcDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUED_EXPIRING = "status = 'queued' AND expires_at IS NOT NULL"


def upgrade() -> None:
    op.create_index("ix_subscribers_zone_time", "subscribers", ["time_zone", "briefing_time"])
    op.add_column("deliveries", sa.Column("expires_at", UtcDateTime(), nullable=True))
    op.add_column("deliveries", sa.Column("segment", sa.Integer(), nullable=True))
    op.create_index(
        "ix_deliveries_expiring",
        "deliveries",
        ["expires_at"],
        sqlite_where=sa.text(QUEUED_EXPIRING),
        postgresql_where=sa.text(QUEUED_EXPIRING),
    )
    op.create_table(
        "editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("greeting", sa.Text(), nullable=False),
        sa.Column("sign_off", sa.Text(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("reserve", sa.JSON(), nullable=False),
        sa.Column("skip_reason", sa.Text()),
        sa.Column("campaign_id", BigId),
        sa.Column("approved_by", sa.String(320)),
        sa.Column("held_by", sa.String(320)),
        sa.Column("assembled_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("approved_at", UtcDateTime()),
        sa.Column("first_send_at", UtcDateTime()),
        sa.Column("last_expiry_at", UtcDateTime()),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_editions_campaign_id_campaigns"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_editions"),
        sa.UniqueConstraint("edition_date", name="uq_editions_edition_date"),
    )
    op.create_table(
        "briefing_holidays",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_briefing_holidays"),
    )


def downgrade() -> None:
    op.drop_table("briefing_holidays")
    op.drop_table("editions")
    op.drop_index("ix_deliveries_expiring", table_name="deliveries")
    op.drop_index("ix_subscribers_zone_time", table_name="subscribers")
    op.drop_column("deliveries", "segment")
    op.drop_column("deliveries", "expires_at")
