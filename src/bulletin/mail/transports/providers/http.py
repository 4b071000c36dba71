"""One pooled HTTPS client to a mail provider's API, its failures read the relay seam's way.

Every provider relay posts through `ProviderApi.post`, which turns what can go wrong
on the way into one of two exceptions its caller makes a `BatchResult` of:

    Unreachable   nothing was handed over: the connection could not be opened (refused,
                  no answer in time, TLS), the API refused our credentials (HTTP 401 or
                  403), or it answered with a redirect (a wrong URL: never followed, so
                  an API key never goes anywhere we did not name)
    Lost          the request went out and no answer came back (a timeout, a dropped
                  connection): the provider may have taken the messages, so each gets a
                  temporary reply and is sent again later; none of the four APIs offers
                  an idempotency key for sending, so that retry may deliver twice (the
                  Message-ID is the same, which lets mailbox providers fold the two)

Connection failures are retried once by httpx before anything is sent (safe: nothing
was handed over); nothing else is retried here, for the reason above.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from bulletin.mail.transports.providers.urls import ProviderAddress
from bulletin.mail.transports.seam import BatchResult, Reply

CONNECT_TIMEOUT_S = 10.0
USER_AGENT = "Bulletin (self-hosted newsroom mail)"


class Unreachable(Exception):
    """The API could not be reached, or will not take anything from us as configured."""


class Lost(Exception):
    """The request went out and no answer came: the provider may or may not have it."""


class ProviderApi:
    """An httpx.AsyncClient for one relay connection: keep-alive, timeouts, no redirects."""

    def __init__(
        self,
        address: ProviderAddress,
        *,
        ssl_context: ssl.SSLContext,
        timeout: float,
        auth: httpx.Auth | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.address = address
        self._ssl = ssl_context
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_S))
        self._auth = auth
        self._headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self._client: httpx.AsyncClient | None = None

    def _opened(self) -> httpx.AsyncClient:
        if self._client is None:
            transport = httpx.AsyncHTTPTransport(
                verify=self._ssl, retries=1, limits=httpx.Limits(max_connections=1)
            )
            self._client = httpx.AsyncClient(
                base_url=self.address.base_url,
                transport=transport,
                timeout=self._timeout,
                follow_redirects=False,
                auth=self._auth,
                headers=self._headers,
            )
        return self._client

    async def post(self, path: str, **request: Any) -> httpx.Response:
        """POST to the API; Unreachable or Lost as the module's docstring says."""
        try:
            response = await self._opened().post(path, **request)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise Unreachable(f"cannot connect ({_what(exc)})") from None
        except httpx.TimeoutException:
            raise Lost("no answer in time") from None
        except httpx.TransportError as exc:
            raise Lost(f"the connection broke ({_what(exc)})") from None
        if response.is_redirect:
            raise Unreachable(f"HTTP {response.status_code}, a redirect: check the relay URL")
        if response.status_code in (401, 403):
            raise Unreachable(f"HTTP {response.status_code}: the API refused our credentials")
        return response

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()


def _what(exc: Exception) -> str:
    """The kind of failure, never the request (its URL or headers)."""
    return type(exc).__name__


def accepted(receipt: str) -> Reply:
    """The provider took it: its message id is the receipt the ledger keeps."""
    return Reply(250, f"250 {receipt}")


def temporary(reason: str) -> Reply:
    return Reply(451, f"451 {_one_line(reason)}")


def permanent(reason: str, code: int = 550) -> Reply:
    return Reply(code, f"{code} {_one_line(reason)}")


def lost(count: int, reason: str) -> BatchResult:
    return BatchResult([temporary(f"{reason}; the provider may have taken it")] * count)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def server_error(response: httpx.Response) -> Reply:
    return temporary(f"the API failed (HTTP {response.status_code}); trying again later")
