"""The returned-mail benchmark: a burst of returns through the listener and a webhook.

A real `bulletin serve` (web, inbound listener) on a database where an alert went to N
readers takes a burst of N returns — half as RFC 3464 DSNs over SMTP to each reader's
signed VERP address, half as Mailgun webhook events over HTTP — while a reader keeps
signing up on the public form. Then the whole burst goes again, as a relay or provider
retrying would: nothing may be taken twice. Prints reports/s classified and recorded,
and the sign-ups' response times meanwhile.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select, update

from bulletin.benchmarks.fanout import SECRET, _database, _free_port
from bulletin.benchmarks.procs import ProcessMeter
from bulletin.benchmarks.readers import SUPPRESSION_KEY, make_confirmed_readers
from bulletin.delivery.scheduler import continue_fanouts
from bulletin.domain.models import AlertDraft
from bulletin.mail.returns.tags import ReturnTags, message_id_local, verp_local
from bulletin.mail.transports.addresses import parse_smtp_url
from bulletin.mail.transports.smtp_client import SmtpConnection
from bulletin.services.alerts import sending
from bulletin.services.context import Context
from bulletin.store import migrate
from bulletin.store.db import Database
from bulletin.store.tables import deliveries, events

DOMAIN = "news.example.com"
MAILGUN_KEY = "bench-mailgun-signing-key-0123456789"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_STARTED = re.compile(r'name="form_started" value="([^"]+)"')
# The sign-ups beside the burst are load, not abuse: one client, as fast as it goes.
_UNLIMITED_SIGNUPS = {
    "BULLETIN_SIGNUP_LIMIT_IP": "1000000/minute",
    "BULLETIN_SIGNUP_LIMIT_NETWORK": "1000000/minute",
    "BULLETIN_CONFIRMATION_LIMIT": "1000000/minute",
    "BULLETIN_SIGNUP_MIN_FILL_SECONDS": "0",
}


@dataclass
class Options:
    reports: int = 10_000
    database: str = "sqlite"
    postgres_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    connections: int = 8  # SMTP connections and HTTP requests in flight, each
    # "embedded": `bulletin serve` on the catcher, the listener inside it (the default
    # install); "production": the listener its own process (`bulletin bounces listen`)
    # beside `bulletin serve` sending to a relay, as docs/operations.md deploys them.
    layout: str = "embedded"


@dataclass
class SignUps:
    latencies: list[float] = field(default_factory=list)
    failed: int = 0


def run(options: Options) -> dict[str, Any]:
    workdir = tempfile.mkdtemp(prefix="bulletin-bench-returns-")
    url, drop = _database(options, workdir)
    servers: list[subprocess.Popen[bytes]] = []
    try:
        campaign_id = _prepare(url, workdir, options.reports)
        env, web, smtp = _serve_env(url, workdir, layout=options.layout)
        servers.append(_serve(env, web))
        if options.layout == "production":
            servers.append(_listen(env, smtp))
        pids = [server.pid for server in servers]
        return _measure(options, url, campaign_id, web, smtp, pids)
    finally:
        for server in servers:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
        drop()
        shutil.rmtree(workdir, ignore_errors=True)


def _prepare(url: str, workdir: str, readers: int) -> int:
    """Readers 1..N, an alert to them all, every copy recorded as sent."""
    ctx = Context.from_settings(_settings(url, workdir))
    try:
        migrate.upgrade(ctx.db)
        make_confirmed_readers(ctx.db, readers)
        alert = AlertDraft("Bench alert", "Returns follow.", "https://news.example.com/x")
        campaign_id = sending.fire_alert(ctx, alert, actor=None).campaign_id
        while continue_fanouts(ctx.db, budget_s=60)[1]:  # the rest, as the scheduler would
            pass
        with ctx.db.transaction() as conn:
            conn.execute(
                update(deliveries)
                .where(deliveries.c.campaign_id == campaign_id)
                .values(status="sent", sent_at=datetime.now(UTC), attempts=1)
            )
        return campaign_id
    finally:
        ctx.db.dispose()


def _settings(url: str, workdir: str) -> Any:
    from bulletin.config import Settings

    return Settings.from_env(_base_env(url, workdir))


def _base_env(url: str, workdir: str) -> dict[str, str]:
    return {
        "BULLETIN_DATABASE_URL": url,
        "BULLETIN_SECRET_KEY": SECRET,
        "BULLETIN_SUPPRESSION_KEY": SUPPRESSION_KEY,
        "BULLETIN_DATA_DIR": workdir,
        "BULLETIN_SENDER": f"Bench News <alerts@{DOMAIN}>",
        "BULLETIN_MAILGUN_SIGNING_KEY": MAILGUN_KEY,
    }


def _serve_env(url: str, workdir: str, *, layout: str) -> tuple[dict[str, str], int, int]:
    web, smtp = _free_port(), _free_port()
    env = {
        **os.environ,
        **_base_env(url, workdir),
        "BULLETIN_BASE_URL": f"http://127.0.0.1:{web}",
        "BULLETIN_CATCHER_PORT": str(_free_port()),
        "BULLETIN_INBOUND_PORT": str(smtp),
        **_UNLIMITED_SIGNUPS,
    }
    env.pop("BULLETIN_SMTP_URL", None)
    env.pop("BULLETIN_RELAYS", None)
    if layout == "production":  # confirmations to the sign-ups go to a relay in memory
        env["BULLETIN_RELAYS"] = "memory"
    return env, web, smtp


def _listen(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    def up() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True

    return _started(["bounces", "listen"], env, up)


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    def up() -> bool:
        return httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200

    return _started(["serve", "--port", str(port)], env, up)


def _started(
    command: list[str], env: dict[str, str], up: Callable[[], bool]
) -> subprocess.Popen[bytes]:
    """`bulletin COMMAND` in a process of its own, once `up()` says it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bulletin.cli", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if up():
                return process
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"bulletin {' '.join(command)} did not come up")


