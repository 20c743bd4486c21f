"""Context-level instrumentation: listens to a Playwright browser context (attached before the first
navigation) and turns what happens in it into an Observation.

Sources: Playwright's context events (every request and response of every page, iframe, worker and
popup, the popup's first navigation included), one CDP session per page (request initiators, the reason
of each navigation, window openings with their user gesture), and the in-page script `instrument.js`
(window.open callers, WebAssembly bytes, workers, prompts, traps). Everything is bounded by `Limits`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections import defaultdict, deque
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from . import wasm
from .domains import site_of
from .limits import Limits
from .observation import (
    Dialog,
    DownloadRecord,
    FrameRecord,
    Hop,
    Notice,
    Observation,
    RequestRecord,
    Step,
    WasmModule,
    WebSocketRecord,
    WindowOpenCall,
    WindowRecord,
    WorkerRecord,
)

INSTRUMENT_JS = resources.files("moneytrail.crawler").joinpath("instrument.js").read_text()
MAX_FRAMES, MAX_WASM_RECORDS, MAX_DOWNLOADS = 500, 50, 20
CHAIN_QUIET = 0.7  # seconds without a navigation after which a window's chain has landed
NAV_REASONS = {
    "metaTagRefresh": "meta",
    "scriptInitiated": "js",
    "formSubmissionPost": "form",
    "formSubmissionGet": "form",
    "anchorClick": "link",
    "httpHeaderRefresh": "http",
}


def _clip(text: str | None, n: int) -> str:
    text = text or ""
    return text if len(text) <= n else text[:n] + f"...[{len(text) - n} more]"


def _initiator_url(initiator: dict) -> str | None:
    if initiator.get("url"):
        return initiator["url"]
    stack = initiator.get("stack")
    while stack:
        for frame in stack.get("callFrames", []):
            if frame.get("url"):
                return frame["url"]
        stack = stack.get("parent")
    return None


class Recorder:
    """Records one visit. `attach()` before navigating; `observation()` once the visit is over."""

    def __init__(
        self,
        context: BrowserContext,
        *,
        visit_id: str,
        url: str,
        site: str,
        page_kind: str,
        profile: dict | None = None,
        limits: Limits | None = None,
        stealth: bool = True,
    ):
        self.context = context
        self.limits = limits or Limits()
        self.stealth = stealth
        self.t0 = time.monotonic()
        self.obs = Observation(
            visit_id=visit_id,
            url=url,
            site=site,
            page_kind=page_kind,
            started_at=datetime.now(UTC).isoformat(timespec="seconds"),
            profile=dict(profile or {}),
        )
        self.step = 0
        self.last_activity = self.t0
        self.screenshots: dict[str, bytes] = {}  # name -> JPEG bytes (written by the store)
        self.document_html: str | None = None  # the visited page's own HTML, as served (bounded)
        self._pages: dict[Page, int] = {}
        self._page_objects: dict[int, Page] = {}
        self._created: dict[int, tuple[float, str]] = {}
        self._ready: dict[Page, asyncio.Future] = {}
        self._late: list = []  # (request record, frame) whose page was not registered yet  # page -> (when, its URL then)
        self._frames: dict[Any, int] = {}
        self._requests: dict[Any, RequestRecord] = {}
        self._orphans: list[RequestRecord] = []  # navigations whose page did not exist yet (popups' first)
        self._initiators: dict[str, deque] = defaultdict(deque)
        self._nav_reasons: dict[str, str] = {}
        self._gestures: dict[str, bool] = {}
        self._meta_refresh: set[str] = set()
        self._form_submits: set[str] = set()
        self._history = 0
        self._followed: dict[int, str] = {}
        self._over_limit: set[int] = set()
        self._tasks: set[asyncio.Task] = set()
        self._ws: dict[Any, WebSocketRecord] = {}
        self.unresponsive = False
        self.crashed = False
        self.opening = 0  # pages the visit itself is opening (followed ad links), not the site

    # --- time, steps, bookkeeping ----------------------------------------------------------------
    def now(self) -> float:
        return round(time.monotonic() - self.t0, 3)

    def begin_step(self, action: str, detail: str = "") -> int:
        self.step += 1
        self.obs.steps.append(Step(self.step, action, self.now(), detail))
        return self.step

    def _touch(self, *_: Any) -> None:
        self.last_activity = time.monotonic()

    def _spawn(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _notice(self, kind: str, text: str, page: int | None = None, caller: str | None = None) -> None:
        if len(self.obs.notices) < self.limits.max_notices:
            self.obs.notices.append(Notice(kind, _clip(text, 500), page, caller, self.now()))
        else:
            self._over("notices")

    def _over(self, what: str) -> None:
        self.obs.limits[what] = self.obs.limits.get(what, 0) + 1

    def url(self, url: str) -> str:
        return _clip(url, self.limits.max_url_chars)

    # --- attaching ---------------------------------------------------------------------------------
    async def attach(self) -> None:
        settings = json.dumps({"stealth": self.stealth, "maxWasmBytes": self.limits.max_wasm_bytes})
        await self.context.expose_binding("__mtRecord", self._on_binding)
        await self.context.add_init_script(f"const __MT = {settings};\n{INSTRUMENT_JS}")
        self.context.on("request", self._on_request)
        self.context.on("response", self._on_response)
        self.context.on("requestfinished", self._on_finished)
        self.context.on("requestfailed", self._on_failed)
        self.context.on("page", self._on_page)
        for page in self.context.pages:
            await self.add_page(page)

    async def add_page(self, page: Page) -> int:
        """Register a page (the visited one, a popup, a followed ad link) and listen to it."""
        if page in self._pages:
            await self._ready[page]
            return self._pages[page]
        self._ready[page] = asyncio.get_running_loop().create_future()
        try:
            return await self._register(page)
        finally:
            self._ready[page].set_result(None)

    async def _register(self, page: Page) -> int:
        pid = len(self._pages)
        self._pages[page] = pid
        self._page_objects[pid] = page
        self._created[pid] = (self.now(), page.url)
        popups = pid - len(self._followed) - self.opening  # pages the site opened, the visited page included
        if popups > self.limits.max_popups + 1:
            self._over_limit.add(pid)
            self._over("popups")
            self._spawn(self._close(page))
            return pid
        page.on("websocket", lambda ws: self._on_websocket(ws, pid))
        page.on("dialog", lambda d: self._spawn(self._on_dialog(d, pid)))
        page.on("download", lambda d: self._spawn(self._on_download(d, pid)))
        page.on("console", lambda m: self._on_console(m, pid))
        page.on("pageerror", lambda e: self._notice("page_error", str(e), pid))
        page.on("crash", lambda _: self._on_crash(pid))
        page.on("worker", lambda w: self._on_worker(w.url, "worker", pid, None))
        page.on("frameattached", self._frame_id)
        page.on("framenavigated", self._touch)
        self._frame_id(page.main_frame)
        try:
            await self._cdp(page, pid)
        except PlaywrightError:
            pass  # a page closed at once: what Playwright saw is kept
        return pid

    async def _cdp(self, page: Page, pid: int) -> None:
        session = await self.context.new_cdp_session(page)
        session.on("Network.requestWillBeSent", self._on_cdp_request)
        session.on(
            "Page.frameRequestedNavigation",
            lambda e: self._bounded(self._nav_reasons, e.get("url", ""), e.get("reason", "")),
        )
        session.on("Page.windowOpen", lambda e: self._bounded(self._gestures, e.get("url", ""), e.get("userGesture")))
        await session.send("Network.enable", {"maxTotalBufferSize": 0, "maxResourceBufferSize": 0})
        await session.send("Page.enable")

    def _bounded(self, box, key, value=None) -> None:
        """Side tables fed by the page stay as small as the observation they serve."""
        if len(box) < self.limits.max_requests:
            if isinstance(box, set):
                box.add(key)
            else:
                box.setdefault(key, value)

    def _on_cdp_request(self, event: dict) -> None:
        initiator = event.get("initiator") or {}
        if event.get("redirectResponse") or len(self._initiators) >= self.limits.max_requests:
            return  # the redirect's initiator is the request it redirects
        url = event.get("request", {}).get("url", "")
        self._initiators[url].append((_initiator_url(initiator), initiator.get("type")))

    def _on_page(self, page: Page) -> None:
        self._touch()
        self._spawn(self.add_page(page))

    def _frame_id(self, frame) -> int | None:
        fid = self._frames.get(frame)
        if fid is None:
            if len(self._frames) >= MAX_FRAMES:
                self._over("frames")
                return None
            fid = self._frames[frame] = len(self._frames)
            parent = frame.parent_frame
            self.obs.frames.append(
                FrameRecord(
                    fid,
                    self._pages.get(frame.page, -1),
                    self._frames.get(parent) if parent else None,
                    self.url(frame.url),
                    _clip(frame.name, 200),
                )
            )
        return fid

    # --- network -----------------------------------------------------------------------------------
    def _on_request(self, request) -> None:
        self._touch()
        if len(self._requests) >= self.limits.max_requests:
            self._over("requests")
            return
        page = frame = None
        orphan = False
        f = None
        try:
            f = request.frame
            frame = self._frame_id(f)
            page = self._pages.get(f.page)
        except PlaywrightError:
            orphan = request.is_navigation_request()
        previous = self._requests.get(request.redirected_from) if request.redirected_from else None
        if previous is not None and page is None:
            page, frame = previous.page, previous.frame
        record = RequestRecord(
            id=len(self._requests),
            url=self.url(request.url),
            method=request.method,
            resource_type=request.resource_type,
            page=page,
            frame=frame,
            navigation=request.is_navigation_request(),
            step=self.step,
            started=self.now(),
            redirected_from=previous.id if previous else None,
        )
        self._requests[request] = record
        self.obs.requests.append(record)
        if page is None and f is not None:
            self._late.append((record, f))  # a popup's frame whose page is still being registered
        if orphan and page is None:
            self._orphans.append(record)

    def _on_response(self, response) -> None:
        self._touch()
        record = self._requests.get(response.request)
        if record is None:
            return
        record.status = response.status
        headers = response.headers
        record.mime = _clip(headers.get("content-type", "").split(";")[0].strip(), 100) or None
        if (record.mime == "application/wasm" or record.url.split("?")[0].endswith(".wasm")) and len(
            self.obs.wasm
        ) < MAX_WASM_RECORDS:
            self._spawn(self._wasm_from_response(response, record, headers))
        elif record.page == 0 and record.navigation and record.frame == 0 and 200 <= response.status < 300:
            self._spawn(self._document(response, headers))

    def _on_finished(self, request) -> None:
        self._touch()
        record = self._requests.get(request)
        if record is not None:
            record.ended = self.now()

    def _on_failed(self, request) -> None:
        self._touch()
        record = self._requests.get(request)
        if record is not None:
            record.ended = self.now()
            record.failure = _clip(request.failure or "failed", 300)

    def _too_big(self, headers: dict, limit: int) -> bool:
        try:
            return int(headers.get("content-length", "0")) > limit
        except ValueError:
            return False

    async def _body(self, response, headers: dict, limit: int) -> bytes | int | None:
        """A response body if it is within `limit` bytes; its size if over; None if it cannot be read."""
        if self._too_big(headers, limit):
            return int(headers["content-length"])
        try:
            body = await response.body()
        except PlaywrightError:
            return None
        return body if len(body) <= limit else len(body)

    async def _wasm_from_response(self, response, record: RequestRecord, headers: dict) -> None:
        body = await self._body(response, headers, self.limits.max_wasm_bytes)
        if isinstance(body, int):
            self.obs.wasm.append(WasmModule(None, body, "network", record.url))
        elif body is not None:
            self._add_wasm(body, "network", url=record.url)

    async def _document(self, response, headers: dict) -> None:
        """Keep the visited page's HTML as served (to tell script-injected links from the page's own)."""
        body = await self._body(response, headers, self.limits.max_document_bytes)
        if isinstance(body, int):
            self.obs.hostile.append("oversized_page")
        elif body is not None:
            self.document_html = body.decode("utf-8", "replace")

    def _add_wasm(self, body: bytes, source: str, **where: Any) -> None:
        if len(self.obs.wasm) >= MAX_WASM_RECORDS:
            self._over("wasm")
            return
        digest = wasm.sha256(body)
        if any(m.sha256 == digest and m.source == source and m.url == where.get("url") for m in self.obs.wasm):
            return
        exports, imports = wasm.interface(body)
        self.obs.wasm.append(WasmModule(digest, len(body), source, exports=exports, imports=imports, **where))

    # --- in-page reports ---------------------------------------------------------------------------
    def _on_binding(self, source: dict, kind: str, data: Any) -> None:
        self._touch()
        if not isinstance(data, dict):
            return
        page = self._pages.get(source.get("page"))
        frame = source.get("frame")
        frame_url = self.url(frame.url) if frame is not None else ""
        caller = _clip(data["caller"], self.limits.max_url_chars) if isinstance(data.get("caller"), str) else None
        if kind == "window_open":
            if len(self.obs.window_opens) < self.limits.max_popups * 4:
                stack = data.get("stack") if isinstance(data.get("stack"), list) else []
                self.obs.window_opens.append(
                    WindowOpenCall(
                        page,
                        frame_url,
                        self.url(str(data.get("url", ""))),
                        _clip(str(data.get("target", "")), 100),
                        caller,
                        self.step,
                        self.now(),
                        stack=[self.url(str(u)) for u in stack[:8]],
                    )
                )
            else:
                self._over("window_opens")
        elif kind == "wasm":
            if isinstance(data.get("b64"), str) and len(data["b64"]) <= self.limits.max_wasm_bytes * 4 // 3 + 4:
                try:
                    body = base64.b64decode(data["b64"])
                except ValueError:
                    return
                self._add_wasm(body, str(data.get("op", "compile")), frame_url=frame_url, caller=caller)
            elif len(self.obs.wasm) >= MAX_WASM_RECORDS:
                self._over("wasm")
            elif data.get("op") == "instantiate_module":
                self.obs.wasm.append(
                    WasmModule(
                        None,
                        0,
                        "module",
                        frame_url=frame_url,
                        caller=caller,
                        exports=[_clip(str(e), 200) for e in list(data.get("exports") or [])[:1000]],
                        imports=[_clip(str(i), 200) for i in list(data.get("imports") or [])[:1000]],
                    )
                )
            else:
                self.obs.wasm.append(
                    WasmModule(
                        None, int(data.get("size") or 0), str(data.get("op")), frame_url=frame_url, caller=caller
                    )
                )
        elif kind == "worker":
            self._on_worker(str(data.get("url", "")), str(data.get("kind", "worker")), page, caller)
        elif kind == "notification_prompt":
            self._notice("notification_prompt", frame_url, page, caller)
        elif kind == "focus":
            self._notice("focus", frame_url, page, caller)
        elif kind == "beforeunload":
            self._notice("beforeunload", frame_url, page, caller)
        elif kind == "history":
            self._history = max(self._history, int(data.get("count") or 0))
        elif kind == "meta_refresh":
            self._bounded(self._meta_refresh, str(data.get("url", ""))[: self.limits.max_url_chars])
        elif kind == "form_submit":
            self._bounded(self._form_submits, str(data.get("url", ""))[: self.limits.max_url_chars])

    def _on_worker(self, url: str, kind: str, page: int | None, caller: str | None) -> None:
        url = self.url(url)
        for known in self.obs.workers:
            if known.url == url or (url.startswith("blob:") and known.url.startswith("blob:") and known.url == url):
                known.caller = known.caller or caller
                return
        if len(self.obs.workers) < 100:
            self.obs.workers.append(WorkerRecord(url, kind, page, caller, self.now()))

    def _on_websocket(self, ws, pid: int) -> None:
        self._touch()
        record = WebSocketRecord(self.url(ws.url), pid, self.now())
        if len(self.obs.websockets) >= 50:
            self._over("websockets")
            return
        self.obs.websockets.append(record)
        limit, size = self.limits.max_ws_messages, self.limits.max_message_bytes

        def keep(box: list, payload) -> None:
            self._touch()
            if len(box) >= limit:
                return
            if isinstance(payload, (bytes, bytearray)):
                payload = "base64:" + base64.b64encode(bytes(payload[:size])).decode()
            box.append(_clip(payload, size))

        def sent(payload) -> None:
            record.sent_count += 1
            keep(record.sent, payload)

        def received(payload) -> None:
            record.received_count += 1
            keep(record.received, payload)

        ws.on("framesent", sent)
        ws.on("framereceived", received)
        ws.on("close", lambda _: setattr(record, "closed", True))

    async def _on_dialog(self, dialog, pid: int) -> None:
        self._touch()
        if len(self.obs.dialogs) < self.limits.max_dialogs:
            self.obs.dialogs.append(Dialog(dialog.type, _clip(dialog.message, 300), self.step, pid))
        else:
            self._over("dialogs")
        try:
            await dialog.dismiss()
        except PlaywrightError:
            pass

    async def _on_download(self, download, pid: int) -> None:
        """Downloads are recorded and cancelled: never saved, never opened."""
        if len(self.obs.downloads) >= MAX_DOWNLOADS:
            self._over("downloads")
            try:
                await download.cancel()
            except PlaywrightError:
                pass
            return
        self.obs.downloads.append(
            DownloadRecord(self.url(download.url), _clip(download.suggested_filename, 200), self.step, pid)
        )
        try:
            await download.cancel()
        except PlaywrightError:
            pass

    def _on_console(self, message, pid: int) -> None:
        if message.type == "error":
            self._notice("console_error", message.text, pid)

    def _on_crash(self, pid: int) -> None:
        self._notice("crash", "the page's renderer crashed", pid)
        if pid == 0:
            self.crashed = True

    @staticmethod
    async def _close(page: Page) -> None:
        try:
            await asyncio.wait_for(page.close(), 5)
        except (TimeoutError, PlaywrightError):
            pass

    # --- followed ad links and screenshots ---------------------------------------------------------
    def followed(self, page: Page, url: str) -> None:
        pid = self._pages.get(page)
        if pid is not None:
            self._followed[pid] = url

    def keep_screenshot(self, name: str, data: bytes) -> str:
        self.screenshots[name] = data
        return name

    # --- the end -----------------------------------------------------------------------------------
    async def drain(self, timeout: float = 5.0) -> None:
        """Let pending captures (response bodies, page registrations) finish, boundedly; cancel the rest."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)
        self.cancel()

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def _assign_orphans(self) -> None:
        """A popup's first navigation (and its redirects) is sent before its page exists: give each such
        thread to the page it became (the page created with the thread's last URL, else the next one)."""
        for record, frame in self._late:
            record.page = self._pages.get(frame.page)
        for frame, fid in self._frames.items():
            if self.obs.frames[fid].page == -1:
                self.obs.frames[fid].page = self._pages.get(frame.page, -1)
        by_id = {r.id: r for r in self.obs.requests}
        followed_by = {r.redirected_from for r in self.obs.requests if r.redirected_from is not None}
        taken: set[int] = set()
        for end in [o for o in self._orphans if o.page is None and o.id not in followed_by]:
            thread = [end]
            while thread[-1].redirected_from is not None and thread[-1].redirected_from in by_id:
                thread.append(by_id[thread[-1].redirected_from])
            start = thread[-1].started
            pages = sorted((at, pid) for pid, (at, _) in self._created.items() if pid and pid not in taken)
            pid = next((p for at, p in pages if self._created[p][1] == end.url and at >= start - 0.5), None)
            if pid is None:
                pid = next((p for at, p in pages if at >= start - 0.5), None)
            if pid is None:
                continue
            taken.add(pid)
            frame = self._frames.get(self._page_objects[pid].main_frame)
            for r in thread:
                r.page, r.frame = pid, frame

    def moving(self) -> bool:
        """Is a window's chain still on its way: its page announced a navigation (a form submitted, a meta
        refresh) or navigated less than CHAIN_QUIET seconds ago?"""
        now = self.now()
        last: dict[int, float] = {}
        for r in self.obs.requests:
            if r.navigation and r.page is not None:
                last[r.page] = max(last.get(r.page, 0.0), r.started)
        for pid, page in self._page_objects.items():
            if page.is_closed() or pid in self._over_limit or (pid == 0 and site_of(page.url) == self.obs.final_site):
                continue
            if (
                page.url in self._form_submits
                or page.url in self._meta_refresh
                or now - last.get(pid, -99) < CHAIN_QUIET
            ):
                return True
        return False

    def _chain(self, pid: int, after: float = -1.0) -> list[Hop]:
        page = self._page_objects[pid]
        main = self._frames.get(page.main_frame)
        navs = [
            r
            for r in self.obs.requests
            if r.page == pid and r.navigation and (r.frame == main or r.frame is None) and r.started > after
        ]
        hops: list[Hop] = []
        for i, r in enumerate(navs):
            if i == 0:
                via = "open"
            elif r.redirected_from is not None:
                via = "http"
            else:
                previous = navs[i - 1].url
                reason = NAV_REASONS.get(self._nav_reasons.get(r.url, ""))
                if r.method == "POST" or previous in self._form_submits:
                    via = "form"
                elif previous in self._meta_refresh:
                    via = "meta"
                else:
                    via = reason or "js"
            hops.append(Hop(r.url, via, r.method, r.status, r.started))
        return hops

    async def _window_details(self, pid: int, window: WindowRecord, shots: dict[str, asyncio.Future]) -> None:
        """Title and screenshot of a window's landing page (one screenshot per landing URL and visit)."""
        page = self._page_objects[pid]
        if page.is_closed():
            window.closed = True
            return
        window.landing_url = self.url(page.url)
        try:
            window.landing_title = _clip(await asyncio.wait_for(page.title(), self.limits.action_timeout), 300)
        except (TimeoutError, PlaywrightError):
            pass
        if window.landing_url in shots:
            window.screenshot = await shots[window.landing_url]
            return
        shots[window.landing_url] = done = asyncio.get_running_loop().create_future()
        try:
            shot = await asyncio.wait_for(
                page.screenshot(type="jpeg", quality=50, timeout=self.limits.action_timeout * 1000),
                self.limits.action_timeout + 1,
            )
            window.screenshot = self.keep_screenshot(f"{self.obs.visit_id}-w{pid}.jpg", shot)
        except (TimeoutError, PlaywrightError):
            pass
        finally:
            done.set_result(window.screenshot)

    async def windows(self, visited_final_url: str, load_step_end: float) -> None:
        """Windows: every page opened during the visit, and the visited page if a script sent it elsewhere."""
        self._assign_orphans()
        jobs, shots = [], {}
        for pid, page in self._page_objects.items():
            if pid == 0:
                hops = self._chain(0, after=load_step_end)
                if (
                    not hops
                    or site_of(hops[0].url) == site_of(visited_final_url)
                    and all(site_of(h.url) == site_of(visited_final_url) for h in hops)
                ):
                    continue
                kind, opener, step = (
                    "tabunder",
                    None,
                    next(
                        (
                            r.step
                            for r in self.obs.requests
                            if r.page == 0 and r.navigation and r.started > load_step_end
                        ),
                        self.step,
                    ),
                )
            else:
                hops = self._chain(pid)
                kind = "ad_link" if pid in self._followed else "popup"
                opener_page = None
                try:
                    opener_page = await asyncio.wait_for(page.opener(), 2) if not page.is_closed() else None
                except (TimeoutError, PlaywrightError):
                    pass
                opener = self._pages.get(opener_page) if opener_page else None
                first = next((r for r in self.obs.requests if r.page == pid), None)
                step = first.step if first else self.step
            window = WindowRecord(
                pid,
                kind,
                step,
                hops[0].at if hops else self.now(),
                opener,
                hops,
                over_limit=pid in self._over_limit,
                unsettled=not page.is_closed() and page.url in self._form_submits,
            )
            if hops:
                window.landing_url = hops[-1].url
            self.obs.windows.append(window)
            if pid not in self._over_limit:
                jobs.append(self._window_details(pid, window, shots))
        await asyncio.gather(*jobs)
        for w in self.obs.windows:
            if w.chain and w.kind != "ad_link":
                w.chain[0].via = "open" if w.kind == "popup" else w.chain[0].via
            if w.chain:
                for hop in w.chain:
                    hop.url = self.url(hop.url)

    def observation(self) -> Observation:
        obs = self.obs
        obs.duration = self.now()
        if self._history >= self.limits.history_spam:
            obs.hostile.append("history_spam")
        if len(obs.dialogs) + obs.limits.get("dialogs", 0) >= self.limits.dialog_storm:
            obs.hostile.append("dialog_storm")
        if obs.limits.get("popups"):
            obs.hostile.append("popup_storm")
        if any(d.step <= 1 for d in obs.downloads):
            obs.hostile.append("forced_download")
        if any(n.kind == "beforeunload" and n.page == 0 for n in obs.notices):
            obs.hostile.append("beforeunload_trap")
        if self.unresponsive:
            obs.hostile.append("unresponsive")
        obs.hostile = sorted(set(obs.hostile))
        for record in obs.requests:
            queue = self._initiators.get(record.url)
            if queue and record.redirected_from is None:
                record.initiator, record.initiator_type = queue.popleft()
        firsts = {}
        for record in obs.requests:
            if record.navigation and record.page and record.redirected_from is None:
                firsts.setdefault(record.page, record)
        for window in obs.windows:
            first = window.chain[0].url if window.chain else ""
            for call in obs.window_opens:
                if not call.url or not first.startswith(call.url.split("#")[0]):
                    continue
                if call.user_gesture is None:
                    call.user_gesture = self._gestures.get(first)
                request = firsts.get(window.page)
                if request is not None and not request.initiator and call.caller:
                    request.initiator, request.initiator_type = call.caller, "window.open"
        workers = {w.url: w.caller for w in obs.workers if w.caller}
        for record in obs.requests:
            if record.url in workers and (not record.initiator or record.initiator_type == "other"):
                record.initiator, record.initiator_type = workers[record.url], "worker"
        return obs
