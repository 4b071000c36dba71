"""Storage of the morning briefing: editions, their candidates, and each edition's steps."""
