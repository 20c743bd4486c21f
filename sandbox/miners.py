"""In-browser cryptominers of the sandbox: their libraries, wasm modules and pools, the HTML a site
includes to run one, and the ground truth about each placement.

For each miner service of the world this serves
- the library at the service's `script` URL (for the first-party service, `/static/js/player-stats.js`
  on each site that uses it): it defines `window[<global>].Anonymous(key, {throttle})`, creates hashing
  Workers from a Blob URL (at most 2, after `navigator.hardwareConcurrency`) and holds the pool socket;
- the wasm module next to the library (`cryptonight.wasm` for the Coinhive-style services, `cn.wasm` for
  the stratum ones), which the Workers fetch cross-origin;
- the pool WebSocket at the `pool` URL, speaking the Coinhive protocol (auth/job/submit) or Monero stratum
  JSON-RPC (login/job/submit). It checks each share with `wasm.miner_hash` and logs `miner_auth` and
  `miner_share` events.

A service whose `runtime` is `worker` runs otherwise: the page starts a dedicated Worker from the site's own
file at the service's `script` path (`assets/miners/worker-miner.js`) and posts it the pool and the key; the
worker loads hash-wasm's Argon2 build from the CDN (real npm code, sandbox/thirdparty.py), compiles its wasm,
opens the pool socket (Coinhive protocol) and hashes TurtleCoin's Chukwa (Argon2id); its pool checks shares with
`chukwa_hash` (argon2-cffi).

The first burst of hashing starts as soon as a Worker has both the module and a job (a share within about
a second of page load, throttled or not); later bursts come every `PAUSE_MS / (1 - throttle)`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from argon2.low_level import Type, hash_secret_raw

from . import thirdparty
from .app import SandboxApp
from .http import Request, Response, WebSocket
from .wasm import MINER_ENTRY, miner_hash, module_bytes, module_sha256
from .world import MinerPlacement, MinerService, Site, World

ASSETS = Path(__file__).parent / "assets" / "miners"
FIRST_PARTY = "first-party"
FIRST_PARTY_PATH = "/static/js/player-stats.js"
LINEAGE = {"coinhive": "cryptonight", "stratum": "cn"}  # protocol -> wasm module kind
WASM_FILE = {"cryptonight": "cryptonight.wasm", "cn": "cn.wasm"}  # served next to the library
GLOBALS = {
    "coinhive": "CoinHive",
    "coinimp": "Client",
    "minero": "Minero",
    "cryptoloot": "CRLT",
    "selfhosted": "PlayerStats",
}  # the library's global object, per service id
PAUSE_MS = 1000  # between two bursts of an unthrottled Worker
BLOB_LEN = 76
NONCE_OFFSET = 39  # where the 4 nonce bytes go in the blob (as in Monero block blobs)
TARGET = 0x20000000  # a hash meets the target when its last 32-bit word (little-endian) is below it: 1 in 8
TARGET_HEX = TARGET.to_bytes(4, "little").hex()
MAX_JOBS = 16  # jobs a pool connection remembers for late submits
HASH_WASM = ("hash-wasm", "dist/argon2.umd.min.js")  # the npm package and file a worker miner loads


# --- JS assets ---------------------------------------------------------------------------------------


@cache
def _asset_text(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def render_asset(name: str, **values) -> str:
    """The JS asset `name` with each `__KEY__` placeholder replaced by `values[key]` as a JS literal."""
    text = _asset_text(name)
    for key, value in values.items():
        text = text.replace(f"__{key.upper()}__", json.dumps(value, separators=(",", ":")).replace("</", "<\\/"))
    return text.strip()


# --- where things are ---------------------------------------------------------------------------------


def global_name(service: MinerService) -> str:
    return GLOBALS.get(service.id) or "".join(ch for ch in service.id.title() if ch.isalnum())


def lineage(service: MinerService) -> str:
    return LINEAGE[service.protocol]


def script_url(site: Site, service: MinerService) -> str:
    """The library URL (a worker miner: its Worker file) as the browser requests it from `site`'s pages."""
    if service.runtime == "worker":
        return f"https://{site.domain}{service.script}"
    return f"https://{site.domain}{FIRST_PARTY_PATH}" if service.script == FIRST_PARTY else service.script


def wasm_url(site: Site, service: MinerService) -> str:
    """Where the hashing wasm comes from (a worker miner: the library file that carries it inline)."""
    if service.runtime == "worker":
        return thirdparty.cdn_url(*HASH_WASM)
    return urljoin(script_url(site, service), WASM_FILE[lineage(service)])


