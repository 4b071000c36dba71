"""Settings an admin edits on the desk, merged over the defaults, under the environment."""
