"""What a visit records, on small pages in the way OpenWPM's and tracker-radar-collector's own test pages check
it: every frame with its URL and parent, workers with what they did (requests, sockets, WebAssembly compiled
inside them), worker URLs resolved, the site's own script files kept, the globals its scripts define."""

from __future__ import annotations

import asyncio
import http.server
import threading
import time

import pytest

from moneytrail.crawler.browser import QUIET_ARGS
from moneytrail.crawler.domains import host_of
from moneytrail.crawler.limits import Limits
from moneytrail.crawler.visit import visit_url

# an empty wasm module (magic, version) and a tiny one exporting a function: bytes a worker carries
WASM_EMPTY = [0, 97, 115, 109, 1, 0, 0, 0]
WASM_RUN = bytes.fromhex("0061736d01000000010401600000030201000707010372756e00000a040102000b")  # exports run()
PAGES = {
    "/": """<html><head><script src="/assets/app.js"></script></head><body>
<iframe id="late" width="300" height="250"></iframe>
<iframe src="/frame.html" width="300" height="250"></iframe>
<script>
  window.siteConfig = {zone: 1234567};
  const miner = new Worker('workers/miner.js');
  document.addEventListener('click', function () { miner.postMessage('start'); }, {once: true});
  setTimeout(function () { document.getElementById('late').src = '/late.html'; }, 50);
</script></body></html>""",
    "/frame.html": "<html><body><iframe src='/nested.html'></iframe></body></html>",
    "/nested.html": "<html><body>nested</body></html>",
    "/late.html": "<html><body>late</body></html>",
    "/assets/app.js": "var exoZone = '7654321'; window.__siteAds = {pop: 'c1.popads.net'};",
    "/workers/miner.js": """
fetch('/pool/config.json').then(r => r.text());
try { new WebSocket('ws://127.0.0.1:9/pool'); } catch (e) {}
onmessage = () => WebAssembly.compile(new Uint8Array(WASM));  // once the visitor is there
""".replace("WASM", str(WASM_EMPTY)),
    "/pool/config.json": "{}",
    # a pop-under on the first click, and frames the browser refuses to load: they must hide nothing
    "/blocked-frames.html": "<html><body><p>a page</p>"
    "<iframe src='file:///etc/passwd' width='10' height='10'></iframe>"
    "<iframe src='chrome://settings' width='10' height='10'></iframe>"
    "<script>document.addEventListener('click', function () { window.open('/late.html'); }, {once: true});"
    "</script></body></html>",
    # what a page points at another address of this machine (given as ?port=): an ad-like link and a pop-under
    "/private-links.html": "<html><body><p>a page</p><script>"
    "var other = 'http://127.0.0.2:' + new URLSearchParams(location.search).get('port');"
    "var a = document.createElement('a'); a.href = other + '/frame.html'; a.textContent = 'ad';"
    "a.style = 'display:block;width:300px;height:250px'; document.body.appendChild(a);"
    "document.addEventListener('click', function () { window.open(other + '/late.html'); }, {once: true});"
    "</script></body></html>",
    # a page's console: an error logged, and errors whose getters count how often they are read (a protocol
    # client with Runtime.enable reads them again, which disable-devtool-like scripts detect)
    "/console.html": "<html><head><title>?</title></head><body><p>a page</p><script>"
    "console.error('boom from the page', 1);"
    "var reads = {name: 0, stack: 0}, calls = 0;"
    "for (var i = 0; i < 5; i++) {"
    "  var a = new Error('probe'); Object.defineProperty(a, 'stack', {get: function () { reads.stack++; return ''; }});"
    "  var b = new Error('probe'); Object.defineProperty(b, 'name', {get: function () { reads.name++; return 'E'; }});"
    "  console.debug(a); console.debug(b); calls++; }"
    "setTimeout(function () { document.title = 'name ' + reads.name + ' stack ' + reads.stack + ' calls ' + calls; },"
    " 300);"
    "</script></body></html>",
    # frames made by the thousand, in every way a script can (a node, nodes, markup): Chromium would hold 1,000
    "/frame-storm.html": "<html><head><title>?</title></head><body><p>a page</p><div id='box'></div><script>"
    "var box = document.getElementById('box'), made = 0;"
    "function frame() { var f = document.createElement('iframe'); f.srcdoc = '<p>f</p>'; f.width = f.height = 4;"
    " made++; return f; }"
    "for (var i = 0; i < 400; i++) document.body.appendChild(frame());"
    "for (var i = 0; i < 100; i++) box.insertBefore(frame(), null);"
    "for (var i = 0; i < 100; i++) box.append(frame(), 'text');"
    "var fragment = document.createDocumentFragment(); fragment.appendChild(frame()); box.appendChild(fragment);"
    "box.innerHTML += '<iframe srcdoc=x width=4 height=4></iframe>'.repeat(200);"
    "box.insertAdjacentHTML('beforeend', '<IFRAME srcdoc=y width=4 height=4></IFRAME>'.repeat(200));"
    "var shadow = document.createElement('div').attachShadow({mode: 'open'});"
    "box.appendChild(shadow.host); shadow.innerHTML = '<iframe srcdoc=z width=4 height=4></iframe>'.repeat(100);"
    "document.title = 'frames ' + window.length + ' made ' + made;"
    "document.addEventListener('click', function () { window.open('/late.html'); }, {once: true});"
    "</script></body></html>",
    # a script writing 6 MB into its document while it loads (an ad tag writes a few KB)
    "/write-flood.html": "<html><head><title>?</title></head><body><p>a page</p><script>"
    "for (var i = 0; i < 3000; i++) document.write('<p>' + 'flood '.repeat(330) + i + '</p>');"
    "</script><script>document.title = 'kept ' + document.body.innerHTML.length;</script></body></html>",
    # sockets and requests opened by the hundred (to a closed port, and to this server)
    "/request-flood.html": "<html><head><title>?</title></head><body><p>a page</p><script>"
    "var refused = {socket: 0, fetch: 0, xhr: 0, beacon: 0}, done = 0;"
    "for (var i = 0; i < 80; i++) { try { new WebSocket('ws://127.0.0.1:9/s' + i); } catch (e) { refused.socket++; } }"
    "for (var i = 0; i < 150; i++) fetch('/pool/config.json?' + i).then(function () { done++; },"
    " function () { refused.fetch++; });"
    "for (var i = 0; i < 30; i++) { var x = new XMLHttpRequest(); x.open('GET', '/pool/config.json?x' + i);"
    " try { x.send(); } catch (e) { refused.xhr++; } }"
    "if (!navigator.sendBeacon('/pool/config.json?b')) refused.beacon++;"
    "setTimeout(function () { document.title = JSON.stringify(refused) + ' ' + done; }, 1500);"
    "</script></body></html>",
    # windows opened by the dozen with no click (one named window 20 times over, then 60 new ones), then the
    # pop-under of the visitor's click
    "/open-flood.html": "<html><head><title>?</title></head><body><p>a page</p><script>"
    "var refused = 0;"
    "for (var i = 0; i < 20; i++) { if (window.open('/offer.html?n' + i, 'one') === null) refused++; }"
    "for (var i = 0; i < 60; i++) { if (window.open('/offer.html?' + i) === null) refused++; }"
    "document.title = 'refused ' + refused;"
    "document.addEventListener('click', function () { window.open('/late.html'); }, {once: true});"
    "</script></body></html>",
    # a pop-under of another site whose page then never answers again (a miner pegging its thread, a loop): the
    # page that opened it must go on answering
    "/busy-popup.html": "<html><head><title>opener</title></head><body><p>a page</p><script>"
    "document.addEventListener('click', function () {"
    " window.open('http://busy-ads.example:' + location.port + '/busy.html'); }, {once: true});"
    "</script></body></html>",
    "/busy.html": "<html><head><title>busy</title></head><body><p>busy</p><script>"
    "setTimeout(function () { while (true) {} }, 300);</script></body></html>",
    # a page that loops for ever from its load event on (as the sandbox's loopflix.test)
    "/loop.html": "<html><head><title>loop</title></head><body><p>a page</p><script>"
    "window.addEventListener('load', function () { setTimeout(function () { while (true) {} }, 0); });"
    "</script></body></html>",
    "/offer.html": "<html><head><title>offer</title></head><body><p>offer</p></body></html>",
    # a tab-under fired by a click on one of the site's own links (a poster): the click begins the link's
    # navigation (its page is slow: SLOW), and the script sends the tab to the ad 100 ms later (as the sandbox's
    # tab-under does)
    "/tab-under-link.html": "<html><head><title>films</title></head><body>"
    "<a href='/film.html' style='position:fixed;inset:0;display:block'>a film</a><script>"
    "document.addEventListener('click', function () { window.open(location.href, '_blank');"
    " setTimeout(function () { location.href = 'http://ads.example:' + location.port + '/offer.html'; }, 100);"
    " }, {once: true, capture: true});</script></body></html>",
    "/film.html": "<html><head><title>a film</title></head><body><p>a film</p></body></html>",
    "/thirty-frames.html": "<html><body><p>a page</p><script>"
    "for (var i = 0; i < 30; i++) { var f = document.createElement('iframe'); f.srcdoc = 'ad ' + i;"
    " document.body.appendChild(f); }</script></body></html>",
    "/early.html": "<html><body><script>new Worker('/workers/early.js');</script></body></html>",
    # a worker that compiles its module on its first line and keeps it, as a miner does
    "/workers/early.js": f"self.module = new WebAssembly.Module(new Uint8Array({list(WASM_RUN)}));",
    "/analytics.html": "<html><body><p>a page</p><script>"
    "window.addEventListener('beforeunload', function () { navigator.sendBeacon && 0; });</script></body></html>",
    "/trap.html": "<html><body><p>a page</p><script>window.addEventListener('beforeunload', function (e) {"
    " e.preventDefault(); e.returnValue = 'Stay?'; return 'Stay?'; });</script></body></html>",
}


