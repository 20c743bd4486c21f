"""In-browser cryptominers of a visit: which service (or "unknown"), with which site key or wallet.

Strong signals, any one of which makes a miner: a pool protocol spoken on a WebSocket (`pool_auth`,
`pool_job`, `pool_submit`: the key or wallet comes from the auth message; frames base64-encoded under a
one-byte XOR, or socket.io frames, are read too), a WebAssembly module whose exports are a CryptoNight
miner's (or the create/destroy/hash triad of a renamed build) or whose digest is a known miner's (`wasm`,
also for a module a script carries in its code), a request or a WebSocket to a known miner service's host
(`miner_host`), a known library's init call in page code together with that library's file, from any host
(`library`). Weak signals only add to a miner found so: the key in an inline init call (`inline_key`), a key
in a URL the service is loaded with (`url_key`), Workers started by the miner's script (`workers`), a miner
filter list blocking a host (`list`). A key is reported as a wallet when it has a wallet's shape (Monero,
TurtleCoin, Nimiq), whatever field carried it. A chat on a WebSocket or a wasm image decoder has none of the
strong shapes, so it is never a miner."""

from __future__ import annotations

import base64
import binascii
import json
import re

from moneytrail.crawler import wasm
from moneytrail.crawler.domains import registrable_domain
from moneytrail.crawler.observation import Observation

from .findings import Miner
from .requests import fast_host
from .signatures import Protocol, Signatures

STRONG = ("pool_auth", "pool_job", "pool_submit", "wasm", "miner_host")
# a WebAssembly module carried inside code ("\0asm" then version 1): base64, a byte array literal, hex
EMBEDDED = (
    re.compile(r"AGFzbQ[A-Za-z0-9+/]{10,}={0,2}"),
    re.compile(r"\b0\s*,\s*97\s*,\s*115\s*,\s*109\s*,\s*1\s*,\s*0\s*,\s*0\s*,\s*0\b(?:\s*,\s*\d{1,3}){0,4000000}"),
    re.compile(r"0061736d01000000(?:[0-9a-fA-F]{2})*"),
)
MAX_EMBEDDED = 5  # modules decoded per visit


