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
