"""The crawler against the hostile-content corpus (tests/hostile_corpus.py), at concurrency 1: the crawl ends,
every site with a truthful status, the control pop-under is recorded wherever the page let it be, no host
outside the corpus is contacted, and the crawl's process tree stays under its memory bound.

Memory is measured as the process tree's proportional set size (PSS: shared pages counted once, divided
between the processes sharing them), sampled every half second by the benchmarks' own measure
(benchmarks/process_groups.py), which splits it by process (Python, the driver, Chromium's kinds)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import start_cli
from hostile_corpus import AD_SERVER, ADVERTISER, CORPUS, build_corpus
from moneytrail.crawler.domains import host_of
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.visits import load_observations

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from process_groups import GroupSampler, split_text

pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]

# MiB, the whole process tree: 1 GiB (issue 15). Measured, the whole corpus in one crawl: 1,054-1,080 MiB before
# the last three levers, 952 after (Python 184, Playwright's Node driver 139, Chromium's browser process 165, its
# renderer 319 on the thousands of frames, GPU 53, network 46, the rest 47). The levers, each measured on its
# site alone: a document still arriving past 4 MiB is stopped (the endless body 946 -> 829 MiB), window.open
# calls past 8 with no click open nothing (the open loop 988 -> 752 MiB, 39 -> 10 CPU-s), and the driver's young
# generation is 1 MB (its heap 199-209 -> 139-162 MiB after the socket flood).
MEMORY_BOUND = 1024  # MiB


def test_the_hostile_corpus_is_crawled_within_its_bounds(tmp_path):
    from moneytrail.sandbox.server import SandboxServer, SandboxThread

    app = build_corpus()
    watchlist = tmp_path / "corpus.txt"
    watchlist.write_text("".join(f"https://{domain}/\n" for domain in CORPUS))
    db, log = f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "crawl.log"
    with SandboxThread(SandboxServer(app, tmp_path / "sandbox")) as sandbox:
        crawl = start_cli(
            "crawl", "-w", watchlist, "--db", db, "--proxy", sandbox.address, "--pages", "0",
            "--concurrency", "1", "--no-progress", "--log", log,
            "--limit", "navigation_timeout=10",  # a shorter wait for documents and load events, the same rules
            home=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        started = time.monotonic()
        with GroupSampler(crawl.pid, interval=0.5) as memory:
            while crawl.poll() is None and time.monotonic() - started < 840:
                time.sleep(0.5)
        if crawl.poll() is None:
            crawl.kill()
        out, err = crawl.communicate()
    seconds, peak = time.monotonic() - started, memory.peak
    print(f"hostile corpus: {seconds:.0f} s, peak PSS {peak:.0f} MiB: {split_text(memory.at_peak, 'MiB')}")
    assert crawl.returncode == 0, err[-3000:] + log.read_text()[-5000:]

    visits = {obs.site: obs for obs in load_observations(open_store(db, tmp_path / "shots"))}
    assert set(visits) == set(CORPUS)
    wrong = {d: (visits[d].status, visits[d].hostile) for d, (ok, _) in CORPUS.items() if visits[d].status not in ok}
    assert not wrong, wrong

    def popped(obs) -> bool:
        hosts = {host_of(h.url) for w in obs.windows for h in w.chain} | {host_of(w.landing_url) for w in obs.windows}
        return AD_SERVER in hosts and ADVERTISER in hosts

    missed = [d for d, (_, pop) in CORPUS.items() if pop and not popped(visits[d])]
    assert not missed, {d: (visits[d].status, visits[d].hostile, len(visits[d].windows)) for d in missed}
    outside = sorted({e["host"] for e in list(app.events) if e["kind"] == "outside"})
    assert not outside, outside
    assert peak < MEMORY_BOUND, f"peak PSS {peak:.0f} MiB: {split_text(memory.at_peak, 'MiB')}"
