"""The desk's "find a reader by the start of the address" by index on PostgreSQL too.

On PostgreSQL a LIKE 'prefix%' can use a b-tree only in a bytewise collation; the
unique index on address_key is in the database's collation (en_US.UTF-8 and the like),
so a search on ten million readers read them all. An index with varchar_pattern_ops
serves LIKE in any collation. SQLite searches by range on the unique index already, so
its copy is a partial index that holds no rows (nothing to write on a sign-up).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_subscribers_address_key_prefix"


def upgrade() -> None:
    op.create_index(
        INDEX,
        "subscribers",
        ["address_key"],
        postgresql_ops={"address_key": "varchar_pattern_ops"},
        sqlite_where=sa.text("0"),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="subscribers")
