"""Scrapy settings of the moneytrail project, and the helpers that derive runtime options from them.

moneytrail's own settings (all optional; `moneytrail crawl` sets them from its options):
  MONEYTRAIL_DB          SQLAlchemy URL of the store (default: env MONEYTRAIL_DB, else SQLite in the data home)
  MONEYTRAIL_SCREENSHOTS directory of screenshot files (default: <data home>/screenshots)
  MONEYTRAIL_PROXY       proxy URL for the browser and plain requests alike (http://user:pass@host:port)
  MONEYTRAIL_PROFILE     {"locale": "fr-FR", "timezone": "Europe/Paris", "user_agent": ...}
  MONEYTRAIL_LIMITS      per-visit limits, see crawler/limits.py
  MONEYTRAIL_CONCURRENCY browser contexts at once (default 4: on 2 cores more gains nothing)
  MONEYTRAIL_DATA        signature data directory (default: env MONEYTRAIL_DATA, else the project's data/)
  MONEYTRAIL_LISTS       directory of ABP filter lists (default: the `moneytrail lists update` cache, if filled)
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # never download the suffix list

BOT_NAME = "moneytrail"
SPIDER_MODULES = ["moneytrail.spiders"]
NEWSPIDER_MODULE = "moneytrail.spiders"
ROBOTSTXT_OBEY = False  # piracy sites are audited, not indexed: every page a visitor sees is in scope
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19's remote-control server runs code: never on
TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False  # each visit has its own browser context; plain requests need no cookies
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {"http": "moneytrail.crawler.handler.VisitDownloadHandler", "https": "moneytrail.crawler.handler.VisitDownloadHandler"}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_BROWSER_PROVIDER = "moneytrail.crawler.handler.SharedBrowserProvider"
PLAYWRIGHT_PROCESS_REQUEST_HEADERS = None  # the browser's own headers, as a visitor's
MONEYTRAIL_CONCURRENCY = 4
PLAYWRIGHT_MAX_CONTEXTS = MONEYTRAIL_CONCURRENCY
CONCURRENT_REQUESTS = MONEYTRAIL_CONCURRENCY + 4  # plain ads.txt requests need no browser
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 1
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"
ITEM_PIPELINES = {"moneytrail.crawler.pipelines.StorePipeline": 300}
LOG_LEVEL = "INFO"
DOWNLOAD_WARNSIZE = 0


def launch_options(settings) -> dict:
    """Playwright launch options: the Chromium found, quiet flags, the proxy (credentials apart)."""
    from .browser import QUIET_ARGS, find_chromium

    options = {"executable_path": find_chromium(), "args": list(QUIET_ARGS), "headless": True}
    proxy = settings.get("MONEYTRAIL_PROXY")
    if proxy:
        options["proxy"] = browser_proxy(proxy)
    return options


def browser_proxy(url: str) -> dict:
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        raise ValueError("a proxy is a URL such as http://host:port or http://user:password@host:port")
    server = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    proxy = {"server": server}
    if parts.username:
        proxy["username"] = unquote(parts.username)
        proxy["password"] = unquote(parts.password or "")
    return proxy


def proxy_for_requests(settings) -> str | None:
    return settings.get("MONEYTRAIL_PROXY") or None


def redact_proxy(url: str | None) -> str | None:
    """The proxy URL without its password, for logs and stored run options."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.username is None:
        return url
    user = f"{parts.username}:***" if parts.password is not None else "***"  # a lone user name may be a token
    netloc = f"{user}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def store_from_settings(settings):
    from .store import open_store

    return open_store(settings.get("MONEYTRAIL_DB") or None, settings.get("MONEYTRAIL_SCREENSHOTS") or None)
