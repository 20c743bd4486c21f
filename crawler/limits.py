"""Hard limits of one visit: no page can hang the crawl or fill the disk."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Limits:
    navigation_timeout: float = 20.0  # seconds for the first page to load
    visit_timeout: float = 60.0  # seconds for the whole visit, clicks and followed chains included
    action_timeout: float = 5.0  # seconds for one interaction with the page (a click, a snapshot)
    quiet_period: float = 0.6  # seconds without network activity that count as "settled"
    settle_min: float = 1.8  # seconds to wait after the last click (delayed popups fire late)
    settle_max: float = 7.0
    chain_wait: float = 4.0  # seconds more, at most, for windows whose chain is still on its way
    max_popups: int = 12  # windows whose chains are followed; more are closed at once (and counted)
    max_ad_links: int = 10  # ad click URLs followed per visit
    max_requests: int = 3000
    max_ws_messages: int = 25  # kept per socket and direction (all are counted)
    max_message_bytes: int = 2048
    max_wasm_bytes: int = 16 * 1024 * 1024
    max_document_bytes: int = 4 * 1024 * 1024  # a visited document larger than this is not read
    max_inline_scripts: int = 150
    max_dialogs: int = 40  # dialogs recorded (all are dismissed)
    max_notices: int = 60
    max_url_chars: int = 4096
    dialog_storm: int = 10  # this many dialogs make a visit hostile
    history_spam: int = 20  # this many history.pushState calls make a visit hostile

    @classmethod
    def from_settings(cls, settings) -> Limits:
        """MONEYTRAIL_LIMITS = {"visit_timeout": 90, ...} in Scrapy settings."""
        given = dict(settings.getdict("MONEYTRAIL_LIMITS") or {})
        names = {f.name: f.type for f in fields(cls)}
        unknown = set(given) - set(names)
        if unknown:
            raise ValueError(f"unknown MONEYTRAIL_LIMITS key(s): {', '.join(sorted(unknown))}")
        return cls(**{k: (float(v) if names[k] == "float" else int(v)) for k, v in given.items()})
