"""Reports against golden numbers from a small hand-built store; every format carries them; the HTML in
headless Chromium (charts drawn, no script error, a hostile page title shown as text); the PDF's pages."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from helpers import run_cli
from moneytrail.attribution.findings import ChainHop, Findings, Link, Miner, NetworkHit, PublisherId
from moneytrail.attribution.signatures import load
from moneytrail.crawler.config import CrawlConfig
from moneytrail.crawler.observation import Observation
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.runs import start_run
from moneytrail.crawler.store.visits import write_visit
from moneytrail.crawler.store.watchlists import import_watchlist, watchlist_sites
from moneytrail.crawler.watchlist import Entry
from moneytrail.reports.audits import advertiser_report, network_report, notice_pack
from moneytrail.reports.exposure import Cpm, exposure
from moneytrail.reports.periods import PeriodError, parse
from moneytrail.reports.render import write

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">Win big'
OCTOBER_DAYS = 31


def link(network, advertiser, kind, category, title="Landing"):
    return Link(
        network,
        advertiser,
        kind,
        category,
        ["broker.test"],
        [
            ChainHop("click.test", "open", "network"),
            ChainHop("broker.test", "http", "broker"),
            ChainHop(advertiser, "http", "advertiser"),
        ],
        f"https://{advertiser}/lp",
        title,
        1,
        None,
    )


# (site, day, status, links, network hits, miners, ids)
VISITS = [
    (
        "a.test",
        "2026-09-20",
        "ok",
        [link("PopAds", "casino.test", "popunder", "gambling")],
        ["PopAds"],
        [],
        [("popads_site_id", "4242424", "PopAds")],
    ),
    (
        "a.test",
        "2026-10-02",
        "ok",
        [link("PopAds", "casino.test", "popunder", "gambling"), link("ExoClick", "cams.test", "display", "adult", XSS)],
        ["PopAds", "ExoClick"],
        [],
        [("ga4", "G-SAME12345")],
    ),
    ("a.test", "2026-10-20", "ok", [link("PopAds", "casino.test", "popunder", "gambling")], ["PopAds"], [], []),
    (
        "b.test",
        "2026-10-05",
        "ok",
        [link("MGID", "brand.test", "native", "mainstream")],
        ["MGID"],
        ["Coinhive"],
        [("ga4", "G-SAME12345")],
    ),
    ("c.test", "2026-10-06", "ok", [], [], [], []),
    ("d.test", "2026-10-07", "dead", [], [], [], []),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    home = tmp_path_factory.mktemp("reports")
    store = open_store(f"sqlite:///{home / 'r.db'}", home / "shots")
    traffic = {"a.test": 100_000, "b.test": 50_000, "c.test": None, "d.test": 1_000}
    import_watchlist(
        store,
        "golden",
        [Entry(f"https://{d}/", d, i + 1, monthly_visits=v) for i, (d, v) in enumerate(traffic.items())],
    )
    wl, sites = watchlist_sites(store, "golden")
    ids = {s.domain: s.id for s in sites}
    run = start_run(store, CrawlConfig(wl.name), wl.id, 4, {})
    for n, (site, day, status, links, hits, miners, pids) in enumerate(VISITS):
        obs = Observation(
            f"v{n}",
            f"https://{site}/",
            site,
            "home",
            f"{day}T12:00:00+00:00",
            status=status,
            final_url=f"https://{site}/" if status == "ok" else "",
            final_site=site if status == "ok" else "",
            profile={"name": "desktop-fr", "country": "FR"},
        )
        found = Findings(
            site,
            [NetworkHit(h, "host", f"{h.lower()}.example") for h in hits],
            links,
            [Miner(m, "key123456", None, "wss://pool.test/", ["pool_auth"]) for m in miners],
            [PublisherId(p[0], p[1], "inline", *p[2:]) for p in pids],
        )
        write_visit(store, obs, run_id=run, site_id=ids[site], findings=found)
    return store


@pytest.fixture(scope="module")
def sigs():
    return load()


@pytest.fixture(scope="module")
def cpm(tmp_path_factory):
    """CPM ranges of both shapes: [low, high], and one number (low = high); kinds not listed earn nothing."""
    path = tmp_path_factory.mktemp("cpm") / "cpm.toml"
    path.write_text('currency = "EUR"\n[cpm]\npopunder = [1.0, 3.0]\ndisplay = 0.5\nnative = [0.4, 0.8]\n')
    return Cpm.load(path)


@pytest.fixture(scope="module")
def october(store, sigs, cpm):
    return exposure(store, parse("2026-10"), sigs, cpm)


def test_a_period_with_nothing_before_it_says_n_a_not_zero(store, sigs, tmp_path):
    """September is the first month on record: its previous period's figures are n/a (no visit), not 0."""
    september = exposure(store, parse("2026-09"), sigs, Cpm.load())
    assert september.meta["previous period"] == "2026-08: no visit on record"
    assert all(f.previous != f.previous for f in september.figures)  # NaN: nothing to compare with
    page = write(september, "html", tmp_path, store.screenshots).read_text()
    assert "previous period: n/a" in page and "previous period: 0" not in page
    assert 'id="chart-trends"' not in page and "this is the first" in page  # one period: no trend drawn
    figures = json.loads(write(september, "json", tmp_path, store.screenshots).read_text())["figures"]
    assert all(f["previous"] is None for f in figures)


