"""The doctor on a setup that is right everywhere: every check passes, and nothing leaks."""

from __future__ import annotations

import json

from bulletin.services.doctor import examine
from bulletin.services.doctor.setup import Setup
from bulletin.services.doctor.verdicts import Status
from tests.services.doctor.conftest import RELAY_PASSWORD


def test_a_good_setup_passes_every_check(setup: Setup) -> None:
    report = examine(setup)
    assert {(v.check, v.status) for v in report.verdicts} == {
        (check, Status.PASS)
        for check in (
            "mode",
            "sender-domain",
            "spf",
            "dkim",
            "dkim-ed25519",
            "dmarc",
            "dmarc-alignment",
            "bounce-mx",
            "inbound-listener",
            "base-url",
            "one-click",
            "postal-address",
        )
    }
    assert not report.failed
    assert all(v.fix is None for v in report.verdicts)


def test_the_report_never_shows_a_relays_password(setup: Setup) -> None:
    report = examine(setup)
    assert RELAY_PASSWORD not in json.dumps(report.as_json())
    assert [v.subject for v in report.verdicts if v.check == "spf"] == [
        "smtp://relay.news.example:587"
    ]


def test_the_json_form_counts_each_status_and_lists_each_check(setup: Setup) -> None:
    shown = examine(setup).as_json()
    assert shown["ok"] is True
    assert shown["counts"] == {"pass": 12, "warn": 0, "fail": 0, "skipped": 0}
    checks = shown["checks"]
    assert isinstance(checks, list)
    assert set(checks[0]) == {"check", "subject", "status", "reason", "fix"}