SLOW = {"/film.html": 1.0}  # seconds before the answer: a page still loading when a script sends the tab on


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(SLOW.get(self.path.split("?")[0], 0))
        body = PAGES.get(self.path.split("?")[0])
        if body is None:
            self.send_error(404)
            return
        kind = "javascript" if self.path.endswith(".js") else "json" if self.path.endswith(".json") else "html"
        self.send_response(200)
        self.send_header("Content-Type", f"{'text' if kind == 'html' else 'application'}/{kind}")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def visit(chromium_path, url, args=(), site="127.0.0.1", **overrides):
    from playwright.async_api import async_playwright

    async def run():
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium_path, args=[*QUIET_ARGS, *args])
            try:
                limits = Limits(first_settle_min=0.5, settle_min=0.5, settle_max=2.0, **overrides)
                return await visit_url(browser, url, visit_id="rec", site=site, limits=limits)
            finally:
                await browser.close()

    return asyncio.run(run())


@pytest.fixture(scope="module")
def visited(site, chromium_path):
    return visit(chromium_path, f"{site}/")


def test_every_frame_has_its_url_and_parent(visited, site):
    frames = {f.url: f for f in visited.result.frames}
    assert f"{site}/late.html" in frames, frames  # navigated after it attached empty
    assert frames[f"{site}/nested.html"].parent == frames[f"{site}/frame.html"].id
    assert all(f.url for f in visited.result.frames), [f for f in visited.result.frames if not f.url]


