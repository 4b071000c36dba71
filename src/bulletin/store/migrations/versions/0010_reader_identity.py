"""One identity per reader: the address key, case-duplicates merged, suppressions kept as
keyed hashes, and ledger rows that outlive an erased reader.

`subscribers.address_key` (the address lower-cased; unique) is who a reader is, and
`email` stays as the reader typed it. Readers that were one address spelt twice
(`Case.Test@…` and `case.test@…`) become the oldest of them (see `merge_readers`), with
an audit-log row for each merge and an alias so links in mail already sent keep working.
`subscribers.address_hash` and `suppressions.address_hash` are HMAC-SHA256 of the key
under BULLETIN_SUPPRESSION_KEY (the same digest as `domain.addresses.IdentityHasher`);
the suppression list keeps no address at all. `deliveries.subscriber_id` may be empty:
an erased reader's ledger rows still count, naming no one.

The hashes need the key, so `bulletin db upgrade` hands it over (config attribute
`suppression_key`); a database with readers cannot be upgraded without it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

import hashlib
import hmac
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op

from bulletin.store.migrations.merging import merge_readers
from bulletin.store.types import BigId, UtcDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 10_000
# What a downgrade leaves in place of a hash it cannot turn back into an address (the
# reader was erased): a 64-hex local part that the next upgrade reads back as the hash.
ERASED_DOMAIN = "erased.invalid"
_ERASED = re.compile(r"^([0-9a-f]{64})@" + re.escape(ERASED_DOMAIN) + "$")

subscribers = sa.table(
    "subscribers",
    sa.column("id", BigId),
    sa.column("email", sa.String),
    sa.column("address_key", sa.String),
    sa.column("address_hash", sa.String),
)
suppressions = sa.table(
    "suppressions",
    sa.column("id", BigId),
    sa.column("email", sa.String),
    sa.column("address_hash", sa.String),
    sa.column("created_at", UtcDateTime),
)


def upgrade() -> None:
    conn = op.get_bind()
    op.add_column("subscribers", sa.Column("address_key", sa.String(320)))
    op.add_column("subscribers", sa.Column("address_hash", sa.String(64)))
    op.add_column("suppressions", sa.Column("address_hash", sa.String(64)))
    op.create_table(
        "subscriber_aliases",
        sa.Column("old_id", BigId, autoincrement=False, nullable=False),
        sa.Column("subscriber_id", BigId, nullable=False),
        sa.Column("address_fingerprint", sa.String(16), nullable=False),
        sa.Column("merged_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name="fk_subscriber_aliases_subscriber_id_subscribers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("old_id", name="pk_subscriber_aliases"),
    )
    op.create_index("ix_subscriber_aliases_subscriber_id", "subscriber_aliases", ["subscriber_id"])
    # Addresses were stored validated, in ASCII: SQL's lower() is the key's lower().
    conn.execute(subscribers.update().values(address_key=sa.func.lower(subscribers.c.email)))
    merge_readers(conn, now=datetime.now(UTC))
    digest = _digest()
    _hash_readers(conn, digest)
    _hash_suppressions(conn, digest)
    # On SQLite, AUTOINCREMENT: an erased or merged reader's id is never given to a new
    # one, whose mail would otherwise answer to links (unsubscribe) sent to the old.
    with op.batch_alter_table("subscribers", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.alter_column("address_key", existing_type=sa.String(320), nullable=False)
        batch.alter_column("address_hash", existing_type=sa.String(64), nullable=False)
        batch.drop_constraint("uq_subscribers_email", type_="unique")
        batch.create_unique_constraint("uq_subscribers_address_key", ["address_key"])
        batch.create_unique_constraint("uq_subscribers_address_hash", ["address_hash"])
    if conn.dialect.name == "sqlite":
        _never_reuse_merged_ids(conn)
    with op.batch_alter_table("suppressions") as batch:
        batch.alter_column("address_hash", existing_type=sa.String(64), nullable=False)
        batch.drop_constraint("uq_suppressions_email", type_="unique")
        batch.drop_column("email")
        batch.create_unique_constraint("uq_suppressions_address_hash", ["address_hash"])
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("subscriber_id", existing_type=BigId, nullable=True)


def downgrade() -> None:
    """Back to addresses in the suppression list; merges and erasures are not undone.

    A suppression whose reader is still here gets their address back; one whose reader
    was erased keeps its hash as `<hash>@erased.invalid`, which suppresses no one until
    the next upgrade reads it back. Refused while the ledger holds erased readers' rows,
    which the older schema cannot hold.
    """
    conn = op.get_bind()
    erased = conn.execute(
        sa.text("SELECT count(*) FROM deliveries WHERE subscriber_id IS NULL")
    ).scalar_one()
    if erased:
        raise RuntimeError(
            f"Cannot downgrade below 0010: {erased} ledger rows belong to erased readers."
        )
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("subscriber_id", existing_type=BigId, nullable=False)
    op.add_column("suppressions", sa.Column("email", sa.String(320)))
    known = (
        sa.select(subscribers.c.email)
        .where(subscribers.c.address_hash == suppressions.c.address_hash)
        .scalar_subquery()
    )
    placeholder = suppressions.c.address_hash + "@" + ERASED_DOMAIN
    conn.execute(suppressions.update().values(email=sa.func.coalesce(known, placeholder)))
    with op.batch_alter_table("suppressions") as batch:
        batch.alter_column("email", existing_type=sa.String(320), nullable=False)
        batch.drop_constraint("uq_suppressions_address_hash", type_="unique")
        batch.drop_column("address_hash")
        batch.create_unique_constraint("uq_suppressions_email", ["email"])
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_constraint("uq_subscribers_address_hash", type_="unique")
        batch.drop_constraint("uq_subscribers_address_key", type_="unique")
        batch.drop_column("address_hash")
        batch.drop_column("address_key")
        batch.create_unique_constraint("uq_subscribers_email", ["email"])
    op.drop_index("ix_subscriber_aliases_subscriber_id", table_name="subscriber_aliases")
    op.drop_table("subscriber_aliases")


def _never_reuse_merged_ids(conn: sa.Connection) -> None:
    """Start SQLite's id sequence past the merged-away ids too (they live on as aliases)."""
    highest = conn.execute(
        sa.text(
            "SELECT max(i) FROM (SELECT max(id) AS i FROM subscribers"
            " UNION ALL SELECT max(old_id) FROM subscriber_aliases)"
        )
    ).scalar()
    if highest is None:
        return
    conn.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'subscribers'"))
    conn.execute(
        sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('subscribers', :seq)"),
        {"seq": highest},
    )


