"""Every report and every export renders on any store (hypothesis generates them): empty periods, sites without
traffic figures, only dead sites, watchlists never crawled, hostile strings everywhere, huge counts, several
profiles. Nothing a store can hold may crash a report, and nothing from a crawled page reaches the HTML as
markup or a spreadsheet as a formula."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moneytrail.attribution.findings import ChainHop, Findings, Link, Miner, NetworkHit, PublisherId
from moneytrail.attribution.signatures import load
from moneytrail.crawler.config import CrawlConfig
from moneytrail.crawler.observation import STATUSES, Observation
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.runs import start_run
from moneytrail.crawler.store.visits import write_visit
from moneytrail.crawler.store.watchlists import import_watchlist, watchlist_sites
from moneytrail.crawler.watchlist import Entry
from moneytrail.reports.audits import advertiser_report, network_report, write_notice_pack
from moneytrail.reports.exports import KINDS, Scope, table
from moneytrail.reports.exports import write as export
from moneytrail.reports.exposure import Cpm, exposure
from moneytrail.reports.periods import parse
from moneytrail.reports.render import write
from moneytrail.reports.signing import verify

KEY = Ed25519PrivateKey.generate()  # the packs' signing key
HOSTILE = [
    "<script>window.__x=1</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.test","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "[/b] [red]rich[/]",
    "ünïcødé ✓ 日本語",
    "x" * 300,
    "\x00\x07control",
    "",
]
text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
NETWORKS = ["PopAds", "ExoClick", "Google AdSense", "unknown:ads.evil.test", "<b>Net</b>", "=Net"]
KINDS_OF_ADS = ["popunder", "popup", "tabunder", "display", "native", "push", "overlay", "redirect"]
CATEGORIES = ["gambling", "adult", "scam", "mainstream", "other", "vpn"]
DAYS = [datetime(2026, 8, 1) + timedelta(days=d) for d in range(0, 92, 3)]

link_st = st.builds(
    lambda net, adv, kind, cat, title: Link(
        net,
        adv,
        kind,
        cat,
        ["broker.test"],
        [ChainHop("click.test", "open", "network"), ChainHop(adv, "http", "advertiser")],
        f"https://{adv}/lp?x=1",
        title,
        1,
        None,
    ),  # fmt: skip
    st.sampled_from(NETWORKS),
    st.sampled_from(["casino.test", "shop.example", "a.b.c.test", "x--y.test"]),
    st.sampled_from(KINDS_OF_ADS),
    st.sampled_from(CATEGORIES),
    text,
)
visit_st = st.fixed_dictionaries(
    {
        "site": st.integers(0, 5),
        "day": st.sampled_from(DAYS),
        "status": st.sampled_from(STATUSES),
        "links": st.lists(link_st, max_size=3),
        "hits": st.lists(st.sampled_from(NETWORKS), max_size=3),
        "miner": st.booleans(),
        "profile": st.sampled_from(["", "desktop-fr", "<mobile>", "=p"]),
        "country": st.sampled_from(["", "FR", "DE"]),
        "title": text,
    }
)
store_st = st.fixed_dictionaries(
    {
        "sites": st.lists(
            st.tuples(st.sampled_from([None, 0, 1, 10**6, 10**15]), text), min_size=6, max_size=6
        ),  # (monthly visits, name)
        "visits": st.lists(visit_st, max_size=25),
        "uncrawled": st.booleans(),  # a second watchlist that was never crawled
    }
)


@pytest.fixture(scope="module")
def sigs():
    return load()


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory):
    """A migrated empty store, copied for each example (migrations once)."""
    path = tmp_path_factory.mktemp("template") / "empty.db"
    open_store(f"sqlite:///{path}", path.parent / "shots").close()
    return path


def build(data: dict, empty: Path, where: Path):
    shutil.copy(empty, where / "s.db")
    store = open_store(f"sqlite:///{where / 's.db'}", where / "shots")
    entries = [
        Entry(f"https://site{i}.test/", f"site{i}.test", i + 1, name=name, monthly_visits=visits)
        for i, (visits, name) in enumerate(data["sites"])
    ]
    import_watchlist(store, "main", entries)
    if data["uncrawled"]:
        import_watchlist(store, "never", [Entry("https://other.test/", "other.test", 1, monthly_visits=5000)])
    wl, sites = watchlist_sites(store, "main")
    run = start_run(store, CrawlConfig("main"), wl.id, len(sites), {})
    counter = itertools.count()
    for v in data["visits"]:
        domain = f"site{v['site']}.test"
        reached = v["status"] in ("ok", "hostile")
        obs = Observation(
            f"v{next(counter)}",
            f"https://{domain}/",
            domain,
            "home",
            f"{v['day']:%Y-%m-%d}T12:00:00+00:00",
            status=v["status"],
            final_url=f"https://{domain}/" if reached else "",
            final_site=domain if reached else "",
            title=v["title"],
            profile={"name": v["profile"], "country": v["country"]} if v["profile"] else {},
        )
        findings = Findings(
            domain,
            [NetworkHit(n, "host", "ads.test") for n in dict.fromkeys(v["hits"])] if reached else [],
            v["links"] if reached else [],
            [Miner("unknown", "key123456", None, "wss://pool.test/", ["pool_auth"])] if v["miner"] and reached else [],
            [PublisherId("ga4", f"G-{v['site']:08d}", "inline")] if reached else [],
        )
        write_visit(store, obs, run_id=run, site_id=sites[v["site"]].id, findings=findings)
    return store


@pytest.mark.slow
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=store_st)
def test_every_report_and_export_renders_on_any_store(data, sigs, empty_store):
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        store = build(data, empty_store, where)
        out = where / "out"
        reports = [exposure(store, parse(p), sigs, Cpm.load()) for p in ("2026-10", "2026-Q3", "2027-01")]
        networks = {link.network for v in data["visits"] for link in v["links"]} | {
            n for v in data["visits"] for n in v["hits"]
        }
        for name in sorted(networks):
            report = network_report(store, name, sigs, None)
            reports.append(report)
            pack = write_notice_pack(report, out, store.screenshots, KEY)
            assert (pack / "summary.txt").is_file() and (pack / "evidence.csv").is_file()
            for signed in (pack, out / f"{pack.name}.zip"):  # a pack verifies as written, folder and zip
                assert verify(signed).ok, verify(signed).problems
        reports.append(advertiser_report(store, "<Brand>", ["casino.test"], sigs, parse("2026-Q3")))
        reports.append(advertiser_report(store, "Brand", ["never-seen.test"], sigs, None))
        for report in reports:
            for fmt in ("html", "csv", "xlsx", "json"):
                path = write(report, fmt, out, store.screenshots)
                assert Path(path).exists()
            html = (out / f"{report.name}.html").read_text()
            assert "<script>window.__x" not in html and "<img src=x onerror" not in html
        for kind in KINDS:
            frame = table(store, kind, Scope(), sigs)
            for fmt in ("csv", "json", "parquet"):
                export(frame, fmt, out / f"{kind}.{fmt}")
            written = pd.read_csv(out / f"{kind}.csv", dtype=str, keep_default_na=False)
            for column in written.columns:
                assert not written[column].str.startswith(("=", "+", "@")).any(), (kind, column)
        store.close()


@pytest.mark.slow
@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=store_st, brands=st.booleans())
def test_the_exposure_numbers_computed_side_by_side_are_those_of_each_period_alone(data, brands, sigs, empty_store):
    """The report's own period takes its summary from its links table, and the other periods' numbers come from
    a thread pool: both must give what one period's SQL, computed alone, gives."""
    from moneytrail.crawler.store import aggregates
    from moneytrail.reports.exposure import _numbers, summary_of

    with tempfile.TemporaryDirectory() as tmp:
        store = build(data, empty_store, Path(tmp))
        mainstream = frozenset({"shop.example"}) if brands else frozenset()
        high = {c.name for c in sigs.categories if c.high_risk}
        period = parse("2026-Q3")
        scope = Scope().during(period.start, period.end)
        links = aggregates.links(store, scope, detail=False, mainstream=mainstream)
        order = ["site", "kind"]
        expected = aggregates.link_summary(store, scope, high, mainstream).sort_values(order, ignore_index=True)
        derived = summary_of(links, high).sort_values(order, ignore_index=True)
        pd.testing.assert_frame_equal(derived, expected, check_dtype=False)

        report = exposure(store, parse("2026-10"), sigs, Cpm.load())
        trends = report.tables["trends"]
        for row in trends.itertuples():
            alone = _numbers(
                store, parse(row.period), Scope(), sigs, Cpm.load(), sigs.mainstream(aggregates.advertisers(store))
            )
            assert row.sites_reachable == len(alone["reachable"])
            for column, key in (
                ("share_ads", "share_ads"),
                ("ads_per_visit", "ads_per_visit"),
                ("high_risk", "high_risk"),
            ):
                assert getattr(row, column) == pytest.approx(alone[key], nan_ok=True), (row.period, column)
        figures = {f.key: f for f in report.figures}
        september = _numbers(
            store, parse("2026-09"), Scope(), sigs, Cpm.load(), sigs.mainstream(aggregates.advertisers(store))
        )
        if figures["share_ads"].previous == figures["share_ads"].previous:  # an earlier period on record
            assert figures["share_ads"].previous == pytest.approx(september["share_ads"], nan_ok=True)
        store.close()