def test_a_worker_is_recorded_once_with_what_it_did(visited, site):
    obs = visited.result
    url = f"{site}/workers/miner.js"
    assert [w.url for w in obs.workers] == [url]  # resolved, not recorded a second time as 'workers/miner.js'
    assert obs.workers[0].caller == f"{site}/"  # created by the page's inline script
    fetched = [r for r in obs.requests if r.url == f"{site}/pool/config.json"]
    assert fetched and fetched[0].worker == 0 and fetched[0].page is None
    assert fetched[0].initiator == url  # the worker's own script asked for it
    sockets = [s for s in obs.websockets if s.url.endswith("/pool")]
    assert sockets and sockets[0].worker == 0
    compiled = [m for m in obs.wasm if m.worker == 0]
    assert compiled and compiled[0].size == len(WASM_EMPTY) and compiled[0].sha256


def test_a_module_a_worker_compiled_before_the_hook_was_set_is_still_found(site, chromium_path, monkeypatch):
    """On a busy machine a worker may run its first lines before the WebAssembly hook reaches it: the modules
    alive in it are read from its debugger at the end of the visit (here the hook is left out altogether)."""
    import hashlib

    from moneytrail.crawler.recording import workers

    monkeypatch.setattr(workers, "WORKER_JS", "0")
    obs = visit(chromium_path, f"{site}/early.html").result
    assert [w.url for w in obs.workers] == [f"{site}/workers/early.js"]
    found = [m for m in obs.wasm if m.worker == 0]
    assert [(m.source, m.size, m.exports) for m in found] == [("debugger", len(WASM_RUN), ["run"])], obs.wasm
    assert found[0].sha256 == hashlib.sha256(WASM_RUN).hexdigest()


