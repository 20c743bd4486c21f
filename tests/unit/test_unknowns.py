"""Unknown ad hosts grouped into families: hosts of one registrable domain, rotating domains joined by a
shared URL path shape, plain paths never joining strangers; read back from a store by `moneytrail unknowns`."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import run_cli
from moneytrail.attribution.analyzer import Analyzer
from moneytrail.attribution.lists import FilterLists
from moneytrail.attribution.signatures import load
from moneytrail.attribution.unknowns import Sighting, families, path_shape
from moneytrail.crawler.observation import Observation, RequestRecord
from moneytrail.crawler.store import open_store
from moneytrail.crawler.store.visits import write_visit


def test_path_shapes_abstract_keys_and_keep_plain_paths_apart():
    assert path_shape("https://x.test/3f9a0b1c2d3e4f5a/invoke.js") == "/<hex>/invoke.js"
    assert path_shape("https://x.test/123/abc.js?z=1") == "/<n>/abc.js"
    assert path_shape("https://x.test/js/pop.js") == "/js/pop.js"
    for plain in ("https://x.test/", "https://x.test/123", "https://x.test/pop.js", "https://x.test/aB3dEfGh12kLmN"):
        assert path_shape(plain) is None, plain


@given(st.text(max_size=200))
def test_path_shape_takes_any_string(url):
    shape = path_shape(url)
    assert shape is None or shape.startswith("/")


def test_rotating_domains_join_by_path_shape_and_strangers_stay_apart():
    seen = [
        Sighting("cdn.rot-one.com", "https://cdn.rot-one.com/0a1b2c3d4e5f6a7b/invoke.js", "s1.test"),
        Sighting("rot-one.com", "https://rot-one.com/click?id=1", "s1.test"),
        Sighting("rot-two.net", "https://rot-two.net/9f8e7d6c5b4a3f2e/invoke.js", "s2.test"),
        Sighting("loner.org", "https://loner.org/pop.js", "s1.test"),
        Sighting("other.org", "https://other.org/pop.js", "s3.test"),
    ]
    fams = families(seen)
    rot = next(f for f in fams if "rot-one.com" in f.domains)
    assert rot.domains == ["rot-one.com", "rot-two.net"]
    assert rot.sites == ["s1.test", "s2.test"] and rot.requests == 3
    assert rot.shapes == ["/<hex>/invoke.js"]
    assert sorted(f.name for f in fams) == ["loner.org", "other.org", "rot-one.com"]
    assert fams[0] is rot  # most sites first
    hint = rot.data_hint()
    assert 'hosts = ["rot-one.com", "rot-two.net"]' in hint
    assert "invoke" in hint


@pytest.mark.slow
def test_the_command_lists_families_from_the_store(tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "easylist.txt").write_text("[Adblock Plus 2.0]\n||rot-one.com^\n||rot-two.net^\n")
    analyzer = Analyzer(load(), FilterLists.load(lists))
    db = f"sqlite:///{tmp_path / 'store.db'}"
    store = open_store(db, screenshots=tmp_path / "shots")
    for n, url in enumerate(
        ("https://a.rot-one.com/lib/0a1b2c3d4e5f6a7b/tag.min.js", "https://rot-two.net/lib/ffee0011ddcc2233/tag.min.js")
    ):
        site = f"site{n}.test"
        obs = Observation(
            visit_id=f"v{n}",
            url=f"https://{site}/",
            site=site,
            page_kind="home",
            started_at="2026-11-23T10:00:00+00:00",
        )
        obs.requests = [
            RequestRecord(0, f"https://{site}/", "GET", "document", 0, 0, True, 1, 0.0, status=200),
            RequestRecord(1, url, "GET", "script", 0, 0, False, 1, 0.1, status=200),
        ]
        found = analyzer.visit(obs)
        assert any(h.network.startswith("unknown:") for h in found.networks)
        write_visit(store, obs, run_id=None, site_id=None, findings=found)
    result = run_cli("unknowns", "--json", "--hints", env={"MONEYTRAIL_DB": db})
    assert result.returncode == 0, result.stderr
    (family,) = json.loads(result.stdout)
    assert family["domains"] == ["rot-one.com", "rot-two.net"]
    assert family["sites"] == ["site0.test", "site1.test"]
    assert family["shapes"] == ["/lib/<hex>/tag.min.js"]
    table = run_cli("unknowns", env={"MONEYTRAIL_DB": db})
    assert table.returncode == 0 and "rot-one.com" in table.stdout
