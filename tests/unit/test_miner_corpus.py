"""Real in-browser miner shapes (tests/corpus/miners/): each is found with its service and its key or wallet;
decoys (chat and game sockets, wasm image decoders, hash libraries) are never miners."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest

from moneytrail.attribution.attribute import attribute
from moneytrail.attribution.signatures import load
from moneytrail.crawler.observation import (
    FrameRecord,
    InlineScript,
    Observation,
    RequestRecord,
    WasmModule,
    WebSocketRecord,
)

CORPUS = Path(__file__).parents[1] / "corpus" / "miners"
PAGE = "https://www.fixture-site.test/watch/1"


def cases():
    out = []
    for path in sorted(CORPUS.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for case in data.get("cases", []):
            out.append({"service": data.get("service", ""), **case})
    return out


def observe(case) -> Observation:
    obs = Observation("m", PAGE, "fixture-site.test", "home", "2026-11-01T00:00:00+00:00", final_url=PAGE,
                      final_site="fixture-site.test")  # fmt: skip
    obs.frames = [FrameRecord(0, 0, None, PAGE)]
    urls = [PAGE, *case.get("scripts", [])]
    for n, url in enumerate(urls):
        kind = "document" if n == 0 else "script"
        obs.requests.append(
            RequestRecord(n, url, "GET", kind, 0, 0, n == 0, 1, 0.1 * n, initiator=None if n == 0 else PAGE)
        )
    if case.get("inline"):
        text = case["inline"]
        obs.inline_scripts.append(
            InlineScript(hashlib.sha256(text.encode()).hexdigest(), len(text), " ".join(text.split()), PAGE)
        )
    if case.get("socket"):
        sent, received = list(case.get("sent", [])), list(case.get("received", []))
        obs.websockets.append(WebSocketRecord(case["socket"], 0, 1.0, sent, received, len(sent), len(received)))
    if case.get("wasm_exports"):
        digest = hashlib.sha256(" ".join(case["wasm_exports"]).encode()).hexdigest()
        obs.wasm.append(WasmModule(digest, 100_000, "compile", caller=(case.get("scripts") or [PAGE])[-1],
                                   exports=list(case["wasm_exports"])))  # fmt: skip
    return obs


@pytest.fixture(scope="module")
def sigs():
    return load()


@pytest.mark.parametrize("case", cases(), ids=lambda c: c["id"])
def test_case(case, sigs):
    miners = attribute(observe(case), sigs).miners
    if not case["service"]:
        assert miners == [], f"a decoy taken for a miner: {miners}"
        return
    found = [m.service for m in miners] == [case["service"]] and all(
        getattr(miners[0], field) == case[name]
        for field, name in (("site_key", "key"), ("wallet", "wallet"))
        if case.get(name)
    )
    if case.get("known_gap"):
        assert not found, f"{case['id']} is recognised now: drop its known_gap ({case['known_gap']})"
        return
    assert [m.service for m in miners] == [case["service"]], miners
    if case.get("key"):
        assert miners[0].site_key == case["key"], miners[0]
    if case.get("wallet"):
        assert miners[0].wallet == case["wallet"], miners[0]
