"""The sandbox server as a client sees it: origin, forward proxy, CONNECT + TLS, WebSocket, geo credentials."""

from __future__ import annotations

import base64
import os
import socket
import ssl
import struct
import urllib.error
import urllib.request

import pytest

from moneytrail.sandbox.app import SandboxApp
from moneytrail.sandbox.http import Response
from moneytrail.sandbox.server import SandboxServer, SandboxThread, country_from_proxy_auth


def _app() -> SandboxApp:
    app = SandboxApp()
    app.http("a.test", "/", lambda req: Response.text(f"{req.scheme} {req.host} {req.path} {req.country}"))
    app.http("a.test", "/echo", lambda req: Response.text(req.body.decode() + "|" + req.method))
    app.host("refused.test").refuse = True
    app.http("a.test", "/boom", lambda req: 1 / 0)
    app.http("a.test", "/go", lambda req: Response.redirect(req.query.get("to", "/")))

    async def echo(req, ws):
        while (msg := await ws.recv()) is not None:
            await ws.send(msg)

    app.ws("a.test", "/ws", echo)
    return app


@pytest.fixture()
def server(tmp_path):
    with SandboxThread(SandboxServer(_app(), tmp_path)) as running:
        yield running


def _raw(server, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks) and b"Content-Length" in b"".join(chunks):
                head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                if len(body) >= length:
                    break
        return b"".join(chunks)


def _opener(server, tls_context=None):
    handlers = [urllib.request.ProxyHandler({"http": server.address, "https": server.address})]
    if tls_context:
        handlers.append(urllib.request.HTTPSHandler(context=tls_context))
    return urllib.request.build_opener(*handlers)


def test_origin_dispatches_by_host_header(server):
    reply = _raw(server, b"GET /?x=1 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200 OK") and reply.endswith(b"http a.test / None")


def test_keep_alive_serves_several_requests_on_one_connection(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        for _ in range(3):
            sock.sendall(b"POST /echo HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\nhello")
            data = b""
            while not data.endswith(b"hello|POST"):
                data += sock.recv(4096)
            assert data.startswith(b"HTTP/1.1 200")


def test_forward_proxy_with_absolute_uri(server):
    with _opener(server).open("http://a.test/", timeout=5) as resp:
        assert resp.read() == b"http a.test / None"


def test_connect_gives_tls_with_a_certificate_for_the_requested_host(server):
    ctx = ssl.create_default_context(cafile=str(server.ca.ca_cert_path))  # verifies chain and hostname
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT  # as Python 3.13 does by default
    with _opener(server, ctx).open("https://a.test/", timeout=5) as resp:
        assert resp.read() == b"https a.test / None"
    names = {p.name for p in server.ca.directory.iterdir()}
    assert not any("a.test" in n for n in names)  # file names never come from hostnames


def test_unknown_and_refusing_hosts_answer_distinct_502s(server):
    for host, text in (("nowhere.test", b"no such host"), ("refused.test", b"connection refused")):
        with pytest.raises(urllib.error.HTTPError) as err:
            _opener(server).open(f"http://{host}/", timeout=5)
        assert err.value.code == 502 and text in err.value.read()
        reply = _raw(server, f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
        assert reply.startswith(b"HTTP/1.1 502") and reply.endswith(text)


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"POST /echo HTTP/1.1\r\nHost: a.test\r\nContent-Length: -5\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nHost: a.test\r\nContent-Length: abc\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"CONNECT a.test:abc HTTP/1.1\r\nHost: a.test\r\n\r\n",
        b"GET http://a.test:99999/ HTTP/1.1\r\nHost: a.test\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a.test:\u00b2\r\n\r\n".encode("latin-1"),
    ],
)
def test_malformed_requests_get_a_400(server, request_bytes):
    assert _raw(server, request_bytes).startswith(b"HTTP/1.1 400")


