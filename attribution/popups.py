"""Pop-ups, pop-unders, tab-unders and followed ad links: the responsible network, every hop of the chain
classified, the advertiser (the landing page's registrable domain) and its category, the ad's kind.

The responsible network is the one whose script opened the window (the `window.open` caller, or the ad frame
it was called from), or whose frame held the link; failing that, the first network host of the chain. The
kind comes from what was observed, narrowed by the network's formats in data/networks.toml:
- a tab-under: the visited tab itself was sent to the ad;
- a window opened from inside a third-party frame: an overlay (else pop-under, else pop-up);
- a window after which the opener called `window.focus()` (the page put back in front): a pop-under;
  without it, a pop-up (else pop-under);
- a link in an ad frame: display (else native); a link a script injected into the page: push if the
  network asked for notification permission, else native (else push, display)."""

from __future__ import annotations

from moneytrail.crawler.domains import normal_url, registrable_domain
from moneytrail.crawler.observation import AdLink, Observation, WindowOpenCall, WindowRecord

from .findings import ChainHop, Link, NetworkHit
from .requests import RequestNetworks, fast_host
from .signatures import Signatures

FOCUS_BEFORE, FOCUS_AFTER = 0.5, 2.0  # seconds around a window's opening where a focus() call counts
OVERLAY_ANCHOR_AREA = 100_000  # CSS px^2: an injected link this large is a click trap, not a visible ad


def category(sigs: Signatures, advertiser: str, title: str, url: str) -> str:
    known = sigs.category_of_domain(advertiser)
    if known:
        return known
    text = f"{title} {url}"
    for cat in sigs.categories:
        if any(p.search(text) for p in cat.keywords):
            return cat.name
    return "other"


def _opener_call(obs: Observation, window: WindowRecord) -> WindowOpenCall | None:
    first = normal_url(window.chain[0].url) if window.chain else ""
    calls = [c for c in obs.window_opens if c.page == window.opener_page or window.opener_page is None]
    exact = [c for c in calls if c.url and normal_url(c.url, c.frame_url or obs.final_url) == first]
    return min(exact, key=lambda c: abs(c.at - window.opened_at)) if exact else None  # else a link opened it


def _link(obs: Observation, window: WindowRecord) -> AdLink | None:
    """The ad link the window opened (followed by the crawler, or clicked through by a visitor's click)."""
    first = window.chain[0].url if window.chain else None
    return next((a for a in obs.ad_links if a.url == first), None) if first else None


def _candidates(
    obs: Observation,
    window: WindowRecord,
    call: WindowOpenCall | None,
    site: str,
    network: str | None,
    sigs: Signatures,
    rn: RequestNetworks,
) -> list[str]:
    if window.kind == "tabunder":
        return ["tabunder"]
    link = _link(obs, window) if call is None else None
    if link is not None and link.where == "frame":
        return ["display", "native"]
    if link is not None and link.width * link.height >= OVERLAY_ANCHOR_AREA:
        return ["popunder", "popup"]  # an invisible anchor laid over the page or the player
    if link is not None:
        prompted = (
            any(
                n.kind == "notification_prompt" and n.caller and sigs.network_of_host(fast_host(n.caller)) == network
                for n in obs.notices
            )
            if network
            else False
        )
        return ["push", "native", "display"] if prompted else ["native", "push", "display"]
    if call is not None and call.frame_url and registrable_domain(fast_host(call.frame_url)) not in (site, ""):
        return ["overlay", "popunder", "popup"]
    opener = window.opener_page if window.opener_page is not None else 0
    focused = any(
        n.kind == "focus"
        and n.page == opener
        and n.at is not None
        and window.opened_at - FOCUS_BEFORE <= n.at <= window.opened_at + FOCUS_AFTER
        and _same_opener(n.caller, call, network, rn, sigs)
        for n in obs.notices
    )
    return ["popunder", "popup"] if focused else ["popup", "popunder"]


