"""Building a sending engine for a test, pointed at a relay URL (a loopback sink or `memory`)."""

from __future__ import annotations

from bulletin.delivery.engine import Engine
from bulletin.delivery.relays import relay_from_url
from bulletin.services.context import Context


def engine_for(ctx: Context, *relay_urls: str) -> Engine:
    relays = [relay_from_url(url) for url in relay_urls]
    return Engine.on_database(ctx.db, ctx.settings, relays, clock=ctx.clock)
