"""The `bulletin` command: the app, `serve`, `worker` and `db`; each other group its own module."""

from __future__ import annotations

from typing import Annotated

import typer

from bulletin import logs, malloc_arena, server
from bulletin.cli import alerts as cli_alerts
from bulletin.cli import backup as cli_backup
from bulletin.cli import bench as cli_bench
from bulletin.cli import bounces as cli_bounces
from bulletin.cli import briefing as cli_briefing
from bulletin.cli import config as cli_config
from bulletin.cli import doctor as cli_doctor
from bulletin.cli import special as cli_special
from bulletin.cli import staff as cli_staff
from bulletin.cli import stories as cli_stories
from bulletin.cli import subscribers as cli_subscribers
from bulletin.cli.common import context as _context
from bulletin.cli.common import fail as _fail
from bulletin.domain.errors import BulletinError
from bulletin.services import schema

app = typer.Typer(help="Bulletin: breaking-news email for newsrooms.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the web app, the sending worker and (with no relay set) the mail catcher."""
    ctx = _context()
    logs.configure(fmt=ctx.settings.log_format)
    shown_host = f"[{host}]" if ":" in host else host
    typer.echo(f"Bulletin is serving at http://{shown_host}:{port}/  (editor desk: /desk)")
    if ctx.settings.uses_catcher:
        typer.echo(
            f"No relay set: mail goes to the built-in catcher on "
            f"{ctx.settings.catcher_host}:{ctx.settings.catcher_port} (see /desk/catcher)."
        )
    try:
        server.serve(ctx, host=host, port=port)
    except BulletinError as exc:
        _fail(exc)


@app.command()
def worker(
    feeds: Annotated[
        bool, typer.Option(help="Also poll registered feeds (`serve` always does).")
    ] = False,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve this worker's own /metrics on this port (another machine's)."),
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Interface for --metrics-port.")] = "127.0.0.1",
) -> None:
    """Run only the sending worker (for more sending capacity)."""
    malloc_arena.use_one_arena()  # before any thread allocates
    ctx = _context()
    logs.configure(fmt=ctx.settings.log_format)
    at = (metrics_host, metrics_port) if metrics_port else None
    try:
        server.work(ctx, poll_feeds=feeds, metrics_at=at)
    except BulletinError as exc:
        _fail(exc)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Bring the database schema up to date (creates it on first run)."""
    ctx = _context()
    typer.echo(f"Database is at revision {schema.upgrade(ctx, revision)}.")


cli_alerts.register(app)  # `bulletin alert` and `bulletin campaign`
cli_staff.register(app)  # `bulletin users` and `bulletin apikeys`
cli_stories.register(app)  # `bulletin ingest` and `bulletin feeds`
cli_subscribers.register(app)  # `bulletin subscribers export|erase`
cli_bounces.register(app)  # `bulletin bounces process`
cli_briefing.register(app)  # `bulletin briefing`
cli_special.register(app)  # `bulletin special`
cli_config.register(app)  # `bulletin config reference`
cli_doctor.register(app)  # `bulletin doctor`
cli_backup.register(app)  # `bulletin backup` and `bulletin restore`
cli_bench.register(app)  # `bulletin bench`
