"""Row ids as the web takes them: whole numbers that fit the database's 64-bit integers.

Without a bound, `/desk/stories/9223372036854775808` reaches the database driver, which
overflows (a server error). Every id, `after=`, `before=` and `story_id` a request
carries is one of these, so a number out of range is refused at the edge (404 for a
path, 422 for a query or form field) before it gets anywhere near SQL.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from bulletin.domain.errors import InvalidInput

MAX_ROW_ID = 2**63 - 1  # the largest BIGINT on PostgreSQL, the largest INTEGER on SQLite

RowId = Annotated[int, Field(ge=0, le=MAX_ROW_ID)]


def form_row_id(raw: str, *, what: str = "number") -> int | None:
    """A row id typed into a form field: None if blank, InvalidInput if not one."""
    raw = raw.strip()
    if not raw:
        return None
    # str.isdigit() also takes "²" and "٣", which int() then refuses: ASCII digits only.
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_ROW_ID:
        raise InvalidInput(f"{raw[:40]!r} is not a {what} Bulletin knows.")
    return int(raw)
