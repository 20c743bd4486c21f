"""Unknown ad hosts grouped into families, for an analyst to name in data/networks.toml.

A request an ad filter list blocks and no signature names is attributed to `unknown:<host>`. Networks that
rotate throwaway domains show up as many such hosts; one family gathers the hosts that share a registrable
domain, and the registrable domains whose requests share a distinctive URL path shape (the same script path
with its keys and numbers abstracted, e.g. `/<hex>/invoke.js` on every rotating domain). Pure: sightings in,
families out."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from moneytrail.crawler.domains import host_of, registrable_domain

SAMPLES = 5

_HEX = re.compile(r"^[0-9a-f]{8,}$", re.I)
_NUM = re.compile(r"^\d+$")
_KEY = re.compile(r"^(?=.*\d)[A-Za-z0-9_-]{12,}$")


@dataclass(frozen=True)
class Sighting:
    """One request (or chain hop) to a host attribution called `unknown:<host>`."""

    host: str
    url: str
    site: str


@dataclass
class Family:
    name: str  # the registrable domain seen on most sites
    domains: list[str]
    hosts: list[str]
    sites: list[str]
    requests: int
    shapes: list[str] = field(default_factory=list)  # the path shapes its domains share (rotation)
    samples: list[str] = field(default_factory=list)

    def data_hint(self) -> str:
        """A starting point for a [[networks]] entry in data/networks.toml (to be checked by a person)."""
        lines = [f"hosts = [{', '.join(json.dumps(d) for d in self.domains)}]"]
        if self.shapes:
            lines.append(f"urls = [{', '.join(_as_regex(s) for s in self.shapes)}]")
        return "\n".join(lines)


def path_shape(url: str) -> str | None:
    """The URL's path with numbers, hex strings and random-looking keys abstracted, or None when the shape is
    too plain to tell one family from another (`/`, `/<n>`, a lone `/pop.js`)."""
    path = urlsplit(url).path
    parts = [p for p in path.split("/") if p]
    if not parts:
        return None
    shaped = []
    for part in parts:
        stem, dot, ext = part.rpartition(".") if "." in part else (part, "", "")
        if _NUM.match(stem):
            stem = "<n>"
        elif _HEX.match(stem):
            stem = "<hex>"
        elif _KEY.match(stem):
            stem = "<key>"
        shaped.append(stem + dot + ext)
    abstract = [p for p in shaped if p.startswith("<")]
    literal = [p for p in shaped if not p.startswith("<")]
    # distinctive: a named file or folder plus an abstracted key, or two named segments (`/js/pop.js`)
    if not literal or (len(literal) < 2 and not abstract):
        return None
    return "/" + "/".join(shaped)


def _as_regex(shape: str) -> str:
    pattern = re.escape(shape)
    for token, regex in (("<n>", r"\d+"), ("<hex>", "[0-9a-f]{8,}"), ("<key>", "[A-Za-z0-9_-]{12,}")):
        pattern = pattern.replace(re.escape(token), regex)
    return json.dumps("^https?://[^/]+" + pattern + "(?:[?#]|$)")


def families(sightings: Iterable[Sighting], min_domains_per_shape: int = 2) -> list[Family]:
    """Group sightings into families: by registrable domain, then domains joined by a path shape that at least
    `min_domains_per_shape` of them share. Largest families (by sites, then requests) first."""
    by_domain: dict[str, list[Sighting]] = defaultdict(list)
    for sighting in sightings:
        host = sighting.host or host_of(sighting.url)
        if host:
            by_domain[registrable_domain(host)].append(sighting)
    shape_domains: dict[str, set[str]] = defaultdict(set)
    for domain, seen in by_domain.items():
        for sighting in seen:
            shape = path_shape(sighting.url)
            if shape:
                shape_domains[shape].add(domain)
    parent = {d: d for d in by_domain}

    def root(d: str) -> str:
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    shared = {s: ds for s, ds in shape_domains.items() if len(ds) >= min_domains_per_shape}
    for domains in shared.values():
        first, *rest = sorted(domains)
        for other in rest:
            parent[root(other)] = root(first)
    groups: dict[str, list[str]] = defaultdict(list)
    for domain in by_domain:
        groups[root(domain)].append(domain)
    result = []
    for domains in groups.values():
        seen = [s for d in domains for s in by_domain[d]]
        sites_of = {d: {s.site for s in by_domain[d]} for d in domains}
        name = max(sorted(domains), key=lambda d: len(sites_of[d]))
        result.append(
            Family(
                name=name,
                domains=sorted(domains),
                hosts=sorted({s.host for s in seen if s.host}),
                sites=sorted({s.site for s in seen}),
                requests=len(seen),
                shapes=sorted(s for s, ds in shared.items() if ds & set(domains)),
                samples=sorted({s.url for s in seen})[:SAMPLES],
            )
        )
    result.sort(key=lambda f: (-len(f.sites), -f.requests, f.name))
    return result
