"""DKIM's algorithm names (a=), apart from the keys so the signer loads without cryptography."""

RSA = "rsa-sha256"
ED25519 = "ed25519-sha256"
