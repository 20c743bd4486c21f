"""Stealth benchmark (not a test): how many bot checks see moneytrail's browser, next to plain Playwright on
the same Chromium in the same run, and optional anchors (patchright, rebrowser-playwright, playwright-stealth).

    .venv/bin/python benchmarks/stealth/run.py [--profile NAME ...] [--no-default] [--no-anchors]
                                               [--only RUNNER ...] [--retries 1] [--json PATH] [--keep DIR]

Each runner visits the detector page (benchmarks/stealth/page: BotD, disable-devtool, devtools-detect and
the benchmark's own checks, catalogue.py) through its own loopback proxy, which also records the hosts the
browser contacted. moneytrail runs a real `moneytrail crawl` of the page once without a profile and once per
shipped profile (data/profiles.toml) unless `--profile` names some; `--no-default` leaves out the run without
a profile. A runner that left checks undecided (a crawl's visit that ended before its clicks, on a crowded
machine) is measured again, up to `--retries` times; the record keeps its attempts and notes. Prints the
table of checks x runners and writes the JSON record (default var/stealth-benchmark.json). Anchors that are
not installed are skipped with a message; they are never project dependencies.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")


def chromium_version(path: str) -> str:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.strip().splitlines()[-1] if out.strip() else "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="append", help="moneytrail profile to run (default: every shipped one)")
    parser.add_argument("--no-default", action="store_true", help="no moneytrail run without a profile")
    parser.add_argument("--no-anchors", action="store_true", help="leave out patchright, rebrowser, stealth")
    parser.add_argument("--only", action="append", help="run only these runners (by name)")
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "stealth-benchmark.json")
    parser.add_argument(
        "--retries", type=int, default=1, help="measure a runner again when it left checks undecided (default 1)"
    )
    parser.add_argument("--keep", type=Path, help="keep each runner's crawl store, log and site state here")
    args = parser.parse_args()

    from moneytrail.crawler.browser import find_chromium
    from stealth.report import record, table
    from stealth.runners import default_runners, measure, shipped_profiles

    chromium = find_chromium()
    profiles = ([] if args.no_default else [None]) + (args.profile or shipped_profiles())
    runners = default_runners(profiles, lambda: chromium, anchors=not args.no_anchors)
    if args.only:
        runners = [r for r in runners if r.name in args.only]
    work = args.keep or Path(tempfile.mkdtemp(prefix="moneytrail-stealth-"))
    records = []
    for runner in runners:
        print(f"{runner.name}: ...", end=" ", flush=True)
        for attempt in range(1, args.retries + 2):
            result = measure(runner, work / f"attempt-{attempt}")
            result["attempts"] = attempt
            if result["status"] != "ok" or not result["unknown"] or runner.kind == "reference":
                break
            print(f"{result['unknown']} check(s) undecided ({'; '.join(result['notes'])}), again ...", end=" ")
        records.append(result)
        if result["status"] == "ok":
            print(f"{result['flagged']} of {len(result['checks'])} checks see a bot ({result['seconds']} s)")
        else:
            print(f"{result['status']}: {result['why']}")
    print()
    print(table(records))
    environment = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "chromium": chromium_version(chromium),
        "chromium_path": chromium,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record(records, environment), indent=1) + "\n", encoding="utf-8")
    print(f"\nrecord: {args.json}")


if __name__ == "__main__":
    main()
