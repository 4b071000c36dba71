"""The headers every response carries: no sniffing, no referrer, and who may frame it.

Plain ASGI rather than Starlette's `BaseHTTPMiddleware`, which runs each request's
app in a task group of its own and copies the body through a stream: measured, it
was a tenth of the web process's time under a burst of webhook requests.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Links in our pages carry signed tokens; never hand them to another site.
    "Referrer-Policy": "no-referrer",
}
EMBED_PREFIX = "/embed"


class ResponseHeaders:
    """Only /embed may be framed, and only by `embed_origins`; nothing else at all.

    X-Frame-Options cannot name several origins, so framed pages rely on CSP
    frame-ancestors (every current browser) and send no X-Frame-Options. A header the
    app set itself is left as it is, except on /embed, whose framing rules win.
    """

    def __init__(self, app: ASGIApp, *, embed_origins: tuple[str, ...] = ()) -> None:
        self.app = app
        self.embed_ancestors = " ".join(("'self'", *embed_origins))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        embed = path == EMBED_PREFIX or path.startswith(EMBED_PREFIX + "/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add(MutableHeaders(scope=message), embed=embed)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _add(self, headers: MutableHeaders, *, embed: bool) -> None:
        if embed:
            headers["Content-Security-Policy"] = f"frame-ancestors {self.embed_ancestors}"
            # The embed's URLs carry no tokens; this lets its POST carry our Origin.
            headers["Referrer-Policy"] = "same-origin"
        else:
            headers.setdefault("X-Frame-Options", "SAMEORIGIN")
            headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
        for name, value in SECURITY_HEADERS.items():
            headers.setdefault(name, value)
