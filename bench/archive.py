"""The archive load test: `python bench/archive.py [--clients 200] [--seconds 30]`, one JSON line.

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


async def _client(http: httpx.AsyncClient, url: str, until: float, times: list[float]) -> int:
    errors = 0
    while time.perf_counter() < until:
        started = time.perf_counter()
        response = await http.get(url)
        times.append(time.perf_counter() - started)
        errors += response.status_code != 200
    return errors


async def _load(url: str, clients: int, seconds: float) -> dict[str, float]:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    times: list[float] = []
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        await http.get(url)  # rendered once, before the crowd
        until = time.perf_counter() + seconds
        errors = sum(
            await asyncio.gather(*(_client(http, url, until, times) for _ in range(clients)))
        )
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
            url = f"http://127.0.0.1:{port}/archive/breaking/{campaign_id}"
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
            {"bench": "archive", "clients": args.clients, "seconds": args.seconds, **figures}
        )
    )


if __name__ == "__main__":
    main()
