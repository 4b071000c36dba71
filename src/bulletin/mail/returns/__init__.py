"""Reading returned mail: bounces, complaints and reports, attributed only by what we signed.

`read_return(raw, domain=…, verify=…)` reads one message (RFC 3464 DSNs, ARF and
auth-failure reports, Microsoft JMRP, Amazon SES notices, Exim's and older formats,
auto-replies) into a `Return`; `classify_reply` reads one status code and server
text the same way, for provider events that carry them; `ReturnTags` makes and checks
the signature our VERP addresses and Message-IDs carry.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bulletin.mail.returns.classify import classify_reply
    from bulletin.mail.returns.model import Return, ReturnClass
    from bulletin.mail.returns.reader import read_return
    from bulletin.mail.returns.ses import read_ses
    from bulletin.mail.returns.tags import ReturnTags, Verify

# Where each name lives, imported on first use: the sending engine needs only `tags`
# (its Message-IDs), not the readers and flufl.bounce behind them.
_HOMES = {
    "classify_reply": "classify",
    "Return": "model",
    "ReturnClass": "model",
    "read_return": "reader",
    "read_ses": "ses",
    "ReturnTags": "tags",
    "Verify": "tags",
}

__all__ = [
    "Return",
    "ReturnClass",
    "ReturnTags",
    "Verify",
    "classify_reply",
    "read_return",
    "read_ses",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
