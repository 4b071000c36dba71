"""`python -m bulletin.cli`: the `bulletin` command (the workers of tests and benchmarks)."""

from bulletin.cli.app import app

app()