def wasm_sha256(service: MinerService) -> str:
    if service.runtime == "worker":
        return thirdparty.embedded_wasm_sha256(*HASH_WASM, "argon2")
    return module_sha256(lineage(service))


def _key(service: MinerService, placement: MinerPlacement) -> str:
    """The site key (Coinhive protocol) or the wallet (stratum) the page hands to the library."""
    if service.protocol == "stratum":
        return placement.wallet or placement.site_key
    return placement.site_key or placement.wallet


def _script_bases(world: World, service: MinerService) -> set[str]:
    if service.script != FIRST_PARTY:
        return {service.script}
    return {script_url(site, service) for site in world.sites if any(m.service == service.id for m in site.miners)}


# --- what pages include, and the truth about it --------------------------------------------------------


def miner_snippet(world: World, site: Site, placement: MinerPlacement) -> str:
    """The HTML that runs `placement` on a page of `site`: script tag plus init call, or an obfuscated
    inline loader (string array, char codes, atob, createElement('script')) when `placement.obfuscated`."""
    service = world.miner_services[placement.service]
    key, name, throttle = _key(service, placement), global_name(service), placement.throttle
    if service.runtime == "worker":
        config = json.dumps({"pool": service.pool, "key": key, "pause": round(PAUSE_MS / (1 - throttle))})
        return f"<script>new Worker({json.dumps(service.script)}).postMessage({config});</script>"
    src = FIRST_PARTY_PATH if service.script == FIRST_PARTY else service.script
    if placement.obfuscated:
        b64 = lambda text: base64.b64encode(text.encode()).decode()
        url = b64(src)
        parts = [b64("script"), url[: len(url) // 2], url[len(url) // 2 :], b64(name), b64("Anonymous"), b64(key[::-1])]
        return f"<script>{render_asset('loader.js', parts=parts, throttle=throttle)}</script>"
    init = f"new {name}.Anonymous({json.dumps(key)},{{throttle:{json.dumps(throttle)}}}).start();"
    return f'<script src="{src}"></script>\n<script>{init}</script>'


def miner_truth(world: World, site: Site, placement: MinerPlacement) -> dict:
    service = world.miner_services[placement.service]
    return {
        "service": service.name,
        "site_key": placement.site_key,
        "wallet": placement.wallet,
        "protocol": service.protocol,
        "pool": service.pool,
        "script": script_url(site, service),
        "wasm": wasm_url(site, service),
        "wasm_sha256": wasm_sha256(service),
        "throttle": placement.throttle,
        "obfuscated": placement.obfuscated,
    }


def library_js(service: MinerService) -> str:
    kind = lineage(service)
    config = {
        "name": global_name(service),
        "proto": service.protocol,
        "pool": service.pool,
        "wasm": WASM_FILE[kind],
        "fn": MINER_ENTRY[kind],
        "nonceAt": NONCE_OFFSET,
        "pause": PAUSE_MS,
        "agent": f"{global_name(service)}/1.0",
    }
    return render_asset("library.js", config=config, worker=_asset_text("worker.js"))


def worker_miner_js() -> str:
    return render_asset("worker-miner.js", library=thirdparty.cdn_url(*HASH_WASM), nonce_at=NONCE_OFFSET)


# --- pools ----------------------------------------------------------------------------------------------


def chukwa_hash(data: bytes) -> bytes:
    """TurtleCoin's Chukwa proof of work: Argon2id, 3 passes over 512 KiB, one lane, salted with the first 16
    bytes of the data, 32 bytes out (what a worker miner computes with hash-wasm)."""
    return hash_secret_raw(data, data[:16], time_cost=3, memory_cost=512, parallelism=1, hash_len=32, type=Type.ID)


def share_is_valid(blob: bytes, nonce_hex: str, result_hex: str, hasher=miner_hash) -> bool:
    """True when `result_hex` is the `hasher` hash of `blob` with the nonce in place and meets the target."""
    try:
        nonce = bytes.fromhex(nonce_hex)
    except (TypeError, ValueError):
        return False
    if len(nonce) != 4 or not isinstance(result_hex, str):
        return False
    digest = hasher(blob[:NONCE_OFFSET] + nonce + blob[NONCE_OFFSET + 4 :])
    return digest.hex() == result_hex.lower() and int.from_bytes(digest[28:], "little") < TARGET


@dataclass
class Session:
    """One pool connection: who it is, and the jobs it was given."""

    service: str
    site: str | None
    key: str | None = None
    jobs: dict[str, bytes] = field(default_factory=dict)
    issued: int = 0
    accepted: int = 0

    def new_job(self) -> dict:
        self.issued += 1
        seed = f"{self.service}|{self.site}|{self.key}|{self.issued}".encode()
        blob = bytearray((hashlib.sha256(seed).digest() * 3)[:BLOB_LEN])
        blob[NONCE_OFFSET : NONCE_OFFSET + 4] = bytes(4)
        job_id = hashlib.sha256(seed + b"job").hexdigest()[:16]
        self.jobs[job_id] = bytes(blob)
        while len(self.jobs) > MAX_JOBS:
            self.jobs.pop(next(iter(self.jobs)))
        return {"job_id": job_id, "blob": blob.hex(), "target": TARGET_HEX}


class Pool:
    """The pool WebSocket of one miner service."""

    def __init__(self, app: SandboxApp, service: MinerService):
        self.app = app
        self.service = service

    async def serve(self, req: Request, ws: WebSocket) -> None:
        session = Session(self.service.id, urlsplit(req.headers.get("origin", "")).hostname)
        handle = self._coinhive if self.service.protocol == "coinhive" else self._stratum
        async for msg in ws.messages_json():
            for reply in handle(msg, session):
                await ws.send(reply)

    def _auth(self, session: Session, key) -> None:
        session.key = key if isinstance(key, str) else None
        self.app.log("miner_auth", service=self.service.id, site=session.site, key=session.key)

    def _check(self, session: Session, params: dict) -> bool:
        blob = session.jobs.get(params.get("job_id"))
        hasher = chukwa_hash if self.service.runtime == "worker" else miner_hash
        valid = blob is not None and share_is_valid(blob, params.get("nonce"), params.get("result"), hasher)
        session.accepted += valid
        self.app.log("miner_share", service=self.service.id, site=session.site, key=session.key, valid=valid)
        return valid

    def _coinhive(self, msg: dict, session: Session) -> list[dict]:
        params = msg.get("params") if isinstance(msg.get("params"), dict) else {}
        if msg.get("type") == "auth":
            self._auth(session, params.get("site_key"))
            return [
                {"type": "authed", "params": {"token": "", "hashes": 0}},
                {"type": "job", "params": session.new_job()},
            ]
        if msg.get("type") == "submit":
            if self._check(session, params):
                reply = {"type": "hash_accepted", "params": {"hashes": session.accepted * (1 << 32) // TARGET}}
            else:
                reply = {"type": "error", "params": {"error": "invalid_result"}}
            return [reply, {"type": "job", "params": session.new_job()}]
        return []

    def _stratum(self, msg: dict, session: Session) -> list[dict]:
        params = msg.get("params") if isinstance(msg.get("params"), dict) else {}
        answer = {"id": msg.get("id"), "jsonrpc": "2.0", "error": None}
        if msg.get("method") == "login":
            self._auth(session, params.get("login"))
            worker_id = hashlib.sha256(f"{session.key}|{session.site}".encode()).hexdigest()[:12]
            return [{**answer, "result": {"id": worker_id, "job": session.new_job(), "status": "OK"}}]
        if msg.get("method") == "submit":
            if self._check(session, params):
                reply = {**answer, "result": {"status": "OK"}}
            else:
                reply = {**answer, "error": {"code": -1, "message": "Low difficulty share"}, "result": None}
            return [reply, {"jsonrpc": "2.0", "method": "job", "params": session.new_job()}]
        return []


def register(app: SandboxApp, world: World) -> None:
    """Serve every miner service of `world`: library, wasm module, pool."""
    for service in world.miner_services.values():
        pool = urlsplit(service.pool)
        app.ws(pool.hostname, pool.path or "/", Pool(app, service).serve)
        if service.runtime == "worker":
            worker = Response.js(worker_miner_js())
            for site in world.sites:
                if any(m.service == service.id for m in site.miners):
                    app.static(site.domain, service.script, worker)
            continue
        library = Response.js(library_js(service))
        wasm = Response(body=module_bytes(lineage(service)), content_type="application/wasm")
        for base in _script_bases(world, service):
            for url, response in ((base, library), (urljoin(base, WASM_FILE[lineage(service)]), wasm)):
                parts = urlsplit(url)
                app.static(parts.hostname, parts.path, response)
