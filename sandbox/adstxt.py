"""ads.txt files of the sandbox sites and sellers.json files of a few ad systems.

ads.txt (IAB) lists who may sell a site's inventory: `ad system domain, account id, DIRECT|RESELLER[, cert
authority id]`. DIRECT account ids are the site's own publisher ids at its networks, so an operator's sites
share them wherever their `ids` share them; the ad system's sellers.json then names the legal seller behind an
account. RESELLER lines are intermediaries' accounts, the same on the files of many unrelated sites: never
evidence that two sites belong together.

A site's `adstxt` in the world is its file's state:
- `valid`: a clean file;
- `malformed`: mostly garbage (BOM, CRLF, HTML, bad field counts and relationship words, a very long line)
  around a couple of valid lines;
- `oversized`: a valid file over 5 MiB (its reseller block repeated), built on first request, once.
`adstxt_truth()` lists exactly the records a correct parser extracts from each file.
"""

from __future__ import annotations

from dataclasses import dataclass

from .app import SandboxApp
from .http import Response
from .world import Network, Site, World, stable_int

OVERSIZED_BYTES = 5 * 1024 * 1024 + 64 * 1024
GOOGLE_CERT = "f08c47fec0942fa0"  # Google's TAG certification authority id

# The ad system domain each network's publishers write in ads.txt (its registrable business domain).
AD_SYSTEMS = {
    "popads": "popads.net",
    "popcash": "popcash.net",
    "propellerads": "propellerads.com",
    "monetag": "propellerads.com",
    "adsterra": "adsterra.com",
    "exoclick": "exoclick.com",
    "juicyads": "juicyads.com",
    "trafficstars": "trafficstars.com",
    "clickadu": "clickadu.com",
    "hilltopads": "hilltopads.net",
    "adcash": "adcash.com",
    "mgid": "mgid.com",
    "a-ads": "a-ads.com",
    "adsense": "google.com",
}
# Ad systems that publish a sellers.json, and the hosts serving it (`www.` variant included).
SELLERS_JSON = {
    "google.com": ["google.com", "www.google.com", "realtimebidding.google.com"],
    "popads.net": ["popads.net", "www.popads.net"],
    "exoclick.com": ["exoclick.com", "www.exoclick.com"],
    "adsterra.com": ["adsterra.com", "www.adsterra.com"],
}


@dataclass(frozen=True)
class Record:
    """One data line of ads.txt."""

    ad_system: str
    account_id: str
    relationship: str  # DIRECT | RESELLER
    cert_id: str | None = None

    def line(self) -> str:
        fields = [self.ad_system, self.account_id, self.relationship] + ([self.cert_id] if self.cert_id else [])
        return ", ".join(fields)


# Big exchanges' reseller accounts, on the files of many unrelated publishers (with the TAG certification
# ids of those exchanges; the account ids are made up).
POOLED = (
    Record("google.com", "pub-0000000000000001", "RESELLER", GOOGLE_CERT),
    Record("pubmatic.com", "00001", "RESELLER", "5d62403b186f2ace"),
    Record("openx.com", "000000001", "RESELLER", "6a698e2ec38604c6"),
    Record("appnexus.com", "0001", "RESELLER", "f5ab79cb980f11d1"),
)


def ad_system(network: Network) -> str:
    """The network's ads.txt domain (the last two labels of its click host when the table does not know it)."""
    return AD_SYSTEMS.get(network.id) or ".".join(network.click_host.split(".")[-2:])


def direct_records(world: World, site: Site) -> list[Record]:
    """The site's own accounts at the networks it uses, in the order of its ads, without repeats."""
    out: list[Record] = []
    for ad in site.ads:
        network = world.networks[ad.network]
        account = site.publisher_id(network.id_type).removeprefix("ca-")  # ads.txt uses `pub-` for AdSense
        domain = ad_system(network)
        record = Record(domain, account, "DIRECT", GOOGLE_CERT if domain == "google.com" else None)
        if record not in out:
            out.append(record)
    return out


def listed_records(world: World, site: Site) -> tuple[list[Record], list[Record]]:
    """(DIRECT, RESELLER) records a correct parser finds in the site's file."""
    direct = direct_records(world, site)
    if site.adstxt == "malformed":
        return direct[:1], list(POOLED[:1])
    return direct, list(POOLED)


# --- the files ----------------------------------------------------------------------------------------------


def _header(site: Site) -> list[str]:
    return [f"# ads.txt file for {site.domain}", f"contact=adops@{site.domain}", f"subdomain=m.{site.domain}"]


def valid_text(world: World, site: Site) -> str:
    direct, resellers = listed_records(world, site)
    return (
        "\n".join(
            _header(site)
            + ["", "# our accounts"]
            + [r.line() for r in direct]
            + ["", "# resellers"]
            + [r.line() for r in resellers]
        )
        + "\n"
    )


