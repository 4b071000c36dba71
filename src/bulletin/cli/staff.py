"""The `bulletin users` and `bulletin apikeys` commands: desk accounts and REST API keys."""

from __future__ import annotations

from typing import Annotated

import typer

from bulletin.cli.common import context as _context
from bulletin.cli.common import fail as _fail
from bulletin.domain.errors import BulletinError
from bulletin.domain.models import Role

# Passwords (argon2, zxcvbn's 12 MB of word lists) and second factors (pyotp, segno) are
# imported by the commands that use them, so a sending worker, which shares this
# command line, never loads them.

users_app = typer.Typer(help="Newsroom staff accounts.", no_args_is_help=True)
apikeys_app = typer.Typer(help="Keys for the REST API (/api/v1).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(apikeys_app, name="apikeys")


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
    from bulletin.services.staff import accounts as editors

    try:
        editor = editors.create_editor(
            _context(), email=email, name=name, password=password, role=role
        )
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"Created {editor.role.value} {editor.email} (id {editor.id}).")


@users_app.command("totp-off")
def users_totp_off(
    email: Annotated[str, typer.Argument(help="The account's sign-in address.")],
) -> None:
    """Turn off an account's second factor (a lost phone, a changed secret key)."""
    from bulletin.services.staff import accounts as editors

    try:
        editors.turn_off_second_factor(_context(), email=email)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"The second factor of {email} is off; it signs in with its password alone.")


@apikeys_app.command("create")
def apikeys_create(
    role: Annotated[Role, typer.Option(help="admin, editor or viewer.")] = Role.EDITOR,
    name: Annotated[str, typer.Option(help="Who will use it, e.g. 'CMS'.")] = "command line",
) -> None:
    """Make an API key and print it once: it is stored only as a hash."""
    from bulletin.services.staff import api_keys

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
    from bulletin.services.staff import api_keys

    for key in api_keys.list_keys(_context()):
        state = "revoked" if not key.active else "active"
        typer.echo(f"{key.id}\t{key.prefix}…\t{key.role.value}\t{state}\t{key.name}")


@apikeys_app.command("revoke")
def apikeys_revoke(key_id: Annotated[int, typer.Argument(help="The key's id (see list).")]) -> None:
    """Stop a key working, at once."""
    from bulletin.services.staff import api_keys

    try:
        api_keys.revoke_key(_context(), key_id, actor=None)
    except BulletinError as exc:
        _fail(exc)
    typer.echo(f"Revoked key {key_id}.")
