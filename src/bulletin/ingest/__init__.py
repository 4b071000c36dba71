"""Parsers that turn scraped text, RSS/Atom, IPTC ninjs and article HTML into Stories.

Every parser takes bytes (or text) and a source name and returns domain Stories or
ItemFailures; none of them touches the database or the network.
"""
