"""The `bulletin alert` and `bulletin campaign` commands: fire an alert, follow and steer sends."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Annotated

import typer

from bulletin.cli.common import context as _context
from bulletin.cli.common import fail as _fail
from bulletin.domain.errors import BulletinError
from bulletin.domain.models import AlertDraft, CampaignStatus
from bulletin.services.alerts import sending as alerts
from bulletin.services.campaigns import steering as campaign_service
from bulletin.services.context import Context

alert_app = typer.Typer(help="Breaking news alerts.", no_args_is_help=True)
campaign_app = typer.Typer(help="Follow and steer sends.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(alert_app, name="alert")
    app.add_typer(campaign_app, name="campaign")


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
        readers = "reader" if fired.recipients == 1 else "readers"
        typer.echo(f"Alert {fired.campaign_id} queued for {fired.recipients} {readers}.")
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


def _steer(action: Callable[..., object], campaign_id: int, done: str) -> None:
    try:
        action(_context(), campaign_id, actor=None)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"{done} campaign {campaign_id}.")
