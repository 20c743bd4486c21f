"""Running a crawl in this process (what `moneytrail crawl` and `moneytrail worker` do)."""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import os
import shutil
import signal
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from .config import CrawlConfig


@dataclass
class CrawlResult:
    run_id: int | None
    state: str  # finished, interrupted, failed (the crawl could not start)
    sites: int
    log_file: str | None
    stopped: str | None = None  # why it stopped early (out of room), as said to the user


def settings_for(config: CrawlConfig) -> Settings:
    settings = Settings()
    settings.setmodule("moneytrail.crawler.settings", priority="project")
    if config.log_file:
        Path(config.log_file).parent.mkdir(parents=True, exist_ok=True)
    values = config.to_settings()
    if config.redis:  # a worker: the run's shared queue (crawler/distributed.py)
        from .distributed import worker_settings

        values.update(worker_settings(config.redis, config.resume, config.dead_after))
    settings.setdict(values, priority="cmdline")
    return settings


def default_log_file(kind: str = "crawl") -> str:
    from .home import data_home

    return str(data_home() / "logs" / f"{kind}-{datetime.now():%Y%m%d-%H%M%S}.log")


def log_tasks(signum=None, frame=None, crawler=None) -> None:
    """What a crawl is waiting on, into its log (`kill -USR1 <pid>` of a crawl): every asyncio task's stack,
    then, last, the engine's state (closing or not, each request in progress and where it is held)."""
    try:
        tasks = asyncio.all_tasks(asyncio.get_event_loop())
    except RuntimeError:  # no event loop yet
        tasks = set()
    out = io.StringIO()
    for task in tasks:
        task.print_stack(limit=12, file=out)
    log = logging.getLogger("moneytrail.crawl")
    log.warning("%d asyncio task(s) pending:\n%s", len(tasks), out.getvalue())
    if crawler is not None:
        from .closing import engine_state

        log.warning("%s", engine_state(crawler))


def run_crawl(config: CrawlConfig) -> CrawlResult:
    """Crawl (blocking). Once per process: Twisted's reactor does not restart."""
    process = CrawlerProcess(settings_for(config))
    crawler = process.create_crawler("watchlist")
    if hasattr(signal, "SIGUSR1"):
        signal.signal(signal.SIGUSR1, functools.partial(log_tasks, crawler=crawler))
    process.crawl(crawler)
    try:
        process.start()
    finally:  # the visits' HARs: contexts that closed late write theirs until the browser is gone
        har_dir = getattr(getattr(crawler, "spider", None), "har_dir", None)
        if har_dir is not None:
            shutil.rmtree(har_dir, ignore_errors=True)
    stats = crawler.stats.get_stats()
    return CrawlResult(
        stats.get("moneytrail/run_id"),
        stats.get("moneytrail/state", "failed"),
        stats.get("moneytrail/sites", 0),
        config.log_file,
        stats.get("moneytrail/stopped"),
    )
