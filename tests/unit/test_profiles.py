"""Visitor profiles: the file, its errors, what a visit records and what its browser context gets."""

from __future__ import annotations

import pytest

from moneytrail.crawler.profiles import ProfileError, choose, load_profiles

GOOD = """
[profiles.fr]
device = "android"
locale = "fr-FR"
accept_language = "fr-FR,fr;q=0.9"
timezone = "Europe/Paris"
country = "FR"
proxy = "http://user-country-fr:${PW}@proxy.example:8000"
"""


def write(tmp_path, text):
    path = tmp_path / "profiles.toml"
    path.write_text(text)
    return path


def test_a_profile_gives_its_context_and_records_no_secret(tmp_path):
    (fr,) = load_profiles(write(tmp_path, GOOD), {"PW": "s3cret"}).values()
    options = fr.context_options("156.0.8078.108")
    assert options["locale"] == "fr-FR" and options["timezone_id"] == "Europe/Paris" and options["is_mobile"]
    assert options["viewport"] == {"width": 412, "height": 839} and "Android" in options["user_agent"]
    assert options["extra_http_headers"] == {"Accept-Language": "fr-FR,fr;q=0.9"}
    assert options["proxy"] == {
        "server": "http://proxy.example:8000",
        "username": "user-country-fr",
        "password": "s3cret",
    }
    record = fr.record()
    assert record == {
        "name": "fr",
        "device": "android",
        "locale": "fr-FR",
        "accept_language": "fr-FR,fr;q=0.9",
        "timezone": "Europe/Paris",
        "country": "FR",
        "proxy": "http://user-country-fr:***@proxy.example:8000",
    }
    assert "s3cret" not in repr(fr) + str(record)


@pytest.mark.parametrize(
    "text, message",
    [
        (GOOD.replace('device = "android"', 'device = "nokia"'), "[profiles.fr].device: unknown device 'nokia'"),
        (GOOD.replace('device = "android"', 'device = "iphone"'), "'iphone' is no longer offered: Safari cannot"),
        (GOOD.replace('country = "FR"', 'country = "FRA"'), "[profiles.fr].country: an ISO 3166 alpha-2 code"),
        (GOOD.replace('locale = "fr-FR"', 'locale = "French"'), "[profiles.fr].locale: a language tag"),
        (GOOD + 'colour = "blue"\n', "[profiles.fr]: unknown field(s) colour"),
        (
            GOOD.replace("${PW}", "${NOT_SET_ANYWHERE}"),
            "[profiles.fr].proxy: environment variable(s) NOT_SET_ANYWHERE not set",
        ),
        (GOOD.replace("http://user", "user"), "[profiles.fr].proxy: not a proxy URL"),
        (GOOD.replace(":8000", ":80o0"), "[profiles.fr].proxy: not a proxy URL"),
        (GOOD.replace("Europe/Paris", "Europe/Pariss"), "[profiles.fr].timezone: 'Europe/Pariss' is no IANA time zone"),
        (GOOD.replace('"fr-FR,fr;q=0.9"', '"fr<script>"'), "[profiles.fr].accept_language:"),
        (GOOD + 'consent = "maybe"\n', "[profiles.fr].consent: one of accept, reject, off, not 'maybe'"),
        ("[profiles.fr]\nlocale = 3\n", "[profiles.fr].locale: must be a non-empty string"),
        ("[other]\n", "no [profiles.NAME] table"),
        ("[profiles.fr\n", "profiles.toml: "),
    ],
)
def test_bad_profiles_are_named(tmp_path, text, message):
    with pytest.raises(ProfileError) as info:
        load_profiles(write(tmp_path, text), {"PW": "x"})
    assert message in str(info.value), str(info.value)


def test_secrets_with_url_characters_stay_whole(tmp_path):
    (fr,) = load_profiles(write(tmp_path, GOOD), {"PW": "a/b#c%41:d"}).values()
    assert fr.context_options("156.0.8078.108")["proxy"]["password"] == "a/b#c%41:d"
    with pytest.raises(ProfileError) as info:
        load_profiles(write(tmp_path, GOOD.replace(":8000", ":port${PW}")), {"PW": "s3cretpart"})
    assert "s3cretpart" not in str(info.value)


