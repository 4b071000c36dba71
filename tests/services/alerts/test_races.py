"""An alert's subject test end to end in one process: a real database and SMTP server,
the real engine and click recorder, and a clock the test moves: the test readers get
one subject each at once, the rest wait, and when the window closes they all get the
subject their clicks chose. No reader gets two."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from bulletin.domain import subject_tests as rules
from bulletin.domain.clicks import Click, ScannerRules
from bulletin.domain.errors import InvalidAlert, InvalidInput
from bulletin.domain.models import AlertDraft, CampaignStatus, Role
from bulletin.domain.subject_tests import SubjectTest
from bulletin.services.alerts import races
from bulletin.services.alerts import review as alert_review
from bulletin.services.alerts import sending as alerts
from bulletin.services.campaigns import steering
from bulletin.services.clicks.recorder import ClickRecorder
from bulletin.services.context import Context
from bulletin.store import subject_tests
from bulletin.store.ledger.sql import SqlLedger
from bulletin.store.tables import deliveries
from tests.support.engines import engine_for
from tests.support.factories import SECRET, FakeClock, make_editor
from tests.support.processes import create_readers
from tests.support.smtp_sink import SmtpSink

A, B = "Dam gates opened", "Flood warning for the valley"
BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15"


@pytest.fixture
def counting(ctx: Context) -> Context:
    """The context with click counts on (a subject test needs them)."""
    return Context(
        settings=ctx.settings.replace(click_tracking="aggregate", subject_test_min_clicks=5),
        db=ctx.db,
        clock=ctx.clock,
    )


def _draft(*subjects: str, share: int = 10, minutes: int = 5) -> AlertDraft:
    return AlertDraft(
        headline="Dam gates opened after record rain",
        summary="Residents downstream are told to move to higher ground.",
        url="https://news.example.com/2026/12/03/dam",
        subject=subjects[0],
        test=SubjectTest(tuple(subjects), share, minutes * 60),
    )


def _ledger(ctx: Context, campaign_id: int) -> dict[int, int | None]:
    """Each reader's subject in the ledger (None: held for the winner)."""
    with ctx.db.reading() as conn:
        rows = conn.execute(
            select(deliveries.c.subscriber_id, deliveries.c.variant).where(
                deliveries.c.campaign_id == campaign_id
            )
        )
        return {int(s): v for s, v in rows}


def _subjects_by_reader(sink: SmtpSink) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for received in sink.received:
        reader = int(received.rcpt_tos[0].split("@")[0].removeprefix("r"))
        found.setdefault(reader, []).append(str(received.message["Subject"]))
    return found


def _click(ctx: Context, clock: FakeClock, campaign_id: int, readers: list[int]) -> None:
    """Each of these readers follows the alert's story link once (a browser, not a scanner)."""
    recorder = ClickRecorder(
        ctx.db,
        secret_key=SECRET,
        rules=ScannerRules(window_s=60, burst_links=3, burst_s=2.0),
        started=lambda _c: None,
        per_reader=False,
        clock=clock,
    )
    for reader in readers:
        recorder.accept(Click(campaign_id, 0, reader, clock(), user_agent=BROWSER))
    asyncio.run(recorder.close())