def test_exposure_golden_numbers(october):
    f = {x.key: x for x in october.figures}
    months, september = OCTOBER_DAYS / 30.436875, 30 / 30.436875

    def revenue(popunder, native):  # a.test: 2 pop-unders and 1 display ad in 2 visits; b.test: 1 native in 1
        return 100_000 * months * (2 / 2 * popunder + 1 / 2 * 0.5) / 1000 + 50_000 * months * native / 1000

    golden = {
        "monitored": (4, 1),
        "reachable": (3, 1),
        "share_ads": (2 / 3, 1.0),
        "share_pop": (1 / 3, 1.0),
        "share_adult": (1 / 3, 0.0),
        "share_miners": (1 / 3, 0.0),
        "ads_per_visit": (1.0, 1.0),
        "mainstream": (0.25, 0.0),
        "high_risk": (0.75, 1.0),
        "unclassified": (0.0, 0.0),
        "revenue_low": (revenue(1.0, 0.4), 100_000 * september * 1.0 / 1000),
        "revenue_high": (revenue(3.0, 0.8), 100_000 * september * 3.0 / 1000),
    }
    for key, (value, previous) in golden.items():
        assert f[key].value == pytest.approx(value), key
        assert f[key].previous == pytest.approx(previous), key
    t = october.tables
    assert set(t["new"]["name"]) == {"ExoClick", "MGID", "cams.test", "brand.test"}  # PopAds, casino.test: September
    assert list(t["operators"]["site"]) == ["a.test", "b.test"]
    assert t["networks"].set_index("network").loc["PopAds", "ads"] == 2
    assert list(t["trends"]["period"]) == ["2026-09", "2026-10"]
    assert dict(zip(t["split"]["group"], t["split"]["ads"], strict=True)) == {"high-risk": 3, "mainstream": 1}
    (profile,) = t["profiles"].to_dict(orient="records")
    assert (profile["profile"], profile["country"], profile["visits"], profile["reached"], profile["ads"]) == (
        "desktop-fr",
        "FR",
        5,
        4,
        4,
    )


@pytest.mark.slow
def test_every_format_carries_the_same_numbers(october, tmp_path):
    for fmt in ("html", "csv", "xlsx", "json"):
        write(october, fmt, tmp_path)
    data = json.loads((tmp_path / f"{october.name}.json").read_text())
    from_json = {f["key"]: f["value"] for f in data["figures"]}
    from_csv = pd.read_csv(tmp_path / october.name / "figures.csv")
    from_xlsx = pd.read_excel(tmp_path / f"{october.name}.xlsx", sheet_name="figures")
    for figure in october.figures:
        assert from_json[figure.key] == pytest.approx(figure.value)
        assert from_csv.set_index("figure").loc[figure.label, "value"] == pytest.approx(figure.value)
        assert from_xlsx.set_index("figure").loc[figure.label, "value"] == pytest.approx(figure.value)
    html = (tmp_path / f"{october.name}.html").read_text()
    assert '<div class="value">66.7%</div>' in html and "estimate" in html
    sites_csv = pd.read_csv(tmp_path / october.name / "sites.csv")
    assert sites_csv.set_index("site").loc["a.test", "ads"] == 3  # a.test's ads in October


def test_the_workbook_is_dressed_for_reading(october, tmp_path):
    """Each sheet has a bold frozen header and a filter; shares read as percentages, counts with separators;
    columns are as wide as their content; the report's charts are native charts beside their tables."""
    from openpyxl import load_workbook

    book = load_workbook(write(october, "xlsx", tmp_path))
    assert book.sheetnames[0] == "figures" and book.sheetnames[-1] == "notes"
    for sheet in (book["figures"], book["networks"], book["advertisers"]):
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref and sheet["A1"].font.bold, sheet.title
    figures = {row[0].value: row for row in book["figures"].iter_rows(min_row=2)}
    share = figures["sites with ads"]
    assert (share[1].number_format, share[2].number_format) == ("0.0%", "0.0%")
    assert figures["sites monitored"][1].number_format == "#,##0"
    networks = book["networks"]
    header = [cell.value for cell in networks[1]]
    column = header.index("share_of_sites") + 1
    assert networks.cell(row=2, column=column).number_format == "0.0%"
    assert networks.column_dimensions["A"].width >= len("network")
    sites, revenue = networks._charts  # the report's charts of that table, natively
    assert sites.type == revenue.type == "bar" and len(revenue.series) == 2  # low and high
    assert [c.tagname for c in book["trends"]._charts] == ["lineChart"] and len(book["split"]._charts) == 1
    assert not book["flows"]._charts  # the flow diagram has no spreadsheet chart: its table is there


# the words of table cells (but those holding a token too long to keep whole: a URL, a path) shown on more than
# one line: a column narrower than its longest word
SPLIT_WORDS = """() => {
  const split = [];
  for (const cell of document.querySelectorAll('th, td:not(.long)')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) split.push(m[0]);
      }
    }
  }
  return split;
}"""


