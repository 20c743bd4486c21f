"""Virtual hosts and routes of the simulated web: who answers which host and path."""

from __future__ import annotations

import inspect
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Union

from .http import Request, Response, WebSocket

HttpHandler = Callable[[Request], Union[Response, Awaitable[Response]]]
WsHandler = Callable[[Request, WebSocket], Awaitable[None]]


@dataclass
class Route:
    path: str  # exact path, or a prefix ending in "*"
    handler: HttpHandler | WsHandler
    websocket: bool = False

    def matches(self, path: str) -> bool:
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path


class VirtualHost:
    def __init__(self, name: str):
        self.name = name
        self.routes: list[Route] = []
        self.refuse = False  # behave like a host whose port is closed
        self.fallback: HttpHandler | None = None

    def find(self, path: str, websocket: bool) -> Route | None:
        best = None
        for route in self.routes:
            if route.websocket == websocket and route.matches(path):
                if best is None or len(route.path) > len(best.path):
                    best = route
        return best


class SandboxApp:
    """Maps hostnames (exact, or regular expressions for hostname families) to routes."""

    def __init__(self):
        self.hosts: dict[str, VirtualHost] = {}
        self.families: list[tuple[re.Pattern, VirtualHost]] = []
        self.events: deque[dict] = deque(maxlen=100_000)
        self.event_sinks: list[Callable[[dict], None]] = []  # e.g. `sandbox serve --events FILE`

    def host(self, name: str) -> VirtualHost:
        name = name.lower()
        if name not in self.hosts:
            self.hosts[name] = VirtualHost(name)
        return self.hosts[name]

    def family(self, pattern: str, label: str) -> VirtualHost:
        """Every hostname that fully matches `pattern` (throwaway domains computed at run time)."""
        for existing, vhost in self.families:
            if existing.pattern == pattern:
                return vhost
        vhost = VirtualHost(label)
        self.families.append((re.compile(pattern), vhost))
        return vhost

    def http(self, host: str | VirtualHost, path: str, handler: HttpHandler) -> None:
        vhost = host if isinstance(host, VirtualHost) else self.host(host)
        vhost.routes.append(Route(path, handler))

    def ws(self, host: str | VirtualHost, path: str, handler: WsHandler) -> None:
        vhost = host if isinstance(host, VirtualHost) else self.host(host)
        vhost.routes.append(Route(path, handler, websocket=True))

    def static(self, host: str | VirtualHost, path: str, response: Response) -> None:
        self.http(host, path, lambda req: response)

    def resolve(self, hostname: str) -> VirtualHost | None:
        hostname = hostname.lower().rstrip(".")
        if hostname in self.hosts:
            return self.hosts[hostname]
        for pattern, vhost in self.families:
            if pattern.fullmatch(hostname):
                return vhost
        return None

    def log(self, kind: str, **fields) -> None:
        """Record a server-side event (an ad click, a landing, a pool share...) for tests and `--events`."""
        event = {"t": round(time.time(), 3), "kind": kind, **fields}
        self.events.append(event)
        for sink in self.event_sinks:
            sink(event)

    async def respond(self, req: Request) -> Response:
        vhost = self.resolve(req.host)
        if vhost is None:
            return Response(status=502, body="sandbox: no such host")
        route = vhost.find(req.path, websocket=False)
        handler = route.handler if route else vhost.fallback
        if handler is None:
            return Response.not_found()
        result = handler(req)
        if inspect.isawaitable(result):
            result = await result
        return result
