"""The stealth benchmark's harness (benchmarks/stealth), reduced: the detector page and its recording proxy, a
plain Playwright visit next to one with bot signals planted in the page, and a real `moneytrail crawl` of the
page with a shipped profile. The counts themselves are the benchmark's to report, not asserted here."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

from stealth.catalogue import CHECKS  # noqa: E402
from stealth.runners import PROFILES_FILE, measure, moneytrail_runner, script_runner  # noqa: E402

pytestmark = pytest.mark.timeout(600)

# what a careless instrumentation would leave: its own global, a JavaScript webdriver getter, a hooked
# window.open, and a call to a host other than the page's
PLANTED = """
Object.defineProperty(window, "__mtPlanted", { value: true });
Object.defineProperty(Navigator.prototype, "webdriver", { get: function () { return false; } });
const plantedOpen = window.open;
window.open = function (url) { return plantedOpen.apply(this, arguments); };
window.open.toString = function () { return "function open() { [native code] }"; };
if (window === window.top) fetch("https://elsewhere.test/beacon").catch(() => {});
"""


def every_check_decided(record: dict) -> None:
    assert record["status"] == "ok", record["why"]
    assert record["uncatalogued"] == []  # the page reports nothing catalogue.py does not name
    undecided = {name: c["detail"] for name, c in record["checks"].items() if c["bot"] is None}
    assert undecided == {}
    assert set(record["checks"]) == set(CHECKS)
    assert record["flagged"] == sum(c["bot"] is True for c in record["checks"].values())


@pytest.fixture(scope="module")
def plain_and_planted(chromium_path, tmp_path_factory):
    work = tmp_path_factory.mktemp("stealth")
    plain = script_runner("playwright", "playwright", "plain", lambda: chromium_path)
    planted = script_runner("planted", "playwright", "planted", lambda: chromium_path, init_script=PLANTED)
    return measure(plain, work), measure(planted, work)


def test_a_plain_playwright_visit_decides_every_check(plain_and_planted):
    plain, _ = plain_and_planted
    every_check_decided(plain)
    assert plain["checks"]["webdriver_true"]["bot"] is True  # Playwright's default: navigator.webdriver is true
    assert plain["checks"]["moneytrail_globals"]["bot"] is False
    assert "elsewhere.test" not in plain["other_hosts"]


def test_planted_bot_signals_are_counted_as_flagged(plain_and_planted):
    plain, planted = plain_and_planted
    every_check_decided(planted)
    checks = planted["checks"]
    assert checks["moneytrail_globals"]["bot"] is True
    assert "__mtPlanted" in checks["moneytrail_globals"]["detail"]
    assert checks["webdriver_getter"]["bot"] is True
    assert "return false" in checks["webdriver_getter"]["detail"]
    assert checks["webdriver_true"]["bot"] is False
    for name in ("hooks_fresh_realm_tostring", "hooks_own_tostring", "hooks_have_prototype"):
        assert checks[name]["bot"] is True and "window.open" in checks[name]["detail"], name
        assert plain["checks"][name]["bot"] is False, name
    assert "elsewhere.test" in planted["other_hosts"]
    assert checks["calls_home"]["bot"] is True


def test_a_moneytrail_crawl_visits_the_page_with_its_profile_and_clicks(chromium_path, tmp_path):
    # a crowded test machine can make one screenshot take longer than the crawler's 5 s per action, which ends
    # the visit before its clicks: the test gives actions more time (the benchmark keeps the crawler's own)
    record = measure(moneytrail_runner("desktop-en", limits={"action_timeout": 30}), tmp_path)
    every_check_decided(record)
    zone = tomllib.loads(PROFILES_FILE.read_text())["profiles"]["desktop-en"]["timezone"]
    assert record["checks"]["timezone_utc"]["detail"] == zone
    # the crawler's clicks reached the page: the player was clicked, by trusted events
    assert "the player was clicked" in record["checks"]["click_dead_centre"]["detail"]
    assert record["checks"]["untrusted_click"]["bot"] is False
    # nothing of the automation shows: no binding or global, no read from the page's world, no protocol
    # client behind the console, webdriver off natively (consent handling on: the profile's default)
    for name in (
        "webdriver_true",
        "webdriver_getter",
        "playwright_globals",
        "moneytrail_globals",
        "evaluate_in_page_world",
        "cdp_error_stack_getter",
        "cdp_error_name_getter",
        "cdp_error_new_frame",
        "disable_devtool",
        "botd",
    ):
        assert record["checks"][name]["bot"] is False, (name, record["checks"][name]["detail"])
