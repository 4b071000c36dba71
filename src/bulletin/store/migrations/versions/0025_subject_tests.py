"""Subject tests: the subjects an alert or a briefing races, and which one each ledger row
was sent.

Both new columns are nullable without a default, so adding them rewrites no row: on
PostgreSQL and SQLite alike a ledger of millions gains them at once.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bulletin.store.types import BigId, UtcDateTime

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("variant", sa.SmallInteger()))
    op.add_column("link_clickers", sa.Column("variant", sa.SmallInteger()))
    op.add_column("editions", sa.Column("subject_test", sa.JSON()))
    op.create_table(
        "subject_tests",
        sa.Column("campaign_id", BigId, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("subjects", sa.JSON(), nullable=False),
        sa.Column("share_percent", sa.Integer(), nullable=False),
        sa.Column("window_s", sa.Integer(), nullable=False),
        sa.Column("min_clicks", sa.Integer(), nullable=False),
        sa.Column("decide_at", UtcDateTime()),
        sa.Column("winner", sa.SmallInteger()),
        sa.Column("reason", sa.String(20)),
        sa.Column("decided_at", UtcDateTime()),
        sa.Column("standings", sa.JSON()),
    )


def downgrade() -> None:
    op.drop_table("subject_tests")
    with op.batch_alter_table("editions") as batch:
        batch.drop_column("subject_test")
    with op.batch_alter_table("link_clickers") as batch:
        batch.drop_column("variant")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("variant")
