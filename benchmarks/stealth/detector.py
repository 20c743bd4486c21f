"""The detector site: one https page of bot checks, served from loopback by the sandbox's server (an origin
and an HTTP forward proxy in one), with the detector libraries served from node_modules.

A runner's browser uses the site as its proxy, as a crawl with `--proxy` does. The site keeps
- what the page posted to `/report` (its checks, each `{name, bot, detail}`, merged: a later post wins);
- the headers of every request to the page's host (the document's are embedded in the page for its checks);
- every other hostname the browser asked the proxy for: its calls home (answered 502, never forwarded).

One site per runner: what it saw is that runner's alone.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from moneytrail.sandbox.app import SandboxApp, VirtualHost
from moneytrail.sandbox.http import Request, Response
from moneytrail.sandbox.server import SandboxServer, SandboxThread

ROOT = Path(__file__).resolve().parents[2]
PAGE_DIR = Path(__file__).resolve().parent / "page"
PAGE_HOST = "stealthbench.test"  # a registrable domain: the crawler's ads.txt requests come here too
PAGE_URL = f"https://{PAGE_HOST}/"
# the real detector libraries, as installed by `make npm` (package.json): served path -> file
NPM = {
    "/npm/botd.js": "@fingerprintjs/botd/dist/botd.esm.js",
    "/npm/disable-devtool.js": "disable-devtool/disable-devtool.min.js",
    "/npm/devtools-detect.js": "devtools-detect/index.js",
}
PAGE_FILES = {f"/{p.name}": p.name for p in PAGE_DIR.glob("*.js")}  # the page's own scripts
SEEN_HEADERS = ("user-agent", "accept-language")  # embedded in the page, with every sec-ch-* header
MAX_REPORT_BYTES = 256 * 1024
MAX_DETAIL = 600


class RecordingApp(SandboxApp):
    """A sandbox app that remembers every hostname a client named (CONNECT, absolute URI or Host header)."""

    def __init__(self):
        super().__init__()
        self.asked: list[str] = []

    def resolve(self, hostname: str) -> VirtualHost | None:
        self.asked.append(hostname.lower().rstrip("."))
        return super().resolve(hostname)


def clean_results(items) -> dict[str, dict]:
    """A page's posted checks, validated: name -> {bot: True/False/None, detail: str}."""
    out = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            continue
        bot = item.get("bot")
        out[item["name"][:80]] = {
            "bot": bot if isinstance(bot, bool) else None,
            "detail": str(item.get("detail", ""))[:MAX_DETAIL],
        }
    return out


class DetectorSite:
    """The detector page and its proxy, on a free loopback port while used as a context manager."""

    def __init__(self, state_dir: Path, node_modules: Path = ROOT / "node_modules"):
        self.node_modules = node_modules
        self.app = RecordingApp()
        self.posts: list[dict] = []  # what the page posted, in order
        self.requests: list[dict] = []  # path and headers of every request to the page's host
        self.notes: list[str] = []  # what a runner says of its visit (how a crawl's visit ended)
        self._lock = threading.Lock()
        host = self.app.host(PAGE_HOST)
        self.app.http(host, "/", self._page)
        self.app.http(host, "/report", self._report)
        for path in (*PAGE_FILES, *NPM):
            self.app.http(host, path, self._file)
        host.fallback = self._fallback
        self.server = SandboxServer(self.app, state_dir)
        self._thread: SandboxThread | None = None

    # --- serving ------------------------------------------------------------------------------------------
    def __enter__(self) -> DetectorSite:
        self._thread = SandboxThread(self.server)
        self._thread.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._thread.__exit__(*exc)
            self._thread = None

    @property
    def proxy(self) -> str:
        return self.server.address

    def _seen(self, req: Request) -> None:
        with self._lock:
            self.requests.append({"path": req.path, "method": req.method, "headers": dict(req.headers)})

    def _page(self, req: Request) -> Response:
        self._seen(req)
        seen = {k: v for k, v in req.headers.items() if k in SEEN_HEADERS or k.startswith("sec-ch-")}
        data = json.dumps(seen).replace("<", "\\u003c")
        text = (PAGE_DIR / "index.html").read_text(encoding="utf-8").replace("{{SEEN}}", data)
        return Response.html(text, headers=[("Cache-Control", "no-store")])

    def _file(self, req: Request) -> Response:
        self._seen(req)
        path = PAGE_DIR / PAGE_FILES[req.path] if req.path in PAGE_FILES else self.node_modules / NPM[req.path]
        if not path.is_file():
            return Response.text(f"missing {path.name}: run `make npm`", status=404)
        return Response.js(path.read_text(encoding="utf-8"), headers=[("Cache-Control", "no-store")])

    def _fallback(self, req: Request) -> Response:
        self._seen(req)  # favicon, and the crawler's plain ads.txt requests
        return Response.not_found()

    def _report(self, req: Request) -> Response:
        self._seen(req)
        if req.method != "POST":
            return Response.text("POST a report", status=405)
        if len(req.body) > MAX_REPORT_BYTES:
            return Response.text("too large", status=413)
        try:
            body = json.loads(req.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return Response.text("not JSON", status=400)
        if not isinstance(body, dict):
            return Response.text("not a report", status=400)
        post = {
            "phase": str(body.get("phase", ""))[:20],
            "t": time.monotonic(),
            "results": clean_results(body.get("results")),
        }
        with self._lock:
            self.posts.append(post)
        return Response(status=204)

    # --- what was seen --------------------------------------------------------------------------------------
    def phases(self) -> set[str]:
        with self._lock:
            return {p["phase"] for p in self.posts}

    def wait_for(self, phase: str, timeout: float) -> bool:
        """Wait until the page posted a report of this phase (True), or `timeout` s passed (False)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if phase in self.phases():
                return True
            time.sleep(0.05)
        return phase in self.phases()

    def other_hosts(self) -> list[str]:
        """Hostnames other than the page's that the browser contacted through the proxy."""
        with self._lock:
            return sorted({h for h in self.app.asked if h and h != PAGE_HOST})

    def user_agents(self) -> list[str]:
        """The distinct User-Agent headers of the requests to the page's host, in order of first use."""
        with self._lock:
            return list(dict.fromkeys(r["headers"].get("user-agent", "") for r in self.requests))

    def results(self) -> dict[str, dict]:
        """Every check: the page's (latest post wins) and the server's own (calls home, one User-Agent)."""
        merged: dict[str, dict] = {}
        with self._lock:
            for post in self.posts:
                merged.update(post["results"])
        hosts = self.other_hosts()
        merged["calls_home"] = {
            "bot": bool(hosts),
            "detail": ", ".join(hosts) if hosts else "only the page's host was contacted",
        }
        agents = self.user_agents()
        merged["server_ua_consistency"] = {
            "bot": len(agents) > 1 if agents else None,
            "detail": " | ".join(a[:150] for a in agents) or "no request seen",
        }
        return merged
