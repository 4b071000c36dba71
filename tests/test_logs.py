"""Signed links are capabilities: access log lines keep the route and drop the token."""

from __future__ import annotations

import pytest

from bulletin.logs import redact


@pytest.mark.parametrize("route", ["confirm", "unsubscribe", "preferences"])
def test_tokens_in_link_paths_are_redacted(route: str) -> None:
    line = f'127.0.0.1 - "GET /{route}/WzEsMV0.awc3rQ.6eR9Z?saved=1 HTTP/1.1" 200'
    assert redact(line) == f'127.0.0.1 - "GET /{route}/[token]?saved=1 HTTP/1.1" 200'


def test_other_paths_are_left_alone() -> None:
    assert redact("GET /desk/subscribers/12 HTTP/1.1") == "GET /desk/subscribers/12 HTTP/1.1"
