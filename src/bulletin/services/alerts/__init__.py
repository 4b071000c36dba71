"""Breaking alerts: fire, preview and test, review and approve, proposals from the wire."""
