"""The desk's settings table: values by name, forgotten with None, under a revision."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete

from bulletin.store import desk_settings as store
from bulletin.store.db import Database
from bulletin.store.tables import desk_settings_revision

NOW = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)


def test_a_fresh_database_is_at_revision_zero_with_nothing_set(database_url: str) -> None:
    with Database(database_url).reading() as conn:
        assert store.revision(conn) == 0
        assert store.stored(conn) == {}


def test_each_write_raises_the_revision_and_keeps_who_and_when(database_url: str) -> None:
    db = Database(database_url)
    with db.transaction() as conn:
        first = store.write(conn, {"footer_text": "Hello."}, actor="a@x.org", now=NOW)
    with db.transaction() as conn:
        second = store.write(conn, {"newsroom_name": "Gazette"}, actor="b@x.org", now=NOW)
    with db.reading() as conn:
        found = store.stored(conn)
        assert (first, second, store.revision(conn)) == (1, 2, 2)
    assert found["footer_text"] == store.Stored("Hello.", False, "a@x.org", NOW)
    assert found["newsroom_name"].changed_by == "b@x.org"


def test_none_forgets_a_value_and_secret_values_are_marked(database_url: str) -> None:
    db = Database(database_url)
    with db.transaction() as conn:
        store.write(
            conn,
            {"footer_text": "Hello.", "relays": "ciphertext"},
            secret=frozenset({"relays"}),
            actor="a@x.org",
            now=NOW,
        )
        store.write(conn, {"footer_text": None}, actor="a@x.org", now=NOW)
    with db.reading() as conn:
        found = store.stored(conn)
    assert list(found) == ["relays"]
    assert found["relays"].secret is True


def test_a_missing_revision_row_is_made_by_the_first_write(database_url: str) -> None:
    db = Database(database_url)
    with db.transaction() as conn:
        conn.execute(delete(desk_settings_revision))
        assert store.write(conn, {"footer_text": "Hi."}, actor="a@x.org", now=NOW) == 1
        assert store.write(conn, {"footer_text": "Ho."}, actor="a@x.org", now=NOW) == 2