def embedded_modules(text: str) -> list[bytes]:
    """WebAssembly modules a script carries in its code (how miners that compile inside a Worker ship them)."""
    found: list[bytes] = []
    if "AGFzbQ" not in text and "97" not in text and "0061736d" not in text:
        return found
    for kind, pattern in enumerate(EMBEDDED):
        for match in pattern.finditer(text):
            if len(found) >= MAX_EMBEDDED:
                return found
            raw = match.group(0)
            try:
                if kind == 0:
                    data = base64.b64decode(raw + "=" * (-len(raw) % 4))
                elif kind == 1:
                    data = bytes(int(v) for v in raw.replace(" ", "").split(","))
                else:
                    data = bytes.fromhex(raw[: len(raw) // 2 * 2])
            except (binascii.Error, ValueError):
                continue
            if data.startswith(wasm.MAGIC):
                found.append(data)
    return found


KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:+/=-]{3,199}$")  # a site key or wallet as pools take them
BASE58 = "1-9A-HJ-NP-Za-km-z"
WALLETS = (
    re.compile(f"^[48][{BASE58}]{{94}}(?:[{BASE58}]{{11}})?$"),  # Monero: standard, sub- and integrated address
    re.compile(f"^TRTL[{BASE58}]{{95}}(?:[{BASE58}]{{88}})?$"),  # TurtleCoin
    re.compile(r"^NQ[0-9]{2}(?: ?[0-9A-HJ-NP-VXY]{4}){8}$"),  # Nimiq (written in groups of four)
)


def typed_key(value: str) -> tuple[str, str] | None:
    """("miner_wallet" | "miner_site_key", value) of a key a page or its pool carries, the wallet stripped of
    a worker name, a difficulty or a payment id (`4...wallet.worker`, `+5000`); None when it is no key."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    for pattern in WALLETS:
        if pattern.match(value):
            return "miner_wallet", value
    head = re.split(r"[.+:]", value, maxsplit=1)[0]
    if head != value and any(p.match(head) for p in WALLETS):
        return "miner_wallet", head
    return ("miner_site_key", value) if KEY_RE.match(value) else None


def _path(message, dotted: str):
    """The value at a dotted path (`params.login`, `params.0` for a list index), or None."""
    value = message
    for part in dotted.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


SOCKET_IO = re.compile(r"^\d{1,3}(?=\[)")


def _decoded(text: str) -> str | None:
    """A frame that is no JSON as sent: base64 of JSON under a one-byte XOR (CoinImp's frames), decoded."""
    if len(text) < 8 or len(text) > 64 * 1024 or not re.fullmatch(r"[A-Za-z0-9+/=\s]+", text):
        return None
    try:
        raw = base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return None
    if not raw:
        return None
    key = raw[0] ^ ord("{")  # a JSON object starts with {: the first byte names the key
    plain = bytes(b ^ key for b in raw)
    try:
        return plain.decode("utf-8") if plain.endswith(b"}") else None
    except UnicodeDecodeError:
        return None


def _messages(texts: list[str]):
    """The JSON objects of a socket's frames: plain JSON, socket.io frames (`42["event", {...}]` read as
    `{"event": ..., "args": [...]}` and each object argument), and XOR-encoded base64 frames."""
    for text in texts:
        if not text:
            continue
        text = text.strip()
        io = SOCKET_IO.match(text)
        if io:
            text = text[io.end() :]
        elif text[0] not in "{[":
            text = _decoded(text) or ""
            if not text:
                continue
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested deep enough to exhaust the parser
            continue
        if io and isinstance(value, list) and value and isinstance(value[0], str):
            yield {"event": value[0], "args": value[1:]}
            value = value[1:]
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                yield item


def _pool(
    protocols: tuple[Protocol, ...], sent: list[str], received: list[str]
) -> tuple[set[str], str | None, str | None]:
    """Signals of a pool protocol on one socket, the protocol's key type and the key."""
    best: tuple[set[str], str | None, str | None] = (set(), None, None)
    for proto in protocols:
        signals, key_type, key = set(), None, None
        for msg in _messages(sent):
            kind = msg.get(proto.field)
            if kind == proto.auth:
                for path in proto.key:
                    typed = typed_key(_path(msg, path))
                    if typed:
                        signals.add("pool_auth")
                        key_type, key = typed
                        if key_type == "miner_site_key" and proto.key_type == "miner_wallet":
                            # the protocol logs in with a wallet, of a coin whose shape we do not know
                            key_type, key = "miner_wallet", re.split(r"[.+]", key, maxsplit=1)[0]
                        break
            elif kind == proto.submit:
                params = msg.get("params") if isinstance(msg.get("params"), dict) else msg
                if all(f in params for f in proto.submit_params):
                    signals.add("pool_submit")
        for msg in _messages(received):
            for path in proto.job_blob:
                # a job message of its own, or the pool's answer (it carries the request's id) to a login
                shaped = "id" in msg if path.startswith("result.") else msg.get(proto.field) == proto.job
                if shaped and isinstance(_path(msg, path), str):
                    signals.add("pool_job")
        if len(signals) > len(best[0]) or (len(signals) == len(best[0]) and key and not best[2]):
            best = (signals, key_type, key)
    return best


def attribute_miners(
    obs: Observation,
    sigs: Signatures,
    list_hosts: set[str] = frozenset(),
    hosts: list[str] | None = None,
    texts: dict[str, str] | None = None,
) -> list[Miner]:
    """`hosts`: the host of each request, if already known; `texts`: the visit's kept script texts."""
    site = obs.final_site or obs.site
    found: dict[str, Miner] = {}  # service (or "unknown") -> miner
    weak: list[tuple[str | None, str, str | None]] = []  # (service, signal, key)

    def add(
        service: str | None,
        signal: str,
        site_key: str | None = None,
        wallet: str | None = None,
        pool: str | None = None,
    ) -> None:
        miner = found.setdefault(service or "unknown", Miner(service or "unknown"))
        if signal not in miner.signals:
            miner.signals.append(signal)
        miner.site_key = miner.site_key or site_key
        miner.wallet = miner.wallet or wallet
        miner.pool = miner.pool or pool

    for ws in obs.websockets:
        service = sigs.miner_of_host(fast_host(ws.url))
        signals, key_type, key = _pool(sigs.protocols, ws.sent, ws.received)
        if service:  # a socket to a miner service's pool, whatever its frames say (encoded, or none yet)
            add(service, "miner_host", pool=ws.url)
        for signal in sorted(signals):
            add(
                service,
                signal,
                key if key_type == "miner_site_key" else None,
                key if key_type == "miner_wallet" else None,
                ws.url,
            )
    for module in obs.wasm:
        if _miner_module(module.exports, module.sha256, sigs):
            where = module.url or module.caller or module.frame_url or ""
            add(sigs.miner_of_host(fast_host(where)), "wasm")
    carriers = [(s.url, (texts or {}).get(s.sha256, "")) for s in obs.scripts]
    carriers += [(s.frame_url, s.excerpt) for s in obs.inline_scripts]
    for where, text in carriers:
        for module in embedded_modules(text):
            if _miner_module(wasm.interface(module)[0], wasm.sha256(module), sigs):
                add(sigs.miner_of_host(fast_host(where)), "wasm")
    for host in dict.fromkeys(hosts if hosts is not None else (fast_host(r.url) for r in obs.requests)):
        service = sigs.host(host)[1]
        if service:
            add(service, "miner_host")
    paths = [urlsplit_path(r.url) for r in obs.requests if r.resource_type == "script"]
    for script in obs.inline_scripts:
        for svc in sigs.services.values():
            for pattern in svc.inline:
                match = pattern.search(script.excerpt)
                if not match:
                    continue
                key = match.group(1) if pattern.groups else None
                if any(p.search(path) for p in svc.scripts for path in paths):  # its init, and its library
                    add(svc.name, "library")
                weak.append((svc.name, "inline_key", key))
        for pattern in sigs.miner_inline:
            match = pattern.search(script.excerpt)
            if match:
                weak.append((None, "inline_key", match.group(1) if pattern.groups else None))
    for url in [r.url for r in obs.requests] + [f.url for f in obs.frames] + [w.url for w in obs.websockets]:
        for svc in sigs.services.values():
            for pattern in svc.keys:
                match = pattern.search(url)
                if match and match.group(1):
                    weak.append((svc.name, "url_key", match.group(1)))
    miner_scripts = {w.caller for w in obs.workers if w.caller and sigs.miner_of_host(fast_host(w.caller))}
    if miner_scripts or (found and len(obs.workers) >= 1):
        weak.append((None, "workers", None))
    if any(registrable_domain(h) != site for h in list_hosts):
        weak.append((None, "list", None))
    if not found:
        return []
    # one miner per service; signals without a service go to the one miner there is (or the unknown one)
    if "unknown" in found and len(found) > 1:
        orphan = found.pop("unknown")
        target = next(iter(found.values()))
        for signal in orphan.signals:
            if signal not in target.signals:
                target.signals.append(signal)
        target.site_key, target.wallet = target.site_key or orphan.site_key, target.wallet or orphan.wallet
        target.pool = target.pool or orphan.pool
    for service, signal, key in weak:
        miner = found.get(service) if service else next(iter(found.values()))
        if miner is None:
            continue
        if signal not in miner.signals:
            miner.signals.append(signal)
        typed = typed_key(key) if key else None
        if typed and not (miner.site_key or miner.wallet):
            if typed[0] == "miner_wallet":
                miner.wallet = typed[1]
            else:
                miner.site_key = typed[1]
    return list(found.values())


TRIAD = ("_create", "_destroy", "_hash")


def _miner_module(exports: list[str], digest: str | None, sigs: Signatures) -> bool:
    """A miner's WebAssembly: a CryptoNight export name, a known digest, or the create/destroy/hash triad under
    one prefix (builds renamed for each customer keep it)."""
    if any(p.search(e) for e in exports for p in sigs.wasm_exports) or (digest and digest in sigs.wasm_sha256):
        return True
    names = set(exports)
    prefixes = {e[: -len(TRIAD[0])] for e in exports if e.endswith(TRIAD[0]) and len(e) > len(TRIAD[0])}
    return any(all(p + suffix in names for suffix in TRIAD) for p in prefixes)


def urlsplit_path(url: str) -> str:
    """The path of a URL ('' when it has none): what a library's file name is read from."""
    rest = url.split("://", 1)[-1]
    slash = rest.find("/")
    return rest[slash:].split("?", 1)[0].split("#", 1)[0] if slash >= 0 else ""
