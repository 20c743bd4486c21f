"""How long the exposure report takes on big stores, and how that grows (not a test).

    .venv/bin/python benchmarks/report_speed.py [--sizes 100000,300000,1000000] [--dir /tmp/moneytrail-stores]

For each size, builds (or reuses) a synthetic SQLite store (benchmarks/synthetic_store.py: 20 requests a
visit, so 20 million requests at 1M visits), then times, in this process, the exposure report of the
quarter 2026-Q3 (its numbers: SQL + pandas, with the previous quarter and the trend over every quarter on
record), and the HTML rendering apart. Growth: time at each size over time at the smallest, against the
size ratio (linear growth gives the same ratio). Aim: under 20 s at 1M visits, linear or better.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/moneytrail-stores"))
    parser.add_argument("--period", default="2026-Q3")
    args = parser.parse_args()
    from synthetic_store import build

    from moneytrail.attribution.signatures import load
    from moneytrail.crawler.store import open_store
    from moneytrail.reports.exposure import Cpm, exposure
    from moneytrail.reports.periods import parse
    from moneytrail.reports.render import html

    args.dir.mkdir(parents=True, exist_ok=True)
    sigs, cpm, period = load(), Cpm.load(), parse(args.period)
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        path = args.dir / f"synthetic-{size}.db"
        if not path.exists():
            print(f"building {path} ...", flush=True)
            built = build(path, size, 20, max(1000, size // 100), progress=None)
            print(
                f"  {built['visits']:,} visits, {built['requests']:,} requests, {built['links']:,} links, "
                f"{built['bytes'] / 1e9:.2f} GB in {built['seconds']:.0f} s",
                flush=True,
            )
        store = open_store(f"sqlite:///{path}", args.dir / "shots")
        timings = []
        for _ in range(2):  # the second run has the file in the page cache, as a report run twice would
            started = time.perf_counter()
            report = exposure(store, period, sigs, cpm)
            timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        html(report)
        render = time.perf_counter() - started
        visits = int(report.meta["visits"])
        results.append((size, min(timings), timings[0], render, visits))
        print(
            f"{size:>9,} visits on record ({visits:,} in {period.label}): exposure report {min(timings):.1f} s "
            f"(first run {timings[0]:.1f} s), HTML rendering {render:.1f} s",
            flush=True,
        )
        store.engine.dispose()
    base = results[0]
    for size, best, _first, _render, _ in results[1:]:
        print(
            f"growth {base[0]:,} -> {size:,} visits ({size / base[0]:.1f}x): time x{best / base[1]:.2f} "
            f"({'linear or better' if best / base[1] <= size / base[0] * 1.1 else 'worse than linear'})"
        )


if __name__ == "__main__":
    main()
