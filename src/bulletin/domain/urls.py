"""Web addresses as they may be shown: credentials taken out before a URL is logged or kept.

A feed or story URL can carry a password (`https://user:pw@wire.example/`) or a key in
its query (`?api_key=…`). The fetch needs them; the server log, the audit log and a
story's source field must not hold them. The redacted form keeps everything else, so
an editor still recognises the address, and says where something was taken out.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "redacted"
# Query parameters whose value is a credential, by name (case and `-`/`_` ignored).
SECRET_NAMES = frozenset(
    {
        "apikey",
        "key",
        "token",
        "accesstoken",
        "authtoken",
        "idtoken",
        "refreshtoken",
        "password",
        "passwd",
        "pwd",
        "pass",
        "secret",
        "clientsecret",
        "signature",
        "sig",
        "auth",
        "authorization",
        "credential",
        "credentials",
        "session",
        "sessionid",
        "xamzsignature",
        "xamzcredential",
        "xamzsecuritytoken",
    }
)
_NOT_LETTERS = re.compile(r"[^a-z0-9]")


def is_secret_parameter(name: str) -> bool:
    """True for a query parameter named like a credential (`api_key`, `X-Amz-Signature`…)."""
    folded = _NOT_LETTERS.sub("", name.lower())
    return folded in SECRET_NAMES or folded.endswith(("apikey", "token", "secret", "password"))


def redact_url(url: str) -> str:
    """`url` with its user-info and credential-like query values replaced by `redacted`.

    A URL too broken to parse loses its whole query and any user-info.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket and the like
        return _cut(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_parameter(name) for name, _ in pairs):
            query = urlencode(
                [(n, REDACTED if is_secret_parameter(n) else v) for n, v in pairs], safe=":/"
            )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _cut(url: str) -> str:
    """A URL too broken to parse: keep only what precedes any user-info or query."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest.split("/", 1)[0]:
        rest = f"{REDACTED}@{rest.split('@', 1)[1]}"
    return f"{scheme}{sep}{rest.split('?', 1)[0]}"
