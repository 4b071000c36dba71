"""`bulletin bench signups`: a sign-up flood against a real `bulletin serve` on loopback.

The serve runs with its default limits, behind a "proxy" it trusts (the benchmark on
127.0.0.1 says who each client is in `X-Forwarded-For`). Into it go, at a fixed
concurrency: one client signing up thousands of addresses, a /24 sweeping its hosts,
case, `+tag` and dot variants of one Gmail mailbox from everywhere, robots (honeypot
filled, forms sent back at once), then a spread flood from distinct networks that
only the service-wide confirmation limit can stop. Beside them, a few legitimate
readers sign up at a person's pace, each from a network of their own, and confirm by
the link in their email. Every answer is counted by the rule that gave it.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bulletin.benchmarks.fanout import SECRET, _free_port
from bulletin.benchmarks.readers import SUPPRESSION_KEY
from bulletin.domain.addresses import address_key, mailbox_key
from bulletin.mail.catcher import caught
from bulletin.store.db import Database
from bulletin.store.readers import subscribers as subscriber_store

_FIELD = re.compile(r'name="(csrf_token|form_started)" value="([^"]+)"')
TARGET = "target.reader@gmail.com"
# What each answer's page says, to count it by the rule that gave it.
_REFUSALS = {
    "from your connection": "ip",
    "from your network": "network",
    "confirmation emails to this address": "mailbox",
    "great many sign-ups": "confirmations",
    "looked like a robot": "honeypot",
    "quicker than we expected": "too_fast",
    "out of date": "expired",
}
_SHARES = {"ip": 0.30, "network": 0.20, "mailbox": 0.15, "honeypot": 0.10, "too_fast": 0.10}


@dataclass(frozen=True)
class Options:
    requests: int = 2000
    concurrency: int = 8
    legitimate: int = 40
    person_pause_s: float = 1.5
    min_fill_s: int = 1  # the serve's BULLETIN_SIGNUP_MIN_FILL_SECONDS


@dataclass(frozen=True)
class Attempt:
    phase: str
    email: str
    client: str
    honeypot: bool = False
    fresh_form: bool = False  # fetch the form and send it straight back


@dataclass
class Tally:
    answers: dict[str, Counter[str]] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)

    def count(self, phase: str, answer: str, seconds: float) -> None:
        self.answers.setdefault(phase, Counter())[answer] += 1
        self.latencies.append(seconds)


def run(options: Options) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bulletin-signups-") as workdir:
        url = f"sqlite:///{workdir}/bulletin.db"
        port = _free_port()
        env = _env(url, workdir, port, min_fill_s=options.min_fill_s)
        subprocess.run(
            [sys.executable, "-m", "bulletin.cli", "db", "upgrade"],
            env=env,
            check=True,
            capture_output=True,
        )
        server = _serve(env, port)
        try:
            return _measure(options, f"http://127.0.0.1:{port}", Path(workdir), url)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)


def _measure(options: Options, base: str, workdir: Path, url: str) -> dict[str, Any]:
    flood, spread = _plan(options)
    legit = [f"reader{i}@legit.example.org" for i in range(options.legitimate)]
    tally = Tally()
    started = time.monotonic()
    asyncio.run(_phase_one(options, base, flood, legit, tally))
    asyncio.run(_workers(base, spread, options.concurrency, tally, options.min_fill_s))
    flood_s = time.monotonic() - started
    accepted = sum(c["accepted"] for c in tally.answers.values())
    messages = _await_mail(workdir / "catcher", expected=accepted)
    confirmed_links = _confirm(base, messages, legit)
    return {
        "requests": sum(sum(c.values()) for c in tally.answers.values()),
        "concurrency": options.concurrency,
        "flood_seconds": round(flood_s, 1),
        "answers_by_phase": {phase: dict(c) for phase, c in sorted(tally.answers.items())},
        "refused_by_rule": dict(
            sum((c for c in tally.answers.values()), Counter()) - Counter(accepted=accepted)
        ),
        "accepted": accepted,
        "confirmation_emails": len(messages),
        "target_mailbox": {
            "variants_sent": tally.answers["mailbox"].total(),
            "confirmations_received": sum(
                mailbox_key(address_key(m.recipients)) == mailbox_key(address_key(TARGET))
                for m in messages
            ),
        },
        "latency_ms": _percentiles(tally.latencies),
        "legitimate": {
            "signed_up": len(legit),
            "accepted": tally.answers["legitimate"]["accepted"],
            "confirmed_by_link": confirmed_links,
            "stored_and_confirmed": _stored_confirmed(url, legit),
        },
    }


def _plan(options: Options) -> tuple[list[Attempt], list[Attempt]]:
    """The abusive requests: the mixed flood, and the spread one sent after it."""
    budget = options.requests - options.legitimate
    sizes = {phase: int(budget * share) for phase, share in _SHARES.items()}
    spread_size = budget - sum(sizes.values())
    makers: dict[str, Callable[[int], Attempt]] = {
        "ip": lambda i: Attempt("ip", f"ip{i}@flood.example.org", "198.51.100.7"),
        "network": lambda i: Attempt(
            "network", f"net{i}@flood.example.org", f"203.0.113.{i % 254 + 1}"
        ),
        "mailbox": lambda i: Attempt("mailbox", _variant(i), _distinct_client(i, 100)),
        "honeypot": lambda i: Attempt(
            "honeypot", f"pot{i}@flood.example.org", _distinct_client(i, 120), honeypot=True
        ),
        "too_fast": lambda i: Attempt(
            "too_fast", f"fast{i}@flood.example.org", _distinct_client(i, 140), fresh_form=True
        ),
    }
    flood = [makers[phase](i) for phase, size in sizes.items() for i in range(size)]
    random.Random(20).shuffle(flood)
    spread = [
        Attempt("spread", f"spread{i}@flood.example.org", _distinct_client(i, 160))
        for i in range(spread_size)
    ]
    return flood, spread


def _variant(i: int) -> str:
    """The i-th spelling of the target's mailbox: letter case, a +tag, dots, googlemail."""
    local = "targetreader"
    dotted = ".".join(local) if i % 3 == 0 else f"{local[: i % 11 + 1]}.{local[i % 11 + 1 :]}"
    cased = dotted.upper() if i % 2 else dotted
    domain = "googlemail.com" if i % 4 == 1 else "gmail.com"
    return f"{cased}+{i}@{domain}" if i % 5 else f"{cased}@{domain}"


