"""Logging set-up: text (the default) or one JSON object per line, never a token or secret.

JSON lines carry what an operator filters on: the time, level and logger, the message,
this process's worker id (host:pid), the web request's id where the line comes from a
request, and the campaign's id where the line is about one (`extra={"campaign_id": …}`).
"""

from __future__ import annotations

import logging
import os
import re
import socket
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

from bulletin.domain.urls import REDACTED, is_secret_parameter

# Confirm, unsubscribe and preference links are capabilities: whoever reads a log line with one
# could act for the reader; a counted link (/r/) names who clicked what. Access log lines keep
# the route and drop the token.
_TOKEN_PATH = re.compile(r"/(confirm|unsubscribe|preferences|r)/[^\s?\"]+")
# Credentials inside URLs (a relay's, a feed's, a database's) never reach a log line.
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s:@]*:[^/\s@]*@", re.I)
# … nor query values named like credentials (`?api_key=…`, `&X-Amz-Signature=…`).
_QUERY_VALUE = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&\s\"'#;]+)=(?P<value>[^&\s\"'#;]*)")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"

request_id: ContextVar[str | None] = ContextVar("bulletin_request_id", default=None)


def redact(text: str) -> str:
    text = _TOKEN_PATH.sub(r"/\1/[token]", text)
    text = _URL_CREDENTIALS.sub(r"\g<scheme>[credentials]@", text)
    return _QUERY_VALUE.sub(_secret_value_redacted, text) if "=" in text else text


def _secret_value_redacted(match: re.Match[str]) -> str:
    if not is_secret_parameter(match["name"]):
        return match[0]
    return f"{match['lead']}{match['name']}={REDACTED}"


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


class Correlation(logging.Filter):
    """Adds the worker id and, inside a web request, its id to every record."""

    def __init__(self) -> None:
        super().__init__()
        self.worker = f"{socket.gethostname()[:60]}:{os.getpid()}"

    def filter(self, record: logging.LogRecord) -> bool:
        record.worker = self.worker
        current = request_id.get()
        if current is not None and not hasattr(record, "request_id"):
            record.request_id = current
        return True


def formatter(fmt: str) -> logging.Formatter:
    """The formatter for `BULLETIN_LOG_FORMAT` ("text" or "json")."""
    if fmt == "json":
        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    return logging.Formatter(TEXT_FORMAT)


def configure(level: int = logging.INFO, fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(fmt))
    # On the handler, so that every logger's records are redacted, uvicorn's included.
    handler.addFilter(RedactTokens())
    handler.addFilter(Correlation())
    logging.basicConfig(level=level, handlers=[handler])
    # aiosmtpd logs every connection at INFO; the catcher's own line says enough. httpx
    # logs every request's full URL at INFO: our fetch lines say what was fetched.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
