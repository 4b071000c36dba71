"""The `bulletin` command."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from bulletin import cli_bounces, cli_briefing, cli_config, cli_special, cli_stories, logs, server
from bulletin.cli_common import context as _context
from bulletin.cli_common import fail as _fail
from bulletin.domain.errors import BulletinError
from bulletin.domain.models import AlertDraft, CampaignStatus, Role
from bulletin.services import alerts, api_keys, editors
from bulletin.services import campaigns as campaign_service
from bulletin.services.context import Context
from bulletin.store import migrate

app = typer.Typer(help="Bulletin: breaking-news email for newsrooms.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Newsroom staff accounts.", no_args_is_help=True)
alert_app = typer.Typer(help="Breaking news alerts.", no_args_is_help=True)
campaign_app = typer.Typer(help="Follow and steer sends.", no_args_is_help=True)
bench_app = typer.Typer(help="Measured figures (not tests).", no_args_is_help=True)
app.add_typer(bench_app, name="bench")
app.add_typer(db_app, name="db")
app.add_typer(campaign_app, name="campaign")
apikeys_app = typer.Typer(help="Keys for the REST API (/api/v1).", no_args_is_help=True)
app.add_typer(apikeys_app, name="apikeys")
app.add_typer(users_app, name="users")
app.add_typer(alert_app, name="alert")


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
def worker(
    feeds: Annotated[
        bool, typer.Option(help="Also poll registered feeds (`serve` always does).")
    ] = False,
) -> None:
    """Run only the sending worker (for more sending capacity)."""
    logs.configure()
    try:
        server.work(_context(), poll_feeds=feeds)
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


@apikeys_app.command("create")
def apikeys_create(
    role: Annotated[Role, typer.Option(help="admin, editor or viewer.")] = Role.EDITOR,
    name: Annotated[str, typer.Option(help="Who will use it, e.g. 'CMS'.")] = "command line",
) -> None:
    """Make an API key and print it once: it is stored only as a hash."""
    try:
        key, secret = api_keys.create_key(_context(), name=name, role=role, actor=None)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(
        f"Created {key.role.value} key {key.id} ({key.name}). Copy it now; it is not shown again:"
    )
    typer.echo(secret)


@apikeys_app.command("list")
def apikeys_list() -> None:
    """The API keys, with their roles and whether they are revoked (never the keys)."""
    for key in api_keys.list_keys(_context()):
        state = "revoked" if not key.active else "active"
        typer.echo(f"{key.id}\t{key.prefix}…\t{key.role.value}\t{state}\t{key.name}")


@apikeys_app.command("revoke")
def apikeys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id (see list).")]) -> None:
    """Stop a key working, at once."""
    try:
        api_keys.revoke_key(_context(), key_id, actor=None)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"Revoked key {key_id}.")


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
    if fired.recipients is None:
        typer.echo(
            f"Alert {fired.campaign_id} is sending; its readers could not be counted just now"
            f" (see `bulletin campaign status {fired.campaign_id}`). Do not send it again."
        )
    else:
        typer.echo(f"Alert {fired.campaign_id} queued for {fired.recipients} readers.")
    if wait:
        _follow(ctx, fired.campaign_id)


def _follow(ctx: Context, campaign_id: int) -> None:
    """A progress bar fed by the ledger, until nothing is left to send."""
    current = campaign_service.progress(ctx, campaign_id)
    with typer.progressbar(length=max(current.counts.total, 1), label="Sending") as bar:
        shown = 0
        while True:
            bar.length = max(current.counts.total, 1)
            bar.update(current.counts.done - shown)
            shown = current.counts.done
            if _settled(current):
                break
            time.sleep(0.5)
            current = campaign_service.progress(ctx, campaign_id)
    c = current.counts
    typer.echo(
        f"Sent {c.sent}, failed {c.failed}, expired {c.expired}, not sent {c.cancelled}"
        f" ({current.campaign.status.value})."
    )


def _settled(progress: campaign_service.Progress) -> bool:
    running = progress.campaign.status in (CampaignStatus.SENDING, CampaignStatus.DRAFT)
    return not running or (progress.campaign.fanout_done and progress.counts.open == 0)


@campaign_app.command("status")
def campaign_status(
    campaign_id: int,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    wait: Annotated[bool, typer.Option(help="Show progress until it is done.")] = False,
) -> None:
    """Counts, rate and ETA of one campaign."""
    ctx = _context()
    try:
        if wait:
            _follow(ctx, campaign_id)
        current = campaign_service.progress(ctx, campaign_id)
    except BulletinError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(current.as_json()))
        return
    for key, value in current.as_json().items():
        typer.echo(f"{key:>12}: {value}")


@campaign_app.command("pause")
def campaign_pause(campaign_id: int) -> None:
    """Stop claiming new messages; what is in flight finishes. Resume later."""
    _steer(campaign_service.pause, campaign_id, "Paused")


@campaign_app.command("resume")
def campaign_resume(campaign_id: int) -> None:
    """Carry on from where it paused: nothing is sent twice, nothing skipped."""
    _steer(campaign_service.resume, campaign_id, "Resumed")


@campaign_app.command("cancel")
def campaign_cancel(campaign_id: int) -> None:
    """Stop for good; the messages not yet sent are marked as never sent."""
    _steer(campaign_service.cancel, campaign_id, "Cancelled")


def _steer(action, campaign_id: int, done: str) -> None:  # type: ignore[no-untyped-def]
    try:
        action(_context(), campaign_id, actor=None)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"{done} campaign {campaign_id}.")


@bench_app.command("fanout")
def bench_fanout(
    subscribers: Annotated[int, typer.Option(help="Confirmed readers to create.")] = 100_000,
    workers: Annotated[int, typer.Option(help="`bulletin worker` processes.")] = 1,
    relay_processes: Annotated[int, typer.Option(help="SMTP sink processes.")] = 1,
    database: Annotated[str, typer.Option(help="sqlite or postgresql.")] = "sqlite",
    postgres_url: Annotated[
        str, typer.Option(envvar="BULLETIN_BENCH_POSTGRES_URL", help="Server for postgresql.")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    connections: Annotated[int, typer.Option(help="Connections per relay.")] = 16,
    raw: Annotated[bool, typer.Option(help="Also measure the raw limit.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """One alert to N readers through real workers and SMTP sinks; prints the figures."""
    from bulletin.benchmarks.fanout import Options, run

    if database not in ("sqlite", "postgresql"):
        _fail(ValueError("--database is sqlite or postgresql"))
    if database == "sqlite" and workers != 1:
        _fail(ValueError("SQLite has one writer: run one worker (use PostgreSQL for more)."))
    figures = run(
        Options(
            subscribers=subscribers,
            workers=workers,
            relay_processes=relay_processes,
            database=database,
            postgres_url=postgres_url,
            connections=connections,
            raw=raw,
        )
    )
    if as_json:
        typer.echo(json.dumps(figures))
        return
    for key, value in figures.items():
        typer.echo(f"{key:>28}: {value}")


@bench_app.command("briefing")
def bench_briefing(
    subscribers: Annotated[int, typer.Option(help="Morning-briefing readers.")] = 1_000_000,
    database: Annotated[str, typer.Option(help="sqlite or postgresql.")] = "sqlite",
    postgres_url: Annotated[
        str, typer.Option(envvar="BULLETIN_BENCH_POSTGRES_URL", help="Server for postgresql.")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
) -> None:
    """Schedule one briefing for N readers over 24 zones; prints the figures as JSON."""
    from bulletin.benchmarks.briefing import Options, run

    if database not in ("sqlite", "postgresql"):
        _fail(ValueError("--database is sqlite or postgresql"))
    figures = run(Options(subscribers=subscribers, database=database, postgres_url=postgres_url))
    typer.echo(json.dumps(figures))


@bench_app.command("ingest")
def bench_ingest(
    items: Annotated[int, typer.Option(min=1, help="Stories in the generated feed.")] = 10_000,
    database_url: Annotated[
        str | None, typer.Option(help="Database to ingest into (default: a fresh SQLite file).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Ingest a generated N-item RSS feed twice; prints stories/s and peak memory."""
    from bulletin.benchmarks.ingest import Options, run

    figures = run(Options(items=items, database_url=database_url))
    if as_json:
        typer.echo(json.dumps(figures))
        return
    for key, value in figures.items():
        typer.echo(f"{key:>30}: {value}")


@bench_app.command("special")
def bench_special(
    sections: Annotated[int, typer.Option(min=1, max=30, help="Sections in the report.")] = 12,
    readers: Annotated[int, typer.Option(min=1, help="Readers to fill the skeleton for.")] = 20_000,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Render a long special report once, then per reader; prints what each costs."""
    from bulletin.benchmarks.special import Options, run

    figures = run(Options(sections=sections, readers=readers))
    if as_json:
        typer.echo(json.dumps(figures))
        return
    for key, value in figures.items():
        typer.echo(f"{key:>24}: {value}")


cli_stories.register(app)  # `bulletin ingest` and `bulletin feeds`
cli_bounces.register(app)  # `bulletin bounces process`
cli_briefing.register(app)  # `bulletin briefing`
cli_special.register(app)  # `bulletin special`
cli_config.register(app)  # `bulletin config reference`

if __name__ == "__main__":  # pragma: no cover
    app()
