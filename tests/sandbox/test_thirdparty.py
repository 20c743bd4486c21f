"""Real npm code in the sandbox: served from node_modules/ on the CDN host (the installed version only, nothing
outside a package), read for the truth, and a clear error naming `make npm` when it is missing."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re

import pytest

from helpers import run_cli
from moneytrail.sandbox import miners, thirdparty
from moneytrail.sandbox.app import SandboxApp
from moneytrail.sandbox.http import Request


def get(app: SandboxApp, path: str, host: str = thirdparty.CDN_HOST):
    return asyncio.run(app.respond(Request("GET", "https", host, 443, path, {})))


@pytest.fixture
def cdn():
    app = SandboxApp()
    thirdparty.register(app)
    return app


def test_every_declared_package_is_installed_at_its_version():
    declared = json.loads((thirdparty.CHECKOUT / "package.json").read_text())["dependencies"]
    assert {"prebid.js", "hash-wasm", "@jsquash/webp", "socket.io-client"} <= set(declared)
    for name, version in declared.items():
        assert json.loads((thirdparty.package_dir(name) / "package.json").read_text())["version"] == version
    assert thirdparty.built("prebid.js").stat().st_size > 100_000  # the esbuild bundle of tools/ensure-npm.sh


def test_cdn_serves_installed_files_with_their_types(cdn):
    version = thirdparty.declared()["hash-wasm"]
    js = get(cdn, f"/npm/hash-wasm@{version}/dist/sha256.umd.min.js")
    assert js.status == 200 and js.content_type.startswith("application/javascript")
    assert js.body == thirdparty.package_file("hash-wasm", "dist/sha256.umd.min.js").read_bytes()
    wasm = get(cdn, f"/npm/@jsquash/webp@{thirdparty.declared()['@jsquash/webp']}/codec/dec/webp_dec.wasm")
    assert wasm.status == 200 and wasm.content_type == "application/wasm" and wasm.body[:4] == b"\0asm"
    assert thirdparty.cdn_url("hash-wasm", "dist/x.js") == f"https://cdn.jsdelivr.net/npm/hash-wasm@{version}/dist/x.js"


@pytest.mark.parametrize(
    "path",
    [
        "/npm/hash-wasm@0.0.1/dist/sha256.umd.min.js",  # another version
        "/npm/hash-wasm/dist/sha256.umd.min.js",  # no version
        "/npm/engine.io-client@6.6.3/package.json",  # installed, but only as a dependency
        "/npm/hash-wasm@4.13.0/../socket.io-client/package.json",
        "/npm/hash-wasm@4.13.0/dist/../../socket.io-client/dist/socket.io.js",
        "/npm/hash-wasm@4.13.0/dist/%2e%2e/%2e%2e/socket.io-client/package.json",
        "/npm/hash-wasm@4.13.0/dist",  # a folder
        "/npm/@jsquash@1.5.0/x.js",
        "/npm/",
    ],
)
def test_cdn_refuses_anything_else(cdn, path):
    assert get(cdn, path).status == 404


def test_wasm_digests_come_from_the_installed_files():
    source = thirdparty.package_file(*miners.HASH_WASM).read_text()
    data = base64.b64decode(re.search(r'name:"argon2",data:"([^"]+)"', source).group(1))
    assert data[:4] == b"\0asm"
    assert thirdparty.embedded_wasm_sha256(*miners.HASH_WASM, "argon2") == hashlib.sha256(data).hexdigest()
    with pytest.raises(ValueError, match="no wasm module named 'md5'"):
        thirdparty.embedded_wasm(*miners.HASH_WASM, "md5")


def test_chukwa_matches_turtlecoins_published_test_vector():
    """The pool's reference of what the worker miner computes: TurtleCoin's Chukwa test block and hash."""
    block = bytes.fromhex(
        "0100fb8e8ac805899323371bb790db19218afd8db8e3755d8b90f39b3d5506a9abce4fa912244500000000ee8146d49fa93ee724de"
        "b57d12cbc6c6f3b924d946127c7a97418f9348828f0f02"
    )
    assert len(block) == miners.BLOB_LEN
    assert miners.chukwa_hash(block).hex() == "c0dad0eeb9c52e92a1c3aa5b76a3cb90bd7376c28dce191ceeb1096e3a390d2e"


def test_missing_node_modules_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MONEYTRAIL_NODE_MODULES", str(tmp_path))
    with pytest.raises(thirdparty.MissingPackages, match="make npm"):
        thirdparty.register(SandboxApp())
    for command in (["sandbox", "truth"], ["sandbox", "serve", "--port", "0"]):
        result = run_cli(*command, env={"MONEYTRAIL_NODE_MODULES": str(tmp_path)})
        assert result.returncode == 2 and "make npm" in result.stderr and "Traceback" not in result.stderr, command


def test_a_stale_install_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "hash-wasm").mkdir()
    (tmp_path / "hash-wasm" / "package.json").write_text('{"version": "1.0.0"}')
    monkeypatch.setenv("MONEYTRAIL_NODE_MODULES", str(tmp_path))
    with pytest.raises(thirdparty.MissingPackages, match=r"hash-wasm 1\.0\.0 is installed but .*make npm"):
        thirdparty.package_dir("hash-wasm")
