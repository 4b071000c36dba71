"""Reading returned mail: bounces, complaints and reports, attributed only by what we signed.

`read_return(raw, domain=…, verify=…)` reads one message (RFC 3464 DSNs, ARF and
auth-failure reports, Microsoft JMRP, Amazon SES notices, Exim's and older formats,
auto-replies) into a `Return`; `classify_reply` reads one status code and server
text the same way, for provider events that carry them; `ReturnTags` makes and checks
the signature our VERP addresses and Message-IDs carry.
"""

from bulletin.mail.returns.classify import classify_reply
from bulletin.mail.returns.model import Return, ReturnClass
from bulletin.mail.returns.reader import read_return
from bulletin.mail.returns.ses import read_ses
from bulletin.mail.returns.tags import ReturnTags, Verify

__all__ = [
    "Return",
    "ReturnClass",
    "ReturnTags",
    "Verify",
    "classify_reply",
    "read_return",
    "read_ses",
]
