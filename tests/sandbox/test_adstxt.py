"""ads.txt and sellers.json in the sandbox, fetched through its proxy with Playwright's HTTP client (redirects
walked one by one) and parsed with a small reference parser written from the IAB ads.txt spec."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from moneytrail.sandbox import adstxt, hostile
from moneytrail.sandbox.app import SandboxApp
from moneytrail.sandbox.server import SandboxServer, SandboxThread
from moneytrail.sandbox.world import ADSTXT_STATES, load_world

WORLD = load_world()
ADSTXT_SITES = [s for s in WORLD.sites if s.adstxt]


def parse_adstxt(body: bytes) -> tuple[list[tuple[str, str, str]], dict[str, str], int]:
    """(records as (ad system, account id, relationship), variables, number of invalid lines)."""
    records, variables, invalid = [], {}, 0
    for raw in body.decode("utf-8-sig").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, value = line.partition("=")
        if sep and "," not in name:
            variables[name.strip().lower()] = value.strip()
            continue
        fields = [f.strip() for f in line.split(";", 1)[0].split(",")]
        if len(fields) in (3, 4) and "." in fields[0] and fields[1] and fields[2].upper() in ("DIRECT", "RESELLER"):
            records.append((fields[0].lower(), fields[1], fields[2].upper()))
        else:
            invalid += 1
    return records, variables, invalid


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app = SandboxApp()
    hostile.register(app, WORLD)  # both modules together: neither may take the other's hosts
    adstxt.register(app, WORLD)
    with SandboxThread(SandboxServer(app, state_dir=tmp_path_factory.mktemp("sandbox"))) as s:
        yield s


@pytest.fixture(scope="module")
def playwright():
    with sync_playwright() as p:
        yield p


def http_client(playwright, server):
    """Playwright's HTTP client (no browser) going through the sandbox proxy."""
    return playwright.request.new_context(proxy={"server": server.address}, ignore_https_errors=True, timeout=15_000)


@pytest.fixture(scope="module")
def http(playwright, server):
    client = http_client(playwright, server)
    yield client
    client.dispose()


def test_truth_only_for_sites_with_adstxt():
    assert {s.adstxt for s in ADSTXT_SITES} == set(ADSTXT_STATES)
    for site in WORLD.sites:
        truth = adstxt.adstxt_truth(WORLD, site)
        assert (truth is None) == (site.adstxt is None)
        if truth:
            assert truth["url"] == f"https://{site.domain}/ads.txt" and truth["state"] == site.adstxt
            assert truth["followed"][0] == truth["url"] and bool(truth["direct"]) == (
                truth["outcome"] in ("ok", "too_large")
            )


def walk(http, site) -> tuple[list[tuple[str, int]], object]:
    """The chain from the site's /ads.txt, one redirect at a time: [(url, status)], the last response."""
    url, steps = f"https://{site.domain}/ads.txt", []
    while True:
        response = http.get(url, max_redirects=0)
        steps.append((url, response.status))
        if response.status not in (301, 302, 307, 308):
            return steps, response
        url = response.headers["location"]


@pytest.mark.parametrize("site", ADSTXT_SITES, ids=lambda s: f"{s.adstxt}-{s.domain}")
def test_adstxt_parses_as_the_truth_says(http, site):
    truth = adstxt.adstxt_truth(WORLD, site)
    steps, response = walk(http, site)
    assert steps == adstxt.chain(site) and [u for u, _ in steps[: len(truth["followed"])]] == truth["followed"]
    body = response.body()
    if site.adstxt == "html":  # the site's page, for ads.txt and app-ads.txt alike, quoting ads.txt lines
        assert response.headers["content-type"].startswith("text/html") and body.startswith(b"<!DOCTYPE html>")
        assert http.get(f"https://{site.domain}/app-ads.txt").body() == body and parse_adstxt(body)[0]
        return
    assert response.status == 200 and response.headers["content-type"].startswith("text/plain")
    records, variables, invalid = parse_adstxt(body)
    if site.adstxt == "to_private":  # a decoy account, where no crawler may ask
        assert records == [(adstxt.DECOY.ad_system, adstxt.DECOY.account_id, "DIRECT")]
        assert steps[-1][0].startswith(f"http://{adstxt.PRIVATE_HOST}/")
        return
    if site.adstxt == "delegated_twice":  # a valid file at the end of a chain the IAB rule refuses
        assert not truth["direct"] and {r[1] for r in records} >= {
            d.account_id for d in adstxt.direct_records(WORLD, site)
        }
        return
    assert {(r[0], r[1]) for r in records if r[2] == "DIRECT"} == {
        (d["ad_system"], d["account_id"]) for d in truth["direct"]
    }
    assert {(r[0], r[1]) for r in records if r[2] == "RESELLER"} == {
        (d["ad_system"], d["account_id"]) for d in truth["pooled"]
    }
    assert (adstxt.POOLED[0].ad_system, adstxt.POOLED[0].account_id, "RESELLER") in records
    if site.adstxt in ("valid", "redirected", "delegated"):
        assert invalid == 0 and variables["contact"] == f"adops@{site.domain}"
        assert variables["ownerdomain"] == truth["owner"] == adstxt.owner_domain(site)
        assert http.get(f"https://m.{site.domain}/ads.txt").body() == body  # the `subdomain=` file
    if site.adstxt == "nul":
        assert b"\x00" in body and b"\x1b" in body and invalid == 1  # the line of NULs alone
    if site.adstxt == "malformed":
        assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body and b"<html>" in body
        assert invalid > 2 * len(records) and max(len(line) for line in body.split(b"\r\n")) > 10_000
    if site.adstxt == "oversized":
        assert len(body) > 5 * 1024 * 1024 and invalid == 0
        assert len(parse_adstxt(body[:1024])[0]) >= len(truth["direct"])  # the DIRECT lines come first
        assert adstxt.adstxt_bytes(WORLD, site) is adstxt.adstxt_bytes(WORLD, site)  # built once


