"""Group commit: work from many threads done a batch at a time, in one transaction each.

Returned mail arrives from many threads at once (the inbound listener's connections,
the web server's webhook requests), and each return alone is a short write: on SQLite
its transaction costs more than its work, and only one writes at a time anyway. Here
the first thread to arrive leads: it takes everything queued (up to `max_batch`) and
does it in one call of `work`; threads that arrive meanwhile queue their items and
wait. When a batch is done, its threads are woken with their results and the oldest
waiting thread leads the next one. Nobody lingers: under light load a batch is one
item and goes at once; under heavy load batches grow by themselves.

A caller hears its results only after `work` returned, that is after the commit: a
return acknowledged (250 to a relay, 200 to a provider) is stored. When a batch fails,
its items are done again one at a time, so an item that always fails fails alone.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, cast

Item = TypeVar("Item")
Result = TypeVar("Result")
MAX_BATCH = 200


class _Slot(Generic[Item, Result]):
    __slots__ = ("done", "error", "item", "lead", "result")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.result: Result | None = None
        self.error: BaseException | None = None
        self.done = False
        self.lead = False  # woken to lead the next batch


class GroupCommit(Generic[Item, Result]):
    """`run(items)` from any thread; `work(batch)` runs one batch, returning a result each."""

    def __init__(
        self, work: Callable[[list[Item]], list[Result]], *, max_batch: int = MAX_BATCH
    ) -> None:
        self._work = work
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: deque[_Slot[Item, Result]] = deque()
        self._leading = False

    @property
    def waiting(self) -> int:
        """Items queued for a batch not yet begun."""
        with self._lock:
            return len(self._queue)

    def run(self, items: Sequence[Item]) -> list[Result]:
        """Results in the order of `items`; raises what doing one of them raised."""
        slots: list[_Slot[Item, Result]] = [_Slot(item) for item in items]
        if not slots:
            return []
        with self._lock:
            self._queue.extend(slots)
            leads = not self._leading
            self._leading = True
        while True:
            if leads:
                self._lead()
            with self._lock:
                while not all(slot.done for slot in slots) and not any(s.lead for s in slots):
                    self._wake.wait()
                if all(slot.done for slot in slots):
                    break
                for slot in slots:
                    slot.lead = False
                leads = True
        for slot in slots:
            if slot.error is not None:
                raise slot.error
        return [cast(Result, slot.result) for slot in slots]

    def _lead(self) -> None:
        """Do one batch, then hand the lead to the oldest waiting slot (or give it up)."""
        with self._lock:
            batch = [self._queue.popleft() for _ in range(min(self._max_batch, len(self._queue)))]
        self._do(batch)
        with self._lock:
            for slot in batch:
                slot.done = True
            if self._queue:
                self._queue[0].lead = True
            else:
                self._leading = False
            self._wake.notify_all()

    def _do(self, batch: list[_Slot[Item, Result]]) -> None:
        try:
            results = self._work([slot.item for slot in batch])
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
                return
            for slot in batch:  # one at a time: a bad item fails alone
                self._do([slot])
            return
        for slot, result in zip(batch, results, strict=True):
            slot.result = result