def test_a_race_on_1000_readers_sends_the_winner_to_the_rest(
    counting: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    readers = create_readers(counting.db, 1000)
    campaign_id = alerts.fire_alert(counting, _draft(A, B), actor=None).campaign_id
    engine = engine_for(counting, smtp_sink.url)
    engine.run_until_idle()

    ledger = _ledger(counting, campaign_id)
    tested = {r: v for r, v in ledger.items() if v is not None}
    assert len(ledger) == 1000
    assert 50 <= len(tested) <= 150  # about 10 %, by a hash of the reader's id
    assert set(Counter(tested.values())) == {0, 1}
    sent = _subjects_by_reader(smtp_sink)
    assert set(sent) == set(tested)  # the rest wait for the winner
    assert all(sent[r] == [(A, B)[v]] for r, v in tested.items())

    b_readers = [r for r, v in tested.items() if v == 1]
    a_readers = [r for r, v in tested.items() if v == 0]
    _click(counting, clock, campaign_id, b_readers[:12] + a_readers[:3])
    clock.advance(minutes=5)
    engine.run_until_idle()

    sent = _subjects_by_reader(smtp_sink)
    assert sorted(sent) == sorted(readers)
    assert all(len(subjects) == 1 for subjects in sent.values())
    rest = [r for r in readers if r not in tested]
    assert {sent[r][0] for r in rest} == {B}
    race = races.race(counting, campaign_id)
    assert race is not None and race.decision == rules.Decision(1, rules.WON)
    assert [(s.subject, s.clickers) for s in race.standings] == [(A, 3), (B, 12)]


def test_too_few_clicks_send_the_first_subject(
    counting: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    create_readers(counting.db, 300)
    campaign_id = alerts.fire_alert(counting, _draft(A, B, share=30), actor=None).campaign_id
    engine = engine_for(counting, smtp_sink.url)
    engine.run_until_idle()
    b_readers = [r for r, v in _ledger(counting, campaign_id).items() if v == 1]
    _click(counting, clock, campaign_id, b_readers[:4])  # one short of the five needed

    clock.advance(minutes=5)
    engine.run_until_idle()

    race = races.race(counting, campaign_id)
    assert race is not None and race.decision == rules.Decision(0, rules.TOO_FEW)
    held = [r for r, v in _ledger(counting, campaign_id).items() if v is None]
    sent = _subjects_by_reader(smtp_sink)
    assert {sent[r][0] for r in held} == {A}


def test_the_rest_waits_for_the_window_however_often_the_engine_looks(
    counting: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    create_readers(counting.db, 200)
    campaign_id = alerts.fire_alert(counting, _draft(A, B, share=20), actor=None).campaign_id
    engine = engine_for(counting, smtp_sink.url)
    for _ in range(4):
        engine.run_until_idle()
        clock.advance(minutes=1)  # four minutes of a five-minute race

    tested = [r for r, v in _ledger(counting, campaign_id).items() if v is not None]
    assert sorted(_subjects_by_reader(smtp_sink)) == sorted(tested)
    race = races.race(counting, campaign_id)
    assert race is not None and race.winner is None
    left = steering.progress(counting, campaign_id).as_json()["race"]
    assert isinstance(left, dict) and left["left_s"] == 60


def test_an_editor_can_end_the_race_early(
    counting: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    create_readers(counting.db, 400)
    editor = make_editor(counting, Role.EDITOR)
    campaign_id = alerts.fire_alert(counting, _draft(A, B, "Third try"), actor=None).campaign_id
    engine = engine_for(counting, smtp_sink.url)
    engine.run_until_idle()
    third = [r for r, v in _ledger(counting, campaign_id).items() if v == 2]
    _click(counting, clock, campaign_id, third[:6])

    ended = races.end_now(counting, campaign_id, actor=editor)
    engine.run_until_idle()

    assert ended.decision == rules.Decision(2, rules.WON)
    sent = _subjects_by_reader(smtp_sink)
    assert len(sent) == 400 and all(len(s) == 1 for s in sent.values())
    held = [r for r, v in _ledger(counting, campaign_id).items() if v is None]
    assert {sent[r][0] for r in held} == {"Third try"}
    with pytest.raises(InvalidInput, match="already ended"):
        races.end_now(counting, campaign_id, actor=editor)


def test_a_late_click_does_not_change_a_decided_winner(
    counting: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    create_readers(counting.db, 300)
    campaign_id = alerts.fire_alert(counting, _draft(A, B, share=40), actor=None).campaign_id
    engine = engine_for(counting, smtp_sink.url)
    engine.run_until_idle()
    ledger = _ledger(counting, campaign_id)
    _click(counting, clock, campaign_id, [r for r, v in ledger.items() if v == 1][:6])
    clock.advance(minutes=5)
    engine.run_until_idle()

    _click(counting, clock, campaign_id, [r for r, v in ledger.items() if v == 0][:20])
    with counting.db.transaction() as conn:
        again = subject_tests.decide(conn, campaign_id, now=clock())

    assert again == 1


def test_a_subject_test_needs_click_counts(ctx: Context) -> None:
    with pytest.raises(InvalidAlert, match="click counts are off"):
        alerts.fire_alert(ctx, _draft(A, B), actor=None)


def test_the_reviewed_test_is_the_one_sent(counting: Context, clock: FakeClock) -> None:
    create_readers(counting.db, 50)
    editor = make_editor(counting, Role.EDITOR)
    checked = alert_review.review(counting, _draft(A, B, share=20, minutes=7), actor=editor)

    fired = alert_review.send_reviewed(counting, checked.token, actor=editor)

    race = races.race(counting, fired.campaign_id)
    assert race is not None
    assert race.test == SubjectTest((A, B), 20, 420, 5)
    assert race.decide_at == clock() + timedelta(minutes=7)


def test_a_proposed_test_starts_its_window_when_approved(
    counting: Context, clock: FakeClock
) -> None:
    create_readers(counting.db, 50)
    proposer = make_editor(counting, Role.EDITOR)
    approver = make_editor(counting, Role.EDITOR)
    proposed = alert_review.propose(counting, _draft(A, B), actor=proposer)
    race = races.race(counting, proposed.campaign_id)
    assert race is not None and race.decide_at is None

    clock.advance(minutes=30)
    alert_review.approve(counting, proposed.campaign_id, actor=approver)

    race = races.race(counting, proposed.campaign_id)
    assert race is not None and race.decide_at == clock() + timedelta(minutes=5)
    progress = steering.progress(counting, proposed.campaign_id)
    assert progress.campaign.status is CampaignStatus.SENDING


def test_a_dead_workers_rows_keep_their_subjects_when_sent_by_another(
    counting: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    create_readers(counting.db, 300)
    campaign_id = alerts.fire_alert(counting, _draft(A, B, share=40), actor=None).campaign_id
    dead = SqlLedger(counting.db)
    # A worker claims the test readers and dies before sending any of them.
    claimed = dead.claim(owner="dead#1", now=clock(), lease=timedelta(seconds=15), limit=1000)
    assert {row.variant for row in claimed.rows} == {0, 1}

    clock.advance(seconds=30)  # its leases run out; the scheduler hands the rows on
    engine = engine_for(counting, smtp_sink.url)
    engine.run_until_idle()
    # The rest, claimed by a worker that decides the winner (building their message)
    # and dies: the next worker reads the same winner.
    clock.advance(minutes=5)
    dead.claim(owner="dead#2", now=clock(), lease=timedelta(seconds=15), limit=1000)
    decided = dead.subject_winner(campaign_id, clock())
    clock.advance(seconds=30)
    engine.run_until_idle()

    sent = _subjects_by_reader(smtp_sink)
    ledger = _ledger(counting, campaign_id)
    assert len(sent) == 300 and all(len(s) == 1 for s in sent.values())
    chosen = (A, B)[decided]
    assert all(sent[r] == [(A, B)[v] if v is not None else chosen] for r, v in ledger.items())