def _same_opener(caller: str | None, call: WindowOpenCall | None, network, rn: RequestNetworks, sigs) -> bool:
    """Could the script that called focus() be the one that opened the window? (Another network's pop-under
    putting the page back in front says nothing of this window.) Unknown callers are given the benefit."""
    if not caller or (call is not None and caller == call.caller):
        return True
    other = rn.network_of_url(caller, sigs)
    return other is None or network is None or other == network


def _kind(candidates: list[str], network: str | None, sigs: Signatures) -> str:
    formats = sigs.networks[network].formats if network in sigs.networks else ()
    return next((k for k in candidates if k in formats), candidates[0])


def _responsible(
    obs: Observation,
    window: WindowRecord,
    call: WindowOpenCall | None,
    rn: RequestNetworks,
    sigs: Signatures,
    site: str,
) -> str | None:
    link = _link(obs, window) if call is None else None
    if link is not None and link.where == "frame":
        found = rn.network_of_url(link.frame_url, sigs)
        if found:
            return found
    if call is not None:
        # the outermost network script of the stack: the handler that decided to open, not a helper it used
        found = next(
            (n for n in (rn.network_of_url(u, sigs) for u in reversed(call.stack or [call.caller])) if n), None
        )
        if found is None and call.frame_url and registrable_domain(fast_host(call.frame_url)) != site:
            found = rn.network_of_url(call.frame_url, sigs)
        if found:
            return found
    if window.kind == "tabunder" and window.chain:
        first = next((r for r in obs.requests if r.page == 0 and r.url == window.chain[0].url), None)
        if first is not None and first.id in rn.by_request:
            return rn.by_request[first.id][0]
    return None


def attribute_popups(obs: Observation, sigs: Signatures, rn: RequestNetworks) -> tuple[list[Link], list[NetworkHit]]:
    site = obs.final_site or obs.site
    links, hits = [], []
    for window in obs.windows:
        if window.over_limit or window.unsettled or not window.chain:
            continue  # no chain, or one that had not landed: no advertiser to name
        landing = window.landing_url or window.chain[-1].url
        advertiser = registrable_domain(fast_host(landing))
        if not advertiser or advertiser == site or sigs.network_of_host(fast_host(landing)):
            continue  # first-party (a share box, the page re-opened by a tab-under) or never left the network
        call = _opener_call(obs, window) if window.kind == "popup" else None
        network = _responsible(obs, window, call, rn, sigs, site)
        chain: list[ChainHop] = []
        for i, hop in enumerate(window.chain):
            host = fast_host(hop.url)
            domain = registrable_domain(host)
            if i == len(window.chain) - 1 or domain == advertiser:
                role = "advertiser"
            elif domain == site:
                role = "site"
            elif (
                sigs.network_of_host(host)
                or rn.by_url.get(hop.url)
                or sigs.network_of_url(hop.url)
                or rn.by_host.get(host)
            ):
                role = "network"
            else:
                role = "broker"
            chain.append(ChainHop(host, hop.via, role))
        in_chain = [
            (
                h.host,
                rn.by_url.get(u.url)
                or sigs.network_of_host(h.host)
                or sigs.network_of_url(u.url)
                or rn.by_host.get(h.host),
            )
            for h, u in zip(chain, window.chain, strict=False)
            if h.role == "network"
        ]
        if network is None and in_chain:
            network = in_chain[0][1]
        if network is None:
            first = next((h for h in chain if h.role not in ("site",)), None)
            if first is None or first.role == "advertiser":
                continue
            network = f"unknown:{first.host}"
            first.role = "network"
        hop_host = next((host for host, name in in_chain if name == network), None)
        if hop_host:
            hits.append(NetworkHit(network, "chain", hop_host))
        elif network.startswith("unknown:"):
            hits.append(NetworkHit(network, "chain", network.removeprefix("unknown:")))
        brokers = list(dict.fromkeys(registrable_domain(h.host) for h in chain if h.role == "broker"))
        kind = _kind(_candidates(obs, window, call, site, network, sigs, rn), network, sigs)
        links.append(
            Link(
                network,
                advertiser,
                kind,
                category(sigs, advertiser, window.landing_title, landing),
                brokers,
                chain,
                landing,
                window.landing_title,
                window.page,
                window.screenshot,
            )
        )
    return links, hits
