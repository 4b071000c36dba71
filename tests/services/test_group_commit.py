"""Group commit: what many threads hand in at once is done a batch at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial

import pytest

from bulletin.services.group_commit import GroupCommit


class Recorder:
    """A `work` that records its batches; the first waits until the test lets it go."""

    def __init__(self, *, refuse: str = "") -> None:
        self.batches: list[list[str]] = []
        self.first = threading.Event()
        self.release = threading.Event()
        self.refuse = refuse

    def __call__(self, batch: list[str]) -> list[str]:
        if not self.batches:
            self.first.set()
            self.release.wait(timeout=30)
        self.batches.append(batch)
        if self.refuse in batch:
            raise ValueError(f"refused {self.refuse}")
        return [item.upper() for item in batch]


def in_thread(
    target: Callable[[], object], results: dict[str, object], name: str
) -> threading.Thread:
    def run() -> None:
        try:
            results[name] = target()
        except Exception as exc:
            results[name] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def until(condition: Callable[[], bool]) -> None:
    """Wait for another thread to get somewhere (a synchronisation, not a timing)."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the other threads never got there"
        time.sleep(0.001)


def test_one_caller_alone_is_done_at_once_in_a_batch_of_its_own() -> None:
    work = Recorder()
    work.release.set()
    commit = GroupCommit(work)

    assert commit.run(["a", "b"]) == ["A", "B"]
    assert work.batches == [["a", "b"]]


def test_callers_arriving_during_a_batch_are_done_together_in_the_next() -> None:
    work = Recorder()
    commit = GroupCommit(work)
    results: dict[str, object] = {}
    threads = [in_thread(lambda: commit.run(["first"]), results, "first")]
    work.first.wait(timeout=30)
    for name in ("b", "c", "d"):
        threads.append(in_thread(partial(commit.run, [name, name + "2"]), results, name))
    until(lambda: commit.waiting == 6)
    work.release.set()
    for thread in threads:
        thread.join(timeout=30)

    assert work.batches[0] == ["first"]
    assert sorted(work.batches[1]) == ["b", "b2", "c", "c2", "d", "d2"]
    assert len(work.batches) == 2
    assert results == {"first": ["FIRST"], "b": ["B", "B2"], "c": ["C", "C2"], "d": ["D", "D2"]}


def test_a_batch_is_never_larger_than_its_limit() -> None:
    work = Recorder()
    commit = GroupCommit(work, max_batch=2)
    results: dict[str, object] = {}
    threads = [in_thread(lambda: commit.run(["first"]), results, "first")]
    work.first.wait(timeout=30)
    threads.append(in_thread(lambda: commit.run(["a", "b", "c", "d", "e"]), results, "many"))
    until(lambda: commit.waiting == 5)
    work.release.set()
    for thread in threads:
        thread.join(timeout=30)

    assert [len(batch) for batch in work.batches] == [1, 2, 2, 1]
    assert results["many"] == ["A", "B", "C", "D", "E"]


def test_an_item_that_fails_fails_alone_and_the_others_are_done() -> None:
    work = Recorder(refuse="bad")
    commit = GroupCommit(work)
    results: dict[str, object] = {}
    threads = [in_thread(lambda: commit.run(["first"]), results, "first")]
    work.first.wait(timeout=30)
    threads.append(in_thread(lambda: commit.run(["good"]), results, "good"))
    threads.append(in_thread(lambda: commit.run(["bad"]), results, "bad"))
    until(lambda: commit.waiting == 2)
    work.release.set()
    for thread in threads:
        thread.join(timeout=30)

    assert results["good"] == ["GOOD"]
    assert isinstance(results["bad"], ValueError) and "refused bad" in str(results["bad"])
    assert ["good"] in work.batches and ["bad"] in work.batches  # retried one at a time


def test_a_caller_hears_the_error_of_its_own_item() -> None:
    work = Recorder(refuse="bad")
    work.release.set()
    commit = GroupCommit(work)

    with pytest.raises(ValueError, match="refused bad"):
        commit.run(["bad"])
    assert commit.run(["fine"]) == ["FINE"]  # and the next caller is not stuck behind it
