"""The web app under test: the whole app over a test client, on the `ctx` database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bulletin.services.context import Context
from bulletin.web.app import create_app


@pytest.fixture
def client(ctx: Context) -> Iterator[TestClient]:
    with TestClient(create_app(ctx)) as test_client:
        yield test_client
