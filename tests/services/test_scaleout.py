"""Scale-out on a real redis-server and a real PostgreSQL, both started here: `moneytrail enqueue`, two
`moneytrail worker` processes crawling the sandbox into PostgreSQL, one of them killed mid-crawl (kill -9):
the other finishes, every visit is stored exactly once, and the results equal a single-process SQLite crawl
of the same watchlist. Proxy credentials reach neither Redis, the database nor the logs."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from helpers import run_cli as cli
from helpers import start_cli
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.schema import FindingLink, Run, Visit

pytestmark = [pytest.mark.timeout(900), pytest.mark.slow]


def outcome(db: str, shots: Path):
    """What a crawl found, comparable across stores: visits (site, kind, url, status) and links."""
    store = open_store(db, shots)
    with store.session() as s:
        visits = sorted((v.site_id is not None, v.page_kind, v.url, v.status, v.uid) for v in s.scalars(select(Visit)))
        links = {(f.site, f.network, f.advertiser, f.kind) for f in s.scalars(select(FindingLink))}
        runs = list(s.scalars(select(Run)))
    store.engine.dispose()
    return visits, links, runs


def test_two_workers_one_killed_nothing_lost_same_results(sandbox, truth, tmp_path, redis_url, postgres_url):
    sites = [s for s in truth["sites"] if s["status"] == "ok" and not s["cloaking"]][:6]
    watchlist = tmp_path / "six.txt"
    watchlist.write_text("".join(s["url"] + "\n" for s in sites))
    host_port = sandbox.address.split("://", 1)[1]
    proxy = f"http://analyst:w0rker-s3cret@{host_port}"  # the sandbox takes any credentials
    env = {"MONEYTRAIL_HOME": str(tmp_path)}

    # the reference: one process, SQLite
    single = f"sqlite:///{tmp_path / 'single.db'}"
    done = cli(
        "crawl",
        "-w",
        str(watchlist),
        "--name",
        "six",
        "--db",
        single,
        "--proxy",
        proxy,
        "--pages",
        "1",
        "--no-progress",
        "--log",
        str(tmp_path / "single.log"),
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]

    assert cli("watchlist", "import", str(watchlist), "--name", "six", "--db", postgres_url, env=env).returncode == 0
    queued = cli("enqueue", "-w", "six", "--pages", "1", "--db", postgres_url, "--redis", redis_url, env=env)
    assert queued.returncode == 0 and f"{len(sites)} visit(s)" in queued.stdout, queued.stderr

    def start(n):
        return start_cli(
            *[
                "worker",
                "--run",
                "1",
                "--redis",
                redis_url,
                "--db",
                postgres_url,
                "--proxy",
                proxy,
                "--concurrency",
                "2",
                "--dead-after",
                "20",  # the killed worker's visits are taken back 20 s after its last heartbeat
                "--log",
                str(tmp_path / f"w{n}.log"),
            ],
            env=dict(os.environ, TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="", **env),
            start_new_session=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    import redis

    server = redis.Redis.from_url(redis_url)
    first, second = start(1), start(2)
    store = open_store(postgres_url, tmp_path / "shots")
    deadline, taken = time.monotonic() + 300, 0
    while time.monotonic() < deadline:  # kill the first worker in the middle of visits it has taken
        with store.session() as s:
            stored = len(list(s.scalars(select(Visit.id))))
        taken = sum(server.llen(k) for k in server.keys(f"mt:run:1:doing:*-{first.pid}-*"))
        if stored >= 2 and taken:
            break
        time.sleep(0.2)
    assert first.poll() is None, "the first worker ended by itself: " + first.communicate()[0][-3000:]
    assert taken, "the first worker never held a visit"
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    output, _ = second.communicate(timeout=400)
    log = (tmp_path / "w2.log").read_text()
    assert second.returncode == 0, output[-2000:] + log[-3000:]
    assert "requests are back in the queue" in log  # the dead worker's visits were taken over

    visits, links, runs = outcome(postgres_url, tmp_path / "shots")
    ref_visits, ref_links, _ = outcome(single, tmp_path / "shots")
    urls = [v[2] for v in visits]
    assert len(urls) == len(set(urls)) == 2 * len(sites)  # every visit exactly once: none repeated, none lost
    assert [v[:4] for v in visits] == [v[:4] for v in ref_visits]  # the same visits, with the same outcome
    assert links == ref_links  # and the same ads followed to the same advertisers
    assert runs[0].state == "finished" and runs[0].counts["visits"] == 2 * len(sites)

    dumped = b"".join(server.dump(k) or b"" for k in server.keys("*"))
    logs = "".join((tmp_path / f"w{n}.log").read_text() for n in (1, 2)) + queued.stdout + output
    with store.session() as s:
        stored_text = str([r.options for r in s.scalars(select(Run))])
    assert b"w0rker-s3cret" not in dumped and "w0rker-s3cret" not in logs + stored_text


def test_queued_requests_carry_no_proxy_secret():
    """A retried ads.txt request carries the Proxy-Authorization header Scrapy added; none of it is queued."""
    import scrapy

    from moneytrail.crawler.distributed import strip_secrets

    request = scrapy.Request(
        "https://site.test/ads.txt",
        headers={"Proxy-Authorization": "Basic YWxpY2U6czNjcmV0"},
        meta={
            "proxy": "http://alice:s3cret@p.test:8000",
            "_auth_proxy": "http://p.test:8000",
            "playwright_context_kwargs": {"locale": "fr-FR", "proxy": {"password": "s3cret"}},
        },
    )
    strip_secrets(request)
    assert b"Proxy-Authorization" not in request.headers and "proxy" not in request.meta
    assert "_auth_proxy" not in request.meta and request.meta["playwright_context_kwargs"] == {"locale": "fr-FR"}


def test_a_worker_takes_only_the_visits_it_can_start(redis_url):
    """Scrapy asks its scheduler for up to CONCURRENT_REQUESTS requests; a worker whose browser contexts are
    all busy takes none, so the queue's other visits go to idle workers instead of waiting behind its own."""
    from types import SimpleNamespace

    import redis
    import scrapy
    from scrapy.settings import Settings

    from moneytrail.crawler.distributed import ReliableQueue, keys

    server = redis.Redis.from_url(redis_url)
    active: set = set()
    crawler = SimpleNamespace(
        settings=Settings({"PLAYWRIGHT_MAX_CONTEXTS": 2}),
        engine=SimpleNamespace(downloader=SimpleNamespace(active=active)),
    )
    spider = SimpleNamespace(
        crawler=crawler, worker_id="w-room", already_stored=lambda r: False, restore_secrets=lambda r: None
    )
    spider.name = "watchlist"
    queue = ReliableQueue(server, spider, keys(77)["queue"])
    for n in range(5):
        queue.push(scrapy.Request(f"https://site{n}.test/"))
    taken = []
    while (request := queue.pop()) is not None:
        taken.append(request)
        active.add(request)  # as Scrapy's downloader does with each request it fetches
    assert len(taken) == 2 and len(queue) == 3
    active.discard(taken[0])  # a visit ended: room for one more
    active.add(queue.pop())
    assert queue.pop() is None and len(queue) == 2
