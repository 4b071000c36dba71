"""Special reports: write and schedule them, preview and proof them."""
