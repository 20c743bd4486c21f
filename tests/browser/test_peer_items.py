"""What the peer measurement tools' own test suites check, asked of moneytrail's Observation.

OpenWPM's test/ folder (test_http_instrumentation.py: requests, frames, redirects, 404s, workers, service
workers, posts, saved scripts; test_simple_commands.py: nested frames and their parents, links browsed) and
tracker-radar-collector's tests (RequestCollector: status, redirects each way, failures, initiators, sockets;
TargetCollector: workers and service workers; crawlerConductor: a redirected visit, a page of one request,
an ORB-blocked script; requestCollection and the privacy-test-pages request-blocking page it crawls: every
way a page asks for something; apiAttribution: which script called, through every entry point), re-expressed
on pages of our own (tests/browser/peer_pages, served by tests/browser/peer_site.py) for what moneytrail
records. Each item names the peer check it stands for.

Left out, as moneytrail does not claim to record them (README, "What is recorded"): cookies (TRC
CookieCollector, OpenWPM js_cookie), request and response headers and POST bodies (OpenWPM TestPOSTInstrument,
TRC responseHeaders), full JS API call logs and fingerprinting APIs (OpenWPM js_instrument, canvas, WebRTC,
audio; TRC APICallCollector), DNS (OpenWPM dns_instrument), response bodies other than script files and
WebAssembly (OpenWPM save_content of documents), HTTP cache hits on a second visit (every visit is a fresh
context), remote IP addresses and transfer sizes (TRC), CMP and cookie-popup detection (TRC CookiePopups),
and the JS stacks OpenWPM's own callstack test skips (an image set from a script: Chromium names the document).
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass

import pytest
from peer_site import PAGES, RunningSite

from moneytrail.crawler.browser import QUIET_ARGS
from moneytrail.crawler.limits import Limits
from moneytrail.crawler.visit import visit_url

VISITED = {  # page name -> the URL path the visit starts from
    "http": "/chain/2/http.html",  # through two redirects, as a watchlist URL that moved
    "plain": "/plain.html",
    "kinds": "/kinds.html",
    "frames": "/frames.html",
    "workers": "/workers.html",
    "popup": "/popup.html",
    "callers": "/callers.html",
}


@dataclass
class Seen:
    """One visit of a peer page: its Observation, what the recorder kept beside it, and the site's URLs."""

    obs: object
    recorder: object
    site: object

    def url(self, path: str, third: bool = False) -> str:
        return self.site.url(path, third)

    def requests(self, path: str, third: bool = False):
        return [r for r in self.obs.requests if r.url == self.url(path, third)]

    def one(self, path: str, third: bool = False):
        found = self.requests(path, third)
        assert len(found) == 1, (path, found)
        return found[0]

    def frame(self, path: str = "", *, name: str = "", url: str = ""):
        url = url or (self.url(path) if path else "")
        found = [f for f in self.obs.frames if (url and f.url == url) or (name and f.name == name)]
        assert len(found) == 1, (path or name or url, self.obs.frames)
        return found[0]

    def main(self, page: int = 0):
        return next(f for f in self.obs.frames if f.page == page and f.parent is None)

    def worker(self, path: str = "", *, kind: str = "", prefix: str = "") -> int:
        found = [
            n
            for n, w in enumerate(self.obs.workers)
            if (path and w.url == self.url(path)) or (prefix and w.url.startswith(prefix) and w.kind == kind)
        ]
        assert len(found) == 1, (path or prefix, self.obs.workers)
        return found[0]

    def socket(self, query: str):
        found = [s for s in self.obs.websockets if s.url.endswith(query)]
        assert len(found) == 1, (query, self.obs.websockets)
        return found[0]

    def call(self, key: str):
        found = [c for c in self.obs.window_opens if c.url.endswith(f"?k={key}")]
        assert len(found) == 1, (key, self.obs.window_opens)
        return found[0]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with RunningSite(tmp_path_factory.mktemp("peer-site")) as running:
        yield running


