"""`bulletin bench clicks`: a bounded loopback load test of `/r/…` against a real serve.

An alert goes to N readers (sent through the built-in catcher before the load starts,
so the engine is idle); each reader's counted link is taken from their message as the
engine built it. Then a fixed number of requests, at a fixed concurrency over
keep-alive connections, click those links: readers in browsers (each from an address
of their own, told by `X-Forwarded-For` to a serve that trusts the benchmark as its
proxy) and a share of early link-scanner fetches. The client is a few lines of asyncio
HTTP/1.1 so that it, not the server, is the cheap side.

Every 302 is an accepted click. The figures: requests/s and latency; how long after the
load every accepted click was in the database (the serve still running); clicks
counted after a clean stop; scanners set aside. `lost` is accepted browser clicks not
counted: 0.
"""

from __future__ import annotations

import asyncio
import email
import re
import signal
import tempfile
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bulletin.benchmarks.fanout import SECRET, _free_port
from bulletin.benchmarks.readers import SUPPRESSION_KEY, make_confirmed_readers
from bulletin.benchmarks.signups import _env, _percentiles, _serve
from bulletin.config import Settings
from bulletin.delivery.composers import Composers
from bulletin.domain.models import AlertDraft
from bulletin.mail.compose import Links
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store import migrate
from bulletin.store.db import Database
from bulletin.store.ledger.sql import SqlLedger
from bulletin.store.tables import campaigns, link_clicks

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile"
SCANNER = "Mozilla/5.0 (compatible; Proofpoint URL Defense)"
_LINK = re.compile(r"https?://\S+/r/\S+")


@dataclass(frozen=True)
class Options:
    readers: int = 2000
    requests: int = 20_000
    concurrency: int = 32
    scanner_share: float = 0.1


@dataclass(frozen=True)
class Click:
    path: str
    client: str
    agent: str


def run(options: Options) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bulletin-clicks-") as workdir:
        url = f"sqlite:///{workdir}/bulletin.db"
        port = _free_port()
        env = {
            **_env(url, workdir, port, min_fill_s=1),
            "BULLETIN_CLICK_TRACKING": "aggregate",
        }
        db = Database(url)
        migrate.upgrade(db, suppression_key=SUPPRESSION_KEY)
        make_confirmed_readers(db, options.readers)
        campaign, paths = alert_links(db, url, port, workdir)
        server = _serve(env, port)
        try:
            _wait_sent(db, campaign)
            figures = asyncio.run(_load(options, port, paths))
            figures["seconds_until_written"] = _until_written(db, figures["browser_accepted"])
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
        counted, ignored = _counted(db)
        db.dispose()
    browser = figures.pop("browser_accepted")
    return {
        **figures,
        "counted": counted,
        "set_aside": ignored,
        "lost": browser - counted,
    }


def alert_links(db: Database, url: str, port: int, workdir: str) -> tuple[int, list[str]]:
    """Fire the alert and take each reader's counted link from their message."""
    settings = settings_for(url, port, workdir)
    ctx = Context(settings=settings, db=db)
    draft = AlertDraft(
        "Benchmark: readers click", "A burst of clicks.", "https://news.example.com/bench"
    )
    campaign = alerts.fire_alert(ctx, draft, actor=None).campaign_id
    composers = Composers(Links.from_settings(settings), ctx.tokens, count_clicks=True)
    key = (campaign, -1, 0, -1)
    composers.prepare(SqlLedger(db), {key}, ctx.clock())
    built = composers.built[key]
    paths = []
    for reader in range(1, 1 + _readers(db)):
        data = built.envelope(key=reader, subscriber_id=reader, email=f"r{reader}@x.org").data
        message = email.message_from_bytes(data, policy=default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(("plain",))
        assert body is not None
        found = _LINK.search(body.get_content())
        assert found, "the message has no counted link"
        paths.append(re.sub(r"^https?://[^/]+", "", found.group(0)))
    return campaign, paths


def settings_for(url: str, port: int, workdir: str) -> Settings:
    return Settings(
        secret_key=SECRET,
        suppression_key=SUPPRESSION_KEY,
        database_url=url,
        base_url=f"http://127.0.0.1:{port}",
        sender="Bench News <alerts@news.example.com>",
        data_dir=Path(workdir),
        click_tracking="aggregate",
    )


def _readers(db: Database) -> int:
    from bulletin.store.tables import subscribers

    with db.reading() as conn:
        return int(conn.execute(select(func.count()).select_from(subscribers)).scalar_one())


def _wait_sent(db: Database, campaign: int, deadline_s: float = 300) -> None:
    """The engine sends the alert to the catcher first: the load meets an idle engine."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        with db.reading() as conn:
            status = conn.execute(
                select(campaigns.c.status).where(campaigns.c.id == campaign)
            ).scalar_one()
        if status == "sent":
            return
        time.sleep(0.5)
    raise RuntimeError("the alert was not sent in time")


def _until_written(db: Database, expected: int, deadline_s: float = 30.0) -> float | None:
    """Seconds from the load's end until every accepted click is in the database, the
    serve still running (a flush a second, two seconds of hindsight for bursts)."""
    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        if _counted(db)[0] >= expected:
            return round(time.monotonic() - started, 2)
        time.sleep(0.1)
    return None


def _counted(db: Database) -> tuple[int, int]:
    with db.reading() as conn:
        clicks, ignored = conn.execute(
            select(
                func.coalesce(func.sum(link_clicks.c.clicks), 0),
                func.coalesce(func.sum(link_clicks.c.ignored), 0),
            )
        ).one()
    return int(clicks), int(ignored)


def _plan(options: Options, paths: list[str]) -> list[Click]:
    """Readers click their own link (some twice); every tenth request a scanner's."""
    every = round(1 / options.scanner_share) if options.scanner_share else 0
    plan = []
    for n in range(options.requests):
        reader = n % len(paths)
        scanner = every and n % every == 0
        client = f"10.{reader // 65536 % 256}.{reader // 256 % 256}.{reader % 256}"
        plan.append(Click(paths[reader], client, SCANNER if scanner else BROWSER))
    return plan


async def _load(options: Options, port: int, paths: list[str]) -> dict[str, Any]:
    todo = _plan(options, paths)
    todo.reverse()
    latencies: list[float] = []
    answers: dict[int, int] = {}
    browser = 0

    async def connection() -> None:
        nonlocal browser
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while todo:
            click = todo.pop()
            request = (
                f"GET {click.path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"User-Agent: {click.agent}\r\nX-Forwarded-For: {click.client}\r\n\r\n"
            )
            started = time.perf_counter()
            writer.write(request.encode())
            status = await _response(reader)
            latencies.append(time.perf_counter() - started)
            answers[status] = answers.get(status, 0) + 1
            if status == 302 and click.agent == BROWSER:
                browser += 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*[connection() for _ in range(options.concurrency)])
    elapsed = time.perf_counter() - started
    return {
        "requests": options.requests,
        "concurrency": options.concurrency,
        "readers": len(paths),
        "seconds": round(elapsed, 2),
        "requests_per_s": round(options.requests / elapsed),
        "latency_ms": _percentiles(latencies),
        "answers": {str(k): v for k, v in sorted(answers.items())},
        "accepted": answers.get(302, 0),
        "browser_accepted": browser,
    }


async def _response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    if length:
        await reader.readexactly(int(length.group(1)))
    return status
