"""A crawl's close is bounded (crawler/closing.py): a request that never ends cannot keep a crawl open for ever.

A real Scrapy crawl, in a process of its own (a Twisted reactor does not restart): one request is answered,
the other is held by a download handler that never answers; the answered one stops the crawl, as a full disk
does (`StorePipeline._stop`). Scrapy's close then waits on the request that never ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys

    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.http import TextResponse


    class Handlers:
        lazy = False

        def __init__(self, crawler):
            self.never = asyncio.Event()  # held here: a task awaiting an unreferenced one may be collected

        @classmethod
        def from_crawler(cls, crawler):
            return cls(crawler)

        async def download_request(self, request, spider=None):
            if request.url.startswith("hang:") and HELD_IN == "download":
                await self.never.wait()  # never answers
            return TextResponse(request.url, body=b"ok", encoding="utf-8", request=request)

        async def close(self):
            pass


    class Stopping(scrapy.Spider):
        name = "stopping"

        async def start(self):
            self.crawler.stats.set_value("moneytrail/run_id", 7)
            yield scrapy.Request("hang://never.example/", callback=self.parse)
            yield scrapy.Request("ok://answered.example/", callback=self.parse)

        async def parse(self, response):
            if response.url.startswith("hang:") and HELD_IN == "spider":
                await self.crawler.never.wait()  # a callback that never returns
            if response.url.startswith("ok:"):
                await asyncio.sleep(0.2)
                asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="out_of_space"))
            if False:
                yield


    settings = {
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "DOWNLOAD_HANDLERS": {"hang": "__main__.Handlers", "ok": "__main__.Handlers"},
        "EXTENSIONS": json.loads(sys.argv[1]),
        "MONEYTRAIL_CLOSE_PATIENCE": 1.0,
        "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
    }
    HELD_IN = sys.argv[2]
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Stopping)
    crawler.never = asyncio.Event()
    process.crawl(crawler)
    process.start()
    print(json.dumps({k: v for k, v in crawler.stats.get_stats().items() if k.startswith("moneytrail/")}))
    """
)


