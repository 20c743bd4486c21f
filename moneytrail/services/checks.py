"""The checks a command makes before it does anything: the store opens, the signature data and filter lists
load, the proxy is a proxy URL, a Chromium is there. Each failure is a UsageError or a Failure that says what
to do; the heavy modules are imported only when a check runs."""

from __future__ import annotations

from moneytrail.errors import Failure, UsageError


def open_store_checked(db: str | None, screenshots: str | None = None):
    """The store at `db`, or a UsageError that names it without its password."""
    import os

    from moneytrail.crawler.redaction import scrub
    from moneytrail.crawler.store import open_store, redact

    try:
        return open_store(db, screenshots)
    except Exception as exc:  # a wrong URL, a missing driver, a database that refuses us
        first = scrub(str(exc).splitlines()[0][:300] if str(exc) else "", db, os.environ.get("MONEYTRAIL_DB"))
        raise UsageError(f"cannot open the store {redact(db or '(default)')}: {type(exc).__name__}: {first}") from None


def load_analyzer(data: str | None, lists: str | None):
    """Signature data and filter lists, loaded and checked (UsageError naming the file, entry and field)."""
    from moneytrail.attribution.analyzer import Analyzer
    from moneytrail.attribution.lists import ListError
    from moneytrail.attribution.signatures import SignatureError

    try:
        return Analyzer.from_options(data, lists)
    except (SignatureError, ListError) as exc:
        raise UsageError(str(exc)) from None


def check_proxy(proxy: str | None) -> None:
    from moneytrail.crawler.proxies import browser_proxy, redact_proxy

    if proxy:
        try:
            browser_proxy(proxy)
        except ValueError as exc:
            raise UsageError(f"--proxy {redact_proxy(proxy)}: {exc}") from None


def check_browser_starts(config) -> str:
    """The crawl's browser, started once with the crawl's own launch options before anything is stored: its
    version, or a Failure (exit 1) with the launch error."""
    from moneytrail.crawler.browser import BrowserNotFound, BrowserWontStart, launch_check
    from moneytrail.crawler.settings import launch_options

    try:
        return launch_check(launch_options(config))
    except (BrowserNotFound, BrowserWontStart) as exc:
        raise Failure(str(exc)) from None


def check_browser() -> str:
    from moneytrail.crawler.browser import BrowserNotFound, find_chromium

    try:
        return find_chromium()
    except BrowserNotFound as exc:
        raise Failure(str(exc)) from None
