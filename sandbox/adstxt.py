"""ads.txt files of the sandbox sites and sellers.json files of a few ad systems.

ads.txt (IAB) lists who may sell a site's inventory: `ad system domain, account id, DIRECT|RESELLER[, cert
authority id]`. DIRECT account ids are the site's own publisher ids at its networks, so an operator's sites
share them wherever their `ids` share them; the ad system's sellers.json then names the legal seller behind an
account. RESELLER lines are intermediaries' accounts, the same on the files of many unrelated sites: never
evidence that two sites belong together.

A site's `adstxt` in the world is its file's state:
- `valid`: a clean file, with the ads.txt 1.1 variables (OWNERDOMAIN: the operator's business domain,
  MANAGERDOMAIN: a sales house, globally and for France);
- `malformed`: mostly garbage (BOM, CRLF, HTML, bad field counts and relationship words, a very long line)
  around a couple of valid lines;
- `oversized`: a valid file over 5 MiB (its reseller block repeated), built on first request, once;
- `redirected`: /ads.txt moved within the site (301 to `www.`, then 302 to another path), a valid file there;
- `delegated`: /ads.txt redirects (302) to a third party's server (ADSTXT_HOST), which serves the valid file;
- `delegated_twice`: that third party redirects again (to ADSTXT_MIRROR): an error by the IAB rule, though
  a valid file waits at the end;
- `to_private`: /ads.txt redirects to the cloud metadata address (PRIVATE_HOST), where a file with a
  decoy account is served: a crawler must never ask it;
- `html`: /ads.txt and /app-ads.txt answer the site's page (200, text/html), which quotes ads.txt lines;
- `nul`: a valid file with NUL and other control characters in it.
`adstxt_truth()` says what a correct crawler makes of each: the outcome, the redirects it follows, and exactly
the records and variables it reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from .app import SandboxApp
from .http import Response
from .world import Network, Site, World, stable_int

OVERSIZED_BYTES = 5 * 1024 * 1024 + 64 * 1024
GOOGLE_CERT = "f08c47fec0942fa0"  # Google's TAG certification authority id
ADSTXT_HOST = "adstxt-host.test"  # a third party hosting publishers' ads.txt files
ADSTXT_MIRROR = "adstxt-mirror.test"  # where that third party moves some of them
PRIVATE_HOST = "169.254.169.254"  # a cloud's metadata address: never to be asked
MANAGERS = (("adsales-network.test", None), ("adsales-network-eu.test", "FR"))  # MANAGERDOMAIN (domain, country)
UNREACHED = ("delegated_twice", "to_private", "html")  # no file a crawler following the IAB rule reads
WITH_HEADER = ("valid", "oversized", "redirected", "delegated", "delegated_twice", "nul")  # CONTACT... OWNERDOMAIN

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
    """(DIRECT, RESELLER) records a correct parser finds in the site's file (none when a crawler following
    the IAB rule reaches no file)."""
    if site.adstxt in UNREACHED:
        return [], []
    direct = direct_records(world, site)
    if site.adstxt == "malformed":
        return direct[:1], list(POOLED[:1])
    return direct, list(POOLED)


def owner_domain(site: Site) -> str:
    """The business domain its ads.txt names as its owner (OWNERDOMAIN): its operator's."""
    return f"{site.operator}-group.test" if site.operator else site.domain


# --- the files ----------------------------------------------------------------------------------------------


def _header(site: Site) -> list[str]:
    return [
        f"# ads.txt file for {site.domain}",
        f"contact=adops@{site.domain}",
        f"subdomain=m.{site.domain}",
        f"OwnerDomain={owner_domain(site)}",  # variable names are case-insensitive
        *(f"MANAGERDOMAIN={d}, {c.lower()}" if c else f"managerdomain={d}" for d, c in MANAGERS),
    ]


def valid_text(world: World, site: Site) -> str:
    """The site's file as a clean text: its own accounts (whatever a crawler reaches) and the pooled ones."""
    direct, resellers = direct_records(world, site), list(POOLED)
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


def nul_bytes(world: World, site: Site) -> bytes:
    """The valid file with NUL and other control characters in it, none inside a field."""
    lines = valid_text(world, site).splitlines()
    lines.insert(1, "\x00\x00\x00")
    lines[-1] += "\x00"  # after the last record
    lines.insert(4, "# \x1b[31mmanaged by hand\x1b[0m \x07")
    return ("\n".join(lines) + "\n").encode()


DECOY = Record("google.com", "pub-6666000066660000", "DIRECT", GOOGLE_CERT)  # only on PRIVATE_HOST


def decoy_text() -> str:
    """The file at PRIVATE_HOST: an account no crawler may read, for it must never ask there."""
    return f"# internal\n{DECOY.line()}\n"


def html_page(site: Site, world: World) -> str:
    """What an `html` site answers for any file: its page, quoting ads.txt lines in it."""
    quoted = "\n".join(r.line() for r in direct_records(world, site))
    return (
        f"<!DOCTYPE html>\n<html><head><title>{site.title}</title></head><body>\n"
        f"<h1>{site.title}</h1><p>Nos partenaires publicitaires :</p>\n<pre>\n{quoted}\n</pre>\n</body></html>\n"
    )


_oversized: dict[str, bytes] = {}


