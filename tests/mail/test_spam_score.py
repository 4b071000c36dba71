"""Every kind of message, scored by Debian's SpamAssassin with its local rules only.

A reader's filter must not hold a breaking alert back: each kind, rendered by the real
composer, scores 0.0 or below. No network tests run (`-L`), and no Bayes database is
read or written, so the score depends on the message alone.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace
from email import message_from_bytes, policy

import pytest

from bulletin.domain.models import CampaignKind, ListKind, MailingList
from bulletin.mail.compose import CampaignMessages, Links
from tests.mail.test_footer import ADDRESS, KINDS, LINKS, READER, SENT_AT, TOKENS, campaign

SPAMASSASSIN = "/usr/bin/spamassassin"
DRESSED = replace(
    LINKS,
    postal_address=ADDRESS,
    logo_url="https://img.example.com/logo.png",
    privacy_url="https://news.example.com/privacy",
)


def update_alert(links: Links) -> bytes:
    the_list = MailingList(1, "breaking", "Breaking News", "", ListKind.ALERT)
    follow_up = replace(campaign(CampaignKind.ALERT, 1), id=8, parent_id=7)
    messages = CampaignMessages(follow_up, the_list, links=links, tokens=TOKENS, date=SENT_AT)
    return messages.envelope(key=1, subscriber_id=3, email=READER).data


ALL_KINDS: dict[str, Callable[[Links], bytes]] = {**KINDS, "update alert": update_alert}


def score(data: bytes) -> tuple[float, list[str]]:
    """(score, rules hit) from the X-Spam-Status header SpamAssassin adds."""
    assert shutil.which(SPAMASSASSIN), "make spamassassin installs Debian's spamassassin"
    run = subprocess.run(
        [SPAMASSASSIN, "-L", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0"],
        input=data,
        capture_output=True,
        check=True,
        timeout=120,
    )
    status = message_from_bytes(run.stdout, policy=policy.default)["X-Spam-Status"]
    assert status is not None, run.stderr.decode(errors="replace")
    fields = dict(
        part.split("=", 1) for part in " ".join(str(status).split()).split() if "=" in part
    )
    return float(fields["score"]), [rule for rule in fields["tests"].split(",") if rule]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_scores_zero_or_below(kind: str) -> None:
    points, rules = score(ALL_KINDS[kind](DRESSED))
    assert points <= 0.0, f"{kind} scored {points}: {', '.join(rules)}"
