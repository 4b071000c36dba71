"""Storage of readers: subscribers and subscriptions, preferences, consent, suppressions, events."""
