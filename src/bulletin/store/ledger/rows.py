"""Ways of naming ledger rows in SQL that keep PostgreSQL's plans on the ledger's indexes."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    Update,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY

from bulletin.domain.models import DeliveryStatus
from bulletin.store.tables import deliveries


def status_is(status: DeliveryStatus) -> ColumnElement[bool]:
    """The status written into the SQL, for statements that must read a partial index.

    PostgreSQL can use a partial index (`WHERE status = 'sending'`) only if the query
    shows its predicate holds. A bound status does not show it to the plan of a prepared
    statement (psycopg prepares on the sixth run), which then read the whole ledger:
    the scheduler's sweeps, run every second, took 39 ms a round at 300,000 rows.
    """
    return deliveries.c.status == literal_column(f"'{status.value}'")


def one_of(conn: Connection, ids: Select[tuple[int]]) -> ColumnElement[bool]:
    """Ledger rows whose id `ids` selects, each found by its primary key.

    As `id IN (subquery)`, PostgreSQL may join the subquery's rows to the ledger by
    hashing and reading the whole ledger; a prepared statement's plan, made once while
    the ledger was small, then did so for every claim however large it grew. As
    `id = ANY (one array)` the ids can only be looked up.
    """
    if conn.dialect.name != "postgresql":
        return deliveries.c.id.in_(ids.scalar_subquery())
    listed = ids.subquery("chosen")
    # The cast makes it one array value, not `= ANY (subquery)`, which compares by row.
    array = cast(select(func.array_agg(listed.c.id)).scalar_subquery(), ARRAY(BigInteger))
    return deliveries.c.id == any_(array)


def by_id() -> Update:
    return update(deliveries).where(deliveries.c.id == bindparam("b_id"))
