"""`bulletin bench fanout`: one alert to N readers, through real worker processes and sinks.

Creates N confirmed readers, starts the SMTP sink(s) in their own processes, measures
the raw limit (a minimal client feeding the same number of pre-built messages to the
same sinks), then starts K `bulletin worker` processes, fires one alert and waits for
the sinks to count every message. Prints one JSON object of figures.

With `relay_kind` one of ses, sendgrid, mailgun or postmark, the sinks are loopback
servers speaking that provider's API (`provider_api`) and the workers send through
the provider relay; the raw limit, an SMTP figure, is then not measured.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bulletin.benchmarks import dkim as dkim_bench
from bulletin.benchmarks import postfix, provider_api, raw_client
from bulletin.benchmarks.bench_workers import WorkerProcess, combined, cpu_split_per_1000
from bulletin.benchmarks.procs import ProcessMeter, Usage, family_cpu_s
from bulletin.benchmarks.readers import SUPPRESSION_KEY, make_confirmed_readers, sample_message
from bulletin.benchmarks.sink import SinkCounters, serve
from bulletin.config import Settings
from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store import migrate
from bulletin.store.db import Database
from bulletin.store.ledger.counts import campaign_counts

SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
DOMAIN = "news.example.com"
STALL_S = 60.0


@dataclass
class Options:
    subscribers: int
    workers: int = 1
    relay_processes: int = 1
    database: str = "sqlite"
    postgres_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    connections: int = 16
    batch: int = 500
    raw: bool = True
    relay_kind: str = "smtp"
    dkim: bool = False  # a second send signed with DKIM, compared with the first
    metrics: bool = True  # off: the workers count nothing (BULLETIN_METRICS=off)
    sink: str = "aiosmtpd"  # or "smtp-sink": Postfix's, with PIPELINING (`postfix`)
    kill_after: int | None = None  # SIGKILL a worker after this many, start another


@dataclass
class Sink:
    port: int
    counters: SinkCounters | postfix.PostfixCounters
    process: Any  # the aiosmtpd sink's mp.Process, or smtp-sink's Popen


def run(options: Options) -> dict[str, Any]:
    workdir = tempfile.mkdtemp(prefix="bulletin-bench-")
    url, drop = _database(options, workdir)
    campaign = mp.Value("q", 0, lock=False)
    sinks: list[Sink] = []
    try:
        db = Database(url)
        migrate.upgrade(db)
        make_confirmed_readers(db, options.subscribers)
        db.dispose()
        _settle(url)
        sinks = [_start_sink(options, campaign) for _ in range(options.relay_processes)]
        raw_meter = _sink_meter(sinks)
        raw, raw_cpu = _raw_limit(options, url, sinks) or (None, None)
        raw_sink = raw_meter.since_start()
        source = _smtp_source(options, url, sinks)
        for sink in sinks:
            sink.counters.reset()
        figures = _send(options, url, workdir, sinks, campaign)
        if options.dkim:
            figures = _signed_send(options, url, workdir, sinks, campaign, unsigned=figures)
    finally:
        for sink in sinks:
            _stop(sink.process)
        drop()
        shutil.rmtree(workdir, ignore_errors=True)
    figures["raw_limit_messages_per_s"] = round(raw, 1) if raw else None
    figures["raw_client"] = "pipelined" if options.sink == "smtp-sink" else "lock-step"
    figures["raw_client_cpu_s_per_1000"] = (
        round(raw_cpu / options.subscribers * 1000, 4) if raw_cpu else None
    )
    figures["smtp_source_messages_per_s"] = round(source, 1) if source else None
    figures["fraction_of_raw_limit"] = (
        round(figures["messages_per_s"] / raw, 3) if raw and figures["messages_per_s"] else None
    )
    figures["raw_sink_cpu_ms_per_message"] = (
        round(raw_sink.cpu_s / options.subscribers * 1000, 4) if raw else None
    )
    figures["raw_sink_busy"] = (
        round(raw_sink.cpu_s / len(sinks) / (options.subscribers / raw), 3) if raw else None
    )
    figures["raw_sink_waiting_for_cpu"] = (
        round(raw_sink.waiting_s / len(sinks) / (options.subscribers / raw), 3) if raw else None
    )
    return figures


def _signed_send(
    options: Options,
    url: str,
    workdir: str,
    sinks: list[Sink],
    campaign: Any,
    *,
    unsigned: dict[str, Any],
) -> dict[str, Any]:
    """The same fan-out again with DKIM on; its figures, and the comparison as dkim_*."""
    key_file = dkim_bench.write_key(workdir)
    for sink in sinks:
        sink.counters.reset()
    campaign.value = 0  # the sinks count the next campaign to arrive
    signing = dkim_bench.env(key_file, DOMAIN)
    signed = _send(options, url, workdir, sinks, campaign, extra_env=signing, alert_n=2)
    message = sample_message(url, SECRET)
    compared = dkim_bench.figures(
        unsigned,
        signed,
        bare_us=dkim_bench.bare_signature_us(key_file, message),
        two_threads=dkim_bench.two_thread_cpu_per_wall(key_file, message),
    )
    return {**signed, **{f"dkim_{name}": value for name, value in compared.items()}}


def _send(
    options: Options,
    url: str,
    workdir: str,
    sinks: list[Sink],
    campaign: Any,
    *,
    extra_env: dict[str, str] | None = None,
    alert_n: int = 1,
) -> dict[str, Any]:
    env = {**_worker_env(options, url, workdir, sinks), **(extra_env or {})}
    workers = [WorkerProcess(env) for _ in range(options.workers)]
    crash: dict[str, Any] = {}
    try:
        sink_meter = _sink_meter(sinks)
        server_before = family_cpu_s("postgres") if options.database == "postgresql" else 0.0
        ctx = Context(settings=Settings.from_env(env), db=Database(url))
        sent_at = time.time()
        fired = alerts.fire_alert(ctx, _alert(alert_n), actor=None)
        if campaign.value not in (0, fired.campaign_id):
            raise RuntimeError(f"the sink counted campaign {campaign.value}, not the alert's")
        campaign.value = fired.campaign_id
        fire_s = time.time() - sent_at
        if options.kill_after:
            crash = _kill_one(options, sinks, workers, env, ctx, fired.campaign_id)
        _wait_for(
            sinks, options.subscribers, done=_all_served(options, sinks, ctx, fired.campaign_id)
        )
        usage = combined([w.usage or w.measure() for w in workers])
        sink_usage = sink_meter.since_start()
        server_s = family_cpu_s("postgres") - server_before if server_before else None
    finally:
        for worker in workers:
            worker.stop()
    figures = _figures(options, url, sinks, sent_at, fire_s, usage)
    if isinstance(sinks[0].counters, postfix.PostfixCounters):
        figures.update(
            _ledger_tally(ctx, fired.campaign_id, options.subscribers, figures["accepted"])
        )
    ctx.db.dispose()
    accepted = max(figures["accepted"], 1)
    if not crash:  # a killed worker says nothing of its split: the figures would mislead
        figures.update(cpu_split_per_1000(workers, accepted))
    if crash:
        figures.update(crash, recovery_s=round(figures["last_at"] - crash["killed_at"], 2))
        del figures["killed_at"]
    del figures["last_at"]
    figures["sink_cpu_ms_per_message"] = round(sink_usage.cpu_s / accepted * 1000, 4)
    # A PostgreSQL server on this machine: its processes' CPU, reaped backends included.
    figures["server_cpu_s_per_1000"] = round(server_s / accepted * 1000, 4) if server_s else None
    figures["sink_busy"] = round(sink_usage.cpu_s / len(sinks) / figures["total_s"], 3)
    # Busy + waiting near 1: the sink had work all along and lacked a core, not messages.
    figures["sink_waiting_for_cpu"] = round(
        sink_usage.waiting_s / len(sinks) / figures["total_s"], 3
    )
    return figures


def _kill_one(
    options: Options,
    sinks: list[Sink],
    workers: list[WorkerProcess],
    env: dict[str, str],
    ctx: Context,
    campaign_id: int,
) -> dict[str, Any]:
    """Once `kill_after` messages arrived, SIGKILL the first worker and start another.

    Before the new one starts, what the dead one left: the messages the sink took that
    the ledger does not have as sent (the flush group in hand and the replies still on
    the wire). Those, and only those, can go twice: `unrecorded_at_kill` bounds the
    duplicates. With one worker the sink's count settles once the kernel has closed the
    dead worker's connections.
    """
    assert options.kill_after is not None
    while _accepted(sinks) < options.kill_after:
        time.sleep(0.005)
    workers[0].kill()
    killed_at = time.time()
    at_kill = _settled(sinks) if options.workers == 1 else _accepted(sinks)
    with ctx.db.reading() as conn:
        recorded = campaign_counts(conn, campaign_id).sent
    workers.append(WorkerProcess(env))
    return {
        "kill_after": options.kill_after,
        "killed_at_accepted": at_kill,
        "unrecorded_at_kill": max(0, at_kill - recorded) if options.workers == 1 else None,
        "killed_at": killed_at,
    }


def _settled(sinks: list[Sink], *, quiet_s: float = 0.2, at_most_s: float = 5.0) -> int:
    """The sinks' count once it has not moved for `quiet_s` (at most `at_most_s`)."""
    count, since, deadline = _accepted(sinks), time.monotonic(), time.monotonic() + at_most_s
    while time.monotonic() - since < quiet_s and time.monotonic() < deadline:
        time.sleep(0.01)
        now = _accepted(sinks)
        if now != count:
            count, since = now, time.monotonic()
    return count


