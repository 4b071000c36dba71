"""The pages readers meet: sign-up, confirmation, unsubscribe."""
