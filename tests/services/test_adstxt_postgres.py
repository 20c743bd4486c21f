"""ads.txt and sellers.json files in a real PostgreSQL: a body with NUL and other control characters is stored
(PostgreSQL refuses NUL in text: such a file was lost whole), with its redirects; the publisher-ids export of
one run reads that run's sellers.json there too."""

from __future__ import annotations

from sqlalchemy import select

from moneytrail.attribution.analyzer import Analyzer
from moneytrail.crawler.config import CrawlConfig
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.adstxt import write_adstxt
from moneytrail.crawler.store.findings import Scope
from moneytrail.crawler.store.runs import start_run
from moneytrail.crawler.store.schema import AdsTxt, FindingId
from moneytrail.reports import exports


def test_files_with_control_characters_are_stored_and_exported(postgres_url, tmp_path):
    store = open_store(postgres_url, tmp_path / "shots")
    analyzer = Analyzer.from_options()
    runs = [start_run(store, CrawlConfig("w"), None, 1, {}) for _ in range(2)]
    body = "google.com, pub-4\x00, DIRECT\r\n\x00\x01\x1b<p>oops</p>\nOWNERDOMAIN=owner.example\x00\n"
    for run, name in zip(runs, ("FIRST NAME", "SECOND NAME"), strict=True):
        write_adstxt(
            store, run_id=run, site_id=None, domain="site.example", kind="ads.txt",
            url="https://site.example/ads.txt", final_url="https://www.site.example/ads.txt", outcome="ok",
            body=body, content_type="text/plain\x00", error=None,
            hops=[{"url": "https://site.example/ads.txt", "status": 301, "location": "/x\x00"}],
            findings=analyzer.adstxt("site.example", "ads.txt", "ok", body),
        )  # fmt: skip
        write_adstxt(
            store, run_id=run, site_id=None, domain="google.com", kind="sellers.json",
            url="https://google.com/sellers.json", outcome="ok",
            body=f'{{"sellers": [{{"seller_id": "pub-4", "name": "{name}\\u0000"}}]}}\x00',
        )  # fmt: skip
    with store.session() as s:
        stored = s.scalars(select(AdsTxt).where(AdsTxt.kind == "ads.txt")).all()
        ids = sorted({(i.id_type, i.id_value) for i in s.scalars(select(FindingId))})
    assert len(stored) == 2
    assert stored[0].body == "google.com, pub-4, DIRECT\r\n<p>oops</p>\nOWNERDOMAIN=owner.example\n"
    assert stored[0].hops[0]["location"] == "/x" and stored[0].content_type == "text/plain"
    assert ids == [("adstxt_account", "google.com:pub-4"), ("adstxt_owner", "owner.example")]
    table = exports.publisher_ids(store, Scope(run=runs[0]))
    assert table.seller.tolist() == ["FIRST NAME", ""]
    store.engine.dispose()
