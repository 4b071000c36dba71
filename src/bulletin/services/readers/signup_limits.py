"""Sign-up limits: how often one client, network or mailbox may sign up, and how many
confirmation emails the whole service sends.

The counts are moving windows kept by the `limits` library: in this process's memory
by default, or in Redis (`BULLETIN_REDIS_URL`) so that every web process shares them.
A request past a limit raises `TooManyRequests`, naming the limit and when to try
again; a refused request is not counted against the limit it broke.

If Redis cannot be reached the sign-up goes ahead unlimited and the failure is
logged: refusing every reader while Redis is down would lose real sign-ups, and the
double opt-in still stands between an attacker and anyone's list.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from bulletin.config import Settings
from bulletin.domain.errors import TooManyRequests
from bulletin.domain.networks import network_of

log = logging.getLogger(__name__)

KEY_PREFIX = "bulletin-signups"

# What each refusal says to the person who sees it.
_MESSAGES = {
    "ip": "There have been a lot of sign-ups from your connection just now.",
    "network": "There have been a lot of sign-ups from your network just now.",
    "mailbox": "We have sent several confirmation emails to this address recently: "
    "please look for one in your inbox (and spam folder).",
    "confirmations": "We are receiving a great many sign-ups right now.",
}


@dataclass(frozen=True)
class Rule:
    """One limit: its name and the rates that must all hold."""

    name: str
    rates: tuple[RateLimitItem, ...]

    @classmethod
    def parse(cls, name: str, text: str) -> Rule:
        return cls(name=name, rates=tuple(parse_many(text)))


class SignUpLimits:
    """The four sign-up limits over one store of counts (see the module's docstring)."""

    def __init__(self, settings: Settings, *, key_prefix: str = KEY_PREFIX) -> None:
        self._storage = _storage(settings.redis_url, key_prefix)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._ip = Rule.parse("ip", settings.signup_limit_ip)
        self._network = Rule.parse("network", settings.signup_limit_network)
        self._mailbox = Rule.parse("mailbox", settings.signup_limit_mailbox)
        self._confirmations = Rule.parse("confirmations", settings.confirmation_limit)

    def admit(self, *, ip: str | None) -> None:
        """Count a sign-up from this client and its network, or raise TooManyRequests."""
        if ip is None:  # no peer at all (a test transport): nothing to count it by
            return
        self._hit(self._ip, ip)
        self._hit(self._network, network_of(ip))

    def confirmation(self, *, mailbox: str) -> None:
        """Count a confirmation email to this mailbox (`mailbox_key`) and overall, or raise."""
        self._hit(self._mailbox, mailbox)
        self._hit(self._confirmations, "all")

    def _hit(self, rule: Rule, subject: str) -> None:
        for rate in rule.rates:
            try:
                allowed = self._limiter.hit(rate, rule.name, subject)
            except StorageError as exc:
                log.warning("sign-up limits unavailable, not counting: %s", exc.storage_error)
                return
            if not allowed:
                retry = self._retry_after(rate, rule.name, subject)
                raise TooManyRequests(
                    f"{_MESSAGES[rule.name]} Please try again in {_in_words(retry)}.",
                    limit=rule.name,
                    retry_after_s=retry,
                )

    def _retry_after(self, rate: RateLimitItem, *keys: str) -> int:
        try:
            reset = self._limiter.get_window_stats(rate, *keys).reset_time
        except StorageError:
            return rate.get_expiry()
        # The limits library keeps its windows on the wall clock, so this one does too.
        return max(1, math.ceil(reset - time.time()))


def _storage(url: str | None, key_prefix: str) -> Storage:
    if url is None:
        return MemoryStorage()
    return RedisStorage(url, key_prefix=key_prefix, wrap_exceptions=True)


def _in_words(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    if minutes <= 1:
        return "a minute"
    return f"{minutes} minutes" if minutes < 90 else f"{math.ceil(minutes / 60)} hours"
