"""The redirect's own cost: `python bench/clicks_app.py [--requests 5000] [--profile]`.

`bulletin bench clicks` measures `/r/…` over HTTP against a real serve, with the
machine's load in the figure. This calls the web app directly in one process (no HTTP,
no other process), each request from a client address of its own as after an alert,
and prints microseconds per redirect; `--profile` adds cProfile's heaviest functions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import tempfile
import time
from typing import Any

from bulletin.benchmarks.clicks import BROWSER, alert_links, settings_for
from bulletin.benchmarks.readers import SUPPRESSION_KEY, make_confirmed_readers
from bulletin.services.context import Context
from bulletin.store import migrate
from bulletin.store.db import Database
from bulletin.web.app import create_app

PORT = 8000


def _scope(path: str, n: int) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"user-agent", BROWSER.encode())],
        "client": (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}", 50000),
        "server": ("127.0.0.1", PORT),
    }


async def _calls(app: Any, paths: list[str], count: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert message["status"] == 302, message

    started = time.perf_counter()
    for n in range(count):
        await app(_scope(paths[n % len(paths)], n), receive, send)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readers", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bulletin-clicks-app-") as workdir:
        url = f"sqlite:///{workdir}/bulletin.db"
        db = Database(url)
        migrate.upgrade(db, suppression_key=SUPPRESSION_KEY)
        make_confirmed_readers(db, args.readers)
        _, paths = alert_links(db, url, PORT, workdir)
        settings = settings_for(url, PORT, workdir).replace(click_limit_ip="1000000/minute")
        app = create_app(Context(settings=settings, db=db))
        asyncio.run(_calls(app, paths, 500))  # warm: the campaign's links read and held
        elapsed = asyncio.run(_calls(app, paths, args.requests))
        print(
            json.dumps(
                {
                    "requests": args.requests,
                    "us_per_redirect": round(elapsed / args.requests * 1e6, 1),
                }
            )
        )
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            asyncio.run(_calls(app, paths, args.requests))
            profile.disable()
            pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        db.dispose()


if __name__ == "__main__":
    main()
