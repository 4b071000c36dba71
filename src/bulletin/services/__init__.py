"""Use cases: what readers, editors and operators can do, each in one call."""
