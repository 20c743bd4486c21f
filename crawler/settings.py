"""Scrapy settings of the moneytrail project.

A crawl's own configuration is one setting, MONEYTRAIL_CRAWL (a dict read by `crawler.config.CrawlConfig`;
`moneytrail crawl` sets it from its flags). The components are named here by dotted path, Scrapy's idiom: the
attribution step is an item pipeline of a higher layer that the crawler never imports.
"""

from __future__ import annotations

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # never download the suffix list

from .config import EXTENSIONS as CRAWL_EXTENSIONS

BOT_NAME = "moneytrail"
SPIDER_MODULES = ["moneytrail.spiders"]
NEWSPIDER_MODULE = "moneytrail.spiders"
ROBOTSTXT_OBEY = False  # piracy sites are audited, not indexed: every page a visitor sees is in scope
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19's remote-control server runs code: never on
TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False  # each visit has its own browser context; plain requests need no cookies
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "moneytrail.crawler.handler.VisitDownloadHandler",
    "https": "moneytrail.crawler.handler.VisitDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_BROWSER_PROVIDER = "moneytrail.crawler.handler.SharedBrowserProvider"
PLAYWRIGHT_PROCESS_REQUEST_HEADERS = None  # the browser's own headers, as a visitor's
PLAYWRIGHT_MAX_CONTEXTS = 4  # MONEYTRAIL_CRAWL's concurrency sets it
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 1
# a fallback only: plain requests carry the headers of the crawl's visitor's Chrome (spiders/watchlist.plain_request)
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
# plain requests (ads.txt, sellers.json, their redirects) only to public hosts: checked before each request
# and again by the resolver when Scrapy connects (crawler/addresses.py holds the rule)
DOWNLOADER_MIDDLEWARES = {"moneytrail.crawler.public_hosts.PublicHostMiddleware": 50}
TWISTED_DNS_RESOLVER = "moneytrail.crawler.resolver.PublicAddressResolver"
ITEM_PIPELINES = {
    "moneytrail.attribution.pipeline.AttributionPipeline": 200,  # findings of each item, as data on it
    "moneytrail.crawler.pipelines.StorePipeline": 300,  # the item and its findings, in one transaction
}
# a crawl whose close waits past every visit's bound lets go of what it waits on (crawler/closing.py)
EXTENSIONS = dict(CRAWL_EXTENSIONS)
LOG_LEVEL = "INFO"
DOWNLOAD_WARNSIZE = 0


def launch_options(config) -> dict:
    """Playwright launch options of a crawl: the Chromium found, quiet flags, the proxy (credentials apart)."""
    from .browser import QUIET_ARGS, STEALTH_ARGS, feature_args, find_chromium
    from .proxies import browser_proxy

    args = [*QUIET_ARGS, *(STEALTH_ARGS if config.stealth else ()), *feature_args()]
    options = {"executable_path": find_chromium(), "args": args, "headless": True}
    if config.proxy:
        options["proxy"] = browser_proxy(config.proxy)
    return options
