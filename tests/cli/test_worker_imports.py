"""What a sending worker loads: none of the web, ingest, staff or provider stacks it never runs."""

from __future__ import annotations

import json
import subprocess
import sys

# `python -m bulletin.cli worker` imports the whole command line, then `server.work`
# starts the engine and the test-send and webhook threads; these are their modules.
WORKER_PATH = (
    "bulletin.cli",
    "bulletin.server",
    "bulletin.delivery.engine",
    "bulletin.services.test_send_jobs",
    "bulletin.services.webhooks.sender",
)
# Each costs a sending worker memory for code it does not run (issue #26: 135 MB → 93).
NEVER = (
    "fastapi",
    "starlette",
    "uvicorn",
    "bulletin.web",
    "trafilatura",
    "feedparser",
    "lxml",
    "nh3",
    "playwright",
    "hypothesis",
    "zxcvbn",
    "argon2",
    "pyotp",
    "segno",
    "dns",
    "publicsuffixlist",
    "flufl",
    "imapclient",
    "aiosmtpd",
    "httpx",
    "cryptography",
    "limits",  # the public rate limits, and the settings' notation for them (2 MB)
)


def loaded_by(modules: tuple[str, ...]) -> set[str]:
    script = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out))


def test_worker_path_imports_none_of_what_a_worker_never_runs() -> None:
    loaded = loaded_by(WORKER_PATH)
    found = sorted(
        name for name in loaded if any(name == n or name.startswith(f"{n}.") for n in NEVER)
    )
    assert found == []


def test_the_probe_sees_what_a_module_imports() -> None:
    assert "bulletin.services.staff.passwords" in loaded_by(("bulletin.services.staff.accounts",))
