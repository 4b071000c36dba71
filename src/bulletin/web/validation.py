"""Requests FastAPI could not bind (a path id out of range, a query that is not a number),
said in words: a page on the desk, `{"detail": "..."}` in the API like every other error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError

MAX_PROBLEMS = 5  # a fuzzer's body can hold hundreds; the first few say enough


def describe(exc: RequestValidationError) -> str:
    """One sentence per problem, naming the field: `query after: ...; body url: ...`."""
    problems = [_one(error) for error in exc.errors()[:MAX_PROBLEMS]]
    return "; ".join(problems) or "The request could not be read."


def in_path(exc: RequestValidationError) -> bool:
    """True if a path parameter was refused: then there is no such page (404)."""
    return any(_location(e.get("loc", ()))[:1] == ["path"] for e in exc.errors())


def _one(error: dict[str, Any]) -> str:
    where = " ".join(_location(error.get("loc", ())))
    message = str(error.get("msg", "is not valid"))
    return f"{where}: {message}" if where else message


def _location(loc: Sequence[object]) -> list[str]:
    return [str(part) for part in loc]
