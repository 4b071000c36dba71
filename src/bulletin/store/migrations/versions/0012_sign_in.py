"""Server-side desk sessions, sign-in failures for the throttle, and admins' TOTP.

A desk sign-in used to live only in a signed cookie holding the editor's id, so a
cookie copied before sign-out or before an admin reset the password kept opening the
desk until it expired. Now the cookie holds a random id whose SHA-256 is a row here;
deleting the row ends the session wherever the cookie is. Failed sign-ins are kept
(by a hash of the account or address they came from) for the throttle that locks an
account or an address after repeated failures, on every web process alike. An admin's
TOTP secret is kept encrypted with a key derived from the secret key.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bulletin.store.types import BigId, UtcDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "desk_sessions",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column(
            "editor_id",
            sa.Integer,
            sa.ForeignKey("editors.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("ip", sa.String(45)),
        sa.Column("user_agent", sa.String(300)),
        sa.UniqueConstraint("token_hash", name="uq_desk_sessions_token_hash"),
    )
    op.create_index("ix_desk_sessions_editor_id", "desk_sessions", ["editor_id"])
    op.create_table(
        "sign_in_failures",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("failed_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_sign_in_failures_key", "sign_in_failures", ["key_hash", "failed_at"])
    with op.batch_alter_table("editors") as batch:
        batch.add_column(sa.Column("totp_secret", sa.Text()))
        batch.add_column(sa.Column("totp_enabled_at", UtcDateTime()))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger()))


def downgrade() -> None:
    with op.batch_alter_table("editors") as batch:
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_enabled_at")
        batch.drop_column("totp_secret")
    op.drop_index("ix_sign_in_failures_key", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_index("ix_desk_sessions_editor_id", table_name="desk_sessions")
    op.drop_table("desk_sessions")
