"""The `bulletin doctor` command: checks the sending setup and prints what to fix."""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Annotated

import typer

from bulletin.config import Settings
from bulletin.domain.errors import BulletinError

if TYPE_CHECKING:
    from bulletin.services.doctor.verdicts import Report, Verdict

# The checks (dnspython, the public suffix list) are imported when the command runs, so
# a sending worker, which shares this command line, never loads them.


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor_command)


def doctor_command(
    as_json: Annotated[bool, typer.Option("--json", help="The report as one JSON object.")] = False,
    public_address: Annotated[
        list[str] | None,
        typer.Option(
            "--public-address",
            help="The address the internet reaches this machine at (for the inbound "
            "listener's MX, and a relay on this machine); repeat for IPv4 and IPv6.",
        ),
    ] = None,
    nameserver: Annotated[
        list[str] | None,
        typer.Option(help="Ask this DNS server instead of the system's (repeatable)."),
    ] = None,
    dns_port: Annotated[int, typer.Option(help="The port of --nameserver.")] = 53,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each DNS answer.")] = 5.0,
) -> None:
    """Check SPF, DKIM, DMARC, the bounce MX, the base URL and the postal address as
    receivers will; each check passes, warns, fails or is skipped, with the fix. Exits
    with status 1 when any check fails."""
    from bulletin.services import doctor

    try:
        addresses = [ipaddress.ip_address(a) for a in public_address or []]
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--public-address") from exc
    try:
        settings = Settings.from_env()
    except BulletinError as exc:
        report = doctor.unusable_settings(exc)
    else:
        try:
            lookups = doctor.lookups_for(nameserver or (), port=dns_port, timeout=timeout)
        except BulletinError as exc:
            report = doctor.unusable_settings(exc)
        else:
            setup = doctor.setup_for(settings, lookups, public_addresses=addresses)
            report = doctor.examine(setup)
    if as_json:
        typer.echo(json.dumps(report.as_json(), indent=2))
    else:
        _print(report)
    if report.failed:
        raise typer.Exit(code=1)


def _print(report: Report) -> None:
    from bulletin.services.doctor.verdicts import Status

    for verdict in report.verdicts:
        _print_verdict(verdict)
    counts = ", ".join(f"{report.count(status)} {status.value}" for status in Status)
    typer.echo(f"\n{counts}")


def _print_verdict(verdict: Verdict) -> None:
    from bulletin.services.doctor.verdicts import Status

    colours = {
        Status.PASS: typer.colors.GREEN,
        Status.WARN: typer.colors.YELLOW,
        Status.FAIL: typer.colors.RED,
        Status.SKIPPED: typer.colors.BLUE,
    }
    label = typer.style(f"{verdict.status.value.upper():<7}", fg=colours[verdict.status])
    subject = f" ({verdict.subject})" if verdict.subject else ""
    typer.echo(f"{label} {verdict.check}{subject}: {verdict.reason}")
    if verdict.fix:
        typer.echo(f"        fix: {verdict.fix}")
