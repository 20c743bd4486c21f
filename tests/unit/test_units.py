"""Small pure pieces of the crawler: wasm interfaces, content links, ads.txt systems, visit statuses, limits."""

from __future__ import annotations

import pytest

from moneytrail.crawler.adstxt import ad_systems, parse_adstxt
from moneytrail.crawler.limits import Limits
from moneytrail.crawler.status import Ending, decide, navigation_status
from moneytrail.crawler.wasm import interface
from moneytrail.spiders.watchlist import content_links


def test_wasm_interface_reads_imports_and_exports():
    from moneytrail.sandbox.wasm import module_bytes

    assert interface(module_bytes("cn")) == (["memory", "cn_init", "cn_hash"], [])
    # a module importing env.log (func) and env.mem (memory), exporting run
    module = (
        b"\0asm\x01\0\0\0"
        + b"\x01\x04\x01\x60\x00\x00"
        + b"\x02\x16\x02\x03env\x03log\x00\x00\x03env\x03mem\x02\x00\x01"
        + b"\x03\x02\x01\x00"
        + b"\x07\x07\x01\x03run\x00\x01"
        + b"\x0a\x04\x01\x02\x00\x0b"
    )
    assert interface(module) == (["run"], ["env.log", "env.mem"])
    assert interface(b"not wasm") == ([], [])
    assert interface(module[:30]) == ([], ["env.log"])  # truncated: what could be read


def test_content_links_prefer_content_pages_in_page_order():
    links = [
        "https://s.test/",
        "https://s.test/films",
        "https://s.test/about/team",
        "https://s.test/film/a-b",
        "https://s.test/serie/x/saison-1/episode-2",
        "https://s.test/film/a-b#comments",
    ]
    assert content_links(links, "https://s.test/", 2) == [
        "https://s.test/film/a-b",
        "https://s.test/serie/x/saison-1/episode-2",
    ]
    assert content_links(links, "https://s.test/", 4)[2:] == ["https://s.test/films", "https://s.test/about/team"]
    assert content_links(["https://s.test/"], "https://s.test/", 3) == []


def test_ad_systems_named_by_an_adstxt():
    text = (
        "# comment\ngoogle.com, pub-1, DIRECT, f08c47fec0942fa0\nOWNERDOMAIN=x.test\n"
        "Appnexus.com, 12, RESELLER\ngoogle.com, pub-2, RESELLER\n<html>junk\n"
    )
    assert ad_systems(parse_adstxt(text)) == ["google.com", "appnexus.com"]


@pytest.mark.parametrize(
    "error,status,expected",
    [
        (None, 200, ("ok", [])),
        (None, 503, ("dead", [])),
        ("net::ERR_NAME_NOT_RESOLVED", None, ("dead", [])),
        ("Page.goto: Timeout 20000ms exceeded.", None, ("timeout", [])),
        ("net::ERR_TOO_MANY_REDIRECTS at x", None, ("hostile", ["redirect_loop"])),
    ],
)
def test_visit_status_from_its_navigation(error, status, expected):
    assert navigation_status(error, status) == expected


def test_limits_from_settings():
    from scrapy.settings import Settings

    from moneytrail.crawler.config import CrawlConfig

    def settings(limits):
        return Settings({"MONEYTRAIL_CRAWL": {"watchlist": "w", "limits": limits}})

    assert CrawlConfig.from_settings(settings({"visit_timeout": "90", "max_popups": 3})).limits_value == Limits(
        visit_timeout=90.0, max_popups=3
    )
    with pytest.raises(ValueError, match="nonsense"):
        CrawlConfig.from_settings(settings({"nonsense": 1}))


OVERRAN, TIMEOUT = "the visit went over its time limit", "Page.goto: Timeout 20000ms exceeded."


@pytest.mark.parametrize(
    "ending,expected",
    [
        (Ending(None, 200), ("ok", None, [])),
        (Ending(None, 200, hostile=("dialog_storm",)), ("hostile", None, ["dialog_storm"])),
        (Ending(None, 404), ("dead", "HTTP 404", [])),
        (Ending("net::ERR_TOO_MANY_REDIRECTS", None), ("hostile", "net::ERR_TOO_MANY_REDIRECTS", ["redirect_loop"])),
        (Ending(None, 200, crashed=True), ("crashed", "the page's renderer crashed", [])),
        (Ending(None, 200, overran=True, hostile=("unresponsive",)), ("timeout", OVERRAN, ["unresponsive"])),
        (Ending(TIMEOUT, None, crashed=True), ("crashed", TIMEOUT, [])),
    ],
)  # fmt: skip
def test_a_visits_status_is_decided_in_one_place(ending, expected):
    assert decide(ending) == expected


def test_requests_queued_by_an_older_moneytrail_still_run():
    """Redis may hold visit requests queued before the namespace move: their page hook is found again."""
    import scrapy

    from moneytrail.crawler.distributed import upgrade_request

    request = scrapy.Request("https://x.test/", meta={"playwright_page_init_callback": "crawler.hooks.init_page"})
    upgrade_request(request)
    from scrapy.utils.misc import load_object

    assert load_object(request.meta["playwright_page_init_callback"]).__name__ == "init_page"


def test_schedules_from_before_the_config_column_keep_their_crawl():
    from moneytrail.crawler.store.schedules import config_of
    from moneytrail.crawler.store.schema import Schedule

    old = Schedule(name="s", watchlist="fr", profiles=["desktop-fr"], pages=2, config=None)
    from moneytrail.crawler.machine import default_concurrency

    # they named no concurrency: they take the machine's default, as a crawl given none does
    assert config_of(old).args()[:6] == ["-w", "fr", "--pages", "2", "--concurrency", str(default_concurrency())]
    assert config_of(old).profiles == ("desktop-fr",)


