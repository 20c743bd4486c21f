"""Workers recorded with what they do. A page's CDP session auto-attaches to the dedicated and shared workers
its frames start (paused until we let them run), and for each: its own Network events (which requests and
WebSockets are the worker's, with their initiator: Playwright reports them as the page's), and a WebAssembly
hook installed before the worker's first line runs (a miner compiling its wasm inside a Worker from bytes it
carries), read back before the visit ends. Service workers' requests are tied through Playwright.

CDP child sessions are driven through `Target.sendMessageToTarget` (a non-flattened attachment): Playwright's
own CDP session object cannot address a flattened child."""

from __future__ import annotations

import asyncio
import itertools
import json
from importlib import resources
from typing import Any

from playwright.async_api import Error as PlaywrightError

from .log import VisitLog
from .network import NetworkCapture

WORKER_TYPES = ("worker", "shared_worker")
# the hook keeps what it saw under a name no page would use; the visit reads it back with one evaluation
COLLECT = "__mtWorkerWasm"
WORKER_JS = resources.files("moneytrail.crawler").joinpath("worker_instrument.js").read_text()


class WorkerTargets:
    def __init__(self, log: VisitLog, network: NetworkCapture, on_worker):
        self.log, self.network, self.on_worker = log, network, on_worker
        self.sessions: dict[str, tuple[Any, int, str]] = {}  # CDP child session id -> (page session, worker, URL)
        self.ids = itertools.count(1_000_000)
        self.pending: set[int] = set()  # ids of the collecting evaluations not answered yet

    async def attach(self, session, pid: int) -> None:
        """Follow the workers of this page's CDP session."""
        session.on("Target.attachedToTarget", lambda e: self.log.spawn(self._attached(session, pid, e)))
        session.on("Target.receivedMessageFromTarget", self._message)
        session.on("Target.detachedFromTarget", lambda e: self.sessions.pop(e.get("sessionId", ""), None))
        await session.send(
            "Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": False}
        )

    async def _send(self, session, child: str, method: str, params: dict | None = None) -> int:
        number = next(self.ids)
        message = json.dumps({"id": number, "method": method, "params": params or {}})
        await session.send("Target.sendMessageToTarget", {"sessionId": child, "message": message})
        return number

    async def _attached(self, session, pid: int, event: dict) -> None:
        info, child = event.get("targetInfo") or {}, event.get("sessionId", "")
        try:
            if info.get("type") in WORKER_TYPES:
                worker = self.on_worker(self.log.url(str(info.get("url", ""))), info["type"], pid, None)
                if worker is not None:
                    self.sessions[child] = (session, worker, info.get("url", ""))
                    hook = WORKER_JS.replace("__COLLECT__", COLLECT).replace(
                        "__MAX_BYTES__", str(self.log.limits.max_wasm_bytes)
                    )
                    await self._send(session, child, "Network.enable", {"maxTotalBufferSize": 0})
                    await self._send(session, child, "Runtime.evaluate", {"expression": hook})
        except PlaywrightError:
            pass
        finally:
            if event.get("waitingForDebugger"):  # whatever happened, the worker runs
                try:
                    await self._send(session, child, "Runtime.runIfWaitingForDebugger")
                except PlaywrightError:
                    pass

    def _message(self, event: dict) -> None:
        known = self.sessions.get(event.get("sessionId", ""))
        if known is None:
            return
        try:
            message = json.loads(event.get("message") or "{}")
        except ValueError:
            return
        method = message.get("method")
        if isinstance(method, str) and method.startswith("Network.") and isinstance(message.get("params"), dict):
            self.log.touch()
            self.network.on_worker_event(known[1], method, message["params"])
        elif "id" in message:
            self.pending.discard(message["id"])
            result = message.get("result") if isinstance(message.get("result"), dict) else {}
            value = (result.get("result") or {}).get("value")
            if isinstance(value, str) and value.startswith("["):
                self._wasm(known, value)

    def _wasm(self, known, value: str) -> None:
        try:
            reports = json.loads(value)
        except ValueError:
            return
        for data in reports if isinstance(reports, list) else []:
            if isinstance(data, dict):
                caller = data.get("caller") if isinstance(data.get("caller"), str) else None
                self.network.wasm_report(data, "", caller, known[1])

    async def collect(self, timeout: float) -> None:
        """Ask every live worker for the WebAssembly its hook saw; wait for the answers, boundedly."""
        expression = {"expression": f"self.{COLLECT} && self.{COLLECT}()"}
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        for child, (session, _, _) in list(self.sessions.items()):
            try:
                sent = self._send(session, child, "Runtime.evaluate", expression)
                self.pending.add(await asyncio.wait_for(sent, max(0.1, end - loop.time())))
            except (TimeoutError, PlaywrightError):
                continue
        while self.pending and loop.time() < end:
            await asyncio.sleep(self.log.limits.poll_interval)
        self.pending.clear()
