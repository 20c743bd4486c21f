"""The sandbox's in-browser miners and decoys, checked in a real Chromium through the sandbox proxy.

Every miner kind of the world (Coinhive-style, stratum, throttled, first-party, obfuscated) must open its
pool socket, authenticate with its key or wallet, and get a valid share logged by the pool (so the wasm
compiled and ran in a Worker); the decoys must run and send nothing shaped like mining.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright import sync_api

from moneytrail.crawler.browser import QUIET_ARGS
from moneytrail.sandbox import decoys, livechat, miners, thirdparty
from moneytrail.sandbox.app import SandboxApp
from moneytrail.sandbox.http import Request, Response, WebSocket
from moneytrail.sandbox.server import SandboxServer, SandboxThread
from moneytrail.sandbox.wasm import MINER_ENTRY, MODULES, encode_module, miner_hash, module_bytes, module_sha256
from moneytrail.sandbox.world import load_world

pytestmark = pytest.mark.browser
WORLD = load_world()
FIRST_SHARE_WITHIN = 4.0  # seconds after navigation (the miners aim at about 1)
MINER_CASES = {  # miners whose library runs on the page (the worker-run miner has its own test)
    "coinhive": lambda s, p: s.protocol == "coinhive" and not p.throttle and not p.obfuscated and s.runtime == "page",
    "stratum": lambda s, p: s.protocol == "stratum" and s.script != miners.FIRST_PARTY,
    "throttled": lambda s, p: p.throttle >= 0.5 and s.runtime == "page",
    "first_party": lambda s, p: s.script == miners.FIRST_PARTY,
    "obfuscated": lambda s, p: p.obfuscated,
    "worker": lambda s, p: s.runtime == "worker",
}


def find_placement(case: str):
    for site in WORLD.sites:
        for placement in site.miners:
            if MINER_CASES[case](WORLD.miner_services[placement.service], placement):
                return site, placement
    raise LookupError(f"the world has no {case} miner")


def find_decoy_site(kind: str):
    return next(site for site in WORLD.sites if kind in site.decoys)


def miner_shaped(message) -> bool:
    return isinstance(message, dict) and (
        message.get("type") in ("auth", "authed", "job", "submit", "hash_accepted")
        or message.get("method") in ("login", "job", "submit")
        or "site_key" in json.dumps(message)
    )


def page_html(site) -> str:
    parts = [miners.miner_snippet(WORLD, site, m) for m in site.miners]
    parts += [decoys.decoy_snippet(WORLD, site, d) for d in site.decoys]
    body = "\n".join([f"<h1>{site.title}</h1>", *parts])
    return f"<!doctype html><html><head><title>{site.title}</title></head><body>\n{body}\n</body></html>"


@pytest.fixture(scope="module")
def mini_sandbox(tmp_path_factory):
    """A sandbox of this module's services only, with a bare page on each site that has miners or decoys."""
    app = SandboxApp()
    thirdparty.register(app)  # the CDN host: hash-wasm, @jsquash/webp, socket.io-client
    miners.register(app, WORLD)
    decoys.register(app, WORLD)
    for site in WORLD.sites:
        if site.miners or site.decoys:
            app.static(site.domain, "/", Response.html(page_html(site)))
    with SandboxThread(SandboxServer(app, state_dir=tmp_path_factory.mktemp("sandbox"))) as server:
        yield app, server


@pytest.fixture(scope="module")
def browser(mini_sandbox, chromium_path):
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=chromium_path, args=list(QUIET_ARGS), proxy={"server": mini_sandbox[1].address}
        )
        yield chromium
        chromium.close()


def parsed(payload):
    """A frame as JSON when it is JSON (miner protocols, the plain chat), else as sent (socket.io packets)."""
    try:
        return json.loads(payload)
    except (TypeError, ValueError):
        return payload


