"""Hostile and dead sandbox sites, checked through the sandbox proxy with urllib and a real Chromium."""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

from moneytrail.crawler.browser import QUIET_ARGS
from moneytrail.sandbox import hostile
from moneytrail.sandbox.app import SandboxApp
from moneytrail.sandbox.server import SandboxServer, SandboxThread
from moneytrail.sandbox.world import load_world

pytestmark = pytest.mark.browser
WORLD = load_world()


def domain_of(behaviour: str) -> str:
    return next(s.domain for s in WORLD.sites if s.behaviour == behaviour)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app = SandboxApp()
    hostile.register(app, WORLD)
    with SandboxThread(SandboxServer(app, state_dir=tmp_path_factory.mktemp("sandbox"))) as s:
        yield s


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 30x reaches the caller as an HTTPError


def fetch(server, url: str, timeout: float = 10, follow: bool = True) -> tuple[int, dict, bytes]:
    """GET through the sandbox proxy, trusting its CA; 4xx/5xx and unfollowed 30x are returned, not raised."""
    handlers = [
        urllib.request.ProxyHandler({"http": server.address, "https": server.address}),
        urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=server.ca.ca_cert_path)),
    ]
    opener = urllib.request.build_opener(*handlers, *([] if follow else [_NoRedirect()]))
    try:
        with opener.open(url, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def wait_until(page, condition, seconds: float = 10) -> None:
    """Poll `condition()` while Playwright delivers events (time.sleep would hold them back)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        page.wait_for_timeout(50)


@pytest.fixture(scope="module")
def browser(server, chromium_path):
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, proxy={"server": server.address}, args=list(QUIET_ARGS))
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(ignore_https_errors=True, accept_downloads=False)
    ctx.set_default_timeout(30_000)  # a bound for failures: a page behind a popup storm answers late under load
    yield ctx
    ctx.close()


def test_every_behaviour_is_served_and_has_a_truth():
    hostile_sites = [s for s in WORLD.sites if s.hostile]
    assert {s.behaviour for s in hostile_sites} == set(hostile.BEHAVIOURS)
    truths = {s.behaviour: hostile.hostile_truth(WORLD, s) for s in hostile_sites}
    assert {b for b, t in truths.items() if t["status"] == "dead"} == {
        "connection_refused",
        "no_such_host",
        "server_error",
    }
    assert all(
        t["status"] == "hostile" and t["expect"]
        for b, t in truths.items()
        if b not in ("connection_refused", "no_such_host", "server_error")
    )
    # over https a crawler only sees the proxy's 502 to CONNECT: its body tells the two dead kinds apart
    assert "'sandbox: connection refused'" in truths["connection_refused"]["expect"]
    assert "'sandbox: no such host'" in truths["no_such_host"]["expect"]
    with pytest.raises(ValueError):
        hostile.hostile_truth(WORLD, next(s for s in WORLD.sites if not s.hostile))


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_dead_sites(server, scheme):
    refused, missing, broken = (domain_of(b) for b in ("connection_refused", "no_such_host", "server_error"))
    assert server.app.resolve(refused).refuse
    assert server.app.resolve(missing) is None
    for url in (f"{scheme}://{refused}/", f"{scheme}://{missing}/"):
        if scheme == "https":  # the CONNECT itself is refused
            with pytest.raises(urllib.error.URLError, match="502"):
                fetch(server, url)
        else:
            assert fetch(server, url)[0] == 502
    for path in ("/", "/film/1", "/anything/else"):
        status, _, body = fetch(server, f"{scheme}://{broken}{path}")
        assert status == 500 and b"Internal Server Error" in body


def test_whole_sandbox_keeps_hostile_sites_hostile(sandbox):
    """Other modules register hosts too: none may revive a dead site or shadow a behaviour."""
    assert sandbox.app.resolve(domain_of("no_such_host")) is None
    assert sandbox.app.resolve(domain_of("connection_refused")).refuse
    for behaviour, path, status in (
        ("server_error", "/ads.txt", 500),
        ("redirect_loop", "/", 302),
        ("popup_storm", "/p/3", 200),
        ("file_download", hostile.DOWNLOAD_PATH, 200),
    ):
        assert fetch(sandbox, f"http://{domain_of(behaviour)}{path}", follow=False)[0] == status, behaviour


def test_dead_sites_in_chromium(context):
    with pytest.raises(PlaywrightError, match="ERR_TUNNEL_CONNECTION_FAILED"):
        context.new_page().goto(f"https://{domain_of('connection_refused')}/")
    assert context.new_page().goto(f"https://{domain_of('server_error')}/").status == 500


def test_slow_response_times_out_but_inner_pages_answer(server, context):
    domain = domain_of("slow_response")
    started = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        fetch(server, f"http://{domain}/", timeout=2)
    page = context.new_page()
    with pytest.raises(PlaywrightTimeout):
        page.goto(f"https://{domain}/", timeout=2000)
    assert time.monotonic() - started < 8
    status, _, body = fetch(server, f"https://{domain}/film/1", timeout=2)
    assert status == 200 and b'id="player"' in body


def test_infinite_loop_starts_after_load(server, context):
    url = f"https://{domain_of('infinite_loop')}/"
    assert b"while (true)" in fetch(server, url)[2]
    page = context.new_page()
    response = page.goto(url, wait_until="load")
    assert response.status == 200
    time.sleep(0.3)  # let the loop start
    with pytest.raises(PlaywrightTimeout):
        page.wait_for_function("() => true", timeout=1500)
    started = time.monotonic()
    page.close()
    assert time.monotonic() - started < 5


def test_dialog_storm_on_load_and_on_click(context):
    page = context.new_page()
    seen = []

    def dismiss(dialog):
        seen.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(f"https://{domain_of('dialog_storm')}/")
    per_storm = hostile.DIALOG_ROUNDS * 3
    wait_until(page, lambda: len(seen) >= per_storm)
    page.wait_for_function("() => true")  # answers only once no dialog is open
    assert len(seen) == per_storm and set(seen) == {"alert", "confirm", "prompt"}
    page.click("#player")
    wait_until(page, lambda: len(seen) >= 2 * per_storm)
    page.wait_for_function("() => true")
    assert len(seen) == 2 * per_storm


def test_popup_storm(server, context):
    domain = domain_of("popup_storm")
    popups = []
    context.on("page", lambda p: popups.append(p))
    page = context.new_page()
    page.goto(f"https://{domain}/")
    wait_until(page, lambda: len(popups) == 1 + hostile.POPUPS_ON_LOAD)
    heading = page.locator("h1").bounding_box()
    page.click("#player")
    page.mouse.click(heading["x"] + 5, heading["y"] + 5)  # only the first click opens the storm
    want = 1 + hostile.POPUPS_ON_LOAD + hostile.POPUPS_ON_CLICK
    wait_until(page, lambda: len(popups) >= want)
    page.wait_for_timeout(300)
    assert len(popups) == want
    for popup in popups[1:]:
        popup.wait_for_load_state()
    urls = {p.url for p in popups[1:]}
    assert urls == {f"https://{domain}/p/load-{i}" for i in range(1, hostile.POPUPS_ON_LOAD + 1)} | {
        f"https://{domain}/p/{i}" for i in range(1, hostile.POPUPS_ON_CLICK + 1)
    }
    assert "Offer 7" in fetch(server, f"http://{domain}/p/7")[2].decode()


def test_redirect_loop(server, context):
    domain = domain_of("redirect_loop")
    for path, target in (("/", "/a"), ("/a", "/b"), ("/b", "/")):
        status, headers, _ = fetch(server, f"http://{domain}{path}", follow=False)
        assert (status, headers["Location"]) == (302, target)
    assert fetch(server, f"http://{domain}/")[0] == 302  # urllib follows, sees the loop, gives up
    with pytest.raises(PlaywrightError, match="ERR_TOO_MANY_REDIRECTS"):
        context.new_page().goto(f"https://{domain}/")


def test_beforeunload_trap(context):
    domain = domain_of("beforeunload_trap")
    page = context.new_page()
    page.goto(f"https://{domain}/")
    assert page.evaluate("history.length") == 50  # Chromium keeps at most 50 entries
    assert page.url.endswith(f"#stay-{hostile.HISTORY_PUSHES}")
    page.click("h1")  # beforeunload prompts need a user gesture first
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))
    page.goto(f"https://{domain}/film/1")  # leaving asks to stay; accepting lets the visit go on
    assert dialogs == ["beforeunload"]
    page.click("h1")
    started = time.monotonic()
    page.close()  # without run_before_unload: no prompt, closed at once
    assert page.is_closed() and time.monotonic() - started < 2 and dialogs == ["beforeunload"]


def test_file_download_is_a_download_never_opened(server, context):
    domain = domain_of("file_download")
    status, headers, body = fetch(server, f"http://{domain}{hostile.DOWNLOAD_PATH}")
    assert status == 200 and headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"].startswith("attachment")
    assert body.startswith(b"MZ") and b"never run" in body and len(body) == 4096
    home = fetch(server, f"https://{domain}/")[2].decode()
    assert f'href="{hostile.DOWNLOAD_PATH}"' in home and 'id="player"' in home
    page = context.new_page()
    with page.expect_download(timeout=5000) as info:
        page.goto(f"https://{domain}/")  # the page starts the download by itself after load
    download = info.value
    assert download.suggested_filename == "player_setup.exe"
    assert download.url == f"https://{domain}{hostile.DOWNLOAD_PATH}"
    assert download.failure() is not None  # accept_downloads=False: cancelled, nothing saved
    assert page.url == f"https://{domain}/" and "Watch free" in page.title()
    assert any(e["kind"] == "hostile_download" for e in server.app.events)


def test_huge_page(server, context):
    domain = domain_of("huge_page")
    status, _, body = fetch(server, f"http://{domain}/", timeout=20)
    assert status == 200 and len(body) >= hostile.HUGE_PAGE_BYTES and body.rstrip().endswith(b"</html>")
    site = WORLD.site(domain)
    assert hostile.huge_page(site) is hostile.huge_page(site)  # built once
    page = context.new_page()
    assert page.goto(f"https://{domain}/", timeout=30_000).status == 200
    assert page.title().startswith("Hugepage")
    assert page.evaluate("document.querySelectorAll('li').length") > 2000
