"""Ad networks of the sandbox: their tags in the page, the scripts and frames they serve.

Each network's `behaviour` (world data) picks an entry of BEHAVIOURS: how its tag is written into the
page and which hosts a visit requests without any click (and after a scroll); what triggers its ad is
world.AD_BEHAVIOURS. The scripts are in `assets/networks/`, written for the sandbox.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from .app import SandboxApp
from .chains import click_url, decimal, site_of
from .http import Request, Response
from .world import AdPlacement, Network, Site, World, stable_int

ASSETS = Path(__file__).parent / "assets" / "networks"


@cache
def asset(name: str) -> str:
    return (ASSETS / f"{name}.js").read_text(encoding="utf-8")


def js_string(value: str) -> str:
    """`value` as a JavaScript string literal, safe inside an inline <script> too."""
    return json.dumps(value).replace("</", "<\\/")


def tag_script(behaviour: str, network: Network, click_host: str, **extra: str) -> str:
    """The behaviour's script; each `extra` value replaces its quoted placeholder ("__KEY__") as a literal."""
    code = asset("common") + "\n" + asset(behaviour)
    code = code.replace("__CLICK_HOST__", click_host).replace("__NET__", network.id)
    for key, value in extra.items():
        code = code.replace(f'"__{key.upper()}__"', js_string(value))
    return code


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


# --- how each behaviour's tag is written into a page ---------------------------------------------


def _popads(net, site, zone):
    return (
        f"<script>var _pop = _pop || [];_pop.push(['siteId', {js_string(zone)}]);_pop.push(['minBid', 0]);"
        f"_pop.push(['popundersPerIP', 0]);_pop.push(['default', false]);</script>\n"
        f'<script async src="{_attr(net.tag)}"></script>'
    )


def _popcash(net, site, zone):
    wid = site.publisher_id("popcash_wid")
    return (
        f"<script>var uid = {js_string(zone)}; var wid = '{wid}'; var pop_fback = 'up';</script>\n"
        f'<script async src="{_attr(net.tag)}"></script>'
    )


def _script_with_zone(attribute):
    def write(net, site, zone):
        return f'<script async src="{_attr(net.tag)}" {attribute}="{_attr(zone)}"></script>'

    return write


def _obfuscated_loader(net, site, zone):
    """An inline loader that computes a throwaway hostname from the key at run time."""
    codes = ",".join(str(ord(c)) for c in "createElement")
    src = ",".join(str(ord(c)) for c in "/invoke.js")
    return (
        "<script>(function(_0x1,_0x2){var _0x3=String.fromCharCode,_0x4=[" + codes + "],_0x5=[" + src + "],"
        "_0x6=0,_0x7='',_0x8='abcdefghijklmnopqrstuvwxyz';for(var i=0;i<_0x1.length;i++){_0x6=(_0x6*31+"
        "_0x1.charCodeAt(i))%2147483647}for(var j=0;j<8;j++){_0x7+=_0x8[(_0x6>>(j*3))%26]}"
        "_0x7+=(_0x6%100<10?'0':'')+(_0x6%100)+'.'+_0x2;var _0x9=document[_0x3.apply(null,_0x4)]('script');"
        "_0x9.src='//'+_0x7+'/'+_0x1+_0x3.apply(null,_0x5);_0x9.async=!0;document.head.appendChild(_0x9)})"
        f"({js_string(zone)},'c'+'o'+'m');</script>"
    )


def _exoclick(net, site, zone):
    return (
        f'<ins class="eas6a97888e" data-zoneid="{_attr(zone)}"></ins>\n'
        f'<script async src="{_attr(net.tag)}"></script>\n'
        '<script>(AdProvider = window.AdProvider || []).push({"serve": {}});</script>'
    )


def _juicyads(net, site, zone):
    return (
        f'<div id="jz{_attr(zone)}" class="ad-slot"></div>\n'
        f'<script src="{_attr(net.tag)}?c={_attr(zone)}&amp;u=https%3A%2F%2F{_attr(site.domain)}"'
        f' data-zone="{_attr(zone)}"></script>'
    )


def _hilltop(net, site, zone):
    return (
        f"<script>window.htCfg = {{site: {js_string(zone)}}};(function (d) {{ var s = d.createElement('script');"
        f" s.src = {js_string(net.tag)}; s.async = true; d.head.appendChild(s); }})(document);</script>"
    )


def _mgid(net, site, zone):
    return (
        f'<div data-type="_mgwidget" data-widget-id="{_attr(zone)}"></div>\n'
        f'<script async src="{_attr(net.tag)}"></script>'
    )