def _accepted(sinks: list[Sink]) -> int:
    return int(sum(s.counters.accepted.value for s in sinks))


def _all_served(
    options: Options, sinks: list[Sink], ctx: Context, campaign_id: int
) -> Callable[[], bool]:
    """Once the sinks counted N: whether every reader got it (duplicates make N early)."""
    readers = options.subscribers

    def by_message_id() -> bool:
        seen = [bytes(s.counters.seen) for s in sinks if s.counters.seen is not None]
        if len(seen) == 1:
            return seen[0][1 : readers + 1].count(0) == 0
        return all(any(a[sid] for a in seen) for sid in range(1, readers + 1))

    def by_ledger() -> bool:
        with ctx.db.reading() as conn:
            counts = campaign_counts(conn, campaign_id)
        return counts.queued == 0 and counts.sending == 0

    return by_ledger if sinks[0].counters.seen is None else by_message_id


def _ledger_tally(ctx: Context, campaign_id: int, readers: int, accepted: int) -> dict[str, Any]:
    """smtp-sink tells no reader from another: the ledger's sent rows against its count."""
    with ctx.db.reading() as conn:
        sent = campaign_counts(conn, campaign_id).sent
    return {"ledger_sent": sent, "duplicates": max(0, accepted - sent), "missing": readers - sent}


