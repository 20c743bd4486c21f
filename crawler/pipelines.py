"""The store pipeline: records the crawl run, and writes each visit (its observation and the findings the
attribution pipeline set on it, in one transaction) and each ads.txt / sellers.json fetch as it arrives.
The run's counts are recomputed from what was stored when it ends."""

from __future__ import annotations

import asyncio
import logging

from scrapy import signals
from scrapy.exceptions import DropItem
from twisted.internet import task

from .items import AdsTxtItem, VisitItem
from .store import out_of_space
from .store.adstxt import write_adstxt
from .store.runs import HEARTBEAT_SECONDS, beat, finish_run, start_run, stored_counts
from .store.visits import write_visit

logger = logging.getLogger(__name__)
LIVE_COUNTS = ("visits", "popups", "websockets", "wasm")  # kept in the crawler's stats for the progress bar


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.run_id: int | None = None
        self.heartbeat: task.LoopingCall | None = None
        self.stopped: str | None = None  # why the crawl stops early (out of room)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.store = spider.store
        if spider.resumed is not None:  # crawl --resume: the same run goes on, its counts too
            self.run_id = spider.resumed.run_id
            for key, value in stored_counts(self.store, self.run_id).items():
                self.stats.set_value(f"moneytrail/{key}", value)
        else:
            self.run_id = start_run(
                self.store, spider.config, spider.watchlist_row.id, len(spider.sites), spider.profile
            )
        self.stats.set_value("moneytrail/run_id", self.run_id)
        self.stats.set_value("moneytrail/sites", len(spider.sites))
        if not spider.config.redis:  # a distributed run's workers beat in Redis
            self.heartbeat = task.LoopingCall(beat, self.store, self.run_id)
            self.heartbeat.start(HEARTBEAT_SECONDS, now=False)

    def process_item(self, item, spider=None):
        spider = spider or self.crawler.spider
        if self.stopped:
            raise DropItem(f"not stored, the crawl is stopping: {self.stopped}")
        try:
            return self._store(item, spider)
        except Exception as exc:
            full = out_of_space(exc)
            if full is None:
                raise
            self._stop(full)
            raise DropItem(f"not stored: {full}") from None

    def _stop(self, full: str) -> None:
        """Out of room: the crawl stops now (every visit after would be lost too), resumable once there is room;
        what was not stored is visited again by the resume."""
        self.stopped = f"{full}; stored so far is kept: once there is room, `moneytrail crawl --resume {self.run_id}`"
        logger.error("the crawl stops: %s", self.stopped)
        self.stats.set_value("moneytrail/stopped", self.stopped)
        asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="out_of_space"))

    def _store(self, item, spider):
        if isinstance(item, VisitItem):
            obs = item.observation
            write_visit(
                self.store,
                obs,
                run_id=self.run_id,
                site_id=item.site_id,
                screenshots=item.screenshots,
                findings=item.findings,
                texts=item.texts,
                archive=item.archive,
            )
            self._ack(spider, item.ack)
            for key, n in (
                ("visits", 1),
                (f"visits_{obs.status}", 1),
                ("popups", sum(1 for w in obs.windows if w.kind in ("popup", "tabunder"))),
                ("websockets", len(obs.websockets)),
                ("wasm", len(obs.wasm)),
                (f"sites_{obs.status}" if obs.page_kind == "home" else None, 1),
            ):
                if key:
                    self.stats.inc_value(f"moneytrail/{key}", n)
        elif isinstance(item, AdsTxtItem):
            write_adstxt(
                self.store,
                run_id=self.run_id,
                site_id=item.site_id,
                domain=item.domain,
                kind=item.kind,
                url=item.url,
                outcome=item.outcome,
                final_url=item.final_url,
                http_status=item.http_status,
                error=item.error,
                size=item.size,
                body=item.body,
                content_type=item.content_type,
                hops=item.hops,
                findings=item.findings,
            )
            self._ack(spider, item.ack)
        return item

    @staticmethod
    def _ack(spider, raw) -> None:
        """Scale-out: stored, so the request leaves this worker's processing list."""
        queue = getattr(spider, "work_queue", None)
        if queue is not None and raw is not None:
            queue.ack(raw)

    def spider_closed(self, spider, reason):
        if self.heartbeat is not None and self.heartbeat.running:
            self.heartbeat.stop()
        if spider.config.redis:
            return  # a worker leaves the run to the others; the last one with nothing left finishes it
        if self.run_id is not None:
            let_go = self.stats.get_value("moneytrail/let_go", 0)  # requests that never ended: resumable
            state = "finished" if reason == "finished" and not let_go else "interrupted"
            errors = self.stats.get_value("moneytrail/attribution_errors", 0)
            finish_run(self.store, self.run_id, state, {"attribution_errors": errors} if errors else {})
            self.stats.set_value("moneytrail/state", state)