class Visit:
    """One page in a fresh context, with the requests it made and the WebSocket frames both ways."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(ignore_https_errors=True)
        self.requests: list[str] = []
        self.sockets: list[str] = []
        self.sent: list[tuple[str, object]] = []
        self.received: list[tuple[str, object]] = []
        self.errors: list[str] = []  # uncaught exceptions in the page
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.page.on("websocket", self._socket)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.started = time.monotonic()
        self.page.goto(url)

    def _socket(self, ws) -> None:
        self.sockets.append(ws.url)
        ws.on("framesent", lambda payload: self.sent.append((ws.url, parsed(payload))))
        ws.on("framereceived", lambda payload: self.received.append((ws.url, parsed(payload))))

    def wait_for(self, condition, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            self.page.wait_for_timeout(50)
        return True

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser):
    opened = []

    def open_page(url: str) -> Visit:
        opened.append(Visit(browser, url))
        return opened[-1]

    yield open_page
    for v in opened:
        v.close()


def events(app, kind: str, site: str) -> list[dict]:
    return [e for e in list(app.events) if e["kind"] == kind and e.get("site") == site]


# --- wasm ----------------------------------------------------------------------------------------------


def test_modules_are_deterministic_and_distinct():
    for kind, (name, funcs, exports) in MODULES.items():
        assert encode_module(name, funcs, exports, pages=2 if kind in MINER_ENTRY else 1) == module_bytes(kind)
    assert len({module_sha256(kind) for kind in MODULES}) == len(MODULES)


MODULES_IN_CHROMIUM = """async ({mods, entries, input, rle}) => {
  const out = {}, bytes = (b64) => Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const hex = (a) => Array.from(a, b => b.toString(16).padStart(2, '0')).join('');
  for (const [kind, b64] of Object.entries(mods)) {
    const code = bytes(b64), valid = WebAssembly.validate(code);
    const E = (await WebAssembly.instantiate(code)).instance.exports;
    out[kind] = {valid, exports: WebAssembly.Module.exports(new WebAssembly.Module(code)).map(e => e.name)};
    if (entries[kind]) {
      const ctx = E[entries[kind][0]](), data = bytes(input);
      new Uint8Array(E.memory.buffer).set(data, ctx + 256);
      E[entries[kind][1]](ctx, ctx + 256, ctx + 512, data.length);
      out[kind].hash = hex(new Uint8Array(E.memory.buffer, ctx + 512, 32));
    } else {
      const src = bytes(rle), inp = E.alloc(src.length), dst = E.alloc(1024);
      new Uint8Array(E.memory.buffer).set(src, inp);
      const n = E.decode_rle(inp, src.length, dst);
      out[kind].decoded = hex(new Uint8Array(E.memory.buffer, dst, n));
    }
  }
  return out;
}"""


def test_modules_validate_and_compute_like_python_in_chromium(visit):
    page = visit("about:blank").page
    b64 = lambda raw: base64.b64encode(raw).decode()
    data = bytes(range(7, 83))  # a 76-byte blob
    result = page.evaluate(
        MODULES_IN_CHROMIUM,
        {
            "mods": {kind: b64(module_bytes(kind)) for kind in MODULES},
            "entries": MINER_ENTRY,
            "input": b64(data),
            "rle": b64(decoys.rle_encode(decoys.thumbnail())),
        },
    )
    for kind, (_name, _funcs, exports) in MODULES.items():
        assert result[kind]["valid"] is True
        assert set(result[kind]["exports"]) == {"memory", *exports}
    for kind in MINER_ENTRY:
        assert result[kind]["hash"] == miner_hash(data).hex()
    assert result["thumbs"]["decoded"] == decoys.thumbnail().hex()


# --- pools, without a browser --------------------------------------------------------------------------


def meeting_nonce(blob: bytes) -> tuple[str, str]:
    for n in range(1000):
        nonce = n.to_bytes(4, "little")
        digest = miner_hash(blob[: miners.NONCE_OFFSET] + nonce + blob[miners.NONCE_OFFSET + 4 :])
        if int.from_bytes(digest[28:], "little") < miners.TARGET:
            return nonce.hex(), digest.hex()
    raise AssertionError("no nonce meets the target")


class ScriptedSocket:
    """Plays the client side of a pool connection: answers each server message with `respond`."""

    def __init__(self, first: dict, respond):
        self.inbox = [json.dumps(first)]
        self.outbox: list[dict] = []
        self.respond = respond

    async def recv(self):
        return self.inbox.pop(0) if self.inbox else None

    messages_json = WebSocket.messages_json  # the real parsing, over the scripted frames

    async def send(self, data) -> None:
        self.outbox.append(data)
        reply = self.respond(data)
        if reply:
            self.inbox.append(json.dumps(reply))


def test_stratum_pool_checks_shares():
    app = SandboxApp()
    service = next(s for s in WORLD.miner_services.values() if s.protocol == "stratum")
    submitted = []

    def respond(message):
        job = message.get("params") if message.get("method") == "job" else (message.get("result") or {}).get("job")
        if not job or len(submitted) == 2:
            return None
        nonce, result = meeting_nonce(bytes.fromhex(job["blob"]))
        result = result if not submitted else "00" * 32  # one good share, then a wrong one
        submitted.append(result)
        return {
            "id": 2,
            "jsonrpc": "2.0",
            "method": "submit",
            "params": {"id": "w", "job_id": job["job_id"], "nonce": nonce, "result": result},
        }

    ws = ScriptedSocket(
        {"id": 1, "jsonrpc": "2.0", "method": "login", "params": {"login": "WALLET", "pass": "x", "agent": "test"}},
        respond,
    )
    req = Request("GET", "wss", "pool", 443, "/", {"origin": "https://site.test"})
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API may hold this thread's event loop
        pool.submit(asyncio.run, miners.Pool(app, service).serve(req, ws)).result(10)
    assert ws.outbox[0]["result"]["status"] == "OK" and ws.outbox[0]["result"]["job"]["target"] == miners.TARGET_HEX
    assert ws.outbox[1] == {"id": 2, "jsonrpc": "2.0", "error": None, "result": {"status": "OK"}}
    assert ws.outbox[3]["error"] and ws.outbox[3]["result"] is None
    shares = [(e["site"], e["key"], e["valid"]) for e in app.events if e["kind"] == "miner_share"]
    assert shares == [("site.test", "WALLET", True), ("site.test", "WALLET", False)]


# --- miners in Chromium --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [c for c in MINER_CASES if c != "worker"])
def test_miner_mines_in_chromium(case, mini_sandbox, visit):
    app = mini_sandbox[0]
    site, placement = find_placement(case)
    truth = miners.miner_truth(WORLD, site, placement)
    key = placement.site_key if truth["protocol"] == "coinhive" else placement.wallet
    v = visit(f"https://{site.domain}/")

    def valid_share():
        return any(
            e["valid"] and e["key"] == key and e["service"] == placement.service
            for e in events(app, "miner_share", site.domain)
        )

    assert v.wait_for(valid_share, FIRST_SHARE_WITHIN), f"no valid share from {site.domain} in {FIRST_SHARE_WITHIN} s"
    submitted = lambda: any("submit" in (m.get("type"), m.get("method")) for _, m in v.sent)
    assert v.wait_for(submitted, 2)
    assert v.sockets == [truth["pool"]]
    hello = v.sent[0][1]
    if truth["protocol"] == "coinhive":
        assert hello["type"] == "auth" and hello["params"]["site_key"] == key
    else:
        assert hello["method"] == "login" and hello["params"]["login"] == key
    assert truth["script"] in v.requests and truth["wasm"] in v.requests
    assert any(w.url.startswith("blob:") for w in v.page.workers)
    assert any(e["key"] == key for e in events(app, "miner_auth", site.domain))
    assert v.errors == []
    snippet = miners.miner_snippet(WORLD, site, placement)
    if placement.obfuscated:
        assert "<script src" not in snippet and key not in snippet and truth["script"] not in snippet


def test_worker_miner_runs_everything_in_its_dedicated_worker(mini_sandbox, visit):
    """The page only starts the site's Worker file; the worker loads hash-wasm's Argon2 from the CDN, opens the
    pool socket itself, authenticates with the key, and its Chukwa shares pass the pool's argon2-cffi check."""
    app = mini_sandbox[0]
    site, placement = find_placement("worker")
    truth = miners.miner_truth(WORLD, site, placement)
    v = visit(f"https://{site.domain}/")

    def valid_share():
        return any(e["valid"] and e["key"] == placement.site_key for e in events(app, "miner_share", site.domain))

    assert v.wait_for(valid_share, FIRST_SHARE_WITHIN), f"no valid share from {site.domain} in {FIRST_SHARE_WITHIN} s"
    assert [w.url for w in v.page.workers] == [truth["script"]]  # a dedicated Worker from the site, no Blob
    assert truth["script"] in v.requests and truth["wasm"] == thirdparty.cdn_url(*miners.HASH_WASM)
    assert [e["key"] for e in events(app, "miner_auth", site.domain)] == [placement.site_key]
    assert placement.site_key not in thirdparty.package_file(*miners.HASH_WASM).read_text()
    snippet = miners.miner_snippet(WORLD, site, placement)
    assert "new Worker(" in snippet and "WebSocket" not in snippet and "<script src" not in snippet
    assert v.errors == []


