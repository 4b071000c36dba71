"""Subject tests: two or three subjects raced on a share of an alert's readers.

A share of the audience (chosen by a hash of the reader's id, so a rerun of the fan-out
picks the same readers) is split between the subjects and sent at once; everyone else
waits for the window to close. Then the subject whose test readers clicked most (unique
clickers, the campaign's counted links) goes to the rest. Each ledger row carries the
subject it was sent with from the moment it is written (`variant`), or none for the
rest, who all get the one winner, decided once and stored: so no reader gets two
subjects, whatever crashes or retries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bulletin.domain.addresses import ensure_header_safe
from bulletin.domain.errors import InvalidAlert

MAX_SUBJECT = 200
MAX_SUBJECTS = 3
SHARE_PERCENT = (2, 50)
WINDOW_MINUTES = (3, 120)
DEFAULT_SHARE_PERCENT = 10
DEFAULT_WINDOW_MINUTES = 5
# The rest must go out before the alert expires, with this much time to send them.
BEFORE_EXPIRY = timedelta(minutes=1)

# The reasons a race ended the way it did, as the desk words them.
WON = "won"
TIE = "tie"
TOO_FEW = "too-few-clicks"


@dataclass(frozen=True)
class SubjectTest:
    """What the editor asked for: the subjects (the first is the fallback), the share of
    readers in the race, how long it runs, and the fewest clicks a winner needs."""

    subjects: tuple[str, ...]
    share_percent: int = DEFAULT_SHARE_PERCENT
    window_s: int = DEFAULT_WINDOW_MINUTES * 60
    min_clicks: int = 10

    @property
    def window_minutes(self) -> int:
        return self.window_s // 60


@dataclass(frozen=True)
class Split:
    """How the fan-out divides the audience: `variants` subjects for the readers whose
    hash falls under `share_permille`, the rest held until `decide_at`."""

    variants: int
    share_permille: int
    salt: int
    decide_at: datetime


@dataclass(frozen=True)
class Decision:
    winner: int
    reason: str  # WON, TIE or TOO_FEW


@dataclass(frozen=True)
class Standing:
    """One subject in the race: its readers sent so far and their unique clickers."""

    variant: int
    subject: str
    sent: int
    clickers: int

    @property
    def rate(self) -> float:
        return self.clickers / self.sent if self.sent else 0.0


def validate(
    subjects: Sequence[str],
    *,
    share_percent: int,
    window_minutes: int,
    min_clicks: int,
    expiry_s: int,
) -> SubjectTest:
    """The test tidied, or InvalidAlert saying what to change."""
    tidy = [" ".join(ensure_header_safe(s.strip(), field="subject").split()) for s in subjects]
    tidy = [s for s in tidy if s]
    if len(tidy) < 2:
        raise InvalidAlert("A subject test needs at least two subjects.")
    if len(tidy) > MAX_SUBJECTS:
        raise InvalidAlert(f"A subject test races at most {MAX_SUBJECTS} subjects.")
    if len({s.casefold() for s in tidy}) < len(tidy):
        raise InvalidAlert("The subjects of a test must differ from each other.")
    if any(len(s) > MAX_SUBJECT for s in tidy):
        raise InvalidAlert(f"Keep each subject under {MAX_SUBJECT} characters.")
    low, high = SHARE_PERCENT
    if not low <= share_percent <= high:
        raise InvalidAlert(f"The test share must be from {low} % to {high} % of readers.")
    low, high = WINDOW_MINUTES
    if not low <= window_minutes <= high:
        raise InvalidAlert(f"The test must run from {low} to {high} minutes.")
    if timedelta(minutes=window_minutes) > timedelta(seconds=expiry_s) - BEFORE_EXPIRY:
        raise InvalidAlert(
            f"The test would end after the alert expires ({expiry_s // 60} minutes after "
            "sending, less one to send the winner): shorten the test."
        )
    return SubjectTest(tuple(tidy), share_percent, window_minutes * 60, max(min_clicks, 1))


def decide_at(started_at: datetime, window_s: int, expires_at: datetime | None) -> datetime:
    """When the race ends: after its window, never so late the winner misses the expiry."""
    end = started_at + timedelta(seconds=window_s)
    if expires_at is not None:
        end = min(end, expires_at - BEFORE_EXPIRY)
    return max(end, started_at)


def decide(clickers: Mapping[int, int], variants: int, *, min_clicks: int) -> Decision:
    """The subject with the most unique clickers, if it has at least `min_clicks` and no
    other has as many; otherwise the first subject (the one the editor wrote first)."""
    counts = [clickers.get(v, 0) for v in range(variants)]
    best = max(counts)
    if best < min_clicks:
        return Decision(0, TOO_FEW)
    leaders = [v for v, n in enumerate(counts) if n == best]
    if len(leaders) > 1:
        return Decision(0, TIE)
    return Decision(leaders[0], WON)


def describe(decision: Decision, subjects: Sequence[str]) -> str:
    """The decision in the desk's words."""
    chosen = subjects[decision.winner]
    if decision.reason == TOO_FEW:
        return f"Too few clicks to tell: the first subject, “{chosen}”, went to the rest."
    if decision.reason == TIE:
        return f"A tie: the first subject, “{chosen}”, went to the rest."
    return f"“{chosen}” drew the most unique clickers and went to the rest."
