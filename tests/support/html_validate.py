"""Validating HTML documents with the project's pinned html-validate (tools/html-validate)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "html-validate"
BINARY = TOOL / "node_modules" / ".bin" / "html-validate"
CONFIG = TOOL / ".htmlvalidate.json"


def problems(documents: Mapping[str, str]) -> dict[str, list[str]]:
    """Each named document's errors as `line:column rule: message` (empty when valid).

    All documents go to one html-validate run: starting Node costs more than
    validating a page.
    """
    assert BINARY.exists(), "make html-validate installs it (npm ci in tools/html-validate)"
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for index, (name, html) in enumerate(documents.items()):
            path = Path(folder) / f"{index}.html"
            path.write_text(html, encoding="utf-8")
            files[str(path)] = name
        run = subprocess.run(
            [str(BINARY), "--config", str(CONFIG), "--formatter", "json", *files],
            capture_output=True,
            text=True,
            timeout=120,
        )
    # 0: valid, 1: errors found; anything else is html-validate itself failing.
    assert run.returncode in (0, 1), run.stderr
    found: dict[str, list[str]] = {name: [] for name in documents}
    for result in json.loads(run.stdout or "[]"):
        found[files[result["filePath"]]] = [
            f"{m['line']}:{m['column']} {m['ruleId']}: {m['message']}" for m in result["messages"]
        ]
    return found
