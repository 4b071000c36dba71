"""Running one statement for many rows straight on the driver, for the ledger's hot path.

SQLAlchemy's executemany processes every bound value of every row in Python; for the
ledger's outcome updates that costs three times the query itself (13.7 µs against
3.7 µs a row on SQLite). Here the statement is compiled once for the dialect, values
that need conversion are converted once by their column type, and the rows go to the
driver as they are. Rows may only carry values the driver takes as is (ints, strings,
None) or values converted with `db_value`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import Column, Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement


def db_value(conn: Connection, column: Column[Any], value: Any) -> Any:
    """`value` as the driver must receive it for this column (e.g. SQLite timestamps)."""
    processor = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return processor(value) if processor else value


class Prepared:
    """A statement compiled once per dialect, for the ones the engine runs all the time.

    `compile()` builds the SQL afresh on every call: for an outcome flush every 50 ms
    that cost about as much as writing the rows.
    """

    def __init__(self, build: Callable[[], ClauseElement]) -> None:
        self._build = build
        self._compiled: dict[tuple[str, str], SQLCompiler] = {}

    def compiled(self, dialect: Dialect) -> SQLCompiler:
        key = (dialect.name, dialect.paramstyle)
        found = self._compiled.get(key)
        if found is None:
            found = cast(SQLCompiler, self._build().compile(dialect=dialect))
            self._compiled[key] = found
        return found


def _compiled(conn: Connection, statement: ClauseElement | Prepared) -> SQLCompiler:
    if isinstance(statement, Prepared):
        return statement.compiled(conn.dialect)
    return cast(SQLCompiler, statement.compile(dialect=conn.dialect))


def execute_many(
    conn: Connection, statement: ClauseElement | Prepared, rows: Sequence[dict[str, Any]]
) -> None:
    if not rows:
        return
    compiled = _compiled(conn, statement)
    fixed = compiled.construct_params(rows[0]) or {}
    if compiled.positional:
        names = compiled.positiontup or []
        params: list[Any] = [tuple(row.get(n, fixed.get(n)) for n in names) for row in rows]
    else:
        params = [{**fixed, **row} for row in rows]
    conn.exec_driver_sql(compiled.string, params)


def execute_rows(
    conn: Connection, statement: ClauseElement | Prepared, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """A SELECT's rows as plain tuples, with no per-row result processing."""
    compiled = _compiled(conn, statement)
    values = compiled.construct_params(params) or {}
    if compiled.positional:
        bound: Any = tuple(values[n] for n in compiled.positiontup or [])
    else:
        bound = values
    return [tuple(row) for row in conn.exec_driver_sql(compiled.string, bound)]
