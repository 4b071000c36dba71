"""The `bulletin subscribers` commands: every reader as CSV, one reader's data, erasure."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bulletin.cli.common import context as _context
from bulletin.cli.common import fail as _fail
from bulletin.domain.errors import BulletinError
from bulletin.services.readers import rights, transfer

subscribers_app = typer.Typer(help="Readers and their data rights.", no_args_is_help=True)
ACTOR = "cli"


def register(app: typer.Typer) -> None:
    app.add_typer(subscribers_app, name="subscribers")


@subscribers_app.command("export")
def export(
    address: Annotated[
        str | None,
        typer.Argument(help="One reader's address: everything we hold about them, as JSON."),
    ] = None,
) -> None:
    """Print one reader's data as JSON (lists, topics, consent, sends, returned mail),
    or with no address every reader as CSV. Audited."""
    ctx = _context()
    try:
        if address is None:
            for line in transfer.export_csv(ctx, actor=ACTOR):
                typer.echo(line, nl=False)
            return
        document = rights.export(ctx, rights.find(ctx, address), actor=ACTOR)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(json.dumps(document, indent=2, ensure_ascii=False))


@subscribers_app.command("erase")
def erase(
    address: Annotated[str, typer.Argument(help="The reader's address, in any letter case.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a reader's personal data for good; a suppression stays, as a keyed hash. Audited."""
    ctx = _context()
    try:
        subscriber_id = rights.find(ctx, address)
        if not yes:
            typer.confirm(
                f"Erase reader {subscriber_id} ({address}) and all their personal data? "
                "This cannot be undone",
                abort=True,
            )
        erased = rights.erase(ctx, subscriber_id, actor=ACTOR)
    except BulletinError as exc:
        _fail(exc)
    kept = "; their suppression is kept" if erased.suppressed else ""
    typer.echo(
        f"Erased reader {erased.subscriber_id}: {erased.ledger_rows} ledger rows no longer "
        f"name them ({erased.cancelled} queued, cancelled), {erased.events} events "
        f"anonymised{kept}."
    )
