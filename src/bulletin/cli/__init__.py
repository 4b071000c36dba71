"""The `bulletin` command line: one module per command group (`app` holds the command)."""

from bulletin.cli.app import app

__all__ = ["app"]
