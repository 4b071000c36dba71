"""`bulletin bench busy-signups`: readers signing up, confirming and leaving while a big
alert sends, against a real `bulletin serve` (web + worker) on loopback.

N confirmed readers are loaded, an SMTP sink counts the alert's messages, and the
serve sends through it. Three runs on the same serve: the web mix alone (nothing
sending), one alert alone, then a second alert with the web mix running until the
last of its messages arrived. The mix, at a fixed concurrency, cycles through a
sign-up (form, then post, each from a network of its own), a confirmation of an
earlier sign-up (page, then button) and an RFC 8058 one-click unsubscribe of a
loaded reader. Figures: p50/p99 per kind, errors (5xx or an answer the page would
not give), and the alert's rate with and without the web mix beside it.
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing as mp
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bulletin.benchmarks import fanout, signups
from bulletin.benchmarks.readers import make_confirmed_readers
from bulletin.config import Settings
from bulletin.domain.addresses import address_key
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store import lists as list_store
from bulletin.store import migrate
from bulletin.store.db import Database
from bulletin.store.readers import subscribers as subscriber_store

KINDS = ("signup", "confirm", "unsubscribe")
STALL_S = 60.0


@dataclass
class Options:  # not frozen: fanout's DatabaseChoice protocol reads plain attributes
    subscribers: int = 100_000
    database: str = "sqlite"
    postgres_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    concurrency: int = 8
    connections: int = 16
    batch: int = 500
    quiet_operations: int = 300  # the web mix alone, before any alert


@dataclass
class Mix:
    """What the web mix did: latencies per kind, errors, and whom it unsubscribed."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    pending: list[str] = field(default_factory=list)  # signed up, not yet confirmed
    unsubscribed: set[int] = field(default_factory=set)
    next_leaver: int = 0  # loaded readers leave from the highest id down
    serial: itertools.count[int] = field(default_factory=itertools.count)  # new addresses

    def figures(self, seconds: float) -> dict[str, Any]:
        done = sum(len(v) for v in self.latencies.values())
        return {
            "operations": done,
            "per_s": round(done / seconds, 1) if seconds > 0 else None,
            "errors": self.errors,
            "unsubscribes": len(self.latencies["unsubscribe"]),
            **{f"{kind}_ms": signups._percentiles(v) for kind, v in self.latencies.items()},
        }


def run(options: Options) -> dict[str, Any]:
    workdir = tempfile.mkdtemp(prefix="bulletin-busy-")
    url, drop = fanout._database(options, workdir)
    campaign = mp.Value("q", 0, lock=False)
    sink: fanout.Sink | None = None
    try:
        db = Database(url)
        migrate.upgrade(db)
        make_confirmed_readers(db, options.subscribers)
        db.dispose()
        fanout._settle(url)
        sink = fanout._start_sink(fanout.Options(subscribers=options.subscribers), campaign)
        return _measure(options, url, workdir, sink, campaign)
    finally:
        if sink is not None:
            fanout._stop(sink.process)
        drop()
        shutil.rmtree(workdir, ignore_errors=True)


def _measure(
    options: Options, url: str, workdir: str, sink: fanout.Sink, campaign: Any
) -> dict[str, Any]:
    port = fanout._free_port()
    env = _env(options, url, workdir, port, sink.port)
    server = signups._serve(env, port)
    ctx = Context(settings=Settings.from_env(env), db=Database(url))
    base = f"http://127.0.0.1:{port}"
    mix = Mix(next_leaver=options.subscribers)
    try:
        started = time.monotonic()
        asyncio.run(_web(options, base, ctx, mix, until=lambda: _done(mix, options)))
        alone = mix.figures(time.monotonic() - started)
        quiet = _send(options, ctx, sink, campaign, n=1, gone=mix.unsubscribed, web=None)
        # The same serial: an address of the first run signed up again is no sign-up.
        busy_mix = Mix(
            next_leaver=mix.next_leaver, unsubscribed=set(mix.unsubscribed), serial=mix.serial
        )
        busy = _send(options, ctx, sink, campaign, n=2, gone=mix.unsubscribed, web=(base, busy_mix))
    finally:
        ctx.db.dispose()
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    return {
        "database": ctx.db.dialect,
        "subscribers": options.subscribers,
        "concurrency": options.concurrency,
        "web_alone": alone,
        "send_alone": quiet["send"],
        "send_with_web": busy["send"],
        "web_during_send": busy["web"],
        "send_rate_kept": (
            round(busy["send"]["messages_per_s"] / quiet["send"]["messages_per_s"], 3)
            if quiet["send"]["messages_per_s"] and busy["send"]["messages_per_s"]
            else None
        ),
    }


def _done(mix: Mix, options: Options) -> bool:
    return sum(len(v) for v in mix.latencies.values()) >= options.quiet_operations


