"""Crawl throughput benchmark (not a test): `moneytrail crawl` over the sandbox against a naive baseline,
a sequential plain-Playwright loop doing the same visits with the same clicks and captures
(`crawler.visit.visit_url`: same instrumentation, no Scrapy, one visit at a time).

    .venv/bin/python benchmarks/crawl_throughput.py [--pages 9] [--repeat 1] [--concurrency N] [--baseline 60]
        [--weight all|heavy|light] [--limit NAME=VALUE ...]

The crawl visits the sandbox's 30 reachable sites, each home page plus `--pages` content pages (30 x 10 = 300
visits by default, fewer where a site has fewer pages), and the 11 dead or hostile sites; `--repeat N` visits each
page N times, in fresh contexts; `--limit NAME=VALUE` (repeatable) sets a limit of `crawler/limits.py` for the
crawl and the baseline (what a wait buys: the findings per visit show it). `--weight heavy` keeps only the sites
whose pages are as heavy as real ones (110-140 requests each, sandbox/weight.py), `light` only the others (without
the dead and hostile ones); the visits of each weight are also counted apart. The baseline repeats the first
`--baseline` of the same visits (a sequential loop is slow; rates are compared, not totals). Memory is the PSS of
the whole process tree (crawler and Chromium processes), sampled four times a second; growth compares the mean of
the last third of the samples with the first third, and the mean of each tenth of the run is printed (`--pages 20
--repeat 3`: about 1,000 visits). CPU is split by process group (benchmarks/process_groups.py: Python, the driver,
Chromium's browser, renderers, GPU, network service, other utilities); the sandbox runs in this process, apart from
the crawl's tree. Findings per visit (windows, their hops, ad frames, requests) show a speed-up that loses any.
Figures are machine-dependent: compare the ratio, not the absolute rates.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from process_groups import GROUPS, GroupSampler  # noqa: E402


def crawl(address: str, watchlist: Path, home: Path, pages: int, concurrency: int | None, extra: tuple[str, ...] = ()):
    """Crawl the sandbox into `home`: (observations, seconds, the GroupSampler of the crawl's process tree, CPU
    seconds of that tree as sampled: the crawler, its driver and Chromium). The tree's own accounting
    (RUSAGE_CHILDREN) counted less than half of it: Chromium's children are not all reaped by their parent.
    `concurrency` None: the crawl's own default for this machine."""
    db = f"sqlite:///{home / 'bench.db'}"
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
            *(("--concurrency", str(concurrency)) if concurrency else ()),
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
    with GroupSampler(proc.pid) as sampler:
        output, _ = proc.communicate()
    seconds = time.monotonic() - started
    cpu = sum(sampler.cpu.values())
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed ({proc.returncode}):\n{output[-3000:]}")
    from moneytrail.crawler.store import open_store
    from moneytrail.crawler.store.visits import load_observations

    observations = load_observations(open_store(db, home / "shots"))
    return observations, seconds, sampler, cpu


def baseline(address: str, chromium: str, visits: list[tuple[str, str]], limits=None):
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
                rec = await visit_url(
                    browser,
                    url,
                    visit_id=f"b{i}",
                    site=site_of(url),
                    page_kind=kind,
                    limits=limits,
                )
                results.append(rec.result)
            await browser.close()
        return results

    started = time.monotonic()
    with GroupSampler(os.getpid()) as sampler:  # its "python" is this process: the loop and the sandbox
        results = asyncio.run(loop())
    return results, time.monotonic() - started, sampler


def findings(observations) -> dict[str, float]:
    """What the visits found, per visit: so that a speed-up that loses pop-ups or ads shows."""
    n = max(1, len(observations))
    return {
        "windows": sum(len(o.windows) for o in observations) / n,
        "hops": sum(len(w.chain) for o in observations for w in o.windows) / n,
        "ad frames": sum(len(o.ad_frames) for o in observations) / n,
        "requests": sum(len(o.requests) for o in observations) / n,
    }


