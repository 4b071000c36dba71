"""Saving the settings page: checked, stored, audited; secrets kept and never shown."""

from __future__ import annotations

import json

import pytest

from bulletin.config import Settings
from bulletin.domain.errors import InvalidInput, PermissionDenied
from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.services.settings import desk
from bulletin.services.settings.relays import MASK
from bulletin.store import audit
from bulletin.store import desk_settings as store
from tests.support.factories import make_editor

RELAY = "smtp://mailer:s3cret-pass@relay.example.org:587?connections=4"


def by_name(ctx: Context, admin: object) -> dict[str, desk.FieldView]:
    return {row.field.name: row for row in desk.view(ctx, actor=admin)}  # type: ignore[arg-type]


def test_only_admins_see_or_change_the_settings(ctx: Context) -> None:
    editor = make_editor(ctx, Role.EDITOR)
    with pytest.raises(PermissionDenied):
        desk.view(ctx, actor=editor)
    with pytest.raises(PermissionDenied):
        desk.save(ctx, {"footer_text": "x"}, actor=editor)


def test_a_change_is_stored_audited_and_shown_as_from_the_desk(ctx: Context) -> None:
    admin = make_editor(ctx, Role.ADMIN)

    changed = desk.save(ctx, {"footer_text": "Hello.", "briefing_size": "7"}, actor=admin)

    assert changed == ["Footer text"]  # 7 stories is what it was: no change
    views = by_name(ctx, admin)
    assert (views["footer_text"].source, views["footer_text"].value) == ("desk", "Hello.")
    assert views["footer_text"].changed_by == admin.email
    assert views["briefing_size"].source == "default"
    with ctx.db.reading() as conn:
        entry = audit.recent(conn, 1)[0]
    assert (entry["actor"], entry["action"]) == (admin.email, "settings.change")
    assert entry["detail"] == {"changed": {"footer_text": {"from": "", "to": "Hello."}}}


def test_a_refused_value_names_the_setting_and_stores_nothing(ctx: Context) -> None:
    admin = make_editor(ctx, Role.ADMIN)

    with pytest.raises(InvalidInput, match=r"Stories per briefing \(BULLETIN_BRIEFING_SIZE\)"):
        desk.save(ctx, {"footer_text": "Hello.", "briefing_size": "12"}, actor=admin)

    with ctx.db.reading() as conn:
        assert store.stored(conn) == {}
        assert store.revision(conn) == 0


def test_emptying_a_field_returns_it_to_its_default(ctx: Context) -> None:
    admin = make_editor(ctx, Role.ADMIN)
    desk.save(ctx, {"alert_expiry_s": "30"}, actor=admin)
    assert ctx.settings.alert_expiry_s == 30 * 60

    desk.save(ctx, {"alert_expiry_s": ""}, actor=admin)

    assert ctx.settings.alert_expiry_s == 120 * 60
    assert by_name(ctx, admin)["alert_expiry_s"].source == "default"


def test_a_setting_the_environment_sets_cannot_be_changed(ctx: Context) -> None:
    env = {
        "BULLETIN_SECRET_KEY": ctx.settings.secret_key,
        "BULLETIN_SUPPRESSION_KEY": ctx.settings.suppression_key,
        "BULLETIN_DATABASE_URL": ctx.settings.database_url,
        "BULLETIN_FOOTER_TEXT": "From the environment.",
    }
    ctx.settings = Settings.from_env(env)
    admin = make_editor(ctx, Role.ADMIN)

    assert desk.save(ctx, {"footer_text": "From the desk."}, actor=admin) == []

    view = by_name(ctx, admin)["footer_text"]
    assert (view.source, view.environment) == ("environment", "BULLETIN_FOOTER_TEXT")
    assert ctx.settings.footer_text == "From the environment."


def test_relay_passwords_are_encrypted_masked_and_kept_when_left_masked(ctx: Context) -> None:
    admin = make_editor(ctx, Role.ADMIN)
    desk.save(ctx, {"relays": RELAY}, actor=admin)

    shown = by_name(ctx, admin)["relays"].value
    with ctx.db.reading() as conn:
        kept = store.stored(conn)["relays"]
        entries = audit.recent(conn, 5)
    assert shown == f"smtp://mailer:{MASK}@relay.example.org:587?connections=4"
    assert kept.secret and "s3cret-pass" not in kept.value
    assert "s3cret-pass" not in json.dumps([e["detail"] for e in entries])

    desk.save(ctx, {"relays": shown + "\nsmtp://backup.example.org:25"}, actor=admin)

    assert ctx.settings.relay_urls == (
        RELAY,
        "smtp://backup.example.org:25",
    )


def test_a_masked_password_of_a_new_relay_is_refused(ctx: Context) -> None:
    admin = make_editor(ctx, Role.ADMIN)

    with pytest.raises(InvalidInput, match="type the password of"):
        desk.save(ctx, {"relays": f"smtp://u:{MASK}@new.example.org:25"}, actor=admin)


def test_a_relay_url_a_worker_could_not_open_is_refused_without_its_password(
    ctx: Context,
) -> None:
    admin = make_editor(ctx, Role.ADMIN)

    with pytest.raises(InvalidInput) as refused:
        desk.save(ctx, {"relays": "smtp://u:hunter2@relay.example.org?connections=0"}, actor=admin)

    assert "at least one connection" in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_a_name_too_long_for_a_mail_line_is_refused(ctx: Context) -> None:
    admin = make_editor(ctx, Role.ADMIN)

    with pytest.raises(InvalidInput, match="Newsroom name: at most 200 characters"):
        desk.save(ctx, {"newsroom_name": "N" * 201}, actor=admin)
