"""Network capture: every request and response of every page, frame, worker and popup (Playwright's context
events; a shared worker's, which Playwright does not follow, from its own CDP target's events), their initiators
(CDP `Network.requestWillBeSent` of the pages and of their frames of other sites), WebSocket messages,
WebAssembly modules (from responses and from in-page compile calls) and the visited page's own HTML, all
bounded by `Limits`."""

from __future__ import annotations

import base64
from collections import Counter, defaultdict, deque
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
        self.stopped_document = False  # its loading was stopped (still arriving past max_document_load_bytes)
        self.script_texts: dict[str, str] = {}  # sha256 -> text of the script files kept
        self.worker_requests: dict[str, deque] = defaultdict(deque)  # URL -> (worker, initiator) of workers' requests
        self.worker_sockets: dict[str, int] = {}  # WebSocket URL -> the worker that opened it
        self.worker_of = None  # callable: a request -> the worker it belongs to (a service worker's), or None
        self.page_seen: Counter = Counter()  # URL -> how often the pages' own CDP sessions saw it requested
        self.referers: dict[int, str | None] = {}  # request id -> its Referer, for the pages' subresources
        self.page_sockets: Counter = Counter()  # WebSocket URL -> how often the pages' own sessions saw it opened
        self.unfollowed: dict[tuple[int, str], RequestRecord] = {}  # (worker, CDP id) -> its request's last hop
        self.unfollowed_sockets: dict[tuple[int, str], WebSocketRecord] = {}  # (worker, CDP id) -> its socket

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
        if record.navigation and frame is not None and not log.obs.frames[frame].url:
            log.obs.frames[frame].url = record.url  # a frame removed before its document came keeps what it loaded
        if page is not None and not record.navigation:
            try:
                self.referers[record.id] = request.headers.get("referer")
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

    def on_cdp_request(self, event: dict, page: bool = True) -> None:
        """A request a page's own CDP session saw (`page`), or a frame of another site's, with its initiator."""
        initiator = event.get("initiator") or {}
        if event.get("redirectResponse") or len(self.initiators) >= self.log.limits.max_requests:
            return  # the redirect's initiator is the request it redirects
        url = event.get("request", {}).get("url", "")
        self.initiators[url].append((initiator_url(initiator), initiator.get("type")))
        if page:
            self.page_seen[url] += 1

    def on_page_socket(self, event: dict) -> None:
        url = event.get("url", "")
        if url in self.page_sockets or len(self.page_sockets) < self.log.limits.max_requests:
            self.page_sockets[url] += 1

    def on_frame_target_event(self, method: str, params: dict) -> None:
        """A Network event of a frame of another site (its own CDP target): the initiators of its requests
        (Playwright files its requests and sockets under the right frame and page itself)."""
        if method == "Network.requestWillBeSent":
            self.on_cdp_request(params, page=False)
        elif method == "Network.webSocketCreated":
            self.on_page_socket(params)

    def assign_initiators(self) -> None:
        """Each request's initiator, as CDP named it (matched by URL, in order); a subresource's redirect hops
        keep the initiator of the request they continue (CDP names it again on each hop). A navigation's hops
        do not: a window's chain is its hops, and what opened the window is its first request's initiator."""
        requests = {r.id: r for r in self.log.obs.requests}
        for record in requests.values():
            queue = self.initiators.get(record.url)
            if record.redirected_from is None:
                if queue:
                    record.initiator, record.initiator_type = queue.popleft()
            elif not record.navigation and record.initiator is None and record.redirected_from in requests:
                previous = requests[record.redirected_from]
                record.initiator, record.initiator_type = previous.initiator, previous.initiator_type

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
        if len(obs.scripts) >= limits.max_script_files or any(s.url == record.url for s in obs.scripts):
            return  # (a second response of the same URL, read while the first one was)
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
            self.worker_socket(params.get("url", ""), worker)

    def worker_socket(self, url: str, worker: int | None) -> None:
        """A WebSocket this worker opened (announced by its target, or found in its heap at the end)."""
        if worker is not None:
            self.log.bounded(self.worker_sockets, url, worker)

    def on_unfollowed_worker_event(self, worker: int, method: str, params: dict) -> None:
        """A Network event of a worker Playwright does not follow (a shared worker): its requests and sockets are
        recorded from its own target's events."""
        log, obs = self.log, self.log.obs
        key = (worker, str(params.get("requestId", "")))
        record = self.unfollowed.get(key)
        if method == "Network.requestWillBeSent":
            redirect = params.get("redirectResponse")
            if record is not None and isinstance(redirect, dict):
                self._answered(record, redirect)
            if len(self.requests) >= log.limits.max_requests:
                log.over("requests")
                return
            request = params.get("request") or {}
            initiator = params.get("initiator") or {}
            hop = RequestRecord(
                id=len(self.requests),
                url=log.url(str(request.get("url", ""))),
                method=str(request.get("method", "GET"))[:10],
                resource_type=str(params.get("type") or "other").lower()[:30],
                page=None,
                frame=None,
                navigation=False,
                step=log.step,
                started=log.now(),
                initiator=initiator_url(initiator) if initiator else None,
                initiator_type=initiator.get("type") if record is None else record.initiator_type,
                redirected_from=record.id if record is not None and redirect else None,
                worker=worker,
            )
            if record is not None and redirect:
                hop.initiator = record.initiator
            self.requests[("unfollowed", *key, hop.id)] = self.unfollowed[key] = hop
            obs.requests.append(hop)
        elif method == "Network.responseReceived" and record is not None:
            self._answered(record, params.get("response") or {})
        elif method in ("Network.loadingFinished", "Network.loadingFailed") and record is not None:
            record.ended = log.now()
            if method == "Network.loadingFailed":
                record.failure = clip(str(params.get("errorText") or "failed"), 300)
        elif method == "Network.webSocketCreated":
            if len(obs.websockets) >= log.limits.max_websockets:
                log.over("websockets")
                return
            socket = WebSocketRecord(log.url(str(params.get("url", ""))), None, log.now(), worker=worker)
            self.unfollowed_sockets[key] = socket
            obs.websockets.append(socket)
        elif method in ("Network.webSocketFrameSent", "Network.webSocketFrameReceived"):
            socket = self.unfollowed_sockets.get(key)
            frame = params.get("response") or {}
            if socket is not None:
                data = str(frame.get("payloadData", ""))
                payload = base64.b64decode(data, validate=False) if frame.get("opcode") == 2 else data
                self._message(socket, method.endswith("Sent"), payload)
        elif method == "Network.webSocketClosed" and key in self.unfollowed_sockets:
            self.unfollowed_sockets[key].closed = True

    def _answered(self, record: RequestRecord, response: dict) -> None:
        record.status = response.get("status") if isinstance(response.get("status"), int) else None
        record.mime = clip(str(response.get("mimeType") or ""), 100) or None
        record.ended = self.log.now()

    def assign_workers(self) -> None:
        """Requests and sockets a dedicated worker made, tied to it. Playwright files them under their page's
        main frame, and Playwright lets a worker run before our own session is on it, so its first requests are
        never announced to us: a worker's requests are those of a URL that the page sessions saw asked for
        fewer times than Playwright did, picked by their Referer (a worker's requests carry its script's URL,
        a Blob worker's none); which worker: the one its Referer names, else the one whose own session saw the
        URL, else the only candidate (the page's one worker, or one Blob worker for a request with no Referer,
        or the one worker of the Referer's origin). Sockets: those a worker announced or held at the end, else,
        when no page opened it, the page's one worker's."""
        obs = self.log.obs
        mains = {f.id for f in obs.frames if f.parent is None}
        candidates: dict[str, list[RequestRecord]] = defaultdict(list)
        for record in obs.requests:
            if (
                record.worker is None
                and record.page is not None
                and record.frame in mains
                and not record.navigation
                and record.redirected_from is None
                and record.resource_type in WORKER_REQUESTS
            ):
                candidates[record.url].append(record)
        for url, records in candidates.items():
            extra = len(records) - self.page_seen.get(url, 0)
            if extra <= 0:
                continue
            ranked = sorted(records, key=lambda r: (self._referer_rank(r), -r.id))
            for record in ranked[:extra]:
                worker = self._worker_of(record)
                if worker is not None:
                    record.worker, record.page, record.frame = worker, None, None
                    record.initiator = record.initiator or obs.workers[worker].url
                    record.initiator_type = "worker"
        by_id = {r.id: r for r in obs.requests}
        for record in obs.requests:  # a worker's redirect hops are the worker's
            previous = by_id.get(record.redirected_from) if record.redirected_from is not None else None
            if previous is not None and previous.worker is not None and record.worker is None:
                record.worker, record.page, record.frame = previous.worker, None, None
        self._assign_sockets()
        fetched = {r.url: r.worker for r in obs.requests if r.worker is not None}
        for module in obs.wasm:
            if module.worker is None and module.url in fetched:
                module.worker = fetched[module.url]

    def _dedicated(self, page: int | None) -> list[int]:
        return [n for n, w in enumerate(self.log.obs.workers) if w.kind == "worker" and w.page == page]

    def _referer_rank(self, record: RequestRecord) -> int:
        """0: the Referer names a worker; 1: no Referer (a Blob worker's); 2: anything else."""
        referer = self.referers.get(record.id)
        if referer and any(w.url == referer for w in self.log.obs.workers):
            return 0
        return 1 if not referer else 2

    def _worker_of(self, record: RequestRecord) -> int | None:
        obs, referer = self.log.obs, self.referers.get(record.id)
        dedicated = self._dedicated(record.page)
        named = [n for n in dedicated if referer and obs.workers[n].url == referer]
        if named:
            return named[0]
        queue = self.worker_requests.get(record.url)
        if queue:
            worker, initiator = queue.popleft()
            record.initiator = record.initiator or initiator
            return worker
        if len(dedicated) == 1:
            return dedicated[0]
        if not referer:
            blobs = [n for n in dedicated if obs.workers[n].url.startswith("blob:")]
            return blobs[0] if len(blobs) == 1 else None
        same_origin = [n for n in dedicated if obs.workers[n].url.startswith(referer.rstrip("/") + "/")]
        return same_origin[0] if len(same_origin) == 1 else None

    def _assign_sockets(self) -> None:
        obs = self.log.obs
        opened_by_pages = Counter()
        for socket in obs.websockets:
            if socket.worker is not None or socket.page is None:
                continue
            opened_by_pages[socket.url] += 1
            if opened_by_pages[socket.url] <= self.page_sockets.get(socket.url, 0):
                continue  # (as many sockets of this URL as the pages' sessions saw opened are the pages')
            dedicated = self._dedicated(socket.page)
            if socket.url in self.worker_sockets:
                socket.worker = self.worker_sockets[socket.url]
            elif len(dedicated) == 1:
                socket.worker = dedicated[0]  # no page opened it: the one worker did

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
        ws.on("framesent", lambda payload: self._message(record, True, payload))
        ws.on("framereceived", lambda payload: self._message(record, False, payload))
        ws.on("close", lambda _: setattr(record, "closed", True))

    def _message(self, record: WebSocketRecord, sent: bool, payload) -> None:
        """One message of a socket: counted, and kept while within the limits."""
        log = self.log
        log.touch()
        if sent:
            record.sent_count += 1
        else:
            record.received_count += 1
        box, size = (record.sent if sent else record.received), log.limits.max_message_bytes
        if len(box) >= log.limits.max_ws_messages:
            return
        if isinstance(payload, bytes | bytearray):
            payload = "base64:" + base64.b64encode(bytes(payload[:size])).decode()
        box.append(clip(payload, size))
