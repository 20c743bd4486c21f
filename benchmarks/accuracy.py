"""Attribution accuracy (not a test): crawl the sandbox, export the findings, score them against the truth.

    .venv/bin/python benchmarks/accuracy.py [--pages 1] [--keep DIR]

Prints precision and recall of site-network pairs, site-network-advertiser links, links with their kind,
miners, publisher ids and operator clusters (pairs of sites), decoys flagged, and what was missed or wrong
(see sandbox/scoring.py). Aims: networks and links precision >= 0.99 and recall >= 0.98; miners exact with
no decoy flagged; clusters exact.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1, help="content pages per site besides the home page")
    parser.add_argument("--keep", type=Path, help="keep the store and the exports in this directory")
    args = parser.parse_args()

    from moneytrail.sandbox.build import build_app
    from moneytrail.sandbox.cli import write_watchlist
    from moneytrail.sandbox.scoring import score, table
    from moneytrail.sandbox.server import SandboxServer, SandboxThread
    from moneytrail.sandbox.truth import build_truth
    from moneytrail.sandbox.world import load_world

    world = load_world()
    home = args.keep or Path(tempfile.mkdtemp(prefix="moneytrail-accuracy-"))
    home.mkdir(parents=True, exist_ok=True)
    watchlist = home / "sandbox.csv"
    write_watchlist(world, watchlist)
    db = f"sqlite:///{home / 'accuracy.db'}"
    env = dict(os.environ, MONEYTRAIL_HOME=str(home))
    moneytrail = [sys.executable, "-m", "moneytrail"]
    with SandboxThread(SandboxServer(build_app(world), home / "sandbox")) as sandbox:
        started = time.monotonic()
        crawl = subprocess.run(
            [
                *moneytrail,
                "crawl",
                "-w",
                str(watchlist),
                "--db",
                db,
                "--proxy",
                sandbox.address,
                "--pages",
                str(args.pages),
                "--no-progress",
                "--log",
                str(home / "crawl.log"),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.monotonic() - started
    if crawl.returncode != 0:
        raise SystemExit(f"crawl failed ({crawl.returncode}):\n{crawl.stderr[-3000:]}")
    export = subprocess.run(
        [*moneytrail, "export", "all", "--db", db, "--out", str(home / "export")],
        env=env,
        capture_output=True,
        text=True,
    )
    if export.returncode != 0:
        raise SystemExit(f"export failed:\n{export.stderr[-3000:]}")
    result = score(home / "export", build_truth(world))
    print(
        f"crawled the sandbox ({len(world.sites)} sites, home + {args.pages} page(s) each) in {seconds:.0f} s; "
        f"exports in {home / 'export'}\n"
    )
    print(table(result))
    for measure, r in result.items():
        if measure != "decoys" and (r["false_positives"] or r["misses"]):
            print(f"\n{measure}: wrong {r['false_positives']}\n  missed {r['misses']}")
    if result["decoys"]["which"]:
        print(f"\ndecoys flagged: {result['decoys']['which']}")


if __name__ == "__main__":
    main()
