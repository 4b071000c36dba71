"""What every `bulletin` command module shares: the context from the environment, and
how a refusal is reported (in red on stderr, exit status 1)."""

from __future__ import annotations

from typing import NoReturn

import typer

from bulletin.config import Settings
from bulletin.domain.errors import BulletinError
from bulletin.services.context import Context


def context() -> Context:
    try:
        return Context.from_settings(Settings.from_env())
    except BulletinError as exc:
        fail(exc)


def fail(exc: BaseException) -> NoReturn:
    typer.secho(f"Error: {exc}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code=1)
