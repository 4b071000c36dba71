"""Queued test sends: stored by the desk, claimed under a lease and finished by a worker."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, or_, select, update

from bulletin.domain.test_sends import Copy, CopyResult, TestSendJob, TestSendStatus
from bulletin.store.tables import test_sends


def enqueue(
    conn: Connection,
    *,
    kind: str,
    title: str,
    back_path: str,
    requested_by: str,
    copies: Sequence[Copy],
    now: datetime,
) -> int:
    result = conn.execute(
        test_sends.insert()
        .returning(test_sends.c.id)
        .values(
            kind=kind,
            title=title,
            back_path=back_path,
            requested_by=requested_by,
            status=TestSendStatus.QUEUED,
            copies=json.dumps([_copy_json(c) for c in copies]),
            created_at=now,
        )
    )
    return int(result.scalar_one())


def claim(
    conn: Connection, *, owner: str, now: datetime, lease: timedelta
) -> tuple[int, list[Copy]] | None:
    """The oldest job no live worker holds: its id and copies, leased to `owner`."""
    due = (
        select(test_sends.c.id, test_sends.c.copies)
        .where(
            or_(
                test_sends.c.status == TestSendStatus.QUEUED,
                # a worker that died mid-send: its job goes to another one
                (test_sends.c.status == TestSendStatus.SENDING) & (test_sends.c.lease_until < now),
            )
        )
        .order_by(test_sends.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    row = conn.execute(due).first()
    if row is None:
        return None
    conn.execute(
        update(test_sends)
        .where(test_sends.c.id == row.id)
        .values(
            status=TestSendStatus.SENDING,
            lease_owner=owner,
            lease_until=now + lease,
            started_at=now,
        )
    )
    return int(row.id), [_copy(c) for c in json.loads(row.copies)]


def finish(
    conn: Connection, job_id: int, results: Sequence[CopyResult], *, owner: str, now: datetime
) -> bool:
    """Record the replies, if `owner` still holds the job; whether it did."""
    done = conn.execute(
        update(test_sends)
        .where(test_sends.c.id == job_id, test_sends.c.lease_owner == owner)
        .values(
            status=TestSendStatus.DONE,
            results=json.dumps([[r.recipient, r.sent, r.reply] for r in results]),
            copies="[]",  # the messages are sent: keep the outcome, not the bodies
            lease_owner=None,
            lease_until=None,
            finished_at=now,
        )
    )
    return done.rowcount == 1


def get(conn: Connection, job_id: int) -> TestSendJob | None:
    row = conn.execute(select(*_VIEW).where(test_sends.c.id == job_id)).first()
    return _job(row) if row else None


def recent(conn: Connection, *, requested_by: str, limit: int = 10) -> list[TestSendJob]:
    rows = conn.execute(
        select(*_VIEW)
        .where(test_sends.c.requested_by == requested_by)
        .order_by(test_sends.c.id.desc())
        .limit(limit)
    )
    return [_job(row) for row in rows]


def delete_finished_before(conn: Connection, when: datetime) -> int:
    """Forget old finished jobs (their outcome is in the audit log)."""
    result = conn.execute(
        test_sends.delete().where(
            test_sends.c.status == TestSendStatus.DONE, test_sends.c.finished_at < when
        )
    )
    return int(result.rowcount)


# The recipients are read from the copies until the job is done, then from the results.
_VIEW = (
    test_sends.c.id,
    test_sends.c.kind,
    test_sends.c.title,
    test_sends.c.back_path,
    test_sends.c.requested_by,
    test_sends.c.status,
    test_sends.c.copies,
    test_sends.c.results,
    test_sends.c.created_at,
    test_sends.c.started_at,
    test_sends.c.finished_at,
)


def _job(row: Row) -> TestSendJob:
    results = tuple(CopyResult(r, bool(s), str(t)) for r, s, t in json.loads(row.results or "[]"))
    pending = tuple(c["recipient"] for c in json.loads(row.copies))
    return TestSendJob(
        id=int(row.id),
        kind=row.kind,
        title=row.title,
        back_path=row.back_path,
        requested_by=row.requested_by,
        status=TestSendStatus(row.status),
        recipients=tuple(r.recipient for r in results) or pending,
        results=results,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def _copy_json(copy: Copy) -> dict[str, object]:
    return {
        "sender": copy.sender,
        "recipient": copy.recipient,
        "data": base64.b64encode(copy.data).decode("ascii"),
        "eight_bit": copy.eight_bit,
    }


def _copy(value: dict[str, Any]) -> Copy:
    return Copy(
        sender=value["sender"],
        recipient=value["recipient"],
        data=base64.b64decode(value["data"]),
        eight_bit=bool(value["eight_bit"]),
    )
