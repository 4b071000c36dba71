"""The `bulletin` command."""

from __future__ import annotations

import time
from typing import Annotated, NoReturn

import typer

from bulletin import cli_stories, logs, server
from bulletin.config import Settings
from bulletin.domain.errors import BulletinError
from bulletin.domain.models import AlertDraft, Role
from bulletin.services import alerts, editors
from bulletin.services.context import Context
from bulletin.store import migrate

app = typer.Typer(help="Bulletin: breaking-news email for newsrooms.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Newsroom staff accounts.", no_args_is_help=True)
alert_app = typer.Typer(help="Breaking news alerts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(alert_app, name="alert")


def _context() -> Context:
    try:
        return Context.from_settings(Settings.from_env())
    except BulletinError as exc:
        _fail(exc)


def _fail(exc: BaseException) -> NoReturn:
    typer.secho(f"Error: {exc}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code=1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the web app, the sending worker and (with no relay set) the mail catcher."""
    logs.configure()
    ctx = _context()
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
def worker() -> None:
    """Run only the sending worker (for more sending capacity)."""
    logs.configure()
    try:
        server.work(_context())
    except BulletinError as exc:
        _fail(exc)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Bring the database schema up to date (creates it on first run)."""
    ctx = _context()
    migrate.upgrade(ctx.db, revision)
    typer.echo(f"Database is at revision {migrate.current_revision(ctx.db)}.")


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(prompt=True, help="Sign-in address.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    role: Annotated[Role, typer.Option(help="admin, editor or viewer.")] = Role.EDITOR,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="BULLETIN_NEW_USER_PASSWORD",
            help="Asked for if not given.",
        ),
    ] = "",
) -> None:
    """Create a desk account."""
    try:
        editor = editors.create_editor(
            _context(), email=email, name=name, password=password, role=role
        )
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"Created {editor.role.value} {editor.email} (id {editor.id}).")


@alert_app.command("send")
def alert_send(
    headline: Annotated[str, typer.Option(help="The alert's headline (also its subject).")],
    summary: Annotated[str, typer.Option(help="One or two sentences.")],
    url: Annotated[str, typer.Option(help="Link to the full story.")],
    subject: Annotated[str | None, typer.Option(help="Subject line, if not the headline.")] = None,
    wait: Annotated[bool, typer.Option(help="Show progress until every message is out.")] = False,
) -> None:
    """Fire a breaking alert to every confirmed reader of `breaking`."""
    ctx = _context()
    try:
        fired = alerts.fire_alert(
            ctx,
            AlertDraft(headline=headline, summary=summary, url=url, subject=subject),
            actor=None,
        )
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"Alert {fired.campaign_id} queued for {fired.recipients} readers.")
    if wait:
        _follow(ctx, fired.campaign_id, fired.recipients)


def _follow(ctx: Context, campaign_id: int, total: int) -> None:
    """A progress bar fed by the ledger, until nothing is left queued."""
    with typer.progressbar(length=total, label="Sending") as bar:
        done = 0
        while True:
            counts = alerts.campaign_counts(ctx, campaign_id)
            finished = counts.total - counts.queued
            bar.update(finished - done)
            done = finished
            if counts.queued == 0:
                break
            time.sleep(0.5)
    typer.echo(f"Sent {counts.sent}, failed {counts.failed}, not sent {counts.cancelled}.")


cli_stories.register(app)  # `bulletin ingest` and `bulletin feeds`

if __name__ == "__main__":  # pragma: no cover
    app()