@pytest.mark.browser
def test_html_in_chromium_charts_no_errors_and_page_text_stays_text(store, sigs, october, tmp_path, chromium_path):
    network = network_report(store, "ExoClick", sigs)
    assert XSS in set(network.tables["evidence"]["landing_title"])
    pages = [write(october, "html", tmp_path), write(network, "html", tmp_path)]

    async def open_all():
        from playwright.async_api import async_playwright

        out = []
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
            for path in pages:
                page = await browser.new_page(viewport={"width": 1047, "height": 700})  # A4 landscape's print width
                errors, requests = [], []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                page.on("request", lambda r, requests=requests: requests.append(r.url))
                await page.goto(path.as_uri())
                charts = await page.eval_on_selector_all(
                    "img[id^=chart-]", "els => els.map(e => [e.id, e.naturalWidth])"
                )
                out.append(
                    {
                        "errors": errors,
                        "charts": charts,
                        "xss": await page.evaluate("window.__xss"),
                        "text": await page.inner_text("body"),
                        "remote": [u for u in requests if not u.startswith(("file:", "data:"))],
                        "split_words": await page.evaluate(SPLIT_WORDS),
                    }
                )
            await browser.close()
        return out

    exposure_page, network_page = asyncio.run(open_all())
    assert {c[0] for c in exposure_page["charts"]} >= {"chart-trends", "chart-split", "chart-networks", "chart-revenue"}
    assert all(width > 300 for _, width in exposure_page["charts"] + network_page["charts"])
    for opened in (exposure_page, network_page):
        assert opened["errors"] == [] and opened["remote"] == [] and opened["xss"] is None
        assert opened["split_words"] == []  # no column narrower than its longest word, headers included
    assert XSS in network_page["text"]  # shown as the text it is


@pytest.mark.browser
def test_pdf_pages_render_with_their_charts(october, tmp_path):
    from PIL import Image

    path = write(october, "pdf", tmp_path)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) >= 2
    with Image.open(images[0]) as first:
        assert first.width > first.height  # landscape: wide evidence tables keep their columns readable
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert f"page 1 of {len(images)}" in text and f"page {len(images)} of {len(images)}" in text
    assert text.count(october.title) >= len(images)  # the running header
    chart_red = 0  # the first chart colour (#c0392b), drawn only in charts
    for image in images:
        with Image.open(image) as img:
            raw = img.convert("RGB").tobytes()
            chart_red += sum(1 for i in range(0, len(raw), 3) if raw[i] > 170 and raw[i + 1] < 90 and raw[i + 2] < 80)
    assert chart_red > 200


def test_network_report_and_notice_pack(store, sigs):
    report = network_report(store, "PopAds", sigs)
    assert {x.key: x.value for x in report.figures}["ads"] == 3
    assert list(report.tables["sites"]["site"]) == ["a.test"]
    assert report.tables["evidence"].iloc[0]["chain"] == "click.test [open] > broker.test [http] > casino.test [http]"
    assert report.tables["evidence"].iloc[0]["profile"] == "desktop-fr / FR"
    (account,) = report.tables["accounts"].to_dict("records")  # what a compliance team acts on
    assert account == {
        "site": "a.test",
        "id_type": "popads_site_id",
        "id_value": "4242424",
        "seen_in": "inline",
        "first_seen": "2026-09-20",
        "last_seen": "2026-09-20",
        "visits": 1,
    }
    pack, text = notice_pack(report)
    assert list(pack["site"]) == ["a.test"] and "v0" in pack.iloc[0]["evidence"]
    assert pack.iloc[0]["accounts"] == "popads_site_id=4242424"
    assert "PopAds" in text and "1 site(s)" in text and "saw 1 account id(s)" in text
    _, letter = notice_pack(report, sender="Alliance <notices@alliance.example>", today="2026-11-26")
    assert letter.startswith("From: Alliance <notices@alliance.example>\nDate: 2026-11-26\nTo: the compliance team")
    assert "Period: all the visits on record" in letter and "How it was observed: moneytrail" in letter
    assert "Send to: no published contact on record" in letter and not len(report.tables["contacts"])


def test_a_notice_pack_goes_to_the_contact_the_network_publishes_in_any_report_language(store, sigs):
    from moneytrail.reports.i18n import language

    with language("fr"):  # the report in French; the letter to the network stays in English
        report = network_report(store, "ExoClick", sigs, parse("2026-10"))
        _, letter = notice_pack(report, today="2026-11-27")
    assert (
        report.title == "Rapport sur la régie publicitaire : ExoClick" and "Period: 2026-10-01 to 2026-10-31" in letter
    )
    assert (
        "Send to: https://www.exoclick.com/copyrightform/ (copyright form; published at "
        "https://www.exoclick.com/copyrightform/, read 2026-11-27; its DMCA designated agent" in letter
    )
    (contact,) = report.tables["contacts"].to_dict("records")
    assert contact["kind"] == "copyright form" and contact["checked"] == "2026-11-27"


