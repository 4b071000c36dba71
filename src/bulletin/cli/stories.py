"""The `bulletin ingest` and `bulletin feeds` commands (registered on the main app)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bulletin.cli.common import context as _context
from bulletin.cli.common import fail as _fail
from bulletin.domain.errors import BulletinError
from bulletin.domain.stories import Format
from bulletin.services.context import Context

if TYPE_CHECKING:
    from bulletin.services.stories.ingest import ItemResult, Summary

# The ingest stack (trafilatura, feedparser, datasketch with numpy and scipy) costs
# about 80 MB; it is imported by the commands that use it, so a sending worker,
# which shares this command line, never loads it.
STDIN = "-"

feeds_app = typer.Typer(help="Feeds the worker polls for stories.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.add_typer(feeds_app, name="feeds")


def ingest(
    source: Annotated[
        str, typer.Argument(help="A file, a directory, - (stdin) or an http(s) URL.")
    ],
    format: Annotated[Format, typer.Option("--format", help="Parser to use.")] = Format.AUTO,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per story, then a summary.")
    ] = False,
) -> None:
    """Parse stories and store them: new ones added, changed ones updated, the rest skipped.

    Exits 1 when any item failed (each failure is reported, the others are stored).
    """
    from bulletin.services.stories import ingest as stories
    from bulletin.services.stories import views as story_views
    from bulletin.services.stories.ingest import Summary

    ctx = _context()
    stdin = sys.stdin.buffer.read() if source == STDIN else None
    summary = Summary()
    if as_json:
        for result in stories.ingest(ctx, source, fmt=format, stdin=stdin):
            summary.add(result)
            typer.echo(json.dumps(story_views.result_json(result), ensure_ascii=False))
        typer.echo(json.dumps(summary.as_dict()))
    else:
        _with_progress(ctx, source, fmt=format, stdin=stdin, summary=summary)
        _table(summary)
    if summary.counts["failed"]:
        raise typer.Exit(code=1)


def _with_progress(
    ctx: Context, source: str, *, fmt: Format, stdin: bytes | None, summary: Summary
) -> None:
    """A bar over the files of a directory; over the items of a single document."""
    from bulletin.services.stories import ingest as stories
    from bulletin.services.stories.sources import document_paths

    if Path(source).is_dir():
        files = len(document_paths(source))
        with typer.progressbar(length=files, label="Files", file=sys.stderr) as bar:
            tick = functools.partial(bar.update, 1)
            for result in _reporting(stories.ingest(ctx, source, fmt=fmt, on_document=tick)):
                summary.add(result)
        return
    results = stories.ingest(ctx, source, fmt=fmt, stdin=stdin)
    with typer.progressbar(results, label="Items", show_pos=True, file=sys.stderr) as items:
        for result in _reporting(items):
            summary.add(result)


def _reporting(results: Iterable[ItemResult]) -> Iterator[ItemResult]:
    for result in results:
        if result.failure is not None:
            typer.secho(f"\nFailed: {result.failure}", err=True, fg=typer.colors.RED)
        yield result


def _table(summary: Summary) -> None:
    typer.echo(f"{'outcome':<10} {'stories':>8}")
    for outcome, count in summary.counts.items():
        typer.echo(f"{outcome:<10} {count:>8}")


@feeds_app.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(help="The feed's http(s) address.")],
    format: Annotated[Format, typer.Option("--format", help="Parser to use.")] = Format.AUTO,
    interval: Annotated[int, typer.Option(help="Seconds between polls (at least 30).")] = 300,
    auto_send: Annotated[
        bool, typer.Option(help="Send flash/bulletin stories as alerts without an editor.")
    ] = False,
) -> None:
    """Register a feed; the worker polls it from its next round."""
    from bulletin.services.stories import feeds

    try:
        feed = feeds.register_feed(
            _context(), url, format=format, poll_interval_s=interval, auto_send=auto_send
        )
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"Feed {feed.id} registered: {feed.url} every {feed.poll_interval_s}s.")


@feeds_app.command("list")
def feeds_list() -> None:
    """The registered feeds and how their last poll went."""
    from bulletin.services.stories import feeds

    for feed in feeds.list_feeds(_context()):
        when = feed.next_poll_at.isoformat(timespec="seconds") if feed.next_poll_at else "-"
        typer.echo(
            f"{feed.id:>4}  {feed.url}  {feed.format}  every {feed.poll_interval_s}s  "
            f"last: {feed.last_status or 'never polled'}  failures: {feed.failures}  next: {when}"
        )


@feeds_app.command("poll")
def feeds_poll() -> None:
    """Poll every feed that is due now (the worker does this on its own)."""
    from bulletin.services.stories import feeds

    polled = feeds.poll_due_feeds(_context())
    typer.echo(f"Polled {polled} feed{'s' if polled != 1 else ''}.")
