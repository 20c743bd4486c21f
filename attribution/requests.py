"""Which ad network each request of a visit belongs to.

In order: the request's host is in a network's host family, or its URL matches a network's URL pattern
(evidence `host`); else it inherits the network of what loaded it (evidence `initiator`): the script Chromium
names as its initiator, wherever that script came from, or the ad frame it was made in. A navigation of a
window's main frame inherits from a script only (a window.open of the network's script), never from the page
before it, so brokers and landing pages are not counted as the network's. A third-party request still
unnamed that an ad filter list blocks becomes `unknown:<host>` (evidence `list`). Never the site's network:
what an embed's frame requests (a YouTube player carries YouTube's ads), a script fetched rather than run (an
ad-blocker detector's probe), an advertiser-side endpoint under a network's host (data: not_networks)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from moneytrail.crawler.domains import registrable_domain
from moneytrail.crawler.observation import Observation

from .findings import NetworkHit
from .lists import FilterLists
from .signatures import Signatures

_HOST = re.compile(r"(?:blob:)?[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#\\@]*@)?(\[[^\]/]*\]|[^/?#\\:]*)")


def fast_host(url: str) -> str:
    """The lower-case host of an absolute URL, without urllib's cost ('' for none); a blob: URL's is the host
    of the origin that made it."""
    match = _HOST.match(url)
    return match.group(1).lower().rstrip(".") if match else ""


PROBES = ("fetch", "xhr")  # a script a page fetches instead of running it: an ad-blocker detector's probe


def _embed_frames(obs: Observation, sigs: Signatures) -> set[int]:
    """Frames of embeds (a video or comment platform) and their descendants: what happens there is theirs."""
    if not sigs.embeds:
        return set()
    out: set[int] = set()
    for frame in sorted(obs.frames, key=lambda f: f.id):
        if frame.parent in out or (frame.parent is not None and sigs.embed(fast_host(frame.url))):
            out.add(frame.id)
    return out


@dataclass
class RequestNetworks:
    by_request: dict[int, tuple[str, str]] = field(default_factory=dict)  # request id -> (network, evidence)
    by_url: dict[str, str] = field(default_factory=dict)  # URL -> network of the first request to it
    by_host: dict[str, str] = field(default_factory=dict)  # third-party host -> network it served for
    hits: dict[NetworkHit, None] = field(default_factory=dict)  # ordered set
    miner_list_hosts: set[str] = field(default_factory=set)  # third-party hosts a miner list blocks
    hosts: list[str] = field(default_factory=list)  # the host of each request, in order

    def network_of_url(self, url: str | None, sigs: Signatures) -> str | None:
        """The network that served `url` in this visit, or whose hosts or URL patterns it matches."""
        if not url:
            return None
        return self.by_url.get(url) or sigs.network_of_host(fast_host(url)) or sigs.network_of_url(url)


def attribute_requests(obs: Observation, sigs: Signatures, lists: FilterLists | None = None) -> RequestNetworks:
    site = obs.final_site or obs.site
    out = RequestNetworks()
    frame_url = {f.id: f.url for f in obs.frames}
    main_frames = {f.id for f in obs.frames if f.parent is None}
    scripts: dict[str, str] = {}  # script URL -> network
    frame_docs: dict[str, str] = {}  # URL of a subframe's document -> network
    unnamed = []
    third_party: dict[str, bool] = {}

    def foreign(host: str) -> bool:
        known = third_party.get(host)
        if known is None:
            known = third_party[host] = bool(host) and registrable_domain(host) != site
        return known

    def record(request, host: str, network: str, evidence: str) -> None:
        out.by_request[request.id] = (network, evidence)
        out.by_url.setdefault(request.url, network)
        if request.resource_type == "script":
            scripts.setdefault(request.url, network)
        elif request.resource_type == "document" and request.frame is not None and request.frame not in main_frames:
            frame_docs.setdefault(request.url, network)
        if foreign(host):
            out.hits[NetworkHit(network, evidence, host)] = None
            if evidence != "list":
                out.by_host.setdefault(host, network)

    def parent_network(request) -> str | None:
        top_navigation = request.navigation and (request.frame is None or request.frame in main_frames)
        initiator = request.initiator
        if initiator:
            found = scripts.get(initiator)
            if found is None and not top_navigation:
                found = frame_docs.get(initiator) or sigs.network_of_host(fast_host(initiator))
            if found:
                return found
        if not top_navigation and request.frame is not None:
            return frame_docs.get(frame_url.get(request.frame, ""))
        return None

    # the hot loop (every request of every visit): locals and the host cache read directly
    hosts, host_match, cache, lookup, by_pattern = (
        out.hosts,
        _HOST.match,
        sigs._host_cache,
        sigs.host,
        sigs.network_of_url,
    )
    embedded = _embed_frames(obs, sigs)
    ignored_urls = sigs.not_network_urls
    for request in obs.requests:
        url = request.url
        match = host_match(url)
        host = match.group(1).lower().rstrip(".") if match else ""
        hosts.append(host)
        if (
            request.frame in embedded
            or (request.resource_type in PROBES and url.split("?", 1)[0].endswith(".js"))
            or request.method == "HEAD"
            or (ignored_urls and sigs.not_network_url(url))
        ):
            continue  # an embed's own request, an ad-blocker's probe, an advertiser's pixel: not the site's ads
        network = (cache.get(host) or lookup(host))[0] or by_pattern(url)
        if network:
            record(request, host, network, "host")
            continue
        # a main-frame subresource with no initiator has nothing to inherit from
        network = (
            parent_network(request)
            if request.initiator or request.frame not in main_frames or request.navigation
            else None
        )
        if network:
            record(request, host, network, "initiator")
        else:
            unnamed.append((request, host))
    listed: set[str] = set()
    page_url = obs.final_url or obs.url
    for request, host in unnamed:
        # an initiator (or frame document) attributed after its child was recorded
        network = parent_network(request) if request.initiator or request.frame not in main_frames else None
        if network:
            record(request, host, network, "initiator")
        elif lists is not None and host not in listed and foreign(host) and not sigs.not_a_network(host):
            # (a host already an unknown network of this visit has nothing new to say)
            kind = lists.check(request.url, frame_url.get(request.frame) or page_url, request.resource_type)
            if kind == "ads":
                listed.add(host)
                record(request, host, f"unknown:{host}", "list")
            elif kind == "miner":
                out.miner_list_hosts.add(host)
    return out
