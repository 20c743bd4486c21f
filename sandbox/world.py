"""The sandbox world, loaded from `sandbox/data/world.toml` and checked on load."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

WORLD_FILE = Path(__file__).parent / "data" / "world.toml"
HOP_VIAS = ("http", "meta", "js", "form")
LINK_KINDS = ("display", "popunder", "tabunder", "popup", "push", "native", "overlay", "redirect")
SITE_KINDS = ("series", "film", "ddl", "torrent", "sports", "iptv", "clean", "hostile")
CATEGORIES = ("mainstream", "gambling", "adult", "scam", "vpn", "dating", "crypto", "unclassified")
# decoys written for the sandbox, then decoys running real npm code (sandbox/thirdparty.py): hash-wasm's SHA-256
# on a download page, @jsquash/webp's wasm WebP decoder, a socket.io chat (socket.io-client against python-socketio)
DECOYS = ("wasm_decoder", "chat_websocket", "share_popup", "wasm_checksum", "wasm_image_codec", "socketio_chat")
# Ad-network tag behaviours (sandbox/networks.py) and what triggers each one's ad: `click` anywhere on the
# page, `click_player` on the video player (inner pages only), `click_ad` on the ad itself.
AD_BEHAVIOURS = {
    "popunder_window_open": "click",
    "popunder_overlay_anchor": "click",
    "tabunder": "click",
    "popunder_obfuscated_loader": "click",
    "popup_delayed": "click",
    "popunder_capped": "click",
    "popunder_injected_links": "click_player",
    "popunder_from_ad_iframe": "click_player",
    "push_prompt_and_banner": "click_ad",
    "display_nested_iframes": "click_ad",
    "display_lazy_after_scroll": "click_ad",
    "native_widget": "click_ad",
    "display_iframe_unit": "click_ad",
    "display_adsense": "click_ad",
    "prebid_bidder": "click_ad",  # a Prebid.js bidder: its bid endpoint is answered, the winner's creative shown
}
HOSTILE_BEHAVIOURS = (
    "connection_refused",
    "no_such_host",
    "server_error",
    "slow_response",
    "infinite_loop",
    "dialog_storm",
    "popup_storm",
    "redirect_loop",
    "beforeunload_trap",
    "file_download",
    "huge_page",
)
TARGETING = ("country", "language")  # what a campaign's `when` and a placement's `targeting` may follow
CLOAKING = ("webdriver", "detectors", "identity", *TARGETING)
WEIGHTS = ("light", "heavy")  # how much a site's pages load besides their tags (sandbox/weight.py)
CMPS = ("quantcast", "onetrust")  # consent platforms whose shape a consent-gated site's banner has (sandbox/consent.py)
PROTOCOLS = ("coinhive", "stratum")
# ads.txt: a valid file, one mostly garbage, one too large to read; one reached by redirects within the site,
# one delegated to a third party's server, one whose third party redirects again, one redirected to a private
# address, an HTML page answering for it, one with NUL and other control characters (sandbox/adstxt.py)
ADSTXT_STATES = (
    "valid",
    "malformed",
    "oversized",
    "redirected",
    "delegated",
    "delegated_twice",
    "to_private",
    "html",
    "nul",
)
# where a miner runs: `page`, a library on the page holds the pool socket and hashes in Blob Workers with the
# sandbox's own wasm; `worker`, a dedicated Worker (the site's own file at `script`) holds the socket and hashes
# TurtleCoin's Chukwa (Argon2id) with hash-wasm's wasm (sandbox/miners.py)
RUNTIMES = ("page", "worker")
PREBID_BIDDERS = ("appnexus", "rubicon", "pubmatic")  # the adapters of the sandbox's Prebid.js build
MIRROR_VIAS = ("http", "js")
MAX_THROTTLE = 0.95  # the miner library caps its throttle there
SHARED_ID_TYPES = ("ga", "gtm")  # ids a site may carry besides its ad networks' own
THROWAWAY = "$throwaway"


class WorldError(ValueError):
    """The world file is inconsistent; the message names the entry."""


def stable_int(*parts: str) -> int:
    """A number derived from strings, the same on every run and machine."""
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "big")


@dataclass(frozen=True)
class Hop:
    host: str
    via: str  # how this hop sends the visitor on: http, meta, js, form


@dataclass
class Campaign:
    network: str
    index: int
    advertiser: str
    hops: list[Hop]
    when: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.network}-{self.index}"


@dataclass
class Network:
    id: str
    name: str
    hosts: list[str]
    tag: str
    click_host: str
    behaviour: str
    kind: str
    id_type: str
    campaigns: list[Campaign]
    host_pattern: str | None = None
    also_ids: list[str] = field(default_factory=list)  # other id types its tag carries (PopCash: wid beside uid)
    bidder: str | None = None  # the Prebid.js bidder code of a `prebid_bidder` network


@dataclass
class MinerService:
    id: str
    name: str
    hosts: list[str]
    script: str
    pool: str
    protocol: str
    runtime: str = "page"


@dataclass
class Advertiser:
    domain: str
    name: str
    category: str
    title: str


@dataclass
class Operator:
    id: str
    name: str
    seller_name: str


@dataclass
class AdPlacement:
    network: str
    pages: tuple[str, ...] = ("home", "inner")
    campaign: int | None = None
    targeting: str | None = None  # "country" or "language"


@dataclass
class MinerPlacement:
    service: str
    site_key: str | None = None
    wallet: str | None = None
    throttle: float = 0.0
    obfuscated: bool = False


@dataclass
class Site:
    domain: str
    kind: str
    title: str
    lang: str = "en"
    operator: str | None = None
    ids: dict[str, str] = field(default_factory=dict)
    ads: list[AdPlacement] = field(default_factory=list)
    miners: list[MinerPlacement] = field(default_factory=list)
    decoys: list[str] = field(default_factory=list)
    cloaking: list[str] = field(default_factory=list)
    consent: str | None = None  # a CMP of CMPS: the site's ad tags run only once its banner is accepted
    adstxt: str | None = None
    behaviour: str | None = None
    mirror_from: dict[str, str] | None = None
    weight: str = "light"  # one of WEIGHTS: "heavy" pages make 100+ requests, as real ones do (sandbox/weight.py)

    @property
    def hostile(self) -> bool:
        return self.kind == "hostile"

    @property
    def name(self) -> str:
        """The site's name: its title before " - "."""
        return self.title.split(" - ")[0]

    @property
    def start_domain(self) -> str:
        """The domain on the watchlist: the old one for a mirror."""
        return self.mirror_from["domain"] if self.mirror_from else self.domain

    def publisher_id(self, id_type: str) -> str:
        """The site's id of a type: shared when the data gives one, else derived from the domain."""
        if id_type in self.ids:
            return self.ids[id_type]
        n = stable_int(self.domain, id_type)
        if id_type == "adsense":
            return f"ca-pub-{n % 10**16:016d}"
        if id_type == "adsterra_key":
            return f"{n:016x}"[:12]
        if id_type == "trafficstars_spot":  # 32 hexadecimal characters, as TrafficStars' spots are
            return hashlib.md5(f"{self.domain}:{id_type}".encode()).hexdigest()
        return str(1_000_000 + n % 8_999_999)

    def placement(self, network_id: str) -> AdPlacement | None:
        """The site's placement of a network (the world allows at most one per network)."""
        return next((a for a in self.ads if a.network == network_id), None)


