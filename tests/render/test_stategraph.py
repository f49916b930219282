"""--view states: small graphs whole with dot, larger with sfdp, huge ones summarised."""

from __future__ import annotations

from pathlib import Path

import kmodel
from kmodel.model import Model, always
from kmodel.render import stategraph
from kmodel.render.stategraph import explore_graph, states

ROOT = Path(__file__).resolve().parents[2]


class _Grid(Model):
    """(x, y) on an n×n grid, moving right or up; invariant: not in the top right corner."""

    def __init__(self, n):
        self.n = n

    def init_states(self):
        return [(0, 0)]

    def actions(self, s):
        return ["right", "up"]

    def next_state(self, s, a):
        x, y = s
        nxt = (x + 1, y) if a == "right" else (x, y + 1)
        return nxt if max(nxt) < self.n else None

    def properties(self):
        return [always("not corner", lambda s: s != (self.n - 1, self.n - 1))]


def test_small_graph_with_dot_labels_and_violations():
    m = _Grid(3)
    path = m.checker().bfs()["not corner"].path
    d = states(m, path=path)
    assert d.engine == "dot" and len(d.nodes) == 9
    assert d.marked("initial") == ["state:0"] and d.marked("violated") == ["state:8"]
    path_edges = [e for e in d.edges if "violated" in e.marks]
    assert len(path_edges) == 4 and all(e.label in ("right", "up") for e in d.edges)
    assert d.findings[0].message == "not corner is violated in 1 state (8)"


def test_medium_graph_uses_sfdp_without_labels():
    d = states(_Grid(12))
    assert d.engine == "sfdp" and len(d.nodes) == 144 and all(e.label == "" for e in d.edges)


def test_huge_graph_is_summarised_around_the_counterexample(monkeypatch):
    monkeypatch.setattr(stategraph, "SFDP_LIMIT", 100)
    m = _Grid(15)
    path = m.checker().bfs()["not corner"].path
    d = states(m, path=path)
    assert len(d.nodes) < 100 and "strongly connected components" in d.notes[0]
    assert d.marked("violated") == ["state:224"]


def test_cluster_model_graph_matches_the_checker_count():
    spec = kmodel.load_spec([str(ROOT / "specs/pinned-pod-overcommit")])
    g, complete = explore_graph(spec.model)
    assert complete and g.number_of_nodes() == spec.model.checker().bfs().stats.states
