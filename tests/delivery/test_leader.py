"""Leadership: exactly one process runs the scheduler, and the lead passes on when let go."""

from __future__ import annotations

import pytest

from bulletin.delivery.leader import MAILBOX_LOCK_KEY, Leadership
from bulletin.store.db import Database

pytestmark = pytest.mark.postgres


@pytest.fixture
def url(postgres_migrated: str) -> str:
    return postgres_migrated


def test_only_one_worker_leads_at_a_time(url: str) -> None:
    first, second = Database(url), Database(url)
    try:
        one, other = Leadership(first), Leadership(second)
        assert one.holds()
        assert one.holds()  # still the leader on the next round
        assert not other.holds()
        one.release()
    finally:
        first.dispose()
        second.dispose()


def test_a_released_lead_is_free_for_another_worker_and_for_the_same_one(url: str) -> None:
    first, second = Database(url), Database(url)
    try:
        one, other = Leadership(first), Leadership(second)
        for _ in range(3):  # the same process leads, lets go, and leads again
            assert one.holds()
            one.release()
        assert other.holds(), "a let-go lead must not stay with a pooled connection"
        assert not one.holds()
        other.release()
        assert one.holds()
        one.release()
    finally:
        first.dispose()
        second.dispose()


def test_the_mailbox_poller_has_a_lead_of_its_own_apart_from_the_scheduler(url: str) -> None:
    first, second = Database(url), Database(url)
    try:
        scheduler = Leadership(first)
        poller = Leadership(second, key=MAILBOX_LOCK_KEY, duty="the bounce mailbox poller")
        assert scheduler.holds() and poller.holds()  # two processes, one duty each
        another_poller = Leadership(first, key=MAILBOX_LOCK_KEY)
        assert not another_poller.holds()
        poller.release()
        assert another_poller.holds()
        another_poller.release()
        scheduler.release()
    finally:
        first.dispose()
        second.dispose()