def test_advertiser_audit_with_and_without_hits(store, sigs):
    hits = advertiser_report(store, "Casino", ["casino.test"], sigs)
    figures = {x.key: x.value for x in hits.figures}
    assert figures["hits"] == 3 and figures["sampled"] == 5 and figures["share"] == pytest.approx(3 / 5)
    assert set(hits.tables["where"]["network"]) == {"PopAds"}
    excluded = hits.tables["exclusions"].to_dict(orient="records")
    assert excluded == [  # the site, and the network's account on it (seen in September's visit)
        {"kind": "domain", "value": "a.test", "ad_system": "", "id_type": "", "sites": "a.test", "ads": 3},
        {
            "kind": "account",
            "value": "4242424",
            "ad_system": "PopAds",
            "id_type": "popads_site_id",
            "sites": "a.test",
            "ads": 3,
        },
    ]
    clean = advertiser_report(store, "Nobody", ["nobody.test"], sigs, parse("2026-10"))
    assert {x.key: x.value for x in clean.figures if x.key != "share"} == {
        "hits": 0,
        "sites": 0,
        "networks": 0,
        "monitored": 4,
        "visits": 5,
        "sampled": 4,
    }
    assert "3 site(s) reached, in 4 visit(s)" in clean.notes[0] and "4 ad(s) followed" in clean.notes[1]
    assert (
        "with 0 of 4 ads, the brand's share of the ads these sites showed the crawler is below 75.0%" in clean.notes[2]
    )
    assert not len(clean.tables["exclusions"]) and not len(clean.tables["campaigns"])
    # what users type: a URL, www, upper case; LIKE wildcards are no wildcards
    assert {x.key: x.value for x in advertiser_report(store, "Casino", ["HTTPS://www.Casino.test/lp"], sigs).figures}[
        "hits"
    ] == 3
    assert {x.key: x.value for x in advertiser_report(store, "X", ["c_sino.test"], sigs).figures}["hits"] == 0
    with pytest.raises(ValueError):
        advertiser_report(store, "X", ["not a domain"], sigs)


def test_campaign_parameters_are_read_from_landing_urls():
    from moneytrail.reports.audits import campaigns

    rows = pd.DataFrame(
        {
            "landing_url": [
                "https://shop.test/lp?utm_source=popads&utm_campaign=bf-2026&q=shoes&sub1=zone42",
                "https://shop.test/lp?utm_source=popads&clickid=abc&page=2",
                "not a url",
                None,
            ]
        }
    )
    found = campaigns(rows)
    assert found.to_dict(orient="records") == [
        {"landing_host": "shop.test", "parameter": "clickid", "value": "abc", "ads": 1},
        {"landing_host": "shop.test", "parameter": "sub1", "value": "zone42", "ads": 1},
        {"landing_host": "shop.test", "parameter": "utm_campaign", "value": "bf-2026", "ads": 1},
        {"landing_host": "shop.test", "parameter": "utm_source", "value": "popads", "ads": 2},
    ]  # q= and page= are no campaign's


def test_review_cases(store, sigs, tmp_path):
    """A control character in a page title, a hostile visit, money in another currency, colliding names."""
    from moneytrail.reports.model import Figure, Report
    from moneytrail.reports.model import file_stem as _safe

    report = Report("network", "n", "t")
    report.table("evidence", "e", pd.DataFrame([{"landing_title": "Win\x07big =cmd", "n": 1}]))
    write(report, "xlsx", tmp_path)  # openpyxl refuses control characters: they are dropped
    assert pd.read_excel(tmp_path / "n.xlsx", sheet_name="evidence").iloc[0]["landing_title"] == "Winbig =cmd"
    assert Figure("revenue", "r", 1234.4, unit="EUR").text() == "1,234 EUR"
    assert len({_safe("Pop Ads"), _safe("Pop/Ads"), _safe("Pop-Ads")}) == 3 and _safe("PopAds") == "PopAds"
    from datetime import date

    from moneytrail.reports.periods import series

    points = series(date(2026, 9, 1), parse("2026-10-01..2026-10-15"))
    assert [p.label for p in points][-2:] == ["2026-09-16..2026-09-30", "2026-10-01..2026-10-15"]


def test_periods():
    assert (parse("2026-10").first.isoformat(), parse("2026-10").last.isoformat()) == ("2026-10-01", "2026-10-31")
    assert parse("2026-Q4").previous().label == "2026-Q3" and parse("2026-Q1").previous().label == "2025-Q4"
    assert parse("2026-01").previous().label == "2025-12"
    assert parse("2026-10-01..2026-10-10").previous().label == "2026-09-21..2026-09-30"
    for bad in ("2026-13", "Q4", "2026-10-10..2026-10-01", "yesterday"):
        with pytest.raises(PeriodError):
            parse(bad)


def test_periods_of_an_analysts_calendar_are_counted_from_today():
    """Relative names resolve to dates on the day they are read (UTC), in any case, and are reported by them."""
    today = date(2026, 1, 15)
    labels = {
        name: parse(name, today=today).label
        for name in ("this-month", "Last-Month", "this-quarter", "last-quarter", "this-year", "last-year")
    }
    assert labels == {
        "this-month": "2026-01", "Last-Month": "2025-12", "this-quarter": "2026-Q1", "last-quarter": "2025-Q4",
        "this-year": "2026", "last-year": "2025",
    }  # fmt: skip
    week = parse(" last-7d ", today=today)
    assert (week.first, week.last, week.label) == (date(2026, 1, 9), today, "2026-01-09..2026-01-15")
    assert week.previous().label == "2026-01-02..2026-01-08" and parse("last-1d", today=today).days == 1
    assert parse("last-month").last < datetime.now(UTC).date().replace(day=1)  # the default: today, UTC
    for bad in ("last-0d", "last-week", "next-month", "last-999999d", "last-99999d"):
        with pytest.raises(PeriodError, match="last-|next-"):
            parse(bad, today=today)