def test_frames_the_browser_refuses_to_load_hide_no_pop_under(site, chromium_path):
    """A `file:` or `chrome:` frame never gets a document: reading it once held the snapshot until the visit was
    called unresponsive, and the clicks that bring the pop-under never came."""
    obs = visit(chromium_path, f"{site}/blocked-frames.html").result
    assert obs.status == "ok" and not obs.hostile, (obs.status, obs.hostile, obs.notices)
    assert f"{site}/late.html" in {w.landing_url for w in obs.windows}, obs.windows


def test_links_a_page_points_at_private_addresses_are_not_followed_nor_read(site, chromium_path):
    """The crawler opens an ad link itself, and reads each landing page (title, screenshot): a page must not
    make it open or keep a page of another address of this machine or its network."""
    other = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        obs = visit(chromium_path, f"{site}/private-links.html?port={other.server_address[1]}").result
    finally:
        other.shutdown()
    private = f"http://127.0.0.2:{other.server_address[1]}"
    (link,) = [a for a in obs.ad_links if a.url.startswith(private)]
    assert not link.followed
    assert any(n.kind == "not_followed" and "loopback" in n.text for n in obs.notices), obs.notices
    (popup,) = [w for w in obs.windows if w.landing_url == f"{private}/late.html"]  # recorded, not read
    assert popup.screenshot is None and not popup.landing_title, popup
    assert any(n.kind == "not_read" for n in obs.notices), obs.notices


def test_a_visit_the_browser_left_mid_way_is_crashed_not_ok(site, chromium_path):
    """The browser goes away while the visit waits on the page: what was recorded is kept, and the visit says it
    was cut short (before, it was `ok` with almost nothing: a site with no ads, to the reports)."""
    from playwright.async_api import async_playwright

    async def run():
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium_path, args=list(QUIET_ARGS))

            async def leave():
                await asyncio.sleep(3)
                await browser.close()

            leaving = asyncio.ensure_future(leave())
            limits = Limits(first_settle_min=8.0, first_settle_max=8.0)
            recorder = await visit_url(browser, f"{site}/", visit_id="gone", site="127.0.0.1", limits=limits)
            await leaving
            return recorder.result

    obs = asyncio.run(run())
    assert obs.status == "crashed" and obs.error == "the browser closed during the visit", (obs.status, obs.error)
    assert any(r.url == f"{site}/assets/app.js" for r in obs.requests)  # what came before is kept


