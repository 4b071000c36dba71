"""The `bulletin briefing` commands: preview, test-send, send, hold, release, no-briefing dates."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from bulletin.cli.common import context as _context
from bulletin.cli.common import fail as _fail
from bulletin.domain.errors import BulletinError
from bulletin.services.briefing import editions as briefing
from bulletin.services.briefing import proofs as briefing_test
from bulletin.services.context import Context

briefing_app = typer.Typer(help="The weekday-morning briefing.", no_args_is_help=True)
holidays_app = typer.Typer(help="Newsroom no-briefing dates.", no_args_is_help=True)
briefing_app.add_typer(holidays_app, name="holidays")

DateOption = Annotated[
    str | None,
    typer.Option("--date", help="The edition's date, YYYY-MM-DD (default: the next one)."),
]


def register(app: typer.Typer) -> None:
    app.add_typer(briefing_app, name="briefing")


def _date(ctx: Context, raw: str | None) -> date:
    if raw is None:
        return briefing.next_date(ctx)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        _fail(ValueError(f"--date must be a date like 2026-11-24, not {raw!r}."))


@briefing_app.command("preview")
def preview(
    day: DateOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Assemble the edition (without storing or sending it) and print it."""
    ctx = _context()
    try:
        shown = briefing.preview(ctx, _date(ctx, day))
    except BulletinError as exc:
        _fail(exc)
    data = shown.as_json()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    typer.echo(
        f"Morning Briefing for {data['date']} ({data['status']}, {data['segments']} segments)"
    )
    if data["first_send_at"]:
        typer.echo(f"Sends from {data['first_send_at']} until {data['last_expiry_at']} (UTC)")
    if data["skip_reason"]:
        typer.echo(f"Skipped: {data['skip_reason']}")
    typer.echo(f"\n{data['greeting']}\n")
    for n, item in enumerate(shown.edition.items, 1):
        typer.echo(f"{n}. {item.headline}\n   {item.summary}")
        typer.echo(f"   Read more in {(item.section or 'the story').upper()}: {item.url}\n")
    typer.echo(shown.edition.sign_off)


@briefing_app.command("send")
def send(day: DateOption = None) -> None:
    """Approve the edition now: every reader gets it at their own briefing time."""
    ctx = _context()
    try:
        edition = briefing.approve(ctx, _date(ctx, day), actor=None, write_now=True)
        shown = briefing.preview(ctx, edition.edition_date).as_json()
    except BulletinError as exc:
        _fail(exc)
    typer.echo(
        f"Briefing for {edition.edition_date} approved ({edition.status.value}): "
        f"{shown['readers']} readers, from {shown['first_send_at']} to {shown['last_expiry_at']}."
    )


@briefing_app.command("test-send")
def test_send(
    to: Annotated[list[str], typer.Option(help="Address to send the test to (repeatable).")],
    day: DateOption = None,
    segment: Annotated[
        int, typer.Option(help="The readers' topic segment (0: readers with no topics).")
    ] = 0,
) -> None:
    """Send the edition as a segment's readers get it, marked [TEST], to these addresses only."""
    ctx = _context()
    try:
        results = briefing_test.test_send(
            ctx, _date(ctx, day), segment=segment, recipients=to, actor=None
        )
    except BulletinError as exc:
        _fail(exc)
    for result in results:
        typer.echo(f"{result.recipient}: {'sent' if result.sent else 'NOT sent'} ({result.reply})")
    if not all(r.sent for r in results):
        raise typer.Exit(code=1)


@briefing_app.command("hold")
def hold(day: DateOption = None) -> None:
    """Keep the edition from going out at its deadline until it is sent by hand."""
    ctx = _context()
    try:
        edition = briefing.hold(ctx, _date(ctx, day), actor=None)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"Briefing for {edition.edition_date} is held.")


@briefing_app.command("release")
def release(day: DateOption = None) -> None:
    """Undo a hold: the edition goes out at its deadline again."""
    ctx = _context()
    try:
        edition = briefing.release(ctx, _date(ctx, day), actor=None)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"Briefing for {edition.edition_date} is a draft again.")


@holidays_app.command("list")
def holidays_list() -> None:
    """Every no-briefing date."""
    for day, note in briefing.holidays(_context()):
        typer.echo(f"{day}  {note}")


@holidays_app.command("add")
def holidays_add(
    day: Annotated[str, typer.Argument(help="YYYY-MM-DD")],
    note: Annotated[str, typer.Option(help="Why (shown to editors).")] = "no briefing",
) -> None:
    """No briefing on this date, in any reader's calendar."""
    ctx = _context()
    try:
        added = briefing.add_holiday(ctx, _date(ctx, day), note=note, actor=None)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"{day} is {'now' if added else 'already'} a no-briefing date.")


@holidays_app.command("remove")
def holidays_remove(day: Annotated[str, typer.Argument(help="YYYY-MM-DD")]) -> None:
    ctx = _context()
    try:
        removed = briefing.remove_holiday(ctx, _date(ctx, day), actor=None)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"{day} {'is no longer' if removed else 'was not'} a no-briefing date.")
