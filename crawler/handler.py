"""scrapy-playwright, adapted to instrumented visits.

- One browser for http and https (Scrapy builds one handler per scheme; they share the provider's).
- The navigation is ours: bounded by the visit's navigation timeout, through the browser's own headers
  (scrapy-playwright's per-request route is removed: every request would otherwise make a round trip
  through Python), and the page's HTML is not serialised into the response (a 20 MB page or a page that
  never answers again must not stall the download): the Observation is the visit's result.
- Nor does scrapy-playwright hear of the page's requests and responses: its counters are removed from the
  page (the visit's recorder has every request), and so are its debug loggers unless the crawl logs at DEBUG.
  Each of those calls pays Playwright's per-call handler inspection, and each logger first asks the driver for a
  header: a round trip per request and per response. Under Scrapy's root logger (level NOTSET) its logger is
  always "at DEBUG", so they were always attached, for lines the log then dropped: on pages of 130 requests
  they were 8% of the crawl's Python.
"""

from __future__ import annotations

import asyncio
import logging
import os
import weakref

from playwright.async_api import Browser
from playwright.async_api import Error as PlaywrightError
from scrapy.http import HtmlResponse
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.provider import PlaywrightBrowserProvider

from .limits import Limits
from .machine import available_mb
from .visit import close_context, navigate

logger = logging.getLogger(__name__)

# Playwright's Node driver hears of every request, response and frame of every visit. A young generation of 1 MB
# (Node's default is 16) keeps its heap 35-45 MiB smaller after a page of 1,000 requests, for the same CPU
# (measured on the hostile corpus: tests/browser/test_hostile_corpus.py).
DRIVER_NODE_OPTIONS = "--max-semi-space-size=1"


def driver_node_options(own: str | None) -> str:
    """NODE_OPTIONS for the driver: the user's own, with DRIVER_NODE_OPTIONS unless they set that flag."""
    own = own or ""
    return own if "--max-semi-space-size" in own else f"{own} {DRIVER_NODE_OPTIONS}".strip()


class SharedBrowserProvider(PlaywrightBrowserProvider):
    _shared: dict = {}  # one Playwright and one browser per process, counted by users

    async def start(self) -> None:
        """The first handler to start starts the Playwright driver; a handler starting meanwhile (Scrapy starts
        the http and https handlers together) waits for that one instead of starting a second (~95 MiB)."""
        shared = SharedBrowserProvider._shared
        if not shared:
            shared.update(users=0, browser=None, lock=asyncio.Lock(), started=asyncio.ensure_future(self._driver()))
        shared["users"] += 1
        self.playwright_context_manager, self.playwright, self.browser_type = await asyncio.shield(shared["started"])

    async def _driver(self) -> tuple:
        before = os.environ.get("NODE_OPTIONS")
        os.environ["NODE_OPTIONS"] = driver_node_options(before)  # the driver starts in a copy of this environment
        try:
            await super().start()
        finally:
            if before is None:
                os.environ.pop("NODE_OPTIONS", None)
            else:
                os.environ["NODE_OPTIONS"] = before
        return self.playwright_context_manager, self.playwright, self.browser_type

    async def launch_browser(self) -> Browser:
        shared = SharedBrowserProvider._shared
        async with shared["lock"]:
            browser = shared.get("browser")
            if browser is None or not browser.is_connected():
                shared["browser"] = browser = await super().launch_browser()
            return browser

    async def close(self) -> None:
        shared = SharedBrowserProvider._shared
        if not shared:
            return
        shared["users"] -= 1
        if shared["users"] <= 0:
            browser = shared.get("browser")
            if browser is not None and browser.is_connected():
                try:  # a browser that will not close is ended with its Playwright driver
                    await asyncio.wait_for(browser.close(), Limits().browser_close_timeout)
                except (TimeoutError, PlaywrightError):
                    pass
            SharedBrowserProvider._shared = {}
            await super().close()


