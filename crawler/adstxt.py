"""The one parser of ads.txt / app-ads.txt and sellers.json, used by the spider (which sellers.json files to
fetch) and by attribution (accounts and networks).

ads.txt follows the IAB specification: `ad system domain, account id, DIRECT|RESELLER[, cert id]` per line,
`#` comments, `variable=value` lines; a line that breaks these rules is skipped, the rest is kept. A
sellers.json is a JSON object whose `sellers` list names each account's seller."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .domains import HOST_RE, registrable_domain

ACCOUNT_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,100}$")


@dataclass(frozen=True)
class AdsTxtRecord:
    ad_system: str
    account_id: str
    relationship: str  # DIRECT or RESELLER
    cert_id: str | None = None


def parse_adstxt(text: str) -> tuple[list[AdsTxtRecord], list[int]]:
    """(records, numbers of the lines skipped as malformed)."""
    records, skipped = [], []
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 3:
            if "=" not in line or "," in line:  # variables (contact=, subdomain=...) are not records
                skipped.append(number)
            continue
        system, account, relationship = fields[0].lower(), fields[1], fields[2].upper()
        if (
            not HOST_RE.match(system)
            or not ACCOUNT_RE.match(account)
            or relationship not in ("DIRECT", "RESELLER")
            or len(fields) > 4
        ):
            skipped.append(number)
            continue
        cert = fields[3] if len(fields) == 4 and fields[3] else None
        records.append(AdsTxtRecord(system, account, relationship, cert))
    return list(dict.fromkeys(records)), skipped


def ad_systems(text: str) -> list[str]:
    """The ad-system domains an ads.txt names (DIRECT and RESELLER alike), in order: whose sellers.json to read."""
    records, _ = parse_adstxt(text)
    return list(dict.fromkeys(r.ad_system for r in records if registrable_domain(r.ad_system)))


def sellers(text: str) -> dict[str, dict]:
    """seller_id -> {name, domain, seller_type} of a sellers.json body ({} when it is not one)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    out = {}
    listed = data.get("sellers") if isinstance(data, dict) else None
    for entry in listed if isinstance(listed, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("seller_id"), str | int):
            out[str(entry["seller_id"])] = {
                k: str(entry[k])[:300] for k in ("name", "domain", "seller_type") if isinstance(entry.get(k), str | int)
            }
    return out
