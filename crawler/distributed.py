"""Scale-out: `moneytrail enqueue` puts a run's visits in Redis; any number of `moneytrail worker` processes,
on any machines, take them through scrapy-redis (its shared scheduler queue and duplicate filter) and write
to one database (PostgreSQL).

Nothing is lost when a worker dies: a worker moves each request it takes into its own processing list (one
atomic LMOVE) and removes it only once what it produced is stored. Each worker keeps a heartbeat key alive;
when one expires, any live worker puts the dead one's requests back in the queue. A request whose visit is
already stored (a worker died after storing, before acknowledging) is dropped when taken, so each visit is
stored once. Secrets stay out of Redis: a visit request carries its profile's name, and the worker that takes
it rebuilds the browser context (proxy included) from its own profiles and environment.

Keys, per run: mt:run:N:queue (list), mt:run:N:seen (duplicate filter), mt:run:N:workers (set),
mt:run:N:alive:W (heartbeat), mt:run:N:doing:W (processing list); mt:runs (active runs, oldest first)."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid

from scrapy.exceptions import DontCloseSpider
from scrapy_redis import picklecompat
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler

logger = logging.getLogger(__name__)
# seconds without a heartbeat after which a worker is dead, by default (`moneytrail worker --dead-after`)
HEARTBEAT_TTL = 60
MAX_ATTEMPTS = 3  # a request taken this many times without being stored goes to the dead-letter list
ACTIVE = "mt:runs"


def keys(run: int) -> dict[str, str]:
    base = f"mt:run:{run}"
    return {"queue": f"{base}:queue", "seen": f"{base}:seen", "workers": f"{base}:workers", "base": base}


def connect(url: str):
    import redis

    server = redis.Redis.from_url(url)
    server.ping()
    return server


def strip_secrets(request) -> None:
    """Proxies (with their passwords) never go to Redis: the browser context's, and a plain request's."""
    options = request.meta.get("playwright_context_kwargs")
    if isinstance(options, dict) and "proxy" in options:
        request.meta["playwright_context_kwargs"] = {k: v for k, v in options.items() if k != "proxy"}
    request.meta.pop("proxy", None)
    request.meta.pop("_auth_proxy", None)
    request.headers.pop(b"Proxy-Authorization", None)


# queued requests name the page-init hook by import path; requests queued before the namespace move name it so
OLD_PATHS = {"crawler.hooks.init_page": "moneytrail.crawler.hooks.init_page"}


def upgrade_request(request) -> None:
    """A request queued by an older moneytrail, made to run here (import paths that moved)."""
    hook = request.meta.get("playwright_page_init_callback")
    if hook in OLD_PATHS:
        request.meta["playwright_page_init_callback"] = OLD_PATHS[hook]


class ReliableQueue(Base):
    """A FIFO of requests where a taken request stays in the taker's processing list until acknowledged."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer or picklecompat)
        self.worker = (
            getattr(spider, "worker_id", None) or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        )
        self.base = key.rsplit(":", 1)[0]
        settings = getattr(getattr(spider, "crawler", None), "settings", None)
        self.ttl = settings.getint("MONEYTRAIL_WORKER_TTL", HEARTBEAT_TTL) if settings is not None else HEARTBEAT_TTL
        self.doing = f"{self.base}:doing:{self.worker}"
        self.alive = f"{self.base}:alive:{self.worker}"
        self.workers = f"{self.base}:workers"
        self.heartbeat()

    def __len__(self):
        return self.server.llen(self.key)

    def heartbeat(self) -> None:
        pipe = self.server.pipeline()
        pipe.set(self.alive, b"1", ex=self.ttl)
        pipe.sadd(self.workers, self.worker)
        pipe.execute()

    def push(self, request):
        strip_secrets(request)
        self.server.lpush(self.key, self._encode_request(request))

    def has_room(self) -> bool:
        """Whether this worker can start a visit now. A worker takes a request only then: what it cannot run
        yet stays in the shared queue for the other workers (Scrapy asks for up to CONCURRENT_REQUESTS, so the
        first worker to ask would otherwise take them all and leave the others idle)."""
        crawler = getattr(self.spider, "crawler", None)
        engine = getattr(crawler, "engine", None)
        if engine is None:
            return True
        limit = crawler.settings.getint("PLAYWRIGHT_MAX_CONTEXTS")
        return limit <= 0 or len(engine.downloader.active) < limit

    def pop(self, timeout=0):
        self.heartbeat()
        if not self.has_room():
            return None
        for _ in range(2):
            raw = self.server.lmove(self.key, self.doing, "RIGHT", "LEFT")
            if raw is None:
                if self.reap():
                    continue
                return None
            request = self._decode_request(raw)
            request.meta["_mt_raw"] = raw
            upgrade_request(request)
            if self.spider.already_stored(request):
                self.ack(raw)
                continue
            self.spider.restore_secrets(request)
            return request
        return None

    def ack(self, raw: bytes | None) -> None:
        if raw is not None:
            self.server.lrem(self.doing, 1, raw)

    def reap(self) -> int:
        """Put dead workers' taken requests back in the queue; how many."""
        moved = 0
        for worker in self.server.smembers(self.workers):
            worker = worker.decode() if isinstance(worker, bytes) else worker
            if worker == self.worker or self.server.exists(f"{self.base}:alive:{worker}"):
                continue
            doing = f"{self.base}:doing:{worker}"
            while self.server.lmove(doing, self.key, "RIGHT", "RIGHT") is not None:
                moved += 1
            self.server.srem(self.workers, worker)
            if moved:
                logger.warning("worker %s is gone: %d of its requests are back in the queue", worker, moved)
        return moved

    def requeue_own(self) -> int:
        """An idle worker's own processing list holds only requests that failed before being stored (an
        exception in a callback or a pipeline): back to the queue, or to the dead-letter list after
        MAX_ATTEMPTS takes."""
        moved = 0
        while (raw := self.server.lmove(self.doing, self.key, "RIGHT", "LEFT")) is not None:
            tries = self.server.hincrby(f"{self.base}:attempts", hashlib.sha1(raw).hexdigest(), 1)
            if tries >= MAX_ATTEMPTS:
                self.server.lrem(self.key, 1, raw)
                self.server.lpush(f"{self.base}:dead", raw)
                logger.error("a request failed %d times: moved to %s:dead", tries, self.base)
            moved += 1
        return moved

    def busy(self) -> int:
        """Requests queued or being worked on by live workers (this one included), read in one transaction
        so no request is missed while it moves from a list to another."""
        workers = [w.decode() if isinstance(w, bytes) else w for w in self.server.smembers(self.workers)]
        pipe = self.server.pipeline(transaction=True)
        pipe.llen(self.key)
        for worker in workers:
            pipe.exists(f"{self.base}:alive:{worker}")
            pipe.llen(f"{self.base}:doing:{worker}")
        results = pipe.execute()
        total = results[0]
        for i, worker in enumerate(workers):
            alive, doing = results[1 + 2 * i], results[2 + 2 * i]
            if worker == self.worker or alive:
                total += doing
        return total

    def clear(self):  # never: other workers share the queue
        pass