def test_a_failing_handler_answers_500_and_the_connection_lives_on(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /boom HTTP/1.1\r\nHost: a.test\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 500")
        sock.sendall(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")


def test_redirects_neither_split_headers_nor_inject_html(server):
    assert _raw(server, b"GET /go?to=/x%0aSet-Cookie:%20a=1 HTTP/1.1\r\nHost: a.test\r\n\r\n").startswith(
        b"HTTP/1.1 500"
    )
    reply = _raw(server, b'GET /go?to=/"><script>x</script> HTTP/1.1\r\nHost: a.test\r\n\r\n')
    assert b"<script>" not in reply.partition(b"\r\n\r\n")[2]


def test_http10_connections_close_after_the_answer(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\nHost: a.test\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):  # ends because the server closes
            data += chunk
    assert b"Connection: close" in data and data.endswith(b"http a.test / None")


def test_certificates_are_issued_only_for_hosts_the_sandbox_serves(server):
    before = set(server.ca.directory.iterdir())
    for name in ("a.test", "random-1.www.google.com", "random-2.www.google.com"):
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        raw.sendall(b"CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n")
        assert raw.recv(4096).startswith(b"HTTP/1.1 200")
        ctx = ssl.create_default_context(cafile=str(server.ca.ca_cert_path))
        ctx.check_hostname = False
        with ctx.wrap_socket(raw, server_hostname=name) as tls:
            names = [v for k, v in tls.getpeercert()["subjectAltName"]]
        assert names == ["a.test"]
    assert len(set(server.ca.directory.iterdir()) - before) <= 1


def test_garbage_does_not_hurt_the_server(server):
    assert _raw(server, b"\x16\x03\x01garbage that is not http\r\n\r\n").startswith(b"HTTP/1.1 400")
    try:
        _raw(server, b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 2_000_000 + b"\r\n\r\n")
    except ConnectionResetError:
        pass  # the server hung up on a 2 MB header: what matters is that it still serves others
    reply = _raw(server, b"GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200")


def _ws_frame(payload: bytes, opcode: int = 1) -> bytes:
    mask = os.urandom(4)
    n = len(payload)
    head = struct.pack("!BB", 0x80 | opcode, 0x80 | (n if n < 126 else 126))
    if n >= 126:
        head += struct.pack("!H", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _ws_connect(server):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(
        b"GET /ws HTTP/1.1\r\nHost: a.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    assert sock.recv(4096).startswith(b"HTTP/1.1 101")
    return sock


def test_websocket_refuses_unmasked_and_oversized_messages(server):
    with _ws_connect(server) as sock:
        sock.sendall(b"\x81\x05hello")  # not masked
        assert sock.recv(16)[:4] == b"\x88\x02\x03\xea"  # close 1002
    with _ws_connect(server) as sock:
        piece = b"x" * 60_000
        try:
            for i in range(20):  # 1.2 MB in fragments of one message (FIN bit off)
                frame = _ws_frame(piece, opcode=0 if i else 1)
                sock.sendall(bytes([frame[0] & 0x7F]) + frame[1:])
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert b"\x88\x02\x03\xf1" in sock.recv(64)  # close 1009


def test_websocket_over_tls_through_connect(server):
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    raw.sendall(b"CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\n\r\n")
    assert raw.recv(4096).startswith(b"HTTP/1.1 200")
    ctx = ssl.create_default_context(cafile=str(server.ca.ca_cert_path))
    with ctx.wrap_socket(raw, server_hostname="a.test") as sock:
        sock.sendall(
            b"GET /ws HTTP/1.1\r\nHost: a.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        head = sock.recv(4096)
        assert head.startswith(b"HTTP/1.1 101") and b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head
        big = b"x" * 300
        for payload in (b"hello", big):
            sock.sendall(_ws_frame(payload))
            data = b""
            while len(data) < len(payload) + 2:
                data += sock.recv(4096)
            offset = 4 if len(payload) >= 126 else 2
            assert data[offset:] == payload


def test_geo_proxy_asks_for_credentials_and_takes_the_country_from_the_user_name(tmp_path):
    with SandboxThread(SandboxServer(_app(), tmp_path, require_proxy_auth=True)) as server:
        with pytest.raises(urllib.error.HTTPError) as err:
            _opener(server).open("http://a.test/", timeout=5)
        assert err.value.code == 407
        auth = base64.b64encode(b"analyst-country-fr:secret").decode()
        req = urllib.request.Request("http://a.test/", headers={"Proxy-Authorization": f"Basic {auth}"})
        with _opener(server).open(req, timeout=5) as resp:
            assert resp.read() == b"http a.test / fr"


@pytest.mark.parametrize(
    "user,country",
    [
        ("analyst-country-fr", "fr"),
        ("country-DE", "de"),
        ("user_country_es_session-9", "es"),
        ("analyst", None),
        ("countryfr", None),
    ],
)
def test_country_from_proxy_credentials(user, country):
    header = "Basic " + base64.b64encode(f"{user}:pw".encode()).decode()
    assert country_from_proxy_auth(header) == country
    assert country_from_proxy_auth("Basic !!!notbase64") is None
