"""Which hosts the crawler's own requests may go to: public ones only.

The plain requests (ads.txt, app-ads.txt, sellers.json and every redirect hop) go to hosts that hostile data
names: a site's redirect, an ads.txt line. They must never reach this machine or its network. One rule:

- an IP address (whatever its spelling: `127.1`, `2130706433` and `0x7f.0.0.1` are all 127.0.0.1 to a
  resolver) must be a global unicast address: not loopback, private, link-local, shared (carrier NAT),
  multicast, reserved or unspecified, nor an IPv6 address carrying one of those (mapped, 6to4, NAT64);
- a name must have two labels or more, not be a special-use name (`localhost`, `.local`, `.internal`,
  `.arpa`, `.onion`, `.invalid`, `.example`, `.alt`, `.test`...) and be under a suffix of the Public Suffix
  List, except under a suffix the watchlist's own sites use (the analyst chose those names: the sandbox's
  `.test` sites are crawled because the watchlist lists them; a real watchlist's sites never make
  `.internal` or `.corp` acceptable);
- every address the name resolves to must be public (`resolved_refusal`: checked before a request, and
  again when Scrapy connects, by crawler/resolver.py, so a name cannot resolve to a public address for the
  check and to a private one for the connection).

The browser goes where pages send it (popups, redirects): what the crawler itself chooses to open or keep from a
page, an ad link to follow or a landing page to read and screenshot, is held to the same rule
(`page_chosen_refusal`), the visited site's own names and top-level label accepted.

Through a proxy the proxy resolves names; a name that resolves here to a non-public address is refused all
the same, a name that does not resolve here is left to the proxy.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterable

from .domains import host_of, public_suffix

# special-use names (RFC 6761, 6762, 7686, 8375, 9476; `internal` reserved by ICANN for private use): never a
# public site, whatever the Public Suffix List says of `.arpa` and `.onion`
SPECIAL_USE = ("localhost", "local", "internal", "arpa", "onion", "invalid", "example", "alt", "test")
LABEL_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
NUMERIC_RE = re.compile(r"^[0-9a-fx.]+$")  # what a resolver may read as an IPv4 address (inet_aton forms)


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address `host` spells, in any of the forms resolvers accept; None for a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if NUMERIC_RE.match(host) and not host.endswith("."):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def address_refusal(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why this address is not one to fetch from (None: a global unicast address)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in ipaddress.IPv6Network("64:ff9b::/96"):  # NAT64 carries the IPv4 address
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            reason = address_refusal(embedded)
            return reason and f"{ip} carries {reason}"
    for what, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return f"{what} address {ip}"
    if not ip.is_global:
        return f"non-public address {ip}"
    return None


def namespaces(domains: Iterable[str]) -> frozenset[str]:
    """The top-level labels of these (watchlist) domains that the Public Suffix List does not know: the names
    under them are the analyst's choice, so `host_refusal` accepts them."""
    out = set()
    for domain in domains:
        domain = domain.lower().rstrip(".")
        if domain and "." in domain and _literal(domain) is None and not public_suffix(domain):
            out.add(domain.rsplit(".", 1)[1])
    return frozenset(out)


def host_refusal(host: str, allowed: frozenset[str] = frozenset()) -> str | None:
    """Why the crawler's own requests must not go to `host` (None: it may), without resolving it.

    `allowed`: top-level labels accepted though the Public Suffix List does not know them (`namespaces()`)."""
    host = (host or "").lower().rstrip(".")
    if not host:
        return "no host"
    literal = _literal(host)
    if literal is not None:
        return address_refusal(literal)
    labels = host.split(".")
    if len(host) > 253 or not all(LABEL_RE.match(label) for label in labels):
        return f"{host!r} is not a host name"
    if len(labels) < 2:
        return f"{host} is a single-label name"
    top = labels[-1]
    if top in allowed:
        return None
    if top in SPECIAL_USE or host.endswith(".home.arpa"):
        return f"{host} is a special-use name"
    if not public_suffix(host):
        return f"{host} is under no public suffix"
    return None


async def resolved_refusal(host: str, timeout: float = 10.0) -> str | None:
    """Why `host` is refused once resolved here: an address it resolves to is not public (None when every
    address is public, or when it does not resolve here: a proxy may still know it, and a direct connection
    fails on its own)."""
    if _literal(host) is not None:
        return None
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), timeout)
    except (OSError, UnicodeError, TimeoutError):
        return None
    for *_, sockaddr in infos:
        reason = address_refusal(sockaddr[0])
        if reason:
            return f"{host} resolves to {reason}"
    return None


async def page_chosen_refusal(url: str, sites: Iterable[str], timeout: float = 2.0) -> str | None:
    """Why a URL a page chose must not be opened or read by the crawler (None: it may). The visited `sites`'
    own hosts, and names under their top-level labels unknown to the Public Suffix List, are the analyst's
    choice and accepted; anything else must be a public host (`host_refusal`, then `resolved_refusal`)."""
    if not url.startswith(("http:", "https:", "ws:", "wss:")):
        return None  # the browser's own pages (an error page, about:blank) and data: show nothing of a network
    host, sites = host_of(url), [s for s in sites if s]
    if host and any(host == s or host.endswith("." + s) for s in sites):
        return None
    return host_refusal(host, namespaces(sites)) or await resolved_refusal(host, timeout)
