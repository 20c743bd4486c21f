"""Network capture: every request and response of every page, frame, worker and popup (Playwright's context
events), their initiators (CDP `Network.requestWillBeSent`), WebSocket messages, WebAssembly modules (from
responses and from in-page compile calls) and the visited page's own HTML, all bounded by `Limits`."""

from __future__ import annotations

import base64
from collections import defaultdict, deque
from typing import Any

from playwright.async_api import Error as PlaywrightError

from moneytrail.crawler import wasm
from moneytrail.crawler.observation import RequestRecord, WasmModule, WebSocketRecord

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


class NetworkCapture:
    def __init__(self, log: VisitLog):
        self.log = log
        self.requests: dict[Any, RequestRecord] = {}
        self.orphans: list[RequestRecord] = []  # navigations whose page did not exist yet (popups' first)
        self.late: list = []  # (request record, frame) whose page was not registered yet
        self.initiators: dict[str, deque] = defaultdict(deque)
        self.document_html: str | None = None  # the visited page's own HTML, as served (bounded)
        self.oversized_document = False  # the visited page's HTML was over the limit

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
        record = RequestRecord(
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

    def wasm_report(self, data: dict, frame_url: str, caller: str | None) -> None:
        """A WebAssembly compile or instantiation the page reported (its bytes when small enough)."""
        log, obs = self.log, self.log.obs
        if isinstance(data.get("b64"), str) and len(data["b64"]) <= log.limits.max_wasm_bytes * 4 // 3 + 4:
            try:
                body = base64.b64decode(data["b64"])
            except ValueError:
                return
            self.add_wasm(body, str(data.get("op", "compile")), frame_url=frame_url, caller=caller)
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
                )
            )
        else:
            obs.wasm.append(
                WasmModule(None, int(data.get("size") or 0), str(data.get("op")), frame_url=frame_url, caller=caller)
            )

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
