"""Specifications for the settings of the mail providers' webhooks: read, checked, never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.config import Settings
from bulletin.domain.errors import ConfigurationError
from tests.support.hooks import MAILGUN_KEY, POSTMARK_PASSWORD, TOPIC, SendGridSigner

SENDGRID_KEY = SendGridSigner().key


def _env(tmp_path: Path, **variables: str) -> dict[str, str]:
    return {"BULLETIN_DATA_DIR": str(tmp_path / "data"), **variables}


def test_no_webhook_is_set_up_by_default(tmp_path: Path) -> None:
    settings = Settings.from_env(_env(tmp_path))
    assert settings.ses_topic_arns == ()
    assert settings.sendgrid_webhook_key is None
    assert settings.mailgun_signing_key is None
    assert settings.postmark_webhook_user is None
    assert settings.postmark_webhook_password is None


def test_the_variables_are_read(tmp_path: Path) -> None:
    other = "arn:aws-cn:sns:cn-north-1:123456789012:returns"
    settings = Settings.from_env(
        _env(
            tmp_path,
            BULLETIN_SES_TOPIC_ARNS=f"{TOPIC}, {other} {TOPIC}",
            BULLETIN_SENDGRID_WEBHOOK_KEY=SENDGRID_KEY,
            BULLETIN_MAILGUN_SIGNING_KEY=MAILGUN_KEY,
            BULLETIN_POSTMARK_WEBHOOK_USER="hooks",
            BULLETIN_POSTMARK_WEBHOOK_PASSWORD=POSTMARK_PASSWORD,
        )
    )
    assert settings.ses_topic_arns == (TOPIC, other)
    assert settings.sendgrid_webhook_key == SENDGRID_KEY
    assert settings.mailgun_signing_key == MAILGUN_KEY
    assert (settings.postmark_webhook_user, settings.postmark_webhook_password) == (
        "hooks",
        POSTMARK_PASSWORD,
    )


def test_the_secrets_are_never_in_the_settings_repr(tmp_path: Path) -> None:
    settings = Settings.from_env(
        _env(
            tmp_path,
            BULLETIN_SENDGRID_WEBHOOK_KEY=SENDGRID_KEY,
            BULLETIN_MAILGUN_SIGNING_KEY=MAILGUN_KEY,
            BULLETIN_POSTMARK_WEBHOOK_USER="hooks",
            BULLETIN_POSTMARK_WEBHOOK_PASSWORD=POSTMARK_PASSWORD,
        )
    )
    shown = repr(settings) + str(settings)
    for secret in (SENDGRID_KEY, MAILGUN_KEY, POSTMARK_PASSWORD):
        assert secret not in shown


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"BULLETIN_SES_TOPIC_ARNS": "my-topic"}, "BULLETIN_SES_TOPIC_ARNS: 'my-topic' is not"),
        ({"BULLETIN_SENDGRID_WEBHOOK_KEY": "bm90IGEga2V5"}, "BULLETIN_SENDGRID_WEBHOOK_KEY must"),
        ({"BULLETIN_POSTMARK_WEBHOOK_USER": "hooks"}, "go together"),
        ({"BULLETIN_POSTMARK_WEBHOOK_PASSWORD": POSTMARK_PASSWORD}, "go together"),
        (
            {
                "BULLETIN_POSTMARK_WEBHOOK_USER": "a:b",
                "BULLETIN_POSTMARK_WEBHOOK_PASSWORD": POSTMARK_PASSWORD,
            },
            "cannot contain a colon",
        ),
        (
            {
                "BULLETIN_POSTMARK_WEBHOOK_USER": "hooks",
                "BULLETIN_POSTMARK_WEBHOOK_PASSWORD": "short",
            },
            "at least 16",
        ),
    ],
)
def test_settings_that_cannot_work_are_refused(
    tmp_path: Path, variables: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(_env(tmp_path, **variables))