def _measure(
    options: Options, url: str, campaign_id: int, web: int, smtp: int, servers: list[int]
) -> dict[str, Any]:
    tags = ReturnTags(SECRET)
    readers = list(range(1, options.reports + 1))
    mailed, hooked = readers[::2], readers[1::2]
    dsns = [_dsn(campaign_id, r, tags.tag(campaign_id, r)) for r in mailed]
    hooks = [_mailgun(campaign_id, r, tags.tag(campaign_id, r)) for r in hooked]
    stop, signups = threading.Event(), SignUps()
    signer = threading.Thread(target=_sign_up, args=(web, stop, signups), daemon=True)
    signer.start()
    started, meter = time.monotonic(), ProcessMeter(servers)
    each = [ProcessMeter([pid]) for pid in servers]
    smtp_s, hook_s = asyncio.run(_burst(options, smtp, web, dsns, hooks))
    seconds, used = time.monotonic() - started, meter.since_start()
    apart = [one.since_start().cpu_s for one in each]
    signed_up = len(signups.latencies)
    recorded = _events(url)
    again = time.monotonic()
    asyncio.run(_burst(options, smtp, web, dsns, hooks))  # retried by relays and providers
    again_s = time.monotonic() - again
    stop.set()
    signer.join(timeout=30)
    latencies = sorted(signups.latencies)
    return {
        "benchmark": "returns",
        "database": options.database,
        "layout": options.layout,
        "reports": len(dsns) + len(hooks),
        "seconds": round(seconds, 2),
        "reports_per_s": round((len(dsns) + len(hooks)) / seconds, 1),
        "smtp_reports_per_s": round(len(dsns) / smtp_s, 1),
        "webhook_reports_per_s": round(len(hooks) / hook_s, 1),
        # The servers' own cost (summed over their processes, the sign-ups' share too),
        # which a busy machine does not inflate as it does wall time.
        "server_cpu_s_per_1000": round(used.cpu_s / (len(dsns) + len(hooks)) * 1000, 3),
        "server_waiting_for_cpu_s": round(used.waiting_s, 2),
        **_per_process(apart, dsns=len(dsns), requests=len(hooks) + signed_up),
        "recorded": recorded,
        "recorded_after_replay": _events(url),
        "replay_seconds": round(again_s, 2),
        "signups": len(latencies),
        "signups_failed": signups.failed,
        "signup_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "signup_p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1)
        if latencies
        else None,
    }


def _per_process(cpu_s: list[float], *, dsns: int, requests: int) -> dict[str, float]:
    """In the production layout, each process's CPU per thing it took in."""
    if len(cpu_s) != 2:
        return {}
    web, listener = cpu_s
    return {
        "listener_cpu_ms_per_dsn": round(listener / dsns * 1000, 3),
        "web_cpu_ms_per_request": round(web / max(requests, 1) * 1000, 3),
    }


