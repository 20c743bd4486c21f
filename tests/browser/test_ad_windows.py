"""Windows that show several ads, and boxes scripts lay over the page, as real pop-under and push libraries make
them, on small pages of our own served under many host names (Chromium resolves every name to this server):

- a pop-under whose landing page sends the window on with a timer once it rendered (a "you won" page): two
  ads, while the redirects before the landing (30x, meta refresh, script) stay one chain;
- a pop-under library that opens its window under a fixed name on every click (`window.open(url, name)`):
  the second click navigates the same window, a second ad with its own advertiser, no broker;
- an in-page push banner (a fake notification box shown once the permission prompt came to nothing, with
  a click handler and no link) and a late interstitial with a link: both recorded with the script that made
  them, clicked or followed, and attributed to that script's network."""

from __future__ import annotations

import asyncio
import http.server
import threading
from io import BytesIO

import pytest
from PIL import Image

from moneytrail.attribution.attribute import attribute
from moneytrail.attribution.signatures import load
from moneytrail.crawler.browser import QUIET_ARGS
from moneytrail.crawler.domains import host_of
from moneytrail.crawler.limits import Limits
from moneytrail.crawler.visit import visit_url

SITE = "watch-free.test"


def landing(title: str, extra: str = "") -> str:
    return f"<html><head><title>{title}</title></head><body><h1>{title}</h1>{extra}</body></html>"


# (host, path) -> page; "PORT" is this server's port, the same for every host
PAGES = {
    # the site: a film page with a pop-under tag, a series page with a named-window library, a live page with
    # an in-page push tag and an interstitial tag; a fixed header of its own (made by the parser) and a
    # fixed cookie bar its own script makes: neither is an overlay of another site's
    (SITE, "/film"): "<html><head><title>Film</title></head><body style='height:1400px'>"
    "<script src='http://c1.popadscdn.net:PORT/pop.js?mode=timer'></script><p>film</p></body></html>",
    (SITE, "/series"): "<html><head><title>Series</title></head><body style='height:1400px'>"
    "<script src='http://c1.popadscdn.net:PORT/pop.js?mode=named'></script><p>series</p></body></html>",
    (SITE, "/live"): "<html><head><title>Live</title></head><body style='height:1400px'>"
    "<div style='position:fixed;top:0;left:0;width:100%;height:40px;background:#222'>Live TV</div>"
    "<script src='/own.js'></script>"
    "<script src='http://richinfo.co:PORT/richpartners/in-page/js/richads-ob.js?pubid=12345&siteid=67890'></script>"
    "<script src='http://a.exosrv.com:PORT/ad-provider.js'></script><p>live</p></body></html>",
    (SITE, "/own.js"): "var bar = document.createElement('div'); bar.textContent = 'We use cookies';"
    "bar.style.cssText = 'position:fixed;bottom:0;left:0;width:300px;height:30px;background:#eee';"
    "document.body.appendChild(bar);",
    # a pop-under tag: on the first click, a window that it puts behind the page ("timer"), or on every click
    # a window under one fixed name, the click number choosing the campaign ("named")
    ("c1.popadscdn.net", "/pop.js"): """(function () {
  var named = /mode=named/.test(document.currentScript.src), clicks = 0;
  document.addEventListener('click', function () {
    clicks++;
    if (!named && clicks > 1) return;
    var url = 'http://serve.popads.net:PORT/click?c=' + (named ? clicks : 3);
    window.open(url, named ? 'pu_7731' : '_blank');
    try { window.focus(); } catch (e) {}
  }, true);
})();""",
    # advertisers and the hops between
    ("spin-palace.test", "/lp"): landing("Spin Palace casino: 200 free spins"),
    ("vpn-shield.test", "/lp"): landing("VPN Shield: hide your IP"),
    ("tds-route.test", "/m"): "<html><head><meta http-equiv='refresh' content='0;url=http://js-hop.test:PORT/j'>"
    "</head><body>Loading</body></html>",
    ("js-hop.test", "/j"): "<html><head><script>location.replace('http://prize-claim.test:PORT/lp')</script>"
    "</head><body>Please wait</body></html>",
    # a "you won" page: once shown, it sends the visitor on after a while
    ("prize-claim.test", "/lp"): landing(
        "Congratulations, you won an iPhone",
        "<script>addEventListener('load', function () { setTimeout(function () {"
        " location.href = 'http://trk.offer-hop.test:PORT/go'; }, 2000); });</script>",
    ),
    ("crypto-boost.test", "/lp"): landing("Crypto Boost: turn 250 EUR into a fortune"),
    ("dating-match.test", "/lp"): landing("3 singles near you want to chat"),
    ("cam-show.test", "/lp"): landing("Live cams 18+"),
    # an in-page push tag: asks for notification permission; whatever the answer, shows a fake notification
    # in the corner, a box with an icon, a title and a close button, that opens the ad when clicked
    ("richinfo.co", "/richpartners/in-page/js/richads-ob.js"): """(function () {
  var shown = false;
  function show() {
    if (shown) return; shown = true;
    var box = document.createElement('div');
    box.style.cssText = 'position:fixed;right:16px;bottom:16px;width:340px;height:96px;background:#fff;' +
      'box-shadow:0 2px 10px #0006;z-index:2147483647;font:14px sans-serif;cursor:pointer';
    var icon = document.createElement('img');
    icon.src = 'http://richinfo.co:PORT/icon.svg'; icon.width = 64; icon.height = 64;
    icon.style.cssText = 'float:left;margin:16px';
    var title = document.createElement('div');
    title.textContent = '(1) New message from Anna';
    var close = document.createElement('span');
    close.textContent = 'x'; close.style.cssText = 'position:absolute;right:6px;top:2px';
    close.addEventListener('click', function (e) { e.stopPropagation(); box.remove(); });
    box.appendChild(icon); box.appendChild(title); box.appendChild(close);
    box.addEventListener('click', function () { window.open('http://go.richads.com:PORT/click?c=5', '_blank'); });
    document.body.appendChild(box);
  }
  try { Notification.requestPermission().then(show, show); } catch (e) { show(); }
  setTimeout(show, 1500);
})();""",
    ("richinfo.co", "/icon.svg"): "<svg xmlns='http://www.w3.org/2000/svg' width='64' height='64'>"
    "<circle cx='32' cy='32' r='30' fill='#e33'/></svg>",
    # an interstitial a while after load, in a corner the visit's own clicks do not reach, with a link
    ("a.exosrv.com", "/ad-provider.js"): """setTimeout(function () {
  var box = document.createElement('div');
  box.style.cssText = 'position:fixed;right:20px;top:60px;width:300px;height:250px;background:#333;z-index:99999';
  var a = document.createElement('a');
  a.href = 'http://syndication.exdynsrv.com:PORT/click?c=6'; a.target = '_blank';
  a.textContent = 'Hot singles tonight'; a.style.cssText = 'display:block;color:#fff;padding:100px 20px';
  box.appendChild(a); document.body.appendChild(box);
}, 2000);""",
}
# click servers and trackers: (host, path) -> where they send the visitor (HTTP 302), by the query's c
REDIRECTS = {
    ("serve.popads.net", "/click"): {
        "1": "http://spin-palace.test:PORT/lp",
        "2": "http://vpn-shield.test:PORT/lp",
        "3": "http://tds-route.test:PORT/m",
    },
    ("trk.offer-hop.test", "/go"): {"": "http://crypto-boost.test:PORT/lp"},
    ("go.richads.com", "/click"): {"5": "http://dating-match.test:PORT/lp"},
    ("syndication.exdynsrv.com", "/click"): {"6": "http://cam-show.test:PORT/lp"},
}


