"""The sandbox is what its truth says: a real Chromium, clicking like a person, reaches every truth item."""
from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest
from playwright.async_api import async_playwright

from crawler.browser import QUIET_ARGS
from visitor import visit, visit_many

pytestmark = pytest.mark.timeout(600)


def applicable(when: dict, *, webdriver_hidden=False, country=None, language="en") -> bool:
    for key, value in when.items():
        if key == "webdriver" and value is False and not webdriver_hidden:
            return False
        if key == "country" and value != (country or "other"):
            return False
        if key == "language" and value != language and not (value == "other" and language not in ("de", "fr")):
            return False
    return True


def ok_sites(truth):
    return [s for s in truth["sites"] if s["status"] == "ok"]


# the triggers a visit pulls by itself: it clicks the player (on pages with one), then the page; the ads
# triggered by a click on the ad itself (click_ad) are reached by following them
VISITOR_TRIGGERS = ("click", "click_player")


# --- the truth itself ------------------------------------------------------------------------------

def test_truth_covers_what_the_sandbox_promises(truth):
    sites = truth["sites"]
    piracy = [s for s in sites if s["status"] == "ok" and s["kind"] != "clean"]
    assert len(piracy) >= 24
    assert {s["kind"] for s in piracy} >= {"series", "film", "ddl", "torrent", "sports", "iptv"}
    assert len(truth["networks"]) >= 10
    links = [link for s in sites for link in s["links"]]
    assert {link["kind"] for link in links} >= {"popunder", "tabunder", "popup", "overlay", "display", "native", "push"}
    assert {h["via"] for link in links for h in link["chain"]} == {"http", "meta", "js", "form"}
    assert {len(link["chain"]) for link in links} >= {1, 2, 3, 4, 5}
    assert all(1 <= len(link["chain"]) <= 5 for link in links)
    assert {link["category"] for link in links} >= {"mainstream", "gambling", "adult", "scam", "vpn", "dating", "crypto"}
    miners = [m for s in sites for m in s["miners"]]
    assert {m["protocol"] for m in miners} == {"coinhive", "stratum"}
    assert any(m["service"] == "unknown" for m in miners) and any(m["obfuscated"] for m in miners)
    assert any((m["throttle"] or 0) > 0 for m in miners)
    assert {d["kind"] for s in sites for d in s["decoys"]} == {"wasm_decoder", "chat_websocket", "share_popup"}
    assert sum(1 for s in sites if s["kind"] == "clean") >= 2
    assert {s["behaviour"] for s in sites if s["status"] != "ok"} == {
        "connection_refused", "no_such_host", "server_error", "slow_response", "infinite_loop", "dialog_storm",
        "popup_storm", "redirect_loop", "beforeunload_trap", "file_download", "huge_page"}
    assert {c for s in sites for c in s["cloaking"]} == {"webdriver", "country", "language"}
    assert {s["adstxt"]["state"] for s in sites if s["adstxt"]} == {"valid", "malformed", "oversized"}
    assert sum(1 for s in sites if s["mirror_from"]) >= 2
    # operators: 3-4 of them, each running several sites bound by shared ids, none bound by a pooled id
    assert 3 <= len(truth["operators"]) <= 4
    pooled = {(p["type"], p["value"]) for p in truth["pooled_ids"]}
    assert pooled and all(len(p["sites"]) > 2 for p in truth["pooled_ids"])
    for op in truth["operators"]:
        assert len(op["sites"]) >= 3 and op["binding_ids"], op["id"]
        assert not pooled & {(b["type"], b["value"]) for b in op["binding_ids"]}
    id_types = {p["type"] for s in sites for p in s["publisher_ids"]}
    assert id_types >= {"adsense", "ga4", "ua", "gtm", "popads_site_id", "miner_site_key", "miner_wallet",
                        "adstxt_account"}
    json.dumps(truth)  # serialisable as it is written


def test_watchlist_lists_every_site_once(world):
    from sandbox.truth import watchlist_rows
    rows = watchlist_rows(world)
    assert len(rows) == len(world.sites) == len({r["url"] for r in rows})
    assert "https://streamvf.test/" in {r["url"] for r in rows}  # the mirror's old domain, as analysts have it


