"""A real SMTP server on loopback that can hold messages until a test lets them go.

While held, a message's DATA is not answered, so the sender waits on the relay as it
would on a slow one; the page under test can be looked at in that state, then the
test opens the gate. Recipients in `rcpt_replies` are refused as with `SmtpSink`.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from tests.support.smtp_sink import SinkHandler, SmtpSink


class HeldHandler(SinkHandler):
    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()  # open until a test holds it

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.get_running_loop().run_in_executor(None, self.gate.wait)
        return await super().handle_DATA(server, session, envelope)


class HeldRelay(SmtpSink):
    def __init__(self) -> None:
        super().__init__()
        self.held = HeldHandler()
        self.handler = self.held
        self._controller.handler = self.held

    def hold(self) -> None:
        self.held.gate.clear()

    def release(self) -> None:
        self.held.gate.set()
