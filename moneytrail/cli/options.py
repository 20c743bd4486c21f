"""Options shared by several commands, each declared once (the crawl options are the fields of
`moneytrail.crawler.config.CrawlConfig`; `crawl`, `schedule add` and `enqueue` take the same flags)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from moneytrail.crawler.config import (
    CONSENT_MODES,
    DEFAULT_CONSENT,
    MAX_CONCURRENCY,
    MAX_PAGES,
    MAX_REPEAT,
    ConfigError,
    CrawlConfig,
    parse_limit,
)
from moneytrail.crawler.machine import PER_CORE, default_concurrency
from moneytrail.errors import UsageError

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLAlchemy URL of the store (default: $MONEYTRAIL_DB, else SQLite in $MONEYTRAIL_HOME or "
        "~/.local/share/moneytrail)",
        show_default=False,
    ),
]
Data = Annotated[
    Path | None,
    typer.Option("--data", help="signature data directory (default: $MONEYTRAIL_DATA, else the project's data/)"),
]
Lists = Annotated[
    Path | None,
    typer.Option(
        "--lists", help="directory of ABP filter lists, *.txt (default: the `moneytrail lists update` cache, if filled)"
    ),
]
Since = Annotated[str | None, typer.Option("--since", help="only visits from this date (YYYY-MM-DD, UTC)")]
Progress = Annotated[bool, typer.Option("--progress/--no-progress", help="show a progress bar")]
Json = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]

# --- the crawl configuration ----------------------------------------------------------------------------------
Watchlist = Annotated[
    str | None, typer.Option("--watchlist", "-w", help="watchlist name, or a watchlist file (imported first)")
]
Pages = Annotated[
    int,
    typer.Option("--pages", "-p", min=0, max=MAX_PAGES, help="content pages visited per site, besides the home page"),
]
Repeat = Annotated[
    int,
    typer.Option(
        "--repeat",
        min=1,
        max=MAX_REPEAT,
        help="visits of each page per profile, in fresh contexts and shuffled order: samples rotating ads",
    ),
]
Profile = Annotated[
    list[str] | None,
    typer.Option("--profile", help="visitor profile (repeatable): each site is visited once per profile"),
]
Profiles = Annotated[
    Path | None,
    typer.Option(
        "--profiles",
        help="profiles file (default: $MONEYTRAIL_PROFILES, <data home>/profiles.toml, else data/profiles.toml)",
    ),
]
Locale = Annotated[str | None, typer.Option("--locale", help="browser language, e.g. fr-FR (default en-US)")]
Stealth = Annotated[
    bool,
    typer.Option(
        "--stealth/--no-stealth", help="navigator.webdriver false, as in a person's browser (sites cloak on it)"
    ),
]
Consent = Annotated[
    str,
    typer.Option(
        "--consent",
        help=f"cookie-consent banners: {' | '.join(CONSENT_MODES)} (accept: ad stacks load fully only after "
        "consent; off: leave them unanswered)",
    ),
]
AdsTxt = Annotated[bool, typer.Option("--adstxt/--no-adstxt", help="fetch ads.txt, app-ads.txt and sellers.json")]
Archive = Annotated[
    bool,
    typer.Option(
        "--archive/--no-archive",
        help="keep each visit's archive (WARC) of what its browser received, for replay and evidence "
        "(bounded by --limit max_archive_bytes; `moneytrail export wacz` packages it)",
    ),
]
Concurrency = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        "-c",
        min=1,
        max=MAX_CONCURRENCY,
        help=f"browser contexts at once (default: {PER_CORE} per core as memory allows, {default_concurrency()} "
        "on this machine; fewer visits start while memory is short: --limit memory_floor_mb)",
        show_default=False,
    ),
]
Limit = Annotated[
    list[str] | None,
    typer.Option(
        "--limit",
        help="override a visit budget or wait, NAME=VALUE (repeatable; names and defaults: crawler/limits.py), "
        "e.g. --limit visit_timeout=90",
    ),
]
Proxy = Annotated[
    str | None,
    typer.Option(
        "--proxy",
        envvar="MONEYTRAIL_PROXY",
        help="proxy for the browser and plain requests (http://user:password@host:port; default "
        "$MONEYTRAIL_PROXY, which keeps the password out of process listings); how to crawl from another country",
        show_default=False,
    ),
]


CRAWL_FLAGS = (
    "pages",
    "repeat",
    "profile",
    "profiles",
    "locale",
    "stealth",
    "consent",
    "adstxt",
    "archive",
    "concurrency",
    "data",
    "lists",
    "limit",
)


def config_from(watchlist: str, flags: dict, **process) -> CrawlConfig:
    """The CrawlConfig of a command's crawl flags (`flags`: its parameters, e.g. `locals()`; the flags it does
    not take keep their defaults) and this process's own fields."""
    return crawl_config(watchlist, **{k: v for k, v in flags.items() if k in CRAWL_FLAGS}, **process)


def crawl_config(
    watchlist: str,
    *,
    pages: int = 1,
    profile: list[str] | None = None,
    profiles: Path | None = None,
    locale: str | None = None,
    stealth: bool = True,
    consent: str = DEFAULT_CONSENT,
    adstxt: bool = True,
    archive: bool = True,
    concurrency: int | None = None,
    repeat: int = 1,
    data: Path | None = None,
    lists: Path | None = None,
    limit: list[str] | None = None,
    proxy: str | None = None,
    **process,
) -> CrawlConfig:
    """The CrawlConfig the crawl flags say (UsageError on a bad value)."""
    try:
        return CrawlConfig(
            watchlist=watchlist,
            pages=pages,
            profiles=tuple(profile or ()),
            profiles_file=str(profiles) if profiles else None,
            locale=locale,
            stealth=stealth,
            consent=consent,
            adstxt=adstxt,
            archive=archive,
            concurrency=default_concurrency() if concurrency is None else concurrency,
            repeat=repeat,
            data=str(data) if data else None,
            lists=str(lists) if lists else None,
            limits=dict(parse_limit(text) for text in limit or ()),
            proxy=proxy,
            **process,
        )
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
