"""Every public archive page, as a browser receives it, passes html-validate."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bulletin.services.context import Context
from tests.support.factories import FakeClock, unique_email
from tests.support.html_validate import problems
from tests.support.smtp_sink import SmtpSink
from tests.web.test_archive import sent_alert, sent_report


def test_every_archive_page_is_valid_html(
    client: TestClient, ctx: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    alert_id = sent_alert(ctx, smtp_sink, [unique_email()])
    report_id = sent_report(ctx, clock, smtp_sink)
    paths = [
        "/archive",
        "/archive/breaking",
        "/archive/special-reports",
        "/archive/morning-briefing",
        f"/archive/breaking/{alert_id}",
        f"/archive/special-reports/{report_id}",
    ]
    pages = {path: client.get(path) for path in paths}
    assert {path: r.status_code for path, r in pages.items()} == dict.fromkeys(paths, 200)

    found = problems({path: response.text for path, response in pages.items()})

    assert found == {path: [] for path in paths}
