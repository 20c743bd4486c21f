"""The redirect rule of the IAB ads.txt (1.0.2 and 1.1, "Access method") and sellers.json 1.0 specifications,
as the spider applies it to each redirect answer, hop by hop.

- A redirect (301, 302, 307; and 308, the permanent twin of 307 that came after the specifications' list) is
  followed, and the file found is authoritative for the URL first asked, when it stays within the original
  root domain (the registrable domain: Public Suffix List plus one label). Several redirects are fine as long
  as each stays within it (http to https, the bare domain to `www.`).
- One redirect to a destination outside the original root domain is allowed (delegation to a third party's
  server). If that third party answers with a redirect in turn, the fetch is an error.
- Any other answer in the 3xx range is an error (the status is kept), and so is a redirect without a usable
  `Location`, to something else than http(s), or past MAX_REDIRECTS hops.

Each hop's host is also held to the public-address rule (crawler/public_hosts.py, crawler/addresses.py) when it
is requested.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from .domains import host_of, registrable_domain

REDIRECT_STATUSES = (301, 302, 307, 308)
MAX_REDIRECTS = 5


def redirect_target(origin: str, current: str, location: str, hops: int) -> tuple[str | None, str | None]:
    """(the URL to request next, None) when the redirect from `current` to `location` may be followed, else
    (None, why not). `origin` is the URL first asked for, `hops` the redirects already followed."""
    location = (location or "").strip()
    if not location:
        return None, "a redirect without a Location"
    try:
        target = urljoin(current, location)
        parts = urlsplit(target)
        target_host = (parts.hostname or "").lower()
    except ValueError:
        return None, f"a redirect to an unusable Location {location[:200]!r}"
    if parts.scheme not in ("http", "https") or not target_host:
        return None, f"a redirect to {target[:200]!r}, not an http(s) URL"
    if hops >= MAX_REDIRECTS:
        return None, f"more than {MAX_REDIRECTS} redirects"
    root = registrable_domain(host_of(origin))
    if registrable_domain(host_of(current)) != root:
        return None, f"the third party {host_of(current)} redirected again (to {target_host})"
    return target.split("#", 1)[0], None
