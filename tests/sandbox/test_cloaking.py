"""The sandbox's identity cloaking, as an ad server reads a page request's headers: real browsers' header sets
are served, automated browsers' refused (the browser side is tested by a visit: tests/browser/test_crawl_runs.py)."""

from __future__ import annotations

import pytest

from moneytrail.sandbox.cloaking import identity_holds

WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
WINDOWS = f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {WEBKIT} Chrome/156.0.0.0 Safari/537.36"
ANDROID = f"Mozilla/5.0 (Linux; Android 10; K) {WEBKIT} Chrome/156.0.0.0 Mobile Safari/537.36"
HEADLESS = f"Mozilla/5.0 (X11; Linux x86_64) {WEBKIT} HeadlessChrome/156.0.0.0 Safari/537.36"
BRANDS = '"Chromium";v="156", "Not-A.Brand";v="24", "Google Chrome";v="156"'


def hints(ua: str, brands: str = BRANDS, mobile: str = "?0", platform: str = '"Windows"') -> dict[str, str]:
    return {"user-agent": ua, "sec-ch-ua": brands, "sec-ch-ua-mobile": mobile, "sec-ch-ua-platform": platform}


@pytest.mark.parametrize(
    "headers",
    [
        hints(WINDOWS),
        hints(ANDROID, mobile="?1", platform='"Android"'),
        hints(WINDOWS, brands='"Not)A;Brand";v="8", "Chromium";v="156", "Microsoft Edge";v="156"'),  # Edge
        {"user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"},  # no hints
    ],
    ids=["chrome-windows", "chrome-android", "edge", "firefox"],
)
def test_browsers_that_tell_one_story_are_served(headers):
    assert identity_holds(headers)


@pytest.mark.parametrize(
    "headers",
    [
        hints(HEADLESS, brands='"Chromium";v="156", "HeadlessChrome";v="156"', platform='"Linux"'),  # Playwright
        {"user-agent": WINDOWS},  # a User-Agent changed, the hints gone
        hints(WINDOWS, platform='"Linux"'),  # a Windows User-Agent on a Linux engine
        hints(WINDOWS, brands='"Chromium";v="150", "Google Chrome";v="150"'),  # the engine's own version
        hints(ANDROID, platform='"Android"'),  # a phone that says it is not mobile
        {"user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0", "sec-ch-ua": BRANDS},
        {},
    ],
    ids=["headless", "ua-only", "platform", "version", "mobile", "firefox-with-hints", "nothing"],
)
def test_browsers_that_contradict_themselves_are_refused(headers):
    assert not identity_holds(headers)
