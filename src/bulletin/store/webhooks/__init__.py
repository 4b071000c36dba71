"""Outbound webhooks' storage: endpoints, the outbox of deliveries, campaign events."""