def _distinct_client(i: int, first: int) -> str:
    """An address in a /24 of its own (none of them the trusted proxy's)."""
    return f"{first + i // 250}.{i % 250}.7.1"


async def _phase_one(
    options: Options, base: str, flood: list[Attempt], legit: list[str], tally: Tally
) -> None:
    """The flood on all but two workers; two legitimate readers at a time beside it."""
    people = min(2, options.concurrency - 1)
    await asyncio.gather(
        _workers(base, flood, options.concurrency - people, tally, options.min_fill_s),
        _people(base, legit, people, options.person_pause_s, tally),
    )


async def _workers(
    base: str, attempts: list[Attempt], count: int, tally: Tally, min_fill_s: int
) -> None:
    queue: asyncio.Queue[Attempt] = asyncio.Queue()
    for attempt in attempts:
        queue.put_nowait(attempt)

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            form = await _form(client)
            if min_fill_s:  # one pause, then the same form again and again
                await asyncio.sleep(min_fill_s + 0.1)
            while not queue.empty():
                attempt = queue.get_nowait()
                fields = await _form(client) if attempt.fresh_form else form
                await _post(client, attempt, fields, tally)

    await asyncio.gather(*(worker() for _ in range(count)))


async def _people(base: str, emails: list[str], count: int, pause_s: float, tally: Tally) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(emails)):
        queue.put_nowait(i)

    async def person() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            async with httpx.AsyncClient(base_url=base, timeout=60) as client:
                fields = await _form(client)
                if pause_s:  # reading the box, typing the address
                    await asyncio.sleep(pause_s)
                attempt = Attempt("legitimate", emails[i], f"192.168.{i % 250}.20")
                await _post(client, attempt, fields, tally)

    await asyncio.gather(*(person() for _ in range(count)))


