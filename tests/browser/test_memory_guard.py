"""The memory guard in a real crawl: with a floor no machine reaches, memory is always short, so the crawl goes
on one visit at a time (never none) and ends with every site visited; without it, visits overlap."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from helpers import ok_sites, run_cli
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.visits import load_observations

pytestmark = pytest.mark.timeout(600)


def crawl(sandbox, sites, home, *extra):
    watchlist = home / "sites.txt"
    watchlist.write_text("\n".join(sites) + "\n")
    log = home / "crawl.log"
    db = f"sqlite:///{home / 'store.db'}"
    result = run_cli(
        "crawl", "-w", watchlist, "--db", db, "--proxy", sandbox.address, "--pages", "0", "--concurrency", "4",
        "--no-progress", "--no-adstxt", "--log", log, *extra, env={"MONEYTRAIL_HOME": str(home)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    visits = list(load_observations(open_store(db, home / "shots")))
    return visits, log.read_text()


def overlaps(visits) -> int:
    """Visits that started before the one before them ended. A visit's start is stored to the second (its
    duration to the millisecond), so a start may be read up to 1 s early: only a longer overlap counts."""
    spans = sorted(
        (datetime.fromisoformat(v.started_at), datetime.fromisoformat(v.started_at) + timedelta(seconds=v.duration))
        for v in visits
    )
    second = timedelta(seconds=1)
    return sum(1 for (_, end), (start, _) in zip(spans, spans[1:], strict=False) if start + second < end)


def test_short_memory_holds_visits_back_one_at_a_time(sandbox, truth, tmp_path):
    sites = [site["url"] for site in ok_sites(truth)[:4]]
    (tmp_path / "held").mkdir()
    held, log = crawl(sandbox, sites, tmp_path / "held", "--limit", "memory_floor_mb=100000000")
    assert len(held) == 4 and all(v.status == "ok" for v in held), [(v.url, v.status, v.error) for v in held]
    assert "memory short" in log and "floor 100000000 MiB" in log
    assert overlaps(held) == 0

    (tmp_path / "free").mkdir()
    free, log = crawl(sandbox, sites, tmp_path / "free")
    assert len(free) == 4 and "memory short" not in log
    assert overlaps(free) > 0  # the same crawl with memory to spare runs its visits side by side
