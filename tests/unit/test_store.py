"""The store: Alembic migrations from the first table, SQLite in WAL mode, one transaction per visit,
observations read back exactly as written, screenshot names that cannot escape their folder."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from moneytrail.crawler.config import CrawlConfig
from moneytrail.crawler.observation import Hop, Observation, RequestRecord, WasmModule, WindowRecord
from moneytrail.crawler.store import open_store, redact
from moneytrail.crawler.store.db import head_revision
from moneytrail.crawler.store.runs import RunIsLive, beat, finish_run, resume_run, run_info, start_run
from moneytrail.crawler.store.schema import FindingLink, Request, Run, Visit, Window
from moneytrail.crawler.store.visits import load_observations, write_visit
from moneytrail.crawler.store.watchlists import import_watchlist, watchlist_sites
from moneytrail.crawler.watchlist import Entry


def sample(uid="v1") -> Observation:
    obs = Observation(
        visit_id=uid,
        url="https://a.test/",
        site="a.test",
        page_kind="home",
        started_at="2026-11-23T10:00:00+00:00",
        final_url="https://a.test/",
        final_site="a.test",
        screenshot=f"{uid}.jpg",
    )
    obs.requests = [
        RequestRecord(0, "https://a.test/", "GET", "document", 0, 0, True, 1, 0.0, status=200),
        RequestRecord(
            1,
            "https://ads.test/x.js",
            "GET",
            "script",
            0,
            0,
            False,
            1,
            0.2,
            initiator="https://a.test/",
            initiator_type="parser",
        ),
    ]
    obs.windows = [
        WindowRecord(
            1,
            "popup",
            3,
            4.0,
            0,
            [Hop("https://click.test/c", "open"), Hop("https://adv.test/lp", "http", status=200)],
            landing_url="https://adv.test/lp",
            screenshot=f"{uid}-w1.jpg",
        )
    ]
    obs.wasm = [WasmModule("ab" * 32, 100, "network", "https://m.test/x.wasm", exports=["a"])]
    return obs


def test_migrations_wal_and_round_trip(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'm.db'}", tmp_path / "shots")
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "alembic_version",
        "watchlists",
        "sites",
        "runs",
        "visits",
        "requests",
        "windows",
        "adstxt",
        "finding_networks",
        "finding_links",
        "finding_miners",
        "finding_ids",
    } <= tables
    with sqlite3.connect(tmp_path / "m.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
    run = start_run(store, CrawlConfig("w"), None, 1, {})
    obs = sample()
    write_visit(store, obs, run_id=run, site_id=None, screenshots={"v1.jpg": b"\xff\xd8a", "v1-w1.jpg": b"\xff\xd8b"})
    finish_run(store, run, "finished", {"visits": 1})
    back = load_observations(open_store(store.url, tmp_path / "shots"))  # reopening migrates nothing twice
    assert back == [obs]
    assert obs.screenshot == f"run-{run}/v1.jpg" and (tmp_path / "shots" / obs.screenshot).read_bytes() == b"\xff\xd8a"
    with store.session() as s:
        assert s.scalar(select(func.count(Request.id))) == 2
        window = s.scalars(select(Window)).one()
        assert window.landing_site == "adv.test" and window.hops[1]["via"] == "http"


def test_a_visit_is_written_whole_or_not_at_all(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "shots")
    write_visit(store, sample("same"), run_id=None, site_id=None)
    with pytest.raises(IntegrityError):
        write_visit(store, sample("same"), run_id=None, site_id=None)  # the uid is unique: the second fails
    with store.session() as s:
        assert s.scalar(select(func.count(Visit.id))) == 1
        assert s.scalar(select(func.count(Request.id))) == 2  # none of the failed visit's rows


def test_screenshot_names_stay_in_their_folder(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path / "shots")
    obs = sample("v2")
    obs.screenshot = "../../evil.jpg"
    run = start_run(store, CrawlConfig("w"), None, 1, {})
    write_visit(store, obs, run_id=run, site_id=None, screenshots={"../../evil.jpg": b"x"})
    assert not (tmp_path / "evil.jpg").exists()
    assert (tmp_path / "shots" / f"run-{run}" / "evil.jpg").exists() and obs.screenshot == f"run-{run}/evil.jpg"


def test_passwords_are_redacted():
    assert redact("postgresql+psycopg://user:hunter2@db:5432/mt") == "postgresql+psycopg://user:***@db:5432/mt"
    # secrets in the query (libpq's password, sslpassword, passfile), percent-encoded or not
    assert (
        redact("postgresql://db/mt?password=s3cr%40t&sslmode=require")
        == "postgresql://db/mt?password=***&sslmode=require"
    )
    assert "abc" not in redact("postgresql://u@db/mt?sslpassword=abc&passfile=/home/x/.pgpass")
    assert redact("redis://:tok3n@r:6379/0") == "redis://:***@r:6379/0"
    from moneytrail.crawler.proxies import browser_proxy, redact_proxy

    assert redact_proxy("http://analyst-country-fr:p%40ss@proxy:8080") == "http://analyst-country-fr:***@proxy:8080"
    assert browser_proxy("http://u:p%40ss@proxy:8080") == {
        "server": "http://proxy:8080",
        "username": "u",
        "password": "p@ss",
    }


def test_the_migrations_build_exactly_the_models(tmp_path):
    """schema.py is the source of truth: the migrated database must not differ from it (hand-written
    migrations drift silently otherwise)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from moneytrail.crawler.store.schema import Base

    store = open_store(f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "shots")
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


