"""Run every benchmark and print one JSON object with all results.

    python bench/run.py [--quick]

--quick uses smaller sizes (for a smoke test); the README's figures come from a full run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = {
        "import_numbers": ["--numbers", "100000", "--rows", "20000"] if args.quick else [],
        "services_add": ["--calls", "50"] if args.quick else [],
        "concurrent_allocation": ["--seconds", "2", "--rounds", "1"] if args.quick else [],
        "ui": ["--quick"] if args.quick else [],
        "switch_roles": ["--rounds", "1"] if args.quick else [],
    }
    results = {}
    for name, extra in runs.items():
        done = subprocess.run(
            [sys.executable, str(HERE / f"{name}.py"), *extra], capture_output=True, text=True
        )
        if done.returncode != 0:
            results[name] = {"error": done.stderr.strip().splitlines()[-1:]}
            continue
        results[name] = json.loads(done.stdout)
    json.dump(results, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if all("error" not in r for r in results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
