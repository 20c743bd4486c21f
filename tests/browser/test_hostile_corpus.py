"""The crawler against the hostile-content corpus (tests/hostile_corpus.py), at concurrency 1: the crawl ends,
every site with a truthful status, the control pop-under is recorded wherever the page let it be, no host
outside the corpus is contacted, and the crawl's process tree stays under its memory bound.

Memory is measured as the process tree's proportional set size (PSS: shared pages counted once, divided
between the processes sharing them) sampled every half second; the sum of resident sizes (RSS, which
counts Chromium's shared pages once per process) is reported beside it."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from helpers import start_cli
from hostile_corpus import AD_SERVER, ADVERTISER, CORPUS, build_corpus
from moneytrail.crawler.domains import host_of
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.visits import load_observations

pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]

# bytes, the whole process tree. The target is 1 GiB (issue 15); measured here: ~0.65 GiB for the control site
# alone, 2.1 GiB at the worst site (5,000 frames) before the endless page was stopped. This bound only keeps a
# page from taking the crawl's memory without limit (an endless body once grew it at every second).
MEMORY_BOUND = 3 * 1024 * 1024 * 1024


def tree(root: int) -> list[int]:
    """`root` and every process under it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def memory(pids: list[int]) -> tuple[int, int]:
    """(RSS, PSS) of these processes together, in bytes."""
    rss = pss = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            name, _, value = line.partition(":")
            if name in ("Rss", "Pss"):
                kib = int(value.split()[0]) * 1024
                rss, pss = (rss + kib, pss) if name == "Rss" else (rss, pss + kib)
    return rss, pss


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
        peak_rss = peak_pss = 0
        started = time.monotonic()
        while crawl.poll() is None and time.monotonic() - started < 840:
            rss, pss = memory(tree(crawl.pid))
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(0.5)
        if crawl.poll() is None:
            crawl.kill()
        out, err = crawl.communicate()
    seconds = time.monotonic() - started
    print(f"hostile corpus: {seconds:.0f} s, peak PSS {peak_pss / 2**20:.0f} MiB, peak RSS {peak_rss / 2**20:.0f} MiB")
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
    assert peak_pss < MEMORY_BOUND, f"peak PSS {peak_pss / 2**20:.0f} MiB (RSS {peak_rss / 2**20:.0f} MiB)"