@pytest.mark.slow
def test_a_store_that_cannot_open_never_prints_its_secrets(tmp_path):
    """The error names the store and the cause, without the password of the URL or of its query."""
    from helpers import run_cli

    for url in (
        "postgresql+nosuchdriver://mt:Hunter2Secret@db.invalid/mt",
        "postgresql://mt@127.0.0.1:9/mt?password=Hunter2Secret&connect_timeout=1",
    ):
        for how in (["--db", url], []):
            result = run_cli("runs", *how, env={"MONEYTRAIL_DB": url, "MONEYTRAIL_HOME": str(tmp_path)})
            assert result.returncode == 2, result.stderr
            assert "cannot open the store" in result.stderr and "Traceback" not in result.stderr
            assert "Hunter2Secret" not in result.stderr + result.stdout, result.stderr


def test_observations_stored_before_windows_were_cut_into_ads_still_load(tmp_path):
    """Schema 2 had no overlays and no `previous` on windows: such a stored visit loads as it was (one window a
    page, no overlays) and is attributed; a schema 3 visit keeps both."""
    import json
    import zlib

    from moneytrail.attribution.attribute import attribute
    from moneytrail.attribution.signatures import load
    from moneytrail.crawler.observation import SCHEMA, Overlay
    from moneytrail.crawler.store.visits import pack, unpack

    old = sample("old").to_dict()
    del old["overlays"]
    for window in old["windows"]:
        del window["previous"]
    old["schema"] = 2
    back = unpack(zlib.compress(json.dumps(old).encode()))
    assert back.schema == 2 and back.overlays == [] and back.windows[0].previous is None
    assert [link.advertiser for link in attribute(back, load()).links] == ["adv.test"]

    new = sample("new")
    new.windows.append(WindowRecord(1, "popup", 4, 9.0, 0, [Hop("https://adv2.test/lp", "js")], previous=0))
    new.overlays.append(Overlay(10, 20, 300, 90, "fixed", "", "", "New message", 1, "https://p.test/t.js", [], 2.0, 5))
    assert unpack(pack(new)) == new and new.schema == SCHEMA == 7
    store = open_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path / "shots")
    write_visit(store, new, run_id=None, site_id=None)
    (stored,) = load_observations(store)
    assert stored.windows[1].previous == 0 and stored.overlays[0].step == 5


def test_observations_stored_before_consent_was_recorded_still_load(tmp_path):
    """Schema 3 had no `consent`: such a visit loads with `consent` None and is attributed; a schema 4 visit keeps
    its CMPs through the store."""
    import json
    import zlib

    from moneytrail.attribution.attribute import attribute
    from moneytrail.attribution.signatures import load
    from moneytrail.crawler.observation import Consent, ConsentCmp
    from moneytrail.crawler.store.visits import pack, unpack

    old = sample("old").to_dict()
    del old["consent"]
    old["schema"] = 3
    back = unpack(zlib.compress(json.dumps(old).encode()))
    assert back.schema == 3 and back.consent is None
    assert [link.advertiser for link in attribute(back, load()).links] == ["adv.test"]

    new = sample("new")
    new.consent = Consent("accept", "@duckduckgo/autoconsent 16.23.0", waited=1.2)
    cmp = ConsentCmp("quantcast", 0, "https://p.test/", True, 0.9, 2, 1.0, True, 1.1, False, 1, "done")
    new.consent.cmps.append(cmp)
    assert unpack(pack(new)) == new
    store = open_store(f"sqlite:///{tmp_path / 's.db'}", tmp_path / "shots")
    write_visit(store, new, run_id=None, site_id=None)
    (stored,) = load_observations(store)
    assert stored.consent == new.consent and stored.consent.outcome() == "accepted"
    from moneytrail.crawler.store.schema import Visit

    with store.session() as s:
        assert [(v.consent, v.consent_cmp) for v in s.query(Visit)] == [("accepted", "quantcast")]


