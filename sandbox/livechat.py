"""The server side of the socket.io chat decoy: python-socketio's real Socket.IO server, reached over the
sandbox's own WebSocket connections.

python-socketio speaks ASGI; `asgi_websocket` bridges one upgraded sandbox connection to it (the ASGI
`websocket.connect` / `receive` / `send` / `close` messages). Pages use socket.io-client with the WebSocket
transport only (`transports: ["websocket"]`, as sites behind load balancers without sticky sessions do), so
no HTTP long-polling is served. A client that emits `join` gets the room's welcome (`joined`) and the room's
chat lines as `chat message` events, a moment apart: chat, nothing shaped like mining.
"""

from __future__ import annotations

import asyncio
import logging

import socketio

from .http import Request, WebSocket

PATH = "/socket.io/"
ROOM = "live"
DELAY = 0.15  # seconds between two chat lines


async def asgi_websocket(asgi_app, req: Request, ws: WebSocket) -> None:
    """Run `asgi_app` over the already-accepted WebSocket `ws` (the request's upgrade)."""
    connected = False

    async def receive() -> dict:
        nonlocal connected
        if not connected:
            connected = True
            return {"type": "websocket.connect"}
        message = await ws.recv()
        if message is None:
            return {"type": "websocket.disconnect", "code": 1000}
        if isinstance(message, bytes):
            return {"type": "websocket.receive", "bytes": message}
        return {"type": "websocket.receive", "text": message}

    async def send(message: dict) -> None:
        kind = message.get("type")
        if kind == "websocket.send":
            data = message.get("text") if message.get("text") is not None else message.get("bytes")
            if data is not None:
                await ws.send(data)
        elif kind == "websocket.close":
            await ws.close(message.get("code", 1000))
        # websocket.accept: the sandbox server answered the upgrade already

    path, _, query = req.target.partition("?")
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": req.scheme,
        "path": path,
        "raw_path": path.encode("latin-1", "replace"),
        "query_string": query.encode("latin-1", "replace"),
        "headers": [(k.encode("latin-1", "replace"), v.encode("latin-1", "replace")) for k, v in req.headers.items()],
        "client": ("127.0.0.1", 0),
        "server": (req.host, req.port),
        "subprotocols": [],
    }
    await asgi_app(scope, receive, send)


class LiveChat:
    """One Socket.IO server for every site's live chat: `lines(host)` gives a chat host's lines."""

    def __init__(self, lines):
        self.lines = lines
        self.server = socketio.AsyncServer(
            async_mode="asgi", cors_allowed_origins="*", logger=False, engineio_logger=False, transports=["websocket"]
        )
        logging.getLogger("socketio").setLevel(logging.WARNING)
        logging.getLogger("engineio").setLevel(logging.WARNING)
        self.app = socketio.ASGIApp(self.server, socketio_path=PATH.strip("/"))
        self.server.on("connect", self._connect)
        self.server.on("join", self._join)

    async def _connect(self, sid, environ, auth=None) -> None:
        await self.server.save_session(sid, {"host": environ.get("HTTP_HOST", "").split(":")[0]})

    async def _join(self, sid, room) -> None:
        if room != ROOM:
            return
        await self.server.enter_room(sid, ROOM)
        host = (await self.server.get_session(sid))["host"]
        lines = self.lines(host)
        await self.server.emit("joined", {"room": ROOM, "online": 120 + len(host)}, to=sid)
        for user, text in lines:
            await asyncio.sleep(DELAY)
            await self.server.emit("chat message", {"user": user, "text": text}, to=sid)

    async def serve(self, req: Request, ws: WebSocket) -> None:
        await asgi_websocket(self.app, req, ws)
