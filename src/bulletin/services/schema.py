"""The database schema for the operator: bring it up to date, say where it stands."""

from __future__ import annotations

from bulletin.services.context import Context
from bulletin.store import migrate


def upgrade(ctx: Context, revision: str = "head") -> str:
    """Run the migrations up to `revision` (creating the schema on a new database)."""
    migrate.upgrade(ctx.db, revision, suppression_key=ctx.settings.suppression_key)
    return migrate.current_revision(ctx.db) or "none"
