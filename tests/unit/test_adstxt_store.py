"""ads.txt and sellers.json in the store: what a fetch keeps (its redirects, the content type, a body with no
control characters), the findings reanalysed from it, and the sellers behind the accounts in the
publisher-ids export, read from the sellers.json files of the run exported and of the ad systems it needs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from moneytrail.attribution.analyzer import Analyzer
from moneytrail.crawler.config import CrawlConfig
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.adstxt import write_adstxt
from moneytrail.crawler.store.findings import Scope
from moneytrail.crawler.store.runs import start_run
from moneytrail.crawler.store.schema import AdsTxt, FindingId
from moneytrail.reports import exports


def sellers_json(*entries: tuple[str, str]) -> str:
    listed = ",".join(f'{{"seller_id": "{i}", "name": "{n}", "seller_type": "PUBLISHER"}}' for i, n in entries)
    return f'{{"version": "1.0", "sellers": [{listed}]}}'


def add_file(store, analyzer, run, domain, kind, body, outcome="ok", **fields):
    findings = analyzer.adstxt(domain, kind, outcome, body)
    write_adstxt(
        store, run_id=run, site_id=None, domain=domain, kind=kind, url=f"https://{domain}/{kind}", outcome=outcome,
        body=body, findings=findings, **fields,
    )  # fmt: skip


@pytest.fixture
def analyzer():
    return Analyzer.from_options()


@pytest.fixture
def two_runs(tmp_path, analyzer):
    """Run 1 and run 2 read the same site's ads.txt; Google's sellers.json named the account differently in
    each run; run 2 also read sellers.json files no ads.txt account of run 1 needs."""
    store = open_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path / "shots")
    site_file = "google.com, pub-77, DIRECT, f08c47fec0942fa0\nopenx.com, 5, RESELLER\nOWNERDOMAIN=lumiere.example\n"
    for run, name in ((1, "LUMIERE MEDIA LTD"), (2, "LUMIERE HOLDING SARL")):
        assert start_run(store, CrawlConfig("w"), None, 1, {}) == run
        add_file(store, analyzer, run, "streamvf.example", "ads.txt", site_file)
        add_file(store, analyzer, run, "google.com", "sellers.json", sellers_json(("pub-77", name), ("pub-1", "X")))
    add_file(store, analyzer, 2, "openx.com", "sellers.json", sellers_json(("5", "RESELLER CO")))
    add_file(store, analyzer, 2, "pubmatic.com", "sellers.json", sellers_json(("9", "NOBODY HERE")))
    return store


def test_export_of_a_run_names_sellers_from_that_runs_files_and_reads_no_other(two_runs, monkeypatch):
    parsed = []
    real = exports.sellers
    monkeypatch.setattr(exports, "sellers", lambda body, *a: parsed.append(body) or real(body, *a))
    table = exports.publisher_ids(two_runs, Scope(run=1))
    rows = {(r.id_type, r.id_value): r.seller for r in table.itertuples()}
    assert rows == {
        ("adstxt_account", "google.com:pub-77"): "LUMIERE MEDIA LTD",  # run 1's file, not the newer one
        ("adstxt_owner", "lumiere.example"): "",
    }
    assert len(parsed) == 1 and "LUMIERE MEDIA LTD" in parsed[0]  # one file: the run's, of the system needed
    parsed.clear()
    assert exports.publisher_ids(two_runs, Scope()).seller.tolist() == ["LUMIERE HOLDING SARL", ""]  # the latest
    assert len(parsed) == 1


def test_an_ad_system_without_a_file_in_the_run_falls_back_to_the_latest(tmp_path, analyzer):
    store = open_store(f"sqlite:///{tmp_path / 'f.db'}", tmp_path / "shots")
    start_run(store, CrawlConfig("w"), None, 1, {})
    start_run(store, CrawlConfig("w"), None, 1, {})
    add_file(store, analyzer, 1, "google.com", "sellers.json", sellers_json(("pub-3", "OLDER NAME")))
    add_file(store, analyzer, 2, "site.example", "ads.txt", "google.com, pub-3, DIRECT\n")
    add_file(store, analyzer, 2, "google.com", "sellers.json", "<html>down for maintenance</html>", "http_error")
    assert exports.publisher_ids(store, Scope(run=2)).seller.tolist() == ["OLDER NAME"]


def test_a_fetch_keeps_its_redirects_content_type_and_a_clean_body(tmp_path, analyzer):
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}", tmp_path / "shots")
    hops = [
        {"url": "https://site.example/ads.txt", "status": 301, "location": "https://www.site.example/ads.txt"},
        {"url": "https://www.site.example/ads.txt", "status": 302, "location": "https://cdn.host.example/\x00a"},
    ]
    add_file(
        store, analyzer, None, "site.example", "ads.txt", "google.com, pub-8\x00, DIRECT\n\x00",
        final_url="https://cdn.host.example/a", content_type="text/plain; charset=utf-8", hops=hops,
        error=None, http_status=200,
    )  # fmt: skip
    with store.session() as s:
        row = s.scalars(select(AdsTxt)).one()
        ids = [(i.id_type, i.id_value) for i in s.scalars(select(FindingId))]
    assert row.body == "google.com, pub-8, DIRECT\n" and row.content_type == "text/plain; charset=utf-8"
    assert [h["status"] for h in row.hops] == [301, 302] and row.hops[1]["location"] == "https://cdn.host.example/a"
    assert ids == [("adstxt_account", "google.com:pub-8")]