class World:
    def __init__(self, raw: dict, source: str = "world"):
        self.source = source
        self.advertisers = self._index([Advertiser(**x) for x in raw.get("advertisers", [])], "domain", "advertiser")
        self.brokers = [b["host"] for b in raw.get("brokers", [])]
        self.operators = self._index([Operator(**x) for x in raw.get("operators", [])], "id", "operator")
        self.miner_services = self._index(
            [MinerService(**x) for x in raw.get("miner_services", [])], "id", "miner service"
        )
        networks = []
        for entry in raw.get("networks", []):
            entry = dict(entry)
            campaigns = [self._campaign(entry["id"], i, c) for i, c in enumerate(entry.pop("campaigns", []))]
            networks.append(Network(campaigns=campaigns, **entry))
        self.networks: dict[str, Network] = self._index(networks, "id", "network")
        self.sites: list[Site] = []
        for entry in raw.get("sites", []):
            entry = dict(entry)
            ads = [
                AdPlacement(**{**a, "pages": tuple(a.get("pages", ("home", "inner")))}) for a in entry.pop("ads", [])
            ]
            miners = [MinerPlacement(**m) for m in entry.pop("miners", [])]
            self.sites.append(Site(ads=ads, miners=miners, **entry))
        self._validate()

    def _campaign(self, network: str, index: int, raw: dict) -> Campaign:
        hops = []
        for text in raw["chain"]:
            host, _, via = text.partition(" ")
            hops.append(Hop(host, via))
        return Campaign(network, index, raw["advertiser"], hops, dict(raw.get("when", {})))

    def _fail(self, where: str, message: str) -> None:
        raise WorldError(f"{self.source}: {where}: {message}")

    def _index(self, items: list, key: str, what: str) -> dict:
        """`items` by their `key`, refusing a key listed twice."""
        out = {}
        for item in items:
            name = getattr(item, key)
            if name in out:
                self._fail(f"{what} {name!r}", "is listed twice")
            out[name] = item
        return out

    def _validate(self) -> None:
        broker_set = set(self.brokers)
        for net in self.networks.values():
            where = f"network {net.id!r}"
            if net.kind not in LINK_KINDS:
                self._fail(where, f"kind {net.kind!r} is not one of {LINK_KINDS}")
            if net.behaviour not in AD_BEHAVIOURS:
                self._fail(where, f"behaviour {net.behaviour!r} is not one of {tuple(AD_BEHAVIOURS)}")
            if not net.campaigns:
                self._fail(where, "has no campaigns")
            if all(c.when for c in net.campaigns):
                self._fail(where, "has no default campaign (one without `when`)")
            if (net.behaviour == "prebid_bidder") != bool(net.bidder):
                self._fail(where, "a prebid_bidder network, and only it, names its Prebid.js `bidder`")
            if net.bidder and net.bidder not in PREBID_BIDDERS:
                self._fail(where, f"bidder {net.bidder!r} is not one of {PREBID_BIDDERS}")
            if net.host_pattern:
                try:
                    re.compile(net.host_pattern)
                except re.error as exc:
                    self._fail(where, f"host_pattern {net.host_pattern!r} is not a regular expression: {exc}")
            elif net.tag == "obfuscated":
                self._fail(where, "an obfuscated tag needs a host_pattern (its throwaway hosts)")
            for c in net.campaigns:
                if set(c.when) - set(TARGETING):
                    self._fail(where, f"campaign {c.index}: `when` keys are {TARGETING}")
                if c.advertiser not in self.advertisers:
                    self._fail(where, f"campaign {c.index} names unknown advertiser {c.advertiser!r}")
                if not 1 <= len(c.hops) <= 5:
                    self._fail(where, f"campaign {c.index} has {len(c.hops)} hops (1 to 5)")
                if c.hops[0].host != net.click_host:
                    self._fail(where, f"campaign {c.index} does not start at the click server {net.click_host}")
                for hop in c.hops:
                    if hop.via not in HOP_VIAS:
                        self._fail(where, f"campaign {c.index}: hop via {hop.via!r} is not one of {HOP_VIAS}")
                    if hop.host not in broker_set and hop.host not in net.hosts and hop.host != THROWAWAY:
                        self._fail(
                            where, f"campaign {c.index}: hop host {hop.host!r} is neither a broker nor the network's"
                        )
        for adv in self.advertisers.values():
            if adv.category not in CATEGORIES:
                self._fail(f"advertiser {adv.domain!r}", f"category {adv.category!r} is not one of {CATEGORIES}")
        for service in self.miner_services.values():
            if service.protocol not in PROTOCOLS:
                self._fail(f"miner service {service.id!r}", f"protocol {service.protocol!r} is not one of {PROTOCOLS}")
            if service.runtime not in RUNTIMES:
                self._fail(f"miner service {service.id!r}", f"runtime {service.runtime!r} is not one of {RUNTIMES}")
            if service.runtime == "worker" and not (service.script.startswith("/") and service.protocol == "coinhive"):
                self._fail(
                    f"miner service {service.id!r}",
                    "a worker miner's script is a path on the site (its own Worker file) and it speaks coinhive",
                )
        seen = set()
        for site in self.sites:
            self._validate_site(site, seen)

    def _validate_site(self, site: Site, seen: set[str]) -> None:
        """Check one site; `seen` collects the domains of the sites checked so far."""
        where = f"site {site.domain!r}"
        mirror = site.mirror_from
        if mirror is not None and not (
            isinstance(mirror, dict)
            and set(mirror) == {"domain", "via"}
            and isinstance(mirror["domain"], str)
            and mirror["via"] in MIRROR_VIAS
        ):
            self._fail(where, f"mirror_from needs a `domain` and a `via` in {MIRROR_VIAS}")
        for domain in {site.domain, site.start_domain}:
            if domain in seen:
                self._fail(where, "is listed twice")
            seen.add(domain)
            if not domain.endswith(".test"):
                self._fail(where, "sites must use fictional .test domains")
        if site.kind not in SITE_KINDS:
            self._fail(where, f"kind {site.kind!r} is not one of {SITE_KINDS}")
        if not (isinstance(site.lang, str) and re.fullmatch("[a-z]{2}", site.lang)):
            self._fail(where, f"lang {site.lang!r} is not a 2-letter lowercase language code")
        if site.hostile != (site.behaviour is not None) or site.behaviour not in (None, *HOSTILE_BEHAVIOURS):
            self._fail(where, f"hostile sites, and only they, have a behaviour from {HOSTILE_BEHAVIOURS}")
        if site.adstxt not in (None, *ADSTXT_STATES):
            self._fail(where, f"adstxt {site.adstxt!r} is not one of {ADSTXT_STATES}")
        for c in site.cloaking:
            if c not in CLOAKING:
                self._fail(where, f"cloaking {c!r} is not one of {CLOAKING}")
        if site.weight not in WEIGHTS or (site.weight != "light" and site.hostile):
            self._fail(where, f"weight {site.weight!r} is not one of {WEIGHTS} (on a site that is not hostile)")
        if site.consent not in (None, *CMPS) or (site.consent and site.hostile):
            self._fail(where, f"consent {site.consent!r} is not one of {CMPS} (on a site that is not hostile)")
        if site.operator and site.operator not in self.operators:
            self._fail(where, f"unknown operator {site.operator!r}")
        for ad in site.ads:
            net = self.networks.get(ad.network)
            if net is None:
                self._fail(where, f"unknown network {ad.network!r}")
            if site.placement(ad.network) is not ad:
                self._fail(where, f"network {ad.network!r} is placed twice")
            if ad.campaign is not None and not 0 <= ad.campaign < len(net.campaigns):
                self._fail(where, f"network {ad.network!r} has no campaign {ad.campaign}")
            if ad.targeting not in (None, *TARGETING):
                self._fail(where, f"targeting {ad.targeting!r} is not one of {TARGETING}")
            if set(ad.pages) - {"home", "inner"}:
                self._fail(where, "ad pages are home and/or inner")
            if AD_BEHAVIOURS[net.behaviour] == "click_player" and ad.pages != ("inner",):
                self._fail(where, f'network {ad.network!r} acts on the player: its pages must be ["inner"]')
            if net.tag == "obfuscated" and not re.fullmatch(net.host_pattern, self.throwaway_host(site)):
                self._fail(
                    where,
                    f"throwaway host {self.throwaway_host(site)} does not match network "
                    f"{net.id!r}'s host_pattern {net.host_pattern!r}",
                )
        own_ids = {*SHARED_ID_TYPES, *(self.networks[ad.network].id_type for ad in site.ads)}
        for key in site.ids:
            if key not in own_ids:
                self._fail(where, f"id {key!r} is neither ga, gtm nor the id type of one of the site's networks")
        for m in site.miners:
            if m.service not in self.miner_services:
                self._fail(where, f"unknown miner service {m.service!r}")
            if not (m.site_key or m.wallet):
                self._fail(where, f"miner {m.service!r} needs a site_key or a wallet")
            if not (isinstance(m.throttle, (int, float)) and 0 <= m.throttle <= MAX_THROTTLE):
                self._fail(where, f"miner {m.service!r}: throttle {m.throttle!r} is not between 0 and {MAX_THROTTLE}")
        for d in site.decoys:
            if d not in DECOYS:
                self._fail(where, f"decoy {d!r} is not one of {DECOYS}")

    # --- questions the server and the truth both ask ------------------------------------------------

    def site(self, domain: str) -> Site | None:
        return self._by_domain.get(domain)

    @cached_property
    def _by_domain(self) -> dict[str, Site]:
        return {s.domain: s for s in self.sites}

    def campaign_for(
        self, site: Site, ad: AdPlacement, country: str | None = None, language: str | None = None
    ) -> Campaign:
        """The campaign a visitor of `site` gets from `ad`'s network (targeting applied)."""
        net = self.networks[ad.network]
        if ad.targeting == "country" and country:
            for c in net.campaigns:
                if c.when.get("country") == country:
                    return c
        if ad.targeting == "language" and language:
            for c in net.campaigns:
                if c.when.get("language") == language:
                    return c
        if ad.campaign is not None:
            return net.campaigns[ad.campaign]
        plain = [c for c in net.campaigns if not c.when]
        return plain[stable_int(site.domain, net.id) % len(plain)]

    def throwaway_host(self, site: Site) -> str:
        """The throwaway hostname Adsterra's loader computes for this site (same formula as its JS)."""
        key = site.publisher_id("adsterra_key")
        n = 0
        for ch in key:
            n = (n * 31 + ord(ch)) % 2_147_483_647
        letters = "".join("abcdefghijklmnopqrstuvwxyz"[(n >> (i * 3)) % 26] for i in range(8))
        return f"{letters}{n % 100:02d}.com"


def load_world(path: Path | str | None = None) -> World:
    path = Path(path or WORLD_FILE)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise WorldError(f"{path}: {exc}") from None
    try:
        return World(raw, source=str(path))
    except TypeError as exc:  # an unknown or missing key in an entry
        raise WorldError(f"{path}: {exc}") from None
    except KeyError as exc:
        raise WorldError(f"{path}: an entry lacks the key {exc}") from None
