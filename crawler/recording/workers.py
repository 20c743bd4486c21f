"""Child targets recorded with what they do. A page's CDP session auto-attaches to the dedicated workers and the
frames of other sites (out-of-process frames) its frames start, and each of those to its own; for each worker:
its Network events (which requests and WebSockets are the worker's, with their initiator: Playwright reports
them as the page's), and a WebAssembly hook evaluated as soon as it is attached (a miner compiling its wasm
inside a Worker from bytes it carries), read back before the visit ends with the WebSockets the worker holds
(Runtime.queryObjects) and the WebAssembly modules alive in it (its debugger lists them with their bytes):
Playwright lets a worker run before our session is on, so its first sockets are never announced to us, and on
a busy machine a miner may compile its module before the hook is set. For each frame of another site: its
Network events, for the initiators of its requests.
Shared workers are no page's children and Playwright does not follow them at all: a browser-level session
discovers those of the visit's context and attaches to them, and their requests and sockets are recorded
from their own Network events (what they did before the attachment is not seen). Service workers' requests
are tied through Playwright.

CDP child sessions are driven through `Target.sendMessageToTarget` (non-flattened attachments, nested for a
child's children): Playwright's own CDP session object cannot address a flattened child."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from playwright.async_api import Error as PlaywrightError

from moneytrail.crawler import wasm

from .log import VisitLog
from .network import NetworkCapture

WORKER_TYPES = ("worker", "shared_worker")
# the hook keeps what it saw under a name no page would use; the visit reads it back with one evaluation
COLLECT = "__mtWorkerWasm"
WORKER_JS = resources.files("moneytrail.crawler").joinpath("worker_instrument.js").read_text()
SOCKETS_GROUP = "__mtSockets"
SOCKET_URLS = "function () { return this.slice(0, 50).map(function (s) { return String(s.url).slice(0, 4096); }); }"
ONLY_SHARED_WORKERS = [{"type": "shared_worker", "exclude": False}, {"exclude": True}]
# children to follow: not service workers (Playwright follows those itself, and a service worker we paused and
# let go would run before Playwright's own session sees its first response)
NO_SERVICE_WORKERS = [{"type": "service_worker", "exclude": True}, {"exclude": False}]
AUTO_ATTACH = {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": False, "filter": NO_SERVICE_WORKERS}


@dataclass
class Child:
    """An attached child target: the root session it is reached through and the route of session ids to it."""

    root: Any  # the page's (or the browser's) CDP session
    route: tuple[str, ...]
    kind: str  # worker, shared_worker, iframe
    worker: int | None = None  # its worker record, for a worker
    wasm_scripts: list[str] = field(default_factory=list)  # its debugger's WebAssembly script ids, at the end


class WorkerTargets:
    def __init__(
        self,
        log: VisitLog,
        network: NetworkCapture,
        on_worker,
        identity: dict | None = None,
    ):
        self.log, self.network, self.on_worker = log, network, on_worker
        # the visitor's user-agent override, for other sites' frames (a worker's navigator is fixed when it is
        # created, from the context's user agent and locale: an override sent to its target changes nothing)
        self.identity = identity
        self.children: dict[str, Child] = {}  # CDP child session id -> the child
        self.ids = itertools.count(1_000_000)
        self.calls: dict[int, asyncio.Future] = {}  # id of a command sent to a child -> its answer
        self.browser_session = None  # the browser-level session that follows the context's shared workers
        self.watching = False  # a browser-level session follows (or is about to follow) the shared workers
        self.done = False  # the visit's workers were read: no new browser-level session

    async def attach(self, session, pid: int) -> None:
        """Follow the workers and out-of-process frames of this page's CDP session."""
        self._listen(session, pid)
        await session.send("Target.setAutoAttach", AUTO_ATTACH)

    def _listen(self, session, pid: int | None) -> None:
        session.on("Target.attachedToTarget", lambda e: self.log.spawn(self._attached(session, (), pid, e)))
        session.on("Target.receivedMessageFromTarget", lambda e: self._message(session, (), pid, e))
        session.on("Target.detachedFromTarget", lambda e: self.children.pop(e.get("sessionId", ""), None))

    async def watch_shared(self, browser, page_session) -> None:
        """Follow the shared workers of this page's browser context (discovered by a browser-level session),
        once per visit."""
        if browser is None or self.watching or self.done:
            return
        self.watching = True
        info = (await page_session.send("Target.getTargetInfo")).get("targetInfo") or {}
        context_id = info.get("browserContextId")
        if not context_id:
            return
        session = self.browser_session = await browser.new_browser_cdp_session()
        if self.done:  # the visit ended meanwhile
            await self.close()
            return
        session.on("Target.receivedMessageFromTarget", lambda e: self._message(session, (), None, e))
        session.on("Target.detachedFromTarget", lambda e: self.children.pop(e.get("sessionId", ""), None))

        async def created(info: dict) -> None:
            if info.get("type") != "shared_worker" or info.get("browserContextId") != context_id:
                return
            try:
                attached = await session.send("Target.attachToTarget", {"targetId": info["targetId"], "flatten": False})
            except PlaywrightError:
                return
            await self._attached(session, (), None, {"targetInfo": info, "sessionId": attached.get("sessionId", "")})

        session.on("Target.targetCreated", lambda e: self.log.spawn(created(e.get("targetInfo") or {})))
        await session.send("Target.setDiscoverTargets", {"discover": True, "filter": ONLY_SHARED_WORKERS})

    def forget(self) -> None:
        """The visit is over: let the browser-level session go (without waiting for it)."""
        if self.browser_session is not None:
            asyncio.ensure_future(self.close())

    async def close(self) -> None:
        self.done = True
        session, self.browser_session = self.browser_session, None
        if session is not None:
            try:
                await session.detach()
            except PlaywrightError:
                pass

    # --- talking to children --------------------------------------------------------------------------------
    async def _send(self, root, route: tuple[str, ...], method: str, params: dict | None = None) -> int:
        number = next(self.ids)
        await self._post(root, route, number, method, params)
        return number

    async def _post(self, root, route: tuple[str, ...], number: int, method: str, params: dict | None) -> None:
        message = json.dumps({"id": number, "method": method, "params": params or {}})
        for session_id in reversed(route[1:]):  # a child's child: the message goes through each parent
            wrapper = {"sessionId": session_id, "message": message}
            message = json.dumps({"id": next(self.ids), "method": "Target.sendMessageToTarget", "params": wrapper})
        await root.send("Target.sendMessageToTarget", {"sessionId": route[0], "message": message})

    async def _call(self, child: Child, method: str, params: dict, timeout: float) -> dict:
        """A command to a child and its answer (an empty result when it gives none in time)."""
        number = next(self.ids)
        answer = self.calls[number] = asyncio.get_running_loop().create_future()
        try:
            await self._post(child.root, child.route, number, method, params)
            return await asyncio.wait_for(answer, timeout)
        except (TimeoutError, PlaywrightError):
            return {}
        finally:
            self.calls.pop(number, None)

    # --- children arriving, and what they say -----------------------------------------------------------------
    async def _attached(self, root, route: tuple[str, ...], pid: int | None, event: dict) -> None:
        info, session_id = event.get("targetInfo") or {}, event.get("sessionId", "")
        route = (*route, session_id)
        kind = info.get("type")
        try:
            if kind in WORKER_TYPES:
                worker = self.on_worker(self.log.url(str(info.get("url", ""))), kind, pid, None)
                if worker is not None:
                    self.children[session_id] = Child(root, route, kind, worker)
                    hook = WORKER_JS.replace("__COLLECT__", COLLECT).replace(
                        "__MAX_BYTES__", str(self.log.limits.max_wasm_bytes)
                    )
                    # the hook first: Playwright may let the worker run before our session is done, and a
                    # miner compiles its wasm as soon as it runs (one message later was too late on a busy machine)
                    await self._send(root, route, "Runtime.evaluate", {"expression": hook})
                    await self._send(root, route, "Network.enable", {"maxTotalBufferSize": 0})
                    await self._auto_attach(root, route)
            elif kind == "iframe":
                self.children[session_id] = Child(root, route, kind)
                await self._send(root, route, "Network.enable", {"maxTotalBufferSize": 0})
                if self.identity:
                    await self._send(root, route, "Emulation.setUserAgentOverride", self.identity)
                await self._auto_attach(root, route)
        except PlaywrightError:
            pass
        finally:
            try:  # whatever happened, the target runs
                await self._send(root, route, "Runtime.runIfWaitingForDebugger")
            except PlaywrightError:
                pass

    async def _auto_attach(self, root, route: tuple[str, ...]) -> None:
        await self._send(root, route, "Target.setAutoAttach", AUTO_ATTACH)

    def _message(self, root, route: tuple[str, ...], pid: int | None, event: dict) -> None:
        session_id = event.get("sessionId", "")
        try:
            message = json.loads(event.get("message") or "{}")
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        method, params = message.get("method"), message.get("params")
        params = params if isinstance(params, dict) else {}
        if method == "Target.receivedMessageFromTarget":  # from a child's child
            self._message(root, (*route, session_id), pid, params)
        elif method == "Target.attachedToTarget":
            self.log.spawn(self._attached(root, (*route, session_id), pid, params))
        elif method == "Target.detachedFromTarget":
            self.children.pop(params.get("sessionId", ""), None)
        elif method == "Debugger.scriptParsed":
            child = self.children.get(session_id)
            if child is not None and params.get("scriptLanguage") == "WebAssembly":
                child.wasm_scripts.append(str(params.get("scriptId", "")))
        elif "id" in message and not method:
            answer = self.calls.get(message["id"])
            if answer is not None and not answer.done():
                answer.set_result(message.get("result") if isinstance(message.get("result"), dict) else {})
        elif isinstance(method, str) and method.startswith("Network."):
            child = self.children.get(session_id)
            if child is None:
                return
            self.log.touch()
            if child.kind == "iframe":
                self.network.on_frame_target_event(method, params)
            elif child.kind == "shared_worker":
                self.network.on_unfollowed_worker_event(child.worker, method, params)
            else:
                self.network.on_worker_event(child.worker, method, params)

    # --- at the end -----------------------------------------------------------------------------------------
    async def collect(self, timeout: float) -> None:
        """Ask every live worker for the WebAssembly its hook saw and the WebSockets it holds, boundedly."""
        workers = [c for c in self.children.values() if c.kind in WORKER_TYPES]
        await asyncio.gather(*(self._read(child, timeout) for child in workers))
        await self.close()

    async def _read(self, child: Child, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout

        def left() -> float:
            return max(0.1, end - loop.time())

        expression = {"expression": f"self.{COLLECT} && self.{COLLECT}()"}
        found = await self._call(child, "Runtime.evaluate", expression, left())
        value = (found.get("result") or {}).get("value")
        if isinstance(value, str) and value.startswith("["):
            self._wasm(child, value)
        await self._live_wasm(child, left)
        prototype = await self._call(
            child, "Runtime.evaluate", {"expression": "WebSocket.prototype", "objectGroup": SOCKETS_GROUP}, left()
        )
        prototype_id = (prototype.get("result") or {}).get("objectId")
        if not prototype_id:
            return
        held = await self._call(
            child, "Runtime.queryObjects", {"prototypeObjectId": prototype_id, "objectGroup": SOCKETS_GROUP}, left()
        )
        array_id = (held.get("objects") or {}).get("objectId")
        if array_id:
            urls = await self._call(
                child,
                "Runtime.callFunctionOn",
                {"objectId": array_id, "functionDeclaration": SOCKET_URLS, "returnByValue": True},
                left(),
            )
            for url in (urls.get("result") or {}).get("value") or []:
                if isinstance(url, str):
                    self.network.worker_socket(url, child.worker)
        try:
            await self._send(child.root, child.route, "Runtime.releaseObjectGroup", {"objectGroup": SOCKETS_GROUP})
        except PlaywrightError:
            pass

    async def _live_wasm(self, child: Child, left) -> None:
        """The WebAssembly modules alive in a worker, from its debugger (V8 announces every script it holds,
        WebAssembly ones with their bytes, when the Debugger domain is enabled): those the hook did not see,
        compiled before it was set (Playwright may let a worker run before our session is done)."""
        if child.kind != "worker":
            return
        await self._call(child, "Debugger.enable", {}, left())
        known = {m.sha256 for m in self.log.obs.wasm if m.worker == child.worker}
        for script_id in child.wasm_scripts[: self.log.limits.max_wasm_records]:
            source = await self._call(child, "Debugger.getScriptSource", {"scriptId": script_id}, left())
            encoded = source.get("bytecode")
            if not isinstance(encoded, str):
                continue
            if len(encoded) > self.log.limits.max_wasm_bytes * 4 // 3 + 4:
                self.network.wasm_report({"op": "debugger", "size": len(encoded) * 3 // 4}, "", None, child.worker)
                continue
            try:
                body = base64.b64decode(encoded)
            except ValueError:
                continue
            if wasm.sha256(body) not in known:
                known.add(wasm.sha256(body))
                self.network.add_wasm(body, "debugger", frame_url="", caller=None, worker=child.worker)
        try:
            await self._send(child.root, child.route, "Debugger.disable")
        except PlaywrightError:
            pass

    def _wasm(self, child: Child, value: str) -> None:
        try:
            reports = json.loads(value)
        except ValueError:
            return
        for data in reports if isinstance(reports, list) else []:
            if isinstance(data, dict):
                caller = data.get("caller") if isinstance(data.get("caller"), str) else None
                self.network.wasm_report(data, "", caller, child.worker)
