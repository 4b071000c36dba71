"""Bulletin: self-hosted breaking-news email for newsrooms."""

__version__ = "0.1.0"
