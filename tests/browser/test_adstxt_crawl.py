"""ads.txt in a real crawl: `moneytrail crawl` (Scrapy, scrapy-playwright, Chromium) over the sandbox's sites
whose ads.txt redirects within the site, is delegated to a third party (once: fine; twice: refused by the IAB
rule), redirects to the cloud metadata address (refused: never asked), is an HTML page, or carries NUL bytes;
what the store holds for each is checked against the sandbox's truth, and the export of the run after it."""

from __future__ import annotations

import csv
import re

import pytest
from sqlalchemy import select

from helpers import run_cli
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.schema import AdsTxt, FindingId
from moneytrail.sandbox import adstxt

pytestmark = [pytest.mark.timeout(600)]
STATES = ("valid", "redirected", "delegated", "delegated_twice", "to_private", "html", "nul")
ADSTXT_TYPES = ("adstxt_account", "adstxt_owner", "adstxt_manager")


@pytest.fixture(scope="module")
def crawl(sandbox, truth, tmp_path_factory):
    home = tmp_path_factory.mktemp("adstxt-crawl")
    sites = [next(s for s in truth["sites"] if (s["adstxt"] or {}).get("state") == state) for state in STATES]
    watchlist = home / "sites.txt"
    watchlist.write_text("".join(f"{s['url']}\n" for s in sites))  # the valid one by its old, mirrored domain
    db = f"sqlite:///{home / 'store.db'}"
    before = len(sandbox.app.events)
    result = run_cli(
        "crawl", "-w", str(watchlist), "--db", db, "--proxy", sandbox.address, "--pages", "0",
        "--no-progress", "--log", str(home / "crawl.log"), env={"MONEYTRAIL_HOME": str(home)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    events = list(sandbox.app.events)[before:]
    store = open_store(db, home / "shots")
    with store.session() as s:
        files = {(a.domain, a.kind): a for a in s.scalars(select(AdsTxt))}
        ids = {(i.site, i.id_type, i.id_value) for i in s.scalars(select(FindingId)) if i.adstxt_id is not None}
    exported = run_cli("export", "publisher-ids", "--run", "1", "--db", db)
    assert exported.returncode == 0, exported.stderr
    return {"sites": sites, "files": files, "ids": ids, "events": events, "export": exported.stdout, "home": home}


def test_each_file_ends_as_the_iab_rule_and_the_public_host_rule_say(crawl):
    files = crawl["files"]
    for site in crawl["sites"]:
        truth, got = site["adstxt"], files.get((site["domain"], "ads.txt"))
        assert got is not None, site["domain"]
        asked = [hop["url"] for hop in got.hops or []] + ([got.final_url] if got.outcome != "refused" else [])
        assert (got.outcome, asked) == (truth["outcome"], truth["followed"]), (site["domain"], got.error)
        assert got.url == truth["url"] and (got.body is not None) == (truth["outcome"] == "ok")
    refused = {s["adstxt"]["state"]: files[(s["domain"], "ads.txt")] for s in crawl["sites"]}
    assert "redirected again" in refused["delegated_twice"].error
    assert "link-local address 169.254.169.254" in refused["to_private"].error
    assert refused["to_private"].final_url == f"http://{adstxt.PRIVATE_HOST}/ads.txt"
    assert not [e for e in crawl["events"] if e["kind"] == "private_adstxt"]  # the sandbox was never asked
    html = next(s for s in crawl["sites"] if s["adstxt"]["state"] == "html")
    assert files[(html["domain"], "app-ads.txt")].outcome == "html"
    nul = files[(next(s for s in crawl["sites"] if s["adstxt"]["state"] == "nul")["domain"], "ads.txt")]
    assert "\x00" not in nul.body and "OwnerDomain=" in nul.body


def test_files_are_asked_for_as_the_visitors_chrome_asks(crawl):
    """An ad system may refuse a script: the plain requests carry the crawl's browser identity (its engine's
    Chrome version, no "Headless", the client-hint brands), not a fixed or stale user agent."""
    fetches = [e for e in crawl["events"] if e["kind"] == "adstxt_fetch"]
    assert fetches
    for fetch in fetches:
        assert re.search(r"Chrome/\d+\.0\.0\.0 Safari", fetch["user_agent"]) and "Headless" not in fetch["user_agent"]
        major = re.search(r"Chrome/(\d+)", fetch["user_agent"]).group(1)
        assert f'"Chromium";v="{major}"' in fetch["sec_ch_ua"], fetch


def test_what_the_files_say_is_what_the_truth_says(crawl):
    for site in crawl["sites"]:
        want = {(site["domain"], p["type"], p["value"]) for p in site["publisher_ids"] if p["type"] in ADSTXT_TYPES}
        got = {row for row in crawl["ids"] if row[0] == site["domain"]}
        assert got == want, site["domain"]
    assert not any(adstxt.DECOY.account_id in value for _, _, value in crawl["ids"])
    # sellers.json asked of the ad systems the files read name, and the export names the sellers behind them
    assert crawl["files"][("google.com", "sellers.json")].outcome == "ok"
    rows = list(csv.DictReader(crawl["export"].splitlines()))
    for site in crawl["sites"]:
        for direct in site["adstxt"]["direct"] if site["adstxt"]["outcome"] == "ok" else []:
            value = f"{direct['ad_system']}:{direct['account_id']}"
            row = next(r for r in rows if r["site"] == site["domain"] and r["id_value"] == value)
            assert row["seller"] == (direct["seller_name"] or ""), value