# --- decoys in Chromium --------------------------------------------------------------------------------


def test_wasm_decoder_decoy_draws_the_thumbnail(mini_sandbox, visit):
    site = find_decoy_site("wasm_decoder")
    v = visit(f"https://{site.domain}/")
    v.page.wait_for_selector('#thumb-decoder[data-decoded="ok"]', timeout=5000)
    rgba = v.page.evaluate(
        "() => Array.from(document.getElementById('thumb-decoder').getContext('2d').getImageData(0, 0, 16, 16).data)"
    )
    assert rgba == [c for index in decoys.thumbnail() for c in decoys.PALETTE[index] + [255]]
    assert decoys.decoy_truth(WORLD, site, "wasm_decoder")["url"] in v.requests
    assert v.sockets == [] and not events(mini_sandbox[0], "miner_auth", site.domain)
    assert v.errors == []


def test_chat_decoy_shows_messages_and_does_not_look_like_a_miner(mini_sandbox, visit):
    site = find_decoy_site("chat_websocket")
    v = visit(f"https://{site.domain}/")
    assert v.wait_for(lambda: v.page.locator("#chat-box p").count() >= len(decoys.CHAT_LINES["en"]), 5)
    assert v.sockets == [decoys.decoy_truth(WORLD, site, "chat_websocket")["url"]]
    assert v.sent and not any(miner_shaped(m) for _, m in v.sent + v.received)
    assert not events(mini_sandbox[0], "miner_auth", site.domain)
    assert v.errors == []