@pytest.mark.slow
def test_report_commands(store, tmp_path):
    def cli(*args):
        return run_cli("report", *args, "--db", store.url, "--out", tmp_path)

    done = cli("exposure", "--period", "2026-10", "-f", "json", "-f", "csv")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "exposure-2026-10.json").is_file() and (tmp_path / "exposure-2026-10" / "figures.csv").is_file()
    assert cli("network", "--all", "-f", "json").returncode == 0
    lower = cli("network", "exoclick", "-f", "json")  # a name in another case (or an alias) finds its network
    assert lower.returncode == 0 and "network-ExoClick" in lower.stdout, lower.stderr
    assert (tmp_path / "network-ExoClick-notice" / "sites.csv").is_file()
    assert "popads_site_id,4242424" in (tmp_path / "network-PopAds-notice" / "accounts.csv").read_text()
    header = (tmp_path / "network-PopAds-notice" / "evidence.csv").read_text().splitlines()[0]
    assert header.endswith(",screenshot,visit,page_screenshot")  # the pirate page beside the ad's landing
    for name in ("sites", "accounts", "evidence"):  # the same tables as JSON, for tools
        rows = json.loads((tmp_path / "network-PopAds-notice" / f"{name}.json").read_text())
        assert len(rows) == len(pd.read_csv(tmp_path / "network-PopAds-notice" / f"{name}.csv")) > 0
    letter = (tmp_path / "network-PopAds-notice" / "summary.txt").read_text()
    import hashlib

    accounts = hashlib.sha256((tmp_path / "network-PopAds-notice" / "accounts.csv").read_bytes()).hexdigest()
    assert f"  {accounts}  accounts.csv" in letter  # the evidence listed with its hashes
    checked = run_cli("verify", tmp_path / "network-PopAds-notice.zip")
    assert checked.returncode == 0 and "verified" in checked.stdout, checked.stdout + checked.stderr
    audit = cli("advertiser", "--brand", "Casino", "--domain", "casino.test", "-f", "json")
    assert audit.returncode == 0 and "exclusion list:" in audit.stdout, audit.stderr
    assert pd.read_csv(tmp_path / "advertiser-Casino-exclusions.csv")["value"].tolist() == ["a.test", "4242424"]
    bad = cli("exposure", "--period", "2026-13")
    assert bad.returncode == 2 and "2026-13" in bad.stderr
    assert cli("network", "NoSuchNet").returncode == 2


@pytest.mark.slow
def test_the_synthetic_store_builder_feeds_the_exposure_report(tmp_path, sigs):
    """benchmarks/synthetic_store.py (used by the report-speed benchmark) at a tiny size."""
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2] / "benchmarks"))
    from synthetic_store import build

    counts = build(tmp_path / "syn.db", 3000, 5, 100, progress=None)
    assert counts["visits"] == 3000 and counts["requests"] == 15000 and counts["links"] > 2000
    report = exposure(
        open_store(f"sqlite:///{tmp_path / 'syn.db'}", tmp_path / "shots"), parse("2026-Q3"), sigs, Cpm.load()
    )
    f = {x.key: x.value for x in report.figures}
    assert f["monitored"] == 100 and 0.5 < f["share_ads"] <= 1 and 0 < f["revenue_low"] < f["revenue_high"]
    assert len(report.tables["trends"]) == 4  # 2025-Q4 .. 2026-Q3


def test_sites_monitored_are_those_of_the_watchlists_crawled(tmp_path, sigs):
    """A run cut short still monitored its whole watchlist; a watchlist never crawled monitored nothing."""
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}", tmp_path / "shots")
    import_watchlist(store, "crawled", [Entry(f"https://s{i}.test/", f"s{i}.test", i + 1) for i in range(3)])
    import_watchlist(store, "never", [Entry(f"https://n{i}.test/", f"n{i}.test", i + 1) for i in range(5)])
    wl, sites = watchlist_sites(store, "crawled")
    run = start_run(store, CrawlConfig(wl.name), wl.id, 3, {})
    now = pd.Timestamp.now(tz="UTC")
    for site in sites[:2]:
        obs = Observation(f"m-{site.domain}", site.url, site.domain, "home", now.isoformat(), status="ok")
        write_visit(store, obs, run_id=run, site_id=site.id, findings=Findings(site.domain))
    report = exposure(store, parse(now.strftime("%Y-%m")), sigs, Cpm.load())
    f = {x.key: x.value for x in report.figures}
    assert f["monitored"] == 3 and f["reachable"] == 2
    assert report.meta["sites monitored"] == "3"


@pytest.mark.slow
def test_one_visit_cited_by_a_pack_can_be_opened(store):
    """`moneytrail visit ID`: a visit id a notice pack cites, opened with what the visit saw and what was found."""
    shown = run_cli("visit", "v0", "--db", store.url)
    assert shown.returncode == 0, shown.stderr
    assert "visit v0 (row 1" in shown.stdout and "status ok" in shown.stdout
    assert "ad: PopAds via broker.test -> casino.test (popunder, gambling)" in shown.stdout
    assert "id: popads_site_id=4242424 (inline, PopAds)" in shown.stdout
    as_json = json.loads(run_cli("visit", "1", "--db", store.url, "--json").stdout)  # by row number too
    assert as_json["visit"]["visit_id"] == "v0" and as_json["findings"]["links"][0]["advertiser"] == "casino.test"
    missing = run_cli("visit", "no-such-visit", "--db", store.url)
    assert missing.returncode == 2 and "no visit 'no-such-visit'" in missing.stderr


