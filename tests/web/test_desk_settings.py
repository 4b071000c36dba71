"""The settings form: admins only, CSRF, the environment wins, passwords write-only, audited."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from bulletin.config import Settings
from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.store import desk_settings as store
from bulletin.web.app import create_app
from tests.support.html_validate import problems
from tests.support.web import csrf_from, signed_in_as

RELAY = "smtp://mailer:s3cret-pass@relay.example.org:587"


def admin(client: TestClient, ctx: Context) -> tuple[TestClient, str]:
    signed = signed_in_as(client, ctx, Role.ADMIN)
    return signed, csrf_from(signed.get("/desk/settings").text)


def field_value(page: str, name: str) -> str:
    found = re.search(rf'<input id="{name}" name="{name}" type="text" value="([^"]*)"', page)
    if found is None:
        found = re.search(rf'<textarea id="{name}" name="{name}"[^>]*>([^<]*)</textarea>', page)
    assert found, f"no field {name}"
    return found.group(1)


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_only_admins_may_change_settings(client: TestClient, ctx: Context, role: Role) -> None:
    someone = signed_in_as(client, ctx, role)
    token = csrf_from(someone.get("/desk").text)

    refused = someone.post("/desk/settings", data={"csrf_token": token, "footer_text": "Hi."})

    assert refused.status_code == 403
    assert ctx.settings.footer_text is None


def test_a_form_without_the_csrf_token_is_refused(client: TestClient, ctx: Context) -> None:
    signed, _ = admin(client, ctx)

    assert signed.post("/desk/settings", data={"footer_text": "Hi."}).status_code == 403
    assert ctx.settings.footer_text is None


def test_saving_stores_audits_and_shows_the_value_as_set_on_the_desk(
    client: TestClient, ctx: Context
) -> None:
    signed, token = admin(client, ctx)

    saved = signed.post(
        "/desk/settings",
        data={"csrf_token": token, "footer_text": "Tips: desk@x.org", "briefing_size": "7"},
        follow_redirects=False,
    )
    page = signed.get("/desk/settings").text

    assert (saved.status_code, saved.headers["location"]) == (303, "/desk/settings")
    assert "Saved: Footer text." in page
    assert field_value(page, "footer_text") == "Tips: desk@x.org"
    assert 'id="setting-footer_text" data-source="desk"' in page
    assert ctx.settings.footer_text == "Tips: desk@x.org"
    with ctx.db.reading() as conn:
        entry = audit.recent(conn, 1)[0]
    assert entry["action"] == "settings.change"
    assert entry["detail"]["changed"]["footer_text"]["to"] == "Tips: desk@x.org"


def test_a_refused_value_is_explained_on_the_form_and_nothing_is_stored(
    client: TestClient, ctx: Context
) -> None:
    signed, token = admin(client, ctx)

    refused = signed.post(
        "/desk/settings",
        data={"csrf_token": token, "briefing_size": "12", "footer_text": "Kept out."},
    )

    assert refused.status_code == 422
    assert "Stories per briefing (BULLETIN_BRIEFING_SIZE) must be 1 to 10 stories" in refused.text
    assert field_value(refused.text, "briefing_size") == "12"  # as sent, to correct
    with ctx.db.reading() as conn:
        assert store.stored(conn) == {}


def test_a_setting_from_the_environment_is_read_only_and_says_so(ctx: Context) -> None:
    ctx.settings = Settings.from_env(
        {
            "BULLETIN_SECRET_KEY": ctx.settings.secret_key,
            "BULLETIN_SUPPRESSION_KEY": ctx.settings.suppression_key,
            "BULLETIN_DATABASE_URL": ctx.settings.database_url,
            "BULLETIN_DATA_DIR": str(ctx.settings.data_dir),
            "BULLETIN_FOOTER_TEXT": "From the environment.",
        }
    )
    with TestClient(create_app(ctx)) as client:
        signed, token = admin(client, ctx)
        signed.post("/desk/settings", data={"csrf_token": token, "footer_text": "From the desk."})
        page = signed.get("/desk/settings").text

    assert "Set by BULLETIN_FOOTER_TEXT in the environment" in page
    assert re.search(r'<textarea id="footer_text"[^>]* readonly>From the environment\.<', page)
    assert ctx.settings.footer_text == "From the environment."


def test_relay_passwords_are_never_shown_and_kept_when_left_masked(
    client: TestClient, ctx: Context
) -> None:
    signed, token = admin(client, ctx)
    page = signed.post("/desk/settings", data={"csrf_token": token, "relays": RELAY}).text
    shown = field_value(page, "relays")

    signed.post("/desk/settings", data={"csrf_token": token, "relays": shown, "sender": ""})
    refused = signed.post(
        "/desk/settings",
        data={"csrf_token": token, "relays": "smtp://u:typed-pass@h.example.org?connections=0"},
    )

    assert "s3cret-pass" not in page and shown == "smtp://mailer:••••••@relay.example.org:587"
    assert "Running workers move to the new relays within seconds." in page
    assert ctx.settings.relay_urls == (RELAY,)
    assert refused.status_code == 422 and "typed-pass" not in refused.text


def test_the_settings_page_is_valid_html_as_shown_and_when_refused(
    client: TestClient, ctx: Context
) -> None:
    signed, token = admin(client, ctx)
    shown = signed.get("/desk/settings").text
    refused = signed.post("/desk/settings", data={"csrf_token": token, "briefing_expiry": "25:00"})

    assert refused.status_code == 422
    assert problems({"shown": shown, "refused": refused.text}) == {"shown": [], "refused": []}