def test_the_sites_own_script_files_and_globals_are_kept(visited, site):
    obs = visited.result
    kept = {s.url: s for s in obs.scripts}
    app = kept[f"{site}/assets/app.js"]
    assert app.first_party and "exoZone = '7654321'" in visited.script_texts[app.sha256]
    assert kept[f"{site}/workers/miner.js"].worker
    assert {"siteConfig", "exoZone", "__siteAds"} <= set(obs.globals)
    assert "document" not in obs.globals and "__mtRecord" not in obs.globals  # standard ones are not listed


def test_a_beforeunload_listener_is_a_trap_only_when_it_asks_to_stay(site, chromium_path):
    """Analytics libraries listen to beforeunload to send a last beacon: harmless. A page that asks the
    visitor to stay (a dialog when the tab closes) is a trap."""
    harmless = visit(chromium_path, f"{site}/analytics.html").result
    assert harmless.status == "ok" and "beforeunload_trap" not in harmless.hostile
    trap = visit(chromium_path, f"{site}/trap.html").result
    assert trap.status == "hostile" and "beforeunload_trap" in trap.hostile, (trap.hostile, trap.dialogs)


def test_the_console_behaves_as_in_a_browser_nobody_inspects(site, chromium_path):
    """Console errors are recorded; the page's logged objects are read as Chromium reads them with no DevTools
    client: an Error's name once per call, for the message text, its stack never (a client with Runtime.enable
    reads both again)."""
    obs = visit(chromium_path, f"{site}/console.html").result
    assert obs.title == "name 5 stack 0 calls 5", obs.title
    assert ("console_error", "boom from the page") in {(n.kind, n.text) for n in obs.notices}


def test_a_script_making_frames_by_the_thousand_gets_a_hundred_and_the_visit_goes_on(site, chromium_path):
    """Chromium lets a page hold 1,000 frames, about 0.8 MB each, and a script makes them in one loop before any
    event of theirs reaches Python (the crawl went past 1.5 GB): past 100 in a window, what a script asks to add
    a frame is not done, however it asks. The page is hostile (`frame_storm`), and its pop-under is recorded."""
    obs = visit(chromium_path, f"{site}/frame-storm.html").result
    assert obs.title == "frames 100 made 601", obs.title
    assert obs.status == "hostile" and "frame_storm" in obs.hostile, (obs.status, obs.hostile)
    assert sum(n.kind == "frame_storm" for n in obs.notices) == 1, obs.notices  # reported once per window
    assert f"{site}/late.html" in {w.landing_url for w in obs.windows}, obs.windows
    usual = visit(chromium_path, f"{site}/thirty-frames.html").result  # an ad-heavy page keeps all its frames
    assert usual.status == "ok" and not usual.hostile, (usual.status, usual.hostile)
    assert sum(f.parent is not None for f in usual.frames) == 30, len(usual.frames)


def test_a_script_writing_megabytes_into_its_page_writes_four(site, chromium_path):
    """20,000 document.write calls of 2 KB took the renderer past 1 GB: past 4 Mi characters a window's writes
    are not done, and the page is hostile (`write_flood`)."""
    obs = visit(chromium_path, f"{site}/write-flood.html").result
    kept = int(obs.title.split()[-1])
    assert 4_000_000 < kept < 4_300_000, obs.title  # of the 6 MB written
    assert obs.status == "hostile" and "write_flood" in obs.hostile, (obs.status, obs.hostile)


def test_a_script_opening_sockets_and_requests_by_the_hundred_gets_what_a_visit_records(site, chromium_path):
    """1,000 WebSockets and 10,000 fetches at once kept the crawl past 1.2 GB: past max_websockets sockets and
    request_flood fetch/XHR/beacon requests from a window (here 50 and 100), new ones fail at once; the page is
    hostile (`request_flood`)."""
    obs = visit(chromium_path, f"{site}/request-flood.html", request_flood=100).result
    refused, done = obs.title.rsplit(" ", 1)
    assert refused == '{"socket":30,"fetch":50,"xhr":30,"beacon":1}' and done == "100", obs.title
    assert obs.status == "hostile" and "request_flood" in obs.hostile, (obs.status, obs.hostile)


