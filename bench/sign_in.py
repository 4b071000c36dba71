"""The sign-in burst: `python bench/sign_in.py [ATTEMPTS]` prints one JSON line.

A thin wrapper over `bulletin bench sign-in` (SQLite; default 50 wrong passwords).
"""

from __future__ import annotations

import json
import sys

from bulletin.benchmarks.sign_in import Options, run

if __name__ == "__main__":
    attempts = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    print(json.dumps(run(Options(attempts=attempts))), flush=True)
