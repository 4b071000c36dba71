"""The loopback API's reading of batched requests, each reader's message expanded.

SendGrid's personalizations and Mailgun's recipient variables carry a message once
and each reader's values apart; the provider makes each reader's message from them.
This does the same, as each documents it, so a test can check what every reader
would get (their own links and Message-ID, no one else's), and refuses what the
provider refuses (`Malformed`): more than 1,000 readers, an address twice, a
personalization's substitutions past SendGrid's limits, a recipient variable Mailgun
could not fill.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_READERS = 1000  # both: personalizations (SendGrid), recipients (Mailgun)
MAX_SUBSTITUTIONS = 100  # SendGrid, per personalization
MAX_SUBSTITUTION_BYTES = 10_000  # SendGrid, per personalization
RECIPIENT_VARIABLE = re.compile(r"%recipient\.([A-Za-z0-9_.:-]+)%")


class Malformed(Exception):
    """The provider would refuse the request (HTTP 400); the text is its reason."""


def sendgrid_readers(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Each personalization's message: its recipient, subject, bodies, headers, custom args."""
    personalizations = body["personalizations"]
    if not 1 <= len(personalizations) <= MAX_READERS:
        raise Malformed("The personalization block is limited to 1000 personalizations.")
    recipients = [to["email"] for p in personalizations for to in p["to"]]
    if len({r.lower() for r in recipients}) != len(recipients):
        raise Malformed(
            "Each unique email address in the personalizations array should only be included once."
        )
    return [_personalized(body, p) for p in personalizations]


def _personalized(body: dict[str, Any], personalization: dict[str, Any]) -> dict[str, Any]:
    substitutions: dict[str, str] = personalization.get("substitutions", {})
    size = sum(len(k.encode()) + len(str(v).encode()) for k, v in substitutions.items())
    if len(substitutions) > MAX_SUBSTITUTIONS or size > MAX_SUBSTITUTION_BYTES:
        raise Malformed("Too many substitutions in a personalization.")

    def substituted(text: str) -> str:
        for tag, value in substitutions.items():
            text = text.replace(tag, str(value))  # content, subject: never headers
        return text

    content = {c["type"]: substituted(c["value"]) for c in body["content"]}
    (to,) = personalization["to"]
    return {
        "to": to["email"],
        "subject": substituted(personalization.get("subject", body["subject"])),
        "text": content.get("text/plain"),
        "html": content.get("text/html"),
        "headers": {**body.get("headers", {}), **personalization.get("headers", {})},
        "custom_args": {**body.get("custom_args", {}), **personalization.get("custom_args", {})},
    }


def mailgun_readers(form: dict[str, list[str]]) -> list[dict[str, str]]:
    """Each recipient's message: the form's fields with their recipient variables filled."""
    recipients = form.get("to", [])
    if not 1 <= len(recipients) <= MAX_READERS:
        raise Malformed("The maximum number of recipients allowed for batch is 1,000.")
    if len({r.lower() for r in recipients}) != len(recipients):
        raise Malformed("to parameter holds an address twice")
    try:
        variables = json.loads(form.get("recipient-variables", ["{}"])[-1])
    except ValueError:
        raise Malformed("recipient-variables is not valid JSON") from None
    if not isinstance(variables, dict) or set(variables) != set(recipients):
        raise Malformed("recipient-variables must name every recipient, and only them")
    shared = {k: v[-1] for k, v in form.items() if k not in ("to", "recipient-variables")}
    return [_filled(shared, recipient, variables[recipient]) for recipient in recipients]


def _filled(shared: dict[str, str], recipient: str, own: dict[str, Any]) -> dict[str, str]:
    def fill(found: re.Match[str]) -> str:
        if found.group(1) not in own:
            raise Malformed(f"no recipient variable {found.group(1)} for {recipient}")
        return str(own[found.group(1)])

    return {"to": recipient, **{k: RECIPIENT_VARIABLE.sub(fill, v) for k, v in shared.items()}}
