"""Worker heartbeats: each running engine says it is alive, for /readyz.

A web process cannot see the engines that send (they may run on other machines), so
every engine writes a row here every few seconds and readiness asks for a recent one.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bulletin.store.types import UtcDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker", sa.String(80), primary_key=True),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_worker_heartbeats_seen_at", "worker_heartbeats", ["seen_at"])


def downgrade() -> None:
    op.drop_table("worker_heartbeats")
