"""World data: loaded and checked, with errors that name the file and the entry."""
from __future__ import annotations

import pytest

from sandbox.world import WORLD_FILE, WorldError, load_world


def _edited(tmp_path, old: str, new: str):
    text = WORLD_FILE.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "world.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old,new,message", [
    ('advertiser = "safetunnel-vpn.test", chain = ["serve.popads.net http"]',
     'advertiser = "nobody.test", chain = ["serve.popads.net http"]', "network 'popads'.*unknown advertiser"),
    ('chain = ["serve.popads.net http"] }', 'chain = ["serve.popads.net teleport"] }', "hop via 'teleport'"),
    ('chain = ["serve.popads.net http"] }',
     'chain = ["serve.popads.net http", "trk.adflowhub.test http", "go.clickpath-exchange.test http", '
     '"r.smartlink-route.test http", "t.zeroclick-arbitrage.test http", "trk.adflowhub.test http"] }', "6 hops"),
    ('chain = ["serve.popads.net http"] }', 'chain = ["evil.example http"] }', "click server"),
    ('behaviour = "huge_page"', 'behaviour = "nuke"', "site 'hugepage.test'.*behaviour"),
    ('operator = "lumiere"', 'operator = "nobody"', "unknown operator 'nobody'"),
    ('{ network = "popads" }, { network = "adsense" }', '{ network = "popunder-inc" }', "unknown network"),
    ('domain = "kinoflix-de.test"', 'domain = "kinoflix.de"', "fictional .test"),
    ('domain = "kinoflix-de.test"', 'domain = "streamvf.test"', "listed twice"),
    ('lang = "de"', 'lang = "de"\nfavourite_colour = "red"', "favourite_colour"),
    ('category = "crypto"', 'category = "lottery"', "category 'lottery'"),
    ('[[sites]]', '[[sites]\n', "world.toml"),
])
def test_bad_world_data_is_refused_with_a_clear_message(tmp_path, old, new, message):
    with pytest.raises(WorldError, match=message):
        load_world(_edited(tmp_path, old, new))


def test_the_shipped_world_loads(world):
    assert len(world.sites) >= 35 and len(world.networks) >= 10


def test_throwaway_host_matches_its_family_and_differs_per_key(world):
    import re
    net = world.networks["adsterra"]
    hosts = {world.throwaway_host(s) for s in world.sites if any(a.network == "adsterra" for a in s.ads)}
    assert hosts and all(re.fullmatch(net.host_pattern, h) for h in hosts)
    keys = {s.publisher_id("adsterra_key") for s in world.sites if any(a.network == "adsterra" for a in s.ads)}
    assert len(hosts) == len(keys)
