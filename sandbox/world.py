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
SITE_KINDS = ("series", "film", "ddl", "torrent", "sports", "iptv", "clean", "hostile")
CATEGORIES = ("mainstream", "gambling", "adult", "scam", "vpn", "dating", "crypto", "other")
DECOYS = ("wasm_decoder", "chat_websocket", "share_popup")
BEHAVIOURS = ("connection_refused", "no_such_host", "server_error", "slow_response", "infinite_loop",
              "dialog_storm", "popup_storm", "redirect_loop", "beforeunload_trap", "file_download",
              "huge_page")
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


@dataclass
class MinerService:
    id: str
    name: str
    hosts: list[str]
    script: str
    pool: str
    protocol: str


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
    adstxt: str | None = None
    behaviour: str | None = None
    mirror_from: dict[str, str] | None = None

    @property
    def hostile(self) -> bool:
        return self.kind == "hostile"

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
        return str(1_000_000 + n % 8_999_999)


class World:
    def __init__(self, raw: dict, source: str = "world"):
        self.source = source
        self.advertisers = {a.domain: a for a in (Advertiser(**x) for x in raw.get("advertisers", []))}
        self.brokers = [b["host"] for b in raw.get("brokers", [])]
        self.operators = {o.id: o for o in (Operator(**x) for x in raw.get("operators", []))}
        self.miner_services = {m.id: m for m in (MinerService(**x) for x in raw.get("miner_services", []))}
        self.networks: dict[str, Network] = {}
        for entry in raw.get("networks", []):
            entry = dict(entry)
            campaigns = [self._campaign(entry["id"], i, c) for i, c in enumerate(entry.pop("campaigns", []))]
            self.networks[entry["id"]] = Network(campaigns=campaigns, **entry)
        self.sites: list[Site] = []
        for entry in raw.get("sites", []):
            entry = dict(entry)
            ads = [AdPlacement(**{**a, "pages": tuple(a.get("pages", ("home", "inner")))})
                   for a in entry.pop("ads", [])]
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

    def _validate(self) -> None:
        broker_set = set(self.brokers)
        for net in self.networks.values():
            where = f"network {net.id!r}"
            if not net.campaigns:
                self._fail(where, "has no campaigns")
            if net.host_pattern:
                re.compile(net.host_pattern)
            for c in net.campaigns:
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
                        self._fail(where, f"campaign {c.index}: hop host {hop.host!r} is neither a broker nor the network's")
        for adv in self.advertisers.values():
            if adv.category not in CATEGORIES:
                self._fail(f"advertiser {adv.domain!r}", f"category {adv.category!r} is not one of {CATEGORIES}")
        seen = set()
        for site in self.sites:
            where = f"site {site.domain!r}"
            for domain in {site.domain, site.start_domain}:
                if domain in seen:
                    self._fail(where, "is listed twice")
                seen.add(domain)
                if not domain.endswith(".test"):
                    self._fail(where, "sites must use fictional .test domains")
            if site.kind not in SITE_KINDS:
                self._fail(where, f"kind {site.kind!r} is not one of {SITE_KINDS}")
            if site.hostile != (site.behaviour is not None) or (site.behaviour and site.behaviour not in BEHAVIOURS):
                self._fail(where, f"hostile sites, and only they, have a behaviour from {BEHAVIOURS}")
            if site.operator and site.operator not in self.operators:
                self._fail(where, f"unknown operator {site.operator!r}")
            for ad in site.ads:
                if ad.network not in self.networks:
                    self._fail(where, f"unknown network {ad.network!r}")
                if ad.campaign is not None and not 0 <= ad.campaign < len(self.networks[ad.network].campaigns):
                    self._fail(where, f"network {ad.network!r} has no campaign {ad.campaign}")
                if ad.targeting not in (None, "country", "language"):
                    self._fail(where, f"targeting {ad.targeting!r} is not country or language")
                if set(ad.pages) - {"home", "inner"}:
                    self._fail(where, "ad pages are home and/or inner")
            for m in site.miners:
                if m.service not in self.miner_services:
                    self._fail(where, f"unknown miner service {m.service!r}")
                if not (m.site_key or m.wallet):
                    self._fail(where, f"miner {m.service!r} needs a site_key or a wallet")
            for d in site.decoys:
                if d not in DECOYS:
                    self._fail(where, f"decoy {d!r} is not one of {DECOYS}")

    # --- questions the server and the truth both ask ------------------------------------------------

    def site(self, domain: str) -> Site | None:
        return self._by_domain.get(domain)

    @cached_property
    def _by_domain(self) -> dict[str, Site]:
        return {s.domain: s for s in self.sites}

    def campaign_for(self, site: Site, ad: AdPlacement, country: str | None = None,
                     language: str | None = None) -> Campaign:
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
