"""The archive load test: `python bench/archive.py [--clients 200] [--seconds 30] [--page message]`.

Starts `bulletin serve` on loopback (SQLite in a temporary directory) with one sent
alert, then `--clients` concurrent HTTP/1.1 keep-alive clients fetch that alert's web
version for `--seconds`, as a breaking alert's crowd would. Prints requests/s, the
latency percentiles and the error count. Load generator and server share this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bulletin.config import Settings
from bulletin.delivery.engine import Engine
from bulletin.delivery.relays import relay_from_url
from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions

BIN = Path(sys.executable).parent / "bulletin"
ALERT = AlertDraft(
    headline="Levee breaks north of the city",
    summary="Residents of the river wards are told to leave now.",
    url="https://news.example.com/levee",
)

# What the crowd fetches: the alert's web version, the alerts' list, or their Atom feed.
PAGES = {
    "message": "/archive/breaking/{id}",
    "list": "/archive/breaking",
    "feed": "/archive/breaking/feed.atom",
}


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sent_alert(env: dict[str, str]) -> int:
    settings = Settings.from_env(env)
    ctx = Context.from_settings(settings)
    who = subscriptions.Requester(method="bench", ip="127.0.0.1")
    signed = subscriptions.sign_up(
        ctx, email="r@example.org", list_slugs=["breaking"], requester=who
    )
    subscriptions.confirm(
        ctx, ctx.tokens.confirm(signed.subscriber_id, signed.email), requester=who
    )
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    Engine.on_database(ctx.db, settings, [relay_from_url("memory")]).run_until_idle()
    ctx.db.dispose()
    return campaign_id


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    """One keep-alive GET on an open connection; the status code."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(head.split(b" ", 2)[1])


async def _client(url: str, until: float, times: list[float]) -> int:
    # Each client owns one connection, as each reader's browser would: a shared client
    # pool (httpx's) serialises 200 clients on its own lock and measures itself.
    parts = urlsplit(url)
    request = (
        f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    errors = 0
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            status = await _get(reader, writer, request)
            times.append(time.perf_counter() - started)
            errors += status != 200
    finally:
        writer.close()
    return errors


async def _load(url: str, clients: int, seconds: float) -> dict[str, float]:
    times: list[float] = []
    httpx.get(url, timeout=30)  # rendered once, before the crowd
    until = time.perf_counter() + seconds
    errors = sum(await asyncio.gather(*(_client(url, until, times) for _ in range(clients))))
    times.sort()
    pick = lambda q: round(times[min(len(times) - 1, int(q * len(times)))] * 1000, 2)  # noqa: E731
    return {
        "requests": len(times),
        "requests_per_s": round(len(times) / seconds, 1),
        "p50_ms": pick(0.50),
        "p99_ms": pick(0.99),
        "max_ms": round(times[-1] * 1000, 2),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--page", choices=sorted(PAGES), default="message")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = _port()
        env = {
            **os.environ,
            "BULLETIN_DATABASE_URL": f"sqlite:///{tmp}/bulletin.db",
            "BULLETIN_DATA_DIR": f"{tmp}/data",
            "BULLETIN_BASE_URL": f"http://127.0.0.1:{port}",
            "BULLETIN_CATCHER_PORT": str(_port()),
            "BULLETIN_INBOUND_PORT": str(_port()),
        }
        env.pop("BULLETIN_SMTP_URL", None)
        subprocess.run([BIN, "db", "upgrade"], env=env, check=True, capture_output=True)
        campaign_id = _sent_alert(env)
        server = subprocess.Popen(
            [BIN, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}" + PAGES[args.page].format(id=campaign_id)
            for _ in range(100):
                try:
                    httpx.get(url, timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)  # waiting for the server to start, not for a result
            figures = asyncio.run(_load(url, args.clients, args.seconds))
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    print(
        json.dumps(
            {
                "bench": "archive",
                "page": args.page,
                "clients": args.clients,
                "seconds": args.seconds,
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
