"""Operators: sites that share a strong publisher id form one cluster (connected components).

Only strong ids bind (data/ids.toml: an AdSense client, an analytics property, a network's site id, a miner
key or wallet, an ads.txt DIRECT account), never ad-slot ids nor ads.txt RESELLER lines. An id looks
*pooled* when it joins POOLED_GROUPS or more groups that ids found on just two sites already bind (a
reseller's or a shared theme's id on unrelated sites): it binds nothing and is reported as a warning.
Bridging two groups, or joining single sites to one group, is what an operator's own id does."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

POOLED_GROUPS = 3


@dataclass
class Cluster:
    number: int
    sites: list[str]
    binding_ids: list[tuple[str, str]]  # (id_type, id_value) carried by two or more of its sites


@dataclass
class Operators:
    clusters: list[Cluster] = field(default_factory=list)
    pooled: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # id -> sites carrying it


class _Union:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _components(shared: dict[tuple[str, str], set[str]], skip: set[tuple[str, str]]) -> _Union:
    groups = _Union()
    for key, sites in shared.items():
        if key in skip:
            continue
        first, *rest = sorted(sites)
        groups.find(first)
        for other in rest:
            groups.union(first, other)
    return groups


def operators(rows, strong) -> Operators:
    """`rows`: (site, id_type, id_value) triples; `strong(id_type)` says which types bind."""
    where: dict[tuple[str, str], set[str]] = defaultdict(set)
    for site, id_type, id_value in rows:
        if strong(id_type):
            where[(id_type, id_value)].add(site)
    shared = {key: sites for key, sites in where.items() if len(sites) > 1}
    # groups bound by the ids on two sites only (which can never look pooled), built once; an id on more
    # sites is pooled if its sites sit in POOLED_GROUPS or more of those groups
    candidates = {key for key, sites in shared.items() if len(sites) >= POOLED_GROUPS}
    base = _components(shared, candidates)
    size: dict[str, int] = defaultdict(int)
    for site in list(base.parent):
        size[base.find(site)] += 1
    pooled: set[tuple[str, str]] = set()
    for key in candidates:
        bridged = {base.find(s) for s in shared[key] if size.get(base.find(s), 0) > 1}
        if len(bridged) >= POOLED_GROUPS:
            pooled.add(key)
    groups = _components(shared, pooled)
    members: dict[str, set[str]] = defaultdict(set)
    for key, sites in shared.items():
        if key not in pooled:
            for site in sites:
                members[groups.find(site)].add(site)
    found = []
    for sites in members.values():
        binding = sorted(key for key, carriers in shared.items() if key not in pooled and carriers <= sites)
        found.append((sorted(sites), binding))
    found.sort(key=lambda c: (-len(c[0]), c[0][0]))
    return Operators(
        [Cluster(i + 1, sites, binding) for i, (sites, binding) in enumerate(found)],
        {key: sorted(shared[key]) for key in sorted(pooled)},
    )