@pytest.fixture(scope="module")
def seen(site, chromium_path) -> dict[str, Seen]:
    """Every peer page visited once, as a crawl visits a site (one browser, a fresh context per visit)."""
    from playwright.async_api import async_playwright

    async def run():
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium_path, args=list(QUIET_ARGS))
            try:
                out = {}
                for name, path in VISITED.items():
                    limits = Limits(first_settle_min=0.5, settle_min=0.5, settle_max=2.0)
                    rec = await visit_url(browser, site.url(path), visit_id=name, site="127.0.0.1", limits=limits)
                    out[name] = Seen(rec.result, rec, site)
                return out
            finally:
                await browser.close()

    return asyncio.run(run())


ITEMS = {}  # item id -> (page, check)


def item(page: str, peer: str):
    """Register a check of one peer item on one page's visit."""

    def register(check):
        ITEMS[f"{peer}:{check.__name__}"] = (page, check)
        return check

    return register


# --- OpenWPM test_http_instrumentation (test_page_visit), TRC RequestCollector and crawlerConductor -------------
@item("http", "trc-crawl")
def visited_url_redirects_hop_by_hop(v: Seen):
    first, second, landed = v.obs.requests[:3]
    assert (first.url, first.status) == (v.url("/chain/2/http.html"), 301)
    assert (second.url, second.status, second.redirected_from) == (v.url("/chain/1/http.html"), 307, first.id)
    assert (landed.url, landed.status, landed.redirected_from) == (v.url("/http.html"), 200, second.id)
    assert v.obs.final_url == v.url("/http.html") and v.obs.status == "ok"


@item("http", "openwpm-http")
def the_document(v: Seen):
    doc = v.one("/http.html")
    assert doc.navigation and doc.resource_type == "document" and doc.page == 0 and doc.frame == v.main().id
    assert (doc.status, doc.mime) == (200, "text/html")


@item("http", "openwpm-http")
def a_stylesheet(v: Seen):
    css = v.one("/shared/look.css")
    assert (css.resource_type, css.status, css.mime, css.frame) == ("stylesheet", 200, "text/css", v.main().id)
    assert css.initiator == v.url("/http.html")


@item("http", "openwpm-http")
def the_favicon(v: Seen):
    icon = v.one("/shared/mark.ico")
    assert icon.status == 200 and icon.page == 0


@item("http", "openwpm-http")
def an_image(v: Seen):
    img = [r for r in v.requests("/shared/dot.png") if r.frame == v.main().id]
    assert len(img) == 1 and (img[0].resource_type, img[0].mime, img[0].status) == ("image", "image/png", 200)


@item("http", "openwpm-http")
def a_script_and_who_asked_for_it(v: Seen):
    script = v.one("/shared/one.js")
    assert script.resource_type == "script" and script.status == 200
    assert (script.initiator, script.initiator_type) == (v.url("/http.html"), "parser")


@item("http", "openwpm-http")
def redirects_linked_hop_by_hop(v: Seen):
    paths = ["/chain/3/shared/far.png", "/chain/2/shared/far.png", "/chain/1/shared/far.png", "/shared/far.png"]
    hops = [v.one(p) for p in paths]
    assert [h.redirected_from for h in hops] == [None, hops[0].id, hops[1].id, hops[2].id]
    assert all(h.frame == v.main().id and h.resource_type == "image" for h in hops)


@item("http", "trc-requests")
def each_redirect_hop_has_its_status(v: Seen):
    paths = ["/chain/3/shared/far.png", "/chain/2/shared/far.png", "/chain/1/shared/far.png", "/shared/far.png"]
    assert [v.one(p).status for p in paths] == [302, 301, 307, 200]


@item("http", "trc-requests")
def each_redirect_hop_keeps_the_initiator(v: Seen):
    paths = ["/chain/3/shared/far.png", "/chain/2/shared/far.png", "/chain/1/shared/far.png", "/shared/far.png"]
    assert [v.one(p).initiator for p in paths] == [v.url("/http.html")] * 4


@item("http", "openwpm-http")
def the_frame_document(v: Seen):
    doc = v.one("/http-frame.html")
    frame = v.frame("/http-frame.html")
    assert doc.navigation and doc.resource_type == "document" and doc.frame == frame.id
    assert frame.parent == v.main().id and doc.initiator == v.url("/http.html")


@item("http", "openwpm-http")
def the_frames_own_requests_are_the_frames(v: Seen):
    frame = v.frame("/http-frame.html").id
    assert v.one("/shared/frame-only.png").frame == frame and v.one("/shared/two.js").frame == frame
    assert v.one("/shared/two.js").initiator == v.url("/http-frame.html")


