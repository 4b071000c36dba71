"""The `bulletin bench` commands: measured figures, printed as JSON (never tests)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bulletin.cli.common import fail as _fail

bench_app = typer.Typer(help="Measured figures (not tests).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")


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
    relay_kind: Annotated[
        str,
        typer.Option(help="smtp, or a provider API on loopback: ses, sendgrid, mailgun, postmark."),
    ] = "smtp",
    dkim: Annotated[
        bool,
        typer.Option(
            help="Send again with DKIM signing on; compare with a bare RSA-2048 signature."
        ),
    ] = False,
    with_metrics: Annotated[
        bool, typer.Option("--metrics/--no-metrics", help="Workers count Prometheus metrics.")
    ] = True,
    sink: Annotated[
        str,
        typer.Option(
            help="aiosmtpd (counts by Message-ID) or smtp-sink (Postfix's: `make postfix`)."
        ),
    ] = "aiosmtpd",
    kill_after: Annotated[
        int | None,
        typer.Option(help="SIGKILL a worker after this many messages, start another, time it."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """One alert to N readers through real workers and SMTP sinks (or a provider's API on
    loopback); prints the figures."""
    from bulletin.benchmarks import postfix
    from bulletin.benchmarks.fanout import Options, run

    if database not in ("sqlite", "postgresql"):
        _fail(ValueError("--database is sqlite or postgresql"))
    if relay_kind not in ("smtp", "ses", "sendgrid", "mailgun", "postmark"):
        _fail(ValueError("--relay-kind is smtp, ses, sendgrid, mailgun or postmark"))
    if database == "sqlite" and workers != 1:
        _fail(ValueError("SQLite has one writer: run one worker (use PostgreSQL for more)."))
    if sink not in ("aiosmtpd", "smtp-sink") or (sink == "smtp-sink" and relay_kind != "smtp"):
        _fail(ValueError("--sink is aiosmtpd or smtp-sink (an SMTP relay)"))
    if sink == "smtp-sink" and not postfix.available():
        _fail(ValueError(f"{postfix.SMTP_SINK} is missing: `make postfix` installs it."))
    if kill_after is not None and not 0 < kill_after < subscribers:
        _fail(ValueError("--kill-after is a number of messages between 0 and --subscribers"))
    figures = run(
        Options(
            subscribers=subscribers,
            workers=workers,
            relay_processes=relay_processes,
            database=database,
            postgres_url=postgres_url,
            connections=connections,
            raw=raw,
            relay_kind=relay_kind,
            dkim=dkim,
            metrics=with_metrics,
            sink=sink,
            kill_after=kill_after,
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


@bench_app.command("sign-in")
def bench_sign_in(
    attempts: Annotated[int, typer.Option(min=1, help="Wrong passwords in the burst.")] = 50,
) -> None:
    """A burst of wrong passwords at one desk account: when it locks, and that the right
    password then waits for the lock."""
    from bulletin.benchmarks.sign_in import Options, run

    typer.echo(json.dumps(run(Options(attempts=attempts))))


@bench_app.command("signups")
def bench_signups(
    requests: Annotated[int, typer.Option(min=100, help="Sign-up requests in all.")] = 2000,
    concurrency: Annotated[int, typer.Option(min=3, help="Requests in flight.")] = 8,
    legitimate: Annotated[
        int, typer.Option(min=1, help="Of them, readers at a person's pace.")
    ] = 40,
    person_pause: Annotated[
        float, typer.Option(min=0, help="Seconds a legitimate reader takes over the form.")
    ] = 1.5,
    min_fill_seconds: Annotated[
        int, typer.Option(min=0, help="The serve's BULLETIN_SIGNUP_MIN_FILL_SECONDS.")
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """A sign-up flood against a real serve: answers by limit, latency, and legitimate
    readers stored and confirmed; prints the figures."""
    from bulletin.benchmarks.signups import Options, run

    figures = run(
        Options(
            requests=requests,
            concurrency=concurrency,
            legitimate=legitimate,
            person_pause_s=person_pause,
            min_fill_s=min_fill_seconds,
        )
    )
    typer.echo(json.dumps(figures, indent=None if as_json else 2))


@bench_app.command("busy-signups")
def bench_busy_signups(
    subscribers: Annotated[int, typer.Option(min=10, help="Readers the alerts go to.")] = 100_000,
    database: Annotated[str, typer.Option(help="sqlite or postgresql.")] = "sqlite",
    postgres_url: Annotated[
        str, typer.Option(envvar="BULLETIN_BENCH_POSTGRES_URL", help="Server for postgresql.")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    concurrency: Annotated[int, typer.Option(min=3, help="Web requests in flight.")] = 8,
    quiet_operations: Annotated[
        int, typer.Option(min=3, help="Operations of the web mix alone, before any alert.")
    ] = 300,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Sign-ups, confirmations and one-click unsubscribes while an alert sends: their
    p50/p99 and errors, and the send's rate beside its rate with no web load."""
    from bulletin.benchmarks.busy_signups import Options, run

    figures = run(
        Options(
            subscribers=subscribers,
            database=database,
            postgres_url=postgres_url,
            concurrency=concurrency,
            quiet_operations=quiet_operations,
        )
    )
    typer.echo(json.dumps(figures, indent=None if as_json else 2))


@bench_app.command("returns")
def bench_returns(
    reports: Annotated[
        int, typer.Option(min=2, help="Returns in the burst (half SMTP, half webhook).")
    ] = 10_000,
    database: Annotated[str, typer.Option(help="sqlite or postgresql.")] = "sqlite",
    postgres_url: Annotated[
        str, typer.Option(envvar="BULLETIN_BENCH_POSTGRES_URL", help="Server for postgresql.")
    ] = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    connections: Annotated[
        int, typer.Option(min=1, help="SMTP connections and requests in flight.")
    ] = 8,
    layout: Annotated[
        str,
        typer.Option(
            help="embedded (the listener inside `serve`) or production (its own process)."
        ),
    ] = "embedded",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """A burst of returned mail through the inbound listener and a provider webhook while
    the public form takes sign-ups; reports/s, and the burst again to show none counts twice."""
    from bulletin.benchmarks.returns import Options, run

    if database not in ("sqlite", "postgresql"):
        _fail(ValueError("--database is sqlite or postgresql"))
    if layout not in ("embedded", "production"):
        _fail(ValueError("--layout is embedded or production"))
    options = Options(reports, database, postgres_url, connections, layout)
    figures = run(options)
    if as_json:
        typer.echo(json.dumps(figures))
        return
    for key, value in figures.items():
        typer.echo(f"{key:>24}: {value}")


@bench_app.command("clicks")
def bench_clicks(
    readers: Annotated[int, typer.Option(min=10, help="Readers the alert goes to.")] = 2000,
    requests: Annotated[int, typer.Option(min=100, help="Requests to /r/… in all.")] = 20_000,
    concurrency: Annotated[int, typer.Option(min=1, help="Keep-alive connections.")] = 32,
    scanner_share: Annotated[
        float, typer.Option(min=0, max=0.5, help="Share of requests from a link scanner.")
    ] = 0.1,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """A bounded loopback load test of /r/… against a real serve: requests/s, latency,
    and every accepted click counted; prints the figures."""
    from bulletin.benchmarks.clicks import Options, run

    figures = run(
        Options(
            readers=readers,
            requests=requests,
            concurrency=concurrency,
            scanner_share=scanner_share,
        )
    )
    typer.echo(json.dumps(figures, indent=None if as_json else 2))
