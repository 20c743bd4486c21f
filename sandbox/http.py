"""Plain HTTP/1.1 and WebSocket primitives for the sandbox server (no third-party web framework)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import json
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

MAX_HEADER_BYTES = 1024 * 1024  # the stream limit: a longer request head is refused
MAX_BODY_BYTES = 8 * 1024 * 1024
DECIMAL = re.compile(r"[0-9]{1,12}")  # ASCII digits only: "²".isdigit() is True, int("²") fails
HEX = re.compile(r"[0-9a-fA-F]{1,8}")


class BadRequest(Exception):
    """The client sent something that is not HTTP/1.1 we can serve."""


@dataclass
class Request:
    method: str
    scheme: str
    host: str
    port: int
    target: str  # path with query, as sent
    headers: dict[str, str]
    body: bytes = b""
    country: str | None = None  # from the geo proxy's credentials, when given

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    @property
    def url(self) -> str:
        default = 443 if self.scheme in ("https", "wss") else 80
        netloc = self.host if self.port == default else f"{self.host}:{self.port}"
        return f"{self.scheme}://{netloc}{self.target}"

    @property
    def language(self) -> str:
        """Primary language subtag of Accept-Language ('en' when absent)."""
        first = self.headers.get("accept-language", "en").split(",")[0].strip()
        return (first.split("-")[0] or "en").lower()


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0  # seconds to wait before answering (slow servers)
    # a body sent in chunks as they come, for as long as it lasts (an endless page): its chunks, its pause between
    stream: Callable[[], Iterator[bytes]] | None = None
    stream_pause: float = 0.0

    @classmethod
    def html(cls, text: str, **kw) -> Response:
        return cls(body=text, **kw)

    @classmethod
    def js(cls, text: str, **kw) -> Response:
        return cls(body=text, content_type="application/javascript; charset=utf-8", **kw)

    @classmethod
    def text(cls, text: str, **kw) -> Response:
        return cls(body=text, content_type="text/plain; charset=utf-8", **kw)

    @classmethod
    def json(cls, obj, **kw) -> Response:
        return cls(body=json.dumps(obj, indent=1), content_type="application/json", **kw)

    @classmethod
    def redirect(cls, location: str, status: int = 302, **kw) -> Response:
        headers = [("Location", location)] + kw.pop("headers", [])
        return cls(status=status, body=f'<a href="{html.escape(location)}">moved</a>', headers=headers, **kw)

    @classmethod
    def not_found(cls) -> Response:
        return cls(status=404, body="<h1>404 Not Found</h1>")

    def encode(self, head_only: bool = False, close: bool = False) -> bytes:
        for name, value in self.headers:
            if any(c in name + value for c in "\r\n\0"):
                raise ValueError(f"header {name!r} would split the response")
        body = self.body.encode() if isinstance(self.body, str) else self.body
        reason = HTTPStatus(self.status).phrase if self.status in HTTPStatus._value2member_map_ else "Status"
        lines = [f"HTTP/1.1 {self.status} {reason}"]
        names = {k.lower() for k, _ in self.headers}
        if "content-type" not in names and self.content_type:
            lines.append(f"Content-Type: {self.content_type}")
        if "access-control-allow-origin" not in names:
            lines.append("Access-Control-Allow-Origin: *")
        lines += [f"{k}: {v}" for k, v in self.headers]
        lines.append("Transfer-Encoding: chunked" if self.stream else f"Content-Length: {len(body)}")
        if close:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        return head if head_only else head + body


async def read_request_head(reader: asyncio.StreamReader) -> tuple[str, str, str, dict[str, str]] | None:
    """Read a request line and headers. None at a clean end of stream."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise BadRequest("truncated request head") from None
        return None
    except asyncio.LimitOverrunError:
        raise BadRequest("request head too large") from None
    text = raw.decode("latin-1")
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        raise BadRequest(f"bad request line {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise BadRequest("bad header line")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return parts[0].upper(), parts[1], parts[2], headers


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        total = 0
        while True:
            line = (await reader.readuntil(b"\r\n")).split(b";")[0].strip().decode("latin-1")
            if not HEX.fullmatch(line):
                raise BadRequest("bad chunk size")
            size = int(line, 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise BadRequest("body too large")
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    text = headers.get("content-length", "0").strip() or "0"
    if not DECIMAL.fullmatch(text):
        raise BadRequest("bad Content-Length")
    length = int(text)
    if length > MAX_BODY_BYTES:
        raise BadRequest("body too large")
    return await reader.readexactly(length) if length else b""


# --- WebSocket (RFC 6455), server side -----------------------------------------------------------

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def unmask(payload: bytes, mask: bytes) -> bytes:
    """XOR a client frame's payload with its 4-byte mask (as one big integer: fast for large frames)."""
    if not payload:
        return payload
    n = len(payload)
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


def websocket_accept(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


class WebSocket:
    """A server-side WebSocket over an upgraded connection: text and binary messages, ping, close."""

    MAX_MESSAGE = 1024 * 1024

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._reader = reader
        self._writer = writer
        self.closed = False

    async def recv(self) -> str | bytes | None:
        """The next message, or None once the peer has closed (or broke the protocol)."""
        message = bytearray()
        opcode_of_message = None
        while not self.closed:
            try:
                b0, b1 = await self._reader.readexactly(2)
                length = b1 & 0x7F
                if length == 126:
                    (length,) = struct.unpack("!H", await self._reader.readexactly(2))
                elif length == 127:
                    (length,) = struct.unpack("!Q", await self._reader.readexactly(8))
                if not b1 & 0x80:  # clients must mask their frames
                    await self.close(1002)
                    return None
                if len(message) + length > self.MAX_MESSAGE:  # counted across fragments
                    await self.close(1009)
                    return None
                mask = await self._reader.readexactly(4)
                payload = await self._reader.readexactly(length)
            except (asyncio.IncompleteReadError, ConnectionError):
                self.closed = True
                return None
            payload = unmask(payload, mask)
            opcode = b0 & 0x0F
            if opcode == 0x8:
                await self.close()
                return None
            if opcode == 0x9:
                await self._send_frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            if opcode in (0x1, 0x2):
                opcode_of_message = opcode
            message += payload
            if b0 & 0x80:
                return message.decode("utf-8", "replace") if opcode_of_message == 0x1 else bytes(message)
        return None

    async def messages_json(self):
        """Each message that parses as a JSON object, until the peer closes; other messages are skipped."""
        while (raw := await self.recv()) is not None:
            try:
                message = json.loads(raw)
            except (TypeError, ValueError):
                continue
            if isinstance(message, dict):
                yield message

    async def send(self, data: str | bytes | dict | list) -> None:
        if isinstance(data, (dict, list)):
            data = json.dumps(data)
        if isinstance(data, str):
            await self._send_frame(0x1, data.encode())
        else:
            await self._send_frame(0x2, data)

    async def _send_frame(self, opcode: int, payload: bytes) -> None:
        if self.closed and opcode != 0x8:
            return
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        try:
            self._writer.write(head + payload)
            await self._writer.drain()
        except ConnectionError:
            self.closed = True

    async def close(self, code: int = 1000) -> None:
        if not self.closed:
            await self._send_frame(0x8, struct.pack("!H", code))
            self.closed = True
