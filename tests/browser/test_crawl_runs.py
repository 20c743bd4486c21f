"""Crawls of the sandbox other than the whole-sandbox crawl of test_crawl.py (kept apart so that the two run
side by side): a protocol client caught by cloaking, a geo proxy with credentials, visitor profiles, a killed
crawl resumed, `scrapy crawl`, a renderer crash."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from helpers import ok_sites, run_cli, sandbox_visit, start_cli
from moneytrail.crawler.domains import site_of
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.visits import load_observations

pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]


def test_a_protocol_client_is_caught_but_not_the_crawl(truth, sandbox, chromium_path):
    """The detector-cloaking site also runs disable-devtool and the anti-bot vendors' console probe. Playwright
    with webdriver off and a real Chrome User-Agent passes BotD, but its protocol client (Runtime.enable) reads
    the logged Error again and the site hides its tags; moneytrail's visit is taken for a person by all."""
    from playwright.async_api import async_playwright

    from moneytrail.crawler.browser import QUIET_ARGS, STEALTH_ARGS
    from moneytrail.crawler.identity import identity

    site = next(s for s in truth["sites"] if "detectors" in s["cloaking"])

    async def verdict(page):
        await page.goto(site["url"])
        await page.wait_for_function("document.documentElement.dataset.cloaking", timeout=20000)
        return await page.evaluate("document.documentElement.dataset.cloaking")

    async def stealthy_playwright():
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=chromium_path, args=[*QUIET_ARGS, *STEALTH_ARGS], proxy={"server": sandbox.address}
            )
            try:
                ua = identity("linux", browser.version, None).user_agent
                context = await browser.new_context(user_agent=ua, ignore_https_errors=True)
                return await verdict(await context.new_page())
            finally:
                await browser.close()

    assert "protocol-client" in asyncio.run(stealthy_playwright()).split()
    visit = asyncio.run(sandbox_visit(sandbox.address, chromium_path, site["url"]))
    assert site["requests"] and {r["host"] for r in site["requests"]} <= visit.hosts()


