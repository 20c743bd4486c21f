"""Click servers, traffic brokers and advertiser landing pages: the redirect chains ads lead through.

A click enters at the network's click server (`/click?net=..&s=<site>&l=<language>`), which picks the
campaign (the site's placement, the visitor's country from the geo proxy, the visitor's language) and
sends the visitor on, hop by hop (`/r/<campaign>/<step>`), to the advertiser's landing page
(`/lp/<campaign>`). Each hop sends on the way the data says: an HTTP 302, a meta refresh, a script
`location.replace`, or an auto-submitted POST form.
"""

from __future__ import annotations

import html
import json
from urllib.parse import urlencode, urlsplit

from .app import SandboxApp
from .http import Request, Response
from .world import THROWAWAY, Campaign, Network, Site, World, stable_int

CATEGORY_COPY = {
    "gambling": "Deposit now and get your bonus. 18+. Gambling can be addictive.",
    "adult": "Adults only. Are you over 18? [Enter] [Leave]",
    "scam": "Your device is at risk! Call support now or download the cleaner. Offer expires in 04:59.",
    "vpn": "Hide your IP while you stream. 30-day money-back guarantee.",
    "dating": "3 women near you want to chat. Sign up free.",
    "crypto": "Turn 250 EUR into a fortune. Trade with leverage today.",
    "mainstream": "Shop the season's best offers. Free delivery.",
}


def decimal(text: str | None) -> int | None:
    """`text` as a number when it is a short run of decimal digits, else None (never raises)."""
    return int(text) if text and len(text) <= 9 and text.isdecimal() else None


def host_of(hop_host: str, world: World, site: Site) -> str:
    return world.throwaway_host(site) if hop_host == THROWAWAY else hop_host


def click_url(world: World, network: Network, site: Site, zone: str | None = None, item: int | None = None) -> str:
    """The entry URL of a network's click server for a site (what a tag opens or an ad links to)."""
    params = {"net": network.id, "s": site.domain}
    if zone:
        params["z"] = zone
    if item is not None:
        params["c"] = str(item)
    return f"https://{host_of(network.click_host, world, site)}/click?{urlencode(params)}"


def hop_url(world: World, campaign: Campaign, step: int, site: Site) -> str:
    """URL of hop `step` of a campaign; one past the last hop is the advertiser's landing page."""
    query = urlencode({"s": site.domain})
    if step >= len(campaign.hops):
        return f"https://{campaign.advertiser}/lp/{campaign.id}?{query}"
    return f"https://{host_of(campaign.hops[step].host, world, site)}/r/{campaign.id}/{step}?{query}"


def send_on(via: str, target: str) -> Response:
    """A response that takes the browser to `target` the way `via` says."""
    quoted = html.escape(target, quote=True)
    if via == "http":
        return Response.redirect(target, 302)
    if via == "meta":
        return Response.html(
            f'<html><head><meta http-equiv="refresh" content="0;url={quoted}">'
            f"<title>Redirecting</title></head><body>Loading...</body></html>"
        )
    if via == "js":
        return Response.html(
            f"<html><head><title>Please wait</title></head><body>Please wait..."
            f"<script>setTimeout(function(){{location.replace({json.dumps(target)})}},50)"
            f"</script></body></html>"
        )
    if via == "form":
        split = urlsplit(target)
        action = html.escape(target, quote=True)
        return Response.html(
            f'<html><head><title>Verifying</title></head><body><form method="POST" action="{action}">'
            f'<input type="hidden" name="token" value="{stable_int(split.path) % 10**8}">'
            f'<input type="hidden" name="src" value="{html.escape(split.query, quote=True)}"></form>'
            f"<script>document.forms[0].submit()</script></body></html>"
        )
    raise ValueError(f"unknown hop type {via!r}")


def site_of(req: Request, world: World) -> Site | None:
    """The site an ad request is for: the `s` parameter, else the Referer's host."""
    name = req.query.get("s") or urlsplit(req.headers.get("referer", "")).hostname or ""
    return world.site(name.lower())


class Chains:
    def __init__(self, app: SandboxApp, world: World):
        self.app = app
        self.world = world
        self.campaigns = {c.id: c for n in world.networks.values() for c in n.campaigns}

    def register(self) -> None:
        hosts = set(self.world.brokers)
        for net in self.world.networks.values():
            hosts.update(net.hosts)
        for host in hosts:
            self.app.http(host, "/click", self.click)
            self.app.http(host, "/r/*", self.hop)
        for net in self.world.networks.values():
            if net.host_pattern:
                family = self.app.family(net.host_pattern, f"{net.name} throwaway hosts")
                self.app.http(family, "/click", self.click)
                self.app.http(family, "/r/*", self.hop)
        for adv in self.world.advertisers.values():
            self.app.http(adv.domain, "/lp/*", self.landing)
            self.app.http(adv.domain, "/", self.landing)

    def campaign_for_click(self, req: Request) -> tuple[Site, Campaign] | None:
        """The site and campaign of a click: the item `c` when given, else the placement's for the visitor."""
        site = site_of(req, self.world)
        net = self.world.networks.get(req.query.get("net", ""))
        placement = site.placement(net.id) if site and net else None
        if placement is None:
            return None
        item = decimal(req.query.get("c"))
        if item is not None:
            return (site, net.campaigns[item]) if item < len(net.campaigns) else None
        language = (req.query.get("l") or req.language).split("-")[0].lower()
        return site, self.world.campaign_for(site, placement, country=req.country, language=language)

    def click(self, req: Request) -> Response:
        if "c" in req.query and decimal(req.query["c"]) is None:
            return Response.text("bad item number", status=400)
        found = self.campaign_for_click(req)
        if found is None:
            return Response.html("<!doctype html><title>No ad</title><p>No ad available.</p>")
        site, campaign = found
        self.app.log("click", network=campaign.network, campaign=campaign.id, site=site.domain, country=req.country)
        return send_on(campaign.hops[0].via, hop_url(self.world, campaign, 1, site))

    def hop(self, req: Request) -> Response:
        parts = req.path.split("/")  # ['', 'r', campaign, step]
        campaign = self.campaigns.get(parts[2]) if len(parts) == 4 else None
        step = decimal(parts[-1])
        site = site_of(req, self.world)
        if campaign is None or site is None or step is None or not 0 < step < len(campaign.hops):
            return Response.not_found()
        return send_on(campaign.hops[step].via, hop_url(self.world, campaign, step + 1, site))

    def landing(self, req: Request) -> Response:
        adv = self.world.advertisers.get(req.host)
        if adv is None:
            return Response.not_found()
        campaign = req.path.rsplit("/", 1)[-1]
        site = req.query.get("s", "")
        self.app.log("landing", advertiser=adv.domain, campaign=campaign, site=site)
        copy = CATEGORY_COPY.get(adv.category, "")
        return Response.html(
            f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(adv.title)}</title></head>"
            f"<body style='font-family:sans-serif;background:#111;color:#eee;text-align:center'>"
            f"<h1>{html.escape(adv.name)}</h1><p>{html.escape(copy)}</p>"
            f"<a href='/signup' style='font-size:2em;color:#ff0'>Continue</a></body></html>"
        )


def register(app: SandboxApp, world: World) -> None:
    Chains(app, world).register()