def test_a_live_run_is_resumed_only_by_the_workers_that_share_it(tmp_path):
    """A run another live process crawls cannot be resumed (its sites would be visited twice), but the
    workers of a queue share one run by design: each of them takes it up while the others beat."""
    store = open_store(f"sqlite:///{tmp_path / 'live.db'}", tmp_path / "shots")
    import_watchlist(store, "w", [Entry("https://a.test/", "a.test", 1)])
    wl, _ = watchlist_sites(store, "w")
    run = start_run(store, CrawlConfig(wl.name), wl.id, 1, {})
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        beat(store, run)
        with store.session() as s, s.begin():
            s.execute(Run.__table__.update().where(Run.id == run).values(pid=other.pid))
        assert run_info(store, run).live and str(other.pid) in run_info(store, run).live
        with pytest.raises(RunIsLive):
            resume_run(store, run)
        resumed = resume_run(store, run, worker=True)
        assert resumed.visits == set() and run_info(store, run).live is None  # now this process crawls it
    finally:
        other.kill()
        other.wait()
    with store.session() as s, s.begin():
        s.execute(Run.__table__.update().where(Run.id == run).values(pid=other.pid))
    assert run_info(store, run).live is None  # a dead process crawls nothing: a plain resume goes on
    assert resume_run(store, run).run_id == run


def test_a_store_from_before_unclassified_calls_its_other_advertisers_unclassified(tmp_path):
    """Migration 0012: the advertisers no data classified were stored as "other"; they read "unclassified",
    as attribution now says, and the other categories are untouched."""
    from sqlalchemy import text

    from moneytrail.crawler.store.db import make_engine, migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    migrate(engine, "0011")
    with engine.begin() as db:
        db.execute(
            text("INSERT INTO visits (id, uid, url, page_kind, status, started_at, duration, profile, hostile, "
                 "n_requests, n_windows, n_websockets, n_wasm, schema, observation) VALUES (1, 'v', "
                 "'https://s.test/', 'home', 'ok', '2026-11-01', 1.0, '{}', '[]', 0, 0, 0, 0, 6, x'00')")
        )  # fmt: skip
        for n, category in enumerate(("other", "gambling", "other")):
            db.execute(
                text("INSERT INTO finding_links (visit_id, site, network, advertiser, kind, category, brokers, chain) "
                     "VALUES (1, 's.test', 'PopAds', :adv, 'popunder', :category, '[]', '[]')"),
                {"adv": f"a{n}.test", "category": category},
            )  # fmt: skip
    store = open_store(url, tmp_path / "shots")
    with store.engine.connect() as db:
        categories = sorted(db.execute(text("SELECT category FROM finding_links")).scalars())
    assert categories == ["gambling", "unclassified", "unclassified"]


def test_a_run_that_repeats_its_visits_resumes_each_repetition(tmp_path):
    """With --repeat, the stored visits say which repetition they are: a resume asks again only for the
    repetitions not stored, and follows each stored home visit of its own repetition."""
    store = open_store(f"sqlite:///{tmp_path / 'rep.db'}", tmp_path / "shots")
    import_watchlist(store, "w", [Entry("https://a.test/", "a.test", 1)])
    wl, sites = watchlist_sites(store, "w")
    run = start_run(store, CrawlConfig(wl.name, repeat=3), wl.id, 1, {})
    for rep, kind, url in (
        (0, "home", "https://a.test/"),
        (2, "home", "https://a.test/"),
        (2, "inner", "https://a.test/p"),
    ):
        obs = Observation(f"r{rep}{kind}", url, "a.test", kind, "2026-10-01T12:00:00+00:00", repetition=rep)
        write_visit(store, obs, run_id=run, site_id=sites[0].id)
    resumed = resume_run(store, run)
    assert set(resumed.homes) == {(sites[0].id, "default", 0), (sites[0].id, "default", 2)}
    assert (sites[0].id, "default", "https://a.test/p", 2) in resumed.visits
    assert (sites[0].id, "default", "https://a.test/p", 0) not in resumed.visits
    assert resumed.config.repeat == 3


