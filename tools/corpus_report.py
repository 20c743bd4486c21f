"""The coverage of the real-deployment corpus (tests/corpus/), per network and per miner service, as the
markdown tables data/README.md carries between its `corpus-coverage` markers.

    .venv/bin/python tools/corpus_report.py            print the tables
    .venv/bin/python tools/corpus_report.py --write    rewrite them in data/README.md

tests/unit/test_tag_corpus.py checks that data/README.md holds what this prints (the table cannot go stale)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "data" / "README.md"
START, END = "<!-- corpus-coverage: start (tools/corpus_report.py) -->", "<!-- corpus-coverage: end -->"


def tag_rows(sigs) -> tuple[list[str], dict]:
    sys.path.insert(0, str(ROOT / "tests"))
    from moneytrail.attribution.attribute import attribute
    from tagcorpus import load_corpus, observe

    per: dict[str, Counter] = defaultdict(Counter)
    negatives = Counter()
    for shape in load_corpus():
        obs, texts = observe(shape)
        found = attribute(obs, sigs, None, texts)
        networks, ids = found.network_names(), {(i.id_type, i.id_value) for i in found.ids}
        if not shape.network:
            negatives["shapes"] += 1
            negatives["flagged"] += bool(networks or ids)
            continue
        row = per[shape.network]
        row["shapes"] += 1
        row["named"] += shape.network in networks
        row["wrong"] += bool(networks - {shape.network, *shape.also})
        row["ids"] += len(shape.ids)
        row["ids_found"] += len(set(shape.ids) & ids)
        row["gaps"] += bool(shape.known_gap)
    lines = [
        "| network | shapes | network named | ids expected | ids extracted | other networks named | known gaps |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in sorted(per, key=str.lower):
        r = per[name]
        lines.append(
            f"| {name} | {r['shapes']} | {r['named']} | {r['ids']} | {r['ids_found']} | {r['wrong']} | {r['gaps']} |"
        )
    total = sum(per.values(), Counter())
    lines.append(
        f"| **all {len(per)} networks** | **{total['shapes']}** | **{total['named']}** | **{total['ids']}** | "
        f"**{total['ids_found']}** | **{total['wrong']}** | **{total['gaps']}** |"
    )
    return lines, {"total": total, "negatives": negatives}


def miner_rows(sigs) -> tuple[list[str], dict]:
    sys.path.insert(0, str(ROOT / "tests" / "unit"))
    from test_miner_corpus import cases, observe

    from moneytrail.attribution.attribute import attribute

    per: dict[str, Counter] = defaultdict(Counter)
    for case in cases():
        miners = attribute(observe(case), sigs).miners
        name = case["service"] or "(decoys)"
        row = per[name]
        row["cases"] += 1
        if not case["service"]:
            row["right"] += not miners
            continue
        service_right = [m.service for m in miners] == [case["service"]]
        key_right = service_right and all(
            getattr(miners[0], field) == case[want]
            for field, want in (("site_key", "key"), ("wallet", "wallet"))
            if case.get(want)
        )
        row["right"] += service_right
        row["keyed"] += bool(case.get("key") or case.get("wallet"))
        row["key_right"] += key_right and bool(case.get("key") or case.get("wallet"))
    lines = [
        "| miner service | cases | found (decoys: left alone) | with a key or wallet | key or wallet right |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in sorted(per, key=str.lower):
        r = per[name]
        lines.append(f"| {name} | {r['cases']} | {r['right']} | {r['keyed']} | {r['key_right']} |")
    return lines, {}


def block() -> str:
    from moneytrail.attribution.signatures import load

    sigs = load()
    tags, stats = tag_rows(sigs)
    miners, _ = miner_rows(sigs)
    total, negatives = stats["total"], stats["negatives"]
    recall = total["named"] / total["shapes"] if total["shapes"] else 0
    id_recall = total["ids_found"] / total["ids"] if total["ids"] else 0
    summary = (
        f"Network recall {recall:.3f} ({total['named']} of {total['shapes']} shapes), publisher-id recall "
        f"{id_recall:.3f} ({total['ids_found']} of {total['ids']}); {negatives['flagged']} of "
        f"{negatives['shapes']} negatives flagged, {total['wrong']} shapes with another network named."
    )
    return "\n".join([START, summary, "", *tags, "", *miners, END])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the tables in data/README.md")
    args = parser.parse_args()
    text = block()
    if not args.write:
        print(text)
        return
    readme = README.read_text()
    if START in readme:
        before, rest = readme.split(START, 1)
        readme = before + text + rest.split(END, 1)[1]
    else:
        readme = readme.rstrip() + "\n\n## Coverage of real deployments\n\n" + text + "\n"
    README.write_text(readme)


if __name__ == "__main__":
    main()
