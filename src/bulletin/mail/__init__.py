"""Mail: building messages, signed links, transports and the built-in catcher."""