def test_a_script_opening_windows_by_the_dozen_opens_8_and_the_click_still_opens_its_own(site, chromium_path):
    """A page opening a window every 50 ms kept the renderer near 400 MB: past popup_flood new windows that no
    click allowed (a call naming a window still open only navigates it), a window's scripts open nothing (null,
    as a popup blocker returns); the page is hostile (`popup_storm`), and the pop-under of the visitor's click is
    still recorded."""
    obs = visit(chromium_path, f"{site}/open-flood.html").result
    assert obs.title == "refused 53", obs.title  # 8 windows opened: the named one and 7 others
    assert obs.status == "hostile" and "popup_storm" in obs.hostile, (obs.status, obs.hostile)
    assert sum(n.kind == "popup_flood" for n in obs.notices) == 1, obs.notices  # reported once per window
    assert f"{site}/late.html" in {w.landing_url for w in obs.windows}, obs.windows
    usual = visit(chromium_path, f"{site}/").result  # a page whose clicks open windows is not a storm
    assert "popup_storm" not in usual.hostile, usual.hostile


def test_a_pop_under_that_never_answers_does_not_stall_the_page_that_opened_it(site, chromium_path):
    """A window another site's page keeps busy for ever: with site isolation off, Chromium ran it in its opener's
    renderer, so the opener stopped answering too (every later click, the snapshot and the screenshot were
    lost, and the visit ended unresponsive). Each site now has its own renderer: the opener's visit goes on.
    Named hosts, as on the web: Chromium gave IP addresses their own renderer even with isolation off."""
    port = site.rsplit(":", 1)[1]
    names = ["--host-resolver-rules=MAP piracy-site.example 127.0.0.1, MAP busy-ads.example 127.0.0.1"]
    obs = visit(
        chromium_path, f"http://piracy-site.example:{port}/busy-popup.html", names, "piracy-site.example"
    ).result
    assert not any(n.kind in ("unresponsive", "busy_page") for n in obs.notices), obs.notices
    assert obs.status == "ok", (obs.status, obs.error)
    steps = {step.action: step for step in obs.steps}
    assert steps["click_body"].screenshot, obs.steps  # the page shot after the pop-under opened, before the click
    assert any(w.url.startswith("http://busy-ads.example:") for w in obs.window_opens), obs.window_opens


def test_a_tab_under_fired_from_one_of_the_site_s_links_begins_where_the_tab_leaves_the_site(site, chromium_path):
    """The visitor's click lands on a link of the site, and a tab-under's script sends the tab to its ad 100 ms
    later: the tab's navigations then read site page, ad. The tab-under is the ad alone, as when the click lands
    elsewhere (a crawl of the sandbox once recorded the site's page as its first hop, and failed the truth)."""
    port = site.rsplit(":", 1)[1]
    names = ["--host-resolver-rules=MAP piracy-site.example 127.0.0.1, MAP ads.example 127.0.0.1"]
    obs = visit(
        chromium_path, f"http://piracy-site.example:{port}/tab-under-link.html", names, "piracy-site.example"
    ).result
    assert any(r.page == 0 and r.navigation and r.url.endswith("/film.html") for r in obs.requests), obs.requests
    tabunders = [[(host_of(h.url), h.via) for h in w.chain] for w in obs.windows if w.kind == "tabunder"]
    assert tabunders == [[("ads.example", "open")]], obs.windows