def _figures(
    options: Options, url: str, sinks: list[Sink], sent_at: float, fire_s: float, usage: Usage
) -> dict[str, Any]:
    accepted = _accepted(sinks)
    first = min(s.counters.first_at.value for s in sinks if s.counters.accepted.value)
    last = max(s.counters.last_at.value for s in sinks)
    total_s = last - sent_at
    figures = {
        "subscribers": options.subscribers,
        "workers": options.workers,
        "relay_processes": options.relay_processes,
        "relay_kind": options.relay_kind,
        "sink": options.sink,
        "connections_per_relay": options.connections,
        "database": make_url(url).get_backend_name(),
        "accepted": accepted,
        "fire_s": round(fire_s, 3),
        "first_message_s": round(first - sent_at, 3),
        "total_s": round(total_s, 2),
        "last_at": last,
        "messages_per_s": round(accepted / total_s, 1) if total_s > 0 else None,
        "cpu_s_per_1000": round(usage.cpu_s / max(accepted, 1) * 1000, 4),
        "system_cpu_s_per_1000": round(usage.system_s / max(accepted, 1) * 1000, 4),
        "peak_rss_mb": round(usage.peak_rss_mb, 1),
    }
    seen = [bytes(s.counters.seen) for s in sinks if s.counters.seen is not None]
    if seen:
        per_reader = [sum(a[sid] for a in seen) for sid in range(1, options.subscribers + 1)]
        figures["duplicates"] = sum(max(0, n - 1) for n in per_reader)
        figures["missing"] = sum(1 for n in per_reader if n == 0)
    return figures


def _settle(url: str) -> None:
    """Vacuum and analyse the readers just loaded, as a live database would have them.

    Right after a bulk load PostgreSQL's first read of each page sets its hint bits
    and has no visibility map to count from: Send's audience count took 1.5 s at
    1,000,000 readers, 0.06 s after VACUUM ANALYZE. A newsroom's reader tables are
    not loaded seconds before an alert, so the benchmark measures the settled case.
    """
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("VACUUM ANALYZE subscribers, subscriptions"))
        else:
            conn.execute(text("ANALYZE"))
    engine.dispose()


def _alert(n: int = 1) -> AlertDraft:
    return AlertDraft(
        headline="Benchmark: a breaking alert for every reader",
        summary="This is what a real alert costs to send: rendered once, filled per reader.",
        url=f"https://news.example.com/2026/11/25/benchmark-{n}",
    )


class DatabaseChoice(Protocol):
    """What a benchmark's options say about its database (this one's and the briefing's)."""

    database: str
    postgres_url: str


