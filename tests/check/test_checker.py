"""The generic checker on small hand-made models (no Kubernetes)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmodel.check import CheckerBuilder, Path
from kmodel.errors import InvalidArgument, InvalidModel
from kmodel.model import Model, always, eventually, eventually_always, sometimes


class Graph(Model):
    """A model given as an explicit graph: ``edges[state] = [(action, next), ...]``."""

    def __init__(self, edges, props=(), init=(0,), unfair=()):
        self.edges = edges
        self.props = list(props)
        self.init = list(init)
        self.unfair = set(unfair)

    def init_states(self):
        return self.init

    def actions(self, s):
        return [a for a, _ in self.edges.get(s, [])]

    def next_state(self, s, a):
        for act, n in self.edges.get(s, []):
            if act == a:
                return n
        return None

    def properties(self):
        return self.props

    def fairness(self, a):
        return None if a in self.unfair else a


def chain(n):
    return {i: [("inc", i + 1)] for i in range(n)}


def test_invariant_holds_on_complete_search():
    r = Graph(chain(5), [always("small", lambda s: s <= 5)]).checker().bfs()
    assert r.verdict == "holds"
    assert r.stats.states == 6 and r.stats.transitions == 5 and r.stats.complete


def test_invariant_violation_is_shortest_and_replays():
    edges = {0: [("long", 1), ("short", 3)], 1: [("x", 2)], 2: [("y", 3)], 3: [("z", 4)]}
    model = Graph(edges, [always("not four", lambda s: s != 4)])
    r = model.checker().bfs()
    path = r["not four"].path
    assert r.verdict == "violated"
    assert path.states == (0, 3, 4) and path.actions == ("short", "z")
    assert path.replays(model)


def test_depth_bound_makes_verdict_incomplete_never_holds():
    r = Graph(chain(10), [always("fine", lambda s: True)]).checker().max_depth(3).bfs()
    assert r.verdict == "incomplete" and not r.stats.complete and "max depth 3" in r.stats.cut
    # a bound that does not cut anything still gives "holds"
    r = Graph(chain(3), [always("fine", lambda s: True)]).checker().max_depth(3).bfs()
    assert r.verdict == "holds" and r.stats.complete


def test_state_bound_is_reported():
    r = Graph(chain(100), [always("fine", lambda s: True)]).checker().max_states(10).bfs()
    assert r.verdict == "incomplete" and r.stats.states == 10 and "max states" in r.stats.cut


def test_violation_found_within_bound_is_reported_even_if_cut():
    r = Graph(chain(100), [always("below 3", lambda s: s < 3)]).checker().max_depth(5).bfs()
    assert r.verdict == "violated" and len(r["below 3"].path) == 3


def test_sometimes_gives_example_or_violation():
    model = Graph(chain(4), [sometimes("three", lambda s: s == 3), sometimes("nine", lambda s: s == 9)])
    r = model.checker().bfs()
    assert r["three"].verdict == "holds" and r["three"].path.last_state == 3
    assert r["nine"].verdict == "violated"


def test_eventually_stuck_state():
    # 0 -> 1 (stuck, never reaches the goal 2) and 0 -> 2
    model = Graph({0: [("a", 1), ("b", 2)]}, [eventually("reach two", lambda s: s == 2)])
    r = model.checker().bfs()
    res = r["reach two"]
    assert res.verdict == "violated" and res.kind == "stuck" and res.path.states == (0, 1)


def test_eventually_fair_cycle():
    # 0 <-> 1 forever, with an exit to the goal 2 from 1 that fairness does not force
    # (exit is enabled only in state 1, so it is not continuously enabled on the cycle).
    model = Graph({0: [("go", 1)], 1: [("back", 0), ("exit", 2)]}, [eventually("done", lambda s: s == 2)])
    res = model.checker().bfs()["done"]
    assert res.verdict == "violated" and res.kind == "cycle"
    assert res.path.loop_start is not None
    assert res.path.states[res.path.loop_start] == res.path.last_state


def test_weak_fairness_excludes_unfair_cycles():
    # "exit" is enabled in both states of the cycle: weak fairness forces it, so the goal is reached.
    model = Graph({0: [("go", 1), ("exit", 2)], 1: [("back", 0), ("exit", 2)]},
                  [eventually("done", lambda s: s == 2)])
    assert model.checker().bfs()["done"].verdict == "holds"


def test_unfair_environment_steps_may_stop():
    # the only way out is an environment step, which may never happen: stuck counts as a violation
    model = Graph({0: [("fault", 1)]}, [eventually_always("at one", lambda s: s == 1)], unfair={"fault"})
    res = model.checker().bfs()["at one"]
    assert res.verdict == "violated" and res.kind == "stuck" and res.path.states == (0,)


def test_eventually_always_cycle_through_bad_state():
    model = Graph({0: [("a", 1)], 1: [("b", 0)]}, [eventually_always("zero", lambda s: s == 0)])
    res = model.checker().bfs()["zero"]
    assert res.verdict == "violated" and res.kind == "cycle"


def test_eventually_always_holds_when_settling():
    model = Graph({0: [("a", 1)], 1: [("b", 2)]}, [eventually_always("two", lambda s: s == 2)])
    assert model.checker().bfs()["two"].verdict == "holds"


def test_liveness_incomplete_when_cut():
    model = Graph(chain(10), [eventually_always("ten", lambda s: s == 10)])
    assert model.checker().max_depth(4).bfs()["ten"].verdict == "incomplete"


def test_symmetry_identifies_states():
    class Pair(Model):
        """Two interchangeable counters, each 0..2."""
        def init_states(self): return [(0, 0)]
        def actions(self, s): return [0, 1]
        def next_state(self, s, i):
            if s[i] >= 2:
                return None
            t = list(s); t[i] += 1
            return tuple(t)
        def properties(self): return [always("sum", lambda s: sum(s) <= 4)]
        def representative(self, s): return tuple(sorted(s))
    full = Pair().checker().symmetry(False).bfs()
    reduced = Pair().checker().bfs()
    assert (full.stats.states, reduced.stats.states) == (9, 6)
    assert full.verdict == reduced.verdict == "holds"


def test_dfs_and_simulate_find_the_violation():
    model = Graph(chain(6), [always("below 4", lambda s: s < 4)])
    assert model.checker().dfs()["below 4"].path.last_state == 4
    sim = model.checker().simulate(seed=1, runs=3, steps=10)
    assert sim["below 4"].verdict == "violated"
    assert model.checker().simulate(seed=1, runs=1, steps=2)["below 4"].verdict == "incomplete"


def test_simulate_is_deterministic_for_a_seed():
    edges = {i: [("a", (i * 3 + 1) % 17), ("b", (i * 5 + 2) % 17)] for i in range(17)}
    model = Graph(edges, [always("not 13", lambda s: s != 13)])
    a = model.checker().simulate(seed=7, runs=5, steps=20)
    b = model.checker().simulate(seed=7, runs=5, steps=20)
    assert a["not 13"].path == b["not 13"].path


def test_bad_arguments():
    with pytest.raises(InvalidArgument):
        Graph(chain(2)).checker().max_depth(-1)
    with pytest.raises(InvalidArgument):
        Graph(chain(2)).checker().max_states(0)
    with pytest.raises(InvalidArgument):
        CheckerBuilder(object())
    with pytest.raises(InvalidModel):
        Graph(chain(2), [always("x", lambda s: True), always("x", lambda s: True)]).checker().bfs()
    with pytest.raises(InvalidModel):
        Path(states=(0,), actions=("a",))


def test_builder_is_immutable():
    base = Graph(chain(10), [always("fine", lambda s: True)]).checker()
    bounded = base.max_depth(2)
    assert base.config.max_depth is None and bounded.config.max_depth == 2


# -- BFS counterexamples are never longer than DFS's or simulation's ------------------------

@st.composite
def random_graphs(draw):
    n = draw(st.integers(2, 12))
    edges = {}
    for s in range(n):
        targets = draw(st.lists(st.integers(0, n - 1), max_size=3))
        edges[s] = [(f"a{i}", t) for i, t in enumerate(targets)]
    bad = draw(st.integers(0, n - 1))
    return edges, bad


@settings(max_examples=150, deadline=None)
@given(random_graphs(), st.integers(0, 3))
def test_bfs_counterexample_is_shortest(graph, seed):
    edges, bad = graph
    model = Graph(edges, [always("avoid", lambda s, b=bad: s != b)])
    bfs = model.checker().bfs()["avoid"]
    dfs = model.checker().dfs()["avoid"]
    sim = model.checker().simulate(seed=seed, runs=5, steps=12)["avoid"]
    assert bfs.verdict == dfs.verdict
    if bfs.verdict == "violated":
        assert bfs.path.replays(model) and dfs.path.replays(model)
        assert len(bfs.path) <= len(dfs.path)
        if sim.verdict == "violated":
            assert len(bfs.path) <= len(sim.path)
    else:
        assert sim.verdict == "incomplete"