@pytest.mark.slow
def test_the_money_flow_graph_loads_in_networkx(store, tmp_path):
    """`moneytrail export graph`: site -> network -> broker -> advertiser, each flow with its ads; GraphML and
    GEXF both load in networkx, a page's control characters and markup included."""
    import networkx as nx

    from moneytrail.reports.graph import money_flow

    for fmt, read in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        done = run_cli("export", "graph", "-f", fmt, "-o", tmp_path, "--db", store.url)
        assert done.returncode == 0, done.stderr
        graph = read(tmp_path / f"money-flow.{fmt}")
        flow = ["site:a.test", "network:PopAds", "broker:broker.test", "advertiser:casino.test"]
        assert [graph.edges[edge]["ads"] for edge in zip(flow, flow[1:], strict=False)] == [3, 3, 3]
        assert graph.nodes["advertiser:casino.test"]["category"] == "gambling"
        assert graph.edges["site:a.test", "network:PopAds"]["visits"] == 3
    hostile = money_flow([("a.test", "Evil\x00\x1bNet<x>", "ad.test", "popunder", "scam", ["b\x07.test"], 1, None)])
    nx.write_graphml(hostile, tmp_path / "hostile.graphml")
    assert "network:EvilNet<x>" in nx.read_graphml(tmp_path / "hostile.graphml")


@pytest.mark.slow
def test_runs_say_how_long_and_how_each_visit_ended_and_list_the_failures(store):
    listed = json.loads(run_cli("runs", "--db", store.url, "--json").stdout)
    assert listed[0]["statuses"] == {"ok": 5, "dead": 1}
    table = run_cli("runs", "--db", store.url).stdout
    assert "hostile" in table and "crashed" in table and "took" in table
    (failed,) = json.loads(run_cli("runs", "--failed", "--db", store.url, "--json").stdout)
    assert (failed["visit"], failed["url"], failed["status"]) == ("v5", "https://d.test/", "dead")
    assert "v5" in run_cli("runs", "--failed", "--run", str(listed[0]["run"]), "--db", store.url).stdout


