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
  network asked for notification permission, else native (else push, display);
- an ad from a box a script laid over the page (attribution/overlays.py: the box's link or frame was
  followed, or the visit clicked the box): the network of the script that made the box, push if it asked for
  notification permission, else overlay (else push); a transparent click trap is a pop-under's;
- a window's later ad (it navigated again once its landing page had settled: `WindowRecord.previous`): its
  own chain, landing and brokers (the ad before is never one of them); named by the `window.open` call that
  reopened the window, else the first network of its chain, else the network of the ad before, whose kind
  it keeps."""

from __future__ import annotations

from moneytrail.crawler.domains import normal_url, registrable_domain
from moneytrail.crawler.observation import CLICK_TRAP_AREA, AdLink, Observation, Overlay, WindowOpenCall, WindowRecord

from .findings import ChainHop, Link, NetworkHit
from .overlays import overlay_network, overlay_of
from .requests import RequestNetworks, fast_host
from .signatures import Signatures

FOCUS_BEFORE, FOCUS_AFTER = 0.5, 2.0  # seconds around a window's opening where a focus() call counts


UNCLASSIFIED = "unclassified"  # an advertiser neither its domain nor its landing page's words classify


def category(sigs: Signatures, advertiser: str, title: str, url: str) -> str:
    """The advertiser's category: by its domain (data/categories.toml), else by its landing page's title and
    URL, else unclassified."""
    known = sigs.category_of_domain(advertiser)
    if known:
        return known
    text = f"{title} {url}"
    for cat in sigs.categories:
        if any(p.search(text) for p in cat.keywords):
            return cat.name
    return UNCLASSIFIED


def _opener_call(obs: Observation, window: WindowRecord) -> WindowOpenCall | None:
    first = normal_url(window.chain[0].url) if window.chain else ""
    calls = [c for c in obs.window_opens if c.page == window.opener_page or window.opener_page is None]
    exact = [c for c in calls if c.url and normal_url(c.url, c.frame_url or obs.final_url) == first]
    return min(exact, key=lambda c: abs(c.at - window.opened_at)) if exact else None  # else a link opened it


def _link(obs: Observation, window: WindowRecord) -> AdLink | None:
    """The ad link the window opened (followed by the crawler, or clicked through by a visitor's click)."""
    first = window.chain[0].url if window.chain else None
    return next((a for a in obs.ad_links if a.url == first), None) if first else None


def _prompted(obs: Observation, network: str | None, sigs: Signatures) -> bool:
    """Did this network's script ask for notification permission?"""
    return bool(network) and any(
        n.kind == "notification_prompt" and n.caller and sigs.network_of_host(fast_host(n.caller)) == network
        for n in obs.notices
    )


def _candidates(
    obs: Observation,
    window: WindowRecord,
    call: WindowOpenCall | None,
    overlay: Overlay | None,
    site: str,
    network: str | None,
    sigs: Signatures,
    rn: RequestNetworks,
) -> list[str]:
    if window.kind == "tabunder":
        return ["tabunder"]
    if overlay is not None:
        return ["push", "overlay", "native"] if _prompted(obs, network, sigs) else ["overlay", "push", "native"]
    link = _link(obs, window) if call is None else None
    if link is not None and link.where == "frame":
        return ["display", "native"]
    if link is not None and link.width * link.height >= CLICK_TRAP_AREA:
        return ["popunder", "popup"]  # an invisible anchor laid over the page or the player
    if link is not None:
        return ["push", "native", "display"] if _prompted(obs, network, sigs) else ["native", "push", "display"]
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


def _call_network(call: WindowOpenCall, rn: RequestNetworks, sigs: Signatures, site: str) -> str | None:
    """The outermost network script of the call's stack (the handler that decided to open, not a helper it
    used), else the network of the third-party frame it was made in."""
    found = next((n for n in (rn.network_of_url(u, sigs) for u in reversed(call.stack or [call.caller])) if n), None)
    if found is None and call.frame_url and registrable_domain(fast_host(call.frame_url)) != site:
        found = rn.network_of_url(call.frame_url, sigs)
    return found


def _responsible(
    obs: Observation,
    window: WindowRecord,
    call: WindowOpenCall | None,
    overlay: Overlay | None,
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
        found = _call_network(call, rn, sigs, site)
        if found:
            return found
    if overlay is not None:
        found = overlay_network(overlay, rn, sigs)
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
    shown: dict[int, Link] = {}  # window index -> its link, for the window's later ads
    shot_before = {step.n: step.screenshot for step in obs.steps if step.screenshot}  # the page before a click
    for index, window in enumerate(obs.windows):
        if window.over_limit or window.unsettled or not window.chain:
            continue  # no chain, or one that had not landed: no advertiser to name
        landing = window.landing_url or window.chain[-1].url
        advertiser = registrable_domain(fast_host(landing))
        if not advertiser or advertiser == site or sigs.network_of_host(fast_host(landing)):
            continue  # first-party (a share box, the page re-opened by a tab-under) or never left the network
        call = _opener_call(obs, window) if window.kind == "popup" else None
        link = _link(obs, window) if call is None else None
        overlay = overlay_of(obs, window, link)
        if overlay is not None and call is not None:
            mine, theirs = _call_network(call, rn, sigs, site), overlay_network(overlay, rn, sigs)
            if mine and theirs and mine != theirs:
                overlay = None  # another network's window, opened by the same click
        before = shown.get(window.previous) if window.previous is not None else None
        network = _responsible(obs, window, call, overlay, rn, sigs, site)
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
        if network is None and before is not None:
            network = before.network  # the window's ad before sent the visitor on: the same placement
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
        if before is not None and call is None and link is None and overlay is None:
            kind = before.kind
        else:
            kind = _kind(_candidates(obs, window, call, overlay, site, network, sigs, rn), network, sigs)
        shown[index] = Link(
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
            shot_before.get(window.step),
        )
        links.append(shown[index])
    return links, hits
