"""What one check of the doctor found: a verdict, its reason and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Verdict:
    """One check's outcome. `subject` names what was checked when a check runs more than
    once (each relay); `fix` says what to do, as exactly as the doctor can (a record)."""

    check: str
    status: Status
    reason: str
    fix: str | None = None
    subject: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {
            "check": self.check,
            "subject": self.subject,
            "status": self.status.value,
            "reason": self.reason,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Report:
    verdicts: tuple[Verdict, ...]

    @property
    def failed(self) -> bool:
        return any(v.status is Status.FAIL for v in self.verdicts)

    def count(self, status: Status) -> int:
        return sum(1 for v in self.verdicts if v.status is status)

    def as_json(self) -> dict[str, object]:
        return {
            "ok": not self.failed,
            "counts": {status.value: self.count(status) for status in Status},
            "checks": [v.as_json() for v in self.verdicts],
        }
