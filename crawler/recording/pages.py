"""Page events: each page of the visit registered and listened to (dialogs dismissed, downloads cancelled,
console errors, crashes, workers, frames), its CDP session opened, and the reports of the in-page script
`instrument.js` (window.open calls, WebAssembly, workers, notification prompts, focus calls, beforeunload
listeners, history spam, meta refreshes, form posts)."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from moneytrail.crawler.observation import Dialog, DownloadRecord, WindowOpenCall, WorkerRecord

from .log import VisitLog, clip
from .network import NetworkCapture
from .windows import WindowChains
from .workers import WorkerTargets

# the tag that starts each report of instrument.js (a console.debug message): unguessable
REPORT_TAG = "mt" + secrets.token_hex(8)

# what a dialog storm's frames are told (in their own world, where the page's calls land): ask nothing more
SILENCE_JS = "() => { for (const n of ['alert', 'confirm', 'prompt']) window[n] = function () { return null; }; }"
TOOLBARS = 87  # pixels a desktop Chrome window's tab strip and toolbar add above the page (Linux, 100% zoom)


class PageEvents:
    def __init__(
        self,
        log: VisitLog,
        context: BrowserContext,
        network: NetworkCapture,
        windows: WindowChains,
        identity: dict | None = None,
    ):
        self.log, self.context, self.network, self.windows = log, context, network, windows
        self.identity = identity  # CDP user-agent override of every page and frame, or None
        self.ready: dict[Page, asyncio.Future] = {}
        self.opening = 0  # pages the visit itself is opening (followed ad links), not the site
        self.history_calls = 0  # the most history.pushState calls a page reported
        self.frame_storm = False  # a page's script went on adding frames past the cap (limits.frame_storm)
        self.write_flood = False  # a page's scripts wrote more than limits.write_flood characters into it
        self.request_flood = False  # a window's scripts opened more than max_websockets or request_flood
        self.popup_flood = False  # a window's scripts opened more than limits.popup_flood windows with no click
        self.crashed = False  # the visited page's renderer crashed
        self.top_frame: str | None = None  # the visited tab's top frame (CDP id)
        self.document_bytes: dict[str, int] = {}  # its document requests -> bytes received so far
        self.silenced: dict[int, set] = {}  # page -> its frames told to stop asking (a dialog storm)
        self.workers = WorkerTargets(log, network, self.on_worker, identity)
        network.worker_of = self.service_worker_of

    # --- pages --------------------------------------------------------------------------------------------------
    async def add_page(self, page: Page) -> int:
        """Register a page (the visited one, a popup, a followed ad link) and listen to it; its number."""
        if page in self.log.pages:
            await self.ready[page]
            return self.log.pages[page]
        self.ready[page] = asyncio.get_running_loop().create_future()
        try:
            return await self._register(page)
        finally:
            self.ready[page].set_result(None)

    async def _register(self, page: Page) -> int:
        log = self.log
        pid = len(log.pages)
        log.pages[page] = pid
        log.page_objects[pid] = page
        log.created[pid] = (log.now(), page.url)
        popups = pid - len(self.windows.followed) - self.opening  # pages the site opened, the visited one included
        if popups > log.limits.max_popups + 1:
            self.windows.over_limit.add(pid)
            log.over("popups")
            log.spawn(self._close(page))
            return pid
        page.on("websocket", lambda ws: self.network.on_websocket(ws, pid))
        page.on("dialog", lambda d: log.spawn(self._on_dialog(d, pid)))
        page.on("download", lambda d: log.spawn(self._on_download(d, pid)))
        page.on("console", lambda m: self._on_console(m, pid))
        page.on("pageerror", lambda e: log.note("page_error", str(e), pid))
        page.on("crash", lambda _: self._on_crash(pid))
        page.on("worker", lambda w: self.on_worker(w.url, "worker", pid, None))
        page.on("frameattached", log.frame_id)
        page.on("framenavigated", self._on_navigated)
        log.frame_id(page.main_frame)
        try:
            await self._cdp(page)
        except PlaywrightError:
            pass  # a page closed at once: what Playwright saw is kept
        return pid

    async def _cdp(self, page: Page) -> None:
        pid = self.log.pages[page]
        session = await self.context.new_cdp_session(page)
        session.on("Network.requestWillBeSent", self.network.on_cdp_request)
        session.on("Network.requestWillBeSent", lambda e: self.windows.on_document_request(pid, e))
        session.on("Network.webSocketCreated", self.network.on_page_socket)
        session.on("Page.frameRequestedNavigation", self.windows.on_navigation_requested)
        session.on("Page.windowOpen", self.windows.on_window_open)
        session.on("Page.lifecycleEvent", lambda e: self.windows.on_lifecycle(pid, e))
        if pid == 0:  # who created what: the scripts that lay boxes over the visited page (overlays.py)
            session.on("Network.requestWillBeSent", self._document_request)
            session.on("Network.dataReceived", lambda e: self._document_data(session, e))
            await session.send("DOM.enable")
            await session.send("DOM.setNodeStackTracesEnabled", {"enable": True})
            self.log.sessions[pid] = session
        await session.send("Network.enable", {"maxTotalBufferSize": 0, "maxResourceBufferSize": 0})
        await session.send("Page.enable")
        await self._present(page, session)
        tree = await session.send("Page.getFrameTree")
        if pid == 0:
            self.top_frame = tree.get("frameTree", {}).get("frame", {}).get("id")
        self.windows.attached(pid, tree)
        await session.send("Page.setLifecycleEventsEnabled", {"enabled": True})  # replays the current document's
        await self.workers.attach(session, pid)
        await self.workers.watch_shared(self.context.browser, session)  # the context's shared workers

    def _document_request(self, event: dict) -> None:
        """A document of the visited tab's top frame (its navigation requests: requestId == loaderId)."""
        if event.get("type") == "Document" and event.get("requestId") == event.get("loaderId"):
            if not event.get("frameId") or event.get("frameId") == self.top_frame:
                self.document_bytes[event["requestId"]] = 0

    def _document_data(self, session, event: dict) -> None:
        """A visited document still arriving past `max_document_load_bytes` (a page that never ends): its
        loading is stopped, as a visitor presses Esc; the page is oversized."""
        rid, limits = event.get("requestId"), self.log.limits
        if rid not in self.document_bytes or self.network.stopped_document:
            return
        self.document_bytes[rid] += int(event.get("dataLength") or 0)
        if self.document_bytes[rid] > limits.max_document_load_bytes:
            self.network.oversized_document = self.network.stopped_document = True
            self.log.note(
                "oversized_page",
                f"the document was still arriving past {self.document_bytes[rid]} bytes: its loading was stopped",
                0,
            )
            self.log.spawn(session.send("Page.stopLoading"))

    async def _present(self, page: Page, session) -> None:
        """The page as a person's browser shows it: its platform and client hints those of the visitor's device
        (Playwright derives them from the user agent alone, a phone's included: "Linux x86_64", a desktop's
        form factor), and on a desktop a window larger than the page by its toolbars (a headless window is
        exactly the page: outer size equals inner size)."""
        if self.identity:
            await session.send("Emulation.setUserAgentOverride", self.identity)
        viewport = page.viewport_size
        if viewport and not (self.identity or {}).get("userAgentMetadata", {}).get("mobile"):
            window = await session.send("Browser.getWindowForTarget")
            bounds = {"width": viewport["width"], "height": viewport["height"] + TOOLBARS}
            await session.send("Browser.setWindowBounds", {"windowId": window["windowId"], "bounds": bounds})

    def _on_navigated(self, frame) -> None:
        """A frame navigated: its record takes the URL and name it has now (frames are recorded when they
        attach, before they have either)."""
        log = self.log
        log.touch()
        fid = log.frame_id(frame)
        if fid is not None:
            record = log.obs.frames[fid]
            record.url = log.url(frame.url)
            record.name = clip(frame.name, 200) or record.name
            if record.page == -1:
                record.page = log.pages.get(frame.page, -1)
            if record.parent is None and frame.parent_frame is not None:
                record.parent = log.frames.get(frame.parent_frame)

    def service_worker_of(self, request) -> int | None:
        """The service worker a request was made by (its worker record), or None."""
        try:
            worker = request.service_worker
        except (PlaywrightError, AttributeError):
            return None
        if worker is None:
            return None
        return self.on_worker(worker.url, "service_worker", None, None)

    async def _close(self, page: Page) -> None:
        try:
            await asyncio.wait_for(page.close(), self.log.limits.page_close_timeout)
        except (TimeoutError, PlaywrightError):
            pass

    # --- page events ----------------------------------------------------------------------------------------------
    async def _on_dialog(self, dialog, pid: int) -> None:
        log = self.log
        log.touch()
        if len(log.obs.dialogs) < log.limits.max_dialogs:
            log.obs.dialogs.append(Dialog(dialog.type, clip(dialog.message, 300), log.step, pid))
        else:
            log.over("dialogs")
        try:
            await dialog.dismiss()
        except PlaywrightError:
            pass
        if len(log.obs.dialogs) + log.obs.limits.get("dialogs", 0) >= log.limits.dialog_storm:
            await self._silence(dialog.page, pid)

    async def _silence(self, page, pid: int) -> None:
        """A dialog storm: the page's frames are made to stop asking (as a visitor ticks "prevent this page
        from creating additional dialogs"), so that the visit can go on and click; each frame once."""
        if page is None:
            return
        if pid not in self.silenced:
            self.log.note("dialogs_silenced", "a dialog storm: the page's further dialogs were silenced", pid)
        silenced = self.silenced.setdefault(pid, set())
        for frame in list(page.frames):
            if frame in silenced:
                continue
            silenced.add(frame)
            try:
                await asyncio.wait_for(frame.evaluate(SILENCE_JS), self.log.limits.action_timeout)
            except (TimeoutError, PlaywrightError):
                continue

    async def _on_download(self, download, pid: int) -> None:
        """Downloads are recorded and cancelled: never saved, never opened."""
        log = self.log
        if len(log.obs.downloads) < log.limits.max_downloads:
            log.obs.downloads.append(
                DownloadRecord(log.url(download.url), clip(download.suggested_filename, 200), log.step, pid)
            )
        else:
            log.over("downloads")
        try:
            await download.cancel()
        except PlaywrightError:
            pass

    def _on_console(self, message, pid: int) -> None:
        if message.type == "error":
            self.log.note("console_error", message.text, pid)

    def _on_crash(self, pid: int) -> None:
        self.log.note("crash", "the page's renderer crashed", pid)
        if pid == 0:
            self.crashed = True

    def on_worker(self, url: str, kind: str, page: int | None, caller: str | None) -> int | None:
        """The worker record of this URL (created when first seen, its creator filled in when known)."""
        log = self.log
        url = log.url(url)
        for n, known in enumerate(log.obs.workers):
            if known.url == url:
                known.caller = known.caller or caller
                return n
        if len(log.obs.workers) >= log.limits.max_workers:
            log.over("workers")
            return None
        log.obs.workers.append(WorkerRecord(url, kind, page, caller, log.now()))
        return len(log.obs.workers) - 1

    # --- in-page reports (instrument.js) -------------------------------------------------------------------------
    def on_console_report(self, message) -> None:
        """A report of instrument.js, `{kind, data, frame}` as JSON after the tag in a console.debug message of a
        frame of the context's pages (`frame`: the frame's `location`)."""
        if message.type != "debug":
            return
        text = message.text
        if not text.startswith(REPORT_TAG + " ") or len(text) > self.log.limits.max_wasm_bytes * 2 + 65536:
            return
        try:
            report = json.loads(text[len(REPORT_TAG) + 1 :])
        except ValueError:
            return
        if isinstance(report, dict) and isinstance(report.get("kind"), str):
            page = self.log.pages.get(message.page) if message.page is not None else None
            self.on_report(page, str(report.get("frame", "")), report["kind"], report.get("data"))

    def on_report(self, page: int | None, frame_url: str, kind: str, data: Any) -> None:
        log = self.log
        log.touch()
        if not isinstance(data, dict):
            return
        frame_url = log.url(frame_url)
        caller = clip(data["caller"], log.limits.max_url_chars) if isinstance(data.get("caller"), str) else None
        if kind == "window_open":
            if len(log.obs.window_opens) < log.limits.max_popups * 4:
                stack = data.get("stack") if isinstance(data.get("stack"), list) else []
                log.obs.window_opens.append(
                    WindowOpenCall(
                        page,
                        frame_url,
                        log.url(str(data.get("url", ""))),
                        clip(str(data.get("target", "")), 100),
                        caller,
                        log.step,
                        log.now(),
                        stack=[log.url(str(u)) for u in stack[:8]],
                    )
                )
            else:
                log.over("window_opens")
        elif kind == "wasm":
            self.network.wasm_report(data, frame_url, caller)
        elif kind == "worker":
            self.on_worker(str(data.get("url", "")), str(data.get("kind", "worker")), page, caller)
        elif kind in ("notification_prompt", "focus", "beforeunload"):
            log.note(kind, frame_url, page, caller)
        elif kind == "history":
            count = data.get("count")
            if isinstance(count, int | float) and count == count:  # a number, not NaN
                self.history_calls = max(self.history_calls, int(min(count, 1e9)))
        elif kind == "frame_storm":
            self.frame_storm = True
            log.note("frame_storm", f"frames past {log.limits.frame_storm} in one window refused", page, caller)
        elif kind == "write_flood":
            self.write_flood = True
            log.note(
                "write_flood", f"writes past {log.limits.write_flood} characters in one window refused", page, caller
            )
        elif kind == "request_flood":
            self.request_flood = True
            log.note(
                "request_flood", f"{clip(str(data.get('kind')), 20)}s past the visit's limit refused", page, caller
            )
        elif kind == "popup_flood":
            self.popup_flood = True
            log.note("popup_flood", f"windows past {log.limits.popup_flood} opened by one window refused", page, caller)
        elif kind == "meta_refresh":
            log.bounded(self.windows.meta_refresh, str(data.get("url", ""))[: log.limits.max_url_chars])
        elif kind == "form_submit":
            log.bounded(self.windows.form_submits, str(data.get("url", ""))[: log.limits.max_url_chars])
        elif kind == "console_error":
            log.note("console_error", str(data.get("text", "")), page)
