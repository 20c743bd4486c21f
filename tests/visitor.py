"""A plain-Playwright visitor used by the tests to check the sandbox against its truth.

It behaves like a person (load, pause, scroll, click the player or the page centre) and keeps what
the tests need: every request, the pages the context ended up with, WebSocket frames, dialogs,
downloads, and the landing pages behind the ad links found in the page's frames. It is a test tool,
deliberately simple; the product's instrumented crawler lives in crawler/ and spiders/.
"""
from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.async_api import Browser, Error as PlaywrightError

HIDE_WEBDRIVER = "Object.defineProperty(Navigator.prototype, 'webdriver', {get: () => false});"


@dataclass
class Visit:
    url: str
    error: str | None = None
    status: int | None = None
    requests: list[dict] = field(default_factory=list)  # url, host, navigation
    bodies: dict[str, str] = field(default_factory=dict)  # url -> sha256 of wasm bodies
    pages: list[str] = field(default_factory=list)  # final URL of every page of the context
    ws: dict[str, dict] = field(default_factory=dict)  # url -> {"sent": [...], "received": [...]}
    dialogs: int = 0
    downloads: list[str] = field(default_factory=list)
    ad_landings: dict[str, str] = field(default_factory=dict)  # ad link href -> final URL
    dom: dict[str, str | None] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def hosts(self) -> set[str]:
        return {r["host"] for r in self.requests}

    @property
    def navigated_hosts(self) -> set[str]:
        return {r["host"] for r in self.requests if r["navigation"]}


async def visit(browser: Browser, url: str, *, locale: str = "en-US", hide_webdriver: bool = False,
                follow_ads: bool = True, wait_for: set[str] = frozenset(), budget: float = 25.0,
                http_credentials: dict | None = None) -> Visit:
    """Visit `url` in a fresh context; `wait_for` are landing URLs worth waiting for (bounded)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    v = Visit(url)
    context = await browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900},
                                        locale=locale, accept_downloads=True)
    if hide_webdriver:
        await context.add_init_script(HIDE_WEBDRIVER)

    def on_request(req):
        v.requests.append({"url": req.url, "host": urlsplit(req.url).hostname or "",
                           "navigation": req.is_navigation_request()})

    async def on_response(resp):
        if resp.url.endswith(".wasm"):
            try:
                v.bodies[resp.url] = hashlib.sha256(await resp.body()).hexdigest()
            except PlaywrightError:
                pass

    def on_page(page):
        page.on("websocket", on_websocket)
        page.on("dialog", on_dialog)
        page.on("download", lambda d: v.downloads.append(d.url))

    def on_websocket(ws):
        entry = v.ws.setdefault(ws.url, {"sent": [], "received": []})
        ws.on("framesent", lambda payload: entry["sent"].append(payload))
        ws.on("framereceived", lambda payload: entry["received"].append(payload))

    async def on_dialog(dialog):
        v.dialogs += 1
        try:
            await dialog.dismiss()
        except PlaywrightError:
            pass

    context.on("request", on_request)
    context.on("response", on_response)
    context.on("page", on_page)
    try:
        page = await context.new_page()
        try:
            response = await page.goto(url, wait_until="load", timeout=15_000)
            v.status = response.status if response else None
        except PlaywrightError as exc:
            v.error = str(exc).splitlines()[0]
            return v
        await page.wait_for_timeout(1200)
        await page.mouse.wheel(0, 900)
        await page.wait_for_timeout(500)
        await page.mouse.wheel(0, -900)
        await page.wait_for_timeout(300)
        box = await _box(page, "#player")
        point = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2) if box else (640, 450)
        await page.mouse.click(*point)
        await page.wait_for_timeout(600)
        if not page.is_closed():
            await page.mouse.click(640, 450)
        await _settle(context, wait_for, started, budget, loop)
        v.dom = await _dom(page)
        if follow_ads:
            await _follow_ad_links(context, v)
        v.pages = [p.url for p in context.pages]
    except PlaywrightError as exc:
        v.error = v.error or str(exc).splitlines()[0]
    finally:
        v.seconds = loop.time() - started
        try:
            await asyncio.wait_for(context.close(), 10)
        except (asyncio.TimeoutError, PlaywrightError):
            pass
    return v


async def _box(page, selector):
    try:
        handle = await page.query_selector(selector)
        return await handle.bounding_box() if handle else None
    except PlaywrightError:
        return None


async def _settle(context, wait_for, started, budget, loop) -> None:
    """Wait (bounded) for the expected landing pages, and at least for delayed popups to fire."""
    deadline = min(started + budget, loop.time() + 8)
    await asyncio.sleep(1.8)
    while loop.time() < deadline:
        urls = {p.url for p in context.pages}
        if all(any(u.startswith(w) for u in urls) for w in wait_for):
            break
        await asyncio.sleep(0.2)


async def _dom(page) -> dict:
    try:
        return await asyncio.wait_for(page.evaluate("""() => ({
            decoder: document.getElementById('thumb-decoder')?.getAttribute('data-decoded') ?? null,
            chat: document.getElementById('chat-box')?.innerText ?? null,
            webdriver: String(navigator.webdriver),
        })"""), 5)
    except (PlaywrightError, asyncio.TimeoutError):
        return {}


async def _follow_ad_links(context, v: Visit) -> None:
    """Open every ad link found in the frames of the context's pages (display, native, in-page push: a
    tab-under may have taken the first tab away, the site then lives on in another) and keep its landing."""
    hrefs = set()
    for frame in [f for p in context.pages if not p.is_closed() for f in p.frames]:
        try:
            found = await asyncio.wait_for(frame.eval_on_selector_all(
                "a[href*='/click?']", "els => els.map(e => e.href)"), 5)
        except (PlaywrightError, asyncio.TimeoutError):
            continue
        hrefs.update(found)
    for href in sorted(hrefs):
        ad_page = await context.new_page()
        try:
            await ad_page.goto(href, wait_until="load", timeout=10_000)
            for _ in range(25):  # meta refresh, script and form hops land a little later
                if "/lp/" in ad_page.url:
                    break
                await ad_page.wait_for_timeout(200)
            v.ad_landings[href] = ad_page.url
        except PlaywrightError as exc:
            v.ad_landings[href] = f"error: {exc}".splitlines()[0]
        finally:
            await ad_page.close()


async def visit_many(browser: Browser, jobs: list[tuple[str, dict]], concurrency: int = 4) -> list[Visit]:
    sem = asyncio.Semaphore(concurrency)

    async def one(url, kwargs):
        async with sem:
            return await visit(browser, url, **kwargs)

    return await asyncio.gather(*(one(u, k) for u, k in jobs))
