"""A downloader middleware that holds every plain request (not a browser visit) to public hosts
(crawler/addresses.py): the host's name or address, then what it resolves to here. A refused request raises
`NotPublic` (an IgnoreRequest): its errback records why. The watchlist's own top-level labels unknown to the
Public Suffix List (the spider's `namespaces`) are accepted, as the analyst chose them."""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from .addresses import host_refusal, resolved_refusal

RESOLVED_CACHE = 10_000  # hosts whose lookup is remembered for the crawl


class NotPublic(IgnoreRequest):
    """A plain request refused: its host is not public."""


class PublicHostMiddleware:
    def __init__(self, crawler, timeout: float):
        self.crawler = crawler
        self.timeout = timeout
        self._resolved: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, min(crawler.settings.getfloat("DNS_TIMEOUT", 60), 10.0))

    async def process_request(self, request, spider=None):
        if request.meta.get("playwright"):
            return None
        spider = spider or self.crawler.spider
        try:
            host = (urlsplit(request.url).hostname or "").lower()
        except ValueError:
            host = ""
        reason = host_refusal(host, getattr(spider, "namespaces", frozenset()))
        if reason is None:
            if host not in self._resolved:
                if len(self._resolved) >= RESOLVED_CACHE:
                    self._resolved.clear()
                self._resolved[host] = await resolved_refusal(host, self.timeout)
            reason = self._resolved[host]
        if reason:
            raise NotPublic(reason)
        return None
