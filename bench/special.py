"""The special-report benchmark: `python bench/special.py [--sections N] [--readers N]`.

A thin wrapper over `bulletin bench special --json`: what a report costs to render
once per campaign, then per reader; prints one JSON line.
"""

from __future__ import annotations

import argparse
import json

from bulletin.benchmarks.special import Options, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", type=int, default=Options.sections)
    parser.add_argument("--readers", type=int, default=Options.readers)
    args = parser.parse_args()
    print(json.dumps(run(Options(sections=args.sections, readers=args.readers))))


if __name__ == "__main__":
    main()