def test_a_context_whose_page_never_answers_still_closes_and_keeps_its_archive(site, chromium_path, tmp_path):
    """The crawl records each context as a HAR (the visit's WARC is made from it). Playwright's HAR recorder asks
    a page for its title at its load event and waits for the answer before the context closes: a page looping
    for ever after its load held its context open, and its renderer spinning a core, for the rest of the crawl
    (three such in a 300-visit crawl kept 1.2 of its 2 cores). The visit's pages are closed first now."""
    from playwright.async_api import async_playwright

    from moneytrail.crawler.visit import close_context

    har = tmp_path / "visit.har.zip"

    async def run():
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium_path, args=list(QUIET_ARGS))
            try:
                context = await browser.new_context(record_har_path=str(har), record_har_content="attach")
                page = await context.new_page()
                await page.goto(f"{site}/loop.html")
                await asyncio.sleep(1)  # its loop has begun
                return await close_context(context, 10), len(browser.contexts)
            finally:
                await browser.close()

    closed, left = asyncio.run(run())
    assert closed and left == 0
    assert har.is_file() and har.stat().st_size > 0


def test_the_served_html_is_parsed_off_the_event_loop(site, chromium_path, monkeypatch):
    """The visited page's HTML (up to max_document_bytes) is read for its served links in a thread: the event loop
    runs every other visit of the crawl meanwhile."""
    from moneytrail.crawler import visit as visit_module

    on_loop_thread, real = [], visit_module.served_links

    def spy(html, base):
        on_loop_thread.append(threading.current_thread() is threading.main_thread())
        return real(html, base)

    monkeypatch.setattr(visit_module, "served_links", spy)
    page = f"{site}/private-links.html?port=9"  # its script adds a link to another site over the page
    obs = visit(chromium_path, page).result
    assert on_loop_thread == [False]
    assert [link.url for link in obs.ad_links if link.where == "injected"] == ["http://127.0.0.2:9/frame.html"]
    # HTML that could not be read to its end: no link is called injected, and the visit says why
    monkeypatch.setattr(visit_module, "served_links", lambda html, base: None)
    obs = visit(chromium_path, page).result
    assert "served_unread" in {n.kind for n in obs.notices}, obs.notices
    assert not [link for link in obs.ad_links if link.where == "injected"], obs.ad_links
    assert real('<a href="/x">x</a><a href="https://ads.example/c?z=1">ad</a>', "https://site.example/film/1") == {
        "https://site.example/x",
        "https://ads.example/c?z=1",
    }


def test_the_page_and_python_keep_the_same_elements(chromium_path):
    """crawler/elements.py's rule, run in Chromium by the snapshot and in Python for the tag corpus."""
    from bs4 import BeautifulSoup
    from playwright.sync_api import sync_playwright

    from moneytrail.crawler.elements import keep
    from moneytrail.crawler.visit import SNAPSHOT_JS

    html = """<html><head><meta name="exoclick-site-verification" content="0123abcd">
    <meta name="viewport" content="width=device-width"><script src="/a.js" data-cfasync="false"></script></head>
    <body><ins class="eas6a97888e2" data-zoneid="1234567"></ins><div id="M123456ScriptRootC654321"></div>
    <div data-banner-id="99" style="x"></div><div data-load="lazy"></div><div id="post-12345"></div>
    <iframe src="about:blank" width="300"></iframe><span data-ad-client="ca-pub-1234567890123456"></span>
    <script>var inline = 1;</script></body></html>"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=list(QUIET_ARGS))
        page = browser.new_page()
        page.set_content(html)
        in_page = [(tag, attrs) for tag, attrs in page.evaluate(SNAPSHOT_JS, 150)["elements"]]
        browser.close()
    soup = BeautifulSoup(html, "html.parser")
    in_python = keep([(t.name, {k: " ".join(v) if isinstance(v, list) else v for k, v in t.attrs.items()})
                      for t in soup.find_all(True)])  # fmt: skip
    assert in_page == [list(e) for e in in_python] or in_page == in_python
    assert {tag for tag, _ in in_python} == {"meta", "script", "ins", "div", "iframe", "span"}
    assert not any(attrs.get("data-load") or attrs.get("id") == "post-12345" for _, attrs in in_python)