def _aads(net, site, zone):
    return (
        f'<iframe data-aa="{_attr(zone)}" src="https://ad.a-ads.com/{_attr(zone)}?size=728x90" '
        'style="width:728px;height:90px;border:0;padding:0;overflow:hidden" scrolling="no"></iframe>'
    )


def _adsense(net, site, zone):
    slot = str(1_000_000_000 + stable_int(site.domain, "adsense-slot") % 8_999_999_999)
    return (
        f'<script async src="{_attr(net.tag)}?client={_attr(zone)}" crossorigin="anonymous"></script>\n'
        f'<ins class="adsbygoogle" style="display:block" data-ad-client="{_attr(zone)}" '
        f'data-ad-slot="{slot}"></ins>\n<script>(adsbygoogle = window.adsbygoogle || []).push({{}});</script>'
    )


def _prebid_bidder(net, site, zone):
    """Nothing per bidder: sandbox/prebid.py writes the page's one Prebid.js setup for all of them."""
    return ""


@dataclass(frozen=True)
class Behaviour:
    write: Callable[[Network, Site, str], str]
    load_hosts: tuple[str, ...] = ()  # hosts requested at load besides the tag's
    scroll_hosts: tuple[str, ...] = ()  # hosts requested only after a scroll


BEHAVIOURS: dict[str, Behaviour] = {
    "popunder_window_open": Behaviour(_popads),
    "popunder_overlay_anchor": Behaviour(_popcash),
    "push_prompt_and_banner": Behaviour(_script_with_zone("data-zone")),
    "tabunder": Behaviour(_script_with_zone("data-zone")),
    "popunder_obfuscated_loader": Behaviour(_obfuscated_loader),
    "display_nested_iframes": Behaviour(_exoclick, ("syndication.exdynsrv.com",)),
    "display_lazy_after_scroll": Behaviour(_juicyads, scroll_hosts=("adserver.juicyads.com",)),
    "popunder_from_ad_iframe": Behaviour(_script_with_zone("data-ts-spot"), ("tsyndicate.com",)),
    "popunder_injected_links": Behaviour(_script_with_zone("data-zone")),
    "popup_delayed": Behaviour(_hilltop),
    "popunder_capped": Behaviour(_script_with_zone("data-zone")),
    "native_widget": Behaviour(_mgid, ("s-img.mgid.com",)),
    "display_iframe_unit": Behaviour(_aads),
    "display_adsense": Behaviour(_adsense, ("googleads.g.doubleclick.net",)),
    "prebid_bidder": Behaviour(_prebid_bidder),  # the tag's host is the bidder's endpoint
}


def ad_snippet(world: World, site: Site, ad: AdPlacement) -> str:
    net = world.networks[ad.network]
    return BEHAVIOURS[net.behaviour].write(net, site, site.publisher_id(net.id_type))


def load_hosts(world: World, site: Site, ad: AdPlacement) -> list[str]:
    """Hosts a visit of a page carrying `ad` requests before any click or scroll."""
    net = world.networks[ad.network]
    tag_host = world.throwaway_host(site) if net.tag == "obfuscated" else urlsplit(net.tag).hostname
    return [tag_host, *BEHAVIOURS[net.behaviour].load_hosts]


def scroll_hosts(world: World, ad: AdPlacement) -> list[str]:
    return list(BEHAVIOURS[world.networks[ad.network].behaviour].scroll_hosts)


def native_items(world: World, network: Network) -> list[int]:
    """Campaign indexes a native widget shows: every campaign without targeting."""
    return [c.index for c in network.campaigns if not c.when]


# --- what the networks' hosts serve -------------------------------------------------------------


def banner_svg(text: str, width: int, height: int, seed: str) -> str:
    hue = stable_int(seed) % 360
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<rect width="100%" height="100%" fill="hsl({hue},70%,40%)"/>'
        f'<text x="50%" y="55%" font-family="sans-serif" font-size="{max(12, height // 6)}" fill="#fff" '
        f'text-anchor="middle">{html.escape(text)}</text></svg>'
    )


