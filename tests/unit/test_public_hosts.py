"""The public-host rule in real Scrapy runs against a real local server: the downloader middleware refuses a
plain request to a loopback address or name before it is made, and the resolver refuses a name that
resolves to a loopback address when Scrapy connects (what stops a name answering a public address to the
check and a private one to the connection). Each run is a Scrapy process of its own (a reactor starts once)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers import cli_env

RUN = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess
from moneytrail.crawler.domains import host_of
from moneytrail.crawler.resolver import refusal

urls, settings, seen = json.loads(sys.argv[1]), json.loads(sys.argv[2]), {}

class Probe(scrapy.Spider):
    name = "probe"
    async def start(self):
        for url in urls:
            yield scrapy.Request(url, callback=self.got, errback=self.failed, dont_filter=True)
    def got(self, response):
        seen[response.url] = f"status {response.status}"
    def failed(self, failure):
        url = failure.request.url
        seen[url] = f"{type(failure.value).__name__}: {refusal(host_of(url)) or failure.value}"

process = CrawlerProcess({"LOG_LEVEL": "ERROR", "TELNETCONSOLE_ENABLED": False, "RETRY_ENABLED": False,
                          "REMOTE_CONTROL_ENABLED": False, **settings})
process.crawl(Probe)
process.start()
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def server():
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"google.com, pub-1, DIRECT\n")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1], asked
    httpd.shutdown()


def crawl(urls: list[str], settings: dict) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(urls), json.dumps(settings)],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_resolver_refuses_a_name_resolving_to_loopback(server):
    port, asked = server
    by_name, by_address = f"http://localhost:{port}/by-name", f"http://127.0.0.1:{port}/by-address"
    seen = crawl([by_name, by_address], {"TWISTED_DNS_RESOLVER": "moneytrail.crawler.resolver.PublicAddressResolver"})
    assert seen[by_name].endswith("Error: localhost resolves to loopback address 127.0.0.1")  # a lookup error
    assert seen[by_address].endswith("Error: 127.0.0.1 resolves to loopback address 127.0.0.1")
    assert asked == []
    # Scrapy's own resolver connects to both: what the resolver above prevents
    assert set(crawl([by_name, by_address], {}).values()) == {"status 200"}
    assert sorted(asked) == ["/by-address", "/by-name"]


@pytest.mark.slow
def test_the_middleware_refuses_loopback_before_asking(server):
    port, asked = server
    urls = [f"http://127.0.0.1:{port}/literal", f"http://2130706433:{port}/decimal", f"http://localhost:{port}/name"]
    seen = crawl(urls, {"DOWNLOADER_MIDDLEWARES": {"moneytrail.crawler.public_hosts.PublicHostMiddleware": 50}})
    assert seen == {
        urls[0]: "NotPublic: loopback address 127.0.0.1",
        urls[1]: "NotPublic: loopback address 127.0.0.1",
        urls[2]: "NotPublic: localhost is a single-label name",
    }
    assert not [path for path in asked if path in ("/literal", "/decimal", "/name")]
