"""Readers: sign-up and confirmation, preferences, the desk's lookup, CSV, returned mail."""
