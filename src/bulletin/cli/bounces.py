"""The `bulletin bounces process` command (registered on the main app)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from bulletin.cli.common import fail as _fail
from bulletin.config import Settings
from bulletin.domain.errors import BulletinError
from bulletin.services.context import Context

bounces_app = typer.Typer(help="Returned mail: bounces and complaints.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(bounces_app, name="bounces")


@bounces_app.command("process")
def process(
    path: Annotated[
        str, typer.Argument(help="A Maildir, an mbox file, one message file, or - (stdin).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per message.")] = False,
) -> None:
    """Read returned mail: an address that is gone, a complaint or an opt-out suppresses
    the reader; each report we signed is counted against the campaign it is about, and
    one that names an address but nothing we signed changes nothing. Processing the
    same mail twice counts once."""
    from bulletin.services.readers import bounces

    try:
        ctx = Context.from_settings(Settings.from_env())
        stdin = sys.stdin.buffer.read() if path == "-" else None
        summary = bounces.process_source(ctx, path, stdin=stdin)
    except BulletinError as exc:
        _fail(exc)
    for outcome in summary.outcomes:
        # The event the report is recorded as (bounce, soft_bounce, complaint, sender…).
        event = bounces.EVENTS.get(outcome.kind)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "message": outcome.where,
                        "class": outcome.kind.value,
                        "kind": event.value if event else None,
                        "email": outcome.email,
                        "campaign_id": outcome.campaign_id,
                        "action": outcome.action,
                    }
                )
            )
        else:
            where = f" (campaign {outcome.campaign_id})" if outcome.campaign_id else ""
            who = outcome.email or "no address found"
            typer.echo(f"{outcome.where}: {outcome.kind.value}, {who}{where}: {outcome.action}")
    counts = {a: summary.count(a) for a in ("recorded", "duplicate", "unmatched", "ignored")}
    if as_json:
        typer.echo(json.dumps({"summary": counts}))
    else:
        typer.echo(", ".join(f"{n} {name}" for name, n in counts.items()))
