"""The raw tables for an analyst's own tools: `moneytrail export parquet` (one file a table, the schema the
README documents, rows streamed from the observations, --run and --since) and `moneytrail browse` (the
companion database Datasette reads, its metadata and canned queries, screenshots shown as images and only
those inside the screenshots folder; PostgreSQL stores refused with a clear message)."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from moneytrail.attribution.findings import ChainHop, Findings, Link, Miner, NetworkHit, PublisherId
from moneytrail.cli import main
from moneytrail.crawler.config import CrawlConfig
from moneytrail.crawler.observation import Hop, Observation, RequestRecord, WindowRecord
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.adstxt import write_adstxt
from moneytrail.crawler.store.findings import Scope
from moneytrail.crawler.store.runs import start_run
from moneytrail.crawler.store.visits import write_visit
from moneytrail.crawler.store.watchlists import import_watchlist, watchlist_sites
from moneytrail.crawler.watchlist import Entry
from moneytrail.reports import browse
from moneytrail.reports.datasette_plugin import image_cell
from moneytrail.reports.raw_tables import TABLES, write_parquet

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
HOSTILE_TITLE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
CHAIN = ["https://click.popads.test/c?z=1", "https://broker.test/r", "https://casino.test/lp"]


def observation(uid: str, site: str, day: str, *, window: bool) -> Observation:
    obs = Observation(
        uid,
        f"https://{site}/",
        site,
        "home",
        f"{day}T12:00:00+00:00",
        final_url=f"https://{site}/",
        final_site=site,
        title=HOSTILE_TITLE,
        profile={"name": "desktop-fr", "country": "FR"},
        screenshot=f"{uid}.png",
    )
    obs.requests = [
        RequestRecord(0, f"https://{site}/", "GET", "document", 0, 0, True, 0, 0.0, status=200, mime="text/html"),
        RequestRecord(1, "https://c.popads.test/pop.js", "GET", "script", 0, 0, False, 0, 0.5, initiator="x"),
        RequestRecord(2, "https://c.popads.test/beacon", "POST", "xhr", 0, 0, False, 1, 0.9, failure="net::ERR"),
    ]
    if window:
        hops = [Hop(CHAIN[0], "open"), Hop(CHAIN[1], "http", status=302, at=1.2), Hop(CHAIN[2], "js", at=1.9)]
        obs.windows = [
            WindowRecord(1, "popup", 2, 1.1, 0, hops, CHAIN[2], HOSTILE_TITLE, screenshot=f"{uid}-landing.png")
        ]
    return obs


def findings(site: str, *, ad: bool, miner: bool) -> Findings:
    chain = [ChainHop("popads.test", "open", "network"), ChainHop("broker.test", "http", "broker")]
    chain.append(ChainHop("casino.test", "http", "advertiser"))
    links = [Link("PopAds", "casino.test", "popunder", "gambling", ["broker.test"], chain, CHAIN[2], "Win", 1)]
    return Findings(
        site,
        [NetworkHit("PopAds", "host", "c.popads.test")],
        links if ad else [],
        [Miner("Coinhive", "key123", None, "wss://pool.test/", ["pool_auth", "wasm"])] if miner else [],
        [PublisherId("popads_site_id", "4242", "inline", "PopAds")],
    )


# (uid, site, day, run, a window and an ad?, a miner?)
VISITS = [
    ("v0", "a.test", "2026-09-20", 1, True, False),
    ("v1", "b.test", "2026-10-05", 2, True, True),
    ("v2", "c.test", "2026-10-06", 2, False, False),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    home = tmp_path_factory.mktemp("raw")
    store = open_store(f"sqlite:///{home / 'r.db'}", home / "shots")
    import_watchlist(
        store, "w", [Entry(f"https://{d}/", d, i + 1) for i, d in enumerate(("a.test", "b.test", "c.test"))]
    )
    wl, sites = watchlist_sites(store, "w")
    ids = {s.domain: s.id for s in sites}
    runs = [start_run(store, CrawlConfig(wl.name), wl.id, 3, {}) for _ in range(2)]
    for uid, site, day, run, ad, miner in VISITS:
        shots = {f"{uid}.png": PNG, **({f"{uid}-landing.png": PNG} if ad else {})}
        write_visit(
            store,
            observation(uid, site, day, window=ad),
            run_id=runs[run - 1],
            site_id=ids[site],
            screenshots=shots,
            findings=findings(site, ad=ad, miner=miner),
        )
    adstxt = Findings("a.test", [NetworkHit("PopAds", "adstxt", "popads.test")], [], [], [])
    adstxt.ids.append(PublisherId("adstxt_account", "popads.test:4242", "adstxt", "PopAds"))
    write_adstxt(
        store, run_id=runs[0], site_id=ids["a.test"], domain="a.test", kind="ads.txt", url="https://a.test/ads.txt",
        outcome="ok", body="popads.test, 4242, DIRECT\n", findings=adstxt,
    )  # fmt: skip
    return store


def read(folder: Path, name: str) -> list[dict]:
    return pq.read_table(folder / f"{name}.parquet").to_pylist()


@pytest.fixture(scope="module")
def exported(store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("parquet")
    written = write_parquet(store, Scope(), folder)
    return folder, written


def test_every_table_is_one_parquet_file_with_its_schema_and_rows(exported):
    folder, written = exported
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{name}.parquet" for name in TABLES)
    for name, table in TABLES.items():
        assert pq.read_schema(folder / f"{name}.parquet").equals(table.schema()), name
    counts = {name: pq.read_metadata(folder / f"{name}.parquet").num_rows for name in TABLES}
    assert counts == written.rows
    # 3 visits, 3 requests each, 2 windows of 3 hops, 2 ads, 3 sightings + 1 from ads.txt, 3 ids + 1, 1 miner
    assert counts == {
        "visits": 3, "requests": 9, "windows": 2, "hops": 6, "links": 2, "networks": 4, "ids": 4, "miners": 1,
    }  # fmt: skip
    assert written.unreadable == []


def test_rows_carry_what_the_visits_saw(exported):
    folder, _ = exported
    visits = {v["uid"]: v for v in read(folder, "visits")}
    v1 = visits["v1"]
    assert (v1["site"], v1["run_id"], v1["status"], v1["profile"], v1["country"]) == (
        "b.test",
        2,
        "ok",
        "desktop-fr",
        "FR",
    )
    assert v1["started_at"] == datetime(2026, 10, 5, 12, tzinfo=UTC)
    assert v1["title"] == HOSTILE_TITLE  # page text stays plain text
    assert v1["screenshot"] == "run-2/v1.png" and v1["n_requests"] == 3 and v1["n_windows"] == 1
    requests = [r for r in read(folder, "requests") if r["visit_id"] == v1["visit_id"]]
    assert [(r["request_id"], r["host"], r["method"], r["status"]) for r in requests] == [
        (0, "b.test", "GET", 200),
        (1, "c.popads.test", "GET", None),
        (2, "c.popads.test", "POST", None),
    ]
    assert requests[2]["failure"] == "net::ERR" and requests[0]["navigation"] is True
    (window,) = [w for w in read(folder, "windows") if w["visit_id"] == v1["visit_id"]]
    assert (window["kind"], window["first_url"], window["landing_site"], window["hops"]) == (
        "popup",
        CHAIN[0],
        "casino.test",
        3,
    )
    assert window["screenshot"] == "run-2/v1-landing.png"
    hops = [h for h in read(folder, "hops") if h["visit_id"] == v1["visit_id"]]
    assert [(h["window_id"], h["hop"], h["url"], h["via"], h["status"]) for h in hops] == [
        (0, 0, CHAIN[0], "open", None),
        (0, 1, CHAIN[1], "http", 302),
        (0, 2, CHAIN[2], "js", None),
    ]
    (link,) = [row for row in read(folder, "links") if row["visit_id"] == v1["visit_id"]]
    assert link["chain"] == "popads.test > broker.test > casino.test" and link["brokers"] == "broker.test"
    (miner,) = read(folder, "miners")
    assert (miner["visit_id"], miner["signals"]) == (v1["visit_id"], "pool_auth;wasm")
    from_file = [n for n in read(folder, "networks") if n["visit_id"] is None]
    assert [(n["evidence"], n["adstxt_id"]) for n in from_file] == [("adstxt", 1)]


def test_run_and_since_keep_their_visits_and_what_hangs_on_them(store, tmp_path):
    def rows(scope: Scope) -> dict[str, list[dict]]:
        write_parquet(store, scope, tmp_path)
        return {name: read(tmp_path, name) for name in TABLES}

    run_2 = rows(Scope(run=2))
    assert sorted(v["uid"] for v in run_2["visits"]) == ["v1", "v2"]
    kept = {v["visit_id"] for v in run_2["visits"]}
    for name in ("requests", "windows", "hops", "links", "miners"):
        assert run_2[name] and {r["visit_id"] for r in run_2[name]} <= kept, name
    assert all(r["visit_id"] is not None for r in run_2["networks"] + run_2["ids"])  # the ads.txt file is run 1's
    october = rows(Scope(since=datetime(2026, 10, 6, tzinfo=UTC)))
    assert [v["uid"] for v in october["visits"]] == ["v2"] and len(october["requests"]) == 3
    assert october["windows"] == [] and october["links"] == []


def test_an_empty_store_gives_every_file_with_its_schema_and_no_row(tmp_path):
    empty = open_store(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path / "shots")
    written = write_parquet(empty, Scope(), tmp_path / "out")
    for name, table in TABLES.items():
        read_back = pq.read_table(tmp_path / "out" / f"{name}.parquet")
        assert read_back.num_rows == 0 and read_back.schema.equals(table.schema()), name
    assert set(written.rows.values()) == {0}


def test_a_damaged_observation_costs_its_own_rows_only(tmp_path):
    damaged = open_store(f"sqlite:///{tmp_path / 'd.db'}", tmp_path / "shots")
    for uid in ("ok", "bad"):
        write_visit(damaged, observation(uid, "a.test", "2026-10-01", window=True), run_id=None, site_id=None)
    with sqlite3.connect(tmp_path / "d.db") as db:
        db.execute("UPDATE visits SET observation = x'00' WHERE uid = 'bad'")
    written = write_parquet(damaged, Scope(), tmp_path / "out")
    assert written.rows["visits"] == 2 and written.rows["requests"] == 3 and written.rows["hops"] == 3
    assert written.unreadable == [2]
    assert [v["site"] for v in read(tmp_path / "out", "visits")] == ["a.test", None]  # site_id null, blob lost


def duckdb_queries() -> list[str]:
    """The DuckDB commands the README gives for the Parquet files."""
    return re.findall(r'^duckdb -c "(.+)"$', (ROOT / "README.md").read_text(), re.M)


def test_the_readmes_duckdb_queries_run_on_an_export(exported, monkeypatch, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    folder, _ = exported
    (tmp_path / "out").symlink_to(folder)
    monkeypatch.chdir(tmp_path)
    queries = duckdb_queries()
    assert len(queries) >= 2
    assert duckdb.sql(queries[0]).fetchall() == [("PopAds", 2)]  # ads per network
    for query in queries[1:]:
        assert duckdb.sql(query).fetchall(), query


def test_the_readme_documents_every_column():
    """README, "Raw tables": a table per file, its columns with their types and meanings, as TABLES says."""
    text = (ROOT / "README.md").read_text()
    for name, table in TABLES.items():
        section = re.search(rf"^`{name}\.parquet`.*?\n\n(\|.*?)(?:\n\n|\Z)", text, re.M | re.S)
        assert section, name
        rows = [line.split(" | ") for line in section.group(1).splitlines()[2:]]
        documented = [(r[0].strip("| `"), r[1].strip(), r[2].strip(" |")) for r in rows]
        assert documented == [(c.name, str(c.type), c.meaning) for c in table.columns], name


# --- browse --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def companion(store, exported, tmp_path_factory):
    path = tmp_path_factory.mktemp("browse") / browse.COMPANION
    written = browse.build_companion(store, path)
    assert written.rows == exported[1].rows  # the same rows as the Parquet files
    return path


def datasette_get(companion: Path, store, path: str):
    instance = browse.datasette(companion, browse.metadata(store.screenshots))
    return asyncio.run(instance.client.get(path))


def test_the_companion_holds_every_table_with_the_exports_rows(companion, exported):
    with sqlite3.connect(companion) as db:
        counts = {name: db.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES}
        hops = db.execute("SELECT url FROM hops WHERE window_id = 0 ORDER BY visit_id, hop LIMIT 3").fetchall()
        started = db.execute("SELECT started_at FROM visits ORDER BY visit_id").fetchone()[0]
    assert counts == exported[1].rows
    assert [h[0] for h in hops] == CHAIN and started == "2026-09-20T12:00:00+00:00"


def test_the_metadata_has_facets_descriptions_and_the_canned_queries(store):
    meta = browse.metadata(store.screenshots)
    database = meta["databases"][browse.DATABASE]
    assert set(database["queries"]) == {"ads_of_a_network", "sites_of_an_operator", "chains_of_a_site"}
    assert ":network" in database["queries"]["ads_of_a_network"]["sql"]
    assert ":id_value" in database["queries"]["sites_of_an_operator"]["sql"]
    assert ":site" in database["queries"]["chains_of_a_site"]["sql"]
    tables = database["tables"]
    assert set(tables) == set(TABLES)
    assert {"network", "category", "kind", "site"} <= set(tables["links"]["facets"])
    assert "status" in tables["visits"]["facets"] and "kind" in tables["windows"]["facets"]
    for name, table in tables.items():
        assert set(table["facets"]) <= {c.name for c in TABLES[name].columns}, name
        assert all(f"<dt>{c.name}</dt>" in table["description_html"] for c in TABLES[name].columns), name
    assert meta["plugins"][browse.PLUGIN]["folder"] == str(store.screenshots)


@pytest.mark.slow
def test_the_canned_queries_answer_through_datasette(companion, store):
    def rows(query: str) -> list[dict]:
        response = datasette_get(companion, store, f"/{browse.DATABASE}/{query}&_shape=array")
        assert response.status_code == 200, response.text[:500]
        return response.json()

    ads = rows("ads_of_a_network.json?network=popads")  # any case
    assert [(a["site"], a["advertiser"], a["visit"]) for a in ads] == [
        ("b.test", "casino.test", "v1"),
        ("a.test", "casino.test", "v0"),
    ]
    sites = rows("sites_of_an_operator.json?id_value=4242")
    assert [(s["site"], s["visits"]) for s in sites] == [("a.test", 1), ("b.test", 1), ("c.test", 1)]
    assert [s["site"] for s in rows("sites_of_an_operator.json?id_value=adstxt_account:popads.test:4242")] == ["a.test"]
    chain = rows("chains_of_a_site.json?site=b.test")
    assert [(c["hop"], c["url"], c["screenshot"]) for c in chain] == [
        (0, CHAIN[0], None),
        (1, CHAIN[1], None),
        (2, CHAIN[2], "run-2/v1-landing.png"),
    ]
    page = datasette_get(companion, store, f"/{browse.DATABASE}/windows")
    assert page.status_code == 200
    assert '<img src="/screenshots/run-1/v0-landing.png"' in page.text  # the landing page, as an image
    assert "<script>alert(1)" not in page.text  # a page's title is text
    shot = datasette_get(companion, store, "/screenshots/run-1/v0-landing.png")
    assert shot.status_code == 200 and shot.content == PNG
    assert datasette_get(companion, store, "/screenshots/..%2Fr.db").status_code == 404


def test_a_screenshot_cell_is_an_image_of_a_file_inside_the_folder_only(tmp_path):
    folder = tmp_path / "shots"
    (folder / "run-1").mkdir(parents=True)
    (folder / "run-1" / "a.png").write_bytes(PNG)
    (folder / 'x"><b>.png').write_bytes(PNG)
    (tmp_path / "outside.png").write_bytes(PNG)
    (folder / "run-1" / "link.png").symlink_to(tmp_path / "outside.png")
    cell = image_cell("run-1/a.png", folder, "/screenshots")
    assert str(cell).startswith('<a href="/screenshots/run-1/a.png"><img src="/screenshots/run-1/a.png"')
    hostile = str(image_cell('x"><b>.png', folder, "/screenshots"))
    assert "<b>" not in hostile and "x%22%3E%3Cb%3E.png" in hostile and 'alt="x&#34;&gt;&lt;b&gt;.png"' in hostile
    for refused in ("run-1/../run-1/a.png", "../outside.png", str(folder / "run-1" / "a.png"), "run-1/link.png"):
        assert image_cell(refused, folder, "/screenshots") is None, refused
    for not_an_image in ("run-1/missing.png", "run-1\\a.png", "", None, 42):
        assert image_cell(not_an_image, folder, "/screenshots") is None


# --- the commands --------------------------------------------------------------------------------------------


def cli(*args) -> int:
    """Run `moneytrail ARGS` in this process (the command's own code, its errors turned into messages): its exit
    status."""
    with pytest.raises(SystemExit) as stop:
        main([str(a) for a in args])
    return stop.value.code or 0


def test_export_parquet_command_writes_the_files_of_a_run(store, tmp_path, capsys):
    assert cli("export", "parquet", "--out", tmp_path, "--run", 1, "--db", store.url) == 0
    assert [v["uid"] for v in read(tmp_path, "visits")] == ["v0"]
    assert "visits: 1 row(s)" in capsys.readouterr().err
    assert cli("export", "parquet", "--since", "Tuesday", "--db", store.url, "--out", tmp_path) == 2
    assert "not a date" in capsys.readouterr().err
    assert cli("export", "parquet", "--db", store.url) == 2
    assert "give --out DIR" in capsys.readouterr().err


def test_browse_metadata_only_writes_the_metadata_and_the_companion(store, tmp_path, capsys):
    assert cli("browse", "--db", store.url, "--metadata-only", tmp_path / "meta.json") == 0
    meta = json.loads((tmp_path / "meta.json").read_text())
    assert "chains_of_a_site" in meta["databases"][browse.DATABASE]["queries"]
    companion = Path(store.url.removeprefix("sqlite:///")).with_name(browse.COMPANION)
    with sqlite3.connect(companion) as db:
        assert db.execute("SELECT count(*) FROM visits").fetchone()[0] == len(VISITS)


def test_browse_refuses_a_postgresql_store_with_a_clear_message(capsys):
    assert cli("browse", "--db", "postgresql+psycopg://analyst:s3cret@db.example/moneytrail", "--no-open") == 2
    said = capsys.readouterr().err
    assert "Datasette reads SQLite files only" in said and "export parquet" in said
    assert "s3cret" not in said and "Traceback" not in said
