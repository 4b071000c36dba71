"""Hypothesis over the public sign-up form, through the whole app on a real SQLite file:
any address, time zone and list a stranger can post is a page, never a server error."""

from __future__ import annotations

import dataclasses
import uuid

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin.services.context import Context
from bulletin.services.readers.signup_limits import SignUpLimits
from bulletin.web.app import create_app
from tests.support.web import signup_fields, take_time

ZONES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["America", "Etc", "Europe/", "../../etc/passwd", "Asia/Calcutta", "UTC"]),
)
ADDRESSES = st.one_of(
    st.emails().map(str),
    st.text(max_size=60),
    st.sampled_from(["a@b", "x@[127.0.0.1]", "\x00@example.com", "a" * 300 + "@example.com"]),
)


def _client(ctx: Context) -> TestClient:
    # Limits far above what the examples send: the form's parsing is under test here.
    loose = ctx.settings.replace(
        signup_limit_ip="100000/minute",
        signup_limit_network="100000/minute",
        signup_limit_mailbox="100000/minute",
    )
    changed = dataclasses.replace(ctx, settings=loose)
    limits = SignUpLimits(changed.settings, key_prefix=f"fuzz-{uuid.uuid4().hex}")
    return TestClient(create_app(changed, signup_limits=limits))


def test_any_sign_up_post_is_answered_with_a_page(ctx: Context) -> None:
    with _client(ctx) as client:
        fields = signup_fields(client.get("/").text)
        take_time(client)

        @settings(
            max_examples=150,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(
            email=ADDRESSES,
            zone=ZONES,
            lists=st.lists(st.sampled_from(["breaking", "morning-briefing", "nope", ""])),
        )
        def answered(email: str, zone: str, lists: list[str]) -> None:
            data = {**fields, "email": email, "time_zone": zone, "lists": lists}
            response = client.post("/subscribe", data=data, follow_redirects=False)
            assert response.status_code in {200, 303, 400, 422, 429}, response.text[:300]

        answered()
