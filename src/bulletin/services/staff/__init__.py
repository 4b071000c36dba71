"""Newsroom staff: accounts and sign-in, admins' management, API keys, the settings view."""
