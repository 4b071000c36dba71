"""Is this Bulletin ready to send? What /readyz answers: database, schema, mail route, worker."""
