"""Schemathesis over the API's own OpenAPI document, in-process on a real SQLite file:
no answer is a 5xx, and every answer (status, content type, body) is one the document
describes. Bounded to a few dozen examples per operation so the suite stays short."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.result import Err, Ok
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bulletin.domain.models import Role
from bulletin.services.context import Context
from bulletin.store.db import Database
from bulletin.web.app import create_app
from tests.support.api import key_headers
from tests.support.factories import FakeClock, confirmed_reader, make_settings

EXAMPLES = 50  # per operation and mode: about 50 s for the whole API
SHARDS = 6  # the operations in turn, so that the test workers share them out
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_ctx(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Context]:
    """A context on its own SQLite file, holding one reader for the fuzzer to find."""
    home = tmp_path_factory.mktemp("fuzz")
    shutil.copy(sqlite_template, home / "bulletin.db")
    url = f"sqlite:///{home / 'bulletin.db'}"
    # No network to fetch from: an ingest URL the fuzzer makes up is refused, not fetched.
    settings_ = make_settings(home, url, fetch_allow_networks=())
    ctx = Context(settings=settings_, db=Database(url), clock=FakeClock())
    confirmed_reader(ctx, email="reader@example.com")
    yield ctx
    ctx.db.dispose()


@pytest.fixture(scope="module")
def admin(fuzz_ctx: Context) -> dict[str, str]:
    """An admin key: every operation is reached past its authentication."""
    return key_headers(fuzz_ctx, Role.ADMIN)


@pytest.fixture(scope="module")
def fuzzed(fuzz_ctx: Context) -> BaseSchema:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(fuzz_ctx))


def test_the_document_has_every_route(fuzzed: BaseSchema) -> None:
    operations = [_usable(result) for result in fuzzed.get_all_operations()]
    assert len(operations) >= 15
    assert len(operations) >= SHARDS  # every shard below fuzzes something


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_answer_is_documented_and_none_is_a_server_error(
    fuzzed: BaseSchema, admin: dict[str, str], shard: int
) -> None:
    # Schemathesis's pytest plugin (`from_fixture`) does not run on this pytest: each
    # operation's strategy is driven by hypothesis here instead, which is all it does.
    operations = [_usable(result) for result in fuzzed.get_all_operations()]
    for operation in operations[shard::SHARDS]:
        for mode in GenerationMode:  # valid requests, then ones the document forbids
            _fuzz(operation, mode, admin)


def _usable(result: Ok[APIOperation] | Err[InvalidSchema]) -> APIOperation:
    assert isinstance(result, Ok), f"the document has an operation it cannot use: {result}"
    return result.ok()


def _fuzz(operation: APIOperation, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,  # the same examples every run: a failure here is one to reproduce
        derandomize=True,
    )
    def answers_as_documented(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    answers_as_documented()
