"""The DNS records receivers check our mail against (SPF, DKIM keys, DMARC) and how to read them."""
