"""The REST API under /api/v1: API-key auth, JSON in and out, OpenAPI docs at /api/v1/docs."""