def report(name: str, visits: int, seconds: float, sampler: GroupSampler, found: dict, groups=GROUPS) -> None:
    cpu = sampler.cpu
    print(
        f"{name}: {visits} visits in {seconds:.0f} s = {visits / seconds * 60:.1f} visits/min; "
        f"peak PSS {sampler.peak:.0f} MiB, growth first->last third {sampler.growth():+.1f}%"
    )
    if visits >= 100 and sampler.by_tenth():
        print("  PSS by tenth of the run (MiB): " + " ".join(f"{m:.0f}" for m in sampler.by_tenth()))
    print(
        f"  CPU-s per visit {sum(cpu[g] for g in groups) / visits:.2f}: "
        + ", ".join(f"{g} {cpu[g] / visits:.3f}" for g in groups if cpu[g])
    )
    print("  per visit: " + per_visit(found))
    print(f"  the sampler itself (outside the crawl's tree): {sampler.own_cpu / seconds:.0%} of a core")


def per_visit(found: dict) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in found.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=9)
    parser.add_argument("--repeat", type=int, default=1, help="visits of each page, in fresh contexts")
    parser.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a limit of crawler/limits.py, for the crawl and the baseline",
    )
    parser.add_argument("--concurrency", type=int, default=None, help="default: the crawl's own for this machine")
    parser.add_argument("--baseline", type=int, default=60, help="visits of the sequential baseline")
    parser.add_argument("--weight", choices=("all", "heavy", "light"), default="all", help="which sites to crawl")
    args = parser.parse_args()

    from moneytrail.crawler.browser import find_chromium
    from moneytrail.crawler.limits import Limits
    from moneytrail.sandbox.build import build_app
    from moneytrail.sandbox.cli import write_watchlist
    from moneytrail.sandbox.server import SandboxServer, SandboxThread
    from moneytrail.sandbox.world import load_world

    # the same limits for the crawl and for the baseline (a bad name or value stops here)
    if any("=" not in v for v in args.limit):
        parser.error("--limit takes NAME=VALUE")
    limits = Limits.from_dict(dict(v.split("=", 1) for v in args.limit)) if args.limit else None
    world = load_world()
    home = Path(tempfile.mkdtemp(prefix="moneytrail-bench-"))
    watchlist = home / "sandbox.csv"
    chosen = copy.copy(world)
    if args.weight != "all":
        chosen.sites = [s for s in world.sites if not s.hostile and (s.weight == "heavy") == (args.weight == "heavy")]
    write_watchlist(chosen, watchlist)
    heavy_sites = {s.start_domain for s in world.sites if s.weight == "heavy"}  # as visits name them
    with SandboxThread(SandboxServer(build_app(world), home / "sandbox")) as sandbox:
        extra = ["--repeat", str(args.repeat), *(a for v in args.limit for a in ("--limit", v))]
        observations, seconds, sampler, _cpu = crawl(
            sandbox.address, watchlist, home, args.pages, args.concurrency, tuple(extra)
        )
        ok = [o for o in observations if o.status == "ok"]
        same = [(o.url, o.page_kind) for o in ok][: args.baseline]
        base_results, base_seconds, base_sampler = baseline(sandbox.address, find_chromium(), same, limits)
    print(f"moneytrail crawl, concurrency {args.concurrency or 'default'}; {len(ok)} of the visits ok")
    report("moneytrail crawl", len(observations), seconds, sampler, findings(observations))
    for label, part in (
        ("heavy", [o for o in observations if o.site in heavy_sites]),
        ("other (light, dead, hostile)", [o for o in observations if o.site not in heavy_sites]),
    ):
        if part:
            print(f"  {label} sites' visits: {len(part)}; per visit: " + per_visit(findings(part)))
    browser_side = [g for g in GROUPS if g != "python"]
    report(
        "baseline, sequential plain Playwright with the same visits and captures (Python apart: the loop shares its "
        "process with the sandbox)",
        len(base_results), base_seconds, base_sampler, findings(base_results), browser_side,
    )  # fmt: skip
    rate, base_rate = len(observations) / seconds, len(base_results) / base_seconds
    print(f"ratio: {rate / base_rate:.2f}x the baseline's visits a minute")


if __name__ == "__main__":
    main()
