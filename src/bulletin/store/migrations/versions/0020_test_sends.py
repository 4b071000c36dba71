"""Test sends as background jobs: the desk queues the composed copies, a worker sends them.

A test send waits on the relay (up to its timeout per connection); done inside the
editor's request it blocked the browser. The request now stores the copies here and
answers at once; any worker claims the job, sends it and writes each address's reply.

Revision ID: 0020
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bulletin.store.types import BigId, UtcDateTime

revision: str = "0020"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "test_sends",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("back_path", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(320), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("copies", sa.Text(), nullable=False),
        sa.Column("results", sa.Text()),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime()),
        sa.Column("finished_at", UtcDateTime()),
    )
    op.create_index("ix_test_sends_status", "test_sends", ["status"])


def downgrade() -> None:
    op.drop_table("test_sends")
