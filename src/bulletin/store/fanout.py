"""One step of a campaign's fan-out: the next chunk of readers into the ledger, cursor saved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from bulletin.store import campaigns, deliveries
from bulletin.store.deliveries import FanOutChunk

CHUNK = 10_000
# The chunk written with Send itself is small, so the first messages leave within a
# second even where ledger writes are slow (PostgreSQL here: ~4,000 rows/s with the
# ledger's indexes); the scheduler then writes the rest in full chunks.
FIRST_CHUNK = 1_000


def step(
    conn: Connection,
    *,
    campaign_id: int,
    list_id: int,
    cursor: int | None,
    send_after: datetime,
    limit: int = CHUNK,
) -> FanOutChunk:
    """Write the next chunk and move the campaign's cursor past it, in one transaction."""
    chunk = deliveries.fan_out_chunk(
        conn,
        campaign_id=campaign_id,
        list_id=list_id,
        send_after=send_after,
        after=cursor,
        limit=limit,
    )
    campaigns.advance_fanout(conn, campaign_id, cursor=chunk.cursor, done=chunk.done)
    return chunk