def malformed_bytes(world: World, site: Site) -> bytes:
    """Garbage around the first DIRECT record and one pooled line; BOM, CRLF line ends."""
    direct, _ = listed_records(world, site)
    broken = direct_records(world, site)[1:] or [Record("popads.net", "1", "DIRECT")]
    lines = [
        direct[0].line(),  # right after the BOM: a parser that keeps the BOM misreads this ad system
        "<!DOCTYPE html><html><head><title>ads.txt</title></head><body>",
        "<p>Oops, page not found, try again</p>",
        "contact adops@" + site.domain,
        f"{broken[0].ad_system}",  # one field
        f"{broken[0].ad_system}, {broken[0].account_id}",  # two fields
        ", , DIRECT",
        *(f"{r.ad_system}, {r.account_id}, DIRECTE" for r in broken),  # not DIRECT nor RESELLER
        f"{POOLED[1].ad_system}, {POOLED[1].account_id}, RESELLER-DIRECT",
        f"{POOLED[2].ad_system}; {POOLED[2].account_id}; RESELLER",  # wrong separator: one field
        "A" * 20_000,  # a very long line without a single field separator
        POOLED[0].line(),
        "</body></html>",
    ]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def oversized_bytes(world: World, site: Site) -> bytes:
    """A valid file past OVERSIZED_BYTES: the DIRECT lines first, then the reseller block again and again."""
    direct, resellers = listed_records(world, site)
    head = "\n".join(_header(site) + [r.line() for r in direct]) + "\n"
    block = "\n".join(["# resellers"] + [r.line() for r in resellers]) + "\n"
    repeats = -(-(OVERSIZED_BYTES - len(head)) // len(block))
    return (head + block * repeats).encode()


_oversized: dict[str, bytes] = {}


def adstxt_bytes(world: World, site: Site) -> bytes:
    """The body of the site's /ads.txt (the oversized file is built on first use and kept)."""
    if site.adstxt == "malformed":
        return malformed_bytes(world, site)
    if site.adstxt == "oversized":
        if site.domain not in _oversized:
            _oversized[site.domain] = oversized_bytes(world, site)
        return _oversized[site.domain]
    return valid_text(world, site).encode()


# --- sellers.json -------------------------------------------------------------------------------------------


def seller_name(world: World, site: Site) -> str:
    operator = world.operators.get(site.operator) if site.operator else None
    return operator.seller_name if operator else site.name.upper()


def sellers(world: World) -> dict[str, list[dict]]:
    """The sellers of each ad system with a sellers.json: every DIRECT account listed in some ads.txt (named
    after the site's operator), Google's pooled reseller account, and one confidential seller."""
    out: dict[str, list[dict]] = {domain: [] for domain in SELLERS_JSON}
    seen: set[tuple[str, str]] = set()
    for site in world.sites:
        if not site.adstxt:
            continue
        for record in listed_records(world, site)[0]:
            key = (record.ad_system, record.account_id)
            if record.ad_system in out and key not in seen:
                seen.add(key)
                out[record.ad_system].append(
                    {
                        "seller_id": record.account_id,
                        "name": seller_name(world, site),
                        "domain": site.domain,
                        "seller_type": "PUBLISHER",
                        "is_confidential": 0,
                    }
                )
    exchange = POOLED[0]
    out[exchange.ad_system].append(
        {
            "seller_id": exchange.account_id,
            "name": "BIG EXCHANGE LTD (fictional)",
            "domain": "big-exchange.test",
            "seller_type": "INTERMEDIARY",
            "is_confidential": 0,
        }
    )
    for domain, entries in out.items():
        entries.append(
            {"seller_id": str(stable_int(domain, "confidential") % 10**7), "seller_type": "BOTH", "is_confidential": 1}
        )
    return out


def sellers_json(domain: str, entries: list[dict]) -> dict:
    return {"contact_email": f"publishers@{domain}", "version": 1.0, "identifiers": [], "sellers": entries}


# --- serving and truth --------------------------------------------------------------------------------------


def register(app: SandboxApp, world: World) -> None:
    """Serve /ads.txt on the sites that have one (and on their `m.` subdomain, which the file names),
    404 for /ads.txt elsewhere and for /app-ads.txt everywhere, and sellers.json on the ad systems.
    Hostile sites are left alone: some must not exist or must fail on every path."""
    not_found = Response.not_found()
    for site in world.sites:
        if site.hostile:
            continue
        app.static(site.domain, "/app-ads.txt", not_found)
        if not site.adstxt:
            app.static(site.domain, "/ads.txt", not_found)
            continue
        for host in (site.domain, f"m.{site.domain}"):
            app.http(
                host,
                "/ads.txt",
                lambda req, site=site: Response(
                    body=adstxt_bytes(world, site), content_type="text/plain; charset=utf-8"
                ),
            )
    for domain, entries in sellers(world).items():
        document = Response.json(sellers_json(domain, entries))
        for host in SELLERS_JSON[domain]:
            app.static(host, "/sellers.json", document)


def adstxt_truth(world: World, site: Site) -> dict | None:
    """What a crawler should extract from the site's ads.txt; None when the site has none.

    `direct`: the DIRECT records, with the seller name the ad system's sellers.json gives (None without one);
    `pooled`: the RESELLER records, exchanges' accounts shared by unrelated sites, never binding."""
    if not site.adstxt:
        return None
    direct, resellers = listed_records(world, site)
    names = {(domain, e["seller_id"]): e.get("name") for domain, entries in sellers(world).items() for e in entries}
    return {
        "state": site.adstxt,
        "url": f"https://{site.domain}/ads.txt",
        "direct": [
            {
                "ad_system": r.ad_system,
                "account_id": r.account_id,
                "seller_name": names.get((r.ad_system, r.account_id)),
            }
            for r in direct
        ],
        "pooled": [{"ad_system": r.ad_system, "account_id": r.account_id} for r in resellers],
    }