def crawl(tmp_path, extensions: dict, timeout: float, held_in: str = "download"):
    script = tmp_path / "stopping.py"
    script.write_text(SCRIPT)
    import json

    return subprocess.run(
        [sys.executable, str(script), json.dumps(extensions), held_in], capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.slow
def test_without_the_bound_a_request_that_never_ends_keeps_the_crawl_open(tmp_path):
    """The baseline: plain Scrapy waits for ever (here: past 8 s, where the bounded crawl ends in about 3)."""
    with pytest.raises(subprocess.TimeoutExpired):
        crawl(tmp_path, {}, timeout=8)


@pytest.mark.slow
def test_a_crawl_lets_go_of_what_never_ends_says_so_and_is_resumable(tmp_path):
    import json

    done = crawl(tmp_path, {"moneytrail.crawler.closing.CloseWatch": 400}, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    assert stats["moneytrail/let_go"] == 1
    assert "`moneytrail crawl --resume 7` visits them again" in stats["moneytrail/stopped"]
    log = done.stderr
    assert "did not end; they are let go" in log
    assert "GET hang://never.example/ (plain): downloading" in log  # what it waited on, and where
    assert "Spider closed (out_of_space)" in log


@pytest.mark.slow
def test_a_callback_that_never_returns_cannot_hold_the_crawl_either(tmp_path):
    """Let go of, the request still holds Scrapy's close in its scraper: past the patience again, the crawl
    process stops, saying so (the run stays resumable)."""
    import json

    done = crawl(tmp_path, {"moneytrail.crawler.closing.CloseWatch": 400}, timeout=60, held_in="spider")
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    assert stats["moneytrail/let_go"] == 1 and "crawl --resume 7" in stats["moneytrail/stopped"]
    assert "GET hang://never.example/ (plain): in the spider" in done.stderr
    assert "has still not closed" in done.stderr and "it stops now" in done.stderr


def test_the_engine_state_says_where_each_request_is_held():
    from types import SimpleNamespace

    from scrapy import Request

    from moneytrail.crawler.closing import engine_state

    visit = Request("https://site.example/", meta={"visit": {"page_kind": "home"}})
    fetch = Request("https://site.example/ads.txt", meta={"adstxt": {"kind": "ads.txt"}})
    lost = Request("https://lost.example/")
    engine = SimpleNamespace(
        _slot=SimpleNamespace(closing=object(), inprogress={visit, fetch, lost}, scheduler=[]),
        downloader=SimpleNamespace(active={fetch}),
        scraper=SimpleNamespace(slot=SimpleNamespace(active={visit}, queue=[], itemproc_size=0)),
    )
    state = engine_state(SimpleNamespace(engine=engine))
    assert state.startswith("engine: closing; 3 request(s) in progress, 1 downloading, 0 scheduled")
    assert "GET https://site.example/ (home): in the spider" in state
    assert "GET https://site.example/ads.txt (ads.txt): downloading" in state
    assert "GET https://lost.example/ (plain): in neither the downloader nor the spider" in state


@pytest.mark.parametrize(("let_go", "state"), [(0, "finished"), (2, "interrupted")])
def test_a_run_whose_requests_were_let_go_is_interrupted_not_finished(tmp_path, let_go, state):
    """Its sites without a stored visit are visited by `crawl --resume`, which goes on with interrupted runs."""
    from types import SimpleNamespace

    from scrapy.utils.test import get_crawler

    from moneytrail.crawler.config import CrawlConfig
    from moneytrail.crawler.pipelines import StorePipeline
    from moneytrail.crawler.store import open_store
    from moneytrail.crawler.store.runs import start_run
    from moneytrail.crawler.store.schema import Run

    store = open_store(f"sqlite:///{tmp_path / 'db'}", tmp_path / "shots")
    crawler = get_crawler()
    pipeline = StorePipeline(crawler)
    pipeline.store = store
    pipeline.run_id = start_run(store, CrawlConfig("sandbox"), None, 1, {})
    crawler.stats.set_value("moneytrail/let_go", let_go)
    pipeline.spider_closed(SimpleNamespace(config=CrawlConfig("sandbox")), "finished")
    with store.session() as s:
        assert s.get(Run, pipeline.run_id).state == state


@pytest.mark.slow
def test_a_visit_download_is_held_while_it_runs_and_fails_past_its_bound(monkeypatch):
    """The browser part of a visit (context, page, navigation) is referenced while it waits, so the garbage
    collector cannot take it half-way, and is bounded: a browser that never answers fails the visit."""
    import asyncio
    import gc

    from scrapy import Request
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    from moneytrail.crawler.handler import BrowserStalled, VisitDownloadHandler

    async def never_answers(self, request, spider=None):
        await asyncio.get_running_loop().create_future()  # held by nothing but this frame

    monkeypatch.setattr(ScrapyPlaywrightDownloadHandler, "_download_request", never_answers)
    handler = object.__new__(VisitDownloadHandler)
    quick = {"navigation_timeout": 0.1, "navigation_grace": 0, "visit_timeout": 0.1, "visit_grace": 0}
    request = Request("https://site.example/", meta={"visit": {"limits": {**quick, "context_close_timeout": 0.1}}})

    async def main():
        done = asyncio.get_running_loop().create_future()
        asyncio.ensure_future(handler._download_request(request)).add_done_callback(done.set_result)
        await asyncio.sleep(0.05)
        gc.collect()
        assert len(VisitDownloadHandler._running) == 1
        finished = await asyncio.wait_for(done, 5)
        return finished.exception()

    assert isinstance(asyncio.run(main()), BrowserStalled)
    assert not VisitDownloadHandler._running


@pytest.mark.slow
def test_handlers_starting_together_share_one_playwright_driver():
    """Scrapy starts the http and https handlers together: they start one Playwright driver between them (a
    second one cost the crawl ~95 MiB), and the last to close stops it."""
    import asyncio

    from scrapy.settings import Settings
    from scrapy_playwright.handler import Config

    from moneytrail.crawler.handler import SharedBrowserProvider

    config = Config.from_settings(Settings({"PLAYWRIGHT_BROWSER_TYPE": "chromium"}))

    async def main():
        http, https = SharedBrowserProvider(config), SharedBrowserProvider(config)
        await asyncio.gather(http.start(), https.start())
        running = _drivers()
        assert http.playwright is https.playwright is not None
        await http.close()
        still = _drivers()
        await https.close()
        return running, still, _drivers()

    running, still, after = asyncio.run(main())
    assert len(running) == 1 and still == running and not after, (running, still, after)


def _drivers() -> list[int]:
    """This process's Playwright drivers (`node ... run-driver`)."""
    mine = str(os.getpid())
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "stat").read_text().split(") ", 1)[1].split()[1] == mine:
                if b"run-driver" in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
        except OSError:
            continue
    return found
