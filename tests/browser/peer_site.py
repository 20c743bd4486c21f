"""The local site the peer-item pages are served from (tests/browser/peer_pages): two origins on one port,
this site (127.0.0.1) and a third party (localhost), with the few dynamic answers the pages need: redirect
chains, a slow document, posts, a WebSocket echo, server-sent events, a CSP report endpoint, and small
synthetic bodies for images, fonts and media. Built on the sandbox's server (a plain asyncio HTTP/WebSocket
server), never on anything outside this machine."""

from __future__ import annotations

import asyncio
import mimetypes
import socket
import struct
import zlib
from pathlib import Path
from urllib.parse import urlsplit

from moneytrail.sandbox.app import SandboxApp
from moneytrail.sandbox.http import Request, Response, WebSocket
from moneytrail.sandbox.server import SandboxServer, SandboxThread

PAGES = Path(__file__).parent / "peer_pages"
FIRST, THIRD = "127.0.0.1", "localhost"
CHAIN_STATUS = {3: 302, 2: 301, 1: 307}  # /chain/N/path answers with this status on its way to /path
# a header the kinds page is served with: its third-party font breaks the policy, so Chromium reports it
CSP_REPORT_ONLY = "font-src 'self'; report-uri /csp-report"


def png() -> bytes:
    """A valid 1x1 PNG, built here."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))

    header = struct.pack("!IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b"")
    )


SYNTHETIC = {  # what a file the folder does not hold answers with, by suffix (never for a name starting "missing")
    ".png": ("image/png", png()),
    ".ico": ("image/x-icon", png()),
    ".woff": ("font/woff", b"wOFF-not-really"),
    ".wav": ("audio/wav", b"RIFF\0\0\0\0WAVE"),
    ".mp4": ("video/mp4", b"\0\0\0\x18ftypmp42"),
    ".json": ("application/json", b'{"ok": true}'),
}


def closed_port() -> int:
    """A loopback port that was free a moment ago (nothing listens on it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PeerSite:
    def __init__(self, state_dir: Path):
        self.app = SandboxApp()
        self.server = SandboxServer(self.app, state_dir)
        self.closed_port = closed_port()  # a loopback port nothing listens on
        self.received: list[tuple[str, str, bytes]] = []  # (method, URL, body) of posts and beacons
        for host in (FIRST, THIRD):
            vhost = self.app.host(host)
            vhost.fallback = self.static
            self.app.http(vhost, "/chain/*", self.chain)
            self.app.http(vhost, "/bounce", lambda req: Response.redirect(req.query.get("to", "/"), 302))
            self.app.http(vhost, "/slow/*", lambda req: Response.html("<p>late</p>", delay=3.0))
            self.app.http(vhost, "/post/*", self.post)
            self.app.http(vhost, "/beacon", self.post)
            self.app.http(vhost, "/keepalive", self.post)
            self.app.http(vhost, "/csp-report", self.post)
            self.app.http(vhost, "/sse", self.events)
            self.app.ws(vhost, "/ws/echo", self.echo)

    @property
    def port(self) -> int:
        return self.server.port

    def url(self, path: str, third: bool = False) -> str:
        return f"http://{THIRD if third else FIRST}:{self.port}{path}"

    # --- answers -------------------------------------------------------------------------------------------
    def static(self, req: Request) -> Response:
        path = req.path.lstrip("/") or "index.html"
        file = (PAGES / path).resolve()
        if PAGES.resolve() not in file.parents:
            return Response.not_found()
        suffix = file.suffix
        if file.is_file():
            body = file.read_bytes()
            if suffix in (".html", ".js", ".mjs", ".css"):
                body = body.replace(b"{{THIRD}}", f"http://{THIRD}:{self.port}".encode())
                body = body.replace(b"{{CLOSED}}", str(self.closed_port).encode())
            kind = {".mjs": "text/javascript", ".js": "text/javascript", ".json": "application/json"}.get(suffix)
            kind = kind or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            headers = []
            if suffix == ".json":
                headers.append(("X-Content-Type-Options", "nosniff"))
            if file.name == "kinds.html":
                headers.append(("Content-Security-Policy-Report-Only", CSP_REPORT_ONLY))
            return Response(body=body, content_type=kind, headers=headers)
        if suffix in SYNTHETIC and not file.name.startswith("missing"):
            kind, body = SYNTHETIC[suffix]
            return Response(body=body, content_type=kind)
        return Response.not_found()

    def chain(self, req: Request) -> Response:
        _, _, n, rest = req.path.split("/", 3)
        step = int(n) if n.isdigit() else 1
        target = f"/chain/{step - 1}/{rest}" if step > 1 else f"/{rest}"
        return Response.redirect(target, CHAIN_STATUS.get(step, 302))

    def post(self, req: Request) -> Response:
        self.received.append((req.method, req.url, req.body))
        if req.path == "/post/landing":
            return Response.redirect("/landed.html", 303)
        if req.path == "/post/frame-target":
            return Response.html("<!doctype html><p>the frame's post arrived</p>")
        return Response(status=204, content_type="")

    def events(self, req: Request) -> Response:
        return Response(body="retry: 60000\ndata: one event\n\n", content_type="text/event-stream")

    async def echo(self, req: Request, ws: WebSocket) -> None:
        await ws.send("welcome " + (urlsplit(req.url).query or "anyone"))
        while (message := await ws.recv()) is not None:
            await ws.send(f"echo: {message}")
        await asyncio.sleep(0)


class RunningSite:
    """The site served from a background thread for the length of a `with` block."""

    def __init__(self, state_dir: Path):
        self.site = PeerSite(state_dir)
        self.thread = SandboxThread(self.site.server)

    def __enter__(self) -> PeerSite:
        self.thread.__enter__()
        return self.site

    def __exit__(self, *exc) -> None:
        self.thread.__exit__(*exc)
