"""`moneytrail browse` served for real and read in headless Chromium: its canned queries listed, one run, and an
ad's stored screenshot rendered as an image (not its path)."""

from __future__ import annotations

import asyncio
import io
import socket
import subprocess
import time
import urllib.request

from PIL import Image

from helpers import MONEYTRAIL, cli_env
from moneytrail.attribution.findings import ChainHop, Findings, Link, NetworkHit
from moneytrail.crawler.config import CrawlConfig
from moneytrail.crawler.observation import Hop, Observation, WindowRecord
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.runs import start_run
from moneytrail.crawler.store.visits import write_visit
from moneytrail.crawler.store.watchlists import import_watchlist, watchlist_sites
from moneytrail.crawler.watchlist import Entry


def jpeg(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 40), colour).save(out, "JPEG")
    return out.getvalue()


def a_store(home):
    store = open_store(f"sqlite:///{home / 'moneytrail.db'}", home / "screenshots")
    import_watchlist(store, "w", [Entry("https://films.test/", "films.test", 1)])
    wl, sites = watchlist_sites(store, "w")
    run = start_run(store, CrawlConfig(wl.name), wl.id, 1, {})
    obs = Observation("v1", "https://films.test/", "films.test", "home", "2026-11-20T12:00:00+00:00",
                      final_url="https://films.test/", final_site="films.test", screenshot="v1.jpg")  # fmt: skip
    chain = [Hop("https://serve.popads.net/c", "open"), Hop("https://casino.test/lp", "http")]
    obs.windows = [WindowRecord(1, "popunder", 1, 0.0, chain=chain, landing_url="https://casino.test/lp",
                                landing_title="Casino", screenshot="v1-w1.jpg")]  # fmt: skip
    hops = [ChainHop("serve.popads.net", "open", "network"), ChainHop("casino.test", "http", "advertiser")]
    link = Link(
        "PopAds", "casino.test", "popunder", "gambling", [], hops, "https://casino.test/lp", "Casino", 1, "v1-w1.jpg"
    )
    found = Findings("films.test", [NetworkHit("PopAds", "host", "serve.popads.net")], [link])
    shots = {"v1.jpg": jpeg("navy"), "v1-w1.jpg": jpeg("red")}
    write_visit(store, obs, run_id=run, site_id=sites[0].id, screenshots=shots, findings=found)
    return store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_browse_serves_the_canned_queries_and_the_screenshots(tmp_path, chromium_path):
    home = tmp_path / "home"
    home.mkdir()
    store = a_store(home)
    port = free_port()
    server = subprocess.Popen(
        [*MONEYTRAIL, "browse", "--db", store.url, "--port", str(port), "--no-open"],
        env=cli_env({}, home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-3000:]
                assert time.monotonic() < deadline, "browse did not start serving"
                time.sleep(0.5)
        seen = asyncio.run(look(base, chromium_path))
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert {"Ads of a network", "Sites of an operator", "Chains of a site"} <= set(seen["queries"]), seen["queries"]
    assert seen["rows"] >= 1 and "casino.test" in seen["text"]
    assert seen["images"] and all(width == 64 for width in seen["images"]), seen  # the JPEG itself, loaded
    assert "v1-w1.jpg" not in seen["cells"]  # shown as the picture, not as its path


async def look(base: str, chromium_path: str) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        try:
            page = await browser.new_page()
            await page.goto(base + "/browse")
            queries = await page.eval_on_selector_all("a", "links => links.map(a => a.textContent.trim())")
            await page.goto(base + "/browse/ads_of_a_network?network=popads")
            await page.wait_for_load_state("load")
            images = await page.eval_on_selector_all(
                "table img", "imgs => imgs.filter(i => i.complete).map(i => i.naturalWidth)"
            )
            rows = await page.eval_on_selector_all("table tbody tr", "rows => rows.length")
            cells = await page.eval_on_selector_all("table td", "tds => tds.map(td => td.textContent).join(' ')")
            return {"queries": queries, "images": images, "rows": rows, "cells": cells, "text": await page.content()}
        finally:
            await browser.close()