def test_click_servers_and_images_answer_bad_values_plainly(sandbox):
    import urllib.error
    import urllib.request
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": sandbox.address}))

    def fetch(url):
        try:
            with opener.open(url, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    status, body = fetch("http://serve.popads.net/click?net=popads&s=nowhere.test")
    assert status == 200 and b"No ad available" in body
    assert fetch("http://serve.popads.net/click?net=popads&s=streamvf-hd.test&c=%C2%B2")[0] == 400
    assert fetch("http://serve.popads.net/r/popads-1/%C2%B2?s=streamvf-hd.test")[0] == 404
    assert fetch("http://serve.popads.net/img/x.svg?w=abc&h=%C2%B2")[0] == 200


# --- a real browser against the served sandbox -----------------------------------------------------

async def _crawl(sandbox, chromium_path, truth):
    jobs, keys = [], []
    for site in ok_sites(truth):
        stealth = "webdriver" in site["cloaking"]
        pages = [("home", site["url"])] + [("inner", u) for u in site["inner_pages"][:1]]
        for page_kind, url in pages:
            landings = {link["landing"] for link in site["links"]
                        if page_kind in link["pages"] and link["trigger"] in VISITOR_TRIGGERS
                        and applicable(link["when"], webdriver_hidden=stealth)}
            jobs.append((url, {"hide_webdriver": stealth, "wait_for": landings}))
            keys.append((site["domain"], page_kind, stealth))
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path, args=list(QUIET_ARGS),
                                          proxy={"server": sandbox.address})
        try:
            visits = await visit_many(browser, jobs, concurrency=4)
        finally:
            await browser.close()
    return dict(zip(keys, visits))


@pytest.fixture(scope="module")
def crawl(sandbox, chromium_path, truth):
    return asyncio.run(_crawl(sandbox, chromium_path, truth))


def _visits_of(crawl, domain):
    return {page: v for (d, page, _), v in crawl.items() if d == domain}


def test_every_site_loads(crawl, truth):
    for site in ok_sites(truth):
        for page, v in _visits_of(crawl, site["domain"]).items():
            assert v.error is None and v.status == 200, (site["domain"], page, v.error, v.status)


def test_mirrors_redirect_to_their_new_domain(crawl, truth):
    for site in ok_sites(truth):
        if site["mirror_from"]:
            home = _visits_of(crawl, site["domain"])["home"]
            assert site["mirror_from"]["domain"] in home.navigated_hosts
            assert any(u.startswith(site["final_url"]) for u in home.pages) or site["domain"] in home.navigated_hosts


def test_network_hosts_are_requested(crawl, truth):
    missing = []
    for site in ok_sites(truth):
        stealth = "webdriver" in site["cloaking"]
        for page, v in _visits_of(crawl, site["domain"]).items():
            for req in site["requests"]:
                if page not in req["pages"] or not applicable(req["when"], webdriver_hidden=stealth):
                    continue
                if req["host"] not in v.hosts:
                    missing.append((site["domain"], page, req["network"], req["host"]))
    assert not missing


def test_popup_and_tabunder_chains_end_on_their_advertiser(crawl, truth):
    missing = []
    checked = 0
    for site in ok_sites(truth):
        stealth = "webdriver" in site["cloaking"]
        for page, v in _visits_of(crawl, site["domain"]).items():
            for link in site["links"]:
                if link["trigger"] not in VISITOR_TRIGGERS or page not in link["pages"]:
                    continue
                if not applicable(link["when"], webdriver_hidden=stealth):
                    continue
                checked += 1
                landed = any(u == link["landing"] for u in v.pages)
                hops = {h["host"] for h in link["chain"]} <= v.navigated_hosts
                if not (landed and hops):
                    missing.append((site["domain"], page, link["network"], link["landing"], sorted(v.pages)))
    assert checked >= 30
    assert not missing, "\n".join(map(str, missing))


def test_display_native_and_push_ads_lead_to_their_advertiser(crawl, truth):
    missing = []
    for site in ok_sites(truth):
        stealth = "webdriver" in site["cloaking"]
        visits = _visits_of(crawl, site["domain"])
        for link in site["links"]:
            if link["trigger"] != "click_ad" or not applicable(link["when"], webdriver_hidden=stealth):
                continue
            reached = {u for p in link["pages"] if p in visits for u in visits[p].ad_landings.values()}
            if link["landing"] not in reached:
                missing.append((site["domain"], link["network"], link["landing"], sorted(reached)))
    assert not missing, "\n".join(map(str, missing))


def test_miners_mine_and_pools_accept_wasm_results(crawl, truth, sandbox):
    shares = Counter((e["service"], e["key"]) for e in list(sandbox.app.events)
                     if e["kind"] == "miner_share" and e.get("valid"))
    for site in ok_sites(truth):
        for m in site["miners"]:
            home = _visits_of(crawl, site["domain"])["home"]
            key = m["site_key"] or m["wallet"]
            frames = home.ws.get(m["pool"])
            assert frames, (site["domain"], m["pool"], list(home.ws))
            sent = " ".join(f if isinstance(f, str) else "" for f in frames["sent"])
            assert key in sent and "submit" in sent, (site["domain"], sent[:300])
            assert m["wasm_sha256"] in home.bodies.values(), site["domain"]
            assert any(k == key for (_svc, k) in shares), (site["domain"], key)


