"""Benchmarks: measured figures for the delivery engine (run by `bulletin bench …`)."""
