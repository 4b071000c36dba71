"""Counted links: the redirect behind `/r/…`, the batched click recorder, and its reports."""