async def _form(client: httpx.AsyncClient) -> dict[str, str]:
    return dict(_FIELD.findall((await client.get("/")).text))


async def _post(
    client: httpx.AsyncClient, attempt: Attempt, fields: dict[str, str], tally: Tally
) -> None:
    data = {**fields, "email": attempt.email, "lists": ["breaking"]}
    if attempt.honeypot:
        data["website"] = "https://cheap-pills.example"
    started = time.monotonic()
    answer = await client.post("/subscribe", data=data, headers={"X-Forwarded-For": attempt.client})
    tally.count(attempt.phase, _answer(answer), time.monotonic() - started)


def _answer(response: httpx.Response) -> str:
    if response.status_code == 303:
        return "accepted"
    found = next((rule for text, rule in _REFUSALS.items() if text in response.text), None)
    return found or f"status_{response.status_code}"


def _await_mail(catcher: Path, *, expected: int) -> list[Any]:
    """The catcher's messages once as many as accepted sign-ups arrived, or it stopped growing."""
    deadline, last, steady = time.monotonic() + 120, -1, 0
    while time.monotonic() < deadline:
        messages = caught(catcher, limit=1_000_000)
        if len(messages) >= expected:
            return messages
        steady = steady + 1 if len(messages) == last else 0
        if steady >= 30:  # three seconds without a new one: some sign-ups sent none
            return messages
        last = len(messages)
        time.sleep(0.1)
    return caught(catcher, limit=1_000_000)


def _confirm(base: str, messages: list[Any], legit: list[str]) -> int:
    """Follow each legitimate reader's confirmation link as a browser would."""
    wanted = set(legit)
    done = 0
    for message in messages:
        if message.recipients not in wanted:
            continue
        link = next(link for link in message.links if "/confirm/" in link)
        with httpx.Client(timeout=60) as browser:
            page = browser.get(link)
            token = dict(_FIELD.findall(page.text)).get("csrf_token", "")
            answer = browser.post(link, data={"csrf_token": token})
        done += "subscribed" in answer.text
    return done


def _stored_confirmed(url: str, legit: list[str]) -> int:
    db = Database(url)
    try:
        with db.transaction() as conn:
            found = subscriber_store.find_by_keys(conn, [address_key(e) for e in legit])
        return sum(1 for reader in found.values() if reader.confirmed_at is not None)
    finally:
        db.dispose()


def _percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    if not ordered:
        return {"p50": 0.0, "p99": 0.0}

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 1)

    return {"p50": at(0.50), "p99": at(0.99), "max": at(1.0)}


def _env(url: str, workdir: str, port: int, *, min_fill_s: int) -> dict[str, str]:
    env = {
        **os.environ,
        "BULLETIN_DATABASE_URL": url,
        "BULLETIN_SECRET_KEY": SECRET,
        "BULLETIN_SUPPRESSION_KEY": SUPPRESSION_KEY,
        "BULLETIN_DATA_DIR": workdir,
        "BULLETIN_BASE_URL": f"http://127.0.0.1:{port}",
        "BULLETIN_SENDER": "Bench News <alerts@news.example.com>",
        "BULLETIN_CATCHER_PORT": str(_free_port()),
        "BULLETIN_INBOUND_PORT": str(_free_port()),
        "BULLETIN_TRUSTED_PROXIES": "127.0.0.1",  # the benchmark speaks for its clients
        "BULLETIN_SIGNUP_MIN_FILL_SECONDS": str(min_fill_s),
    }
    for name in ("BULLETIN_SMTP_URL", "BULLETIN_RELAYS", "BULLETIN_REDIS_URL"):
        env.pop(name, None)
    return env


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bulletin.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("bulletin serve did not come up")
