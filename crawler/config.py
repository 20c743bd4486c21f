"""One typed crawl configuration: what a crawl is told to do, whoever tells it.

`moneytrail crawl` builds a `CrawlConfig` from its flags, a schedule from its stored record, a worker from the
run's record; the crawl process reads it back from its Scrapy settings (`MONEYTRAIL_CRAWL`, one dict), the way
scrapy-playwright's `Config.from_settings` reads its own. The stored run record is `record()`: versioned, the
proxy's secret redacted, and nothing that belongs to one process (the store's URL, log file, progress bar).

Fields (the `moneytrail crawl` flag in brackets):
  watchlist      the watchlist's name [-w]
  pages          content pages visited per site besides the home page [--pages]
  profiles       visitor profile names; each site is visited once per profile [--profile, repeatable]
  profiles_file  the profiles file [--profiles]
  locale         browser language of the default visitor [--locale]
  stealth        navigator.webdriver false, natively [--stealth/--no-stealth]
  consent        answer cookie-consent banners: accept, reject or off (crawler/consent.py) [--consent]
  adstxt         fetch ads.txt, app-ads.txt and sellers.json [--adstxt/--no-adstxt]
  archive        keep each visit's archive of what its browser received, a WARC (crawler/archive.py)
                 [--archive/--no-archive]
  concurrency    browser contexts at once; given none, the machine's (crawler/machine.py) [--concurrency]
  repeat         visits of each page per profile, in fresh contexts and shuffled order, to sample rotating
                 ads [--repeat]
  data           signature data directory [--data]
  lists          filter lists directory [--lists]
  limits         overrides of crawler/limits.py, name -> number [--limit NAME=VALUE, repeatable]
  proxy          proxy URL for the browser and plain requests (a secret: redacted in the record) [--proxy]
Per process, never recorded: db [--db], screenshots [--screenshots], log_file [--log], progress
[--progress/--no-progress], resume (the run to go on with) [--resume], redis (a worker's queue), dead_after
(a worker's seconds without a heartbeat after which the others take its visits back) [--dead-after].
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from typing import Any

from .consent import DEFAULT_MODE as DEFAULT_CONSENT
from .consent import MODES as CONSENT_MODES
from .limits import Limits
from .machine import default_concurrency
from .proxies import redact_proxy

# every crawl's Scrapy extensions (`to_settings` adds the progress bar for a terminal): a bound on the close
EXTENSIONS = {"moneytrail.crawler.closing.CloseWatch": 400}

CONFIG_VERSION = 1
SETTING = "MONEYTRAIL_CRAWL"
MAX_PAGES, MAX_CONCURRENCY, MAX_REPEAT = 20, 32, 20
MIN_DEAD_AFTER = 15  # a worker's heartbeat is refreshed every 5 s at that, and on every take
# recorded with the run (and kept by schedules); the rest belongs to one process
RECORDED = (
    "watchlist",
    "pages",
    "profiles",
    "profiles_file",
    "locale",
    "stealth",
    "consent",
    "adstxt",
    "archive",
    "concurrency",
    "repeat",
    "data",
    "lists",
    "limits",
    "proxy",
    "distributed",
)


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class CrawlConfig:
    watchlist: str
    pages: int = 1
    profiles: tuple[str, ...] = ()
    profiles_file: str | None = None
    locale: str | None = None
    stealth: bool = True
    consent: str = DEFAULT_CONSENT
    adstxt: bool = True
    archive: bool = True
    concurrency: int = field(default_factory=default_concurrency)  # crawler/machine.py
    repeat: int = 1
    data: str | None = None
    lists: str | None = None
    limits: dict[str, float] = field(default_factory=dict)
    proxy: str | None = None
    distributed: bool = False  # an enqueued run: `moneytrail worker` processes run it
    # this process only
    db: str | None = None
    screenshots: str | None = None
    log_file: str | None = None
    progress: bool = True
    resume: int | None = None
    redis: str | None = None  # a worker of run `resume`, its queue in this Redis
    dead_after: int = 60  # a worker: gone for the others after this long without a heartbeat

    def __post_init__(self) -> None:
        object.__setattr__(self, "profiles", tuple(p for p in self.profiles if p))
        object.__setattr__(self, "limits", dict(self.limits or {}))
        if not isinstance(self.watchlist, str) or not self.watchlist:
            raise ConfigError("a crawl needs a watchlist")
        if not 0 <= int(self.pages) <= MAX_PAGES:
            raise ConfigError(f"pages must be between 0 and {MAX_PAGES}, not {self.pages}")
        if not 1 <= int(self.concurrency) <= MAX_CONCURRENCY:
            raise ConfigError(f"concurrency must be between 1 and {MAX_CONCURRENCY}, not {self.concurrency}")
        if not 1 <= int(self.repeat) <= MAX_REPEAT:
            raise ConfigError(f"repeat must be between 1 and {MAX_REPEAT}, not {self.repeat}")
        if not MIN_DEAD_AFTER <= int(self.dead_after) <= 3600:
            raise ConfigError(f"dead-after must be between {MIN_DEAD_AFTER} and 3600 seconds, not {self.dead_after}")
        if self.consent not in CONSENT_MODES:
            raise ConfigError(f"consent must be one of {', '.join(CONSENT_MODES)}, not {self.consent!r}")
        try:
            Limits.from_dict(self.limits)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    # --- the stored record ----------------------------------------------------------------------------
    def record(self) -> dict[str, Any]:
        """What the run record (and a schedule) keeps: versioned, the proxy's password redacted."""
        out: dict[str, Any] = {"version": CONFIG_VERSION}
        for name in RECORDED:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        out["proxy"] = redact_proxy(self.proxy)
        return out

    @classmethod
    def from_record(cls, record: dict, **process: Any) -> CrawlConfig:
        """A config from a stored record (version 0, the untyped options of older runs, reads the same keys),
        with this process's own fields (`db`, `proxy` given again...) from `process`. A recorded proxy is
        never reused: its secret was redacted."""
        record = dict(record or {})
        version = int(record.pop("version", 0) or 0)
        if version > CONFIG_VERSION:
            raise ConfigError(f"this run was recorded by a newer moneytrail (record version {version})")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in record.items() if k in RECORDED and k in known and k != "proxy" and v is not None}
        if "profiles" in values:
            values["profiles"] = tuple(values["profiles"])
        values.setdefault("consent", "off")  # recorded before consent handling: crawled (and resumed) without it
        return cls(**{**values, **process})

    # --- Scrapy settings ------------------------------------------------------------------------------------
    def to_settings(self) -> dict[str, Any]:
        """The Scrapy settings of a crawl process with this config (the config itself under MONEYTRAIL_CRAWL)."""
        values: dict[str, Any] = {
            SETTING: self.to_dict(),
            "PLAYWRIGHT_MAX_CONTEXTS": self.concurrency,
            "CONCURRENT_REQUESTS": self.concurrency + 4,  # plain ads.txt requests need no browser
        }
        if self.progress:
            values["EXTENSIONS"] = {**EXTENSIONS, "moneytrail.crawler.progress.CrawlProgress": 500}
        if self.log_file:
            values["LOG_FILE"] = self.log_file
        return values

    @classmethod
    def from_settings(cls, settings) -> CrawlConfig:
        given = settings.getdict(SETTING) if hasattr(settings, "getdict") else dict(settings.get(SETTING) or {})
        if not given:
            raise ConfigError(f"no crawl configuration in the settings: set {SETTING} (a dict with a watchlist)")
        known = {f.name for f in fields(cls)}
        unknown = set(given) - known
        if unknown:
            raise ConfigError(f"unknown {SETTING} key(s): {', '.join(sorted(unknown))}")
        if "profiles" in given:
            given["profiles"] = tuple(given["profiles"] or ())
        return cls(**given)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["profiles"] = list(self.profiles)
        return out

    def replace(self, **changes: Any) -> CrawlConfig:
        return dataclasses.replace(self, **changes)

    # --- command line ------------------------------------------------------------------------------------
    def args(self) -> list[str]:
        """`moneytrail crawl` arguments that give this config's recorded fields (how a schedule starts a crawl;
        the proxy only without a password: secrets come from the environment or the profiles file)."""
        out = ["-w", self.watchlist, "--pages", str(self.pages), "--concurrency", str(self.concurrency)]
        out += ["--repeat", str(self.repeat)] if self.repeat != 1 else []
        for name in self.profiles:
            out += ["--profile", name]
        for flag, value in (
            ("--profiles", self.profiles_file),
            ("--locale", self.locale),
            ("--data", self.data),
            ("--lists", self.lists),
        ):
            if value:
                out += [flag, value]
        if self.proxy:
            if redact_proxy(self.proxy) != self.proxy:
                raise ConfigError("a proxy with a password cannot go on a command line: set MONEYTRAIL_PROXY")
            out += ["--proxy", self.proxy]
        out.append("--stealth" if self.stealth else "--no-stealth")
        out += ["--consent", self.consent]
        out.append("--adstxt" if self.adstxt else "--no-adstxt")
        out.append("--archive" if self.archive else "--no-archive")
        for name, value in sorted(self.limits.items()):
            out += ["--limit", f"{name}={value:g}"]
        return out

    @property
    def limits_value(self) -> Limits:
        return Limits.from_dict(self.limits)


def parse_limit(text: str) -> tuple[str, float]:
    """`NAME=VALUE` of a --limit flag."""
    name, sep, value = text.partition("=")
    names = {f.name for f in fields(Limits)}
    if not sep or name.strip() not in names:
        raise ConfigError(f"--limit {text!r}: NAME=VALUE with NAME one of {', '.join(sorted(names))}")
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"--limit {text!r}: {value!r} is not a number") from None
    if not number >= 0 or number == float("inf"):
        raise ConfigError(f"--limit {text!r}: a finite number, zero or more")
    return name.strip(), number
