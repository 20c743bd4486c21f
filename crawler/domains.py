"""Host names and registrable domains, with no network access (tldextract's bundled suffix list only)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

import idna
import tldextract

# suffix_list_urls=() and no cache: tldextract never downloads the Public Suffix List. Private suffixes count
# (x.blogspot.com and y.blogspot.com are two sites, as they are two owners).
HOST_RE = re.compile(  # a lower-case DNS host name of two labels or more (underscores allowed, as DNS has them)
    r"^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)+$"
)
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def host_of(url: str) -> str:
    """The lower-case host of a URL ('' when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """`www.sub.example.co.uk` -> `example.co.uk`; an IP address or a bare name is returned as it is.

    Hosts under a suffix the list does not know (the sandbox's `.test`) count the last two labels."""
    host = host.lower().rstrip(".")
    if not host:
        return ""
    parts = _EXTRACT(host)
    if parts.top_domain_under_public_suffix:
        return parts.top_domain_under_public_suffix
    if parts.ipv4 or ":" in host:
        return host
    labels = host.split(".")
    return ".".join(labels[-2:])


# characters IDNA mapping would silently drop (zero-width and other default-ignorable code points): a host that
# holds one is refused rather than read as another host
_INVISIBLE = re.compile("[\u00ad\u034f\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]")


def ascii_host(host: str) -> str:
    """A host name as DNS carries it: lower-case ASCII, each non-ASCII label in IDNA 2008 (UTS #46,
    non-transitional: `straße` stays `xn--strae-...`, not `strasse`, another site). ValueError naming the
    problem for invisible characters, invalid A-labels (`xn--` that is no valid punycode) or code points IDNA
    forbids. ASCII labels pass as they are (DNS allows underscores that IDNA does not)."""
    host = host.strip().rstrip(".")
    if _INVISIBLE.search(host):
        raise ValueError(f"invisible character in host name {host[:80]!r}")
    labels = []
    for label in host.split("."):
        lower = label.lower()
        try:
            if lower.isascii() and not lower.startswith("xn--"):
                labels.append(lower)
            elif lower.isascii():
                labels.append(idna.encode(idna.decode(lower), uts46=True, transitional=False).decode("ascii"))
            else:
                labels.append(idna.encode(label, uts46=True, transitional=False).decode("ascii"))
        except (idna.IDNAError, UnicodeError, ValueError) as exc:
            raise ValueError(f"invalid host name {host[:80]!r}: {exc}") from None
    return ".".join(labels)


@lru_cache(maxsize=65536)
def public_registrable_domain(host: str) -> str:
    """The registrable domain of `host` under a suffix the Public Suffix List knows; '' for anything else (an
    unknown suffix such as `.corp` or `.test`, an IP address, a bare suffix): no "last two labels" guess."""
    host = host.lower().rstrip(".")
    return _EXTRACT(host).top_domain_under_public_suffix if host else ""


def public_suffix(host: str) -> str:
    """The public suffix of `host` as the Public Suffix List knows it ('' when it knows none)."""
    host = host.lower().rstrip(".")
    return _EXTRACT(host).suffix if host else ""


def site_of(url: str) -> str:
    """The registrable domain of a URL."""
    return registrable_domain(host_of(url))


DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def normal_url(url: str, base: str = "") -> str:
    """`url` resolved against `base` as Chromium writes the URL it goes to: scheme and host lower-cased (the
    host in IDNA 2008), a default port dropped, an empty path as `/`, no fragment. For comparing URLs written by
    a page (an href, a window.open argument) with URLs the browser requested."""
    try:
        parts = urlsplit(urljoin(base, url.strip()))
        host = ascii_host(parts.hostname) if parts.hostname else ""
        port = parts.port
    except (ValueError, UnicodeError):
        return url
    scheme = parts.scheme.lower()
    netloc = host + (f":{port}" if port and port != DEFAULT_PORTS.get(scheme) else "")
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
