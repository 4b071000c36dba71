"""The public archive's withdrawals: sent campaigns an editor took out of it (a correction).

Every campaign that has started sending is in the archive at /archive; a row here takes
one out, with who did it, when and why.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bulletin.store.types import BigId, UtcDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archive_withdrawals",
        sa.Column("campaign_id", BigId, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("withdrawn_at", UtcDateTime(), nullable=False),
        sa.Column("withdrawn_by", sa.Integer, sa.ForeignKey("editors.id")),
        sa.Column("reason", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("archive_withdrawals")
