"""Assembling a running Bulletin: catcher, sending engine, pollers and web server in one process."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from functools import partial
from typing import TYPE_CHECKING

from bulletin import metrics
from bulletin.config import Settings
from bulletin.delivery.engine import Engine
from bulletin.delivery.leader import MAILBOX_LOCK_KEY, Leadership
from bulletin.delivery.relays import Relay, relay_from_url, relays_from_urls
from bulletin.domain.errors import ConfigurationError
from bulletin.services.context import Context
from bulletin.store import migrate

# What only some processes run (the catcher and inbound listener with aiosmtpd, the
# mailbox poller with imapclient) is imported where it starts, so a worker skips them.
if TYPE_CHECKING:
    from bulletin.mail.imap_poller import MailboxPoller
    from bulletin.mail.inbound import InboundListener

log = logging.getLogger(__name__)


def require_current_schema(ctx: Context) -> None:
    if not migrate.is_current(ctx.db):
        raise ConfigurationError(
            "The database schema is not up to date. Run `bulletin db upgrade` first."
        )


@contextmanager
def mail_route(settings: Settings) -> Iterator[list[Relay]]:
    """The relays to send through: the configured ones, or a catcher started here."""
    if not settings.uses_catcher:
        yield relays_from_urls(settings.relay_urls, helo=settings.helo_name)
        return
    from bulletin.mail.catcher import MailCatcher

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
        yield [relay_from_url(catcher.url + "&connections=4", helo=settings.helo_name)]
    finally:
        catcher.stop()


@contextmanager
def inbound_listener(ctx: Context) -> Iterator[InboundListener]:
    """The listener for returned mail and mailto unsubscribes, until the block ends."""
    from bulletin.mail.inbound import InboundListener
    from bulletin.services.readers import inbound

    settings = ctx.settings
    listener = InboundListener(
        partial(inbound.take, ctx),
        domain=settings.mail_domain,
        host=settings.inbound_host,
        port=settings.inbound_port,
    )
    try:
        listener.start()
    except (OSError, RuntimeError) as exc:
        raise ConfigurationError(
            f"Could not start the inbound listener on {settings.inbound_host}:"
            f"{settings.inbound_port} ({exc}). Set BULLETIN_INBOUND_PORT to a free port."
        ) from exc
    log.info("taking returned mail on %s:%s", listener.host, listener.port)
    try:
        yield listener
    finally:
        listener.stop()


@contextmanager
def in_background(
    run: Callable[[Context, threading.Event], None], ctx: Context, *, name: str, join_s: float
) -> Iterator[None]:
    """`run(ctx, stop)` in a daemon thread while the block runs; stopped and joined after."""
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(ctx, stop), name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=join_s)


@contextmanager
def feed_poller(ctx: Context) -> Iterator[None]:
    """Registered feeds polled in the background (conditional GET; see services.feeds)."""
    from bulletin.services.stories import feeds

    with in_background(feeds.poll_forever, ctx, name="bulletin-feeds", join_s=30):
        yield


def mailbox_poller_for(
    ctx: Context, *, may_poll: Callable[[], bool] = lambda: True
) -> MailboxPoller:
    """The poller of the bounce mailbox (`BULLETIN_BOUNCE_IMAP_URL`), handing to `inbound.take`."""
    from bulletin.mail.imap import parse_imap_url
    from bulletin.mail.imap_poller import MailboxPoller
    from bulletin.services.readers import inbound

    url = ctx.settings.bounce_imap_url
    if not url:
        raise ConfigurationError(
            "No bounce mailbox is set: set BULLETIN_BOUNCE_IMAP_URL, e.g. "
            "imaps://user:password@imap.example.org/INBOX."
        )
    return MailboxPoller(
        parse_imap_url(url),
        partial(inbound.take, ctx),
        interval_s=ctx.settings.bounce_imap_interval_s,
        may_poll=may_poll,
    )


@contextmanager
def mailbox_poller(ctx: Context) -> Iterator[None]:
    """The bounce mailbox polled in the background when one is set; on PostgreSQL by one
    process at a time, whichever holds the mailbox's advisory lock."""
    if not ctx.settings.bounce_imap_url:
        yield
        return
    leadership = Leadership(ctx.db, key=MAILBOX_LOCK_KEY, duty="the bounce mailbox poller")
    poller = mailbox_poller_for(ctx, may_poll=leadership.holds)
    stop = threading.Event()

    def run() -> None:
        try:
            poller.run(stop)
        finally:
            leadership.release()

    thread = threading.Thread(target=run, name="bulletin-mailbox", daemon=True)
    thread.start()
    log.info("polling the bounce mailbox %s", poller.address.display)
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


@contextmanager
def test_sender(ctx: Context) -> Iterator[None]:
    """Test sends queued by the desk, sent in the background (see services.test_send_jobs)."""
    from bulletin.services import test_send_jobs

    with in_background(test_send_jobs.run_forever, ctx, name="bulletin-tests", join_s=60):
        yield


