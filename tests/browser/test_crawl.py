"""The crawler against the sandbox's truth: `moneytrail crawl` (Scrapy + scrapy-playwright + real Chromium)
crawls the whole sandbox through its proxy into SQLite; what it stored is checked item by item."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path

import pytest

from helpers import ok_sites, run_cli, sandbox_visit
from moneytrail.crawler.domains import host_of, site_of
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.visits import load_observations
from moneytrail.sandbox.scoring import applicable

pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]

# hostile behaviours -> (status, the signal the visit must carry)
HOSTILE = {
    "slow_response": ("timeout", None),
    "infinite_loop": ("hostile", "unresponsive"),
    "dialog_storm": ("hostile", "dialog_storm"),
    "popup_storm": ("hostile", "popup_storm"),
    "redirect_loop": ("hostile", "redirect_loop"),
    "beforeunload_trap": ("hostile", "beforeunload_trap"),
    "file_download": ("hostile", "forced_download"),
    "huge_page": ("hostile", "oversized_page"),
}
VISITOR_TRIGGERS = ("click", "click_player")  # what a visit pulls by itself; click_ad is reached by following


@pytest.fixture(scope="module")
def crawled(sandbox, world, tmp_path_factory):
    from moneytrail.sandbox.cli import write_watchlist

    home = tmp_path_factory.mktemp("crawl")
    watchlist = home / "sandbox.csv"
    write_watchlist(world, watchlist)
    db = f"sqlite:///{home / 'store.db'}"
    started, wall = time.monotonic(), time.time()
    result = run_cli(
        "crawl",
        "-w",
        str(watchlist),
        "--db",
        db,
        "--proxy",
        sandbox.address,
        "--pages",
        "1",
        "--concurrency",
        "8",  # the sites' waits overlap: 155 s against 240 s at the default 4 on 2 cores, the same findings
        "--no-progress",
        "--log",
        str(home / "crawl.log"),
        env={"MONEYTRAIL_HOME": str(home)},
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-2000:]
    store = open_store(db, home / "screenshots")
    visits = {}
    for obs in load_observations(store):
        visits.setdefault((obs.site, obs.page_kind), obs)
    return {
        "visits": visits,
        "store": store,
        "seconds": seconds,
        "started": wall,
        "ended": time.time(),
        "stdout": result.stdout,
        "home": home,
        "log": (home / "crawl.log").read_text(),
    }


def _visits(crawled, site):
    domain = site_of(site["url"])
    return {kind: obs for (d, kind), obs in crawled["visits"].items() if d == domain}


def test_every_site_ends_with_the_right_status(crawled, truth):
    wrong = []
    for site in truth["sites"]:
        home = _visits(crawled, site).get("home")
        if home is None:
            wrong.append((site["domain"], "no visit"))
            continue
        if site["status"] == "ok":
            expected, signal = "ok", None
        elif site["status"] == "dead":
            expected, signal = "dead", None
        else:
            expected, signal = HOSTILE[site["behaviour"]]
        if home.status != expected or (signal and signal not in home.hostile):
            wrong.append((site["domain"], site["behaviour"], home.status, home.hostile, home.error))
    assert not wrong, "\n".join(map(str, wrong))


def test_hostile_sites_do_not_stall_the_crawl(crawled, truth):
    visits = crawled["visits"].values()
    assert all(v.duration < 90 for v in visits), max((v.duration, v.url) for v in visits)
    # 71 visits at concurrency 8: far below what 11 hostile sites could cost if any one of them hung
    assert crawled["seconds"] < 600
    popupstorm = next(v for v in visits if v.url.startswith("https://popupstorm"))
    assert sum(1 for w in popupstorm.windows if not w.over_limit) <= 12 + 1
    # of the 50 its click opens, the ones past popup_flood with no click left to allow them are refused, as a
    # popup blocker does; the page says so once and is a popup storm
    assert [n.kind for n in popupstorm.notices].count("popup_flood") == 1, popupstorm.notices
    assert "popup_storm" in popupstorm.hostile
    download = next(v for v in visits if v.url.startswith("https://codec-download"))
    assert download.downloads and download.downloads[0].suggested_filename.endswith(".exe")
    assert not list(crawled["home"].rglob("*.exe"))  # recorded, never saved
    storm = next(v for v in visits if v.url.startswith("https://alertstorm"))
    assert len(storm.dialogs) >= 10


def test_inner_pages_are_the_content_pages(crawled, truth):
    for site in ok_sites(truth):
        visits = _visits(crawled, site)
        assert visits["home"].http_status == 200 and visits["home"].final_url.startswith(site["final_url"])
        assert visits["inner"].url == site["inner_pages"][0] and visits["inner"].http_status == 200, site["domain"]


def test_mirrors_redirect_to_their_new_domain(crawled, truth):
    for site in ok_sites(truth):
        if site["mirror_from"]:
            home = _visits(crawled, site)["home"]
            assert home.site == site["mirror_from"]["domain"] and home.final_site == site["domain"]


def test_every_truth_network_host_is_requested(crawled, truth):
    missing = []
    for site in ok_sites(truth):
        for kind, obs in _visits(crawled, site).items():
            hosts = obs.hosts()
            for req in site["requests"]:
                if kind in req["pages"] and applicable(req["when"]) and req["host"] not in hosts:
                    missing.append((site["domain"], kind, req["network"], req["host"]))
    assert not missing, "\n".join(map(str, missing))


def _chain_matches(window, link) -> bool:
    """Hop by hop: our hops are (url, how we got there); the truth's are (host, how it leaves)."""
    hops = window.chain
    if not hops or hops[-1].url != link["landing"]:
        return False
    hosts = [host_of(h.url) for h in hops[:-1]]
    vias = [h.via for h in hops[1:]]
    return hosts == [c["host"] for c in link["chain"]] and vias == [c["via"] for c in link["chain"]]


