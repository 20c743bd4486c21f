"""Real tag shapes (tests/corpus/tags/): each is recognised (its network named, its publisher ids
extracted), negatives name nothing; the recall and precision per network meet the aims."""

from __future__ import annotations

import pytest

from moneytrail.attribution.attribute import attribute
from moneytrail.attribution.signatures import load
from tagcorpus import load_corpus, observe

SHAPES = load_corpus()


@pytest.fixture(scope="module")
def sigs():
    return load()


def found(shape, sigs):
    obs, texts = observe(shape)
    findings = attribute(obs, sigs, None, texts)
    return findings.network_names(), {(i.id_type, i.id_value) for i in findings.ids}


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.id)
def test_shape(shape, sigs):
    networks, ids = found(shape, sigs)
    if not shape.network:
        assert networks == set() and ids == set(), f"a negative named {networks} {ids}"
        return
    recognised = shape.network in networks and set(shape.ids) <= ids
    if shape.known_gap:
        assert not recognised, f"{shape.id} is recognised now: drop its known_gap ({shape.known_gap})"
        return
    assert shape.network in networks, f"{shape.network} not named (named: {sorted(networks)})"
    assert set(shape.ids) <= ids, f"ids missing: {set(shape.ids) - ids} (found: {sorted(ids)})"
    wrong = networks - {shape.network, *shape.also}
    assert not wrong, f"other networks named on a page carrying only {shape.network}: {wrong}"


def test_the_coverage_table_in_data_readme_is_up_to_date():
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("corpus_report", root / "tools" / "corpus_report.py")
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    assert report.block() in (root / "data" / "README.md").read_text(), (
        "data/README.md is stale: run .venv/bin/python tools/corpus_report.py --write"
    )


def test_remembered_scans_change_no_finding(sigs):
    """Signatures.per_text remembers each text's scans for the crawl: every shape, attributed with the memory warm
    (twice, the second time in reverse order), has the findings it has with no memory at all."""
    forgetful = load()
    forgetful.per_text = lambda kind, text, compute: compute(text)
    observed = [observe(shape) for shape in SHAPES]
    expected = [attribute(obs, forgetful, None, texts) for obs, texts in observed]
    for order in (range(len(SHAPES)), reversed(range(len(SHAPES)))):
        for i in order:
            obs, texts = observed[i]
            assert attribute(obs, sigs, None, texts) == expected[i], SHAPES[i].id
    assert sigs._text_cache  # it did remember


def test_a_text_is_scanned_once_per_kind_and_the_memory_empties_when_full(monkeypatch):
    from moneytrail.attribution import signatures

    fresh, calls = load(), []

    def scan(text):
        calls.append(text)
        return (len(text),)

    assert fresh.per_text("a", "jQuery v3.7.1", scan) == fresh.per_text("a", "jQuery v3.7.1", scan) == (13,)
    assert fresh.per_text("b", "jQuery v3.7.1", scan) == (13,)
    assert calls == ["jQuery v3.7.1"] * 2  # once per kind
    monkeypatch.setattr(signatures, "TEXT_CACHE_SIZE", 3)
    for n in range(10):
        fresh.per_text("a", f"text {n}", scan)
    assert len(fresh._text_cache) <= 3
    assert fresh.per_text("a", "\ud800 lone surrogate", scan) == (16,)  # any str, even one UTF-8 cannot encode


def test_a_text_repeating_ids_is_remembered_as_each_id_once_and_no_more_than_a_page_keeps(sigs):
    from moneytrail.attribution.ids import MAX_IDS_PER_TYPE, _ids_in

    rules = [r for r in sigs.extractors if r.source in ("inline", "text")]
    text = "gtag('config','G-ABCDEF1234');" * 5000 + "".join(f"gtag('config','G-ABCDE{n:05d}');" for n in range(40))
    found = _ids_in(text, rules)
    ga4 = [value for id_type, value, _ in found if id_type == "ga4"]
    assert ga4[0] == "G-ABCDEF1234" and len(ga4) == len(set(ga4)) == MAX_IDS_PER_TYPE
