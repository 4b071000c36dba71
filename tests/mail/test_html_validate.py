"""Every kind of message's HTML part passes html-validate (recommended rules, email-adapted)."""

from __future__ import annotations

from tests.mail.test_footer import parts
from tests.mail.test_spam_score import ALL_KINDS, DRESSED
from tests.support.html_validate import problems


def test_every_kind_of_message_is_valid_html() -> None:
    documents = {kind: parts(build(DRESSED))[1] for kind, build in ALL_KINDS.items()}

    found = problems(documents)

    assert found == {kind: [] for kind in ALL_KINDS}


def test_the_checker_reports_broken_markup() -> None:
    # The check itself must be able to fail: an unclosed element and a stray end tag.
    found = problems(
        {
            "broken": "<!DOCTYPE html><html lang='en'><head><title>x</title></head>"
            "<body><p><div>x</p></body></html>"
        }
    )

    assert any("close-order" in problem for problem in found["broken"])
