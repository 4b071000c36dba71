"""Delivery engine: chunked fan-out cursor, pause reasons, partial claim indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bulletin.store.types import BigId

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUED = sa.text("status = 'queued'")
SENDING = sa.text("status = 'sending'")


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("fanout_cursor", BigId))
        batch.add_column(
            sa.Column("fanout_done", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("status_reason", sa.Text()))
    op.execute("UPDATE campaigns SET fanout_done = true")  # earlier campaigns fanned out at once
    op.drop_index("ix_deliveries_status_send_after", table_name="deliveries")
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["campaign_id", "send_after", "id"],
        sqlite_where=QUEUED,
        postgresql_where=QUEUED,
    )
    op.create_index(
        "ix_deliveries_leased",
        "deliveries",
        ["lease_until"],
        sqlite_where=SENDING,
        postgresql_where=SENDING,
    )
    op.create_index("ix_deliveries_campaign_status", "deliveries", ["campaign_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_campaign_status", table_name="deliveries")
    op.drop_index("ix_deliveries_leased", table_name="deliveries")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index("ix_deliveries_status_send_after", "deliveries", ["status", "send_after"])
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("status_reason")
        batch.drop_column("fanout_done")
        batch.drop_column("fanout_cursor")