def test_checksum_decoy_hashes_with_hash_wasm(mini_sandbox, visit):
    site = find_decoy_site("wasm_checksum")
    v = visit(f"https://{site.domain}/")
    v.page.wait_for_selector('#checksum[data-verified="ok"]', timeout=5000)
    digest = v.page.inner_text("#checksum code")
    assert digest == hashlib.sha256(decoys.release_notes(site)).hexdigest()
    assert decoys.decoy_truth(WORLD, site, "wasm_checksum")["url"] in v.requests
    assert v.sockets == [] and v.page.workers == [] and v.errors == []


def test_webp_decoy_decodes_the_poster_with_jsquash(mini_sandbox, visit):
    site = find_decoy_site("wasm_image_codec")
    v = visit(f"https://{site.domain}/")
    v.page.wait_for_selector('#poster-webp[data-decoded="ok"]', timeout=5000)
    w, h = decoys.POSTER_SIZE
    rgba = v.page.evaluate(
        f"() => Array.from(document.getElementById('poster-webp').getContext('2d').getImageData(0, 0, {w}, {h}).data)"
    )
    assert rgba == [c for pixel in decoys.poster_pixels() for c in pixel]  # lossless: libwebp's wasm decoded it
    assert decoys.decoy_truth(WORLD, site, "wasm_image_codec")["url"] in v.requests
    assert v.sockets == [] and v.errors == []


def test_socketio_chat_decoy_speaks_socket_io_not_mining(mini_sandbox, visit):
    site = find_decoy_site("socketio_chat")
    v = visit(f"https://{site.domain}/")
    lines = decoys.CHAT_LINES.get(site.lang, decoys.CHAT_LINES["en"])
    assert v.wait_for(lambda: v.page.locator("#live-chat p").count() >= len(lines), 5)
    assert v.page.locator("#live-chat p").first.inner_text() == f"{lines[0][0]}: {lines[0][1]}"
    prefix = decoys.decoy_truth(WORLD, site, "socketio_chat")["url_prefix"]
    assert [u.split("?")[0] for u in v.sockets] == [prefix] and "EIO=4&transport=websocket" in v.sockets[0]
    # Engine.IO open, Socket.IO connect, then `joined` and `chat message` events: nothing shaped like mining
    received = [m for _, m in v.received if isinstance(m, str)]
    assert received[0].startswith('0{"sid":') and any(m.startswith("40") for m in received)
    assert any(m.startswith(f'42["joined",{{"room":"{livechat.ROOM}"') for m in received)
    assert any(m.startswith('42["chat message",') for m in received)
    assert ('42["join","live"]' in [m for _, m in v.sent]) and not any(miner_shaped(m) for _, m in v.sent + v.received)
    assert not events(mini_sandbox[0], "miner_auth", site.domain)
    assert v.errors == []
