"""What attribution finds in one visit (or in one ads.txt file): plain data, stored per visit.

`site` is always the registrable domain of the watchlist site after mirror redirects; `network` the canonical
name from data/networks.toml or `unknown:<host>`; `advertiser` a registrable domain."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

EVIDENCE = ("host", "initiator", "inline", "chain", "adstxt", "list")  # how a network was seen, strongest first
LINK_KINDS = ("display", "popunder", "tabunder", "popup", "push", "native", "overlay", "redirect")


@dataclass(frozen=True)
class NetworkHit:
    network: str
    evidence: str  # one of EVIDENCE
    host: str  # the host that carried it (request host, ads.txt ad system, ...)


@dataclass
class ChainHop:
    """A hop of an ad's chain as a finding keeps it: its host and the role it plays (the observation's
    `Hop` is the URL and how the browser got there)."""

    host: str
    via: str
    role: str  # network, broker, advertiser, site


@dataclass
class Link:
    """An ad seen through to its landing page: who served it and who paid."""

    network: str
    advertiser: str
    kind: str  # one of LINK_KINDS
    category: str
    brokers: list[str] = field(default_factory=list)  # registrable domains between network and advertiser
    chain: list[ChainHop] = field(default_factory=list)
    landing_url: str = ""
    landing_title: str = ""
    page: int | None = None  # the window of the observation it landed in
    screenshot: str | None = None
    page_screenshot: str | None = None  # the pirate page just before the click that opened it (None: the visit's)


@dataclass
class Miner:
    service: str  # canonical name or "unknown"
    site_key: str | None = None
    wallet: str | None = None
    pool: str | None = None  # the pool WebSocket URL
    signals: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PublisherId:
    id_type: str
    id_value: str
    source: str  # inline, url, attribute, websocket, adstxt
    network: str | None = None


@dataclass
class Findings:
    site: str
    networks: list[NetworkHit] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    miners: list[Miner] = field(default_factory=list)
    ids: list[PublisherId] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def network_names(self) -> set[str]:
        return {hit.network for hit in self.networks}
