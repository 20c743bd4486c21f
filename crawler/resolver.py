"""Scrapy's DNS resolver with the public-address rule (crawler/addresses.py) applied when it connects.

Scrapy resolves a name once per connection of a plain request (ads.txt, sellers.json: the browser has its
own network stack), IP addresses included, and connects to the address it got; refusing a non-public answer
here closes the gap between the check made before the request (crawler/public_hosts.py) and the connection
itself (a name answering a public address to the check and a private one to the connection). The crawl's own
proxy is the analyst's choice: its host is exempt (`exempt()`, called by the spider with the proxy it uses).

Twisted turns any failed lookup into "no results for hostname lookup", so the reason of a refusal is kept
here (`refusal()`) for the request's errback to record.
"""

from __future__ import annotations

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from .addresses import address_refusal

EXEMPT: set[str] = set()  # host names of the crawl's proxies
REFUSED: dict[str, str] = {}  # host name -> why its address was refused (the latest REFUSED_KEPT)
REFUSED_KEPT = 10_000


def exempt(host: str | None) -> None:
    """Let `host` (the crawl's proxy) resolve to any address."""
    if host:
        EXEMPT.add(host.lower().rstrip("."))


def refusal(host: str | None) -> str | None:
    """Why a connection to `host` was refused by this resolver, if it was."""
    return REFUSED.get((host or "").lower().rstrip("."))


class NonPublicAddress(DNSLookupError):
    """A name that resolved to an address the crawler does not connect to."""


class PublicAddressResolver(CachingThreadedResolver):
    def getHostByName(self, name: str, timeout=()):
        deferred = super().getHostByName(name, timeout)
        if name.lower().rstrip(".") in EXEMPT:
            return deferred
        return deferred.addCallback(self._checked, name)

    @staticmethod
    def _checked(address: str, name: str):
        reason = address_refusal(address)
        if reason:
            if len(REFUSED) >= REFUSED_KEPT:
                REFUSED.clear()
            REFUSED[name.lower().rstrip(".")] = message = f"{name} resolves to {reason}"
            return Failure(NonPublicAddress(message))
        return address
