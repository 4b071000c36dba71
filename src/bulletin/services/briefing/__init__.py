"""The morning briefing for editors: editions, curation and proofs."""