def test_popup_and_tabunder_chains_are_recorded_hop_by_hop(crawled, truth):
    missing, checked = [], 0
    for site in ok_sites(truth):
        for kind, obs in _visits(crawled, site).items():
            for link in site["links"]:
                if link["trigger"] not in VISITOR_TRIGGERS or kind not in link["pages"] or not applicable(link["when"]):
                    continue
                checked += 1
                windows = [w for w in obs.windows if w.kind in ("popup", "tabunder")]
                if not any(_chain_matches(w, link) for w in windows):
                    missing.append(
                        (
                            site["domain"],
                            kind,
                            link["network"],
                            link["kind"],
                            link["landing"],
                            [[(host_of(h.url), h.via) for h in w.chain] for w in windows],
                        )
                    )
    assert checked >= 30
    assert not missing, "\n".join(map(str, missing))


def test_popups_carry_their_step_title_and_screenshot(crawled, truth):
    store = crawled["store"]
    steps = Counter()
    for obs in crawled["visits"].values():
        actions = {s.n: s.action for s in obs.steps}
        for w in obs.windows:
            if obs.status == "ok" and w.kind == "popup" and not w.closed and w.landing_url.startswith("https://"):
                steps[actions.get(w.step)] += 1
                assert w.landing_title and w.screenshot, (obs.url, w.landing_url)
                assert (store.screenshots / w.screenshot).read_bytes()[:2] == b"\xff\xd8"
    assert steps["click_player"] and steps["click_centre"], steps
    tabunders = [w for obs in crawled["visits"].values() for w in obs.windows if w.kind == "tabunder"]
    assert tabunders and all(w.page == 0 for w in tabunders)
    opens = [c for obs in crawled["visits"].values() for c in obs.window_opens if c.caller]
    assert opens and all(c.caller.startswith("https://") for c in opens)


def test_display_native_and_push_ads_are_followed_to_their_advertiser(crawled, truth):
    missing = []
    for site in ok_sites(truth):
        visits = _visits(crawled, site)
        for link in site["links"]:
            if link["trigger"] != "click_ad" or not applicable(link["when"]):
                continue
            windows = [
                w for kind in link["pages"] if kind in visits for w in visits[kind].windows if w.kind == "ad_link"
            ]
            if not any(_chain_matches(w, link) for w in windows):
                missing.append((site["domain"], link["network"], link["kind"], link["landing"]))
    assert not missing, "\n".join(map(str, missing))


def test_miner_sockets_messages_and_wasm_are_recorded(crawled, truth, sandbox):
    shares = {e["key"] for e in list(sandbox.app.events) if e["kind"] == "miner_share" and e.get("valid")}
    for site in ok_sites(truth):
        for m in site["miners"]:
            home = _visits(crawled, site)["home"]
            key = m["site_key"] or m["wallet"]
            sockets = [ws for ws in home.websockets if ws.url == m["pool"]]
            assert sockets, (site["domain"], m["pool"], [ws.url for ws in home.websockets])
            sent = " ".join(sockets[0].sent)
            assert key in sent and "submit" in sent and sockets[0].received, site["domain"]
            assert m["wasm_sha256"] in {w.sha256 for w in home.wasm}, site["domain"]
            module = next(w for w in home.wasm if w.sha256 == m["wasm_sha256"])
            assert module.exports and module.size > 100
            assert home.workers and key in shares


