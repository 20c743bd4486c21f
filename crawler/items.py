"""What spiders hand to the pipelines (attribution, then the store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .observation import Observation


@dataclass
class VisitItem:
    observation: Observation
    site_id: int | None
    screenshots: dict[str, bytes] = field(default_factory=dict)
    ack: bytes | None = None  # scale-out: the queue entry to acknowledge once stored
    findings: Any = None  # set by the attribution pipeline (an attribution.Findings), stored with the visit
    texts: dict[str, str] = field(default_factory=dict)  # sha256 -> text of the script files it kept
    archive: str | None = None  # which of `screenshots` (its files) is the visit's WARC


@dataclass
class AdsTxtItem:
    site_id: int | None
    domain: str
    kind: str  # ads.txt, app-ads.txt, sellers.json
    url: str  # the URL first asked for
    outcome: str  # ok, html, refused, http_error, too_large, failed
    final_url: str | None = None
    http_status: int | None = None
    error: str | None = None
    size: int | None = None
    body: str | None = None
    content_type: str | None = None
    hops: list[dict] = field(default_factory=list)  # the redirects followed: {url, status, location}
    ack: bytes | None = None
    findings: Any = None  # an ads.txt file's findings, set by the attribution pipeline
