"""A hostile-content corpus (issue 15): one site per attack on a crawler, each also carrying the control ad
(a pop-under on the first click, sent through an ad server to an advertiser), served by the sandbox's own
server on loopback. Any request for a host outside the corpus is logged (event "outside").

Sites, and what a crawl must make of them (`CORPUS`: domain -> (statuses accepted, pop-under expected)):
the control page; frames the browser refuses to load; frames that never answer; a socket and fetch flood;
an endless body; slow headers; huge headers; a cookie bomb; a redirect storm; a `window.open` loop; a
`document.write` flood; a deep DOM, and one deep enough to crash the renderer; alert loops in frames;
thousands of frames."""

from __future__ import annotations

import itertools

from moneytrail.sandbox.app import SandboxApp
from moneytrail.sandbox.http import Response

AD_SERVER = "pop.adnet-corpus.test"
ADVERTISER = "offer.brand-corpus.test"
CONTROL_JS = (
    "document.addEventListener('click', function () {"
    f" window.open('https://{AD_SERVER}/go?zone=4242'); }}, {{once: true}});"
)

# the attack each site adds to the control page, in its <head> (scripts run before the body) or as its body
FLOOD_JS = """
for (var i = 0; i < 1000; i++) { try { new WebSocket('wss://' + location.host + '/ws/' + i); } catch (e) {} }
for (var j = 0; j < 10000; j++) { fetch('/tiny?' + j).catch(function () {}); }"""
OPEN_LOOP_JS = "window.addEventListener('load', function () { var n = 0;"
OPEN_LOOP_JS += " setInterval(function () { window.open('/p/' + (n++)); }, 50); });"
WRITE_FLOOD_JS = "for (var i = 0; i < 20000; i++) document.write('<p>' + 'flood '.repeat(300) + i + '</p>');"
DEEP_DOM_JS = """
window.addEventListener('DOMContentLoaded', function () {
  var node = document.body;
  for (var i = 0; i < DEPTH; i++) { var d = document.createElement('div'); node.appendChild(d); node = d; }
  node.textContent = 'the bottom';
});"""
ALERT_FRAME = "<script>setInterval(function () { alert('Your stream is ready'); }, 20);</script>"
MANY_FRAMES_JS = """
window.addEventListener('DOMContentLoaded', function () {
  for (var i = 0; i < 5000; i++) {
    var f = document.createElement('iframe'); f.width = 10; f.height = 10; f.srcdoc = '<p>frame ' + i + '</p>';
    document.body.appendChild(f);
  }
});"""

LOADS = {"ok", "hostile"}  # a page that loads ends ok, or hostile when it fought the visitor
CORPUS: dict[str, tuple[set[str], bool]] = {
    "control-corpus.test": ({"ok"}, True),
    "blocked-frames-corpus.test": ({"ok"}, True),
    "hanging-frames-corpus.test": ({"ok"}, True),
    # 1,000 sockets and 10,000 fetches at once: past 50 and 1,000 they fail at once (request_flood); the control
    # ad's click comes when the page answers again, or the visit calls it unresponsive (both truthful; not asserted)
    "socket-flood-corpus.test": ({"hostile"}, False),
    "endless-body-corpus.test": (LOADS, True),
    "slow-headers-corpus.test": ({"timeout"}, False),
    "huge-headers-corpus.test": ({"ok"}, True),
    "cookie-bomb-corpus.test": ({"ok"}, True),
    "redirect-storm-corpus.test": ({"hostile", "dead"}, False),
    "open-loop-corpus.test": ({"hostile"}, True),  # past 8 windows it opens none: the click's one is followed
    "write-flood-corpus.test": ({"hostile"}, True),  # 36 MB written: the writes past 4 Mi characters are not done
    "deep-dom-corpus.test": (LOADS, True),  # 1,000 levels
    "renderer-crash-corpus.test": ({"crashed"}, False),  # 20,000 levels: Chromium 156's renderer dies (3,000 do)
    "frame-alerts-corpus.test": ({"hostile"}, True),
    # 5,000 frames made at once: Chromium would hold 1,000 (plain Playwright's page then answers nothing for ~45
    # s); past 100 none is made, and the page goes on to its ad
    "many-frames-corpus.test": ({"hostile"}, True),
}