def test_the_worker_run_miner_is_found_with_its_key(crawled, truth, tmp_path):
    """A miner that does everything in a dedicated Worker (its pool socket, its wasm compiled from bytes the
    library carries): the socket and the module are tied to the worker, and the miner is reported with its key."""
    from moneytrail.sandbox.scoring import predicted_sets

    cases = [(s, m) for s in ok_sites(truth) for m in s["miners"] if m["wasm"].startswith("https://cdn.jsdelivr.net/")]
    assert cases, "the sandbox has no worker-run miner"
    found = predicted_sets(export_all(crawled["store"].url, tmp_path / "export"))["miners"]
    for site, miner in cases:
        home = _visits(crawled, site)["home"]
        workers = [n for n, w in enumerate(home.workers) if w.url == miner["script"]]
        assert workers, (site["domain"], [w.url for w in home.workers])
        socket = next(ws for ws in home.websockets if ws.url == miner["pool"])
        assert socket.worker in workers  # opened by the worker: the page never saw it
        assert miner["site_key"] in " ".join(socket.sent)
        module = next(w for w in home.wasm if w.sha256 == miner["wasm_sha256"])
        assert module.worker in workers and module.source != "network"
        assert (site["domain"], miner["service"], miner["site_key"]) in found


def test_decoys_are_recorded_as_they_are(crawled, truth):
    network_hosts = {h for n in truth["networks"].values() for h in n["hosts"]}
    for site in ok_sites(truth):
        visits = _visits(crawled, site)
        for decoy in site["decoys"]:
            if decoy["kind"] in ("wasm_decoder", "wasm_checksum", "wasm_image_codec"):
                assert decoy["wasm_sha256"] in {w.sha256 for w in visits["home"].wasm}, (site["domain"], decoy)
            elif decoy["kind"] == "chat_websocket":
                ws = next(w for w in visits["home"].websockets if w.url == decoy["url"])
                assert ws.received
            elif decoy["kind"] == "socketio_chat":
                ws = next(w for w in visits["home"].websockets if w.url.startswith(decoy["url_prefix"]))
                assert any("chat message" in m for m in ws.received), ws.received
            elif decoy["kind"] == "share_popup":
                assert any(w.landing_url.startswith(decoy["url_prefix"]) for v in visits.values() for w in v.windows)
        if site["kind"] == "clean":
            for obs in visits.values():
                assert not obs.hosts() & network_hosts


def test_requests_carry_frames_initiators_and_timing(crawled, truth):
    visits = [v for v in crawled["visits"].values() if v.status == "ok"]
    requests = [r for v in visits for r in v.requests]
    assert all(r.started >= 0 and r.step >= 1 for r in requests)
    assert sum(1 for r in requests if r.initiator) >= len(requests) // 2
    by_script = [
        (v, r)
        for v in visits
        for r in v.requests
        if r.initiator in {q.url for q in v.requests if q.resource_type == "script"}
    ]
    assert len(by_script) >= 20, "requests made by scripts name the script"
    assert any(r.initiator_type == "window.open" for _, r in by_script)  # a popup's first request: its opener
    assert any(r.initiator_type == "worker" for v in visits for r in v.requests)  # a miner's worker: its creator
    for v in visits:
        assert v.frames[0].parent is None and v.screenshot and v.title
    assert any(f.parent is not None for v in visits for f in v.frames)
    assert any(v.inline_scripts for v in visits)


