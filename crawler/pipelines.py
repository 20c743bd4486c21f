"""The store pipeline: records the crawl run, and writes each visit (with all its observations and the
findings attribution makes of them, in one transaction) and each ads.txt / sellers.json fetch as it arrives."""

from __future__ import annotations

import logging
from collections import Counter

from scrapy import signals

from .items import AdsTxtItem, VisitItem
from .settings import redact_proxy
from .store.writer import finish_run, start_run, write_adstxt, write_visit

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.counts: Counter = Counter()
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.store = spider.store
        settings = self.crawler.settings
        from moneytrail.attribution.analyzer import Analyzer

        self.analyzer = Analyzer.from_options(settings.get("MONEYTRAIL_DATA"), settings.get("MONEYTRAIL_LISTS"))
        if spider.resumed is not None:  # crawl --resume: the same run goes on, its counts too
            self.run_id = spider.resumed.run_id
            self.counts.update(spider.resumed.counts)
        else:
            options = {
                "watchlist": spider.watchlist,
                "pages": spider.pages,
                "stealth": spider.stealth,
                "adstxt": spider.fetch_adstxt,
                "profiles": spider.profile_names,
                "locale": (settings.getdict("MONEYTRAIL_PROFILE") or {}).get("locale"),
                "concurrency": settings.getint("MONEYTRAIL_CONCURRENCY"),
                "proxy": redact_proxy(settings.get("MONEYTRAIL_PROXY")),
            }
            self.run_id = start_run(self.store, spider.watchlist_row.id, len(spider.sites), spider.profile, options)
        self.crawler.stats.set_value("moneytrail/run_id", self.run_id)
        self.crawler.stats.set_value("moneytrail/sites", len(spider.sites))

    def process_item(self, item, spider=None):
        if isinstance(item, VisitItem):
            obs = item.observation
            write_visit(
                self.store,
                obs,
                run_id=self.run_id,
                site_id=item.site_id,
                screenshots=item.screenshots,
                attribute=self._attribute,
            )
            self._ack(spider or self.crawler.spider, item.ack)
            self.counts["visits"] += 1
            self.counts[f"visits_{obs.status}"] += 1
            self.counts["popups"] += sum(1 for w in obs.windows if w.kind in ("popup", "tabunder"))
            self.counts["websockets"] += len(obs.websockets)
            self.counts["wasm"] += len([m for m in obs.wasm if m.sha256])
            if obs.page_kind == "home":
                self.counts[f"sites_{obs.status}"] += 1
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
                findings=self._guarded(self.analyzer.adstxt, item.domain, item.kind, item.outcome, item.body),
            )
            self._ack(spider or self.crawler.spider, item.ack)
            self.counts[f"{item.kind}_{item.outcome}"] += 1
        for key, value in self.counts.items():
            self.crawler.stats.set_value(f"moneytrail/{key}", value)
        return item

    @staticmethod
    def _ack(spider, raw) -> None:
        """Scale-out: stored, so the request leaves this worker's processing list."""
        queue = getattr(spider, "work_queue", None)
        if queue is not None and raw is not None:
            queue.ack(raw)

    def _guarded(self, step, *args):
        """Findings of one attribution step; a failure is logged and counted, never loses the observation
        (`moneytrail reanalyze` can recompute it)."""
        try:
            return step(*args)
        except Exception:
            logger.exception("attribution failed (the observation is stored; run `moneytrail reanalyze`)")
            self.counts["attribution_errors"] += 1
            return None

    def _attribute(self, obs):
        findings = self._guarded(self.analyzer.visit, obs)
        if findings is not None:
            self.counts["links"] += len(findings.links)
            self.counts["miners"] += len(findings.miners)
        return findings

    def spider_closed(self, spider, reason):
        if getattr(spider, "worker", False):
            return  # a worker leaves the run to the others; the last one with nothing left finishes it
        if self.run_id is not None:
            state = "finished" if reason == "finished" else "interrupted"
            finish_run(self.store, self.run_id, state, dict(self.counts))
            self.crawler.stats.set_value("moneytrail/state", state)
