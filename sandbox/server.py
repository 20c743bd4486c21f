"""One asyncio server that is at once an origin for many virtual hosts and an HTTP forward proxy.

- origin: `GET /path` with a Host header;
- forward proxy: `GET http://host/path` (absolute URI), and `CONNECT host:443`, after which the
  connection is TLS with a certificate issued for the requested host by the sandbox CA;
- WebSocket upgrades on any of those (ws and wss).
Nothing is ever forwarded outside: every host is virtual, an unknown host answers 502.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import re
import ssl
import threading
from pathlib import Path
from urllib.parse import urlsplit

from .app import SandboxApp
from .http import (
    MAX_HEADER_BYTES,
    BadRequest,
    Request,
    Response,
    WebSocket,
    read_body,
    read_request_head,
    websocket_accept,
)
from .tls import CertificateAuthority

log = logging.getLogger("moneytrail.sandbox")
COUNTRY_IN_USER = re.compile(r"(?:^|[-_])country[-_]([a-z]{2})(?:$|[-_])", re.I)


def country_from_proxy_auth(header: str | None) -> str | None:
    """Geo proxies take the exit country in the user name (`user-country-fr:secret`)."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user = base64.b64decode(header[6:].strip()).decode("utf-8", "replace").split(":", 1)[0]
    except ValueError:
        return None
    m = COUNTRY_IN_USER.search(user)
    return m.group(1).lower() if m else None


IDLE_TIMEOUT = 120.0  # seconds a connection may wait for its next request
BODY_TIMEOUT = 30.0  # seconds to send a request body
TLS_HANDSHAKE_TIMEOUT = 15.0
PORT = re.compile(r"[0-9]{1,5}")


def parse_port(text: str, default: int) -> int:
    if not text:
        return default
    if not PORT.fullmatch(text) or not 0 < int(text) < 65536:
        raise BadRequest(f"bad port {text[:20]!r}")
    return int(text)


