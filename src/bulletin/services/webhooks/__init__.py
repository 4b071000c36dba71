"""Outbound webhooks: events queued with the changes they report, signed and sent with retries."""
