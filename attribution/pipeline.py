"""The attribution step as a Scrapy item pipeline (named in crawler/settings.py by dotted path, before the
store pipeline): the findings of each visit and each ads.txt file are set on the item as data, and the store
pipeline writes them with it, in one transaction. A failure is logged and counted (`attribution_errors`),
never loses the item: `moneytrail reanalyze` recomputes its findings later."""

from __future__ import annotations

import logging

from moneytrail.crawler.config import CrawlConfig
from moneytrail.crawler.items import AdsTxtItem, VisitItem

from .analyzer import Analyzer

logger = logging.getLogger(__name__)


class AttributionPipeline:
    def __init__(self, crawler, analyzer: Analyzer):
        self.stats = crawler.stats
        self.analyzer = analyzer

    @classmethod
    def from_crawler(cls, crawler):
        config = CrawlConfig.from_settings(crawler.settings)
        return cls(crawler, Analyzer.from_options(config.data, config.lists))

    def process_item(self, item, spider=None):
        if isinstance(item, VisitItem):
            item.findings = self._guarded(self.analyzer.visit, item.observation, item.texts)
            if item.findings is not None:
                self.stats.inc_value("moneytrail/links", len(item.findings.links))
                self.stats.inc_value("moneytrail/miners", len(item.findings.miners))
        elif isinstance(item, AdsTxtItem):
            item.findings = self._guarded(self.analyzer.adstxt, item.domain, item.kind, item.outcome, item.body)
        return item

    def _guarded(self, step, *args):
        try:
            return step(*args)
        except Exception:
            logger.exception("attribution failed (the observation is stored; run `moneytrail reanalyze`)")
            self.stats.inc_value("moneytrail/attribution_errors")
            return None