class SandboxServer:
    def __init__(
        self, app: SandboxApp, state_dir: Path, host: str = "127.0.0.1", port: int = 0, require_proxy_auth: bool = False
    ):
        self.app = app
        self.bind_host = host
        self.port = port
        self.require_proxy_auth = require_proxy_auth
        # certificates only for hosts the sandbox serves: a client naming any other host gets none
        self.ca = CertificateAuthority(Path(state_dir) / "tls", allow=lambda name: app.resolve(name) is not None)
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def address(self) -> str:
        return f"http://{self.bind_host}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, self.bind_host, self.port, limit=MAX_HEADER_BYTES)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server:
            self._server.close()
        # the connections, then whatever their handlers started (a Socket.IO server's pings and sweeps)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        if self._server:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            await self._serve_connection(reader, writer)
        except BadRequest as exc:
            log.debug("bad request: %s", exc)
            with contextlib.suppress(Exception):
                writer.write(
                    Response(status=400, body=f"bad request: {exc}", content_type="text/plain").encode(close=True)
                )
                await asyncio.wait_for(writer.drain(), 2)
        except (
            TimeoutError,
            ConnectionError,
            ssl.SSLError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ) as exc:
            log.debug("connection ended: %s", exc)
        except asyncio.CancelledError:
            pass
        except Exception:  # a bug must cost one connection, never the server
            log.exception("sandbox connection failed")
        finally:
            self._tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _serve_connection(self, reader, writer) -> None:
        tunnel: tuple[str, int, str] | None = None  # (host, port, scheme) after CONNECT
        country = None
        while True:
            head = await asyncio.wait_for(read_request_head(reader), IDLE_TIMEOUT)
            if head is None:
                return
            method, target, version, headers = head
            country = country_from_proxy_auth(headers.get("proxy-authorization")) or country
            if method == "CONNECT":
                if tunnel:
                    raise BadRequest("CONNECT inside a tunnel")
                host, _, port_text = target.rpartition(":")
                port = parse_port(port_text, 443)
                if not await self._authorised(headers, writer):
                    return
                if refusal := self._refusal(host):
                    writer.write(refusal.encode(close=True))
                    await writer.drain()
                    return
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                if port == 443:
                    # no await between the 200 and the switch: the ClientHello must reach TLS, not the reader
                    await writer.start_tls(self.ca.context_for(host), ssl_handshake_timeout=TLS_HANDSHAKE_TIMEOUT)
                    tunnel = (host, 443, "https")
                else:
                    tunnel = (host, port, "http")
                continue
            if target.startswith(("http://", "https://", "ws://", "wss://")):
                if not await self._authorised(headers, writer):
                    return
                parts = urlsplit(target)
                scheme, host = parts.scheme, parts.hostname or ""
                port = parse_port(
                    parts.netloc.rpartition(":")[2] if ":" in parts.netloc else "",
                    443 if scheme in ("https", "wss") else 80,
                )
                target = parts.path or "/"
                if parts.query:
                    target += "?" + parts.query
            else:
                host_header = headers.get("host", tunnel[0] if tunnel else "")
                host, _, port_text = host_header.partition(":")
                scheme = tunnel[2] if tunnel else "http"
                port = parse_port(port_text, tunnel[1] if tunnel else 80)
            req = Request(
                method=method,
                scheme=scheme,
                host=host.lower(),
                port=port,
                target=target,
                headers=headers,
                country=country,
            )
            if headers.get("upgrade", "").lower() == "websocket":
                await self._websocket(req, reader, writer)
                return
            req.body = await asyncio.wait_for(read_body(reader, headers), BODY_TIMEOUT)
            resp = await self._respond(req)
            if resp.delay:
                await asyncio.sleep(resp.delay)
            connection = headers.get("connection", headers.get("proxy-connection", "")).lower()
            close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
            if resp.stream is not None and method != "HEAD":
                await self._stream(resp, writer)
                return
            writer.write(resp.encode(head_only=method == "HEAD", close=close))
            await writer.drain()
            if close:
                return

    async def _stream(self, resp: Response, writer) -> None:
        """A chunked body, chunk after chunk, until its end or until the client goes; the connection closes."""
        writer.write(resp.encode(head_only=True, close=True))
        for chunk in resp.stream():
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()  # a client that stopped reading holds the stream here, not the server's memory
            await asyncio.sleep(resp.stream_pause)
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    def _refusal(self, host: str) -> Response | None:
        """A 502 like a proxy's for a host that does not exist or refuses connections, else None."""
        vhost = self.app.resolve(host)
        if vhost is None:
            return Response(status=502, body="sandbox: no such host", content_type="text/plain")
        if vhost.refuse:
            return Response(status=502, body="sandbox: connection refused", content_type="text/plain")
        return None

    async def _respond(self, req: Request) -> Response:
        if refusal := self._refusal(req.host):
            return refusal
        try:
            resp = await self.app.respond(req)
            resp.encode(head_only=True)  # a handler's bad header becomes a 500 here, not a broken connection
            return resp
        except Exception:
            log.exception("sandbox handler failed for %s", req.url)
            return Response(status=500, body="sandbox: handler failed", content_type="text/plain")

    async def _authorised(self, headers: dict[str, str], writer) -> bool:
        if not self.require_proxy_auth or headers.get("proxy-authorization"):
            return True
        writer.write(
            Response(
                status=407,
                body="proxy credentials needed",
                headers=[("Proxy-Authenticate", 'Basic realm="moneytrail sandbox"')],
            ).encode(close=True)
        )
        await writer.drain()
        return False

    async def _websocket(self, req: Request, reader, writer) -> None:
        refusal = self._refusal(req.host)
        route = None if refusal else self.app.resolve(req.host).find(req.path, websocket=True)
        key = req.headers.get("sec-websocket-key")
        if route is None or not key:
            writer.write((refusal or Response(status=404, body="no websocket here")).encode(close=True))
            await writer.drain()
            return
        writer.write(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {websocket_accept(key)}\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        ws = WebSocket(reader, writer)
        try:
            await route.handler(req, ws)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:
            log.exception("sandbox websocket handler failed for %s", req.url)
        finally:
            await ws.close()


class SandboxThread:
    """Runs a sandbox server on its own event loop in a background thread (tests, benchmarks, demo)."""

    def __init__(self, server: SandboxServer):
        self.server = server
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="sandbox", daemon=True)

    def __enter__(self) -> SandboxServer:
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(10)
        except BaseException:
            self._shutdown()
            raise
        return self.server

    def __exit__(self, *exc) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop).result(10)
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self._loop.close()
