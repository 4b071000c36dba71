"""Each campaign's Message-ID salt: random, made when the campaign is, kept with it.

A campaign's Message-IDs were made from its id, the reader's id and a tag keyed by
the secret key alone, so a database reset (ids start again at 1) or a staging copy
restored from a dump and given the same secret key would send new messages under IDs
Gmail had already seen from production, and Gmail drops a message whose ID it has.
A random salt per campaign makes every new campaign's IDs its own, on any copy, while
a follow-up still names the IDs its thread was sent with (they are read from the
campaigns it answers). Campaigns made before this migration keep no salt, and their
IDs as they were sent.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("message_salt", sa.String(16)))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("message_salt")
