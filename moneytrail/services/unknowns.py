"""`moneytrail unknowns`: the hosts attribution could only call `unknown:<host>` (an ad filter list blocks them,
no signature names them), read back from the stored observations and grouped into families for review."""

from __future__ import annotations

from moneytrail.attribution.unknowns import Family, Sighting, families
from moneytrail.crawler.domains import host_of
from moneytrail.crawler.store import findings, visits

BATCH = 200


def unknown_families(store, scope: findings.Scope) -> list[Family]:
    """The families of unknown ad hosts in the visits of `scope`, largest first."""
    hosts_of = findings.unknown_hosts(store, scope)
    ids = sorted(hosts_of)
    sightings: list[Sighting] = []
    for start in range(0, len(ids), BATCH):
        for visit_id, obs in visits.observations_of(store, ids[start : start + BATCH]):
            site, hosts = hosts_of[visit_id]
            if isinstance(obs, Exception):  # a damaged observation: its hosts still count, without URLs
                sightings.extend(Sighting(h, f"https://{h}/", site) for h in hosts)
                continue
            urls = [r.url for r in obs.requests] + [h.url for w in obs.windows for h in w.chain]
            matched = {h: [u for u in urls if host_of(u) == h] for h in hosts}
            for host, seen in matched.items():
                sightings.extend(Sighting(host, url, site) for url in seen or [f"https://{host}/"])
    return families(sightings)
