"""A progress bar for crawls run from the terminal: sites done / total, visits, popups, errors."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.exceptions import NotConfigured


class CrawlProgress:
    def __init__(self, crawler):
        self.crawler = crawler
        self.progress = Progress(
            TextColumn("[bold]crawl"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "sites  {task.fields[visits]} visits  {task.fields[popups]} popups  "
                "{task.fields[errors]} dead/timeout/crashed"
            ),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.update, signal=signals.item_scraped)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MONEYTRAIL_PROGRESS"):
            raise NotConfigured
        return cls(crawler)

    def opened(self, spider):
        self.progress.start()
        self.task = self.progress.add_task("crawl", total=len(spider.sites), visits=0, popups=0, errors=0)

    def update(self, item, response, spider):
        get = self.crawler.stats.get_value
        errors = sum(get(f"moneytrail/visits_{s}", 0) for s in ("dead", "timeout", "crashed"))
        self.progress.update(
            self.task,
            completed=spider.sites_done,
            visits=get("moneytrail/visits", 0),
            popups=get("moneytrail/popups", 0),
            errors=errors,
        )

    def closed(self, spider, reason):
        if self.task is not None:
            self.update(None, None, spider)
        self.progress.stop()