def test_a_notice_pack_encloses_the_cited_visits_archive_signed_with_the_rest(store, sigs, tmp_path):
    """Issue 16: the WACZ of the visits a network's pack cites is in the pack, hashed, signed and named in the
    letter; a WACZ too large for a pack is left out rather than making the pack unsendable."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from moneytrail.reports import audits
    from moneytrail.reports.audits import write_notice_pack
    from moneytrail.reports.signing import verify

    report = network_report(store, "PopAds", sigs, None)
    wacz = tmp_path / "cited.wacz"
    wacz.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # the bytes are the pack's to carry, not to read
    pack = write_notice_pack(report, tmp_path / "out", store.screenshots, Ed25519PrivateKey.generate(), archive=wacz)
    assert (pack / "archive.wacz").read_bytes() == wacz.read_bytes()
    letter = (pack / "summary.txt").read_text()
    assert "archive.wacz holds what the browser received" in letter
    assert f"  {hashlib.sha256(wacz.read_bytes()).hexdigest()}  archive.wacz" in letter
    assert verify(pack).ok and "archive.wacz" in (pack / "manifest.json").read_text()

    audits.MAX_PACK_ARCHIVE, was = 10, audits.MAX_PACK_ARCHIVE
    try:
        pack = write_notice_pack(report, tmp_path / "out", store.screenshots, None, archive=wacz)
    finally:
        audits.MAX_PACK_ARCHIVE = was
    assert not (pack / "archive.wacz").exists() and "archive.wacz" not in (pack / "summary.txt").read_text()


def test_each_ad_of_a_network_report_is_a_card_with_its_chain_hop_by_hop(store, sigs):
    """Issue 16: evidence rendered for people, one card an ad (who served and who paid, the pirate page and
    where the ad led, the chain as a list, when, the profile, the visit); CSV keeps the table."""
    import re

    from moneytrail.reports.render import html

    report = network_report(store, "PopAds", sigs)
    page = html(report, store.screenshots)
    cards = re.findall(r'<div class="card">(.*?)\n</div>', page, re.S)
    assert len(cards) == len(report.tables["evidence"]) == 3
    assert "PopAds &rarr; broker.test &rarr; casino.test" in cards[0]
    assert re.findall(r"<li>(.*?)</li>", cards[0]) == ["click.test [open]", "broker.test [http]", "casino.test [http]"]
    assert "the pirate page, before the click" in cards[0] and "visit v0" in cards[0]
    assert "<table>" not in page.split('id="table-evidence"')[1].split("<h2")[0]


def test_brand_lists_make_the_mainstream_share_whatever_was_stored(store, sigs, cpm, tmp_path):
    """A brand list read at report time counts its advertisers as mainstream, even links stored under another
    category by an older attribution; the methodology names every list used."""
    extra = tmp_path / "our-brands.toml"
    extra.write_text(
        '[sources.audit]\ntitle = "Brands we audit"\nchecked = "2026-11-01"\n'
        '[[brands]]\nname = "Cams Inc"\ndomains = ["CAMS.test"]\nsources = ["audit"]\n'
    )
    report = exposure(store, parse("2026-10"), sigs.with_brands([extra]), cpm)
    f = {x.key: x.value for x in report.figures}
    assert f["mainstream"] == pytest.approx(2 / 4) and f["high_risk"] == pytest.approx(2 / 4)  # cams.test moved
    assert dict(zip(report.tables["split"]["group"], report.tables["split"]["ads"], strict=True)) == {
        "high-risk": 2,
        "mainstream": 2,
    }
    lists = report.tables["methodology"].query("what == 'brand list'")["how"].tolist()
    assert lists[0].startswith("brands.toml: ")
    assert lists[1] == "our-brands.toml: 1 brands, 1 domains; sources: Brands we audit"
    unchanged = {x.key: x.value for x in exposure(store, parse("2026-10"), sigs, cpm).figures}
    assert unchanged["mainstream"] == pytest.approx(1 / 4)  # the extra list only counts where it is given


def test_the_methodology_says_when_what_from_where_and_with_which_versions(october):
    from moneytrail import __version__

    how = dict(october.tables["methodology"].drop_duplicates("what", keep="first").values)
    assert how["period"] == "2026-10-01 to 2026-10-31 (UTC)"
    assert how["crawls"].startswith("1 crawl runs; first visit 2026-10-02 12:00 UTC, last 2026-10-20 12:00 UTC")
    assert how["visits"] == "5: 4 ok, 1 dead" and how["sites"] == "4 monitored, 3 reached"
    assert how["profiles and countries"] == "desktop-fr (FR)"
    assert "traffic figures of the watchlist for 2 of 3 sites reached" in how["revenue estimate"]
    assert f"moneytrail {__version__}; signature data sha256:" in how["software"]
    assert len(october.tables["methodology"].query("what == 'not measured'")) >= 3


def test_the_shipped_brand_list_names_a_source_for_every_brand():
    from moneytrail.attribution.brands import BrandList
    from moneytrail.attribution.signatures import DEFAULT_DIR

    shipped = BrandList.load(DEFAULT_DIR / "brands.toml")
    assert len(shipped.brands) >= 30 and all(b.sources for b in shipped.brands)
    assert all(s.url.startswith(("http://", "https://")) and s.checked for s in shipped.sources.values())
    domains = [d for b in shipped.brands for d in b.domains]
    assert len(domains) == len(set(domains))  # a domain is one brand's


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('[[brands]]\nname = "X"\ndomains = ["x.test"]\nsources = ["nowhere"]\n', "brands[0] (X).sources"),
        ('[[brands]]\nname = "X"\ndomains = ["not a host"]\n', "brands[0] (X).domains"),
        ('[[brands]]\nname = "X"\n', "brands[0] (X).domains"),
        ('[sources.a]\ntitle = "A"\nchecked = "last week"\n', "sources.a.checked"),
        ("[brand]\n", "unknown table(s) brand"),
        ('[[brands]]\nname = "X"\ndomains = ["x.test"]\ncolour = "red"\n', "unknown field(s) colour"),
        ("[[brands]\n", "brands.toml"),  # not TOML: the reader's error, with the file
    ],
)
def test_a_bad_brand_list_is_refused_naming_the_file_and_the_entry(tmp_path, text, names):
    from moneytrail.attribution.brands import BrandError, BrandList

    path = tmp_path / "brands.toml"
    path.write_text(text)
    with pytest.raises(BrandError) as caught:
        BrandList.load(path)
    assert str(path) in str(caught.value) and names in str(caught.value)


def test_cpm_ranges_are_checked(tmp_path):
    from moneytrail.reports.exposure import CpmError

    path = tmp_path / "cpm.toml"
    for bad in ("[2.0, 1.0]", "[1.0]", '"cheap"', "-1", "[1, inf]", "true"):
        path.write_text(f"[cpm]\npopunder = {bad}\n")
        with pytest.raises(CpmError, match=r"cpm\.popunder"):
            Cpm.load(path)
    path.write_text("[cpm]\npopunder = [0, 2]\npush = 1\n")
    assert Cpm.load(path).rates == {"popunder": (0.0, 2.0), "push": (1.0, 1.0)}


def test_the_publisher_heads_every_report_and_bad_options_are_refused(store, tmp_path):
    import base64

    png = base64.b64decode(  # a 1x1 PNG
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    (tmp_path / "logo.png").write_bytes(png)
    (tmp_path / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    (tmp_path / "bad-brands.toml").write_text('[[brands]]\nname = "X"\n')

    def cli(*args):
        return run_cli("report", *args, "--db", store.url, "--out", tmp_path / "out")

    name = "[bold]Assoc <b>&</b>[/bold]"
    done = cli("exposure", "--period", "2026-10", "--organisation", name, "--logo", tmp_path / "logo.png")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "out" / "exposure-2026-10.html").read_text()
    assert "[bold]Assoc &lt;b&gt;&amp;&lt;/b&gt;[/bold]" in page and "<b>&</b>" not in page
    assert "data:image/png;base64," in page
    svg = cli("exposure", "--period", "2026-10", "--logo", tmp_path / "logo.svg")
    assert svg.returncode == 2 and "not a PNG or JPEG image" in svg.stderr
    brands = cli("exposure", "--period", "2026-10", "--brands", tmp_path / "bad-brands.toml")
    assert brands.returncode == 2 and "bad-brands.toml: brands[0] (X).domains" in brands.stderr, brands.stderr


def test_reports_keep_only_the_visits_of_a_watchlist_a_profile_or_a_country(tmp_path, sigs, cpm):
    """Two watchlists crawled with two profiles: each filter keeps its visits only, in every figure and table,
    and names the report's files after it."""
    from moneytrail.crawler.store.findings import Scope

    store = open_store(f"sqlite:///{tmp_path / 'f.db'}", tmp_path / "shots")
    desktop, phone = {"name": "desktop-fr", "country": "FR"}, {"name": "android-de", "country": "de"}
    visits = {
        "films": [
            ("a.test", desktop, link("PopAds", "casino.test", "popunder", "gambling")),
            ("a.test", phone, link("ExoClick", "cams.test", "display", "adult")),
        ],
        "sport": [("s.test", desktop, link("MGID", "brand.test", "native", "mainstream"))],
    }
    n = 0
    for name, rows in visits.items():
        import_watchlist(store, name, [Entry(f"https://{rows[0][0]}/", rows[0][0], 1, monthly_visits=1000)])
        wl, sites = watchlist_sites(store, name)
        run = start_run(store, CrawlConfig(wl.name), wl.id, 1, {})
        for site, profile, ad in rows:
            n += 1
            obs = Observation(f"f{n}", f"https://{site}/", site, "home", f"2026-10-0{n}T12:00:00+00:00", status="ok")
            obs.final_url, obs.final_site, obs.profile = f"https://{site}/", site, profile
            found = Findings(site, [NetworkHit(ad.network, "host", "x.example")], [ad], [], [])
            write_visit(store, obs, run_id=run, site_id=sites[0].id, findings=found)

    def networks(filters):
        report = exposure(store, parse("2026-10"), sigs, cpm, filters)
        return report, set(report.tables["networks"]["network"])

    everything, names = networks(Scope())
    assert names == {"PopAds", "ExoClick", "MGID"} and everything.name == "exposure-2026-10"
    films, names = networks(Scope(watchlist="films"))
    assert names == {"PopAds", "ExoClick"} and {f.key: f.value for f in films.figures}["monitored"] == 1
    assert films.name == "exposure-2026-10-watchlist-films" and films.meta["visits kept"] == "watchlist films"
    assert networks(Scope(profile="desktop-fr"))[1] == {"PopAds", "MGID"}
    german, names = networks(Scope(country="DE"))  # any case
    assert names == {"ExoClick"} and {f.key: f.value for f in german.figures}["monitored"] == 1
    both, names = networks(Scope(watchlist="films", country="FR"))
    assert names == {"PopAds"} and both.name == "exposure-2026-10-watchlist-films-country-FR"
    kept = dict(both.tables["methodology"].drop_duplicates("what").values)["visits kept"]
    assert kept == "watchlist films, country FR"
    assert set(both.tables["profiles"]["profile"]) == {"desktop-fr"}
    assert not len(network_report(store, "PopAds", sigs, None, Scope(watchlist="sport")).tables["sites"])
    assert len(network_report(store, "PopAds", sigs, None, Scope(watchlist="films")).tables["sites"]) == 1

    def cli(*args):
        return run_cli("report", "exposure", "--period", "2026-10", *args, "--db", store.url, "--out", tmp_path)

    done = cli("--watchlist", "sport", "--country", "fr", "-f", "json")
    assert done.returncode == 0 and (tmp_path / "exposure-2026-10-watchlist-sport-country-FR.json").is_file()
    unknown = cli("--watchlist", "tennis")
    assert unknown.returncode == 2 and "known: films, sport" in unknown.stderr
    assert "on record: android-de, desktop-fr" in cli("--profile", "nobody").stderr
    assert cli("--country", "FRA").returncode == 2