def test_heavy_pages_are_recorded_whole(crawled, world, sandbox):
    """A heavy page's 100+ requests are all recorded: every poster the sandbox served a heavy site's pages during
    the crawl (the lazy ones too, loaded as the visit scrolled) is among the requests the crawl stored."""
    from moneytrail.sandbox import weight

    heavy = [s for s in world.sites if weight.heavy(s)]
    assert heavy
    served = [
        e
        for e in list(sandbox.app.events)
        if e["kind"] == "poster" and crawled["started"] <= e["t"] <= crawled["ended"]
    ]
    for site in heavy:
        visits = [o for (d, _kind), o in crawled["visits"].items() if d == site.start_domain]  # a mirror's: old name
        assert {o.page_kind for o in visits if o.status == "ok"} == {"home", "inner"}, site.domain
        for visit in visits:
            least = 100 if visit.page_kind == "home" else 80
            assert sum(r.page == 0 for r in visit.requests) >= least, (site.domain, visit.page_kind)
        recorded = {r.url for o in visits for r in o.requests if host_of(r.url) == "image.tmdb.org"}
        theirs = {e["url"] for e in served if host_of(e["referer"]) == site.domain}
        assert theirs <= recorded, (site.domain, sorted(theirs - recorded)[:5])
        home = next(o for o in visits if o.page_kind == "home")
        lazy = {
            f"https://image.tmdb.org/t/p/w185/{weight.tmdb_id(site.domain, 'home', n)}.jpg"
            for n in range(weight.EAGER_POSTERS, weight.HOME_POSTERS)
        }
        assert len(lazy & {r.url for r in home.requests}) >= len(lazy) // 2, site.domain  # the visit scrolled
        inner = next(o for o in visits if o.page_kind == "inner")
        assert sum(host_of(r.url) == "secure.gravatar.com" for r in inner.requests) >= weight.AVATARS
    # scrapy-playwright's own counters are taken off the visits' pages (the recorder has every request)
    assert "playwright/request_count" not in crawled["log"] and "playwright/response_count" not in crawled["log"]


def test_the_store_holds_runs_visits_requests_windows_and_adstxt(crawled, truth):
    from sqlalchemy import func, select

    from moneytrail.crawler.store.schema import AdsTxt, Request, Run, Visit, Window

    with crawled["store"].session() as s:
        run = s.scalars(select(Run)).one()
        assert run.state == "finished" and run.sites == len(truth["sites"]) and run.ended_at
        assert run.counts["visits"] == s.scalar(select(func.count(Visit.id)))
        assert s.scalar(select(func.count(Request.id))) == sum(len(v.requests) for v in crawled["visits"].values())
        assert s.scalar(select(func.count(Window.id))) > 40
        fetched = {(a.domain, a.kind): a for a in s.scalars(select(AdsTxt))}
    for site in ok_sites(truth):
        got = fetched.get((site["domain"], "ads.txt"))
        assert got is not None, site["domain"]
        if site["adstxt"] is None:
            assert got.outcome == "http_error" and got.http_status == 404
            continue
        assert got.outcome == site["adstxt"]["outcome"], (site["domain"], got.error)  # tests/browser/test_adstxt_crawl
        assert (got.body is not None) == (got.outcome == "ok")
        if got.outcome == "ok":
            assert "DIRECT" in got.body.upper()
    assert any(kind == "sellers.json" and a.outcome == "ok" for (_, kind), a in fetched.items())