TYPES = {"js": "application/javascript", "svg": "image/svg+xml"}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0]
        path, _, query = self.path.partition("?")
        port = str(self.server.server_address[1])
        targets = REDIRECTS.get((host, path))
        if targets is not None:
            choice = dict(p.partition("=")[::2] for p in query.split("&") if p).get("c", "")
            if choice not in targets:
                self.send_error(404)
                return
            self.send_response(302)
            self.send_header("Location", targets[choice].replace("PORT", port))
            self.end_headers()
            return
        body = PAGES.get((host, path))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", TYPES.get(path.rsplit(".", 1)[-1], "text/html"))
        self.end_headers()
        self.wfile.write(body.replace("PORT", port).encode())

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def port():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture(scope="module")
def sigs():
    return load()


def visit(chromium_path, url: str, **limits):
    from playwright.async_api import async_playwright

    async def run():
        async with async_playwright() as p:
            args = [*QUIET_ARGS, "--host-resolver-rules=MAP * 127.0.0.1"]  # every name to this server
            browser = await p.chromium.launch(executable_path=chromium_path, args=args)
            try:
                return await visit_url(browser, url, visit_id="w", site=SITE, limits=Limits(**limits))
            finally:
                await browser.close()

    return asyncio.run(run())


def hosts(window) -> list[tuple[str, str]]:
    return [(host_of(h.url), h.via) for h in window.chain]


def test_a_landing_page_that_sends_the_window_on_shows_a_second_ad(port, chromium_path, sigs):
    """The click server's 302, a meta refresh and a script redirect before the landing page rendered are
    one chain; the "you won" page that sends the window on two seconds after it loaded starts a new ad."""
    recorded = visit(chromium_path, f"http://{SITE}:{port}/film", settle_min=5.0)
    obs = recorded.result
    popups = [w for w in obs.windows if w.kind == "popup"]
    assert len(popups) == 2, [hosts(w) for w in obs.windows]
    first, second = popups
    assert hosts(first) == [
        ("serve.popads.net", "open"),
        ("tds-route.test", "http"),
        ("js-hop.test", "meta"),
        ("prize-claim.test", "js"),
    ]
    assert hosts(second) == [("trk.offer-hop.test", "js"), ("crypto-boost.test", "http")]
    assert first.page == second.page and first.previous is None and obs.windows[second.previous] is first
    assert first.landing_title.startswith("Congratulations") and second.landing_title.startswith("Crypto Boost")
    assert first.screenshot and second.screenshot and first.screenshot != second.screenshot
    assert recorded.screenshots[first.screenshot][:2] == b"\xff\xd8"
    links = {link.advertiser: link for link in attribute(obs, sigs).links}
    assert set(links) == {"prize-claim.test", "crypto-boost.test"}
    won, boost = links["prize-claim.test"], links["crypto-boost.test"]
    assert (won.network, won.kind, won.brokers) == ("PopAds", "popunder", ["tds-route.test", "js-hop.test"])
    # the second ad: the pop-under's network and kind, its own chain; the first advertiser is no broker of it
    assert (boost.network, boost.kind, boost.brokers) == ("PopAds", "popunder", ["offer-hop.test"])


