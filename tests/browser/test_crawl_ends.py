"""A crawl ends, whatever its browser does at the end of a visit: a browser context that does not close within
its bound is left to close in the background, and the next visit still gets a slot (before, a close cut short
kept its scrapy-playwright slot for good, and a crawl whose contexts closed slowly waited forever)."""

from __future__ import annotations

import pytest

from helpers import run_cli
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.visits import load_observations

pytestmark = pytest.mark.timeout(400)

SITES = ("https://streamvf-hd.test/", "https://docu-streaming.test/", "https://gone-forever.test/")


def test_contexts_that_do_not_close_in_time_do_not_stall_the_crawl(sandbox, tmp_path):
    watchlist = tmp_path / "three.txt"
    watchlist.write_text("\n".join(SITES) + "\n")
    db = f"sqlite:///{tmp_path / 'store.db'}"
    log = tmp_path / "crawl.log"
    result = run_cli(
        "crawl", "-w", watchlist, "--db", db, "--proxy", sandbox.address, "--pages", "0", "--no-progress",
        "--concurrency", "1",  # one slot: a single leaked context would stall the next visit
        "--limit", "context_close_timeout=0",  # no close is waited for
        "--log", log,
        home=tmp_path, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    sites = {obs.site for obs in load_observations(open_store(db, tmp_path / "shots"))}
    assert sites == {"streamvf-hd.test", "docu-streaming.test", "gone-forever.test"}
    assert "did not close in 0 s; its close goes on in the background" in log.read_text()