@contextmanager
def webhook_sender(ctx: Context) -> Iterator[None]:
    """Outbound webhooks sent in the background (see services.webhooks.sender)."""
    from bulletin.services.webhooks import sender

    with in_background(sender.run_forever, ctx, name="bulletin-webhooks", join_s=30):
        yield


def keep_sending(ctx: Context, relays: list[Relay], stop: threading.Event) -> None:
    """The engine until `stop`, started again on the new relays whenever an admin changes
    them on the desk (the old one stops cleanly first: nothing lost, nothing sent twice).
    With the relays emptied on the desk it goes back to `relays`, the ones it began with."""
    first, current = relays, relays
    while True:
        engine = Engine.on_database(
            ctx.db, ctx.settings, current, clock=ctx.clock, fresh_settings=lambda: ctx.settings
        )
        engine.run_forever(stop)
        if stop.is_set() or not engine.relays_changed:
            return
        urls = engine.settings.relay_urls
        try:
            current = relays_from_urls(urls, helo=engine.settings.helo_name) if urls else first
        except (ConfigurationError, ValueError) as exc:  # the desk checks them; keep sending
            log.error("the relays set on the desk cannot be used (%s): keeping the others", exc)


@contextmanager
def engine_thread(ctx: Context, relays: list[Relay]) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=keep_sending, args=(ctx, relays, stop), name="bulletin-engine")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=60)


def serve(ctx: Context, *, host: str, port: int) -> None:
    """Web, engine and (with no relay configured) the mail catcher, until interrupted."""
    import uvicorn  # the web stack is loaded only by the process that serves it

    from bulletin.web.app import create_app

    require_current_schema(ctx)
    count_if_asked(ctx)
    # On the embedded default the inbound listener runs beside the catcher, so returned
    # mail and mailto unsubscribes work end to end; in production it is its own process.
    listening = inbound_listener(ctx) if ctx.settings.uses_catcher else nullcontext()
    with (
        mail_route(ctx.settings) as relays,
        listening,
        engine_thread(ctx, relays),
        test_sender(ctx),
        webhook_sender(ctx),
        feed_poller(ctx),
        mailbox_poller(ctx),
    ):
        # log_config=None: uvicorn's lines go through our handler (format, redaction).
        config = uvicorn.Config(
            create_app(ctx),
            host=host,
            port=port,
            log_level="info",
            log_config=None,
            proxy_headers=False,
        )
        uvicorn.Server(config).run()


def listen(ctx: Context) -> None:
    """The inbound listener alone, until interrupted (`bulletin bounces listen`)."""
    require_current_schema(ctx)
    count_if_asked(ctx)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with inbound_listener(ctx):
        stop.wait()


def work(
    ctx: Context, *, poll_feeds: bool = False, metrics_at: tuple[str, int] | None = None
) -> None:
    """The engine (and, if asked, the feed poller, and its own /metrics at `metrics_at`)
    for scale-out. Stops on SIGINT/SIGTERM."""
    require_current_schema(ctx)
    count_if_asked(ctx)
    if ctx.settings.uses_catcher:
        raise ConfigurationError(
            "`bulletin worker` sends to a relay: set BULLETIN_SMTP_URL or BULLETIN_RELAYS "
            "(the built-in catcher runs inside `bulletin serve`)."
        )
    relays = relays_from_urls(ctx.settings.relay_urls, helo=ctx.settings.helo_name)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with (
        feed_poller(ctx) if poll_feeds else nullcontext(),
        mailbox_poller(ctx),
        test_sender(ctx),
        webhook_sender(ctx),
        worker_metrics(ctx, metrics_at),
    ):
        keep_sending(ctx, relays, stop)


def count_if_asked(ctx: Context) -> None:
    """Metrics are counted unless `BULLETIN_METRICS=off` (the benchmark's comparison)."""
    if ctx.settings.metrics:
        metrics.enable()
    else:
        metrics.disable()


@contextmanager
def worker_metrics(ctx: Context, at: tuple[str, int] | None) -> Iterator[None]:
    if at is None or not ctx.settings.metrics:
        yield
        return
    from bulletin.web.worker_metrics import serve_in_thread

    try:
        stop = serve_in_thread(ctx.settings, host=at[0], port=at[1])
    except OSError as exc:
        raise ConfigurationError(f"Could not serve metrics on {at[0]}:{at[1]} ({exc}).") from exc
    log.info("worker metrics at http://%s:%s/metrics", *at)
    try:
        yield
    finally:
        stop()
        metrics.process_gone(os.getpid())


def poll(ctx: Context) -> None:
    """The bounce mailbox polled alone, until interrupted (`bulletin bounces poll`)."""
    require_current_schema(ctx)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    leadership = Leadership(ctx.db, key=MAILBOX_LOCK_KEY, duty="the bounce mailbox poller")
    try:
        mailbox_poller_for(ctx, may_poll=leadership.holds).run(stop)
    finally:
        leadership.release()