async def _burst(
    options: Options, smtp: int, web: int, dsns: list[tuple[str, bytes]], hooks: list[bytes]
) -> tuple[float, float]:
    """Both halves at once; how long each took."""
    mail = asyncio.create_task(_timed(_send_dsns(options, smtp, dsns)))
    hook = asyncio.create_task(_timed(_post_hooks(options, web, hooks)))
    return await mail, await hook


async def _timed(work: Any) -> float:
    started = time.monotonic()
    await work
    return time.monotonic() - started


async def _send_dsns(options: Options, port: int, dsns: list[tuple[str, bytes]]) -> None:
    queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
    for item in dsns:
        queue.put_nowait(item)
    address = parse_smtp_url(f"smtp://127.0.0.1:{port}?starttls=off")

    async def connection() -> None:
        client = SmtpConnection(address, ssl_context=ssl.create_default_context(), timeout=30)
        await client.open()
        while not queue.empty():
            to, data = queue.get_nowait()
            code, text = await client.send("", to, data, eight_bit=False)
            if code != 250:
                raise RuntimeError(f"the listener refused a DSN: {text}")
        await client.close(polite=True)

    await asyncio.gather(*(connection() for _ in range(options.connections)))


async def _post_hooks(options: Options, port: int, hooks: list[bytes]) -> None:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in hooks:
        queue.put_nowait(body)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:

        async def poster() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                response = await client.post(
                    "/hooks/mailgun", content=body, headers={"Content-Type": "application/json"}
                )
                if response.status_code != 200:
                    raise RuntimeError(f"the webhook refused an event: {response.text}")

        await asyncio.gather(*(poster() for _ in range(options.connections)))


def _sign_up(port: int, stop: threading.Event, signups: SignUps) -> None:
    """A reader signing up on the public form, over and over, timed."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        while not stop.is_set():
            started = time.monotonic()
            try:
                form = client.get("/")
                token, begun = _CSRF.search(form.text), _STARTED.search(form.text)
                email = f"new-{secrets.token_hex(6)}@signups.example.org"
                data = {
                    "csrf_token": token.group(1) if token else "",
                    "form_started": begun.group(1) if begun else "",
                    "email": email,
                }
                answer = client.post("/subscribe", data={**data, "lists": ["breaking"]})
                ok = answer.status_code in (200, 303)
            except httpx.HTTPError:
                ok = False
            if ok:
                signups.latencies.append(time.monotonic() - started)
            else:
                signups.failed += 1


def _events(url: str) -> int:
    db = Database(url)
    try:
        with db.reading() as conn:
            return int(conn.execute(select(func.count()).select_from(events)).scalar_one())
    finally:
        db.dispose()


def _dsn(campaign_id: int, reader: int, tag: str) -> tuple[str, bytes]:
    """A Postfix DSN (RFC 3464) for the reader's copy, to its signed VERP address."""
    verp = f"{verp_local(campaign_id, reader, tag)}@{DOMAIN}"
    email = f"reader{reader}@bench.example.org"
    message_id = f"<{message_id_local(campaign_id, reader, tag)}@{DOMAIN}>"
    data = (
        "From: MAILER-DAEMON@mx.bench.example.org (Mail Delivery System)\r\n"
        f"To: {verp}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        f"--b\r\nContent-Type: text/plain\r\n\r\n<{email}>: 550 5.1.1 User unknown\r\n\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.bench.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {email}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {message_id}\r\n"
        f"To: {email}\r\n\r\n--b--\r\n"
    ).encode()
    return verp, data


def _mailgun(campaign_id: int, reader: int, tag: str) -> bytes:
    """A signed Mailgun 'failed, permanent' event for the reader's copy."""
    timestamp, token = str(int(time.time())), secrets.token_hex(25)
    signature = hmac.new(
        MAILGUN_KEY.encode(), (timestamp + token).encode(), hashlib.sha256
    ).hexdigest()
    email = f"reader{reader}@bench.example.org"
    message_id = f"{message_id_local(campaign_id, reader, tag)}@{DOMAIN}"
    event = {
        "id": f"bench-{campaign_id}-{reader}",
        "timestamp": time.time(),
        "event": "failed",
        "severity": "permanent",
        "reason": "bounce",
        "recipient": email,
        "message": {"headers": {"message-id": message_id, "to": email}},
        "delivery-status": {"code": 550, "message": "5.1.1 The email account does not exist"},
    }
    body = {"signature": {"timestamp": timestamp, "token": token, "signature": signature}}
    return json.dumps({**body, "event-data": event}).encode()
