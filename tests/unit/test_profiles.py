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
    options = fr.context_options()
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
    assert fr.context_options()["proxy"]["password"] == "a/b#c%41:d"
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
