"""Running one statement for many rows straight on the driver, for the ledger's hot path.

SQLAlchemy's executemany processes every bound value of every row in Python; for the
ledger's outcome updates that costs three times the query itself (13.7 µs against
3.7 µs a row on SQLite). Here the statement is compiled once for the dialect, values
that need conversion are converted once by their column type, and the rows go to the
driver as they are. Rows may only carry values the driver takes as is (ints, strings,
None) or values converted with `db_value`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Column, Connection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement


def db_value(conn: Connection, column: Column[Any], value: Any) -> Any:
    """`value` as the driver must receive it for this column (e.g. SQLite timestamps)."""
    processor = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return processor(value) if processor else value


def execute_many(
    conn: Connection, statement: ClauseElement, rows: Sequence[dict[str, Any]]
) -> None:
    if not rows:
        return
    compiled = cast(SQLCompiler, statement.compile(dialect=conn.dialect))
    fixed = compiled.construct_params(rows[0]) or {}
    if compiled.positional:
        names = compiled.positiontup or []
        params: list[Any] = [tuple(row.get(n, fixed.get(n)) for n in names) for row in rows]
    else:
        params = [{**fixed, **row} for row in rows]
    conn.exec_driver_sql(compiled.string, params)


def execute_rows(
    conn: Connection, statement: ClauseElement, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """A SELECT's rows as plain tuples, with no per-row result processing."""
    compiled = cast(SQLCompiler, statement.compile(dialect=conn.dialect))
    values = compiled.construct_params(params) or {}
    if compiled.positional:
        bound: Any = tuple(values[n] for n in compiled.positiontup or [])
    else:
        bound = values
    return [tuple(row) for row in conn.exec_driver_sql(compiled.string, bound)]