class SharedDupeFilter(RFPDupeFilter):
    """scrapy-redis's duplicate filter, shared by every worker of a run: it is never cleared by a worker
    closing, and a visit is the same visit when its site, profile and URL are."""

    def request_fingerprint(self, request):
        visit = request.meta.get("visit")
        if visit:
            return f"visit:{visit['site']}:{visit.get('visitor', 'default')}:{request.url}"
        return super().request_fingerprint(request)

    def close(self, reason=""):
        pass


class WorkerScheduler(Scheduler):
    """scrapy-redis's scheduler, with the reliable queue given to the spider and a heartbeat."""

    def enqueue_request(self, request):
        # a request made from a taken one (a retry, a redirect) replaces it: the taken one is done once the new
        # one is queued (or found to be a duplicate); a crash in between repeats work, it loses none
        raw = request.meta.pop("_mt_raw", None)
        added = super().enqueue_request(request)
        self.queue.ack(raw)
        return added

    def open(self, spider):
        super().open(spider)
        spider.work_queue = self.queue
        from twisted.internet import task

        self._beat = task.LoopingCall(self.queue.heartbeat)
        self._beat.start(min(10, self.queue.ttl / 3), now=True)  # refreshed well before it expires

    def close(self, reason):
        if getattr(self, "_beat", None) and self._beat.running:
            self._beat.stop()
        self.queue.server.delete(self.queue.alive)
        super().close(reason)


def worker_settings(redis_url: str, run: int, dead_after: int = HEARTBEAT_TTL) -> dict:
    k = keys(run)
    return {
        "MONEYTRAIL_WORKER_TTL": dead_after,
        "SCHEDULER": "moneytrail.crawler.distributed.WorkerScheduler",
        "SCHEDULER_QUEUE_CLASS": "moneytrail.crawler.distributed.ReliableQueue",
        "SCHEDULER_QUEUE_KEY": k["queue"],
        "SCHEDULER_DUPEFILTER_KEY": k["seen"],
        "DUPEFILTER_CLASS": "moneytrail.crawler.distributed.SharedDupeFilter",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_FLUSH_ON_START": False,
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "REDIS_URL": redis_url,
    }


def on_idle(spider) -> None:
    """A worker with nothing to do: wait while others work or requests may come back; when the run's queue
    and every live worker's processing list are empty, mark the run finished and stop."""
    queue = getattr(spider, "work_queue", None)
    if queue is None:
        return
    queue.reap()
    queue.requeue_own()
    if queue.busy() > 0:
        raise DontCloseSpider
    from .store.runs import finish_run

    run = spider.resumed.run_id
    finish_run(spider.store, run, "finished")
    queue.server.zrem(ACTIVE, run)
    logger.info("run %s: queue drained, run finished", run)