def test_repeated_home_visits_are_every_combination_in_a_shuffled_order():
    from moneytrail.spiders.watchlist import home_visits

    sites, visitors = ["a", "b", "c", "d"], ["desktop", "phone"]
    assert home_visits(sites, visitors) == [(s, v, 0) for s in sites for v in visitors]  # no repeat: in order
    plan = home_visits(sites, visitors, 3, seed=7)
    assert sorted(plan) == sorted((s, v, r) for r in range(3) for s in sites for v in visitors)
    assert plan != sorted(plan, key=lambda x: (x[2], x[0], x[1]))  # not one round after the other


def test_landing_screenshots_of_ads_are_stored_with_their_folder(tmp_path):
    """An ad's landing screenshot is named with its run's folder, as its visit's and its window's are: the
    findings are made before the files are stored (crawls before migration 0014 stored the bare name, which
    reports could not find; the migration gives them their folder)."""
    from sqlalchemy import text

    from moneytrail.attribution.findings import Findings, Link
    from moneytrail.crawler.store.db import make_engine, migrate

    store = open_store(f"sqlite:///{tmp_path / 'new.db'}", tmp_path / "shots")
    import_watchlist(store, "w", [Entry("https://a.test/", "a.test", 1)])
    wl, sites = watchlist_sites(store, "w")
    run = start_run(store, CrawlConfig(wl.name), wl.id, 1, {})
    obs = Observation("v1", "https://a.test/", "a.test", "home", "2026-10-01T12:00:00+00:00", screenshot="v1.jpg")
    obs.windows = [WindowRecord(1, "popunder", 2, 0.0, landing_url="https://ad.test/", screenshot="v1-w1.jpg")]
    link = Link("PopAds", "ad.test", "popunder", "unclassified", page=1, screenshot="v1-w1.jpg")
    shots = {"v1.jpg": b"page", "v1-w1.jpg": b"landing"}
    write_visit(store, obs, run_id=run, site_id=sites[0].id, screenshots=shots, findings=Findings("a.test", [], [link]))
    with store.session() as s:
        (stored,) = s.scalars(select(FindingLink.screenshot)).all()
    assert stored == f"run-{run}/v1-w1.jpg" and (store.screenshots / stored).read_bytes() == b"landing"

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    migrate(engine, "0013")
    with engine.begin() as db:
        db.execute(
            text("INSERT INTO runs (id, started_at, state, profile, options, sites, counts) "
                 "VALUES (7, '2026-11-01', 'finished', '{}', '{}', 1, '{}')")
        )  # fmt: skip
        for n, run_id in ((1, 7), (2, None)):
            db.execute(
                text("INSERT INTO visits (id, uid, run_id, url, page_kind, status, started_at, duration, profile, "
                     "hostile, n_requests, n_windows, n_websockets, n_wasm, schema, observation) VALUES (:n, :uid, "
                     ":run, 'https://s.test/', 'home', 'ok', '2026-11-01', 1.0, '{}', '[]', 0, 0, 0, 0, 6, x'00')"),
                {"n": n, "uid": f"v{n}", "run": run_id},
            )  # fmt: skip
        for visit, shot in ((1, "v1-w1.jpg"), (2, "v2-w1.jpg"), (1, "run-7/done.jpg"), (1, None)):
            db.execute(
                text("INSERT INTO finding_links (visit_id, site, network, advertiser, kind, category, brokers, chain, "
                     "screenshot) VALUES (:v, 's.test', 'PopAds', 'a.test', 'popunder', 'adult', '[]', '[]', :shot)"),
                {"v": visit, "shot": shot},
            )  # fmt: skip
    store = open_store(url, tmp_path / "shots")
    with store.engine.connect() as db:
        names = list(db.execute(text("SELECT screenshot FROM finding_links ORDER BY id")).scalars())
    assert names == ["run-7/v1-w1.jpg", "no-run/v2-w1.jpg", "run-7/done.jpg", None]
