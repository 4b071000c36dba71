"""The `bulletin special` commands: schedule, list, preview, test-send and cancel reports."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import ModuleType
from typing import Annotated, TypedDict

import typer

from bulletin.cli.common import context as _context
from bulletin.cli.common import fail as _fail
from bulletin.domain.errors import BulletinError
from bulletin.domain.reports import Picture, ReportContent, Section

special_app = typer.Typer(
    help="Special reports: long-form emails to the Special Reports list.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(special_app, name="special")


# Rich text (lxml, nh3) is loaded by the commands that use it, so a sending worker,
# which shares this command line, never loads it.
def _scheduling() -> ModuleType:
    from bulletin.services.special_reports import scheduling

    return scheduling


def _preview() -> ModuleType:
    from bulletin.services.special_reports import preview

    return preview


@special_app.command("schedule")
def schedule(
    at: Annotated[str, typer.Option(help="'YYYY-MM-DD HH:MM' in the newsroom's time zone.")],
    headline: Annotated[str | None, typer.Option(help="Headline (else the story's).")] = None,
    subject: Annotated[str | None, typer.Option(help="Subject line (else the headline).")] = None,
    dek: Annotated[str | None, typer.Option(help="Standfirst under the headline.")] = None,
    story: Annotated[int | None, typer.Option(help="Start from this stored story's id.")] = None,
    body_file: Annotated[
        Path | None, typer.Option(help="HTML body; each <h2> starts a section.", exists=True)
    ] = None,
    hero_url: Annotated[str | None, typer.Option(help="Hero image address.")] = None,
    hero_caption: Annotated[str, typer.Option(help="Hero image caption.")] = "",
    hero_credit: Annotated[str, typer.Option(help="Hero image credit.")] = "",
    cta_url: Annotated[str | None, typer.Option(help="Button link (else the story's).")] = None,
    cta_label: Annotated[str, typer.Option(help="Button label.")] = "",
) -> None:
    """Write a special report and schedule it, in one go."""
    ctx = _context()
    try:
        content = _scheduling().from_story(ctx, story) if story else ReportContent(headline="")
        content = _overridden(content, headline, subject, dek, body_file, cta_url, cta_label)
        if hero_url is not None:
            content = dataclasses.replace(
                content, hero=Picture(hero_url, hero_caption, hero_credit)
            )
        report = _scheduling().create(ctx, content, actor=None, at=at)
        view = _scheduling().get(ctx, report.id)
    except (BulletinError, OSError, UnicodeDecodeError) as exc:
        _fail(exc)
    typer.echo(f"Special report {report.id} scheduled for {view.scheduled_local}.")


class _Overrides(TypedDict, total=False):
    """The parts of a report the command line may replace."""

    headline: str
    subject: str
    dek: str
    cta_url: str
    cta_label: str
    sections: tuple[Section, ...]


def _overridden(
    content: ReportContent,
    headline: str | None,
    subject: str | None,
    dek: str | None,
    body_file: Path | None,
    cta_url: str | None,
    cta_label: str,
) -> ReportContent:
    changes: _Overrides = {}
    if headline is not None:
        changes["headline"] = headline
    if subject is not None:
        changes["subject"] = subject
    if dek is not None:
        changes["dek"] = dek
    if cta_url is not None:
        changes["cta_url"] = cta_url
    if body_file is not None:
        changes["sections"] = _scheduling().sections_from_html(body_file.read_text("utf-8"))
    if cta_label:
        changes["cta_label"] = cta_label
    return dataclasses.replace(content, **changes)


@special_app.command("list")
def list_reports(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per report.")] = False,
) -> None:
    """The latest special reports, newest first, with status and send time."""
    for view in _scheduling().recent(_context()):
        report = view.report
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "id": report.id,
                        "headline": report.content.headline,
                        "status": view.status,
                        "scheduled_at": report.scheduled_at.isoformat()
                        if report.scheduled_at
                        else None,
                        "newsroom_time": view.scheduled_local,
                        "campaign_id": report.campaign_id,
                    }
                )
            )
        else:
            when = view.scheduled_local or "not scheduled"
            typer.echo(f"{report.id}\t{view.status}\t{when}\t{report.content.headline}")


@special_app.command("preview")
def preview(
    report_id: int,
    html: Annotated[
        bool, typer.Option("--html", help="Print the HTML instead of the text.")
    ] = False,
) -> None:
    """The report as readers will get it: its headers, then the plain text (or the HTML)."""
    try:
        shown = _preview().preview(_context(), report_id)
    except BulletinError as exc:
        _fail(exc)
    for name, value in shown.headers:
        if name in ("Subject", "From", "List-Id", "List-Unsubscribe-Post"):
            typer.echo(f"{name}: {value}")
    typer.echo("")
    typer.echo(shown.html if html else shown.text)


@special_app.command("test-send")
def test_send(
    report_id: int,
    to: Annotated[list[str], typer.Option(help="Address to send the test to (repeatable).")],
) -> None:
    """Send the report, marked [Test], to these addresses only (never to readers)."""
    try:
        results = _preview().test_send(_context(), report_id, to, actor=None)
    except BulletinError as exc:
        _fail(exc)
    for result in results:
        typer.echo(f"{result.recipient}: {'sent' if result.sent else 'NOT sent'} ({result.reply})")
    if not all(r.sent for r in results):
        raise typer.Exit(code=1)


@special_app.command("cancel")
def cancel(report_id: int) -> None:
    """Cancel a report that has not started sending."""
    try:
        _scheduling().cancel(_context(), report_id, actor=None)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"Cancelled special report {report_id}.")