@item("http", "openwpm-http")
def one_url_asked_by_page_and_frame_is_two_requests(v: Seen):
    frames = sorted(r.frame for r in v.requests("/shared/dot.png"))
    assert frames == sorted([v.main().id, v.frame("/http-frame.html").id])


@item("http", "openwpm-http")
def a_redirect_chain_ending_on_a_404(v: Seen):
    last = v.one("/shared/missing.png")
    assert last.status == 404 and last.frame == v.frame("/http-frame.html").id
    assert v.obs.requests[last.redirected_from].url == v.url("/chain/1/shared/missing.png")


@item("http", "openwpm-stacktrace")
def a_script_inserted_by_a_script(v: Seen):
    added = v.one("/shared/added.js")
    assert (added.resource_type, added.initiator, added.initiator_type) == ("script", v.url("/http.html"), "script")


@item("http", "openwpm-stacktrace")
def what_an_inserted_script_asks_for_names_it(v: Seen):
    asked = v.one("/shared/asked.json?by=added")
    assert asked.initiator == v.url("/shared/added.js") and asked.resource_type == "fetch"


@item("http", "openwpm-stacktrace")
def an_image_written_with_inner_html(v: Seen):
    assert v.one("/shared/written.png").initiator == v.url("/http.html")


@item("http", "trc-requests")
def a_stylesheets_image_names_the_stylesheet(v: Seen):
    assert v.one("/shared/backdrop.png").initiator == v.url("/shared/look.css")


@item("http", "trc-requests")
def a_request_that_cannot_connect_has_its_failure(v: Seen):
    failed = [r for r in v.obs.requests if r.url.endswith("/nowhere.png")]
    assert len(failed) == 1 and failed[0].status is None and "ERR_CONNECTION_REFUSED" in failed[0].failure


@item("http", "trc-crawl")
def a_script_blocked_by_orb_has_its_failure(v: Seen):
    blocked = v.one("/shared/data.json", third=True)
    assert blocked.resource_type == "script" and "ERR_BLOCKED_BY_ORB" in (blocked.failure or "")


@item("http", "trc-requests")
def every_request_is_timed(v: Seen):
    assert all(r.ended is not None and r.ended >= r.started for r in v.obs.requests), v.obs.requests


@item("http", "openwpm-save-content")
def the_sites_script_files_are_kept_by_hash(v: Seen):
    kept = {s.url: s.sha256 for s in v.obs.scripts}
    for path in ("shared/one.js", "shared/two.js"):
        assert kept[v.url("/" + path)] == hashlib.sha256((PAGES / path).read_bytes()).hexdigest()


@item("http", "trc-screenshot")
def the_page_is_photographed(v: Seen):
    shot = v.recorder.screenshots[v.obs.screenshot]
    assert shot[:3] == b"\xff\xd8\xff" and len(shot) > 1000


@item("http", "openwpm-frames")
def the_pages_own_frame(v: Seen):
    main = v.main()
    assert main.id == 0 and main.url == v.obs.final_url and main.page == 0


# --- TRC crawlerConductor (example.com), OpenWPM test_browse (simple_a) ------------------------------------------
@item("plain", "trc-crawl")
def a_page_of_one_request(v: Seen):
    asked = [r for r in v.obs.requests if not r.url.endswith("favicon.ico")]
    assert [r.url for r in asked] == [v.url("/plain.html")]
    assert not v.obs.workers and not v.obs.windows and not v.obs.websockets and len(v.obs.frames) == 1


@item("plain", "openwpm-browse")
def ordinary_links_are_no_ads(v: Seen):
    assert not v.obs.ad_links and not v.obs.windows and not v.obs.window_opens


@item("plain", "openwpm-browse")
def the_sites_own_links_in_page_order(v: Seen):
    assert v.obs.page_links == [v.url("/plain-c.html"), v.url("/plain-d.html")]


# --- TRC requestCollection over privacy-test-pages' request-blocking page ---------------------------------------
def _third(v: Seen, path: str, kind: str):
    r = v.one(path, third=True)
    assert r.resource_type == kind and r.page == 0, r
    return r


