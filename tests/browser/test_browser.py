"""Finding the Chromium to drive."""

from __future__ import annotations

import pytest

from moneytrail.crawler.browser import BrowserNotFound, find_chromium


def test_an_explicit_chromium_wins(monkeypatch, chromium_path):
    monkeypatch.setenv("MONEYTRAIL_CHROMIUM", chromium_path)
    assert find_chromium() == chromium_path


def test_an_explicit_chromium_that_does_not_exist_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("MONEYTRAIL_CHROMIUM", str(tmp_path / "nope"))
    with pytest.raises(BrowserNotFound, match="does not exist"):
        find_chromium()


def test_the_found_chromium_is_a_binary_not_a_wrapper_script(chromium_path):
    with open(chromium_path, "rb") as handle:
        assert handle.read(4) == b"\x7fELF"


def test_a_crawl_launch_opens_no_omnibox_renderer_and_keeps_the_features_playwright_turns_off(chromium_path):
    """Each context's window got a renderer for the omnibox's WebUI popup (0.55 CPU-s a context): a crawl's launch
    turns it off. Its `--disable-features` replaces Playwright's own (Chromium heeds the last), so it carries that
    list: a cross-site frame is still refused storage, as with Playwright's list (ThirdPartyStoragePartitioning
    off), where a launch with only our features would give it partitioned storage."""
    import http.server
    import threading

    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from moneytrail.crawler.browser import OFF_FEATURES, QUIET_ARGS, feature_args, playwright_disabled_features

    assert playwright_disabled_features() and "ThirdPartyStoragePartitioning" in playwright_disabled_features()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            port = self.server.server_address[1]
            body = f"<iframe src='http://localhost:{port}/frame'></iframe>" if self.path == "/top" else "<p>frame"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def launched(args) -> tuple[bool, bool]:  # (an omnibox popup target, the cross-site frame refused storage)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path, args=[*QUIET_ARGS, *args])
            try:
                page = browser.new_context().new_page()
                targets = browser.new_browser_cdp_session().send("Target.getTargets", {"filter": [{}]})
                omnibox = any("omnibox-popup" in t["url"] for t in targets["targetInfos"])
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/top")
                page.wait_for_timeout(300)
                try:
                    page.frames[1].evaluate("localStorage.setItem('k', 'v')")
                    refused = False
                except PlaywrightError as exc:
                    refused = "SecurityError" in str(exc)
                return omnibox, refused
            finally:
                browser.close()

    try:
        assert launched(()) == (True, True)  # Playwright's defaults
        assert launched(feature_args()) == (False, True)  # the crawl's
        assert launched([f"--disable-features={','.join(OFF_FEATURES)}"]) == (False, False)  # ours alone
    finally:
        server.shutdown()
