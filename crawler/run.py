"""Running a crawl in this process (what `moneytrail crawl` does), and reading back its summary."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings


@dataclass
class CrawlOptions:
    watchlist: str
    db: str | None = None
    proxy: str | None = None
    concurrency: int = 4
    pages: int = 1
    stealth: bool = True
    locale: str | None = None
    screenshots: str | None = None
    log_file: str | None = None
    progress: bool = True
    adstxt: bool = True
    limits: dict = field(default_factory=dict)
    data: str | None = None  # signature data directory
    lists: str | None = None  # filter lists directory
    profiles: list = field(default_factory=list)  # visitor profile names (crawler/profiles.py)
    profiles_file: str | None = None
    resume: int | None = None  # a run to go on with
    redis: str | None = None  # scale-out: this process is a worker of run `resume`, its queue in this Redis


@dataclass
class CrawlResult:
    run_id: int | None
    state: str
    sites: int
    counts: dict
    log_file: str | None


def settings_for(options: CrawlOptions) -> Settings:
    settings = Settings()
    settings.setmodule("moneytrail.crawler.settings", priority="project")
    values = {
        "MONEYTRAIL_CONCURRENCY": options.concurrency,
        "PLAYWRIGHT_MAX_CONTEXTS": options.concurrency,
        "CONCURRENT_REQUESTS": options.concurrency + 4,
        "MONEYTRAIL_PROGRESS": options.progress,
        "EXTENSIONS": {"moneytrail.crawler.progress.CrawlProgress": 500},
        "MONEYTRAIL_LIMITS": options.limits,
    }
    if options.db:
        values["MONEYTRAIL_DB"] = options.db
    if options.proxy:
        values["MONEYTRAIL_PROXY"] = options.proxy
    if options.screenshots:
        values["MONEYTRAIL_SCREENSHOTS"] = options.screenshots
    if options.locale:
        values["MONEYTRAIL_PROFILE"] = {"locale": options.locale}
    if options.data:
        values["MONEYTRAIL_DATA"] = options.data
    if options.lists:
        values["MONEYTRAIL_LISTS"] = options.lists
    if options.profiles_file:
        values["MONEYTRAIL_PROFILES"] = options.profiles_file
    if options.redis:
        from .distributed import worker_settings

        values.update(worker_settings(options.redis, options.resume))
    if options.log_file:
        Path(options.log_file).parent.mkdir(parents=True, exist_ok=True)
        values["LOG_FILE"] = options.log_file
    settings.setdict(values, priority="cmdline")
    return settings


def default_log_file() -> str:
    from .store import data_home

    return str(data_home() / "logs" / f"crawl-{datetime.now():%Y%m%d-%H%M%S}.log")


def run_crawl(options: CrawlOptions) -> CrawlResult:
    """Crawl the watchlist (blocking). Once per process: Twisted's reactor does not restart."""
    process = CrawlerProcess(settings_for(options))
    crawler = process.create_crawler("watchlist")
    process.crawl(
        crawler,
        watchlist=options.watchlist,
        stealth=options.stealth,
        pages=options.pages,
        adstxt=options.adstxt,
        profiles=",".join(options.profiles),
        resume=options.resume or "",
        worker="1" if options.redis else "",
    )
    process.start()
    stats = crawler.stats.get_stats()
    counts = {
        k.split("/", 1)[1]: v
        for k, v in stats.items()
        if k.startswith("moneytrail/") and k not in ("moneytrail/run_id", "moneytrail/state", "moneytrail/sites")
    }
    return CrawlResult(
        stats.get("moneytrail/run_id"),
        stats.get("moneytrail/state", "failed"),
        stats.get("moneytrail/sites", 0),
        counts,
        options.log_file,
    )
