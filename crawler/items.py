"""What spiders hand to the pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field

from .observation import Observation


@dataclass
class VisitItem:
    observation: Observation
    site_id: int | None
    screenshots: dict[str, bytes] = field(default_factory=dict)
    ack: bytes | None = None  # scale-out: the queue entry to acknowledge once stored


@dataclass
class AdsTxtItem:
    site_id: int | None
    domain: str
    kind: str  # ads.txt, app-ads.txt, sellers.json
    url: str
    outcome: str  # ok, http_error, too_large, failed
    final_url: str | None = None
    http_status: int | None = None
    error: str | None = None
    size: int | None = None
    body: str | None = None
    ack: bytes | None = None