def test_a_blob_urls_host_is_its_makers():
    """A script run from a Blob is recorded under its blob: URL; attribution reads the origin that made it."""
    from moneytrail.attribution.requests import fast_host

    assert fast_host("blob:https://Miner.example/5d1c-42") == "miner.example"
    assert fast_host("https://cdn.example:8443/a.js") == "cdn.example"
    assert fast_host("blob:") == "" and fast_host("data:text/javascript,1") == ""


def test_a_crawl_logs_its_pending_tasks_when_asked(caplog):
    """`kill -USR1` of a stuck crawl: each pending asyncio task's stack goes to the log."""
    import asyncio

    from moneytrail.crawler.run import log_tasks

    async def waiting_for_a_context_slot():
        await asyncio.sleep(60)

    async def main():
        task = asyncio.ensure_future(waiting_for_a_context_slot())
        await asyncio.sleep(0)
        log_tasks()
        task.cancel()

    with caplog.at_level("WARNING", logger="moneytrail.crawl"):
        asyncio.run(main())
    assert "asyncio task(s) pending" in caplog.text and "waiting_for_a_context_slot" in caplog.text


def test_a_crashed_visit_is_made_again_once_then_stored(tmp_path):
    """A visit cut short by its renderer or its browser is retried once, under its id, in a context of its own;
    a second crash is stored as crashed."""
    import asyncio

    import scrapy

    from moneytrail.crawler.config import CrawlConfig
    from moneytrail.crawler.items import VisitItem
    from moneytrail.crawler.observation import Observation
    from moneytrail.crawler.profiles import visitors
    from moneytrail.crawler.status import Ending, conclude
    from moneytrail.spiders.watchlist import WatchlistSpider

    spider = WatchlistSpider(CrawlConfig("sandbox", db=f"sqlite:///{tmp_path / 'db'}"))
    spider.visitors, spider.proxy = visitors((), None, None), None

    async def crashed(page, recorder, url, visit, status, error):
        obs = Observation(visit["uid"], url, visit["site"], visit["page_kind"], started_at="2026-11-26T00:00:00")
        return conclude(obs, Ending("the browser closed during the visit", None, crashed=True)), {}

    spider._observe = crashed
    first = spider.visit_request("https://site.example/", 1, "site.example", "home", spider.visitors[0])

    async def done(request):
        return [x async for x in spider._visit_done(request, None, None)]

    (again,) = asyncio.run(done(first))
    assert isinstance(again, scrapy.Request) and again.url == first.url
    assert again.meta["visit"]["uid"] == first.meta["visit"]["uid"] and again.meta["visit"]["retry"] == 1
    assert again.meta["playwright_context"] != first.meta["playwright_context"]
    (stored,) = asyncio.run(done(again))
    assert isinstance(stored, VisitItem) and stored.observation.status == "crashed"


def test_a_download_before_any_click_is_forced_however_late_the_page_loaded():
    """A page that starts a download once loaded: on a loaded machine its load event came after the visit's
    scroll had begun (step 2), and the download was not called forced; one after a click is the visitor's."""
    from moneytrail.crawler.observation import DownloadRecord, Observation, Step
    from moneytrail.crawler.status import hostile_signals

    def signals(step: int) -> list[str]:
        obs = Observation("v", "https://s.test/", "s.test", "home", started_at="2026-11-26T00:00:00")
        obs.steps = [Step(1, "load", 0.1), Step(2, "scroll", 2.5), Step(3, "click_centre", 6.0)]
        obs.downloads = [DownloadRecord("https://s.test/setup.exe", "setup.exe", step, 0)]
        flags = {"unresponsive": False, "oversized_document": False, "frame_storm": False, "write_flood": False}
        return hostile_signals(obs, Limits(), history_calls=0, request_flood=False, popup_flood=False, **flags)

    assert "forced_download" in signals(1) and "forced_download" in signals(2)
    assert "forced_download" not in signals(3)


def test_the_driver_starts_with_a_small_young_generation_unless_the_user_chose_one():
    from moneytrail.crawler.handler import DRIVER_NODE_OPTIONS, driver_node_options

    assert driver_node_options(None) == DRIVER_NODE_OPTIONS == "--max-semi-space-size=1"
    assert driver_node_options("--max-old-space-size=4096") == "--max-old-space-size=4096 --max-semi-space-size=1"
    assert driver_node_options("--max-semi-space-size=8") == "--max-semi-space-size=8"


SCRAPY_PLAYWRIGHT_LEVEL = """
import logging, sys
from scrapy.settings import Settings
from scrapy.utils.log import configure_logging
from scrapy.utils.reactor import install_reactor
from scrapy.utils.test import get_crawler
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from moneytrail.crawler.handler import VisitDownloadHandler
level = int(sys.argv[1]) if sys.argv[1].isdigit() else sys.argv[1]
configure_logging(Settings({"LOG_LEVEL": level}))  # as a crawl does: the root logger at NOTSET
before = logging.getLogger("scrapy-playwright").getEffectiveLevel()
VisitDownloadHandler(get_crawler(settings_dict={"LOG_LEVEL": level}))
print(before, logging.getLogger("scrapy-playwright").getEffectiveLevel())
"""


@pytest.mark.parametrize("level, after", [("INFO", 20), ("WARNING", 20), ("DEBUG", 0), ("10", 0)])
def test_scrapy_playwright_debug_loggers_are_attached_only_when_the_crawl_logs_at_debug(level, after):
    """scrapy-playwright attaches a logger to each page's requests and responses when its logger is at DEBUG (each
    asks the driver for a header: a round trip per request), and under Scrapy's root logger it always is."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", SCRAPY_PLAYWRIGHT_LEVEL, level], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["0", str(after)]
