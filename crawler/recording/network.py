"""Network capture: every request and response of every page, frame, worker and popup (Playwright's context
events), their initiators (CDP `Network.requestWillBeSent`), WebSocket messages, WebAssembly modules (from
responses and from in-page compile calls) and the visited page's own HTML, all bounded by `Limits`."""

from __future__ import annotations

import base64
from collections import defaultdict, deque
from typing import Any

from playwright.async_api import Error as PlaywrightError

from moneytrail.crawler import wasm
from moneytrail.crawler.domains import host_of, registrable_domain, site_of
from moneytrail.crawler.observation import RequestRecord, ScriptFile, WasmModule, WebSocketRecord

from .log import VisitLog, clip


def initiator_url(initiator: dict) -> str | None:
    """The script a CDP initiator names: its URL, else the first script URL of its stack."""
    if initiator.get("url"):
        return initiator["url"]
    stack = initiator.get("stack")
    while stack:
        for frame in stack.get("callFrames", []):
            if frame.get("url"):
                return frame["url"]
        stack = stack.get("parent")
    return None


WORKER_REQUESTS = ("fetch", "xhr", "script", "other", "eventsource")  # what a worker can ask for


class NetworkCapture:
    def __init__(self, log: VisitLog):
        self.log = log
        self.requests: dict[Any, RequestRecord] = {}
        self.orphans: list[RequestRecord] = []  # navigations whose page did not exist yet (popups' first)
        self.late: list = []  # (request record, frame) whose page was not registered yet
        self.initiators: dict[str, deque] = defaultdict(deque)
        self.document_html: str | None = None  # the visited page's own HTML, as served (bounded)
        self.oversized_document = False  # the visited page's HTML was over the limit
        self.script_texts: dict[str, str] = {}  # sha256 -> text of the script files kept
        self.worker_requests: dict[str, deque] = defaultdict(deque)  # URL -> (worker, initiator) of workers' requests
        self.worker_sockets: dict[str, int] = {}  # WebSocket URL -> the worker that opened it
        self.worker_of = None  # callable: a request -> the worker it belongs to (a service worker's), or None
        self.page_seen: set[str] = set()  # URLs the pages' own CDP sessions saw requested (workers' are not)
        self.referers: dict[int, str] = {}  # request id -> its Referer, for the visited page's subresources
        self.page_sockets: set[str] = set()  # WebSocket URLs the pages' own CDP sessions saw opened

    # --- requests ----------------------------------------------------------------------------------------------
    def on_request(self, request) -> None:
        log = self.log
        log.touch()
        if len(self.requests) >= log.limits.max_requests:
            log.over("requests")
            return
        page = frame = None
        orphan = False
        f = None
        try:
            f = request.frame
            frame = log.frame_id(f)
            page = log.pages.get(f.page)
        except PlaywrightError:
            orphan = request.is_navigation_request()
        previous = self.requests.get(request.redirected_from) if request.redirected_from else None
        if previous is not None and page is None:
            page, frame = previous.page, previous.frame
        worker = self.worker_of(request) if self.worker_of else None
        if worker is not None:
            page = frame = None
        record = RequestRecord(
            worker=worker,
            id=len(self.requests),
            url=log.url(request.url),
            method=request.method,
            resource_type=request.resource_type,
            page=page,
            frame=frame,
            navigation=request.is_navigation_request(),
            step=log.step,
            started=log.now(),
            redirected_from=previous.id if previous else None,
        )
        self.requests[request] = record
        log.obs.requests.append(record)
        if page == 0 and not record.navigation:
            try:
                self.referers[record.id] = request.headers.get("referer", "")
            except PlaywrightError:
                pass
        if page is None and f is not None:
            self.late.append((record, f))  # a popup's frame whose page is still being registered
        if orphan and page is None:
            self.orphans.append(record)

    def on_response(self, response) -> None:
        log = self.log
        log.touch()
        record = self.requests.get(response.request)
        if record is None:
            return
        record.status = response.status
        headers = response.headers
        record.mime = clip(headers.get("content-type", "").split(";")[0].strip(), 100) or None
        wasm_like = record.mime == "application/wasm" or record.url.split("?")[0].endswith(".wasm")
        if wasm_like and len(log.obs.wasm) < log.limits.max_wasm_records:
            log.spawn(self._wasm_from_response(response, record, headers))
        elif record.page == 0 and record.navigation and record.frame == 0 and 200 <= response.status < 300:
            log.spawn(self._document(response, headers))
        elif record.resource_type == "script" and 200 <= response.status < 300 and self._keeps_text(record):
            log.spawn(self._script(response, record, headers))

    def on_finished(self, request) -> None:
        self.log.touch()
        record = self.requests.get(request)
        if record is not None:
            record.ended = self.log.now()

    def on_failed(self, request) -> None:
        self.log.touch()
        record = self.requests.get(request)
        if record is not None:
            record.ended = self.log.now()
            record.failure = clip(request.failure or "failed", 300)

    def on_cdp_request(self, event: dict) -> None:
        initiator = event.get("initiator") or {}
        if event.get("redirectResponse") or len(self.initiators) >= self.log.limits.max_requests:
            return  # the redirect's initiator is the request it redirects
        url = event.get("request", {}).get("url", "")
        self.initiators[url].append((initiator_url(initiator), initiator.get("type")))
        self.page_seen.add(url)

    def on_page_socket(self, event: dict) -> None:
        self.log.bounded(self.page_sockets, event.get("url", ""))

    def assign_initiators(self) -> None:
        """Each request's initiator, as CDP named it (matched by URL, in order)."""
        for record in self.log.obs.requests:
            queue = self.initiators.get(record.url)
            if queue and record.redirected_from is None:
                record.initiator, record.initiator_type = queue.popleft()

    # --- bodies --------------------------------------------------------------------------------------------------
    @staticmethod
    def _too_big(headers: dict, limit: int) -> bool:
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
        body = await self._body(response, headers, self.log.limits.max_wasm_bytes)
        if isinstance(body, int):
            self.log.obs.wasm.append(WasmModule(None, body, "network", record.url))
        elif body is not None:
            self.add_wasm(body, "network", url=record.url)

    async def _document(self, response, headers: dict) -> None:
        """Keep the visited page's HTML as served (to tell script-injected links from the page's own)."""
        body = await self._body(response, headers, self.log.limits.max_document_bytes)
        if isinstance(body, int):
            self.oversized_document = True
        elif body is not None:
            self.document_html = body.decode("utf-8", "replace")

    # --- script files ----------------------------------------------------------------------------------------------
    def _visited_site(self) -> str:
        page = self.log.page_objects.get(0)
        try:
            url = page.url if page is not None else ""
        except Exception:
            url = ""
        return site_of(url) if url.startswith("http") else self.log.obs.site

    def _keeps_text(self, record: RequestRecord) -> bool:
        """The site's own script files (where sites keep tag settings and ids) and workers' scripts (where
        miners keep their wasm), within the visit's budget."""
        limits, obs = self.log.limits, self.log.obs
        if len(obs.scripts) >= limits.max_script_files or any(s.url == record.url for s in obs.scripts):
            return False
        first_party = registrable_domain(host_of(record.url)) == self._visited_site()
        return first_party or any(w.url == record.url for w in obs.workers)

    async def _script(self, response, record: RequestRecord, headers: dict) -> None:
        limits, obs = self.log.limits, self.log.obs
        body = await self._body(response, headers, limits.max_script_bytes)
        if not isinstance(body, bytes) or sum(s.size for s in obs.scripts) + len(body) > limits.max_script_total:
            return
        if len(obs.scripts) >= limits.max_script_files:
            return
        text = body.decode("utf-8", "replace")
        digest = wasm.sha256(body)
        first_party = registrable_domain(host_of(record.url)) == self._visited_site()
        is_worker = any(w.url == record.url for w in obs.workers)
        obs.scripts.append(ScriptFile(record.url, digest, len(body), first_party, is_worker))
        self.script_texts[digest] = text

    # --- workers ---------------------------------------------------------------------------------------------------
    def on_worker_event(self, worker: int, method: str, params: dict) -> None:
        """A Network event of a worker's own target (CDP): which requests and sockets are the worker's."""
        if method == "Network.requestWillBeSent" and not params.get("redirectResponse"):
            url = params.get("request", {}).get("url", "")
            if len(self.worker_requests) < self.log.limits.max_requests:
                initiator = initiator_url(params.get("initiator") or {})
                self.worker_requests[url].append((worker, initiator))
        elif method == "Network.webSocketCreated":
            self.log.bounded(self.worker_sockets, params.get("url", ""), worker)

    def assign_workers(self) -> None:
        """Requests and sockets a worker made, tied to it (Playwright reports them as its page's)."""
        obs = self.log.obs
        for record in obs.requests:
            queue = self.worker_requests.get(record.url)
            if queue and record.worker is None and record.redirected_from is None:
                record.worker, initiator = queue.popleft()
                record.page = record.frame = None
                record.initiator = record.initiator or initiator
                record.initiator_type = record.initiator_type or "worker"
        self._assign_unseen()
        dedicated = [n for n, w in enumerate(obs.workers) if w.kind != "service_worker"]
        for socket in obs.websockets:
            if socket.url in self.worker_sockets:
                socket.worker = self.worker_sockets[socket.url]
            elif socket.page == 0 and socket.url not in self.page_sockets and len(dedicated) == 1:
                socket.worker = dedicated[0]  # no page opened it: the one worker did
        fetched = {r.url: r.worker for r in obs.requests if r.worker is not None}
        for module in obs.wasm:
            if module.worker is None and module.url in fetched:
                module.worker = fetched[module.url]

    def _assign_unseen(self) -> None:
        """A worker's request its own target's events came too late for (a worker runs its first lines before
        its events are on): a subresource of the visited page that the page's own CDP session never saw is a
        worker's (Playwright files it under the page's main frame); which worker, its Referer says, or the
        only one there is."""
        obs = self.log.obs
        dedicated = [n for n, w in enumerate(obs.workers) if w.kind != "service_worker"]
        main = next((f.id for f in obs.frames if f.page == 0 and f.parent is None), 0)
        if not dedicated:
            return
        for record in obs.requests:
            if (
                record.worker is not None
                or record.page != 0
                or record.frame != main
                or record.navigation
                or record.url in self.page_seen
                or record.resource_type not in WORKER_REQUESTS
            ):
                continue
            referer = self.referers.get(record.id, "")
            worker = next((n for n in dedicated if referer and obs.workers[n].url.startswith(referer)), None)
            if worker is None and len(dedicated) == 1:
                worker = dedicated[0]
            if worker is not None:
                record.worker, record.page, record.frame = worker, None, None
                record.initiator = record.initiator or obs.workers[worker].url
                record.initiator_type = "worker"

    # --- WebAssembly -----------------------------------------------------------------------------------------------
    def add_wasm(self, body: bytes, source: str, **where: Any) -> None:
        obs = self.log.obs
        if len(obs.wasm) >= self.log.limits.max_wasm_records:
            self.log.over("wasm")
            return
        digest = wasm.sha256(body)
        if any(m.sha256 == digest and m.source == source and m.url == where.get("url") for m in obs.wasm):
            return
        exports, imports = wasm.interface(body)
        obs.wasm.append(WasmModule(digest, len(body), source, exports=exports, imports=imports, **where))

    def wasm_report(self, data: dict, frame_url: str, caller: str | None, worker: int | None = None) -> None:
        """A WebAssembly compile or instantiation the page reported (its bytes when small enough)."""
        log, obs = self.log, self.log.obs
        if isinstance(data.get("b64"), str) and len(data["b64"]) <= log.limits.max_wasm_bytes * 4 // 3 + 4:
            try:
                body = base64.b64decode(data["b64"])
            except ValueError:
                return
            self.add_wasm(body, str(data.get("op", "compile")), frame_url=frame_url, caller=caller, worker=worker)
        elif len(obs.wasm) >= log.limits.max_wasm_records:
            log.over("wasm")
        elif data.get("op") == "instantiate_module":
            obs.wasm.append(
                WasmModule(
                    None,
                    0,
                    "module",
                    frame_url=frame_url,
                    caller=caller,
                    exports=[clip(str(e), 200) for e in list(data.get("exports") or [])[:1000]],
                    imports=[clip(str(i), 200) for i in list(data.get("imports") or [])[:1000]],
                    worker=worker,
                )
            )
        else:
            size = data.get("size") if isinstance(data.get("size"), int) else 0
            op = str(data.get("op"))
            obs.wasm.append(WasmModule(None, size, op, frame_url=frame_url, caller=caller, worker=worker))

    # --- WebSockets --------------------------------------------------------------------------------------------------
    def on_websocket(self, ws, pid: int) -> None:
        log = self.log
        log.touch()
        if len(log.obs.websockets) >= log.limits.max_websockets:
            log.over("websockets")
            return
        record = WebSocketRecord(log.url(ws.url), pid, log.now())
        log.obs.websockets.append(record)
        limit, size = log.limits.max_ws_messages, log.limits.max_message_bytes

        def keep(box: list, payload) -> None:
            log.touch()
            if len(box) >= limit:
                return
            if isinstance(payload, bytes | bytearray):
                payload = "base64:" + base64.b64encode(bytes(payload[:size])).decode()
            box.append(clip(payload, size))

        def sent(payload) -> None:
            record.sent_count += 1
            keep(record.sent, payload)

        def received(payload) -> None:
            record.received_count += 1
            keep(record.received, payload)

        ws.on("framesent", sent)
        ws.on("framereceived", received)
        ws.on("close", lambda _: setattr(record, "closed", True))