def export_all(db: str, out: Path, *extra: str) -> Path:
    result = run_cli("export", "all", "--db", db, "--out", str(out), *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_findings_are_stored_as_visits_arrive(crawled):
    from sqlalchemy import func, select

    from moneytrail.crawler.store.schema import FindingId, FindingLink, FindingMiner, FindingNetwork, Visit

    with crawled["store"].session() as s:
        counts = {
            t.__tablename__: s.scalar(select(func.count(t.id)))
            for t in (FindingLink, FindingMiner, FindingNetwork, FindingId)
        }
        linked = s.scalar(select(func.count(func.distinct(FindingLink.visit_id))))
        visits = s.scalar(select(func.count(Visit.id)).where(Visit.status == "ok"))
    assert all(counts.values()), counts  # written by the crawl's pipeline: no reanalyze has run yet
    assert linked >= visits * 0.6, (linked, visits)
    assert "ads followed to an advertiser" in crawled["stdout"] and "attribution failed" not in crawled["stdout"]


def test_attribution_matches_the_truth(crawled, truth, tmp_path):
    """The accuracy aims of the attribution issue, on the whole sandbox: networks and links precision >= 0.99
    and recall >= 0.98, miners exact with no decoy flagged, operator clusters exact."""
    from moneytrail.sandbox.scoring import score, table

    result = score(export_all(crawled["store"].url, tmp_path / "export"), truth)
    report = (
        table(result)
        + "\n"
        + "\n".join(
            f"{m}: false positives {r['false_positives'][:5]}, missed {r['misses'][:5]}"
            for m, r in result.items()
            if m != "decoys"
        )
    )
    for measure in ("networks", "links", "link kinds", "publisher ids"):
        assert result[measure]["precision"] >= 0.99 and result[measure]["recall"] >= 0.98, report
    for measure in ("miners", "clusters (pairs)"):
        assert result[measure]["fp"] == 0 and result[measure]["fn"] == 0, report
    assert result["decoys"]["flagged"] == 0, result["decoys"]


def test_exports_in_every_format_carry_the_same_rows(crawled, tmp_path):
    import pandas as pd

    db = crawled["store"].url
    export_all(db, tmp_path / "csv")
    export_all(db, tmp_path / "parquet", "--format", "parquet")
    export_all(db, tmp_path / "json", "--format", "json")
    from moneytrail.reports.exports import COLUMNS

    for kind, columns in COLUMNS.items():
        frame = pd.read_csv(tmp_path / "csv" / f"{kind}.csv", keep_default_na=False)
        assert list(frame.columns) == columns
        assert len(pd.read_parquet(tmp_path / "parquet" / f"{kind}.parquet")) == len(frame) > 0, kind
        assert len(json.loads((tmp_path / "json" / f"{kind}.json").read_text())) == len(frame)
    one = run_cli("export", "links", "--db", db, "--format", "json")
    assert one.returncode == 0 and len(json.loads(one.stdout)) == len(pd.read_csv(tmp_path / "csv" / "links.csv"))
    bad = run_cli("export", "adverts", "--db", db)
    assert bad.returncode == 2 and "unknown kind" in bad.stderr


def test_each_visit_left_an_archive_of_its_page_and_its_ad_chains_that_py_wacz_validates(crawled, tmp_path):
    """Issue 16: what the browser received, per visit, in a WARC (the page, its popups and their redirect chains
    to the advertiser), SHA-256 recorded; `export wacz` packages the run for ReplayWeb.page."""
    import hashlib
    import zipfile

    from sqlalchemy import select
    from warcio.archiveiterator import ArchiveIterator

    from moneytrail.crawler.store.schema import EvidenceFile, Visit
    from moneytrail.reports.archives import validate_wacz

    store = crawled["store"]
    with store.session() as s:
        rows = {r.uid: r for r in s.execute(select(Visit.id, Visit.uid, Visit.status, Visit.archive))}
        digests = {r.path: r.sha256 for r in s.execute(select(EvidenceFile.path, EvidenceFile.sha256))}
    ok = [r for r in rows.values() if r.status == "ok"]
    assert ok and all(r.archive for r in ok), [r.uid for r in ok if not r.archive]
    chained = [o for o in crawled["visits"].values() if o.status == "ok" and any(w.landing_url for w in o.windows)]
    assert len(chained) >= 10
    for obs in chained:
        archive = store.screenshots / rows[obs.visit_id].archive
        data = archive.read_bytes()
        assert hashlib.sha256(data).hexdigest() == digests[rows[obs.visit_id].archive]
        with open(archive, "rb") as stream:
            answered = {
                r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(stream) if r.rec_type == "response"
            }
        assert obs.url in answered or obs.final_url in answered, obs.url
        for window in obs.windows:
            for hop in window.chain:  # every hop of the chain that the browser was answered on
                if hop.via in ("http", "redirect") and hop.url.startswith("http"):
                    assert hop.url in answered, (obs.url, hop.url)

    home = crawled["home"]
    done = run_cli("export", "wacz", "--db", store.url, "-o", tmp_path, env={"MONEYTRAIL_HOME": str(home)})
    assert done.returncode == 0, done.stderr
    wacz = next(tmp_path.glob("*.wacz"))
    valid, said = validate_wacz(wacz)
    assert valid, said
    with zipfile.ZipFile(wacz) as z:
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").splitlines()[1:]]
        assert len([n for n in z.namelist() if n.startswith("archive/")]) == sum(1 for r in rows.values() if r.archive)
    assert {p["id"] for p in pages} >= {r.uid for r in ok}


def test_ad_frames_in_view_are_cut_out_of_the_page_screenshot(crawled):
    """Issue 16: each ad frame the visitor saw is kept as a crop of the page's screenshot (the ad on the pirate
    page), an evidence file of kind `ad` with its SHA-256; frames out of view or too small have none."""
    from PIL import Image
    from sqlalchemy import select

    from moneytrail.crawler.store.schema import EvidenceFile

    store = crawled["store"]
    with store.session() as s:
        rows = s.execute(select(EvidenceFile.path, EvidenceFile.sha256).where(EvidenceFile.kind == "ad"))
        ads = {r.path: r.sha256 for r in rows}
    cropped, seen = 0, 0
    for obs in crawled["visits"].values():
        for frame in obs.ad_frames:
            in_view = frame.width >= 20 and frame.height >= 20 and frame.y < 600 and frame.x < 1280
            seen += in_view
            if frame.crop:
                cropped += 1
                assert frame.crop in ads
                with Image.open(store.screenshots / frame.crop) as image:
                    assert image.width >= 20 and image.height >= 20
    assert seen >= 5 and cropped >= seen * 0.8, (cropped, seen)


def test_reanalyze_recomputes_findings_when_the_data_changes(crawled, tmp_path):
    """Without crawling again: the same data gives the same findings; a network taken out of the data
    becomes unknown:<click server>; put back, the findings come back."""
    import shutil

    from moneytrail.attribution.signatures import DEFAULT_DIR

    db = crawled["store"].url
    before = (export_all(db, tmp_path / "before") / "links.csv").read_text()
    assert run_cli("reanalyze", "--db", db, "--no-progress").returncode == 0
    assert (export_all(db, tmp_path / "same") / "links.csv").read_text() == before
    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DIR, data)
    text = (data / "networks.toml").read_text()
    start = text.index('[[networks]]\nname = "HilltopAds"')
    (data / "networks.toml").write_text(text[:start] + text[text.index("[[networks]]", start + 10) :])
    try:
        changed = run_cli("reanalyze", "--db", db, "--data", str(data), "--no-progress", "--since", "2000-01-01")
        assert changed.returncode == 0 and "visit(s)" in changed.stdout, changed.stderr
        after = (export_all(db, tmp_path / "after", "--data", str(data)) / "links.csv").read_text()
        assert "HilltopAds" in before and "HilltopAds" not in after and "unknown:hilltopads.com" in after
    finally:
        assert run_cli("reanalyze", "--db", db, "--no-progress").returncode == 0
    assert (export_all(db, tmp_path / "back") / "links.csv").read_text() == before


