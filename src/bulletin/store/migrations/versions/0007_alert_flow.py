"""The desk's alert flow: who approved an alert when a second editor must, and the
review each desk alert was sent from (unique: pressing Send twice sends once).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bulletin.store.types import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a foreign key with ALTER TABLE.
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("approved_by", sa.Integer()))
        batch.add_column(sa.Column("approved_at", UtcDateTime()))
        batch.add_column(sa.Column("review_id", sa.String(32)))
        batch.create_unique_constraint("uq_campaigns_review_id", ["review_id"])
        batch.create_foreign_key(
            "fk_campaigns_approved_by_editors", "editors", ["approved_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_constraint("fk_campaigns_approved_by_editors", type_="foreignkey")
        batch.drop_constraint("uq_campaigns_review_id", type_="unique")
        batch.drop_column("review_id")
        batch.drop_column("approved_at")
        batch.drop_column("approved_by")
