"""Assembling a running Bulletin: catcher, worker thread and web server in one process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from bulletin.config import Settings
from bulletin.delivery.worker import Worker
from bulletin.domain.errors import ConfigurationError
from bulletin.logs import RedactTokens
from bulletin.mail.catcher import MailCatcher
from bulletin.mail.transports import transport_from_url
from bulletin.services.context import Context
from bulletin.store import migrate
from bulletin.web.app import create_app

log = logging.getLogger(__name__)


def require_current_schema(ctx: Context) -> None:
    if not migrate.is_current(ctx.db):
        raise ConfigurationError(
            "The database schema is not up to date. Run `bulletin db upgrade` first."
        )


@contextmanager
def mail_route(settings: Settings) -> Iterator[str]:
    """The relay URL to send through: the configured one, or a catcher started here."""
    if settings.smtp_url:
        yield settings.smtp_url
        return
    catcher = MailCatcher(
        settings.catcher_dir, host=settings.catcher_host, port=settings.catcher_port
    )
    try:
        catcher.start()
    except (OSError, RuntimeError) as exc:
        raise ConfigurationError(
            f"Could not start the mail catcher on {settings.catcher_host}:{settings.catcher_port}"
            f" ({exc}). Set BULLETIN_CATCHER_PORT to a free port."
        ) from exc
    log.info("mail catcher listening on %s:%s", settings.catcher_host, catcher.port)
    try:
        yield catcher.url
    finally:
        catcher.stop()


@contextmanager
def worker_thread(ctx: Context, relay_url: str) -> Iterator[Worker]:
    worker = Worker(ctx.db, ctx.settings, transport_from_url(relay_url), clock=ctx.clock)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), name="bulletin-worker")
    thread.start()
    try:
        yield worker
    finally:
        stop.set()
        thread.join(timeout=30)


def serve(ctx: Context, *, host: str, port: int) -> None:
    """Web, worker and (with no relay configured) the mail catcher, until interrupted."""
    require_current_schema(ctx)
    with mail_route(ctx.settings) as relay_url, worker_thread(ctx, relay_url):
        config = uvicorn.Config(
            create_app(ctx), host=host, port=port, log_level="info", proxy_headers=False
        )
        server = uvicorn.Server(config)
        logging.getLogger("uvicorn.access").addFilter(RedactTokens())
        server.run()


def work(ctx: Context) -> None:
    """The sender alone, for scale-out: no web server, no catcher."""
    require_current_schema(ctx)
    if not ctx.settings.smtp_url:
        raise ConfigurationError(
            "`bulletin worker` sends to a relay: set BULLETIN_SMTP_URL "
            "(the built-in catcher runs inside `bulletin serve`)."
        )
    stop = threading.Event()
    worker = Worker(
        ctx.db, ctx.settings, transport_from_url(ctx.settings.smtp_url), clock=ctx.clock
    )
    try:
        worker.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()
