"""In-browser cryptominers of a visit: which service (or "unknown"), with which site key or wallet.

Strong signals, any one of which makes a miner: a pool protocol spoken on a WebSocket (`pool_auth`,
`pool_job`, `pool_submit`: the key or wallet comes from the auth message), a WebAssembly module whose exports
are a CryptoNight miner's or whose digest is a known miner's (`wasm`), a request to a known miner service's
host (`miner_host`). Weak signals only add to a miner found so: the key in an inline init call (`inline_key`),
Workers started by the miner's script (`workers`), a miner filter list blocking a host (`list`). A chat on a
WebSocket or a wasm image decoder has none of the strong shapes, so it is never a miner."""

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


def _path(message: dict, dotted: str):
    value = message
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _messages(texts: list[str]):
    for text in texts:
        if not text or text[0] not in "{[":
            continue
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested deep enough to exhaust the parser
            continue
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
                value = _path(msg, proto.key)
                if isinstance(value, str) and KEY_RE.match(value):
                    signals.add("pool_auth")
                    key_type, key = proto.key_type, value
            elif (
                kind == proto.submit
                and isinstance(msg.get("params"), dict)
                and all(f in msg["params"] for f in proto.submit_params)
            ):
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
        signals, key_type, key = _pool(sigs.protocols, ws.sent, ws.received)
        if not signals:
            continue
        service = sigs.miner_of_host(fast_host(ws.url))
        if key_type == "miner_wallet" and key:
            key = key.split(".")[0].split("+")[0]
        for signal in sorted(signals):
            add(
                service,
                signal,
                key if key_type == "miner_site_key" else None,
                key if key_type == "miner_wallet" else None,
                ws.url,
            )
    for module in obs.wasm:
        named = any(p.search(e) for e in module.exports for p in sigs.wasm_exports)
        if named or (module.sha256 and module.sha256 in sigs.wasm_sha256):
            where = module.url or module.caller or module.frame_url or ""
            add(sigs.miner_of_host(fast_host(where)), "wasm")
    carriers = [(s.url, (texts or {}).get(s.sha256, "")) for s in obs.scripts]
    carriers += [(s.frame_url, s.excerpt) for s in obs.inline_scripts]
    for where, text in carriers:
        for module in embedded_modules(text):
            exports, _ = wasm.interface(module)
            if any(p.search(e) for e in exports for p in sigs.wasm_exports) or wasm.sha256(module) in sigs.wasm_sha256:
                add(sigs.miner_of_host(fast_host(where)), "wasm")
    for host in dict.fromkeys(hosts if hosts is not None else (fast_host(r.url) for r in obs.requests)):
        service = sigs.host(host)[1]
        if service:
            add(service, "miner_host")
    for script in obs.inline_scripts:
        for svc in sigs.services.values():
            for pattern in svc.inline:
                match = pattern.search(script.excerpt)
                if match:
                    weak.append((svc.name, "inline_key", match.group(1) if pattern.groups else None))
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
        if key and not (miner.site_key or miner.wallet):
            miner.site_key = key
    return list(found.values())