def test_decoys_behave_as_decoys(crawl, truth):
    advertisers = set(truth["advertisers"])
    network_hosts = {h for n in truth["networks"].values() for h in n["hosts"]}
    for site in ok_sites(truth):
        visits = _visits_of(crawl, site["domain"])
        home = visits["home"]
        for decoy in site["decoys"]:
            if decoy["kind"] == "wasm_decoder":
                assert home.dom.get("decoder") == "ok", site["domain"]
                assert decoy["wasm_sha256"] in home.bodies.values()
            elif decoy["kind"] == "chat_websocket":
                frames = home.ws.get(decoy["url"])
                assert frames and frames["received"], (site["domain"], list(home.ws))
                assert home.dom.get("chat")
                text = " ".join(str(f) for f in frames["sent"] + frames["received"])
                assert not any(word in text for word in ('"submit"', '"login"', '"auth"', "site_key"))
            elif decoy["kind"] == "share_popup":
                assert any(u.startswith(decoy["url_prefix"]) for v in visits.values() for u in v.pages), site["domain"]
        if site["kind"] == "clean":
            for v in visits.values():
                assert not (v.hosts & network_hosts), (site["domain"], v.hosts & network_hosts)
                assert not any(u.split("/")[2] in advertisers for u in v.pages)
                assert set(v.ws) <= {d["url"] for d in site["decoys"] if "url" in d}


def test_webdriver_cloaking_hides_the_ads_from_automated_browsers(sandbox, chromium_path, truth):
    site = next(s for s in truth["sites"] if "webdriver" in s["cloaking"])

    async def both():
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium_path, args=list(QUIET_ARGS),
                                              proxy={"server": sandbox.address})
            try:
                return await visit_many(browser, [(site["url"], {"follow_ads": False}),
                                                  (site["url"], {"hide_webdriver": True, "follow_ads": False})])
            finally:
                await browser.close()

    plain, hidden = asyncio.run(both())
    assert plain.dom.get("webdriver") == "true" and hidden.dom.get("webdriver") == "false"
    tag_hosts = {r["host"] for r in site["requests"]}
    assert not plain.hosts & tag_hosts
    assert tag_hosts <= hidden.hosts


def test_ads_follow_the_visitors_country_and_language(tmp_path, world, chromium_path, truth):
    """Through the geo proxy (country in the proxy user name) and with a browser language."""
    from sandbox.build import build_app
    from sandbox.server import SandboxServer, SandboxThread

    by_country = next(s for s in truth["sites"] if "country" in s["cloaking"])
    by_language = next(s for s in truth["sites"] if "language" in s["cloaking"])
    server = SandboxServer(build_app(world), tmp_path, require_proxy_auth=True)

    def landing(site, **when):
        return next(link["landing"] for link in site["links"] if link["when"] == when)

    async def run(address):
        results = {}
        async with async_playwright() as p:
            for country in ("fr", "de", None):
                user = f"analyst-country-{country}" if country else "analyst"
                browser = await p.chromium.launch(
                    executable_path=chromium_path, args=list(QUIET_ARGS),
                    proxy={"server": address, "username": user, "password": "secret"})
                try:
                    page = by_country["inner_pages"][0]
                    results[country] = await visit(browser, page, follow_ads=False,
                                                   wait_for={landing(by_country, country=country or "other")})
                    if country is None:
                        for lang in ("de-DE", "fr-FR", "en-US"):
                            expected = landing(by_language, language={"de-DE": "de", "fr-FR": "fr"}.get(lang, "other"))
                            results[lang] = await visit(browser, by_language["url"], locale=lang, follow_ads=False,
                                                        wait_for={expected})
                finally:
                    await browser.close()
        return results

    with SandboxThread(server) as running:
        results = asyncio.run(run(running.address))
    assert landing(by_country, country="fr") in results["fr"].pages
    assert landing(by_country, country="de") in results["de"].pages
    assert landing(by_country, country="other") in results[None].pages
    assert landing(by_language, language="de") in results["de-DE"].pages
    assert landing(by_language, language="fr") in results["fr-FR"].pages
    assert landing(by_language, language="other") in results["en-US"].pages
    assert len({landing(by_country, country=c) for c in ("fr", "de", "other")}) == 3


def test_every_publisher_id_of_the_truth_is_in_what_the_site_serves(sandbox, truth):
    """Pages and ads.txt, fetched as plain HTTP through the proxy: no truth id is invisible to a crawler."""
    import ssl
    import urllib.request

    ca = ssl.create_default_context(cafile=str(sandbox.ca.ca_cert_path))
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": sandbox.address, "https": sandbox.address}),
        urllib.request.HTTPSHandler(context=ca))
    hidden = {m["site_key"] for s in truth["sites"] for m in s["miners"] if m["obfuscated"]}  # hidden on purpose
    missing = []
    for site in ok_sites(truth):
        served = ""
        for url in [site["final_url"], *site["inner_pages"], *([site["adstxt"]["url"]] if site["adstxt"] else [])]:
            with opener.open(url, timeout=10) as resp:
                served += resp.read(6 * 1024 * 1024).decode("utf-8", "replace")
        for pid in site["publisher_ids"]:
            value = pid["value"].split(":", 1)[1] if pid["type"] == "adstxt_account" else pid["value"]
            if value not in hidden and value.removeprefix("ca-") not in served:
                missing.append((site["domain"], pid["type"], pid["value"]))
    assert not missing, "\n".join(map(str, missing))
