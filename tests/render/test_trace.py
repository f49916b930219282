"""--view trace: a counterexample as steps showing only what changed."""

from __future__ import annotations

from pathlib import Path

import kmodel
from kmodel.check import Path as KPath
from kmodel.model import Model, eventually
from kmodel.properties import explain
from kmodel.render.trace import ACTOR_COLOURS, trace

ROOT = Path(__file__).resolve().parents[2]


def test_capacity_short_trace():
    spec = kmodel.load_spec([str(ROOT / "specs/replicaset-capacity-short")])
    r = spec.model.checker().bfs()["eventually-stable"]
    d = trace(spec.model, r.path, property_name="eventually-stable", kind=r.kind,
              explanation=explain("eventually-stable", r.path.last_state))
    steps = [n for n in d.nodes if n.id.startswith("step:") and n.id[5:].isdigit()]
    assert len(steps) == len(r.path) + 1 and steps[0].label == "initial state"
    assert steps[1].label == "1. replicaset-controller" and steps[1].color == ACTOR_COLOURS["controller"]
    assert any("created" in line for line in steps[1].detail)
    end = d.node("step:violation")
    assert end.marks == ("stuck", "violated") and end.label == "eventually-stable violated"
    assert any("Insufficient cpu" in line for line in end.detail)
    assert [e.kind for e in d.edges_from(steps[-1].id)] == ["step"]
    assert all(len(n.detail) <= 11 for n in steps)


class _Flip(Model):
    """0 <-> 1 forever: never reaches 2 (a fair cycle)."""

    def init_states(self):
        return [0]

    def actions(self, s):
        return ["flip"]

    def next_state(self, s, a):
        return 1 - s

    def properties(self):
        return [eventually("reaches two", lambda s: s == 2)]


def test_a_lasso_gets_an_edge_back():
    m = _Flip()
    r = m.checker().bfs()["reaches two"]
    assert r.kind == "cycle"
    d = trace(m, r.path, property_name="reaches two", kind=r.kind)
    loops = [e for e in d.edges if e.kind == "loop"]
    assert len(loops) == 1 and loops[0].dst == f"step:{r.path.loop_start:03d}"


def test_many_changes_are_cut_with_a_count():
    m = _Flip()
    path = KPath(states=(0, 1), actions=("flip",))
    d = trace(m, path, property_name="p", max_changes=1)
    assert d.node("step:001").detail == ()
