"""The sandbox's truth is complete and consistent, and every id it names is served (the browser side of
the truth is checked through the crawler, in test_crawl.py)."""

from __future__ import annotations

import json


def ok_sites(truth):
    return [s for s in truth["sites"] if s["status"] == "ok"]


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
    assert {link["category"] for link in links} >= {
        "mainstream",
        "gambling",
        "adult",
        "scam",
        "vpn",
        "dating",
        "crypto",
    }
    miners = [m for s in sites for m in s["miners"]]
    assert {m["protocol"] for m in miners} == {"coinhive", "stratum"}
    assert any(m["service"] == "unknown" for m in miners) and any(m["obfuscated"] for m in miners)
    assert any((m["throttle"] or 0) > 0 for m in miners)
    assert any(
        m["service"] != "unknown" and m["script"].startswith(f"https://{s['domain']}/")
        for s in sites
        for m in s["miners"]
    )  # a miner in the site's own Worker file, on a known service's pool
    assert {d["kind"] for s in sites for d in s["decoys"]} == {
        "wasm_decoder",
        "chat_websocket",
        "share_popup",
        "wasm_checksum",
        "wasm_image_codec",
        "socketio_chat",
    }
    # real npm code: Prebid.js bidders (their networks and the ids their params carry) and wasm decoys
    bidders = {n for s in sites for n in s["networks"]} & {"Xandr", "Magnite", "PubMatic"}
    assert bidders == {"Xandr", "Magnite", "PubMatic"}
    assert {"xandr_placement", "magnite_account", "magnite_site", "magnite_zone", "pubmatic_publisher"} <= {
        p["type"] for s in sites for p in s["publisher_ids"]
    }
    assert sum(1 for s in sites if s["kind"] == "clean") >= 2
    assert {s["behaviour"] for s in sites if s["status"] != "ok"} == {
        "connection_refused",
        "no_such_host",
        "server_error",
        "slow_response",
        "infinite_loop",
        "dialog_storm",
        "popup_storm",
        "redirect_loop",
        "beforeunload_trap",
        "file_download",
        "huge_page",
    }
    assert {c for s in sites for c in s["cloaking"]} == {"webdriver", "detectors", "identity", "country", "language"}
    from moneytrail.sandbox.world import ADSTXT_STATES

    assert {s["adstxt"]["state"] for s in sites if s["adstxt"]} == set(ADSTXT_STATES)
    assert {s["adstxt"]["outcome"] for s in sites if s["adstxt"]} == {"ok", "too_large", "refused", "html"}
    assert sum(1 for s in sites if s["mirror_from"]) >= 2
    # operators: 3-4 of them, each running several sites bound by shared ids, none bound by a pooled id
    assert 3 <= len(truth["operators"]) <= 4
    pooled = {(p["type"], p["value"]) for p in truth["pooled_ids"]}
    assert pooled and all(len(p["sites"]) > 2 for p in truth["pooled_ids"])
    for op in truth["operators"]:
        assert len(op["sites"]) >= 3 and op["binding_ids"], op["id"]
        assert not pooled & {(b["type"], b["value"]) for b in op["binding_ids"]}
    id_types = {p["type"] for s in sites for p in s["publisher_ids"]}
    assert id_types >= {
        "adsense",
        "ga4",
        "ua",
        "gtm",
        "popads_site_id",
        "miner_site_key",
        "miner_wallet",
        "adstxt_account",
        "adstxt_owner",
        "adstxt_manager",
    }
    json.dumps(truth)  # serialisable as it is written


def test_watchlist_lists_every_site_once(world):
    from moneytrail.sandbox.truth import watchlist_rows

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


# What a real Chromium sees of the sandbox (every chain, miner, decoy, cloaking and targeting rule) is
# checked through the crawler itself, in test_crawl.py.


def test_every_publisher_id_of_the_truth_is_in_what_the_site_serves(sandbox, truth):
    """Pages and ads.txt, fetched as plain HTTP through the proxy: no truth id is invisible to a crawler."""
    import ssl
    import urllib.request

    ca = ssl.create_default_context(cafile=str(sandbox.ca.ca_cert_path))
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": sandbox.address, "https": sandbox.address}),
        urllib.request.HTTPSHandler(context=ca),
    )
    hidden = {m["site_key"] for s in truth["sites"] for m in s["miners"] if m["obfuscated"]}  # hidden on purpose
    missing = []
    for site in ok_sites(truth):
        served = ""
        for url in [site["final_url"], *site["inner_pages"], *([site["adstxt"]["url"]] if site["adstxt"] else [])]:
            with opener.open(url, timeout=10) as resp:
                served += resp.read(6 * 1024 * 1024).decode("utf-8", "replace")
        for pid in site["publisher_ids"]:
            value = {
                "adstxt_account": pid["value"].split(":", 1)[-1],  # ad system:account
                "adstxt_manager": pid["value"].split(":", 1)[0],  # domain:country
            }.get(pid["type"], pid["value"])
            if value not in hidden and value.removeprefix("ca-") not in served:
                missing.append((site["domain"], pid["type"], pid["value"]))
    assert not missing, "\n".join(map(str, missing))
