"""The headers every response carries: a content security policy, no sniffing, no referrer,
who may frame it, HSTS in production, and no caching of pages that show a reader or the desk.

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
# Scripts only from our own files (every template's script is in web/static). Styles
# may be inline: the alert preview shows the email in a srcdoc frame, which inherits
# this policy, and an email's CSS is inlined by design. Images from anywhere https,
# for the same previews.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data: https:; object-src 'none'; base-uri 'none'"
)
# Pages that show a reader's address or a token, and the whole desk: never kept by a
# browser's or a proxy's cache, where the next person at a shared computer finds them.
NO_STORE_PREFIXES = ("/confirm/", "/unsubscribe/", "/preferences/", "/desk")
HSTS = "max-age=63072000; includeSubDomains"


class ResponseHeaders:
    """Only /embed may be framed, and only by `embed_origins`; nothing else at all.

    X-Frame-Options cannot name several origins, so framed pages rely on CSP
    frame-ancestors (every current browser) and send no X-Frame-Options. A header the
    app set itself is left as it is (the sandboxed previews of an email set their own
    policy), except on /embed, whose framing rules win.
    """

    def __init__(
        self, app: ASGIApp, *, embed_origins: tuple[str, ...] = (), hsts: bool = False
    ) -> None:
        self.app = app
        self.embed_ancestors = " ".join(("'self'", *embed_origins))
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        embed = path == EMBED_PREFIX or path.startswith(EMBED_PREFIX + "/")
        private = path.startswith(NO_STORE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._add(MutableHeaders(scope=message), embed=embed, private=private)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _add(self, headers: MutableHeaders, *, embed: bool, private: bool) -> None:
        if embed:
            policy = f"{POLICY}; frame-ancestors {self.embed_ancestors}"
            headers["Content-Security-Policy"] = policy
            # The embed's URLs carry no tokens; this lets its POST carry our Origin.
            headers["Referrer-Policy"] = "same-origin"
        else:
            headers.setdefault("X-Frame-Options", "SAMEORIGIN")
            headers.setdefault("Content-Security-Policy", f"{POLICY}; frame-ancestors 'self'")
        if private:
            headers["Cache-Control"] = "no-store"
        if self.hsts:
            headers.setdefault("Strict-Transport-Security", HSTS)
        for name, value in SECURITY_HEADERS.items():
            headers.setdefault(name, value)
