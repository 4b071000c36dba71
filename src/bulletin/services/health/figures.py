"""The ledger's live figures for /metrics, read at each scrape (cheap index reads only)."""

from __future__ import annotations

from dataclasses import dataclass

from bulletin.domain.models import CampaignKind
from bulletin.services.context import Context
from bulletin.store.ledger import counts


@dataclass(frozen=True)
class LedgerFigures:
    # (campaign id, kind, delivery status, rows) for each campaign sending now
    sending: list[tuple[int, str, str, int]]
    # the latest briefing: (campaign id, seconds its first planned reader waited), if sent
    briefing_lag: tuple[int, float] | None


def ledger_figures(ctx: Context) -> LedgerFigures:
    with ctx.db.reading() as conn:
        return LedgerFigures(
            sending=counts.sending_by_status(conn),
            briefing_lag=counts.first_send_lag(conn, CampaignKind.BRIEFING),
        )