async def memory_turn(limits: Limits, url: str, running, available=available_mb) -> float:
    """Wait while less than `limits.memory_floor_mb` of memory is available and `running()` visits (browser
    contexts open) are more than none: one visit always may start, so the crawl slows down, never stops. The
    seconds waited."""
    waited, started = False, asyncio.get_running_loop().time()
    while limits.memory_floor_mb > 0 and running() > 0:
        free = available()
        if free >= limits.memory_floor_mb:
            break
        if not waited:
            logger.warning(
                "memory short (%d MiB available, floor %d MiB): the visit of %s waits for one of the %d running",
                free,
                limits.memory_floor_mb,
                url,
                running(),
            )
            waited = True
        await asyncio.sleep(limits.memory_poll)
    return asyncio.get_running_loop().time() - started


class BrowserStalled(Exception):
    """A visit's page could not be opened in the browser within its bound (the browser stopped answering)."""


class VisitDownloadHandler(ScrapyPlaywrightDownloadHandler):
    # the downloads in flight, held: Scrapy's download task is referenced only by what it awaits, and a task
    # whose awaited future nothing else holds is collected by the garbage collector mid-way, leaving its
    # request counted as in progress for ever (the crawl then never closes: crawler/closing.py)
    _running: set[asyncio.Task] = set()
    _handlers: weakref.WeakSet = weakref.WeakSet()  # Scrapy's one per scheme: their contexts are the visits running
    _opening = 0  # visits past the memory guard whose page is still being opened (their context may not exist yet)

    def __init__(self, crawler, *args, **kwargs) -> None:
        own, level = logging.getLogger("scrapy-playwright"), crawler.settings.get("LOG_LEVEL", "DEBUG")
        level = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
        if own.level == logging.NOTSET and not (isinstance(level, int) and level <= logging.DEBUG):
            own.setLevel(logging.INFO)  # before any page: its per-request loggers are attached only at DEBUG
        super().__init__(crawler, *args, **kwargs)
        VisitDownloadHandler._handlers.add(self)

    @classmethod
    def visits_running(cls) -> int:
        """Visits opening their page, and browser contexts open (a visit's context lives until it ends)."""
        return cls._opening + sum(len(getattr(handler, "context_wrappers", {})) for handler in list(cls._handlers))

    async def _download_request(self, request, spider=None):
        """A visit's download (a browser context, a page, its navigation), held and bounded: past twice the
        longest a visit may take (a wait for a free browser context included) it fails, and the visit is
        stored as one the browser could not open. While memory is short it first waits its turn."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        limits = Limits.from_dict((request.meta.get("visit") or {}).get("limits"))
        bound = 2 * limits.visit_bound()
        opening = False
        try:
            await memory_turn(limits, request.url, self.visits_running)
            VisitDownloadHandler._opening += 1
            opening = True
            return await asyncio.wait_for(super()._download_request(request, spider), bound)
        except TimeoutError:
            # a context made before the stall would hold one of the crawl's context slots: it closes in the
            # background (a stall inside Playwright's own context creation can still cost a slot until the end)
            wrapper = getattr(self, "context_wrappers", {}).get(request.meta.get("playwright_context"))
            if wrapper is not None:
                await close_context(wrapper.context, 0.1)
            raise BrowserStalled(f"the browser did not open the page in {bound:g} s") from None
        finally:
            VisitDownloadHandler._opening -= opening
            self._running.discard(task)

    async def _close(self) -> None:
        """At the crawl's end: the contexts still open are closed, each within its bound, then the browser."""
        timeout = Limits().context_close_timeout
        await asyncio.gather(*(close_context(w.context, timeout) for w in list(self.context_wrappers.values())))
        if getattr(self, "browser_provider", None):
            await self.browser_provider.close()

    async def _download_request_with_page(self, request, page, spider):
        request.meta["playwright_page"] = page  # the errback needs it too
        page.remove_listener("request", self._increment_request_stats)
        page.remove_listener("response", self._increment_response_stats)
        await page.unroute("**")
        recorder = request.meta.get("recorder")
        limits = recorder.limits if recorder is not None else Limits.from_dict(request.meta["visit"].get("limits"))
        status = await navigate(page, request.url, limits, recorder)  # NavigationFailed reaches the errback
        return HtmlResponse(url=page.url, status=status or 200, body=b"", request=request, flags=["playwright"])
