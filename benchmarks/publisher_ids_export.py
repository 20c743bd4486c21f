"""`moneytrail export publisher-ids --run N` on a store holding many large sellers.json files (not a test).

    .venv/bin/python benchmarks/publisher_ids_export.py [--files 20] [--sellers 60000] [--runs 4] [--keep DIR]

Builds a SQLite store (the real schema, migrations run) of `--runs` runs; each run fetched the ads.txt of 50
sites (their DIRECT accounts at five ad systems stored as findings) and `--files / --runs` sellers.json files of
`--sellers` sellers each (a few MiB apiece, under the crawler's 8 MiB cap). Then runs the export of one run in a
child process, three times, and prints its CPU seconds (user + system) and peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

SYSTEMS = ["google.com", "pubmatic.com", "openx.com", "appnexus.com", "exoclick.com"]
SITES_PER_RUN = 50


def sellers_body(system: str, sellers: int, run: int, rng: random.Random) -> str:
    entries = [
        {
            "seller_id": f"{i:08d}",
            "name": f"SELLER {i} OF {system.upper()} (RUN {run}) " + "x" * rng.randint(5, 30),
            "domain": f"seller{i}.example",
            "seller_type": rng.choice(("PUBLISHER", "INTERMEDIARY", "BOTH")),
            "is_confidential": 0,
        }
        for i in range(sellers)
    ]
    return json.dumps({"version": "1.0", "contact_email": f"ops@{system}", "sellers": entries})


def build(path: Path, files: int, sellers: int, runs: int) -> int:
    """The store at `path`; the run whose export is measured."""
    from moneytrail.attribution.findings import Findings, PublisherId
    from moneytrail.crawler.config import CrawlConfig
    from moneytrail.crawler.store import open_store
    from moneytrail.crawler.store.adstxt import write_adstxt
    from moneytrail.crawler.store.runs import start_run

    rng = random.Random(7)
    store = open_store(f"sqlite:///{path}", path.parent / "shots")
    per_run = max(1, files // runs)
    for run in range(1, runs + 1):
        run_id = start_run(store, CrawlConfig(watchlist="bench"), None, SITES_PER_RUN, {})
        for n in range(SITES_PER_RUN):
            site = f"site{n}.example"
            findings = Findings(site)
            findings.ids = [
                PublisherId("adstxt_account", f"{system}:{rng.randrange(sellers):08d}", "adstxt") for system in SYSTEMS
            ]
            body = "\n".join(f"{i.id_value.replace(':', ', ', 1)}, DIRECT" for i in findings.ids)
            write_adstxt(
                store, run_id=run_id, site_id=None, domain=site, kind="ads.txt", url=f"https://{site}/ads.txt",
                outcome="ok", body=body, findings=findings,
            )  # fmt: skip
        for k in range(per_run):
            system = SYSTEMS[k % len(SYSTEMS)]
            body = sellers_body(system, sellers, run, rng)
            write_adstxt(
                store, run_id=run_id, site_id=None, domain=system, kind="sellers.json",
                url=f"https://{system}/sellers.json", outcome="ok", size=len(body), body=body,
            )  # fmt: skip
    store.engine.dispose()
    return 2 if runs >= 2 else 1


def measure(db: str, run: int, out: Path) -> tuple[float, float, int]:
    """(CPU seconds, peak RSS in MiB, rows) of one `moneytrail export publisher-ids --run N` process."""
    command = [str(ROOT / ".venv/bin/moneytrail"), "export", "publisher-ids", "--run", str(run), "--db", db]
    with open(out, "wb") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(proc.stderr.read().decode())
    rows = max(0, len(out.read_text().splitlines()) - 1)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--sellers", type=int, default=45_000)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="build the store in DIR and keep it")
    args = parser.parse_args()
    where = args.keep or Path(tempfile.mkdtemp(prefix="mt-sellers-"))
    where.mkdir(parents=True, exist_ok=True)
    db_path = where / "store.db"
    if not db_path.exists():
        run = build(db_path, args.files, args.sellers, args.runs)
    else:
        run = 2 if args.runs >= 2 else 1
    sizes = [os.path.getsize(db_path) / 2**20]
    print(
        f"store {db_path} ({sizes[0]:.0f} MiB): {args.files} sellers.json of {args.sellers} sellers, {args.runs} runs"
    )
    results = [measure(f"sqlite:///{db_path}", run, where / "out.csv") for _ in range(3)]
    for cpu, rss, rows in results:
        print(f"export publisher-ids --run {run}: {cpu:.2f} CPU-s, peak RSS {rss:.0f} MiB, {rows} rows")
    print(f"best: {min(r[0] for r in results):.2f} CPU-s, {min(r[1] for r in results):.0f} MiB")
    resource.getrusage(resource.RUSAGE_SELF)
    if not args.keep:
        shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main()
