"""Fetching a story source over HTTP: conditional GET, a timeout and a size limit.

httpx errors are translated to FetchError here, each naming the URL and saying what
went wrong in words an editor can act on.

Only public addresses are fetched. Feed and story URLs come from editors (and API
keys); without this, one could point Bulletin at the machine's own services or the
newsroom's internal network (a cloud metadata endpoint, an admin page) and read the
answer back as a story. Every request, redirects included, is checked against the
addresses its host resolves to; `BULLETIN_FETCH_ALLOW_NETWORKS` lets chosen private
ranges through (an intranet wire server). The check happens before httpx connects and
resolves again, so a DNS server that answers differently the second time (rebinding)
is not stopped here: that needs a resolving proxy or egress rules.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from bulletin.config import IPNetwork
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
    allow_networks: Sequence[IPNetwork] = (),
) -> Fetched:
    """GET `url`, sending the validators from the last poll so unchanged feeds cost nothing."""
    headers = {"User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    client = httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=5,
        event_hooks={"request": [public_only(url, allow_networks)]},
    )
    try:
        with client, client.stream("GET", url, headers=headers) as response:
            return _read(url, response, max_bytes=max_bytes)
    except httpx.TimeoutException:
        raise FetchError(url, f"did not answer within {timeout:g} seconds") from None
    except httpx.HTTPError as exc:
        raise FetchError(url, f"could not be fetched ({type(exc).__name__}: {exc})") from None


def public_only(url: str, allow_networks: Sequence[IPNetwork]) -> Callable[[httpx.Request], None]:
    """A request hook refusing any hop to a host that is not on the public internet."""

    requests = 0

    def check(request: httpx.Request) -> None:
        nonlocal requests
        requests += 1
        for address in _addresses(request.url.host, request.url.port or 443):
            if not address.is_global and not any(address in net for net in allow_networks):
                hop = "" if requests == 1 else f" (redirected to {request.url})"
                raise FetchError(
                    url,
                    f"points at {address}, a private or local address{hop}; Bulletin fetches"
                    " only public addresses (an administrator can allow a network with"
                    " BULLETIN_FETCH_ALLOW_NETWORKS)",
                )

    return check


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address `host` resolves to; none if it does not resolve (httpx then says so)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return [ipaddress.ip_address(info[4][0]) for info in found]


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
