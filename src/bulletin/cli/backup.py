"""`bulletin backup PATH` and `bulletin restore PATH`: the embedded SQLite database, online."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bulletin.cli.common import context as _context
from bulletin.cli.common import fail as _fail
from bulletin.domain.errors import BulletinError
from bulletin.services import backup


def register(app: typer.Typer) -> None:
    app.command("backup")(back_up)
    app.command("restore")(restore)


def back_up(
    path: Annotated[Path, typer.Argument(help="A new file to write the copy to.")],
) -> None:
    """Copy the SQLite database while it runs (PostgreSQL: use pg_dump)."""
    try:
        copy = backup.back_up(_context(), path)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"Backed up to {copy.path} (revision {copy.revision}): {_holds(copy)}.")


def restore(
    path: Annotated[Path, typer.Argument(help="A file written by `bulletin backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the whole SQLite database by a backup. Stop `serve` and workers first."""
    ctx = _context()
    try:
        if not yes:
            typer.confirm(
                f"Replace everything in this installation's database by {path}? "
                "Stop `bulletin serve` and every worker first",
                abort=True,
            )
        copy = backup.restore(ctx, path)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"Restored {copy.path} (revision {copy.revision}): {_holds(copy)}.")
    if copy.needs_upgrade:
        typer.echo(f"This code needs revision {copy.current}: run `bulletin db upgrade`.")


def _holds(copy: backup.Copy) -> str:
    return ", ".join(f"{count:,} {name}" for name, count in copy.holds.items())
