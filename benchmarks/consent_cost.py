"""What cookie-consent handling costs a visit (not a test): the same visits (`crawler.visit.visit_url`, one at a
time, through the sandbox) with `--consent off` and `--consent accept`, on a page with no consent platform and on
one whose ad stack waits for consent.

    .venv/bin/python benchmarks/consent_cost.py [--runs 5]

For each (page, mode): the visit's duration, the time from the load step to the first scroll (what the visit
spends before its clicks: the consent wait is in it), the wait the visit itself recorded for consent, the CPU
seconds of this process and its children (the Playwright driver and Chromium) during the visit, and the ad
hosts requested. Runs of the two modes alternate, so that the machine's load falls on both alike; figures are
machine-dependent: compare the modes, not the absolute values.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from process_groups import tree  # noqa: E402

PAGES = {"no CMP": "https://kinoflix-de.test/", "TCF CMP": "https://serienstream-eu.test/"}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    total = 0
    for pid in tree(os.getpid()):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
        except (OSError, IndexError, ValueError):
            pass
    return total / TICKS


async def measure(proxy: str, runs: int) -> dict:
    from playwright.async_api import async_playwright

    from moneytrail.crawler.browser import QUIET_ARGS, find_chromium
    from moneytrail.crawler.domains import site_of
    from moneytrail.crawler.visit import visit_url

    out: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=find_chromium(), args=list(QUIET_ARGS), proxy={"server": proxy}
        )
        try:
            for n in range(runs + 1):  # the first round warms up and is not counted
                for page, url in PAGES.items():
                    for mode in ("off", "accept") if n % 2 else ("accept", "off"):
                        cpu = cpu_seconds()
                        rec = await visit_url(browser, url, visit_id=f"b{n}", site=site_of(url), consent=mode)
                        obs, used = rec.result, cpu_seconds() - cpu
                        steps = {s.action: s.at for s in obs.steps}
                        if n == 0:
                            continue
                        row = out.setdefault((page, mode), {"duration": [], "before_clicks": [], "waited": [],
                                                            "cpu": [], "ad_hosts": []})  # fmt: skip
                        row["duration"].append(obs.duration)
                        row["before_clicks"].append(steps["scroll"] - steps["load"])
                        row["waited"].append(obs.consent.waited)
                        row["cpu"].append(used)
                        row["ad_hosts"].append(len({h for h in obs.hosts() if site_of("https://" + h) != obs.site}))
        finally:
            await browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from moneytrail.sandbox.build import build_app
    from moneytrail.sandbox.server import SandboxServer, SandboxThread
    from moneytrail.sandbox.world import load_world

    with (
        tempfile.TemporaryDirectory() as state,
        SandboxThread(SandboxServer(build_app(load_world()), Path(state))) as box,
    ):
        result = asyncio.run(measure(box.address, args.runs))
    print(f"{args.runs} visits each (mean +/- stdev)")
    print("| page | consent | visit s | load to first scroll s | consent wait s | CPU-s | ad hosts |")
    print("|---|---|---|---|---|---|---|")
    for (page, mode), row in sorted(result.items()):
        cells = []
        for key in ("duration", "before_clicks", "waited", "cpu"):
            values = row[key]
            cells.append(f"{statistics.mean(values):.2f} +/- {statistics.stdev(values) if len(values) > 1 else 0:.2f}")
        print(f"| {page} | {mode} | {' | '.join(cells)} | {statistics.mean(row['ad_hosts']):.1f} |")


if __name__ == "__main__":
    main()
