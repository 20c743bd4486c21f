"""Header bidding with the real Prebid.js: the publisher's page code, and the bidders' endpoints answered.

A site whose ads include `prebid_bidder` networks (world data) serves the Prebid.js build of
`tools/ensure-npm.sh` (the npm package's core and the appnexus, rubicon and pubmatic adapters, bundled with
esbuild) as its own file, and carries one 300x250 ad unit whose bids go to each of those bidders with the
params the adapters document (placementId; accountId, siteId and zoneId; publisherId and adSlot). When the
bids are back, the page renders the highest bid's creative into an iframe with `pbjs.renderAd`.

Each bidder's endpoint answers in the shape its adapter reads (learned from the adapter's source in
node_modules): Xandr's `/ut/v3/prebid` (`tags[].ads[].rtb.banner`), Magnite's Fastlane JSON (`ads[]` with
a `script` creative), PubMatic's OpenRTB translator (`seatbid[].bid[]` with `adm`). Every bidder bids; the
price of a bidder on a site is fixed (`cpm`), so the winner, the only one whose creative a visitor can
click, is known to the truth. Bids go only to requests naming the site's own ids; anything else gets no bid.
"""

from __future__ import annotations

import json
import zlib

from . import thirdparty
from .app import SandboxApp
from .chains import click_url, site_of
from .http import Request, Response
from .networks import js_string
from .world import AdPlacement, Network, Site, World, stable_int

SLOT = "pb-slot-1"
WIDTH, HEIGHT = 300, 250
RUBICON_SIZE_ID = 15  # Fastlane's size id of 300x250 (the adapter's size map)
BUNDLE_PATH = "/assets/js/prebid.js"
TIMEOUT_MS = 2000
MAX_BODY = 1024 * 1024  # a bid request's JSON, decompressed


def bidders(world: World, site: Site) -> list[tuple[AdPlacement, Network]]:
    """The site's placements of Prebid bidders, in the world's order."""
    return [
        (ad, world.networks[ad.network]) for ad in site.ads if world.networks[ad.network].behaviour == "prebid_bidder"
    ]


def cpm(site: Site, network: Network) -> float:
    """What `network` bids on `site`'s ad unit (USD CPM), the same on every visit."""
    return round(0.40 + stable_int(site.domain, network.id, "cpm") % 400 / 100, 2)


def winner(world: World, site: Site) -> Network | None:
    """The bidder whose creative the page renders: the highest bid (ties: the first in the world's order)."""
    found = bidders(world, site)
    return max((net for _ad, net in found), key=lambda net: cpm(site, net), default=None)


def params(site: Site, network: Network) -> dict:
    """The bidder params of the site's ad unit, as each adapter documents them."""
    if network.bidder == "appnexus":
        return {"placementId": int(site.publisher_id("xandr_placement"))}
    if network.bidder == "rubicon":
        return {
            "accountId": int(site.publisher_id("magnite_account")),
            "siteId": int(site.publisher_id("magnite_site")),
            "zoneId": int(site.publisher_id("magnite_zone")),
        }
    return {"publisherId": site.publisher_id("pubmatic_publisher"), "adSlot": f"{SLOT}@{WIDTH}x{HEIGHT}"}


def snippet(world: World, site: Site) -> str:
    """The publisher's Prebid.js setup for the page: the bundle, the ad unit, the auction, the rendering."""
    found = bidders(world, site)
    if not found:
        return ""
    bids = ",\n      ".join(
        f"{{bidder: {js_string(net.bidder)}, params: {json.dumps(params(site, net))}}}" for _ad, net in found
    )
    return f"""<div id="{SLOT}" class="ad-slot" style="width:{WIDTH}px;height:{HEIGHT}px;margin:10px auto"></div>
<script async src="{BUNDLE_PATH}"></script>
<script>
var pbjs = pbjs || {{}};
pbjs.que = pbjs.que || [];
var adUnits = [{{
  code: '{SLOT}',
  mediaTypes: {{banner: {{sizes: [[{WIDTH}, {HEIGHT}]]}}}},
  bids: [
      {bids}
  ]
}}];
pbjs.que.push(function () {{
  pbjs.setConfig({{bidderTimeout: {TIMEOUT_MS}, userSync: {{syncEnabled: false}}}});
  pbjs.addAdUnits(adUnits);
  pbjs.requestBids({{
    bidsBackHandler: function () {{
      var bid = pbjs.getHighestCpmBids('{SLOT}')[0];
      if (!bid) return;
      var frame = document.createElement('iframe');
      frame.width = bid.width; frame.height = bid.height; frame.frameBorder = '0'; frame.scrolling = 'no';
      document.getElementById('{SLOT}').appendChild(frame);
      pbjs.renderAd(frame.contentWindow.document, bid.adId);
    }}
  }});
}});
</script>"""


