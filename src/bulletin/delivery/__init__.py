"""Delivery: fan-out into the ledger, and the worker that claims, sends and records."""