@item("kinds", "trc-request-blocking")
def a_script_element_made_by_script(v: Seen):
    r = _third(v, "/kinds/inserted.js", "script")
    assert (r.initiator, r.initiator_type) == (v.url("/kinds.html"), "script")


@item("kinds", "trc-request-blocking")
def a_preload(v: Seen):
    assert _third(v, "/kinds/early.js", "script").status == 200


@item("kinds", "trc-request-blocking")
def a_css_import(v: Seen):
    _third(v, "/kinds/imported.css", "stylesheet")


@item("kinds", "trc-request-blocking")
def a_font_face(v: Seen):
    _third(v, "/kinds/face.woff", "font")


@item("kinds", "trc-request-blocking")
def a_css_background(v: Seen):
    _third(v, "/kinds/painted.png", "image")


@item("kinds", "trc-request-blocking")
def an_img(v: Seen):
    _third(v, "/kinds/picture-fallback.png", "image")


@item("kinds", "trc-request-blocking")
def a_picture_source(v: Seen):
    _third(v, "/kinds/from-srcset.png", "image")


@item("kinds", "trc-request-blocking")
def an_object(v: Seen):
    assert v.one("/kinds/object.png", third=True).status == 200


@item("kinds", "trc-request-blocking")
def an_audio(v: Seen):
    _third(v, "/kinds/sound.wav", "media")


@item("kinds", "trc-request-blocking")
def a_video(v: Seen):
    _third(v, "/kinds/clip.mp4", "media")


@item("kinds", "trc-request-blocking")
def a_frame_of_another_site(v: Seen):
    doc = _third(v, "/kinds/frame.html", "document")
    frame = v.frame(url=v.url("/kinds/frame.html", third=True))
    assert doc.navigation and doc.frame == frame.id and frame.parent == v.main().id


@item("kinds", "trc-request-blocking")
def what_a_frame_of_another_site_asks_for_is_the_frames(v: Seen):
    img = v.one("/kinds/in-third-frame.png", third=True)
    assert img.frame == v.frame(url=v.url("/kinds/frame.html", third=True)).id


@item("kinds", "trc-requests")
def what_a_frame_of_another_site_asks_for_names_its_initiator(v: Seen):
    assert v.one("/kinds/in-third-frame.png", third=True).initiator == v.url("/kinds/frame.html", third=True)


@item("kinds", "trc-request-blocking")
def a_websocket_with_its_messages(v: Seen):
    ws = v.socket("/ws/echo?from=page")
    assert ws.page == 0 and ws.worker is None
    assert ws.sent == ["page says hi"] and ws.received == ["welcome from=page", "echo: page says hi"]


@item("kinds", "trc-request-blocking")
def server_sent_events(v: Seen):
    _third(v, "/sse", "eventsource")


@item("kinds", "trc-request-blocking")
def a_fetch(v: Seen):
    r = _third(v, "/kinds/fetched.json", "fetch")
    assert r.initiator == v.url("/kinds.html") and r.method == "GET"


@item("kinds", "trc-request-blocking")
def an_xmlhttprequest(v: Seen):
    _third(v, "/kinds/xhr.json", "xhr")


@item("kinds", "trc-request-blocking")
def a_beacon(v: Seen):
    assert _third(v, "/beacon?k=1", "ping").method == "POST"


@item("kinds", "brief")
def a_keepalive_fetch(v: Seen):
    assert _third(v, "/keepalive", "fetch").method == "POST"


@item("kinds", "trc-request-blocking")
def a_fetch_redirected_to_another_site(v: Seen):
    bounce = [r for r in v.obs.requests if r.url.startswith(v.url("/bounce?to="))]
    landed = v.one("/kinds/after-bounce.json", third=True)
    assert len(bounce) == 1 and bounce[0].status == 302 and landed.redirected_from == bounce[0].id
    assert landed.resource_type == "fetch" and landed.status == 200


@item("kinds", "trc-request-blocking")
def a_favicon_added_by_script(v: Seen):
    assert v.one("/kinds/late-icon.ico", third=True).status == 200


@item("kinds", "trc-request-blocking")
def a_fetch_from_a_frame(v: Seen):
    assert v.one("/kinds/from-frame.json", third=True).frame == v.frame("/kinds-frame.html").id


