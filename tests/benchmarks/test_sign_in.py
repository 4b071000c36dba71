"""`bulletin bench sign-in`: the burst is stopped, the lock comes, and the right password waits."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bulletin.cli import app


def test_bench_sign_in_reports_the_lock_and_the_right_password_waiting_for_it() -> None:
    result = CliRunner().invoke(app, ["bench", "sign-in", "--attempts", "30"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    blind, patient = figures["blind_burst"], figures["patient_attacker"]
    assert blind["checked_and_failed"] == 3 and blind["refused_waiting"] == 27
    assert patient["passwords_checked_before_lock"] == 10
    assert patient["seconds_waited_before_lock"] == 1 + 2 + 4 + 8 + 16 + 32 + 64
    during = patient["right_password_during_lock"]  # the lock's 900 s, less the run so far
    assert during.startswith("refused, retry after ") and 800 <= int(during.split()[-2]) <= 900
    assert patient["right_password_after_lock"] == "signed in"
