"""Stories: ingest from every source, feeds, fetching, the desk's stories, edits, JSON views."""
