"""Out of room (issue 15, item 14): a full disk or a full database stops the crawl cleanly, loses nothing
stored, leaves no empty or cut screenshot, and says what to do. The failures are real: writes to /dev/full
fail with ENOSPC as on a full disk, and SQLite at its `max_page_count` answers SQLITE_FULL as on one."""

from __future__ import annotations

import asyncio
import errno

import pytest
from sqlalchemy import event, func, select

from moneytrail.crawler.items import VisitItem
from moneytrail.crawler.observation import Observation, WindowRecord
from moneytrail.crawler.store import open_store, out_of_space
from moneytrail.crawler.store.schema import Visit
from moneytrail.crawler.store.visits import write_visit


def observation(uid: str) -> Observation:
    obs = Observation(uid, "https://site.example/", "site.example", "home", started_at="2026-11-26T00:00:00")
    obs.screenshot = f"{uid}.jpg"
    obs.windows = [WindowRecord(1, "popup", 1, 1.0, screenshot=f"{uid}-w1.jpg")]
    return obs


def shots(uid: str) -> dict[str, bytes]:
    return {f"{uid}-w1.jpg": b"\xff\xd8 a landing page", f"{uid}.jpg": b"\xff\xd8 the page" * 1000}


def stored(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(Visit))


def test_a_full_disk_leaves_no_screenshot_of_the_visit_and_no_row(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'db'}", tmp_path / "shots")
    folder = tmp_path / "shots" / "no-run"
    folder.mkdir(parents=True)
    (folder / "v1.jpg").symlink_to("/dev/full")  # this file's write meets a full device
    with pytest.raises(OSError) as raised:
        write_visit(store, observation("v1"), run_id=None, site_id=None, screenshots=shots("v1"))
    assert raised.value.errno == errno.ENOSPC and out_of_space(raised.value).startswith("no room to write a file")
    assert sorted(p.name for p in folder.iterdir()) == []  # the one written first is gone with the cut one
    assert stored(store) == 0


def full_database(tmp_path, pages: int):
    """A store whose SQLite database cannot grow past `pages` pages (the pragma the test sets on every
    connection: the product sets nothing)."""
    store = open_store(f"sqlite:///{tmp_path / 'db'}", tmp_path / "shots")
    event.listen(store.engine, "connect", lambda conn, _: conn.execute(f"PRAGMA max_page_count = {pages}"))
    store.engine.dispose()
    return store


def fill(store, n: int = 500) -> int:
    """Visits written until the database is full; how many were stored."""
    for i in range(n):
        try:
            write_visit(store, observation(f"fill{i}"), run_id=None, site_id=None, screenshots=shots(f"fill{i}"))
        except Exception as exc:
            assert out_of_space(exc) and "database is full" in out_of_space(exc), exc
            return i
    raise AssertionError("the database never filled up")


def test_a_full_database_keeps_what_was_stored_and_no_file_of_the_visit_it_refused(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'db'}", tmp_path / "shots")
    with store.engine.connect() as conn:
        used = conn.exec_driver_sql("PRAGMA page_count").scalar()
    store = full_database(tmp_path, used + 8)
    kept = fill(store)
    assert kept >= 1 and stored(store) == kept
    names = {p.name for p in (tmp_path / "shots" / "no-run").iterdir()}
    assert f"fill{kept}.jpg" not in names and f"fill{kept}-w1.jpg" not in names  # the refused visit's
    assert f"fill{kept - 1}.jpg" in names  # a stored one's
    # room made (the pragma's cap gone, as when the disk is cleared), the refused visit and the rest are stored:
    # what a resume does, with nothing stored twice
    roomy = open_store(f"sqlite:///{tmp_path / 'db'}", tmp_path / "shots")
    for i in range(kept, kept + 5):
        write_visit(roomy, observation(f"fill{i}"), run_id=None, site_id=None, screenshots=shots(f"fill{i}"))
    assert stored(roomy) == kept + 5
    with roomy.session() as s:
        assert s.scalar(select(func.count(func.distinct(Visit.uid)))) == kept + 5


class Engine:
    """Stands for Scrapy's engine: what the pipeline asks of it."""

    def __init__(self):
        self.closed: list[str] = []

    async def close_spider_async(self, *, reason: str) -> None:
        self.closed.append(reason)


def test_the_pipeline_stops_the_crawl_with_what_to_do_and_drops_what_follows(tmp_path):
    from scrapy.exceptions import DropItem
    from scrapy.utils.test import get_crawler

    from moneytrail.crawler.config import CrawlConfig
    from moneytrail.crawler.pipelines import StorePipeline
    from moneytrail.crawler.store.runs import start_run

    store = open_store(f"sqlite:///{tmp_path / 'db'}", tmp_path / "shots")
    run = start_run(store, CrawlConfig("sandbox"), None, 1, {})
    with store.engine.connect() as conn:
        used = conn.exec_driver_sql("PRAGMA page_count").scalar()
    store = full_database(tmp_path, used + 8)
    crawler = get_crawler()
    crawler.engine = Engine()
    pipeline = StorePipeline(crawler)
    pipeline.store, pipeline.run_id = store, run

    async def crawl():
        dropped = []
        for i in range(500):
            try:
                pipeline.process_item(VisitItem(observation(f"v{i}"), None, shots(f"v{i}")), spider=object())
            except DropItem as exc:
                dropped.append(str(exc))
                if len(dropped) == 2:
                    break
        await asyncio.sleep(0)
        return dropped

    dropped = asyncio.run(crawl())
    assert dropped[0].startswith("not stored: the database is full")
    assert dropped[1].startswith("not stored, the crawl is stopping")
    assert crawler.engine.closed == ["out_of_space"]
    said = crawler.stats.get_value("moneytrail/stopped")
    assert "the database is full" in said and f"moneytrail crawl --resume {run}" in said
