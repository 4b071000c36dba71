"""The password policy: long enough and not guessable, wherever a password is set."""

from __future__ import annotations

import pytest

from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.staff import accounts, admin, passwords
from tests.support.factories import make_editor

GOOD = "a-long-password-1"


@pytest.mark.parametrize(
    "weak",
    ["aaaaaaaaaa", "password123", "qwertyuiop", "1234567890", "letmein12345", "Password2024"],
)
def test_guessable_passwords_are_refused_with_a_reason(weak: str) -> None:
    with pytest.raises(InvalidInput, match="Choose a stronger password"):
        passwords.check_policy(weak)


def test_a_short_password_is_refused_for_its_length() -> None:
    with pytest.raises(InvalidInput, match="at least 10 characters"):
        passwords.check_policy("Zq8#vT1!")


def test_a_password_made_of_the_accounts_own_address_is_refused() -> None:
    passwords.check_policy("marguerite.okonkwo-42")
    with pytest.raises(InvalidInput, match="stronger"):
        passwords.check_policy("marguerite.okonkwo-42", email="marguerite.okonkwo-42@news.org")


def test_a_few_uncommon_words_pass() -> None:
    for good in (GOOD, "correct-horse-battery", "newsroom-desk-2026"):
        passwords.check_policy(good)


def test_account_creation_and_an_admins_reset_apply_the_policy(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match="stronger"):
        accounts.create_editor(
            ctx, email="a@news.example.com", name="A", password="a" * 10, role=Role.EDITOR
        )
    chief = make_editor(ctx, role=Role.ADMIN, password=GOOD)
    editor = make_editor(ctx, password=GOOD)
    with pytest.raises(InvalidInput, match="stronger"):
        admin.reset_password(ctx, editor.id, "b" * 12, actor=chief)
    accounts.authenticate(ctx, email=editor.email, password=GOOD)  # unchanged
