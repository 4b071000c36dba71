"""`bulletin serve` as a user runs it: a real process, real HTTP, the built-in catcher.

This is what `make serve` gives a newsroom on a fresh machine: SQLite, no relay, mail
caught on loopback. The test drives it from outside, like a reader and an editor would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from bulletin.config import Settings
from bulletin.domain.models import Role
from bulletin.mail.transports import Envelope, send_now
from bulletin.services.context import Context
from bulletin.services.staff import accounts
from bulletin.services.webhooks import endpoints
from tests.support.dovecot import Dovecot, ImapUser
from tests.support.ports import free_port
from tests.support.served import Served, migrated, serving, wait_for
from tests.support.web import csrf_from, link_in, signup_fields, unsubscribe_url
from tests.support.webhook_receiver import WebhookReceiver

BIN = Path(sys.executable).parent / "bulletin"
DEADLINE_S = 30.0


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    # The webhook receiver of the tests listens on loopback.
    with serving(tmp_path, {"BULLETIN_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8"}) as running:
        yield running


def test_served_service_signs_up_confirms_alerts_and_unsubscribes(served: Served) -> None:
    reader = "first.reader@readers.example.org"
    with httpx.Client(base_url=served.base_url) as browser:
        form = browser.get("/")
        assert "Breaking News Emails" in form.text
        signed_up = browser.post(
            "/subscribe",
            data={**signup_fields(form.text), "email": reader, "lists": ["breaking"]},
        )
        assert signed_up.status_code == 303

    confirmation = served.caught_for(reader, "Confirm your subscription")
    link = link_in(confirmation.message, served.base_url + "/confirm/")
    with httpx.Client() as browser:
        page = browser.get(link)
        done = browser.post(link, data={"csrf_token": csrf_from(page.text)})
        assert done.status_code == 200 and "You're subscribed" in done.text

    sent = subprocess.run(
        [
            BIN,
            "alert",
            "send",
            "--headline",
            "Bridge closed",
            "--summary",
            "Traffic diverted.",
            "--url",
            "https://news.example.com/bridge",
        ],
        env=served.env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "queued for 1 reader." in sent.stdout
    alert = served.caught_for(reader, "Bridge closed")

    leave = httpx.post(unsubscribe_url(alert.message), data={"List-Unsubscribe": "One-Click"})
    assert leave.status_code == 200

    token = link.rsplit("/", 1)[1]
    log = served.log.read_text()
    assert "/confirm/[token]" in log  # the request was logged, its token was not
    assert token not in log
    assert unsubscribe_url(alert.message).rsplit("/", 1)[1] not in log


def test_serve_refuses_to_start_on_an_unmigrated_database(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BULLETIN_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
        "BULLETIN_DATA_DIR": str(tmp_path / "data"),
        "BULLETIN_CATCHER_PORT": str(free_port()),
        "BULLETIN_INBOUND_PORT": str(free_port()),
    }
    result = subprocess.run(
        [BIN, "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
    )
    assert result.returncode == 1
    assert "bulletin db upgrade" in result.stderr


def test_served_service_listens_for_returned_mail_for_its_own_addresses_only(
    served: Served,
) -> None:
    url = f"smtp://127.0.0.1:{served.env['BULLETIN_INBOUND_PORT']}?starttls=off"
    note = b"From: someone@readers.example.org\r\nSubject: hello\r\n\r\nhello\r\n"
    ours = Envelope(1, "", "unsubscribe@news.example.com", note)
    theirs = Envelope(2, "", "postmaster@readers.example.org", note)

    replies = send_now(url, [ours, theirs], timeout=10)

    assert [reply.code for reply in replies] == [250, 550]


def test_served_service_and_a_worker_poll_the_bounce_mailbox_when_one_is_set(
    tmp_path: Path, dovecot_server: Dovecot
) -> None:
    note = b"From: someone@readers.example.org\r\nTo: unsubscribe@news.example.com\r\n\r\nhi\r\n"
    for command in ("serve", "worker"):
        user = dovecot_server.new_user()
        dovecot_server.deliver(user, note)
        imap = {"BULLETIN_BOUNCE_IMAP_URL": dovecot_server.url(user)}
        with _running(command, tmp_path / command, imap) as log:
            taken = partial(_processed, dovecot_server, user)
            wait_for(taken, f"`bulletin {command}` to take the message")
        assert f"polling the bounce mailbox imap://{user.name}@127.0.0.1" in log.read_text()
        assert user.password not in log.read_text()


def _processed(server: Dovecot, user: ImapUser) -> bool:
    return server.folders(user).get("Bulletin.Processed") == 1


@contextmanager
def _running(command: str, tmp_path: Path, extra_env: dict[str, str]) -> Iterator[Path]:
    if command == "serve":
        with serving(tmp_path, extra_env) as running:
            yield running.log
        return
    tmp_path.mkdir(parents=True)
    env = {
        **os.environ,
        "BULLETIN_DATABASE_URL": f"sqlite:///{tmp_path / 'bulletin.db'}",
        "BULLETIN_DATA_DIR": str(tmp_path / "data"),
        "BULLETIN_SENDER": "Newsroom Alerts <alerts@news.example.com>",
        "BULLETIN_RELAYS": "memory",
        **extra_env,
    }
    migrated(env["BULLETIN_DATABASE_URL"])
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen([BIN, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield log
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=DEADLINE_S)


def test_served_service_sends_webhooks_in_the_background(served: Served) -> None:
    receiver = WebhookReceiver().up()
    ctx = Context.from_settings(Settings.from_env(served.env))
    try:
        admin = accounts.create_editor(
            ctx,
            email="hooks@news.example.com",
            name="Hooks",
            password="a-long-password-1",
            role=Role.ADMIN,
        )
        endpoint, secret = endpoints.add(
            ctx, url=receiver.url, description="", event_types=["reader.confirmed"], actor=admin
        )
        event_id = endpoints.send_test(ctx, endpoint.id, actor=admin)
        (got,) = wait_for(lambda: list(receiver.received), "the test event at the receiver")
        assert got.headers["webhook-id"] == event_id
        assert Webhook(secret).verify(got.body, got.headers)["type"] == "test"
    finally:
        ctx.db.dispose()
        receiver.down()
