"""Sending a handful of messages at once from code that is not async (test sends).

The same seam and the same SMTP client as the engine's sends, so a test that passes
means the real send would connect, greet, secure and log in the same way.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from bulletin.mail.transports.addresses import parse_relay
from bulletin.mail.transports.connect import connection_to
from bulletin.mail.transports.helo import greeting_name
from bulletin.mail.transports.seam import Envelope, Reply, unreachable_reply

T = TypeVar("T")


def send_now(
    url: str,
    envelopes: Sequence[Envelope],
    *,
    timeout: float,
    ssl_context: ssl.SSLContext | None = None,
    helo: str | None = None,
) -> list[Reply]:
    """Send each envelope through the relay at `url` on one connection; a reply for each.

    An envelope the relay could not be reached for gets a temporary (451) reply that
    says why. Nothing is retried: the caller shows the outcome to a person. `helo` is
    the configured EHLO name (`BULLETIN_HELO_NAME`), if any.
    """
    spec = parse_relay(url)
    connection = connection_to(
        spec, ssl_context=ssl_context, timeout=timeout, helo=greeting_name(helo)
    )

    async def send_all() -> list[Reply]:
        replies: list[Reply] = []
        try:
            while len(replies) < len(envelopes):
                batch = envelopes[len(replies) : len(replies) + connection.batch_size]
                result = await connection.send_batch(batch)
                replies += result.replies
                if result.unreachable is not None:
                    missed = len(envelopes) - len(replies)
                    return replies + [unreachable_reply(spec.display, result.unreachable)] * missed
            return replies
        finally:
            await connection.close(polite=True)

    return run_coroutine(send_all())


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run to the end here, or in a thread of its own if this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coroutine))
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)

    thread = threading.Thread(target=target, name="bulletin-send-now")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]
