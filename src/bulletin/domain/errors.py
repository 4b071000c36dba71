"""The one exception tree of Bulletin.

    BulletinError                    anything Bulletin raises on purpose
     ├── InvalidInput                a person gave us something we cannot use
     │    ├── InvalidAddress         not a deliverable email address
     │    ├── UnsafeHeaderValue      CR/LF (header injection) in a header value
     │    ├── UnknownList            a list slug that does not exist
     │    ├── InvalidAlert           an alert missing a headline, summary or link
     │    ├── IngestError            a story source we cannot read (names the source)
     │    │    └── FetchError        a URL that timed out, failed (4xx/5xx) or was too large
     │    └── MalformedWebhook       a mail provider's webhook body not in its documented format
     ├── TokenError                  a confirm/unsubscribe link we cannot honour
     │    ├── TokenExpired           it was genuine but is too old
     │    └── TokenInvalid           forged, damaged or meant for another purpose
     ├── NotFound                    the thing asked for does not exist
     ├── PermissionDenied            signed in, but not allowed to do that
     ├── AuthenticationFailed        wrong address or password
     │    ├── WebhookRefused         a webhook whose signature, credentials, age or topic fails
     │    └── SignInThrottled        too many failed sign-ins: wait (says until when)
     ├── TooManyRequests             a sign-up past a limit (says which, and when to try again)
     ├── MailboxUnavailable          the bounce mailbox could not be reached or refused us
     ├── ProviderUnavailable         a mail provider we had to ask (a certificate) did not answer
     ├── DnsUnavailable              DNS did not answer a lookup (a timeout or a server failure)
     ├── DatabaseUnavailable         the database did not answer a request that needed it
     └── ConfigurationError          settings that cannot work (refused at start-up)

Every message is written for the reader or editor who caused it: it says what was
wrong and, where it helps, what to do instead. Library errors (SQLAlchemy, SMTP, IMAP,
itsdangerous) are translated into these at the edge of the layer that sees them.
"""


class BulletinError(Exception):
    """Base of everything Bulletin raises on purpose."""


class InvalidInput(BulletinError):
    """Input from a person that cannot be used as given."""


class InvalidAddress(InvalidInput):
    """Not a deliverable email address."""


class UnsafeHeaderValue(InvalidInput):
    """A value bound for a mail header contains a line break."""


class UnknownList(InvalidInput):
    """A mailing list slug that does not exist."""


class InvalidAlert(InvalidInput):
    """An alert that cannot be sent as written."""


class TokenError(BulletinError):
    """A signed link that cannot be honoured."""


class TokenExpired(TokenError):
    """A genuine signed link that is too old."""


class TokenInvalid(TokenError):
    """A forged or damaged signed link, or one made for another purpose."""


class NotFound(BulletinError):
    """The thing asked for does not exist."""


class PermissionDenied(BulletinError):
    """The signed-in user's role does not allow this."""


class AuthenticationFailed(BulletinError):
    """Wrong address or password."""


class SignInThrottled(AuthenticationFailed):
    """Too many failed sign-ins to an account or from an address; try again in `retry_after_s`."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TooManyRequests(BulletinError):
    """A request past one of the limits; `limit` names which, `retry_after_s` says when."""

    def __init__(self, message: str, *, limit: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.limit = limit
        self.retry_after_s = retry_after_s


class MailboxUnavailable(BulletinError):
    """The mailbox returned mail is polled from could not be reached, or refused our login.

    The message names the mailbox without its password and says what went wrong.
    """


class ConfigurationError(BulletinError):
    """Settings that cannot work."""


class WebhookRefused(AuthenticationFailed):
    """A webhook we cannot show came from the mail provider: nothing it says is acted on."""


class ProviderUnavailable(BulletinError):
    """A mail provider we had to ask (a signing certificate, a subscription) did not answer."""


class DnsUnavailable(BulletinError):
    """A DNS lookup got no answer: a timeout, or every server failed (not "no such name")."""


class DatabaseUnavailable(BulletinError):
    """The database could not be reached for a request that needed it (a counted link
    first followed while the database was away): the page asks to try again shortly."""


class IngestError(InvalidInput):
    """A story source that cannot be read or parsed; the message names the source."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.reason = message


class FetchError(IngestError):
    """A URL that timed out, answered with an error, or sent more than we accept."""

    def __init__(self, source: str, message: str, *, status: int | None = None) -> None:
        super().__init__(source, message)
        self.status = status


class MalformedWebhook(InvalidInput):
    """A mail provider's webhook body that is not in the format the provider documents."""