def test_a_report_in_french_is_french_in_every_part_people_read(store, sigs, cpm, tmp_path):
    from moneytrail.reports.i18n import language

    with language("fr"):
        report = exposure(store, parse("2026-10"), sigs, cpm)
        page = write(report, "html", tmp_path, store.screenshots).read_text()
        audit = write(advertiser_report(store, "Casino", ["casino.test"], sigs), "html", tmp_path).read_text()
    assert report.title == "Rapport d'exposition 2026-10" and '<html lang="fr">' in page
    assert "Rapport d&#39;exposition 2026-10" in page and "Méthodologie : sur quoi reposent ces chiffres" in page
    assert "66,7\xa0%" in page and "sites avec publicités" in page  # 2 of 3 reachable sites, written the French way
    assert "Graphiques" in page and "Notes et hypothèses" in page and "période précédente :" in page
    assert '>part</span> <span class="w">des</span>' in page  # a column heading, word by word
    for english in ("Notes and assumptions", "Top advertisers", "sites with ads", "previous period:", "Charts"):
        assert english not in page, english
    assert "la page pirate, avant le clic" in audit and "Liste d&#39;exclusion" in audit
    assert {f.key for f in report.figures} == {f.key for f in exposure(store, parse("2026-10"), sigs, cpm).figures}
    cli = run_cli("report", "exposure", "--period", "2026-10", "--lang", "de", "--db", store.url, "--out", tmp_path)
    assert cli.returncode == 2 and "en, fr" in cli.stderr
