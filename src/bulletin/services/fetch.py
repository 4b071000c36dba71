"""Fetching a story source over HTTP: conditional GET, a timeout and a size limit.

httpx errors are translated to FetchError here, each naming the URL and saying what
went wrong in words an editor can act on.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from bulletin.domain.errors import FetchError
from bulletin.ingest.parse import MAX_DOCUMENT_BYTES

TIMEOUT_S = 15.0
USER_AGENT = "Bulletin/0.1 feed reader"


@dataclass(frozen=True)
class Fetched:
    """What a GET brought back; `data` is None when the server said 304 Not Modified."""

    url: str
    status: int
    data: bytes | None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = TIMEOUT_S,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Fetched:
    """GET `url`, sending the validators from the last poll so unchanged feeds cost nothing."""
    headers = {"User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=5) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            return _read(url, response, max_bytes=max_bytes)
    except httpx.TimeoutException:
        raise FetchError(url, f"did not answer within {timeout:g} seconds") from None
    except httpx.HTTPError as exc:
        raise FetchError(url, f"could not be fetched ({type(exc).__name__}: {exc})") from None


def _read(url: str, response: httpx.Response, *, max_bytes: int) -> Fetched:
    validators = {
        "etag": response.headers.get("etag"),
        "last_modified": response.headers.get("last-modified"),
    }
    if response.status_code == 304:
        return Fetched(url=url, status=304, data=None, **validators)
    if response.status_code >= 400:
        reason = response.reason_phrase or "error"
        raise FetchError(
            url, f"answered HTTP {response.status_code} {reason}", status=response.status_code
        )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(url, f"is {int(declared):,} bytes; the limit is {max_bytes:,} bytes")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(url, f"sent more than the limit of {max_bytes:,} bytes")
        chunks.append(chunk)
    return Fetched(
        url=url,
        status=response.status_code,
        data=b"".join(chunks),
        content_type=response.headers.get("content-type"),
        **validators,
    )