def adstxt_bytes(world: World, site: Site) -> bytes:
    """The body of the site's ads.txt file where its chain ends (the oversized file is built on first use and
    kept)."""
    if site.adstxt == "malformed":
        return malformed_bytes(world, site)
    if site.adstxt == "oversized":
        if site.domain not in _oversized:
            _oversized[site.domain] = oversized_bytes(world, site)
        return _oversized[site.domain]
    if site.adstxt == "nul":
        return nul_bytes(world, site)
    if site.adstxt == "html":
        return html_page(site, world).encode()
    if site.adstxt == "to_private":
        return decoy_text().encode()
    return valid_text(world, site).encode()


def chain(site: Site) -> list[tuple[str, int]]:
    """The URLs a client meets asking for the site's ads.txt, each with its answer's status, to the file."""
    first, delegated = f"https://{site.domain}/ads.txt", f"https://{ADSTXT_HOST}/{site.domain}/ads.txt"
    return {
        "redirected": [
            (first, 301),
            (f"https://www.{site.domain}/ads.txt", 302),
            (f"https://www.{site.domain}/files/ads.txt", 200),
        ],
        "delegated": [(first, 302), (delegated, 200)],
        "delegated_twice": [(first, 302), (delegated, 301), (f"https://{ADSTXT_MIRROR}/{site.domain}/ads.txt", 200)],
        "to_private": [(first, 301), (f"http://{PRIVATE_HOST}/ads.txt", 200)],
    }.get(site.adstxt, [(first, 200)])


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


def _serve_chain(app: SandboxApp, world: World, site: Site) -> None:
    """Each URL of the site's chain: a redirect to the next one, the last the file."""
    steps = chain(site)
    for (url, status), following in zip(steps, [*steps[1:], None], strict=True):
        host, _, path = url.split("://", 1)[1].partition("/")
        if following is not None:
            app.static(host, "/" + path, Response.redirect(following[0], status))
        elif site.adstxt == "html":
            app.static(host, "/" + path, Response.html(html_page(site, world)))
        elif site.adstxt == "to_private":  # logged: a test proves no crawler asked
            app.http(
                host,
                "/" + path,
                lambda req: app.log("private_adstxt", url=req.url) or Response.text(decoy_text()),
            )
        else:  # logged with the headers that tell a browser from a script (a network may refuse a script)
            app.http(
                host,
                "/" + path,
                lambda req, site=site: (
                    app.log(
                        "adstxt_fetch",
                        url=f"https://{req.host}{req.target}",
                        user_agent=req.headers.get("user-agent", ""),
                        sec_ch_ua=req.headers.get("sec-ch-ua", ""),
                    )
                    or Response(body=adstxt_bytes(world, site), content_type="text/plain; charset=utf-8")
                ),
            )


def register(app: SandboxApp, world: World) -> None:
    """Serve /ads.txt on the sites that have one, by its state (and the valid file on their `m.` subdomain,
    which the file names), 404 for /ads.txt elsewhere and for /app-ads.txt everywhere but on the site answering
    its page for every file, and sellers.json on the ad systems. Hostile sites are left alone: some must not
    exist or must fail on every path."""
    not_found = Response.not_found()
    for site in world.sites:
        if site.hostile:
            continue
        if site.adstxt == "html":
            app.static(site.domain, "/app-ads.txt", Response.html(html_page(site, world)))
        else:
            app.static(site.domain, "/app-ads.txt", not_found)
        if not site.adstxt:
            app.static(site.domain, "/ads.txt", not_found)
            continue
        _serve_chain(app, world, site)
        if site.adstxt in WITH_HEADER:
            app.static(
                f"m.{site.domain}",
                "/ads.txt",
                Response(body=valid_text(world, site).encode(), content_type="text/plain; charset=utf-8"),
            )
    for domain, entries in sellers(world).items():
        document = Response.json(sellers_json(domain, entries))
        for host in SELLERS_JSON[domain]:
            app.static(host, "/sellers.json", document)


OUTCOMES = {"oversized": "too_large", "delegated_twice": "refused", "to_private": "refused", "html": "html"}


def adstxt_truth(world: World, site: Site) -> dict | None:
    """What a crawler should make of the site's ads.txt; None when the site has none.

    `outcome`: ok (a file read), too_large, refused (a redirect the IAB rule or the public-address rule
    refuses), html; `followed`: the URLs asked for, in order, the redirects followed included;
    `direct`: the DIRECT records, with the seller name the ad system's sellers.json gives (None without one);
    `pooled`: the RESELLER records, exchanges' accounts shared by unrelated sites, never binding;
    `owner` and `managers`: the OWNERDOMAIN and MANAGERDOMAIN values read ([domain, country or None])."""
    if not site.adstxt:
        return None
    direct, resellers = listed_records(world, site)
    names = {(domain, e["seller_id"]): e.get("name") for domain, entries in sellers(world).items() for e in entries}
    outcome = OUTCOMES.get(site.adstxt, "ok")
    asked = [url for url, _ in chain(site)]
    if site.adstxt in ("delegated_twice", "to_private"):  # the last redirect is refused: its target not asked
        asked = asked[:-1]
    header = outcome == "ok" and site.adstxt in WITH_HEADER
    return {
        "state": site.adstxt,
        "url": f"https://{site.domain}/ads.txt",
        "outcome": outcome,
        "followed": asked,
        "owner": owner_domain(site) if header else None,
        "managers": [list(m) for m in MANAGERS] if header else [],
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