def test_a_named_window_opened_again_shows_a_new_ad(port, chromium_path, sigs):
    """A pop-under library that opens its window under one fixed name on every click: the second click
    navigates the window the first one opened. Two ads, two advertisers, no broker."""
    # timing alone never cuts here: only the name does
    recorded = visit(chromium_path, f"http://{SITE}:{port}/series", centre_click_pause=2.5, landing_stay=30.0)
    obs = recorded.result
    assert [c.target for c in obs.window_opens] == ["pu_7731", "pu_7731"]
    popups = [w for w in obs.windows if w.kind == "popup"]
    assert [hosts(w) for w in popups] == [
        [("serve.popads.net", "open"), ("spin-palace.test", "http")],
        [("serve.popads.net", "open"), ("vpn-shield.test", "http")],
    ]
    first, second = popups
    assert first.page == second.page and obs.windows[second.previous] is first
    steps = {s.n: s.action for s in obs.steps}
    assert (steps[first.step], steps[second.step]) == ("click_centre", "click_body")
    assert second.screenshot and second.landing_title.startswith("VPN Shield")
    links = attribute(obs, sigs).links
    assert sorted((link.network, link.advertiser, link.kind, tuple(link.brokers)) for link in links) == [
        ("PopAds", "spin-palace.test", "popunder", ()),
        ("PopAds", "vpn-shield.test", "popunder", ()),
    ]
    # each ad's evidence shows the pirate page as it was just before the click that opened it
    shots = {s.n: s.screenshot for s in obs.steps}
    by_advertiser = {link.advertiser: link.page_screenshot for link in links}
    assert by_advertiser == {"spin-palace.test": shots[first.step], "vpn-shield.test": shots[second.step]}
    assert len({obs.screenshot, *by_advertiser.values()}) == 3  # three moments, three shots
    assert all(recorded.screenshots[shot].startswith(b"\xff\xd8") for shot in by_advertiser.values())  # JPEG


def test_an_in_page_push_banner_and_an_interstitial_are_recorded_and_attributed(port, chromium_path, sigs):
    """The push tag's box has no link: the visit clicks it. The interstitial comes after the first look at the
    page, with a link: it becomes an ad link and is followed. Each ad is its box's script's network's."""
    recorded = visit(chromium_path, f"http://{SITE}:{port}/live")
    obs = recorded.result
    push_tag = f"http://richinfo.co:{port}/richpartners/in-page/js/richads-ob.js?pubid=12345&siteid=67890"
    by_creator = {o.creator: o for o in obs.overlays}
    assert set(by_creator) == {push_tag, f"http://a.exosrv.com:{port}/ad-provider.js"}, obs.overlays
    banner = by_creator[push_tag]
    assert (banner.position, banner.width, banner.height, banner.link) == ("fixed", 340, 96, "")
    assert banner.text.startswith("(1) New message") and banner.media == 1
    steps = {s.n: s.action for s in obs.steps}
    assert banner.step is not None and steps[banner.step] == "click_overlay"
    assert any(n.kind == "notification_prompt" and n.caller == push_tag for n in obs.notices)
    clicked = [w for w in obs.windows if w.step == banner.step and w.kind == "popup"]
    assert [hosts(w) for w in clicked] == [[("go.richads.com", "open"), ("dating-match.test", "http")]]
    interstitial = by_creator[f"http://a.exosrv.com:{port}/ad-provider.js"]
    assert interstitial.link == f"http://syndication.exdynsrv.com:{port}/click?c=6" and interstitial.step is None
    assert any(link.url == interstitial.link and link.followed for link in obs.ad_links)
    # the banner was on the page at its screenshot: cut out of it, with a margin
    assert banner.crop in recorded.screenshots, (banner.crop, list(recorded.screenshots))
    with Image.open(BytesIO(recorded.screenshots[banner.crop])) as image:
        assert image.width >= 340 and image.height >= 96, image.size
    links = {link.advertiser: link for link in attribute(obs, sigs).links}
    assert (links["dating-match.test"].network, links["dating-match.test"].kind) == ("RichAds", "push")
    assert (links["cam-show.test"].network, links["cam-show.test"].kind) == ("ExoClick", "overlay")
    assert set(links) == {"dating-match.test", "cam-show.test"}
    # the push banner's ad: the page shot just before the banner was clicked, the banner on it
    before = next(s.screenshot for s in obs.steps if s.n == banner.step)
    assert links["dating-match.test"].page_screenshot == before and before in recorded.screenshots
