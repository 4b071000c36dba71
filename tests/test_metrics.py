"""What the metrics count, and that nothing is counted while they are off."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from bulletin import metrics


@pytest.fixture(autouse=True)
def counting() -> Iterator[None]:
    metrics.enable()
    yield
    metrics.enable()


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_batch_of_replies_is_counted_by_relay_result_and_code() -> None:
    before = {
        (r, c): _sample("bulletin_messages_total", relay="spec-relay", result=r, code=c)
        for r, c in (("sent", "250"), ("deferred", "421"), ("refused", "550"), ("unreachable", "0"))
    }
    metrics.relay_answers("spec-relay", [250, 250, 421, 550, 0])
    after = {
        key: _sample("bulletin_messages_total", relay="spec-relay", result=key[0], code=key[1])
        for key in before
    }
    assert {k: after[k] - before[k] for k in before} == {
        ("sent", "250"): 2,
        ("deferred", "421"): 1,
        ("refused", "550"): 1,
        ("unreachable", "0"): 1,
    }


def test_nothing_is_counted_while_metrics_are_off() -> None:
    metrics.disable()
    before = _sample("bulletin_signups_total", outcome="accepted")
    metrics.signup("accepted")
    metrics.relay_answers("off-relay", [250])
    metrics.claimed_in(0.1)
    assert _sample("bulletin_signups_total", outcome="accepted") == before
    assert _sample("bulletin_messages_total", relay="off-relay", result="sent", code="250") == 0


def test_the_ledger_figures_are_read_at_each_scrape() -> None:
    reads: list[int] = []

    def read() -> tuple[metrics.LedgerRows, tuple[int, float] | None]:
        reads.append(1)
        return [(7, "alert", "queued", 120), (7, "alert", "sent", 30)], (5, 42.5)

    collector = metrics.LedgerCollector(read)
    text = metrics.exposition(collector).decode()
    assert 'bulletin_campaign_messages{campaign="7",kind="alert",status="queued"} 120.0' in text
    assert 'bulletin_briefing_first_send_lag_seconds{campaign="5"} 42.5' in text
    metrics.exposition(collector)
    assert len(reads) == 2


def _in_process(script: str, directory: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_in_multi_process_mode_the_exposition_adds_up_every_process(tmp_path: Path) -> None:
    count = "from bulletin import metrics; metrics.relay_answers('relay-a', [250] * {n})"
    _in_process(count.format(n=3), tmp_path)  # a worker that has stopped
    _in_process(count.format(n=4), tmp_path)  # another
    text = _in_process(
        "from bulletin import metrics; metrics.relay_answers('relay-a', [250]);"
        "print(metrics.exposition().decode())",
        tmp_path,
    )
    assert 'bulletin_messages_total{code="250",relay="relay-a",result="sent"} 8.0' in text


def test_clicks_are_counted_by_verdict() -> None:
    before = _sample("bulletin_clicks_total", verdict="scanner")
    metrics.clicks({"scanner": 3, "counted": 1})
    assert _sample("bulletin_clicks_total", verdict="scanner") == before + 3
