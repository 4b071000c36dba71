"""The editor's desk: sign-in, firing alerts, the mail catcher."""
