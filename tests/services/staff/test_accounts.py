"""Desk accounts and reader identity: a staff address is one account in any letter case."""

from __future__ import annotations

import pytest

from bulletin.domain.errors import AuthenticationFailed, InvalidInput
from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.staff import accounts
from bulletin.store import editors as editor_store

PASSWORD = "a-long-password-1"


def test_staff_sign_in_with_their_address_in_any_letter_case(ctx: Context) -> None:
    made = accounts.create_editor(
        ctx, email="Chief.Editor@News.example.com", name="Chief", password=PASSWORD, role=Role.ADMIN
    )
    signed_in = accounts.authenticate(ctx, email="chief.editor@news.EXAMPLE.com", password=PASSWORD)
    assert signed_in.id == made.id and signed_in.email == "Chief.Editor@news.example.com"


def test_a_second_account_for_another_spelling_of_an_address_is_refused(ctx: Context) -> None:
    accounts.create_editor(
        ctx, email="Chief.Editor@news.example.com", name="", password=PASSWORD, role=Role.EDITOR
    )
    with pytest.raises(InvalidInput, match=r"already an account for chief\.editor@"):
        accounts.create_editor(
            ctx, email="chief.editor@news.example.com", name="", password=PASSWORD, role=Role.EDITOR
        )


def test_of_two_older_accounts_differing_only_in_case_only_the_exact_spelling_signs_in(
    ctx: Context,
) -> None:
    for email in ("Ann@news.example.com", "ann@news.example.com"):  # made before keys
        with ctx.db.transaction() as conn:
            editor_store.insert(
                conn,
                email=email,
                name="Ann",
                password_hash=accounts.hash_password(PASSWORD),
                role=Role.EDITOR,
                now=ctx.clock(),
            )
    exact = accounts.authenticate(ctx, email="ann@news.example.com", password=PASSWORD)
    assert exact.email == "ann@news.example.com"
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate(ctx, email="ANN@news.example.com", password=PASSWORD)
