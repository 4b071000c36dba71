"""A test send as a background job: the copies an editor asked for and what became of them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class TestSendStatus(enum.StrEnum):
    __test__ = False  # a name pytest would otherwise try to collect as tests

    QUEUED = "queued"  # stored by the desk, no worker has it yet
    SENDING = "sending"  # a worker holds it (a lease: a worker that dies gives it back)
    DONE = "done"  # every address has its relay's reply (accepted or not)


@dataclass(frozen=True)
class Copy:
    """One composed test message for one address, as the relay will get it."""

    sender: str
    recipient: str
    data: bytes
    eight_bit: bool = False


@dataclass(frozen=True)
class CopyResult:
    recipient: str
    sent: bool
    reply: str


@dataclass(frozen=True)
class TestSendJob:
    id: int
    kind: str  # alert, briefing or special report
    title: str  # what was tested, as the editor knows it (a headline, an edition's date)
    back_path: str  # the desk page the test was sent from
    requested_by: str
    status: TestSendStatus
    recipients: tuple[str, ...]
    results: tuple[CopyResult, ...]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status is TestSendStatus.DONE

    @property
    def sent(self) -> list[str]:
        return [r.recipient for r in self.results if r.sent]

    @property
    def failed(self) -> list[CopyResult]:
        return [r for r in self.results if not r.sent]