def test_choosing_profiles(tmp_path, monkeypatch):
    monkeypatch.setenv("PW", "x")
    path = write(tmp_path, GOOD + '\n[profiles.en]\nlocale = "en-GB"\n')
    assert [p.name for p in choose(["en", "fr", "en"], path)] == ["en", "fr"]
    with pytest.raises(ProfileError, match="no profile 'de' \\(there: fr, en\\)"):
        choose(["de"], path)
    monkeypatch.setenv("MONEYTRAIL_PROFILES", str(path))
    assert [p.name for p in choose(["en"])] == ["en"]


def test_the_example_profiles_load():
    from moneytrail.crawler.profiles import DATA

    profiles = load_profiles(DATA / "profiles.toml", {})
    assert {"desktop-en", "desktop-fr", "mobile-fr", "mobile-de"} <= set(profiles)


def test_identities_are_chrome_of_the_engine_and_agree_with_themselves():
    """No "Headless"; the user agent, navigator.platform and client hints tell one story per device; Chrome's
    language list; a time zone from the country or locale when the profile gives none."""
    from moneytrail.crawler.identity import accept_language, brands, default_timezone, identity
    from moneytrail.crawler.profiles import Profile, load_devices

    desktop = identity("linux", "156.0.8078.108", "en-US")
    assert desktop.user_agent.endswith("Chrome/156.0.0.0 Safari/537.36") and "Headless" not in desktop.user_agent
    assert "X11; Linux x86_64" in desktop.user_agent and desktop.platform == "Linux x86_64"
    assert desktop.metadata["platform"] == "Linux" and not desktop.metadata["mobile"]
    phone = identity("android", "156.0.8078.108", "fr-FR", "Pixel 7", "14.0.0")
    assert "Android 10; K" in phone.user_agent and "Mobile Safari" in phone.user_agent
    assert phone.platform.startswith("Linux arm") and phone.metadata["platform"] == "Android"
    assert (
        phone.metadata["mobile"]
        and phone.metadata["model"] == "Pixel 7"
        and phone.metadata["formFactors"] == ["Mobile"]
    )
    assert brands("156.0.8078.108") == [
        {"brand": "Not:A-Brand", "version": "8"},
        {"brand": "Chromium", "version": "156"},
    ]
    headers = phone.headers()
    assert headers["Sec-CH-UA-Mobile"] == "?1" and headers["Sec-CH-UA-Platform"] == '"Android"'
    assert headers["Sec-CH-UA"] == '"Not:A-Brand";v="8", "Chromium";v="156"'
    assert accept_language("fr-FR") == "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7" == phone.accept_language
    assert accept_language(None) == "en-US,en;q=0.9"
    assert default_timezone("DE", "fr-FR") == "Europe/Berlin" and default_timezone(None, "fr-FR") == "Europe/Paris"
    options = Profile("p", load_devices()["desktop"], "de-DE").context_options("156.0.8078.108")
    assert options["timezone_id"] == "Europe/Berlin" and options["screen"]["width"] > options["viewport"]["width"]
    assert "Headless" not in options["user_agent"]
    assert options["extra_http_headers"]["Accept-Language"].startswith("de-DE,de;q=0.9")
    # no locale: the visitor's default en-US, and a time zone of its region rather than a server's UTC
    plain = Profile("p", load_devices()["desktop"]).context_options("156.0.8078.108")
    assert plain["timezone_id"] == "America/New_York"
    # a profile's own Accept-Language is what its pages and workers say too
    own = Profile("p", load_devices()["android"], "fr-FR", accept_language="fr-FR,fr;q=0.5")
    assert own.identity("156.0.8078.108").cdp_override()["acceptLanguage"] == "fr-FR"  # navigator.languages
    assert own.identity("156.0.8078.108").cdp_override()["platform"] == "Linux armv81"


def test_a_profile_answers_consent_banners_its_own_way(tmp_path):
    """`consent` in a profile overrides the crawl's --consent for that visitor's visits (and is recorded)."""
    from moneytrail.crawler.config import CrawlConfig
    from moneytrail.spiders.watchlist import WatchlistSpider

    path = write(tmp_path, GOOD + 'consent = "reject"\n\n[profiles.en]\nlocale = "en-GB"\n')
    rejects, plain = load_profiles(path, {"PW": "x"}).values()
    assert rejects.consent == "reject" and rejects.record()["consent"] == "reject" and plain.consent is None
    spider = WatchlistSpider(CrawlConfig("sandbox", consent="accept"))
    consent = {
        p.name: spider.visit_request("https://a.example/", 1, "a.example", "home", p).meta["visit"]["consent"]
        for p in (rejects, plain)
    }
    assert consent == {"fr": "reject", "en": "accept"}
