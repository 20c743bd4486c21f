"""Crawl throughput benchmark (not a test): `moneytrail crawl` over the sandbox against a naive baseline,
a sequential plain-Playwright loop doing the same visits with the same clicks and captures
(`crawler.visit.visit_url`: same instrumentation, no Scrapy, one visit at a time).

    .venv/bin/python benchmarks/crawl_throughput.py [--pages 9] [--concurrency 4] [--baseline 60]

The crawl visits the sandbox's 30 reachable sites, each home page plus `--pages` content pages
(30 x 10 = 300 visits by default), and the 11 dead or hostile sites. The baseline repeats the first
`--baseline` of the same visits (a sequential loop is slow; rates are compared, not totals). Memory is
the PSS of the whole process tree (crawler and Chromium processes), sampled every second; growth
compares the mean of the last third of the samples with the first third. Figures are machine-dependent:
compare the ratio, not the absolute rates.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")


def tree(pid: int) -> list[int]:
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def pss_mb(pid: int) -> float:
    total = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


class Sampler:
    def __init__(self, pid: int, exclude_self: bool = False):
        self.pid, self.samples, self.stop = pid, [], threading.Event()
        self.base = pss_mb(os.getpid()) if exclude_self else 0.0
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.wait(1.0):
            self.samples.append(pss_mb(self.pid) - self.base)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def figures(self) -> tuple[float, float]:
        s = self.samples or [0.0]
        third = max(1, len(s) // 3)
        first, last = sum(s[:third]) / third, sum(s[-third:]) / third
        return max(s), (last - first) / first * 100 if first else 0.0


def crawl(address: str, watchlist: Path, home: Path, pages: int, concurrency: int, extra: tuple[str, ...] = ()):
    """Crawl the sandbox into `home`: (observations, seconds, (peak PSS, growth), CPU seconds of the crawl's
    process tree: the crawler, its driver and Chromium, each counted when its parent reaps it)."""
    db = f"sqlite:///{home / 'bench.db'}"
    cpu = _children_cpu()
    env = dict(os.environ, MONEYTRAIL_HOME=str(home))
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moneytrail",
            "crawl",
            "-w",
            str(watchlist),
            "--db",
            db,
            "--proxy",
            address,
            "--pages",
            str(pages),
            "--concurrency",
            str(concurrency),
            "--no-progress",
            "--log",
            str(home / "bench.log"),
            *extra,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with Sampler(proc.pid) as sampler:
        output, _ = proc.communicate()
    seconds = time.monotonic() - started
    cpu = _children_cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed ({proc.returncode}):\n{output[-3000:]}")
    from moneytrail.crawler.store import open_store
    from moneytrail.crawler.store.visits import load_observations

    observations = load_observations(open_store(db, home / "shots"))
    return observations, seconds, sampler.figures(), cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def baseline(address: str, chromium: str, visits: list[tuple[str, str]]):
    from playwright.async_api import async_playwright

    from moneytrail.crawler.browser import QUIET_ARGS
    from moneytrail.crawler.domains import site_of
    from moneytrail.crawler.visit import visit_url

    async def loop():
        results = []
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=chromium, args=list(QUIET_ARGS), proxy={"server": address}
            )
            for i, (url, kind) in enumerate(visits):
                rec = await visit_url(browser, url, visit_id=f"b{i}", site=site_of(url), page_kind=kind)
                results.append(rec.result)
            await browser.close()
        return results

    started = time.monotonic()
    with Sampler(os.getpid(), exclude_self=True) as sampler:
        results = asyncio.run(loop())
    return results, time.monotonic() - started, sampler.figures()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=9)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--baseline", type=int, default=60, help="visits of the sequential baseline")
    args = parser.parse_args()

    from moneytrail.crawler.browser import find_chromium
    from moneytrail.sandbox.build import build_app
    from moneytrail.sandbox.cli import write_watchlist
    from moneytrail.sandbox.server import SandboxServer, SandboxThread
    from moneytrail.sandbox.world import load_world

    world = load_world()
    home = Path(tempfile.mkdtemp(prefix="moneytrail-bench-"))
    watchlist = home / "sandbox.csv"
    write_watchlist(world, watchlist)
    with SandboxThread(SandboxServer(build_app(world), home / "sandbox")) as sandbox:
        observations, seconds, (peak, growth), _cpu = crawl(
            sandbox.address, watchlist, home, args.pages, args.concurrency
        )
        ok = [o for o in observations if o.status == "ok"]
        same = [(o.url, o.page_kind) for o in ok][: args.baseline]
        base_results, base_seconds, (base_peak, base_growth) = baseline(sandbox.address, find_chromium(), same)
    rate = len(observations) / seconds * 60
    base_rate = len(base_results) / base_seconds * 60
    popups = sum(len(o.windows) for o in observations)
    print(
        f"moneytrail crawl: {len(observations)} visits ({len(ok)} ok, {popups} windows recorded) in {seconds:.0f} s "
        f"= {rate:.1f} visits/min at concurrency {args.concurrency}; peak PSS {peak:.0f} MB, memory growth "
        f"first->last third {growth:+.1f}%"
    )
    print(
        f"baseline (sequential plain Playwright, same visits and captures): {len(base_results)} visits in "
        f"{base_seconds:.0f} s = {base_rate:.1f} visits/min; peak PSS {base_peak:.0f} MB, growth {base_growth:+.1f}%"
    )
    print(f"ratio: {rate / base_rate:.2f}x the baseline")


if __name__ == "__main__":
    main()