@pytest.mark.parametrize("cloaking", ["webdriver", "detectors"])
def test_cloaking_is_seen_through(crawled, truth, sandbox, chromium_path, cloaking):
    """The crawl sees the tags of a site that cloaks on `navigator.webdriver`, and of one that shows them only
    when BotD and devtools-detect (from npm) take the visitor for a person; a plain automated browser sees
    neither."""
    site = next(s for s in truth["sites"] if cloaking in s["cloaking"])
    tag_hosts = {r["host"] for r in site["requests"]}
    assert tag_hosts and tag_hosts <= _visits(crawled, site)["home"].hosts()
    plain = asyncio.run(sandbox_visit(sandbox.address, chromium_path, site["url"], stealth=False))
    assert plain.status == "ok" and not plain.hosts() & tag_hosts


def test_the_exposure_report_counts_the_sandbox_brands_as_mainstream(crawled, world, tmp_path):
    """With the sandbox's brand list, the exposure report's mainstream share is the share of the crawl's ads
    that went to the world's mainstream advertisers (non-zero); its methodology names the crawl; revenue is
    a range."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from moneytrail.crawler.store.schema import FindingLink
    from moneytrail.sandbox.cli import brand_list

    brands = tmp_path / "sandbox-brands.toml"
    brands.write_text(brand_list(world))
    month = datetime.now(UTC).strftime("%Y-%m")
    store = crawled["store"]
    done = run_cli(
        "report", "exposure", "--period", month, "--brands", brands, "-f", "json", "--db", store.url, "--out",
        tmp_path, env={"MONEYTRAIL_HOME": str(crawled["home"])},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / f"exposure-{month}.json").read_text())
    figures = {f["key"]: f["value"] for f in report["figures"]}
    mainstream = {a.domain for a in world.advertisers.values() if a.category == "mainstream"}
    with store.session() as s:
        advertisers = list(s.scalars(select(FindingLink.advertiser)))
    seen = mainstream & set(advertisers)
    assert seen, "the crawl followed no ad of a mainstream brand of the sandbox"
    assert figures["mainstream"] == pytest.approx(sum(a in mainstream for a in advertisers) / len(advertisers))
    categories = {row["advertiser"]: row["category"] for row in report["tables"]["advertisers"]}
    assert {a for a, c in categories.items() if c == "mainstream"} == seen
    how = {row["what"]: row["how"] for row in report["tables"]["methodology"]}
    assert how["crawls"].startswith("1 crawl runs") and "sandbox-brands.toml: 3 brands" in " ".join(
        row["how"] for row in report["tables"]["methodology"] if row["what"] == "brand list"
    )
    assert 0 < figures["revenue_low"] < figures["revenue_high"]
