"""The `bulletin` command: migrations, staff accounts and firing alerts from a terminal."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from bulletin.cli import app
from bulletin.delivery.engine import Engine
from bulletin.delivery.relays import relay_from_url
from bulletin.domain.models import Role
from bulletin.mail.transports.memory import MemoryBox, memory_box
from bulletin.services.context import Context
from bulletin.services.staff import api_keys
from bulletin.store import migrate
from bulletin.store.db import Database
from bulletin.store.ledger import audience
from tests.support.factories import SECRET, SUPPRESSION_KEY, confirmed_reader, unique_email

runner = CliRunner()
DAM = [
    "--headline",
    "Dam breaks",
    "--summary",
    "Towns evacuated.",
    "--url",
    "https://news.example.com/dam",
]


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {
        "BULLETIN_DATABASE_URL": database_url,
        "BULLETIN_DATA_DIR": str(tmp_path / "data"),
        "BULLETIN_SECRET_KEY": SECRET,
        "BULLETIN_SUPPRESSION_KEY": SUPPRESSION_KEY,
        "BULLETIN_SENDER": "Newsroom Alerts <alerts@news.example.com>",
        "BULLETIN_FETCH_ALLOW_NETWORKS": "127.0.0.0/8",
    }


def test_db_upgrade_creates_the_schema_on_a_new_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = runner.invoke(app, ["db", "upgrade"], env=_env(tmp_path, url))
    assert result.exit_code == 0, result.output
    assert f"revision {migrate.head_revision()}" in result.output
    assert migrate.is_current(Database(url))


def test_users_create_makes_an_editor_and_refuses_a_duplicate(
    tmp_path: Path, database_url: str
) -> None:
    env = {**_env(tmp_path, database_url), "BULLETIN_NEW_USER_PASSWORD": "a-long-password-1"}
    args = ["users", "create", "--email", "chief@news.example.com", "--role", "admin"]
    first = runner.invoke(app, args, env=env)
    second = runner.invoke(app, args, env=env)
    assert first.exit_code == 0 and "Created admin chief@news.example.com" in first.output
    assert second.exit_code == 1 and "already an account" in second.output


def test_users_create_refuses_a_short_password(tmp_path: Path, database_url: str) -> None:
    env = {**_env(tmp_path, database_url), "BULLETIN_NEW_USER_PASSWORD": "short"}
    result = runner.invoke(app, ["users", "create", "--email", "a@news.example.com"], env=env)
    assert result.exit_code == 1 and "at least 10 characters" in result.output


def test_users_create_refuses_a_guessable_password(tmp_path: Path, database_url: str) -> None:
    env = {**_env(tmp_path, database_url), "BULLETIN_NEW_USER_PASSWORD": "aaaaaaaaaa"}
    result = runner.invoke(app, ["users", "create", "--email", "a@news.example.com"], env=env)
    assert result.exit_code == 1 and "stronger password" in result.output


def test_users_totp_off_clears_an_accounts_second_factor(tmp_path: Path, database_url: str) -> None:
    env = {**_env(tmp_path, database_url), "BULLETIN_NEW_USER_PASSWORD": "a-long-password-1"}
    runner.invoke(app, ["users", "create", "--email", "chief@news.example.com"], env=env)
    db = Database(database_url)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE editors SET totp_secret = 'sealed', totp_enabled_at = created_at"
        )
    done = runner.invoke(app, ["users", "totp-off", "Chief@news.example.com"], env=env)
    assert done.exit_code == 0, done.output
    with db.engine.begin() as conn:
        left = conn.exec_driver_sql("SELECT totp_secret, totp_enabled_at FROM editors").one()
    db.dispose()
    assert tuple(left) == (None, None)
    missing = runner.invoke(app, ["users", "totp-off", "nobody@news.example.com"], env=env)
    assert missing.exit_code == 1 and "no desk account" in missing.output


def test_alert_send_queues_for_every_confirmed_reader(
    tmp_path: Path, database_url: str, ctx: Context
) -> None:
    for _ in range(2):
        confirmed_reader(ctx)
    result = runner.invoke(app, ["alert", "send", *DAM], env=_env(tmp_path, database_url))
    assert result.exit_code == 0, result.output
    assert "queued for 2 readers" in result.output


def test_alert_send_says_the_alert_is_going_out_when_its_readers_cannot_be_counted(
    tmp_path: Path, database_url: str, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The count runs after the alert is committed; failing there must not read as a
    # failed send, or the operator runs the command again and every reader gets two.
    confirmed_reader(ctx)

    def dropped(*_args: object) -> int:
        raise OperationalError("SELECT count(*)", None, Exception("connection reset"))

    monkeypatch.setattr(audience, "size", dropped)
    result = runner.invoke(app, ["alert", "send", *DAM], env=_env(tmp_path, database_url))

    assert result.exit_code == 0, result.output
    assert "is sending; its readers could not be counted" in result.output
    assert "Do not send it again" in result.output


def test_alert_send_refuses_a_headline_with_a_line_break(tmp_path: Path, database_url: str) -> None:
    result = runner.invoke(
        app,
        [
            "alert",
            "send",
            "--headline",
            "Dam\nBcc: x@example.com",
            "--summary",
            "s",
            "--url",
            "https://news.example.com/dam",
        ],
        env=_env(tmp_path, database_url),
    )
    assert result.exit_code == 1
    assert "line break" in result.output


@pytest.fixture
def running_worker(ctx: Context) -> Iterator[MemoryBox]:
    box = memory_box("cli-wait")
    box.clear()
    engine = Engine.on_database(ctx.db, ctx.settings, [relay_from_url("memory://cli-wait")])
    stop = threading.Event()
    thread = threading.Thread(target=engine.run_forever, args=(stop,))
    thread.start()
    yield box
    stop.set()
    thread.join()


def test_alert_send_wait_follows_delivery_to_the_end(
    tmp_path: Path, database_url: str, ctx: Context, running_worker: MemoryBox
) -> None:
    emails = [unique_email() for _ in range(3)]
    for email in emails:
        confirmed_reader(ctx, email=email)
    result = runner.invoke(app, ["alert", "send", *DAM, "--wait"], env=_env(tmp_path, database_url))
    assert result.exit_code == 0, result.output
    assert "Sent 3, failed 0" in result.output
    alerts = [m for m in running_worker.messages if m.sender.startswith("bounces+c")]
    assert sorted(m.recipient for m in alerts) == sorted(emails)


def test_apikeys_create_prints_a_working_key_once_and_revoke_stops_it(
    tmp_path: Path, ctx: Context
) -> None:
    env = _env(tmp_path, ctx.settings.database_url)
    created = runner.invoke(
        app, ["apikeys", "create", "--role", "editor", "--name", "CMS"], env=env
    )
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert api_keys.authenticate(ctx, secret).role is Role.EDITOR

    listed = runner.invoke(app, ["apikeys", "list"], env=env)
    assert "CMS" in listed.output and "active" in listed.output
    assert secret not in listed.output

    key_id = api_keys.list_keys(ctx)[0].id
    assert runner.invoke(app, ["apikeys", "revoke", str(key_id)], env=env).exit_code == 0
    assert "revoked" in runner.invoke(app, ["apikeys", "list"], env=env).output
    missing = runner.invoke(app, ["apikeys", "revoke", "9999"], env=env)
    assert missing.exit_code == 1 and "no API key 9999" in missing.output
