"""Counted links: each campaign's URLs, clicks per link, and who clicked (by keyed hash).

Off unless BULLETIN_CLICK_TRACKING is set; the tables stay empty otherwise.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bulletin.store.types import BigId, UtcDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_links",
        sa.Column("campaign_id", BigId, sa.ForeignKey("campaigns.id"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("url", sa.Text(), nullable=False),
    )
    op.create_table(
        "link_clicks",
        sa.Column("campaign_id", BigId, primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("clicks", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
        sa.Column("ignored", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    )
    op.create_table(
        "link_clickers",
        sa.Column("campaign_id", BigId, primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("clicker", sa.String(32), primary_key=True),
        sa.Column("subscriber_id", BigId),
        sa.Column("first_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_link_clickers_subscriber_id", "link_clickers", ["subscriber_id"])


def downgrade() -> None:
    op.drop_table("link_clickers")
    op.drop_table("link_clicks")
    op.drop_table("campaign_links")
