"""Real third-party browser code the sandbox serves, from the checkout's `node_modules/`.

The packages are those of the repository's package.json, installed from the npm registry by
`tools/ensure-npm.sh` (`make npm`; part of `make test`, `make demo` and `make sandbox`), never vendored. Bundles
built from them at setup time (Prebid.js: its npm package holds ES module sources, not a browser file) are
in `node_modules/.moneytrail-build/`.

Pages load a package's files the way sites load them from a public CDN: `https://cdn.jsdelivr.net/npm/
<name>@<version>/<path>`, for the installed version only, only inside the package's folder. What the truth
needs from them (the digest of a wasm module a library carries or fetches) is read from the same files.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from functools import cache
from pathlib import Path

from .app import SandboxApp
from .http import Request, Response

CHECKOUT = Path(__file__).resolve().parent.parent
CDN_HOST = "cdn.jsdelivr.net"
BUILD_DIR = ".moneytrail-build"  # bundles tools/ensure-npm.sh builds, inside node_modules/
CONTENT_TYPES = {
    ".js": "application/javascript; charset=utf-8",
    ".mjs": "application/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".map": "application/json",
}
PACKAGE = re.compile(r"(@[a-z0-9][a-z0-9._-]*/)?[a-z0-9][a-z0-9._-]*")


class MissingPackages(RuntimeError):
    """node_modules/ (or a package or bundle in it) is missing: the message says to run `make npm`."""


def node_modules() -> Path:
    """The node_modules/ folder: `$MONEYTRAIL_NODE_MODULES`, else the checkout's."""
    return Path(os.environ.get("MONEYTRAIL_NODE_MODULES") or CHECKOUT / "node_modules")


def _missing(what: str) -> MissingPackages:
    return MissingPackages(
        f"{what} is missing from {node_modules()}: the sandbox serves real npm packages; "
        "install them with `make npm` (tools/ensure-npm.sh) from the checkout"
    )


@cache
def declared() -> dict[str, str]:
    """Package name -> the exact version package.json asks for."""
    try:
        return dict(json.loads((CHECKOUT / "package.json").read_text(encoding="utf-8"))["dependencies"])
    except (OSError, ValueError, KeyError) as exc:
        raise MissingPackages(f"cannot read the package list {CHECKOUT / 'package.json'}: {exc}") from None


def package_dir(name: str) -> Path:
    """The installed package `name` (one package.json declares), checked to be the declared version."""
    if name not in declared():
        raise ValueError(f"{name!r} is not a package of package.json")
    folder = node_modules() / name
    try:
        version = json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        raise _missing(f"the npm package {name}") from None
    if version != declared()[name]:
        raise MissingPackages(
            f"{name} {version} is installed but package.json asks for {declared()[name]}: run `make npm`"
        )
    return folder


def package_file(name: str, path: str) -> Path:
    """A file inside package `name`; never a path that leaves the package's folder."""
    folder = package_dir(name).resolve()
    target = (folder / path).resolve()
    if not target.is_relative_to(folder) or not target.is_file():
        raise FileNotFoundError(f"{name} has no file {path!r}")
    return target


def cdn_url(name: str, path: str) -> str:
    """Where pages load `path` of package `name` from: the public CDN URL of the installed version."""
    return f"https://{CDN_HOST}/npm/{name}@{declared()[name]}/{path}"


def built(name: str) -> Path:
    """A bundle tools/ensure-npm.sh built (e.g. `prebid.js`)."""
    target = node_modules() / BUILD_DIR / name
    if not target.is_file():
        raise _missing(f"the bundle {BUILD_DIR}/{name}")
    return target


@cache
def file_sha256(name: str, path: str) -> str:
    return hashlib.sha256(package_file(name, path).read_bytes()).hexdigest()


@cache
def embedded_wasm(name: str, path: str, module: str) -> bytes:
    """The wasm module `module` a library file carries inline (hash-wasm: `name:"<module>",data:"<base64>"`)."""
    text = package_file(name, path).read_text(encoding="utf-8")
    found = re.search(rf'name:"{re.escape(module)}",data:"([A-Za-z0-9+/=]+)"', text)
    if not found:
        raise ValueError(f"{name}/{path} carries no wasm module named {module!r}")
    data = base64.b64decode(found.group(1))
    if data[:4] != b"\0asm":
        raise ValueError(f"{name}/{path}: module {module!r} is not WebAssembly")
    return data


def embedded_wasm_sha256(name: str, path: str, module: str) -> str:
    return hashlib.sha256(embedded_wasm(name, path, module)).hexdigest()


def check_installed() -> None:
    """Raise MissingPackages unless every declared package and the bundles are in place."""
    for name in declared():
        package_dir(name)
    built("prebid.js")


def _split(rest: str) -> tuple[str, str, str] | None:
    """`<name>@<version>/<path>` (the name may be scoped) -> (name, version, path)."""
    scope = ""
    if rest.startswith("@"):
        scope, _, rest = rest.partition("/")
        scope += "/"
    spec, _, path = rest.partition("/")
    name, _, version = spec.partition("@")
    name = scope + name
    if not (PACKAGE.fullmatch(name) and version and path):
        return None
    return name, version, path


def serve_cdn(req: Request) -> Response:
    """`/npm/<name>@<version>/<path>` for the installed packages of package.json; anything else 404."""
    found = _split(req.path.removeprefix("/npm/"))
    if found is None or found[0] not in declared() or found[1] != declared()[found[0]]:
        return Response.not_found()
    name, _version, path = found
    try:
        target = package_file(name, path)
    except FileNotFoundError:
        return Response.not_found()
    return Response(
        body=target.read_bytes(),
        content_type=CONTENT_TYPES.get(target.suffix, "application/octet-stream"),
        headers=[("Cache-Control", "public, max-age=31536000, immutable")],
    )


def register(app: SandboxApp) -> None:
    """Serve the installed packages on the CDN host; fail now, with a clear message, when they are missing."""
    check_installed()
    app.http(CDN_HOST, "/npm/*", serve_cdn)
