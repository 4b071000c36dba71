"""Logging set-up, including keeping signed tokens out of access logs."""

from __future__ import annotations

import logging
import re

# Confirm, unsubscribe and preference links are capabilities: whoever reads a log line with one
# could act for the reader. Access log lines keep the route and drop the token.
_TOKEN_PATH = re.compile(r"/(confirm|unsubscribe|preferences)/[^\s?\"]+")


def redact(text: str) -> str:
    return _TOKEN_PATH.sub(r"/\1/[token]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def configure(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in ("uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).addFilter(RedactTokens())
    # aiosmtpd logs every connection at INFO; the catcher's own line says enough.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