@item("kinds", "trc-request-blocking")
def a_fetch_two_frames_down(v: Seen):
    deep = v.frame("/kinds-deep.html")
    assert deep.parent == v.frame("/kinds-frame.html").id
    fetched = v.one("/kinds/from-deep.json", third=True)
    assert fetched.frame == deep.id and fetched.initiator == v.url("/kinds-deep.html")


@item("kinds", "trc-request-blocking")
def a_csp_report(v: Seen):
    report = v.one("/csp-report")
    assert report.method == "POST" and report.status == 204


# --- OpenWPM test_simple_commands (recursive frames) and frames of every kind -------------------------------------
NESTED = ["a", "b1", "b2", "c", "d", "e"]


@item("frames", "openwpm-frames")
def every_frame_is_recorded(v: Seen):
    assert len(v.obs.frames) == 14, v.obs.frames  # the page, 6 nested, a leaf, srcdoc, blank, gone, moving, data, blob


@item("frames", "openwpm-frames")
def nested_frames_know_their_parents(v: Seen):
    ids = {n: v.frame(f"/nest/{n}.html").id for n in NESTED}
    parents = {n: v.frame(f"/nest/{n}.html").parent for n in NESTED}
    assert parents == {"a": v.main().id, "b1": ids["a"], "b2": ids["a"], "c": ids["b1"], "d": ids["c"], "e": ids["d"]}


@item("frames", "openwpm-frames")
def every_frame_has_its_url(v: Seen):
    assert all(f.url for f in v.obs.frames), [f for f in v.obs.frames if not f.url]


@item("frames", "openwpm-frames")
def frames_keep_their_names(v: Seen):
    names = {f.name for f in v.obs.frames}
    assert {*NESTED, "leaf", "inline", "blank", "moving"} <= names, v.obs.frames


@item("frames", "brief")
def a_srcdoc_frame(v: Seen):
    frame = v.frame(url="about:srcdoc")
    assert frame.parent == v.main().id and v.one("/shared/from-srcdoc.png").frame == frame.id


@item("frames", "brief")
def an_about_blank_frame_written_by_its_parent(v: Seen):
    frame = v.frame(url="about:blank")
    assert frame.parent == v.main().id and v.one("/shared/from-blank.png").frame == frame.id


@item("frames", "brief")
def a_frame_removed_before_its_document_came(v: Seen):
    asked = v.one("/slow/never.html")
    assert asked.navigation and asked.failure and asked.status is None
    frame = v.obs.frames[asked.frame]
    assert frame.parent == v.main().id and frame.url == v.url("/slow/never.html")


@item("frames", "brief")
def a_frame_that_sent_itself_elsewhere(v: Seen):
    frame = v.frame("/nest/moved.html")
    assert v.one("/nest/moving.html").frame == frame.id and v.one("/nest/moved.html").frame == frame.id
    assert v.one("/nest/moved.html").initiator == v.url("/nest/moving.html")


@item("frames", "openwpm-data-urls")
def a_data_frame(v: Seen):
    frame = next(f for f in v.obs.frames if f.url.startswith("data:text/html,"))
    assert frame.parent == v.main().id and v.one("/shared/from-data.png").frame == frame.id


@item("frames", "brief")
def a_blob_frame(v: Seen):
    frame = next(f for f in v.obs.frames if f.url.startswith("blob:" + v.url("/")))
    assert frame.parent == v.main().id and v.one("/shared/from-blob.png").frame == frame.id


@item("frames", "openwpm-frames")
def the_deepest_frames_request(v: Seen):
    assert v.one("/shared/deepest.png").frame == v.frame("/nest/e.html").id


# --- OpenWPM http_worker_page / http_service_worker_page, TRC TargetCollector and request-blocking workers --------
@item("workers", "openwpm-worker")
def a_dedicated_worker_and_its_creator(v: Seen):
    w = v.obs.workers[v.worker("/shared/worker-a.js")]
    assert (w.kind, w.page, w.caller) == ("worker", 0, v.url("/workers.html"))


@item("workers", "openwpm-worker")
def the_worker_script_request(v: Seen):
    scripts = v.requests("/shared/worker-a.js")  # once for the worker, once as the page's own script
    assert len(scripts) == 2 and all(r.resource_type == "script" and r.page == 0 for r in scripts)