# --- the bidders' endpoints ------------------------------------------------------------------------------


def _creative(world: World, site: Site, network: Network, image_host: str) -> tuple[str, str]:
    """(creative HTML, advertiser domain) of the network's campaign for the site: a banner linking to its
    click server."""
    campaign = world.campaign_for(site, site.placement(network.id))
    img = f"https://{image_host}/img/{campaign.id}.svg?a={campaign.advertiser}&w={WIDTH}&h={HEIGHT}"
    link = click_url(world, network, site, site.publisher_id(network.id_type))
    markup = (
        f'<a href="{link}" target="_blank" rel="noopener">'
        f'<img src="{img}" width="{WIDTH}" height="{HEIGHT}" alt="Advertisement" style="border:0"></a>'
    )
    return markup, campaign.advertiser


def _cors(req: Request, response: Response) -> Response:
    """Bid requests are credentialed cross-origin XHRs: the answer names the page's origin."""
    origin = req.headers.get("origin", "")
    if origin:
        response.headers += [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")]
    return response


def _preflight(req: Request) -> Response:
    return _cors(
        req,
        Response(
            status=204,
            content_type="",
            headers=[
                ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                ("Access-Control-Allow-Headers", req.headers.get("access-control-request-headers", "content-type")),
            ],
        ),
    )


def _json_body(req: Request) -> dict:
    """The request's JSON object; gunzipped first when the adapter compressed it (Prebid adds `gzip=1`), at
    most MAX_BODY bytes of it. Anything unreadable is an empty request."""
    raw = req.body or b"{}"
    if req.query.get("gzip") == "1" or raw[:2] == b"\x1f\x8b":
        unzip = zlib.decompressobj(wbits=31)
        try:
            raw = unzip.decompress(raw, MAX_BODY)
        except zlib.error:
            return {}
        if unzip.unconsumed_tail:
            return {}
    try:
        body = json.loads(raw)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class Bidders:
    def __init__(self, app: SandboxApp, world: World):
        self.app, self.world = app, world
        self.handlers = {"appnexus": self.appnexus, "rubicon": self.rubicon, "pubmatic": self.pubmatic}

    def register(self) -> None:
        bundle = None
        for site in self.world.sites:
            if bidders(self.world, site):
                if bundle is None:
                    bundle = Response.js(thirdparty.built("prebid.js").read_text(encoding="utf-8"))
                self.app.static(site.domain, BUNDLE_PATH, bundle)
        for net in self.world.networks.values():
            if net.behaviour == "prebid_bidder":
                host, _, path = net.tag.removeprefix("https://").partition("/")
                self.app.http(host, "/" + path, self._endpoint(net))

    def _endpoint(self, network: Network):
        answer = self.handlers[network.bidder]

        def serve(req: Request) -> Response:
            if req.method == "OPTIONS":
                return _preflight(req)
            site = site_of(req, self.world)
            bidding = site is not None and site.placement(network.id) is not None
            response = answer(req, network, site if bidding else None)
            self.app.log("bid_request", network=network.id, site=site.domain if site else None, bid=bidding)
            return _cors(req, response)

        return serve

    def appnexus(self, req: Request, network: Network, site: Site | None) -> Response:
        """Xandr's /ut/v3/prebid: one entry in `tags` per requested tag (`uuid`), an RTB banner ad when the
        tag's placement id is the site's."""
        tags = []
        for tag in _json_body(req).get("tags") or []:
            if not isinstance(tag, dict):
                continue
            out = {"uuid": tag.get("uuid"), "tag_id": tag.get("id"), "auction_id": "7" + "0" * 18, "nobid": True}
            if site and str(tag.get("id")) == site.publisher_id("xandr_placement"):
                markup, advertiser = _creative(self.world, site, network, network.click_host)
                price = cpm(site, network)
                out["nobid"] = False
                out["ads"] = [
                    {
                        "content_source": "rtb",
                        "ad_type": "banner",
                        "buyer_member_id": 958,
                        "creative_id": 100_000 + stable_int(site.domain, "xandr-creative") % 900_000,
                        "media_type_id": 1,
                        "media_subtype_id": 1,
                        "cpm": price,
                        "cpm_publisher_currency": price,
                        "publisher_currency_code": "$",
                        "adomain": advertiser,
                        "rtb": {
                            "banner": {"content": markup, "width": WIDTH, "height": HEIGHT},
                            "trackers": [{"impression_urls": [], "video_events": {}}],
                        },
                    }
                ]
            tags.append(out)
        return Response.json({"version": "3.0.0", "tags": tags})

    def rubicon(self, req: Request, network: Network, site: Site | None) -> Response:
        """Magnite's Fastlane JSON: `ads[]` with a `script` creative (the adapter wraps it in its ad tag) when
        account, site and zone are the site's."""
        q = req.query
        wanted = params(site, network) if site else {}
        mine = bool(site) and [q.get("account_id"), q.get("site_id"), q.get("zone_id")] == [
            str(wanted["accountId"]),
            str(wanted["siteId"]),
            str(wanted["zoneId"]),
        ]
        body = {
            "status": "ok",
            "account_id": q.get("account_id"),
            "site_id": q.get("site_id"),
            "zone_id": q.get("zone_id"),
            "size_id": RUBICON_SIZE_ID,
            "tracking": "",
            "inventory": {},
            "ads": [],
        }
        if mine:
            markup, advertiser = _creative(self.world, site, network, network.click_host)
            account = q.get("account_id")
            body["ads"] = [
                {
                    "status": "ok",
                    "impression_id": f"{stable_int(site.domain, 'rp-imp') % 16**12:012x}-rp",
                    "size_id": str(RUBICON_SIZE_ID),
                    "ad_id": str(stable_int(site.domain, "rp-ad") % 10**7),
                    "advertiser": 21_000 + stable_int(advertiser) % 1000,
                    "network": 4_000 + stable_int(network.id) % 1000,
                    "creative_id": f"crid-{stable_int(site.domain, 'rp-crid') % 10**6}",
                    "type": "script",
                    "script": f"document.write({js_string(markup)});",
                    "campaign_id": stable_int(advertiser, "rp-campaign") % 10**5,
                    "cpm": cpm(site, network),
                    "adomain": [advertiser],
                    "targeting": [{"key": f"rpfl_{account}", "values": [f"{RUBICON_SIZE_ID}_tier0100"]}],
                }
            ]
        return Response.json(body)

    def pubmatic(self, req: Request, network: Network, site: Site | None) -> Response:
        """PubMatic's OpenRTB translator: a `seatbid` with one bid (`adm`) per impression when the request's
        publisher id is the site's; an empty seatbid otherwise."""
        request = _json_body(req)
        publisher = ((request.get("site") or {}).get("publisher") or {}).get("id")
        imps = [imp for imp in request.get("imp") or [] if isinstance(imp, dict)]
        bids = []
        if site and str(publisher) == site.publisher_id("pubmatic_publisher"):
            markup, advertiser = _creative(self.world, site, network, network.click_host)
            for n, imp in enumerate(imps):
                bids.append(
                    {
                        "id": f"{stable_int(site.domain, 'pm-bid') % 10**9}-{n}",
                        "impid": imp.get("id"),
                        "price": cpm(site, network),
                        "adm": markup,
                        "adomain": [advertiser],
                        "crid": f"pm-{stable_int(advertiser) % 10**6}",
                        "w": WIDTH,
                        "h": HEIGHT,
                        "mtype": 1,
                        "ext": {"deal_channel": 0, "bidtype": 0},
                    }
                )
        seatbid = [{"seat": str(publisher), "bid": bids}] if bids else []
        return Response.json({"id": request.get("id"), "cur": "USD", "seatbid": seatbid})


def register(app: SandboxApp, world: World) -> None:
    Bidders(app, world).register()
