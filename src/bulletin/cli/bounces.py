"""The `bulletin bounces` commands: process a mailbox file, listen over SMTP, poll IMAP."""

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
    from bulletin.services.readers import bounces, returns

    try:
        ctx = Context.from_settings(Settings.from_env())
        stdin = sys.stdin.buffer.read() if path == "-" else None
        summary = bounces.process_source(ctx, path, stdin=stdin)
    except BulletinError as exc:
        _fail(exc)
    for outcome in summary.outcomes:
        # The event the report is recorded as (bounce, soft_bounce, complaint, sender…).
        event = returns.KINDS.get(outcome.kind)
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "message": outcome.where,
                        "class": outcome.kind.value,
                        "kind": event.value if event else None,
                        "suppress": outcome.suppress,
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


@bounces_app.command("listen")
def listen(
    host: Annotated[str | None, typer.Option(help="Interface (BULLETIN_INBOUND_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (BULLETIN_INBOUND_PORT).")] = None,
) -> None:
    """Take returned mail and mailto unsubscribes over SMTP for our own addresses only
    (point the bounce domain's MX here). Runs until interrupted."""
    from bulletin import logs, server

    try:
        given = {"inbound_host": host, "inbound_port": port}
        settings = Settings.from_env().replace(**{k: v for k, v in given.items() if v})
        ctx = Context.from_settings(settings)
        logs.configure(fmt=settings.log_format)
        typer.echo(
            f"Taking returned mail for @{ctx.settings.mail_domain} on "
            f"{ctx.settings.inbound_host}:{ctx.settings.inbound_port}"
        )
        server.listen(ctx)
    except BulletinError as exc:
        _fail(exc)


@bounces_app.command("poll")
def poll(
    once: Annotated[
        bool, typer.Option("--once", help="Take what is waiting now, then stop.")
    ] = False,
) -> None:
    """Take returned mail and mailto unsubscribes from the mailbox BULLETIN_BOUNCE_IMAP_URL
    names, moving each to Bulletin/Processed once it is recorded. Without --once, runs until
    interrupted, with IDLE when the server offers it."""
    from bulletin import logs, server

    try:
        ctx = Context.from_settings(Settings.from_env())
        logs.configure(fmt=ctx.settings.log_format)
        if not once:
            typer.echo(f"Polling {server.mailbox_poller_for(ctx).address.display}")
            server.poll(ctx)
            return
        server.require_current_schema(ctx)
        poller = server.mailbox_poller_for(ctx)
        result = poller.poll_once()
    except BulletinError as exc:
        _fail(exc)
    aside = f" (moved to {result.aside})" if result.aside else ""
    typer.echo(
        f"{poller.address.display}: {result.taken} taken, {result.unreadable} unreadable{aside}"
    )
    if result.left:
        typer.secho(
            f"{result.left} could not be recorded just now; they stay in the mailbox for the "
            "next poll (see the log above).",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(1)