def _digest() -> Callable[[str], str]:
    """HMAC-SHA256 of an address key under the suppression key (as IdentityHasher makes it)."""
    key = str(context.config.attributes.get("suppression_key") or "").encode()

    def digest(address_key: str) -> str:
        if not key:
            raise RuntimeError(
                "This upgrade needs BULLETIN_SUPPRESSION_KEY to hash the readers' "
                "addresses: run it with `bulletin db upgrade`, with the key set as every "
                "Bulletin process will have it."
            )
        return hmac.new(key, address_key.encode(), hashlib.sha256).hexdigest()

    return digest


def _hash_readers(conn: sa.Connection, digest: Callable[[str], str]) -> None:
    """Every reader's key hashed, in keyset batches (memory stays flat)."""
    after = 0
    while True:
        rows = conn.execute(
            sa.select(subscribers.c.id, subscribers.c.address_key)
            .where(subscribers.c.id > after)
            .order_by(subscribers.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            subscribers.update()
            .where(subscribers.c.id == sa.bindparam("b_id"))
            .values(address_hash=sa.bindparam("b_hash")),
            [{"b_id": row.id, "b_hash": digest(row.address_key)} for row in rows],
        )
        after = rows[-1].id


def _hash_suppressions(conn: sa.Connection, digest: Callable[[str], str]) -> None:
    """Each suppressed address replaced by its key's hash; spellings of one address, once.

    The oldest suppression of an address is kept (its reason and date are the first
    reason we had to stop mailing it).
    """
    rows = conn.execute(
        sa.select(suppressions.c.id, suppressions.c.email).order_by(
            suppressions.c.created_at, suppressions.c.id
        )
    ).all()
    kept: dict[str, int] = {}
    duplicates: list[int] = []
    for row in rows:
        erased = _ERASED.match(row.email)
        hashed = erased.group(1) if erased else digest(row.email.lower())
        if hashed in kept:
            duplicates.append(row.id)
        else:
            kept[hashed] = row.id
    for start in range(0, len(duplicates), BATCH):
        conn.execute(
            suppressions.delete().where(suppressions.c.id.in_(duplicates[start : start + BATCH]))
        )
    if kept:
        conn.execute(
            suppressions.update()
            .where(suppressions.c.id == sa.bindparam("b_id"))
            .values(address_hash=sa.bindparam("b_hash")),
            [{"b_id": row_id, "b_hash": hashed} for hashed, row_id in kept.items()],
        )
