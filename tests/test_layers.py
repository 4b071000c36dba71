"""The layers import downwards only: every import between Bulletin's packages is allowed here.

The table is docs/architecture.md's; a new arrow means changing both, on purpose.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import bulletin

PACKAGE = Path(bulletin.__file__).parent

# Which layers each layer may import (besides itself). Top-level modules count as layers.
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "config_variables": {"domain"},
    "config": {"domain", "config_variables"},
    "config_reference": {"config", "config_variables"},
    "logs": {"domain"},
    "metrics": set(),
    "malloc_arena": set(),
    "store": {"domain"},
    "ingest": {"domain"},
    "mail": {"domain", "config"},
    "delivery": {"domain", "config", "store", "mail", "metrics"},
    "services": {"domain", "config", "store", "mail", "ingest", "metrics"},
    "web": {"domain", "config", "services", "logs", "metrics"},
    "server": {
        "domain",
        "config",
        "store",
        "mail",
        "delivery",
        "services",
        "web",
        "logs",
        "metrics",
    },
    "benchmarks": {"domain", "config", "store", "mail", "delivery", "services", "ingest"},
    "cli": {
        "domain",
        "config",
        "config_reference",
        "services",
        "server",
        "logs",
        "metrics",
        "malloc_arena",
        "benchmarks",
    },
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _imports() -> Iterator[tuple[str, str]]:
    """(importing module, imported module) for every import of ours in the package."""
    for path in PACKAGE.rglob("*.py"):
        module = "bulletin." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bulletin"):
                if node.module == "bulletin":
                    yield from ((module, f"bulletin.{alias.name}") for alias in node.names)
                else:
                    yield module, str(node.module)
            elif isinstance(node, ast.Import):
                yield from ((module, a.name) for a in node.names if a.name.startswith("bulletin."))


def test_every_layer_is_in_the_table() -> None:
    layers = {_layer(importer) for importer, _ in _imports()}
    assert layers - {"__init__"} <= set(ALLOWED)


def test_no_import_runs_upward() -> None:
    upward = sorted(
        f"{importer} imports {imported}"
        for importer, imported in _imports()
        if _layer(importer) != _layer(imported)
        and _layer(imported) not in ALLOWED.get(_layer(importer), set())
    )
    assert upward == []


def test_the_table_itself_has_no_cycle() -> None:
    def reaches(start: str, seen: frozenset[str] = frozenset()) -> set[str]:
        found: set[str] = set()
        for below in ALLOWED[start]:
            assert below not in seen | {start}, f"{start} and {below} import each other"
            found |= {below} | reaches(below, seen | {start})
        return found

    for layer in ALLOWED:
        assert layer not in reaches(layer)