@item("workers", "openwpm-worker")
def a_workers_request_is_the_workers(v: Seen):
    n = v.worker("/shared/worker-a.js")
    mine = [r for r in v.requests("/shared/both.json") if r.worker == n]
    assert len(mine) == 1 and mine[0].page is None and mine[0].initiator == v.url("/shared/worker-a.js")


@item("workers", "openwpm-worker")
def the_same_url_asked_by_the_page_stays_the_pages(v: Seen):
    pages = [r for r in v.requests("/shared/both.json") if r.worker is None]
    assert len(pages) == 1 and pages[0].page == 0 and pages[0].frame == v.main().id


@item("workers", "brief")
def a_workers_websocket_with_its_messages(v: Seen):
    ws = v.socket("/ws/echo?from=worker")
    assert ws.worker == v.worker("/shared/worker-a.js")
    assert ws.sent == ["worker says hi"] and ws.received == ["welcome from=worker", "echo: worker says hi"]


@item("workers", "brief")
def a_frames_websocket_with_its_messages(v: Seen):
    ws = v.socket("/ws/echo?from=frame")
    assert ws.worker is None and ws.page == 0
    assert ws.sent == ["frame says hi"] and ws.received == ["welcome from=frame", "echo: frame says hi"]


@item("workers", "trc-targets")
def a_shared_worker(v: Seen):
    w = v.obs.workers[v.worker("/shared/shared-worker.js")]
    assert (w.kind, w.caller) == ("shared_worker", v.url("/workers.html"))


@item("workers", "trc-request-blocking")
def a_shared_workers_request_is_the_workers(v: Seen):
    asked = v.one("/shared/from-shared.json")
    assert asked.worker == v.worker("/shared/shared-worker.js") and asked.page is None and asked.status == 200


@item("workers", "brief")
def a_shared_workers_websocket_with_its_messages(v: Seen):
    ws = v.socket("/ws/echo?from=shared")
    assert ws.worker == v.worker("/shared/shared-worker.js") and ws.page is None
    assert ws.sent == ["shared worker says hi"]
    assert ws.received == ["welcome from=shared", "echo: shared worker says hi"]


@item("workers", "trc-targets")
def a_service_worker(v: Seen):
    w = v.obs.workers[v.worker("/sw.js")]
    assert (w.kind, w.caller) == ("service_worker", v.url("/workers.html"))


@item("workers", "openwpm-service-worker")
def the_service_worker_script_request(v: Seen):
    script = v.one("/sw.js")
    assert script.resource_type == "script" and script.status == 200


@item("workers", "openwpm-service-worker")
def a_service_workers_request_is_the_service_workers(v: Seen):
    asked = v.one("/shared/from-sw.json")
    assert asked.worker == v.worker("/sw.js") and asked.page is None and asked.status == 200


@item("workers", "brief")
def a_blob_worker_and_its_request(v: Seen):
    n = v.worker(kind="worker", prefix="blob:" + v.url("/"))
    asked = v.one("/shared/from-blob-worker.json")
    assert asked.worker == n and asked.page is None


@item("workers", "brief")
def a_module_workers_import_and_request(v: Seen):
    n = v.worker("/shared/module-worker.mjs")
    assert v.one("/shared/module-helper.mjs").worker == n and v.one("/shared/from-module.json").worker == n


@item("workers", "openwpm-save-content")
def each_script_file_is_kept_once(v: Seen):
    urls = [s.url for s in v.obs.scripts]
    assert len(urls) == len(set(urls)) and v.url("/shared/worker-a.js") in urls, urls


# --- a popup, posts (OpenWPM TestPOSTInstrument's form and XHR, as requests) --------------------------------------
@item("popup", "brief")
def a_popup_window(v: Seen):
    (window,) = v.obs.windows
    assert window.kind == "popup" and window.opener_page == 0
    assert v.obs.steps[window.step - 1].action.startswith("click")


@item("popup", "brief")
def the_popups_requests_are_the_popups(v: Seen):
    (window,) = v.obs.windows
    for path in ("/shared/in-popup.png", "/shared/popup-data.json"):
        assert v.one(path).page == window.page and v.one(path).frame == v.main(window.page).id