def test_direct_ids_bind_an_operator_and_pooled_ids_do_not():
    direct_on: dict[tuple[str, str], set[str]] = {}
    pooled_on: dict[tuple[str, str], set[str]] = {}
    for site in ADSTXT_SITES:
        truth = adstxt.adstxt_truth(WORLD, site)
        for kind, found in (("direct", direct_on), ("pooled", pooled_on)):
            for d in truth[kind]:
                found.setdefault((d["ad_system"], d["account_id"]), set()).add(site.domain)
    operators = {site.domain: site.operator for site in ADSTXT_SITES}
    assert direct_on[("google.com", "pub-4213377201944519")] == {
        "streamvf-hd.test",
        "filmzone-vf.test",
        "seriesflix-vf.test",
    }
    assert direct_on[("adsterra.com", "a3f9c2e1d4b5")] == {"flixbay-stream.test", "moviecrate.test"}
    assert all(len({operators[d] for d in domains}) == 1 for domains in direct_on.values())
    read = {s.domain for s in ADSTXT_SITES if adstxt.adstxt_truth(WORLD, s)["pooled"]}  # files a crawler reads
    assert pooled_on[(adstxt.POOLED[0].ad_system, adstxt.POOLED[0].account_id)] == read
    assert all(len({operators[d] for d in domains}) >= 3 for domains in pooled_on.values())
    assert not set(direct_on) & set(pooled_on)


def test_sellers_json_names_the_sellers(http):
    named = {}
    for domain, hosts in adstxt.SELLERS_JSON.items():
        for host in hosts:
            response = http.get(f"https://{host}/sellers.json")
            assert response.status == 200, host
            document = response.json()
            assert document["version"] == 1.0 and document["identifiers"] == [] and document["contact_email"]
            for seller in document["sellers"]:
                assert seller["seller_type"] in ("PUBLISHER", "INTERMEDIARY", "BOTH")
                assert seller["is_confidential"] in (0, 1) and ("name" in seller) != seller["is_confidential"]
                named[(domain, seller["seller_id"])] = seller.get("name")
    for site in ADSTXT_SITES:
        for d in adstxt.adstxt_truth(WORLD, site)["direct"]:
            assert named.get((d["ad_system"], d["account_id"])) == d["seller_name"]
            if d["ad_system"] in adstxt.SELLERS_JSON:
                assert d["seller_name"] == WORLD.operators[site.operator].seller_name
    assert named[("google.com", adstxt.POOLED[0].account_id)]  # the pooled account is an intermediary's
    truth = adstxt.adstxt_truth(WORLD, WORLD.site("streamvf-hd.test"))
    assert {d["seller_name"] for d in truth["direct"]} == {"LUMIERE MEDIA LTD"}


def test_whole_sandbox_serves_the_same_files(playwright, sandbox, http):
    """In the assembled sandbox no other module shadows /ads.txt or /sellers.json."""
    whole = http_client(playwright, sandbox)
    urls = [adstxt.adstxt_truth(WORLD, site)["url"] for site in ADSTXT_SITES]
    urls += [f"https://{host}/sellers.json" for hosts in adstxt.SELLERS_JSON.values() for host in hosts]
    for url in urls:
        assert whole.get(url).body() == http.get(url).body(), url
    whole.dispose()


def test_app_ads_txt_is_missing_everywhere_and_hostile_sites_are_untouched(http, server):
    for site in WORLD.sites:
        if not site.hostile:  # but on the site that answers its page for every file
            assert http.get(f"https://{site.domain}/app-ads.txt").status == (200 if site.adstxt == "html" else 404)
            if not site.adstxt:
                assert http.get(f"http://{site.domain}/ads.txt").status == 404
    assert server.app.resolve(next(s.domain for s in WORLD.sites if s.behaviour == "no_such_host")) is None
    broken = next(s.domain for s in WORLD.sites if s.behaviour == "server_error")
    assert http.get(f"http://{broken}/ads.txt").status == 500
