"""The money flow as a graph, for analysts' graph tools (Gephi, Cytoscape, networkx): who pays whom.

Every ad followed is a path site -> network -> broker(s), in the chain's order -> advertiser. A node is one
party in one role (`site:`, `network:`, `broker:`, `advertiser:` and its name: a broker that is also an
advertiser elsewhere is two nodes); an edge carries the ads that took it (`ads`), the visits they were seen
in (`visits`) and their formats (`kinds`). Written by networkx as GraphML or GEXF; text from crawled pages
loses the control characters XML cannot hold."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx

from moneytrail.crawler.store.findings import Scope, link_rows

GRAPH_FORMATS = ("graphml", "gexf")
XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str:
    return XML_INVALID.sub("", str(value or ""))[:500]


def money_flow(rows) -> nx.DiGraph:
    """The graph of these link rows ((site, network, advertiser, kind, category, brokers, visit_id, started))."""
    graph = nx.DiGraph()
    kinds: dict[tuple[str, str], set[str]] = {}
    visits: dict[tuple[str, str], set[int]] = {}
    for site, network, advertiser, kind, category, brokers, visit_id, _ in rows:
        parties = [
            ("site", site),
            ("network", network),
            *(("broker", b) for b in brokers or []),
            ("advertiser", advertiser),
        ]
        path = []
        for role, name in parties:
            node = f"{role}:{_text(name)}"
            if node not in graph:
                graph.add_node(node, label=_text(name), role=role)
            if role == "advertiser":
                graph.nodes[node]["category"] = _text(category)
            if not path or path[-1] != node:
                path.append(node)
        for edge in zip(path, path[1:], strict=False):
            if edge in graph.edges:
                graph.edges[edge]["ads"] += 1
            else:
                graph.add_edge(*edge, ads=1)
            kinds.setdefault(edge, set()).add(_text(kind))
            visits.setdefault(edge, set()).add(visit_id)
    for edge in graph.edges:
        graph.edges[edge]["kinds"] = ";".join(sorted(kinds[edge]))
        graph.edges[edge]["visits"] = len(visits[edge])
    return graph


def write_graph(store, scope: Scope, fmt: str, path: Path) -> nx.DiGraph:
    """The store's money flow (within `scope`) written as `fmt` (graphml or gexf) to `path`."""
    if fmt not in GRAPH_FORMATS:
        raise ValueError(f"unknown graph format {fmt!r}: one of {', '.join(GRAPH_FORMATS)}")
    graph = money_flow(link_rows(store, scope))
    if fmt == "graphml":
        nx.write_graphml(graph, path)
    else:
        nx.write_gexf(graph, path)
    return graph
