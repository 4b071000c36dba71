"""The app with every provider's webhook configured, its SNS certificate served locally."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from bulletin.services.context import Context
from bulletin.services.readers.webhooks import Webhooks
from bulletin.web.app import create_app
from tests.support.hooks import (
    MAILGUN_KEY,
    POSTMARK_PASSWORD,
    POSTMARK_USER,
    TOPIC,
    SendGridSigner,
    SnsSigner,
)


@dataclass
class Hooked:
    """A client of the real app, its context, and the SubscribeURLs it visited."""

    client: TestClient
    ctx: Context
    visited: list[str]


@pytest.fixture(scope="session")
def sns_signer() -> SnsSigner:
    return SnsSigner()


@pytest.fixture(scope="session")
def sendgrid_signer() -> SendGridSigner:
    return SendGridSigner()


@pytest.fixture
def hooked(
    ctx: Context, sns_signer: SnsSigner, sendgrid_signer: SendGridSigner
) -> Iterator[Hooked]:
    ctx.settings = ctx.settings.replace(
        ses_topic_arns=(TOPIC,),
        sendgrid_webhook_key=sendgrid_signer.key,
        mailgun_signing_key=MAILGUN_KEY,
        postmark_webhook_user=POSTMARK_USER,
        postmark_webhook_password=POSTMARK_PASSWORD,
    )
    visited: list[str] = []
    webhooks = Webhooks(ctx, fetch_certificate=sns_signer.fetch, visit=visited.append)
    with TestClient(create_app(ctx, webhooks=webhooks)) as client:
        yield Hooked(client, ctx, visited)
