"""What evidence capture costs (not a test): the sandbox crawled with every capture on (the default: the page
before each click, ad crops, landing pages, the WARC archive) and with them off (`--no-archive`, `--limit
click_screenshots=0`, `--limit max_ad_crops=0`), alternately, in the same run; and what a visit's evidence
weighs on disk (the files the store lists for it, with their SHA-256).

    .venv/bin/python benchmarks/evidence_cost.py [--pages 1] [--rounds 2] [--concurrency 4]

Reports per setting: visits, windows recorded, wall seconds, visits per minute, CPU seconds per visit of the
crawl's process tree (the sandbox apart: it runs in this process); per visit with capture on: evidence bytes
(median, 90th percentile, max) and by kind.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

SETTINGS = {
    "capture on": (),
    "capture off": ("--no-archive", "--limit", "click_screenshots=0", "--limit", "max_ad_crops=0"),
}


def evidence_sizes(home: Path) -> tuple[list[int], dict[str, int]]:
    """Bytes of evidence per visit (visits with none count 0), and in all by kind."""
    from sqlalchemy import func, select

    from moneytrail.crawler.store import open_store
    from moneytrail.crawler.store.schema import EvidenceFile, Visit

    store = open_store(f"sqlite:///{home / 'bench.db'}", home / "shots")
    with store.session() as s:
        per_visit = dict(
            s.execute(select(EvidenceFile.visit_id, func.sum(EvidenceFile.size)).group_by(EvidenceFile.visit_id)).all()
        )
        visits = list(s.scalars(select(Visit.id)))
        kinds = dict(
            s.execute(select(EvidenceFile.kind, func.sum(EvidenceFile.size)).group_by(EvidenceFile.kind)).all()
        )
    store.close()
    return [int(per_visit.get(v, 0)) for v in visits], {k: int(n) for k, n in kinds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    from crawl_throughput import crawl

    from moneytrail.sandbox.build import build_app
    from moneytrail.sandbox.cli import write_watchlist
    from moneytrail.sandbox.server import SandboxServer, SandboxThread
    from moneytrail.sandbox.world import load_world

    world = load_world()
    base = Path(tempfile.mkdtemp(prefix="moneytrail-evidence-"))
    watchlist = base / "sandbox.csv"
    write_watchlist(world, watchlist)
    results: dict[str, list[tuple]] = {name: [] for name in SETTINGS}
    sizes: list[int] = []
    kinds: dict[str, int] = {}
    with SandboxThread(SandboxServer(build_app(world), base / "sandbox")) as sandbox:
        for round_ in range(args.rounds):
            order = list(SETTINGS) if round_ % 2 == 0 else list(reversed(SETTINGS))
            for name in order:
                home = base / f"{name.replace(' ', '-')}-{round_}"
                home.mkdir()
                obs, seconds, _memory, cpu = crawl(
                    sandbox.address, watchlist, home, args.pages, args.concurrency, SETTINGS[name]
                )
                windows = sum(len(o.windows) for o in obs)
                results[name].append((len(obs), windows, seconds, cpu))
                print(
                    f"{name} (round {round_ + 1}): {len(obs)} visits, {windows} windows, {seconds:.0f} s "
                    f"= {len(obs) / seconds * 60:.1f} visits/min, {cpu / len(obs):.2f} CPU-s per visit",
                    flush=True,
                )
                if name == "capture on":
                    per_visit, by_kind = evidence_sizes(home)
                    sizes += per_visit
                    for kind, n in by_kind.items():
                        kinds[kind] = kinds.get(kind, 0) + n
    for name, runs in results.items():
        visits = sum(r[0] for r in runs)
        print(
            f"{name}: {visits} visits, {sum(r[1] for r in runs)} windows, "
            f"{visits / sum(r[2] for r in runs) * 60:.1f} visits/min, "
            f"{sum(r[3] for r in runs) / visits:.2f} CPU-s per visit"
        )
    on, off = (results[n] for n in SETTINGS)
    cpu_on, cpu_off = (sum(r[3] for r in runs) / sum(r[0] for r in runs) for runs in (on, off))
    rate_on, rate_off = (sum(r[0] for r in runs) / sum(r[2] for r in runs) for runs in (on, off))
    print(
        f"capture costs {cpu_on - cpu_off:+.2f} CPU-s per visit ({(cpu_on / cpu_off - 1) * 100:+.0f}%), "
        f"visits per minute {(rate_on / rate_off - 1) * 100:+.0f}%"
    )
    ordered = sorted(sizes)
    print(
        f"evidence per visit: median {statistics.median(ordered) / 1024:.0f} KiB, 90th percentile "
        f"{ordered[int(len(ordered) * 0.9)] / 1024:.0f} KiB, max {ordered[-1] / 1024:.0f} KiB "
        f"over {len(ordered)} visits; "
        + ", ".join(f"{k} {n / len(ordered) / 1024:.0f} KiB" for k, n in sorted(kinds.items()))
        + " per visit on average"
    )


if __name__ == "__main__":
    main()
