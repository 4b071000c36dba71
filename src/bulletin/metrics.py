"""Bulletin's Prometheus metrics: what is counted where, in one place.

The counters and histograms live in the processes that do the work (the engine in
`serve` or `bulletin worker`, the web app, the inbound listener). With
`PROMETHEUS_MULTIPROC_DIR` set (prometheus-client's own variable: a directory shared by
the processes of one machine, emptied before they start), `/metrics` of `serve` adds up
every process's; a worker on another machine shows its own with `--metrics-port`.

Callers count through the small functions below, never through prometheus-client, and
every one of them is a no-op while `disable()` is in force (`BULLETIN_METRICS=off`):
the delivery benchmark measures the engine both ways.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

_enabled = True
disable_created_metrics()  # a `_created` series per counter doubles the scrape for nothing

MESSAGES = Counter(
    "bulletin_messages",
    "Messages a relay answered (or could not be reached for), by relay and result.",
    ["relay", "result", "code"],
)
CLAIM_SECONDS = Histogram(
    "bulletin_claim_seconds",
    "Time to claim a batch of due messages from the ledger.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
FLUSH_SECONDS = Histogram(
    "bulletin_flush_seconds",
    "Time to record a batch of relay answers in the ledger.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
LEASE_EXPIRIES = Counter(
    "bulletin_lease_expiries", "Ledger rows whose worker died holding them, returned to the queue."
)
SIGNUPS = Counter(
    "bulletin_signups", "Sign-up requests on the public form, by outcome.", ["outcome"]
)
CONFIRMATIONS = Counter("bulletin_confirmations", "Readers who confirmed a subscription.")
RETURNS = Counter("bulletin_returns", "Returned mail and complaints recorded, by class.", ["kind"])
CLICKS = Counter(
    "bulletin_clicks",
    "Requests to counted links (/r/), by verdict: counted, or set aside (head, scanner, "
    "burst, unsigned, limited).",
    ["verdict"],
)
WEBHOOKS = Counter(
    "bulletin_webhook_deliveries",
    "Outbound webhook attempts, by result: delivered, retry (again later), failed (given up).",
    ["result"],
)


def disable() -> None:
    global _enabled
    _enabled = False


def enable() -> None:
    global _enabled
    _enabled = True


def enabled() -> bool:
    return _enabled


def relay_answers(relay: str, codes: Iterable[int]) -> None:
    """Count one batch of a relay's replies (0: the relay could not be reached). Once per
    message sent: each (relay, code) child is looked up once, then only incremented."""
    if not _enabled:
        return
    for code in codes:
        child = _answers.get((relay, code))
        if child is None:
            child = _answers[(relay, code)] = MESSAGES.labels(relay, _result(code), str(code))
        child.inc()


_answers: dict[tuple[str, int], Counter] = {}


def claimed_in(seconds: float) -> None:
    if _enabled:
        CLAIM_SECONDS.observe(seconds)


def flushed_in(seconds: float) -> None:
    if _enabled:
        FLUSH_SECONDS.observe(seconds)


def leases_expired(count: int) -> None:
    if _enabled and count:
        LEASE_EXPIRIES.inc(count)


def signup(outcome: str) -> None:
    if _enabled:
        SIGNUPS.labels(outcome).inc()


def confirmed(count: int = 1) -> None:
    if _enabled and count:
        CONFIRMATIONS.inc(count)


def returns(kinds: Mapping[str, int]) -> None:
    if not _enabled:
        return
    for kind, count in kinds.items():
        RETURNS.labels(kind).inc(count)


def clicks(verdicts: Mapping[str, int]) -> None:
    if not _enabled:
        return
    for verdict, count in verdicts.items():
        CLICKS.labels(verdict).inc(count)


def webhook_delivery(result: str) -> None:
    if _enabled:
        WEBHOOKS.labels(result).inc()


def exposition(extra: Collector | None = None) -> bytes:
    """The text format of this process's metrics (all of this machine's processes' in
    multi-process mode), then `extra`'s (the ledger's live figures, read at scrape)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    if extra is None:
        return text
    own = CollectorRegistry(auto_describe=False)
    own.register(extra)
    return text + generate_latest(own)


def process_gone(pid: int) -> None:
    """A process of this machine stopped: its live gauges no longer count."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _multiprocess.mark_process_dead(pid)


def _result(code: int) -> str:
    if code == 0:
        return "unreachable"
    if code < 300:
        return "sent"
    return "refused" if code >= 500 else "deferred"


LedgerRows = list[tuple[int, str, str, int]]


class LedgerCollector(Collector):
    """Per sending campaign, its ledger rows by status (queue depth; `rate()` over the
    sent rows is its sending rate), and the latest briefing's first-send lag: read from
    the database at each scrape by `read`, so every process's sending is in it."""

    def __init__(self, read: Callable[[], tuple[LedgerRows, tuple[int, float] | None]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        rows, lag = self._read()
        by_status = GaugeMetricFamily(
            "bulletin_campaign_messages",
            "Ledger rows of each campaign sending now, by status (queued is the queue depth).",
            labels=["campaign", "kind", "status"],
        )
        for campaign_id, kind, status, count in rows:
            by_status.add_metric([str(campaign_id), kind, status], count)
        yield by_status
        lagging = GaugeMetricFamily(
            "bulletin_briefing_first_send_lag_seconds",
            "Seconds between the latest briefing's first planned send and its actual send.",
            labels=["campaign"],
        )
        if lag is not None:
            lagging.add_metric([str(lag[0])], lag[1])
        yield lagging
