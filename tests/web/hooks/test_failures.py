"""The webhook endpoints never answer 500: what could not be recorded is asked for again."""

from __future__ import annotations

from bulletin.domain.errors import ProviderUnavailable
from tests.support.hooks import (
    SnsSigner,
    basic,
    body,
    postmark_bounce,
    sent_reader,
    ses_delivery,
    state,
)
from tests.support.poison import inserts_refused
from tests.web.hooks.conftest import Hooked


def test_a_database_that_cannot_record_asks_the_provider_to_retry(hooked: Hooked) -> None:
    reader = sent_reader(hooked.ctx)
    record = postmark_bounce(reader.email, "HardBounce", at=hooked.ctx.clock(), record_id=8)

    with inserts_refused(hooked.ctx.db, "events"):
        response = hooked.client.post("/hooks/postmark", content=body(record), headers=basic())
    assert response.status_code == 503 and "try again" in response.json()["error"]
    assert not state(hooked.ctx, reader).suppressed
    retried = hooked.client.post("/hooks/postmark", content=body(record), headers=basic())
    assert retried.json()["recorded"] == 1  # the provider's retry is taken in full
    assert state(hooked.ctx, reader).suppressed


def test_an_sns_certificate_that_cannot_be_fetched_asks_sns_to_retry(hooked: Hooked) -> None:
    def unreachable(url: str) -> bytes:
        raise ProviderUnavailable("Could not fetch the SNS signing certificate: timed out")

    hooked.client.app.state.webhooks.verifier.fetch = unreachable  # type: ignore[attr-defined]
    fields = SnsSigner().notification(
        ses_delivery("a@b.example", at=hooked.ctx.clock()), at=hooked.ctx.clock()
    )
    response = hooked.client.post("/hooks/ses", content=body(fields))
    assert response.status_code == 503 and "certificate" in response.json()["error"]