@item("popup", "brief")
def the_popups_chain_through_a_posted_form(v: Seen):
    (window,) = v.obs.windows
    hops = [(h.url, h.via, h.method, h.status) for h in window.chain]
    assert hops == [
        (v.url("/popup-page.html"), "open", "GET", 200),
        (v.url("/post/landing"), "form", "POST", 303),
        (v.url("/landed.html"), "http", "GET", 200),
    ]
    assert (window.landing_url, window.landing_title) == (v.url("/landed.html"), "landed") and window.screenshot


@item("popup", "brief")
def the_window_open_call_and_its_caller(v: Seen):
    (call,) = v.obs.window_opens
    assert (call.url, call.target, call.caller, call.user_gesture) == (
        "/popup-page.html",
        "_blank",
        v.url("/shared/opener.js"),
        True,
    )
    assert v.one("/popup-page.html").initiator == v.url("/shared/opener.js")


@item("popup", "openwpm-post")
def an_xhr_post(v: Seen):
    post = v.one("/post/xhr")
    assert (post.method, post.resource_type, post.status) == ("POST", "xhr", 204)


@item("popup", "openwpm-post")
def a_form_posted_in_a_frame(v: Seen):
    post = v.one("/post/frame-target")
    frame = v.obs.frames[post.frame]
    assert post.method == "POST" and post.navigation and post.status == 200
    assert frame.url == v.url("/post/frame-target") and frame.parent == v.main().id and frame.name == "poster"


# --- TRC apiAttribution: which script called (window.open, Worker, Notification.requestPermission) ----------------
def _caller(key: str, where: str, *, third: bool = True, frame: str = "/callers.html"):
    def check(v: Seen):
        call = v.call(key)
        assert call.caller == (v.url(where, third) if where.startswith("/") else where), call
        if frame:
            assert call.frame_url == v.url(frame), call

    check.__name__ = f"window_open_from_{key}"
    return check


for _key, _where in {
    "plain": "/entry/plain.js",
    "inserted": "/entry/inserted.js",
    "eval": "/entry/evaled.js",
    "function": "/entry/function.js",
    "listener": "/entry/listener.js",
    "timer": "/entry/timer.js",
    "promise": "/entry/promise.js",
    "module": "/entry/module.mjs",
}.items():
    item("callers", "trc-attribution")(_caller(_key, _where))
item("callers", "trc-attribution")(_caller("inline", "/callers.html", third=False))
item("callers", "openwpm-js-frames")(_caller("frame", "/callers-frame.html", third=False, frame="/callers-frame.html"))


@item("callers", "trc-attribution")
def window_open_deep_in_a_stack(v: Seen):
    call = v.call("deep")
    assert call.caller == v.url("/entry/inner.js", True) and call.stack[:2] == [
        v.url("/entry/inner.js", True),
        v.url("/entry/outer.js", True),
    ]


@item("callers", "trc-attribution")
def window_open_from_a_blob_script(v: Seen):
    call = v.call("blob")
    blob = next(r.url for r in v.obs.requests if r.url.startswith("blob:"))
    assert call.caller == blob, call


@item("callers", "trc-attribution")
def window_open_from_a_script_written_into_a_frame(v: Seen):
    call = v.call("written")
    assert call.caller == v.url("/entry/written.js", True) and call.frame_url == "about:blank"


@item("callers", "trc-attribution")
def the_navigation_a_call_made_names_the_caller(v: Seen):
    nav = v.one("/sink.html?k=plain")
    assert nav.navigation and nav.initiator == v.url("/entry/plain.js", True)


@item("callers", "trc-attribution")
def a_worker_started_by_a_third_party_script(v: Seen):
    assert v.obs.workers[v.worker("/shared/idle-worker.js")].caller == v.url("/entry/starter.js", True)


@item("callers", "trc-attribution")
def a_notification_prompt_and_its_caller(v: Seen):
    prompts = [n for n in v.obs.notices if n.kind == "notification_prompt"]
    assert [p.caller for p in prompts] == [v.url("/entry/asker.js", True)]


@pytest.mark.parametrize("name", sorted(ITEMS))
def test_peer_item(name, seen):
    page, check = ITEMS[name]
    check(seen[page])