def test_an_identity_that_does_not_hold_together_is_refused_the_ads(truth, sandbox, chromium_path, tmp_path):
    """The identity-cloaking site serves its tags only when the User-Agent, the client hints and `navigator`
    tell one story. Playwright as it comes (HeadlessChrome) and Playwright given a Chrome User-Agent alone (the
    usual stealth fix: the hints still tell otherwise) get none, with webdriver off; moneytrail's desktop visit
    and a visit with its Android profile get them."""
    from playwright.async_api import async_playwright

    from moneytrail.crawler.browser import QUIET_ARGS, STEALTH_ARGS
    from moneytrail.crawler.identity import identity

    site = next(s for s in truth["sites"] if "identity" in s["cloaking"])
    tags = {r["host"] for r in site["requests"] if "home" in r["pages"] and r["on"] == "load"}

    async def playwright_hosts(windows_ua: bool) -> set[str]:
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=chromium_path, args=[*QUIET_ARGS, *STEALTH_ARGS], proxy={"server": sandbox.address}
            )
            try:
                ua = identity("linux", browser.version, None).user_agent.replace("X11; Linux x86_64", "Windows NT 10.0")
                context = await browser.new_context(user_agent=ua if windows_ua else None, ignore_https_errors=True)
                page, hosts = await context.new_page(), set()
                page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname))
                await page.goto(site["url"])
                await page.wait_for_timeout(2000)
                return hosts
            finally:
                await browser.close()

    plain = asyncio.run(playwright_hosts(False))
    assert tags and urlsplit(site["url"]).hostname in plain and not plain & tags
    assert not asyncio.run(playwright_hosts(True)) & tags
    assert tags <= asyncio.run(sandbox_visit(sandbox.address, chromium_path, site["url"])).hosts()
    (tmp_path / "profiles.toml").write_text('[profiles.phone]\ndevice = "android"\nlocale = "en-US"\n')
    done = run_cli(
        "crawl", "--url", site["url"], "--proxy", sandbox.address, "--profiles", tmp_path / "profiles.toml",
        "--profile", "phone", "--log", tmp_path / "phone.log", home=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    (store,) = (tmp_path / "debug").glob("debug-*/debug.db")
    (phone,) = load_observations(open_store(f"sqlite:///{store}", tmp_path / "shots"))
    assert phone.profile["device"] == "android" and tags <= phone.hosts(), (phone.profile, phone.hosts())


@contextmanager
def geo_sandbox(world, truth: dict, tmp_path: Path):
    """The sandbox behind a geo proxy that asks for credentials, and a watchlist of its two sites whose ads
    change with the visitor's country and language: (running server, its host:port, the country site, the
    language site, the watchlist)."""
    from moneytrail.sandbox.build import build_app
    from moneytrail.sandbox.server import SandboxServer, SandboxThread

    by_country = next(s for s in truth["sites"] if "country" in s["cloaking"])
    by_language = next(s for s in truth["sites"] if "language" in s["cloaking"])
    server = SandboxServer(build_app(world), tmp_path / "sandbox", require_proxy_auth=True)
    with SandboxThread(server) as running:
        watchlist = tmp_path / "two.txt"
        watchlist.write_text(f"{by_country['url']}\n{by_language['url']}\n")
        yield running, running.address.split("://", 1)[1], by_country, by_language, watchlist


def test_proxy_with_credentials_country_and_language(tmp_path, world, truth, chromium_path):
    """A geo proxy's credentials, given as $MONEYTRAIL_PROXY (the way that keeps the password off the process
    listing: issue 15, item 17), reach the browser and the plain requests alike; the password never reaches the
    log or the store; country and language change the ads."""

    def landing(site, **when):
        return next(link["landing"] for link in site["links"] if link["when"] == when)

    with geo_sandbox(world, truth, tmp_path) as (running, host_port, by_country, by_language, watchlist):
        db = f"sqlite:///{tmp_path / 'geo.db'}"
        result = run_cli(
            "crawl",
            "-w",
            str(watchlist),
            "--db",
            db,
            "--locale",
            "de-DE",
            "--pages",
            "1",
            "--no-progress",
            "--log",
            str(tmp_path / "geo.log"),
            env={
                "MONEYTRAIL_HOME": str(tmp_path),
                "MONEYTRAIL_PROXY": f"http://analyst-country-fr:s3cr3t-pw@{host_port}",
            },
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert not any("s3cr3t" in arg for arg in result.args)  # nothing on the command line
        others = {
            "de": asyncio.run(
                sandbox_visit(
                    running.address, chromium_path, by_country["inner_pages"][0], username="analyst-country-de"
                )
            ),
            None: asyncio.run(
                sandbox_visit(running.address, chromium_path, by_country["inner_pages"][0], username="analyst")
            ),
            "fr-FR": asyncio.run(
                sandbox_visit(running.address, chromium_path, by_language["url"], locale="fr-FR", username="analyst")
            ),
            "en-US": asyncio.run(sandbox_visit(running.address, chromium_path, by_language["url"], username="analyst")),
        }
    store = open_store(db, tmp_path / "shots")
    observations = load_observations(store)
    landings = lambda obs: {w.landing_url for w in obs.windows}
    fr_inner = next(o for o in observations if o.url == by_country["inner_pages"][0])
    assert landing(by_country, country="fr") in landings(fr_inner)
    assert landing(by_country, country="de") in landings(others["de"])
    assert landing(by_country, country="other") in landings(others[None])
    de_home = next(o for o in observations if o.url == by_language["url"])
    assert landing(by_language, language="de") in landings(de_home)
    assert landing(by_language, language="fr") in landings(others["fr-FR"])
    assert landing(by_language, language="other") in landings(others["en-US"])
    from sqlalchemy import select

    from moneytrail.crawler.store.schema import AdsTxt, Run

    with store.session() as s:
        fetched = list(s.scalars(select(AdsTxt)))
        options = s.scalars(select(Run)).one().options
    assert fetched and all(a.outcome != "failed" for a in fetched if a.kind != "sellers.json")
    assert "s3cr3t-pw" not in json.dumps(options) and "analyst-country-fr" in options["proxy"]
    assert "s3cr3t-pw" not in (tmp_path / "geo.log").read_text() + result.stdout + result.stderr
    # nor any report, export, the store's file or what the commands print (issue 15: secrets)
    outputs = tmp_path / "outputs"
    for args in (
        ("report", "exposure", "--period", "this-year", "-f", "html", "-f", "csv", "-o", outputs / "exposure"),
        ("export", "links", "-f", "json", "-o", outputs / "links"),
        ("export", "wacz", "--run", "1", "-o", outputs / "wacz"),
        ("runs",),
    ):
        said = run_cli(*args, "--db", db, home=tmp_path)
        assert said.returncode == 0, (args, said.stderr[-2000:])
        assert "s3cr3t-pw" not in said.stdout + said.stderr, args
    written = [f for f in outputs.rglob("*") if f.is_file()] + [tmp_path / "geo.db"]
    assert len(written) > 3 and not [f for f in written if b"s3cr3t-pw" in unpacked(f)], written
    # attribution follows the targeting: the French visitor's and the German speaker's advertisers
    from moneytrail.crawler.store.schema import FindingLink

    with store.session() as s:
        found = {(f.site, f.network, f.advertiser) for f in s.scalars(select(FindingLink))}
    for site, when in ((by_country, {"country": "fr"}), (by_language, {"language": "de"})):
        want = {(site["domain"], link["network"], link["advertiser"]) for link in site["links"] if link["when"] == when}
        assert want and want <= found, (want, found)


def unpacked(path: Path) -> bytes:
    """A file's bytes, a zip's (a WACZ) as its members' bytes, each gzip member (a WARC) decompressed."""
    import gzip
    import zipfile

    if not zipfile.is_zipfile(path):
        return path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        members = [archive.read(name) for name in archive.namelist()]
    return b"".join(gzip.decompress(m) if m[:2] == b"\x1f\x8b" else m for m in members)


def test_visitor_profiles_each_with_device_language_and_geo_proxy(tmp_path, world, truth):
    """Two profiles from a profiles file, each with its device, language and a geo proxy whose password
    comes from the environment: each site is visited once per profile, each visit records its profile, the
    ads follow each profile's country and language, and the password is nowhere."""
    from sqlalchemy import select

    from moneytrail.crawler.store.schema import FindingLink, Run, Visit

    with geo_sandbox(world, truth, tmp_path) as (running, host_port, by_country, by_language, watchlist):
        (tmp_path / "profiles.toml").write_text(
            f'[profiles.fr-desktop]\ndevice = "desktop"\nlocale = "fr-FR"\ncountry = "FR"\n'
            f'proxy = "http://analyst-country-fr:${{GEO_PW}}@{host_port}"\n\n'
            f'[profiles.de-mobile]\ndevice = "android"\nlocale = "de-DE"\ncountry = "DE"\ntimezone = "Europe/Berlin"\n'
            f'proxy = "http://analyst-country-de:${{GEO_PW}}@{host_port}"\n'
        )
        db = f"sqlite:///{tmp_path / 'profiles.db'}"
        result = run_cli(
            "crawl",
            "-w",
            str(watchlist),
            "--db",
            db,
            "--profiles",
            str(tmp_path / "profiles.toml"),
            "--profile",
            "fr-desktop",
            "--profile",
            "de-mobile",
            "--pages",
            "1",
            "--no-adstxt",
            "--no-progress",
            "--log",
            str(tmp_path / "p.log"),
            env={"MONEYTRAIL_HOME": str(tmp_path), "GEO_PW": "pr0file-s3cret"},
        )
        assert result.returncode == 0, result.stderr[-3000:]
        missing = run_cli(
            "crawl",
            "-w",
            str(watchlist),
            "--db",
            db,
            "--profiles",
            str(tmp_path / "profiles.toml"),
            "--profile",
            "fr-desktop",
            "--no-progress",
            env={"MONEYTRAIL_HOME": str(tmp_path)},
        )
        assert missing.returncode == 2 and "GEO_PW not set" in missing.stderr
    store = open_store(db, tmp_path / "shots")
    with store.session() as s:
        visits = list(s.scalars(select(Visit)))
        links = {
            (v.profile["name"], f.site, f.advertiser)
            for v, f in s.execute(select(Visit, FindingLink).join(FindingLink, FindingLink.visit_id == Visit.id))
        }
        run = s.scalars(select(Run)).one()
    assert sorted((v.profile["name"], v.page_kind) for v in visits) == sorted(
        [(p, k) for p in ("fr-desktop", "de-mobile") for k in ("home", "inner") for _ in range(2)]
    )
    assert {(v.profile["name"], v.profile["device"], v.profile.get("country")) for v in visits} == {
        ("fr-desktop", "desktop", "FR"),
        ("de-mobile", "android", "DE"),
    }
    for profile, country, language in (("fr-desktop", "fr", "fr"), ("de-mobile", "de", "de")):
        want = {
            (profile, by_country["domain"], link["advertiser"])
            for link in by_country["links"]
            if link["when"] == {"country": country}
        }
        want |= {
            (profile, by_language["domain"], link["advertiser"])
            for link in by_language["links"]
            if link["when"] == {"language": language}
        }
        assert want and want <= links, (want, links)
    stored = json.dumps(run.profile) + json.dumps([v.profile for v in visits])
    assert "pr0file-s3cret" not in stored + (tmp_path / "p.log").read_text() + result.stdout + result.stderr
    assert "analyst-country-fr:***@" in stored


def test_a_killed_crawl_resumes_without_repeats_or_losses(sandbox, truth, tmp_path):
    """kill -9 mid-crawl, then `crawl --resume RUN`: every visit of the run exactly once, none missing."""
    import signal
    import sqlite3

    sites = [s for s in ok_sites(truth) if not s["cloaking"] and not s["mirror_from"]][:5]
    watchlist = tmp_path / "five.txt"
    watchlist.write_text("".join(f"{s['url']}\n" for s in sites))
    db_path = tmp_path / "resume.db"
    db = f"sqlite:///{db_path}"
    crawl = start_cli(
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
        "2",
        "--no-progress",
        "--log",
        str(tmp_path / "first.log"),
        home=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stored, deadline = 0, time.monotonic() + 240
    while stored < 3 and time.monotonic() < deadline and crawl.poll() is None:
        time.sleep(0.5)
        try:
            with sqlite3.connect(db_path) as conn:
                stored = conn.execute("SELECT count(*) FROM visits").fetchone()[0]
        except sqlite3.Error:
            pass
    assert crawl.poll() is None and stored >= 3, "the crawl ended before it could be killed"
    # while it runs, a resume is refused: its sites would be visited twice
    early = run_cli("crawl", "--resume", "1", "--db", db, "--proxy", sandbox.address, "--no-progress", home=tmp_path)
    assert early.returncode == 2 and "still going" in early.stderr and f"process {crawl.pid}" in early.stderr
    assert "running (stopped)" not in run_cli("runs", "--db", db).stdout
    os.killpg(crawl.pid, signal.SIGKILL)  # the crawler and its Chromium, at once: no clean-up runs
    crawl.wait()
    with sqlite3.connect(db_path) as conn:
        before = {row[0] for row in conn.execute("SELECT url FROM visits")}
        assert conn.execute("SELECT state FROM runs").fetchone()[0] == "running"
    assert len(before) < 2 * len(sites)
    listed = run_cli("runs", "--db", db)
    assert listed.returncode == 0 and "running (stopped)" in listed.stdout
    resumed = run_cli(
        "crawl",
        "--resume",
        "1",
        "--db",
        db,
        "--proxy",
        sandbox.address,
        "--no-progress",
        "--log",
        str(tmp_path / "second.log"),
        env={"MONEYTRAIL_HOME": str(tmp_path)},
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    with sqlite3.connect(db_path) as conn:
        urls = [row[0] for row in conn.execute("SELECT url FROM visits WHERE run_id = 1")]
        state, counts = conn.execute("SELECT state, counts FROM runs WHERE id = 1").fetchone()
        files = conn.execute(
            "SELECT site_id, kind, count(*) FROM adstxt WHERE kind != 'sellers.json' GROUP BY 1, 2 HAVING count(*) > 1"
        ).fetchall()
        by_status = dict(conn.execute("SELECT status, count(*) FROM visits WHERE run_id = 1 GROUP BY status"))
        popups = conn.execute(
            "SELECT count(*) FROM windows JOIN visits ON visits.id = windows.visit_id"
            " WHERE visits.run_id = 1 AND windows.kind IN ('popup', 'tabunder')"
        ).fetchone()[0]
    want = [s["url"] for s in sites] + [s["inner_pages"][0] for s in sites]
    assert sorted(urls) == sorted(want)  # each visit exactly once: none repeated, none lost
    assert before <= set(urls)
    assert state == "finished" and json.loads(counts)["visits"] == len(want) and files == []
    # the run's counts are those of all its visits, the ones before the kill too, by status (issue 15, item 17)
    counts = json.loads(counts)
    assert {k.removeprefix("visits_"): v for k, v in counts.items() if k.startswith("visits_")} == by_status
    assert counts["popups"] == popups > 0


def test_scrapy_crawl_runs_the_same_spider(sandbox, truth, tmp_path):
    """`scrapy crawl watchlist -s MONEYTRAIL_CRAWL={...}` from the project directory does what `moneytrail crawl`
    does."""
    site = next(s for s in ok_sites(truth) if s["miners"])
    watchlist = tmp_path / "mine.txt"
    watchlist.write_text(f"{site['url']}\nhttps://gone-forever.test/\n")
    db = f"sqlite:///{tmp_path / 'scrapy.db'}"
    env = dict(os.environ, TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="", MONEYTRAIL_HOME=str(tmp_path))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "watchlist",
            "-s",
            "MONEYTRAIL_CRAWL="
            + json.dumps({"watchlist": str(watchlist), "pages": 0, "db": db, "proxy": sandbox.address}),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=Path(__file__).parents[1],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    observations = {o.site: o for o in load_observations(open_store(db, tmp_path / "shots"))}
    assert set(observations) == {site_of(site["url"]), "gone-forever.test"}
    assert observations["gone-forever.test"].status == "dead"
    assert observations[site_of(site["url"])].status == "ok" and observations[site_of(site["url"])].websockets


def test_a_renderer_crash_ends_the_visit_as_crashed(sandbox, truth, chromium_path):
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    from moneytrail.crawler.browser import QUIET_ARGS
    from moneytrail.crawler.recording.recorder import Recorder
    from moneytrail.crawler.visit import Visit, context_options

    url = ok_sites(truth)[0]["final_url"]

    async def crash():
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=chromium_path, args=list(QUIET_ARGS), proxy={"server": sandbox.address}
            )
            context = await browser.new_context(**context_options(browser.version))
            rec = Recorder(context, visit_id="c", url=url, site=site_of(url), page_kind="home")
            await rec.attach()
            page = await context.new_page()
            await rec.add_page(page)
            response = await page.goto(url)
            try:
                await page.goto("chrome://crash", timeout=5000)
            except PlaywrightError:
                pass
            started = time.monotonic()
            obs = await Visit(page, rec).run(response.status)
            seconds = time.monotonic() - started
            still_works = await (await browser.new_context()).new_page()  # the browser lives on
            await still_works.close()
            await browser.close()
            return obs, seconds

    obs, seconds = asyncio.run(crash())
    assert obs.status == "crashed" and any(n.kind == "crash" for n in obs.notices)
    assert seconds < 30


def test_a_debug_crawl_of_one_url_prints_what_it_saw_in_a_store_of_its_own(sandbox, truth, tmp_path):
    """`moneytrail crawl --url URL`: one page visited (no content pages), then the visit as `moneytrail visit`
    shows it; the analyst's own store is not touched."""
    site = next(s for s in ok_sites(truth) if not s["cloaking"])
    done = run_cli(
        "crawl", "--url", site["url"], "--proxy", sandbox.address, "--log", tmp_path / "debug.log", home=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert f": {site['url']}" in done.stdout and "  status ok" in done.stdout and "  steps: 1 load" in done.stdout
    (store,) = (tmp_path / "debug").glob("debug-*/debug.db")
    assert not (tmp_path / "moneytrail.db").exists()
    observations = load_observations(open_store(f"sqlite:///{store}", tmp_path / "shots"))
    assert [o.url for o in observations] == [site["url"]]
    wrong = run_cli("crawl", "--url", "ftp://example.test/", home=tmp_path)
    assert wrong.returncode == 2 and "http(s) URL" in wrong.stderr
