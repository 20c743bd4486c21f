"""The one crawl configuration: the same from flags, settings, the stored run record and a schedule."""

from __future__ import annotations

import pytest
import typer
from scrapy.settings import Settings

from moneytrail.cli import app
from moneytrail.cli import options as o
from moneytrail.crawler.config import CONFIG_VERSION, RECORDED, ConfigError, CrawlConfig, parse_limit
from moneytrail.crawler.limits import Limits

EVERYTHING = CrawlConfig(
    watchlist="fr-streaming",
    pages=3,
    profiles=("desktop-fr", "android-fr"),
    profiles_file="/etc/moneytrail/profiles.toml",
    locale="fr-FR",
    stealth=False,
    consent="reject",
    adstxt=False,
    archive=False,
    concurrency=7,
    repeat=3,
    data="/srv/data",
    lists="/srv/lists",
    limits={"visit_timeout": 90.0, "max_popups": 3},
    proxy="http://geo.example:3128",
)


def parse_crawl_flags(args: list[str]) -> CrawlConfig:
    """`moneytrail crawl ARGS` as the crawl command reads them, into the config it builds."""
    root = typer.main.get_command(app)
    command = root.get_command(root.make_context("moneytrail", ["crawl"]), "crawl")
    params = command.make_context("crawl", list(args)).params
    return o.config_from(params["watchlist"], params, proxy=params["proxy"])


def test_the_flags_a_schedule_writes_give_back_the_same_config():
    assert parse_crawl_flags(EVERYTHING.args()) == EVERYTHING
    assert parse_crawl_flags(CrawlConfig("w").args()) == CrawlConfig("w")


def test_every_recorded_field_is_a_flag():
    """A field added to CrawlConfig and forgotten by args() (so by schedules) fails here."""
    for name in RECORDED:
        if name == "distributed":  # set by `moneytrail enqueue`, not a crawl flag
            continue
        default = CrawlConfig("w")
        assert getattr(EVERYTHING, name) != getattr(default, name), f"EVERYTHING leaves {name} at its default"


def test_the_record_is_versioned_and_keeps_no_secret():
    secret = EVERYTHING.replace(proxy="http://user:hunter2@geo.example:3128")
    record = secret.record()
    assert record["version"] == CONFIG_VERSION and "hunter2" not in str(record)
    back = CrawlConfig.from_record(record, proxy="http://user:hunter2@geo.example:3128")
    assert back == secret  # the secret comes from this process, never from the record
    assert CrawlConfig.from_record(record).proxy is None
    with pytest.raises(ConfigError, match="password"):
        secret.args()  # a password never goes on a command line


def test_old_untyped_run_options_still_read():
    old = {"watchlist": "w", "pages": 2, "stealth": False, "adstxt": True, "profiles": ["x"], "locale": None,
           "concurrency": 4, "proxy": "http://u:***@p:1", "distributed": True}  # fmt: skip
    config = CrawlConfig.from_record(old)
    assert (config.pages, config.stealth, config.profiles, config.distributed, config.proxy) == (
        2,
        False,
        ("x",),
        True,
        None,
    )
    with pytest.raises(ConfigError, match="newer"):
        CrawlConfig.from_record({"version": CONFIG_VERSION + 1, "watchlist": "w"})


def test_settings_round_trip_and_bad_values():
    assert CrawlConfig.from_settings(Settings(EVERYTHING.to_settings())) == EVERYTHING
    with pytest.raises(ConfigError, match="no crawl configuration"):
        CrawlConfig.from_settings(Settings())
    with pytest.raises(ConfigError, match="unknown"):
        CrawlConfig.from_settings(Settings({"MONEYTRAIL_CRAWL": {"watchlist": "w", "pagez": 1}}))
    for bad in ({"pages": 21}, {"concurrency": 0}, {"limits": {"nonsense": 1}}, {"limits": {"visit_timeout": "x"}}):
        with pytest.raises(ConfigError):
            CrawlConfig("w", **bad)


def test_limit_flags():
    assert parse_limit("visit_timeout=90") == ("visit_timeout", 90.0)
    for bad in ("visit_timeout", "nope=1", "visit_timeout=soon", "visit_timeout=-1", "visit_timeout=inf"):
        with pytest.raises(ConfigError):
            parse_limit(bad)
    assert CrawlConfig("w", limits={"max_popups": 3}).limits_value == Limits(max_popups=3)
