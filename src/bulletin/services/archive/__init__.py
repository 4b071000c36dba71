"""The public archive: a web version of every sent message, its lists and its feeds."""
