"""A database trigger that refuses stories headlined POISON: a real refusal, on either engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from bulletin.store.db import Database

POISON = "POISON"

_SQLITE = f"""
CREATE TRIGGER refuse_poison BEFORE INSERT ON stories WHEN NEW.headline = '{POISON}'
BEGIN SELECT RAISE(ABORT, 'story refused by trigger'); END
"""
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION refuse_poison() RETURNS trigger AS $$
BEGIN
  IF NEW.headline = '{POISON}' THEN RAISE EXCEPTION 'story refused by trigger'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
"""
_PG_TRIGGER = (
    "CREATE TRIGGER refuse_poison BEFORE INSERT ON stories "
    "FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
)


@contextmanager
def poisoned(db: Database) -> Iterator[None]:
    """While inside, inserting a story headlined POISON fails in the database itself."""
    statements = [_SQLITE] if db.dialect == "sqlite" else [_PG_FUNCTION, _PG_TRIGGER]
    with _trigger(db, "refuse_poison", "stories", statements):
        yield


@contextmanager
def inserts_refused(db: Database, table: str) -> Iterator[None]:
    """While inside, the database itself refuses every row inserted into `table`."""
    name = f"refuse_{table}"
    if db.dialect == "sqlite":
        statements = [
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END"
        ]
    else:
        statements = [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'refused by trigger'; END $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    with _trigger(db, name, table, statements):
        yield


@contextmanager
def _trigger(db: Database, name: str, table: str, statements: list[str]) -> Iterator[None]:
    """The trigger that `statements` make, for as long as the block runs."""
    with db.transaction() as conn:
        for statement in statements:
            conn.execute(text(statement))
    try:
        yield
    finally:
        on = "" if db.dialect == "sqlite" else f" ON {table}"
        with db.transaction() as conn:
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}{on}"))
