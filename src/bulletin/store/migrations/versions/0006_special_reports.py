"""Special reports: content and schedule, started as a campaign when due.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bulletin.store.types import BigId, UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "special_reports",
        sa.Column("id", BigId, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("headline", sa.String(500), nullable=False),
        sa.Column("dek", sa.Text(), nullable=False),
        sa.Column("hero", sa.JSON()),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("cta_url", sa.String(2000), nullable=False),
        sa.Column("cta_label", sa.String(200), nullable=False),
        sa.Column("story_id", BigId),
        sa.Column("scheduled_at", UtcDateTime()),
        sa.Column("campaign_id", BigId),
        sa.Column("created_by", sa.Integer()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"],
            ["stories.id"],
            name="fk_special_reports_story_id_stories",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_special_reports_campaign_id_campaigns"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["editors.id"], name="fk_special_reports_created_by_editors"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_special_reports"),
        sa.UniqueConstraint("campaign_id", name="uq_special_reports_campaign_id"),
    )
    op.create_index(
        "ix_special_reports_status_scheduled_at", "special_reports", ["status", "scheduled_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_special_reports_status_scheduled_at", table_name="special_reports")
    op.drop_table("special_reports")
