"""Prebid.js in the sandbox: the real library (bundled from npm) with its real adapters asks each bidder, the
sandbox's endpoints answer in each adapter's shape, and the page renders the winner the truth names."""

from __future__ import annotations

import asyncio
import gzip
import json
from urllib.parse import urlsplit

import pytest
from playwright import sync_api

from moneytrail.crawler.browser import QUIET_ARGS
from moneytrail.sandbox import prebid
from moneytrail.sandbox.app import SandboxApp
from moneytrail.sandbox.http import Request
from moneytrail.sandbox.world import load_world

WORLD = load_world()
SITES = [s for s in WORLD.sites if prebid.bidders(WORLD, s)]


@pytest.fixture(scope="module")
def bidders_app():
    app = SandboxApp()
    prebid.register(app, WORLD)
    return app


def call(app, method, url, body=b"", headers=None):
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    req = Request(method, "https", parts.hostname, 443, target, headers or {}, body=body)
    return asyncio.run(app.respond(req))


def endpoint(network_id):
    return WORLD.networks[network_id].tag


def test_the_world_has_each_adapter_winning_somewhere():
    assert len(SITES) >= 2
    assert {prebid.winner(WORLD, s).bidder for s in SITES} == {"appnexus", "rubicon", "pubmatic"}


def test_xandr_bids_on_the_sites_placement_only(bidders_app):
    site = next(s for s in SITES if s.placement("xandr"))
    placement = int(site.publisher_id("xandr_placement"))
    body = json.dumps({"tags": [{"uuid": "a1", "id": placement}, {"uuid": "b2", "id": 4242}]}).encode()
    got = call(bidders_app, "POST", endpoint("xandr"), body, {"referer": f"https://{site.domain}/", "origin": "x"})
    tags = json.loads(got.body)["tags"]
    assert [t["uuid"] for t in tags] == ["a1", "b2"] and tags[1]["nobid"] is True
    ad = tags[0]["ads"][0]
    assert ad["ad_type"] == "banner" and ad["cpm"] == prebid.cpm(site, WORLD.networks["xandr"])
    assert ad["rtb"]["banner"]["width"] == prebid.WIDTH and "nym1-ib.adnxs.com/click?" in ad["rtb"]["banner"]["content"]
    assert ("Access-Control-Allow-Credentials", "true") in got.headers


def test_magnite_answers_fastlane_for_the_sites_zone(bidders_app):
    site = next(s for s in SITES if s.placement("magnite"))
    p = prebid.params(site, WORLD.networks["magnite"])
    url = f"{endpoint('magnite')}?account_id={p['accountId']}&site_id={p['siteId']}&zone_id={p['zoneId']}&size_id=15"
    ads = json.loads(call(bidders_app, "GET", url, headers={"referer": f"https://{site.domain}/"}).body)["ads"]
    assert ads[0]["status"] == "ok" and ads[0]["size_id"] == "15" and ads[0]["script"].startswith("document.write(")
    other = url.replace(f"zone_id={p['zoneId']}", "zone_id=1")
    assert json.loads(call(bidders_app, "GET", other, headers={"referer": f"https://{site.domain}/"}).body)["ads"] == []


def test_pubmatic_reads_gzipped_openrtb(bidders_app):
    site = next(s for s in SITES if s.placement("pubmatic"))
    publisher = {"id": site.publisher_id("pubmatic_publisher")}
    request = {"id": "r1", "imp": [{"id": "imp-1"}], "site": {"publisher": publisher}}
    got = call(
        bidders_app,
        "POST",
        endpoint("pubmatic") + "?source=prebid-client&gzip=1",
        gzip.compress(json.dumps(request).encode()),
        {"referer": f"https://{site.domain}/"},
    )
    answer = json.loads(got.body)
    bid = answer["seatbid"][0]["bid"][0]
    assert answer["id"] == "r1" and bid["impid"] == "imp-1" and bid["mtype"] == 1
    assert "aktrack.pubmatic.com/click?" in bid["adm"]
    padded = gzip.compress(json.dumps(request).encode() + b" " * prebid.MAX_BODY)  # a tiny upload, 1 MiB inflated
    bomb = call(bidders_app, "POST", endpoint("pubmatic") + "?gzip=1", padded, {"referer": f"https://{site.domain}/"})
    assert json.loads(bomb.body)["seatbid"] == []  # past the limit: read no further, no bid
    plain = json.dumps(request).encode()
    foreign = call(bidders_app, "POST", endpoint("pubmatic"), plain, {"referer": "https://x.test/"})
    assert json.loads(foreign.body)["seatbid"] == []


@pytest.fixture(scope="module")
def browser(sandbox, chromium_path):
    with sync_api.sync_playwright() as p:
        proxy = {"server": sandbox.address}
        chromium = p.chromium.launch(executable_path=chromium_path, args=list(QUIET_ARGS), proxy=proxy)
        yield chromium
        chromium.close()


@pytest.mark.browser
@pytest.mark.parametrize("site", SITES, ids=lambda s: s.domain)
def test_prebid_renders_the_winners_creative(site, sandbox, browser):
    context = browser.new_context(ignore_https_errors=True)
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        requested = []
        context.on("request", lambda r: requested.append(r.url))
        page.goto(f"https://{site.domain}/")
        slot = page.frame_locator(f"#{prebid.SLOT} iframe").frame_locator("iframe")
        link = slot.locator("a[target=_blank]")
        link.wait_for(timeout=10_000)
        winner = prebid.winner(WORLD, site)
        assert urlsplit(link.get_attribute("href")).hostname == winner.click_host
        assert f"net={winner.id}" in link.get_attribute("href")
        assert f"https://{site.domain}{prebid.BUNDLE_PATH}" in requested
        for _ad, net in prebid.bidders(WORLD, site):
            assert any(urlsplit(u).hostname == urlsplit(net.tag).hostname for u in requested), net.id
        events = [e for e in list(sandbox.app.events) if e["kind"] == "bid_request" and e["site"] == site.domain]
        bids = {(e["network"], e["bid"]) for e in events}
        assert {(net.id, True) for _ad, net in prebid.bidders(WORLD, site)} <= bids
        assert errors == []
    finally:
        context.close()
