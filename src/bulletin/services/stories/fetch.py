"""Fetching a story source over HTTP: conditional GET, a timeout and a size limit.

httpx errors are translated to FetchError here, each naming the URL and saying what
went wrong in words an editor can act on.

Only public addresses are fetched. Feed and story URLs come from editors (and API
keys); without this, one could point Bulletin at the machine's own services or the
newsroom's internal network (a cloud metadata endpoint, an admin page) and read the
answer back as a story. Every request, redirects included, is checked against the
addresses its host resolves to; `BULLETIN_FETCH_ALLOW_NETWORKS` lets chosen private
ranges through (an intranet wire server). Connections are then opened to the very
addresses that were checked, never to a second lookup's answer, so a DNS server that
answers differently the second time (rebinding) gets nowhere. Behind an HTTP proxy
from the environment (`HTTPS_PROXY` and the like) the proxy resolves the names: only
the first check applies there, and the proxy's own rules must do the rest.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import httpcore
import httpx

from bulletin.config import IPNetwork
from bulletin.domain.errors import FetchError
from bulletin.domain.urls import redact_url
from bulletin.ingest.parse import MAX_DOCUMENT_BYTES
from bulletin.services.stories.public_addresses import IPAddress, carried_ipv4, is_public

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
    shown = redact_url(url)  # errors name the URL; they are logged, audited and shown
    guard = _Guard(shown, allow_networks)
    try:
        client = httpx.Client(
            timeout=timeout,
            follow_redirects=True,
            max_redirects=5,
            event_hooks={"request": [guard.check_request]},
            transport=None if urllib.request.getproxies() else _VettedTransport(guard),
        )
        with client, client.stream("GET", url, headers=headers) as response:
            return _read(shown, response, max_bytes=max_bytes)
    except httpx.TimeoutException:
        raise FetchError(shown, f"did not answer within {timeout:g} seconds") from None
    except httpx.InvalidURL as exc:  # not an HTTPError: `http://0177.0.0.1/`, `http://[::1/`
        raise FetchError(shown, f"is not a web address Bulletin can fetch ({exc})") from None
    except httpx.HTTPError as exc:
        raise FetchError(shown, f"could not be fetched ({type(exc).__name__}: {exc})") from None


class _Guard:
    """Judges each hop of one fetch by the addresses its host resolves to."""

    def __init__(self, url: str, allow_networks: Sequence[IPNetwork]) -> None:
        self.url = url
        self.allow_networks = allow_networks
        self.requests: list[httpx.URL] = []

    def check_request(self, request: httpx.Request) -> None:
        """The request hook: refuses a hop to a host that is not on the public internet."""
        self.requests.append(request.url)
        self.vetted(request.url.host, request.url.port or 443)

    def vetted(self, host: str, port: int) -> list[IPAddress]:
        """The addresses `host` resolves to, all of them allowed; FetchError otherwise."""
        addresses = _addresses(host, port)
        for address in addresses:
            if not is_public(address, self.allow_networks):
                raise FetchError(self.url, self._refusal(address))
        return addresses

    def _refusal(self, address: IPAddress) -> str:
        hop = (
            f" (redirected to {redact_url(str(self.requests[-1]))})"
            if len(self.requests) > 1
            else ""
        )
        inner = carried_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else ()
        carried = f" (which carries {', '.join(map(str, inner))})" if inner else ""
        return (
            f"points at {address}{carried}, a private or local address{hop}; Bulletin fetches only"
            " public addresses (an administrator can allow a network with"
            " BULLETIN_FETCH_ALLOW_NETWORKS)"
        )


class _VettedConnections(httpcore.NetworkBackend):
    """Opens TCP connections only to addresses the guard has just resolved and allowed."""

    def __init__(self, guard: _Guard) -> None:
        self._guard = guard
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._guard.vetted(host, port)
        if not addresses:
            raise httpcore.ConnectError(f"no address found for {host}")
        refused: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return self._sockets.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                refused = exc
        assert refused is not None
        raise refused

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("Bulletin fetches over TCP only")

    def sleep(self, seconds: float) -> None:
        self._sockets.sleep(seconds)


class _VettedTransport(httpx.HTTPTransport):
    """httpx's own transport, its connection pool given the vetting network backend.

    httpx takes no network backend of its own, so the pool is rebuilt with httpx's
    default settings; tests/services/stories/test_fetch.py fails if a release stops using it.
    """

    def __init__(self, guard: _Guard) -> None:
        super().__init__()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_VettedConnections(guard),
        )


def _addresses(host: str, port: int) -> list[IPAddress]:
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
