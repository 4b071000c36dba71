"""The `bulletin config` commands (registered on the main app)."""

from __future__ import annotations

import typer

from bulletin import config_reference

config_app = typer.Typer(help="Settings and their reference.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")


@config_app.command("reference")
def reference() -> None:
    """Print docs/configuration.md: every BULLETIN_ variable, its format, default and meaning."""
    typer.echo(config_reference.render(), nl=False)
