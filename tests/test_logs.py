"""Signed links are capabilities: access log lines keep the route and drop the token."""

from __future__ import annotations

import io
import json
import logging
import os

import pytest

from bulletin import logs
from bulletin.logs import redact


@pytest.mark.parametrize("route", ["confirm", "unsubscribe", "preferences"])
def test_tokens_in_link_paths_are_redacted(route: str) -> None:
    line = f'127.0.0.1 - "GET /{route}/WzEsMV0.awc3rQ.6eR9Z?saved=1 HTTP/1.1" 200'
    assert redact(line) == f'127.0.0.1 - "GET /{route}/[token]?saved=1 HTTP/1.1" 200'


def test_other_paths_are_left_alone() -> None:
    assert redact("GET /desk/subscribers/12 HTTP/1.1") == "GET /desk/subscribers/12 HTTP/1.1"


def test_credentials_inside_urls_are_redacted() -> None:
    line = (
        "relay smtp://alerts:pa55word@relay.example.net:587 refused; feed https://u:p@f.example/x"
    )
    assert redact(line) == (
        "relay smtp://[credentials]@relay.example.net:587 refused;"
        " feed https://[credentials]@f.example/x"
    )


def test_query_values_named_like_credentials_are_redacted() -> None:
    line = 'GET https://wire.example/feed?api_key=abc123&page=2&X-Amz-Signature=f00 "200 OK"'
    assert redact(line) == (
        'GET https://wire.example/feed?api_key=redacted&page=2&X-Amz-Signature=redacted "200 OK"'
    )


def _json_line(fmt: str, **extra: object) -> dict[str, object]:
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logs.formatter(fmt))
    handler.addFilter(logs.RedactTokens())
    handler.addFilter(logs.Correlation())
    logger = logging.getLogger("bulletin.test_logs")
    logger.addHandler(handler)
    logger.propagate = False
    token = logs.request_id.set("req-7")
    try:
        logger.warning("campaign %s paused: GET /unsubscribe/Wz.sig", 12, extra=extra)
    finally:
        logs.request_id.reset(token)
        logger.removeHandler(handler)
    stream = handler.stream
    assert isinstance(stream, io.StringIO)
    text = stream.getvalue()
    assert text.count("\n") == 1
    return dict(json.loads(text))


def test_json_lines_carry_level_logger_worker_request_and_campaign() -> None:
    line = _json_line("json", campaign_id=12)
    assert line["level"] == "WARNING" and line["logger"] == "bulletin.test_logs"
    assert line["message"] == "campaign 12 paused: GET /unsubscribe/[token]"
    assert line["campaign_id"] == 12 and line["request_id"] == "req-7"
    assert str(line["worker"]).endswith(f":{os.getpid()}")
    assert "time" in line


def test_text_stays_the_default_format() -> None:
    formatted = logs.formatter("text").format(
        logging.LogRecord("bulletin.x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    )
    assert formatted.endswith("INFO bulletin.x: hello you")