def _send(
    options: Options,
    ctx: Context,
    sink: fanout.Sink,
    campaign: Any,
    *,
    n: int,
    gone: set[int],
    web: tuple[str, Mix] | None,
) -> dict[str, Any]:
    """Fire one alert to all but the `gone` readers; with `web` (base URL, mix), run the
    mix until its last message arrived."""
    mix = web[1] if web else None
    sink.counters.reset()
    campaign.value = 0
    gone_before = set(gone)
    fired_at = time.monotonic()
    fired = alerts.fire_alert(ctx, fanout._alert(100 + n), actor=None)
    campaign.value = fired.campaign_id
    wanted = [sid for sid in range(1, options.subscribers + 1) if sid not in gone_before]
    finished: dict[str, float] = {}

    def arrived() -> bool:
        # A reader who left during the send may or may not get it: not waited for.
        seen, left = _seen(sink), mix.unsubscribed if mix else set()
        if all(seen[sid] or sid in left for sid in wanted):
            finished.setdefault("at", time.monotonic())
            return True
        return False

    during: dict[str, Any] | None = None
    if web is None:
        _poll(arrived)
    else:
        asyncio.run(_web(options, web[0], ctx, web[1], until=arrived))
        during = web[1].figures(time.monotonic() - fired_at)
    seconds = finished.get("at", time.monotonic()) - fired_at
    seen = _seen(sink)
    sent = sum(1 for sid in wanted if seen[sid])
    return {
        "send": {
            "campaign": fired.campaign_id,
            "messages": sent,
            "missing": len(wanted) - sent,
            "seconds": round(seconds, 2),
            "messages_per_s": round(sent / seconds, 1) if seconds > 0 else None,
        },
        "web": during,
    }


def _poll(arrived: Callable[[], bool]) -> None:
    deadline = time.monotonic() + STALL_S * 10
    while not arrived() and time.monotonic() < deadline:
        time.sleep(0.05)


async def _web(
    options: Options, base: str, ctx: Context, mix: Mix, *, until: Callable[[], bool]
) -> None:
    with ctx.db.transaction() as conn:
        (breaking,) = list_store.by_slugs(conn, ["breaking"])

    async def worker(first: int) -> None:
        kinds = itertools.islice(itertools.cycle(KINDS), first, None)
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            while not await asyncio.to_thread(until):
                kind = next(kinds)
                started = time.monotonic()
                ok = await _operation(kind, client, ctx, mix, next(mix.serial), breaking.id)
                if ok is not None:
                    mix.latencies[kind].append(time.monotonic() - started)
                    mix.errors[kind] += not ok

    await asyncio.gather(*(worker(i) for i in range(options.concurrency)))


async def _operation(
    kind: str, client: httpx.AsyncClient, ctx: Context, mix: Mix, i: int, list_id: int
) -> bool | None:
    """One request pair of the mix: True if answered as a browser expects, None if skipped."""
    if kind == "signup":
        email = f"busy{i}@readers.example.org"
        fields = await signups._form(client)
        client_ip = signups._distinct_client(i, 10)
        data = {**fields, "email": email, "lists": ["breaking"]}
        answer = await client.post("/subscribe", data=data, headers={"X-Forwarded-For": client_ip})
        if answer.status_code == 303:
            mix.pending.append(email)
        return answer.status_code == 303
    if kind == "confirm":
        if not mix.pending:
            return None
        email = mix.pending.pop()
        reader_id = await asyncio.to_thread(_reader_id, ctx, email)
        link = f"/confirm/{ctx.tokens.confirm(reader_id, email)}"
        page = await client.get(link)
        token = dict(signups._FIELD.findall(page.text)).get("csrf_token", "")
        answer = await client.post(link, data={"csrf_token": token})
        return answer.status_code == 200 and "subscribed" in answer.text
    mix.next_leaver -= 1
    leaver = mix.next_leaver
    mix.unsubscribed.add(leaver)
    answer = await client.post(
        f"/unsubscribe/{ctx.tokens.unsubscribe(leaver, list_id)}",
        data={"List-Unsubscribe": "One-Click"},
    )
    return answer.status_code < 400


def _reader_id(ctx: Context, email: str) -> int:
    with ctx.db.transaction() as conn:
        found = subscriber_store.find_by_keys(conn, [address_key(email)])
    return next(iter(found.values())).id


def _env(options: Options, url: str, workdir: str, port: int, sink_port: int) -> dict[str, str]:
    env = signups._env(url, workdir, port, min_fill_s=0)
    relay = f"smtp://127.0.0.1:{sink_port}?starttls=off&connections={options.connections}"
    return {
        **env,
        "BULLETIN_RELAYS": relay,
        "BULLETIN_WORKER_BATCH": str(options.batch),
        # Sign-ups from distinct networks at a steady pace: no limit is what is measured.
        "BULLETIN_CONFIRMATION_LIMIT": "1000000/minute",
    }


def _seen(sink: fanout.Sink) -> bytes:
    """How often each reader's message arrived (this benchmark runs the aiosmtpd sink)."""
    assert sink.counters.seen is not None
    return bytes(sink.counters.seen)