class Networks:
    def __init__(self, app: SandboxApp, world: World):
        self.app = app
        self.world = world

    def register(self) -> None:
        for net in self.world.networks.values():
            if net.tag == "obfuscated":
                family = self.app.family(net.host_pattern, f"{net.name} throwaway hosts")
                self.app.http(family, "/*", self._payload(net))
            elif (ASSETS / f"{net.behaviour}.js").exists():  # not for tags that are a bare iframe
                parts = urlsplit(net.tag)
                self.app.http(parts.hostname, parts.path or "/", self._tag(net))
            for host in net.hosts:
                self.app.http(host, "/img/*", self.image)
        a = self.app
        a.http("syndication.exdynsrv.com", "/ads-iframe-display.php", self.exo_outer)
        a.http("syndication.exdynsrv.com", "/creative.php", self.creative_for("exoclick", 300, 250, "idzone"))
        a.http("adserver.juicyads.com", "/adshow.php", self.creative_for("juicyads", 300, 250, "adzone"))
        a.http("googleads.g.doubleclick.net", "/pagead/ads", self.creative_for("adsense", 728, 90, "client"))
        a.http("ad.a-ads.com", "/*", self.creative_for("a-ads", 728, 90, None))
        a.http("tsyndicate.com", "/iframes2/overlay.html", self.ts_overlay)
        a.http("jsc.mgid.com", "/items", self.mgid_items)

    def _tag(self, net: Network):
        code = tag_script(net.behaviour, net, net.click_host)
        return lambda req: Response.js(code)

    def _payload(self, net: Network):
        def serve(req: Request) -> Response:
            key = req.path.strip("/").split("/")[0]
            if not req.path.endswith("/invoke.js"):
                return Response.not_found()
            return Response.js(tag_script("popunder_obfuscated_payload", net, req.host, zone=key))

        return serve

    def image(self, req: Request) -> Response:
        name = req.path.rsplit("/", 1)[-1].removesuffix(".svg")
        adv = self.world.advertisers.get(req.query.get("a", ""))
        label = adv.name if adv else "Sponsored"
        w, h = decimal(req.query.get("w")) or 300, decimal(req.query.get("h")) or 250
        return Response(body=banner_svg(label, min(w, 1000), min(h, 1000), name), content_type="image/svg+xml")

    def exo_outer(self, req: Request) -> Response:
        zone = _attr(req.query.get("idzone", ""))
        site = _attr(req.query.get("s", ""))
        return Response.html(
            "<html><body style='margin:0'>"
            f"<iframe src='/creative.php?idzone={zone}&amp;s={site}' width='300' height='250' "
            "frameborder='0' scrolling='no'></iframe></body></html>"
        )

    def _placement(self, network_id: str, req: Request) -> tuple[Site, AdPlacement] | None:
        site = site_of(req, self.world)
        if site is None:
            return None
        ad = site.placement(network_id)
        return (site, ad) if ad else None

    def creative_for(self, network_id: str, width: int, height: int, zone_param: str | None):
        net = self.world.networks[network_id]

        def serve(req: Request) -> Response:
            found = self._placement(network_id, req)
            if found is None:
                return Response.html("<html><body></body></html>")
            site, ad = found
            campaign = self.world.campaign_for(site, ad)
            zone = site.publisher_id(net.id_type)
            img = f"https://{req.host}/img/{campaign.id}.svg?a={campaign.advertiser}&w={width}&h={height}"
            return Response.html(
                "<html><body style='margin:0'>"
                f"<a href='{_attr(click_url(self.world, net, site, zone))}' target='_blank' class='ad-link'>"
                f"<img src='{_attr(img)}' width='{width}' height='{height}' alt='ad'></a></body></html>"
            )

        return serve

    def ts_overlay(self, req: Request) -> Response:
        found = self._placement("trafficstars", req)
        if found is None:
            return Response.html("<html><body></body></html>")
        site, ad = found
        net = self.world.networks["trafficstars"]
        url = click_url(self.world, net, site, site.publisher_id(net.id_type))
        return Response.html(
            "<html><body style='margin:0;background:rgba(0,0,0,.35);color:#fff;font:14px sans-serif;"
            "height:100vh;cursor:pointer'><div style='position:absolute;right:8px;top:8px'>Close ad [x]</div>"
            "<div style='position:absolute;bottom:8px;left:8px'>Advertisement</div>"
            "<script>document.addEventListener('click', function () {"
            f" var w = window.open({js_string(url)}, '_blank');"
            " try { window.top.focus(); } catch (e) {} parent.postMessage('ts-close', '*'); }, {once: true});"
            "</script></body></html>"
        )

    def mgid_items(self, req: Request) -> Response:
        found = self._placement("mgid", req)
        if found is None:
            return Response.json([])
        site, _ad = found
        net = self.world.networks["mgid"]
        items = []
        for index in native_items(self.world, net):
            adv = self.world.advertisers[net.campaigns[index].advertiser]
            items.append(
                {
                    "title": adv.title,
                    "img": f"https://s-img.mgid.com/img/{net.campaigns[index].id}.svg?a={adv.domain}&w=160&h=90",
                    "url": click_url(self.world, net, site, site.publisher_id(net.id_type), item=index),
                }
            )
        return Response.json(items)


def register(app: SandboxApp, world: World) -> None:
    Networks(app, world).register()