def page(title: str, head: str = "", body: str = "") -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<script>{CONTROL_JS}</script>{head}</head><body><h1>{title}</h1>"
        "<div id='player' style='width:640px;height:360px;background:#111'></div>"
        f"{body}</body></html>"
    )


def build_corpus() -> SandboxApp:
    app = SandboxApp()

    def home(domain: str, response: Response) -> None:
        app.static(domain, "/", response)

    def script_site(domain: str, title: str, js: str) -> None:
        home(domain, Response.html(page(title, head=f"<script>{js}</script>")))

    # the control ad: an ad server's redirect to an advertiser's landing page
    app.static(AD_SERVER, "/go", Response.redirect(f"https://{ADVERTISER}/landing?src=corpus"))
    app.static(ADVERTISER, "/landing", Response.html("<!doctype html><title>Big offer</title><h1>Offer</h1>"))

    home("control-corpus.test", Response.html(page("Watch free")))
    home(
        "blocked-frames-corpus.test",
        Response.html(
            page(
                "Blocked frames",
                body="<iframe src='file:///etc/passwd' width=10 height=10></iframe>"
                "<iframe src='chrome://settings' width=10 height=10></iframe>"
                "<iframe src='view-source:https://control-corpus.test/' width=10 height=10></iframe>",
            )
        ),
    )
    home(
        "hanging-frames-corpus.test",
        Response.html(page("Hanging frames", body="".join(f"<iframe src='/hang/{i}'></iframe>" for i in range(5)))),
    )
    app.static("hanging-frames-corpus.test", "/hang/*", Response.html("<p>late</p>", delay=600))
    script_site("socket-flood-corpus.test", "Socket flood", FLOOD_JS)
    app.static("socket-flood-corpus.test", "/tiny", Response.text("1"))

    async def hold(req, ws) -> None:  # a socket that stays open and says nothing
        while await ws.recv() is not None:
            pass

    app.ws("socket-flood-corpus.test", "/ws/*", hold)

    def endless():
        yield page("Endless", body="<p>").encode()[: -len(b"</body></html>")]
        for n in itertools.count():
            yield (f"<p>row {n} " + "lorem ipsum " * 500 + "</p>").encode()

    home("endless-body-corpus.test", Response(stream=endless, stream_pause=0.005))
    home("slow-headers-corpus.test", Response.html(page("Slow"), delay=60))
    home(
        "huge-headers-corpus.test",
        Response.html(page("Huge headers"), headers=[(f"X-Filler-{i}", "x" * 900) for i in range(100)]),
    )
    home(
        "cookie-bomb-corpus.test",
        Response.html(
            page("Cookie bomb"), headers=[("Set-Cookie", f"bomb{i}={'c' * 4000}; Path=/") for i in range(40)]
        ),
    )
    app.static("redirect-storm-corpus.test", "/", Response.redirect("/r/1"))
    for n in range(1, 101):
        app.static("redirect-storm-corpus.test", f"/r/{n}", Response.redirect(f"/r/{n + 1}"))
    script_site("open-loop-corpus.test", "Open loop", OPEN_LOOP_JS)
    app.static("open-loop-corpus.test", "/p/*", Response.html("<title>offer</title><p>offer</p>"))
    script_site("write-flood-corpus.test", "Write flood", WRITE_FLOOD_JS)
    script_site("deep-dom-corpus.test", "Deep DOM", DEEP_DOM_JS.replace("DEPTH", "1000"))
    script_site("renderer-crash-corpus.test", "Deeper DOM", DEEP_DOM_JS.replace("DEPTH", "20000"))
    home(
        "frame-alerts-corpus.test",
        Response.html(page("Frame alerts", body="".join(f"<iframe src='/alerts/{i}'></iframe>" for i in range(3)))),
    )
    app.static("frame-alerts-corpus.test", "/alerts/*", Response.html(ALERT_FRAME))
    script_site("many-frames-corpus.test", "Many frames", MANY_FRAMES_JS)

    outside = app.family(r".*", "outside")  # last: any host the corpus does not serve

    def elsewhere(req) -> Response:
        app.log("outside", host=req.host, path=req.path)
        return Response(status=404, body="not in the corpus")

    outside.fallback = elsewhere
    return app