def _database(options: DatabaseChoice, workdir: str) -> tuple[str, Callable[[], None]]:
    if options.database == "sqlite":
        return f"sqlite:///{workdir}/bench.db", lambda: None
    server = make_url(options.postgres_url)
    name = f"bulletin_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_sink(options: Options, campaign: Any) -> Sink:
    if options.sink == "smtp-sink":
        port = _free_port()
        sink_process, postfix_counters = postfix.start_sink(port)
        _wait_listening(port)
        return Sink(port, postfix_counters, sink_process)
    counters = SinkCounters.create(options.subscribers)
    port, ready = _free_port(), mp.Event()
    target: Callable[..., None] = serve
    args: tuple[Any, ...] = (port, counters, campaign, ready)
    if options.relay_kind != "smtp":
        target, args = provider_api.serve, (options.relay_kind, *args)
    process = mp.Process(target=target, args=args, daemon=True)
    process.start()
    if not ready.wait(30):
        raise RuntimeError("the SMTP sink did not start")
    return Sink(port, counters, process)


def _wait_listening(port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("the SMTP sink did not start") from None
            time.sleep(0.02)


def _sink_meter(sinks: list[Sink]) -> ProcessMeter:
    """The sinks' own CPU: what a message costs the relay shows whether the sender or the
    sink set the pace (a sink near 100 % busy is the limit, whoever feeds it)."""
    return ProcessMeter([s.process.pid for s in sinks if s.process.pid is not None])


def _raw_limit(options: Options, url: str, sinks: list[Sink]) -> tuple[float, float] | None:
    """Measured in a process of its own, like the workers, so that nothing of a million
    messages through asyncio stays in the process that then makes the Send. (Send was
    slow after the raw run mostly for another reason: the reader tables go cold in the
    page cache meanwhile, see the README.) Returns (messages/s, the client's CPU seconds)."""
    if not options.raw or options.relay_kind != "smtp":
        return None
    message = sample_message(url, SECRET)
    rate = mp.Array("d", 2, lock=False)
    client = mp.Process(
        target=_measure_raw,
        args=(
            [s.port for s in sinks],
            options.subscribers,
            options.connections,
            message,
            rate,
            options.sink == "smtp-sink",  # the only sink of the two that offers PIPELINING
        ),
    )
    client.start()
    client.join()
    if client.exitcode != 0:
        raise RuntimeError(f"the raw-limit client failed (exit code {client.exitcode})")
    return float(rate[0]), float(rate[1])


def _measure_raw(
    ports: list[int], count: int, connections: int, message: bytes, rate: Any, pipelined: bool
) -> None:
    started = time.process_time()
    rate[0] = raw_client.messages_per_second(
        ports, count, connections=connections, message=message, pipelined=pipelined
    )
    rate[1] = time.process_time() - started


def _smtp_source(options: Options, url: str, sinks: list[Sink]) -> float | None:
    """Postfix's own client into the same smtp-sink, the same sessions, messages as long."""
    if not options.raw or options.sink != "smtp-sink":
        return None
    size = len(sample_message(url, SECRET))
    return postfix.smtp_source_rate(
        sinks[0].port, options.subscribers, sessions=options.connections, size=size
    )


def _worker_env(options: Options, url: str, workdir: str, sinks: list[Sink]) -> dict[str, str]:
    relays = " ".join(_relay_url(options, s.port) for s in sinks)
    return {
        **os.environ,
        "BULLETIN_DATABASE_URL": url,
        "BULLETIN_RELAYS": relays,
        "BULLETIN_SECRET_KEY": SECRET,
        "BULLETIN_SUPPRESSION_KEY": SUPPRESSION_KEY,
        "BULLETIN_DATA_DIR": workdir,
        "BULLETIN_SENDER": f"Bench News <alerts@{DOMAIN}>",
        "BULLETIN_BASE_URL": "https://news.example.com",
        "BULLETIN_WORKER_BATCH": str(options.batch),
        "BULLETIN_METRICS": "on" if options.metrics else "off",
    }


def _relay_url(options: Options, port: int) -> str:
    if options.relay_kind == "smtp":
        return f"smtp://127.0.0.1:{port}?starttls=off&connections={options.connections}"
    return provider_api.relay_url(
        options.relay_kind,
        port,
        secret=provider_api.BENCH_SECRET,
        options=f"connections={options.connections}",
    )


def _wait_for(sinks: list[Sink], expected: int, *, done: Callable[[], bool]) -> None:
    last_count, last_change = -1, time.monotonic()
    while True:
        count = _accepted(sinks)
        if count >= expected and done():
            return
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > STALL_S:
            return  # report what arrived; `missing` says the rest
        time.sleep(0.05)


def _stop(process: Any) -> None:
    if process.pid and (process.poll() if hasattr(process, "poll") else None) is None:
        try:
            os.kill(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
    try:
        process.wait(30) if hasattr(process, "wait") else process.join(30)
    except subprocess.TimeoutExpired:
        process.kill()
