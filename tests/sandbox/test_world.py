"""World data: loaded and checked, with errors that name the file and the entry."""

from __future__ import annotations

import json
import re

import pytest

from moneytrail.sandbox import hostile, networks, sites
from moneytrail.sandbox.world import AD_BEHAVIOURS, HOSTILE_BEHAVIOURS, WORLD_FILE, WorldError, load_world


def _edited(tmp_path, old: str, new: str):
    text = WORLD_FILE.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "world.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "old,new,message",
    [
        (
            'advertiser = "safetunnel-vpn.test", chain = ["serve.popads.net http"]',
            'advertiser = "nobody.test", chain = ["serve.popads.net http"]',
            "network 'popads'.*unknown advertiser",
        ),
        ('chain = ["serve.popads.net http"] }', 'chain = ["serve.popads.net teleport"] }', "hop via 'teleport'"),
        (
            'chain = ["serve.popads.net http"] }',
            'chain = ["serve.popads.net http", "trk.adflowhub.test http", "go.clickpath-exchange.test http", '
            '"r.smartlink-route.test http", "t.zeroclick-arbitrage.test http", "trk.adflowhub.test http"] }',
            "6 hops",
        ),
        ('chain = ["serve.popads.net http"] }', 'chain = ["evil.example http"] }', "click server"),
        ('behaviour = "huge_page"', 'behaviour = "nuke"', "site 'hugepage.test'.*behaviour"),
        ('operator = "lumiere"', 'operator = "nobody"', "unknown operator 'nobody'"),
        ('{ network = "popads" }, { network = "adsense" }', '{ network = "popunder-inc" }', "unknown network"),
        ('domain = "kinoflix-de.test"', 'domain = "kinoflix.de"', "fictional .test"),
        ('domain = "kinoflix-de.test"', 'domain = "streamvf.test"', "listed twice"),
        ('lang = "de"', 'lang = "de"\nfavourite_colour = "red"', "favourite_colour"),
        ('category = "crypto"', 'category = "lottery"', "category 'lottery'"),
        ("[[sites]]", "[[sites]\n", "world.toml"),
        (
            'ids = { adsense = "ca-pub-4213377201944519" }',
            'ids = { adsense = "ca-pub-4213377201944519", mgid_widget = "1" }',
            "site 'animevostfr.test'.*id 'mgid_widget'",
        ),
        (
            'behaviour = "popunder_window_open"',
            'behaviour = "popunder_teleport"',
            "network 'popads'.*behaviour 'popunder_teleport'",
        ),
        (
            '{ network = "trafficstars", pages = ["inner"] }, { network = "mgid" }',
            '{ network = "trafficstars" }, { network = "mgid" }',
            "site 'bingewatch-free.test'.*'trafficstars'.*inner",
        ),
        (
            '{ advertiser = "coinrocket-exchange.test", chain = ["a-ads.com http"] }',
            '{ advertiser = "coinrocket-exchange.test", chain = ["a-ads.com http"], when = { country = "fr" } }',
            "network 'a-ads'.*no default campaign",
        ),
        (
            'mirror_from = { domain = "streamvf.test", via = "http" }',
            'mirror_from = { via = "http" }',
            "site 'streamvf-hd.test'.*mirror_from",
        ),
        (
            'mirror_from = { domain = "zt-films-ancien.test", via = "js" }',
            'mirror_from = { domain = "zt-films-ancien.test", via = "dns" }',
            "site 'zt-films.test'.*mirror_from",
        ),
        ('host_pattern = "[a-z]{8}[0-9]{2}\\\\.com"', 'host_pattern = "[a-z{8"', "network 'adsterra'.*host_pattern"),
        (
            'host_pattern = "[a-z]{8}[0-9]{2}\\\\.com"',
            'host_pattern = "[a-z]{8}[0-9]{3}\\\\.com"',
            "site 'flixbay-stream.test'.*throwaway host",
        ),
        ('protocol = "coinhive"', 'protocol = "bitcoin"', "miner service 'coinhive'.*protocol 'bitcoin'"),
        ('adstxt = "oversized"', 'adstxt = "huge"', "site 'ddl-zone.test'.*adstxt 'huge'"),
        ('when = { language = "de" }', 'when = { browser = "de" }', "network 'popads'.*when"),
        ('cloaking = ["webdriver"]', 'cloaking = ["headless"]', "site 'cloakedflix.test'.*cloaking 'headless'"),
        ('lang = "de"', 'lang = "German"', "site 'kinoflix-de.test'.*lang 'German'"),
        ("throttle = 0.9", "throttle = 1.5", "site 'streamcomplet.test'.*throttle 1.5"),
        ('id = "popcash"', 'id = "popads"', "network 'popads'.*listed twice"),
        (
            'domain = "parifoot-bet.test"',
            'domain = "luckyspin-casino.test"',
            "advertiser 'luckyspin-casino.test'.*twice",
        ),
        ('id = "minergang"', 'id = "lumiere"', "operator 'lumiere'.*listed twice"),
        ('id = "coinimp"', 'id = "coinhive"', "miner service 'coinhive'.*listed twice"),
        (
            'ads = [ { network = "popcash", campaign = 1 } ]',
            'ads = [ { network = "popcash", campaign = 1 }, { network = "popcash" } ]',
            "site 'telecharger-gratuit.test'.*'popcash' is placed twice",
        ),
    ],
)
def test_bad_world_data_is_refused_with_a_clear_message(tmp_path, old, new, message):
    with pytest.raises(WorldError, match=message):
        load_world(_edited(tmp_path, old, new))


def test_the_shipped_world_loads(world):
    assert len(world.sites) >= 35 and len(world.networks) >= 10


def test_behaviour_vocabularies_match_their_tables():
    assert set(networks.BEHAVIOURS) == set(AD_BEHAVIOURS)
    assert set(hostile.BEHAVIOURS) == set(HOSTILE_BEHAVIOURS)


ODD = "'\"</script><script>alert(1)</script>"


@pytest.mark.parametrize(
    "old",
    [
        'popads_site_id = "4412331"',
        'popcash_uid = "3314159"',
        'ga = "G-LUM3R1E42X"',
        'adsterra_key = "a3f9c2e1d4b5"',
        'gtm = "GTM-NB7K2QX"',
        'ga = "UA-88123456-1"',
        'hilltopads_site = "771204"',
    ],
)
def test_odd_ids_are_written_into_scripts_as_string_literals(tmp_path, old):
    key, value = old.split(" = ")
    odd = json.loads(value) + ODD
    world = load_world(_edited(tmp_path, old, f"{key} = {json.dumps(odd)}"))
    site = next(s for s in world.sites if s.ids.get(key) == odd)
    for html in (sites.home(world, site), sites.inner(world, site, sites.inner_paths(site)[0])):
        assert networks.js_string(odd) in html and "alert(1)</script>" not in html


def test_throwaway_host_matches_its_family_and_differs_per_key(world):
    net = world.networks["adsterra"]
    hosts = {world.throwaway_host(s) for s in world.sites if any(a.network == "adsterra" for a in s.ads)}
    assert hosts and all(re.fullmatch(net.host_pattern, h) for h in hosts)
    keys = {s.publisher_id("adsterra_key") for s in world.sites if any(a.network == "adsterra" for a in s.ads)}
    assert len(hosts) == len(keys)
