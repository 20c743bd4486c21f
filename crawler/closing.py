"""A crawl that ends: what it is waiting on, when asked, and a bound on how long its close may wait.

Scrapy closes a crawl once every request in progress has ended. Each visit bounds itself (navigation, visit and
context-close timeouts), but a request that ends nowhere, through a fault of ours, of Scrapy's or of the browser's,
would keep the crawl open for ever, with no status for any site. `CloseWatch` bounds that: past `patience`
seconds of closing, the requests still in progress are logged, each with where it is held, and let go; their
visits are not stored, the run says how many were let go, and `moneytrail crawl --resume RUN` visits them again.
A request held in the spider (a callback that never returns) holds Scrapy's close a second time, in its
scraper: if the crawl has still not closed `patience` seconds after letting go, it is stopped there (the run
stays resumable: `moneytrail runs` shows it stopped).

Scrapy keeps that state in its engine's private attributes (`_slot.inprogress`, `_slot.closing`): read through
`getattr`, so that a Scrapy that renames them loses the bound and the report, never the crawl.
"""

from __future__ import annotations

import logging
import time

from scrapy import signals
from twisted.internet import task

from .limits import Limits

logger = logging.getLogger("moneytrail.crawl")

CHECK_EVERY = 5.0  # seconds between two looks at a closing crawl
MARGIN = 60.0  # past the longest a visit may take, before its request is let go


def _slot(crawler):
    engine = getattr(crawler, "engine", None)
    return engine, getattr(engine, "_slot", None)


def held_where(crawler, request) -> str:
    """Where a request in progress is: downloading (a visit's navigation, a plain fetch, or waiting for a browser
    context), in the spider (the visit itself, or its items in the pipelines), or in neither."""
    engine, _ = _slot(crawler)
    downloader = getattr(engine, "downloader", None)
    scraper_slot = getattr(getattr(engine, "scraper", None), "slot", None)
    if request in getattr(downloader, "active", ()):
        return "downloading"
    if request in getattr(scraper_slot, "active", ()) or any(
        queued[1] is request for queued in getattr(scraper_slot, "queue", ())
    ):
        return "in the spider"
    return "in neither the downloader nor the spider"


def describe(request) -> str:
    visit = request.meta.get("visit") or {}
    kind = visit.get("page_kind") or (request.meta.get("adstxt") or {}).get("kind") or "plain"
    return f"{request.method} {request.url[:200]} ({kind})"


def engine_state(crawler) -> str:
    """One paragraph on what the crawl is doing: closing or not, the requests in progress and where each is."""
    engine, slot = _slot(crawler)
    if slot is None:
        return "the crawl's engine has no open spider"
    closing = getattr(slot, "closing", None)
    inprogress = list(getattr(slot, "inprogress", ()))
    scheduler = getattr(slot, "scheduler", None)
    pending = len(scheduler) if hasattr(scheduler, "__len__") else "?"
    scraper_slot = getattr(getattr(engine, "scraper", None), "slot", None)
    downloading = len(getattr(getattr(engine, "downloader", None), "active", ()))
    lines = [
        f"engine: {'closing' if closing is not None else 'running'}; {len(inprogress)} request(s) in progress, "
        f"{downloading} downloading, {pending} scheduled, "
        f"{getattr(scraper_slot, 'itemproc_size', '?')} item(s) in the pipelines"
    ]
    lines += [f"  {describe(r)}: {held_where(crawler, r)}" for r in inprogress[:50]]
    return "\n".join(lines)


class CloseWatch:
    """The bound on a crawl's close (see the module's docstring)."""

    def __init__(self, crawler, patience: float | None = None):
        self.crawler = crawler
        self.patience = patience
        self.closing_since: float | None = None
        self.released_at: float | None = None  # when the requests were let go
        self.let_go = 0
        self.loop = task.LoopingCall(self.check)
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getfloat("MONEYTRAIL_CLOSE_PATIENCE") or None)

    def opened(self, spider):
        if self.patience is None:  # the longest a visit may take, and a margin
            limits = getattr(spider, "limits", None) or Limits()
            self.patience = limits.visit_bound() + MARGIN
        self.loop.start(min(CHECK_EVERY, self.patience / 2), now=False)

    def closed(self, spider, reason):
        if self.loop.running:
            self.loop.stop()

    def check(self) -> None:
        now = time.monotonic()
        if self.released_at is not None:
            if now - self.released_at >= self.patience:
                self.stop(now)
            return
        _, slot = _slot(self.crawler)
        closing = getattr(slot, "closing", None)
        if closing is None or closing.called:
            return
        if self.closing_since is None:
            self.closing_since = now
            return
        if now - self.closing_since < self.patience:
            return
        stuck = list(getattr(slot, "inprogress", ()))
        logger.error(
            "the crawl has waited %.0f s to close on %d request(s) that did not end; they are let go, their visits "
            "are not stored (`moneytrail crawl --resume` visits them again)\n%s",
            now - self.closing_since,
            len(stuck),
            engine_state(self.crawler),
        )
        self.let_go += len(stuck)
        self.released_at = now
        stats = self.crawler.stats
        stats.set_value("moneytrail/let_go", self.let_go)
        if not stats.get_value("moneytrail/stopped"):  # the first reason to stop stays the one given
            config = getattr(getattr(self.crawler, "spider", None), "config", None)
            again = (
                "the run's other workers take them back"  # still in this worker's list in Redis
                if getattr(config, "redis", None)
                else f"`moneytrail crawl --resume {stats.get_value('moneytrail/run_id')}` visits them again"
            )
            stats.set_value(
                "moneytrail/stopped",
                f"{self.let_go} request(s) did not end {now - self.closing_since:.0f} s after the crawl began to "
                f"close; they were let go (see the log): {again}",
            )
        for request in stuck:
            slot.remove_request(request)  # the last one fires the close

    def stop(self, now: float) -> None:
        """The close is still held (in the spider, past the requests let go): the crawl process stops here."""
        from twisted.internet import reactor

        logger.error(
            "the crawl has still not closed %.0f s after letting go of its requests: it stops now\n%s",
            now - self.released_at,
            engine_state(self.crawler),
        )
        if self.loop.running:
            self.loop.stop()
        if reactor.running:
            reactor.stop()
