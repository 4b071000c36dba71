"""The engine's rules, on the in-memory ledger: what each reply does to a reader's row.

No database and no network: `MemoryLedger` keeps the ledger's contract and
`ScriptedRelay` answers as a relay would, so each rule is checked in milliseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bulletin.delivery.engine import Engine
from bulletin.delivery.memory_ledger import MemoryLedger
from bulletin.domain.ledger import CampaignInputs
from bulletin.domain.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    DeliveryStatus,
    ListKind,
    MailingList,
)
from bulletin.mail.transports import Reply
from tests.support.factories import FakeClock, make_settings
from tests.support.scripted_relay import ScriptedRelay

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
BREAKING = MailingList(1, "breaking", "Breaking News", "Alerts", ListKind.ALERT)
GREYLISTED = Reply(451, "451 4.7.1 greylisted, try again later")
NO_SUCH_USER = Reply(550, "550 5.1.1 no such user")


@pytest.fixture
def ledger() -> MemoryLedger:
    ledger = MemoryLedger()
    ledger.add_campaign(CampaignInputs(_alert(1), BREAKING))
    return ledger


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def _alert(campaign_id: int, *, expires_at: datetime | None = None) -> Campaign:
    return Campaign(
        id=campaign_id,
        kind=CampaignKind.ALERT,
        list_id=BREAKING.id,
        status=CampaignStatus.SENDING,
        subject="Dam gates opened",
        headline="Dam gates opened",
        summary="Residents below the dam are told to move to higher ground.",
        url="https://news.example.com/dam",
        created_at=NOW,
        started_at=NOW,
        expires_at=expires_at,
    )


def _readers(
    ledger: MemoryLedger, n: int, *, campaign_id: int = 1, subscribed: bool = True
) -> list[str]:
    first = len(ledger.rows)
    emails = [f"r{i}@readers.example.org" for i in range(first, first + n)]
    for i, email in enumerate(emails, start=first + 1):
        ledger.queue(campaign_id, i, email, send_after=NOW, subscribed=subscribed)
    return emails


def _send(ledger: MemoryLedger, relay: ScriptedRelay, tmp_path: Path, clock: FakeClock) -> Engine:
    settings = make_settings(tmp_path, "sqlite:///not-used.db", retry_base_s=30)
    engine = Engine(ledger, settings, [relay], clock=clock)
    engine.run_until_idle()
    return engine


def _rows(ledger: MemoryLedger) -> dict[str, tuple[DeliveryStatus, int, str | None]]:
    return {r.email: (r.status, r.attempts, r.last_reply) for r in ledger.rows.values()}


def test_every_due_reader_is_sent_once_and_recorded_with_the_relays_reply(
    ledger: MemoryLedger, tmp_path: Path, clock: FakeClock
) -> None:
    emails = _readers(ledger, 40)
    relay = ScriptedRelay()

    engine = _send(ledger, relay, tmp_path, clock)

    assert sorted(e.recipient for e in relay.accepted) == sorted(emails)
    assert set(_rows(ledger).values()) == {(DeliveryStatus.SENT, 1, "250 2.0.0 queued")}
    assert (engine.stats.sent, engine.stats.temporary, engine.stats.permanent) == (40, 0, 0)


def test_try_later_puts_the_row_back_after_a_back_off(
    ledger: MemoryLedger, tmp_path: Path, clock: FakeClock
) -> None:
    (email,) = _readers(ledger, 1)

    _send(ledger, ScriptedRelay({email: GREYLISTED}), tmp_path, clock)

    (row,) = ledger.rows.values()
    assert (row.status, row.attempts, row.last_reply) == (
        DeliveryStatus.QUEUED,
        1,
        GREYLISTED.text,
    )
    assert NOW + timedelta(seconds=24) <= row.send_after <= NOW + timedelta(seconds=36)


def test_a_refusal_is_final_and_keeps_the_relays_words(
    ledger: MemoryLedger, tmp_path: Path, clock: FakeClock
) -> None:
    refused, accepted = _readers(ledger, 2)

    _send(ledger, ScriptedRelay({refused: NO_SUCH_USER}), tmp_path, clock)

    assert _rows(ledger)[refused] == (DeliveryStatus.FAILED, 1, NO_SUCH_USER.text)
    assert _rows(ledger)[accepted][0] is DeliveryStatus.SENT


def test_a_retry_that_would_come_after_the_deadline_expires_instead(
    ledger: MemoryLedger, tmp_path: Path, clock: FakeClock
) -> None:
    ledger.add_campaign(CampaignInputs(_alert(2, expires_at=NOW + timedelta(seconds=10)), BREAKING))
    (email,) = _readers(ledger, 1, campaign_id=2)

    _send(ledger, ScriptedRelay({email: GREYLISTED}), tmp_path, clock)

    status, _, reply = _rows(ledger)[email]
    assert status is DeliveryStatus.EXPIRED
    assert reply == f"{GREYLISTED.text} (expired before it could be retried)"


def test_the_last_allowed_try_gives_up_and_says_how_many(
    ledger: MemoryLedger, tmp_path: Path, clock: FakeClock
) -> None:
    (email,) = _readers(ledger, 1)
    (row,) = ledger.rows.values()
    row.attempts = 7  # the eighth try is the last (max_attempts)

    _send(ledger, ScriptedRelay({email: GREYLISTED}), tmp_path, clock)

    assert _rows(ledger)[email] == (
        DeliveryStatus.FAILED,
        8,
        f"{GREYLISTED.text} (gave up after 8 tries)",
    )


def test_a_reader_who_left_before_the_claim_is_cancelled_and_never_sent(
    ledger: MemoryLedger, tmp_path: Path, clock: FakeClock
) -> None:
    (left,) = _readers(ledger, 1, subscribed=False)
    relay = ScriptedRelay()

    _send(ledger, relay, tmp_path, clock)

    assert relay.asked == []
    assert _rows(ledger)[left] == (
        DeliveryStatus.CANCELLED,
        0,
        "not sent: unsubscribed or suppressed before sending",
    )


def test_a_campaign_refused_past_the_error_rate_pauses_itself(
    ledger: MemoryLedger, tmp_path: Path, clock: FakeClock
) -> None:
    emails = _readers(ledger, 150)
    relay = ScriptedRelay({email: NO_SUCH_USER for email in emails})

    _send(ledger, relay, tmp_path, clock)

    campaign = ledger.campaigns[1].campaign
    assert campaign.status is CampaignStatus.PAUSED
    assert campaign.status_reason == (
        "paused automatically: 100% of the last 100 messages were refused"
    )
    asked = len(relay.asked)
    _readers(ledger, 5)  # queued meanwhile: they wait for an editor to resume
    _send(ledger, relay, tmp_path, clock)
    assert len(relay.asked) == asked


def test_an_unreachable_relay_charges_one_try_and_gives_the_rest_back_untried(
    ledger: MemoryLedger, tmp_path: Path, clock: FakeClock
) -> None:
    _readers(ledger, 20)
    relay = ScriptedRelay(unreachable="ConnectionRefusedError: [Errno 111]")

    _send(ledger, relay, tmp_path, clock)

    rows = list(ledger.rows.values())
    tried = [r for r in rows if r.attempts]
    assert [(r.status, r.last_reply) for r in tried] == [
        (
            DeliveryStatus.QUEUED,
            "451 relay memory://scripted unavailable: ConnectionRefusedError: [Errno 111]",
        )
    ]
    assert {(r.status, r.attempts) for r in rows if r not in tried} == {(DeliveryStatus.QUEUED, 0)}
    assert relay.health.failures == 1


def test_rows_not_yet_due_wait_for_their_time(
    ledger: MemoryLedger, tmp_path: Path, clock: FakeClock
) -> None:
    ledger.queue(1, 1, "later@readers.example.org", send_after=NOW + timedelta(hours=1))
    relay = ScriptedRelay()

    _send(ledger, relay, tmp_path, clock)
    assert relay.asked == []

    clock.advance(hours=1)
    _send(ledger, relay, tmp_path, clock)
    assert relay.asked == ["later@readers.example.org"]


def test_a_confirmation_request_is_sent_naming_the_lists_and_recorded(
    ledger: MemoryLedger, tmp_path: Path, clock: FakeClock
) -> None:
    ledger.queue_confirmation(
        9, "new@readers.example.org", send_after=NOW, lists=("Breaking News",)
    )
    relay = ScriptedRelay()

    _send(ledger, relay, tmp_path, clock)

    (envelope,) = relay.accepted
    assert envelope.recipient == "new@readers.example.org"
    assert b"Breaking News" in envelope.data
    (row,) = ledger.rows.values()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 1)
