"""SMT liveness (``kmodel.smt.liveness``): stuck states and fair lassos, replayed, against the
explicit liveness checker (``kmodel.check.liveness``) on the same models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kmodel
from kmodel.model import eventually, eventually_always
from kmodel.smt import liveness
from kmodel.smt.bmc import ReplayMismatch
from kmodel.smt.liveness import lasso
from kmodel.smt.models import ReplicaSetExpectations, RollingUpdate
from kmodel.smt.symbolic import Action, Choice, SymbolicModel, Var

ROOT = Path(__file__).resolve().parents[2]


class Ring(SymbolicModel):
    """``n`` goes round 0 -> 1 -> 2 -> 0 with the fair ``tick`` (which stops at 2 when ``stuck``);
    ``jump`` sets ``n`` to 3, where it stays, from 0 only or from every state of the ring
    (``everywhere``), fairly or not; ``hop`` (never fair) takes ``n`` from 0 to 1 with any of
    ``labels`` labels."""

    name = "ring"
    PARAMS = ()
    VARS = (Var("n", 0, 3),)

    def __init__(self, *, fair_jump=False, everywhere=False, stuck=False, labels=1):
        self.fair_jump, self.everywhere, self.stuck, self.labels = fair_jump, everywhere, stuck, labels
        super().__init__()

    def init(self, o, s):
        return {"n": 0}

    def transitions(self):
        top = 2 if self.stuck else 3
        return (
            Action("tick", "clock", lambda o, s, c: (s.n < top, {"n": o.ite(s.n == 2, 0, s.n + 1)})),
            Action("jump", "user", lambda o, s, c: (s.n < 3 if self.everywhere else s.n == 0, {"n": 3}),
                   fair=self.fair_jump),
            Action("hop", "user", lambda o, s, c: (s.n == 0, {"n": 1}), (Choice("label", 1, self.labels),), fair=False),
        )

    def formulas(self):
        return (eventually("reaches-3", lambda o, s: s.n == 3),
                eventually_always("settles-at-3", lambda o, s: s.n == 3))


def _explicit(model, name):
    return model.checker().bfs()[name]


@pytest.mark.parametrize("fair_jump,everywhere,verdict", [
    (False, False, "violated"), (True, False, "violated"), (False, True, "violated"), (True, True, "holds"),
], ids=["unfair-jump", "fair-jump-at-0-only", "unfair-jump-everywhere", "fair-jump-everywhere"])
def test_a_lasso_counts_only_when_its_loop_is_fair(fair_jump, everywhere, verdict):
    """The ring never reaches 3; it is a fair cycle unless a fair ``jump`` is enabled in every
    state of it (weak fairness: a class enabled throughout the loop must be taken)."""
    m = Ring(fair_jump=fair_jump, everywhere=everywhere)
    for name in ("reaches-3", "settles-at-3"):
        explicit, smt = _explicit(m, name), lasso(m, depth=6)[name]
        assert explicit.verdict == verdict
        if verdict == "violated":
            assert (explicit.kind, smt.verdict, smt.kind) == ("cycle", "violated", "cycle")
            assert smt.path.states[smt.path.loop_start] == smt.path.last_state
            assert "jump" not in [a.name for a in smt.path.actions]
        else:
            assert smt.verdict == "incomplete" and "bounded" in smt.reason
            assert m.checker().smt(depth=6)[name].verdict == "holds"  # exhausted: decided


def test_a_stuck_state_is_a_counterexample_of_its_own():
    m = Ring(stuck=True, fair_jump=True)  # at 2 no fair step is enabled (jump only from 0)
    for name in ("reaches-3", "settles-at-3"):
        explicit, smt = _explicit(m, name), lasso(m, depth=6)[name]
        assert (explicit.verdict, explicit.kind) == ("violated", "stuck")
        assert (smt.verdict, smt.kind, smt.path.loop_start, smt.path.last_state.n) == ("violated", "stuck", None, 2)
        assert len(smt.path) == len(explicit.path) == 2


def test_choices_beyond_the_expansion_limit_use_a_quantifier():
    m = Ring(labels=liveness._MAX_EXPANDED + 1)
    r = lasso(m, depth=6)["reaches-3"]
    assert r.verdict == "violated" and r.path.states[r.path.loop_start] == r.path.last_state


def test_a_lasso_that_does_not_replay_is_an_internal_error(monkeypatch):
    original = liveness._fair_classes
    monkeypatch.setattr(liveness, "_fair_classes", lambda model, state: {"tick"} | (original(model, state) or set()))
    with pytest.raises(ReplayMismatch, match="does not hold when replayed"):
        lasso(RollingUpdate(replicas=1, max_surge=1, max_unavailable=0, nodes=1), depth=3)


#: (id, model, depth): the SMT engine finds a liveness violation exactly when breadth-first
#: search does (within ``depth`` steps), and says ``incomplete`` where bfs says ``holds``.
DIFFERENTIAL = [
    ("rolling-update-capacity", RollingUpdate(replicas=(1, 3), max_surge=(0, 1), max_unavailable=(0, 1),
                                              nodes=(1, 4)), 4),
    ("rolling-update-spare-node", RollingUpdate(replicas=2, max_surge=1, max_unavailable=0, nodes=3), 4),
    ("rolling-update-capacity-unavailable", RollingUpdate(replicas=2, max_surge=0, max_unavailable=1, nodes=2), 4),
    ("replicaset-converges", ReplicaSetExpectations(replicas=(0, 2), burst=2, api_errors=(0, 1)), 5),
    ("replicaset-converges-losses", ReplicaSetExpectations(replicas=(1, 2), burst=2, max_losses=1), 5),
    ("ring-unfair-jump", Ring(), 6),
    ("ring-fair-jump-everywhere", Ring(fair_jump=True, everywhere=True), 6),
    ("ring-stuck", Ring(stuck=True), 6),
]


@pytest.mark.parametrize("model,depth", [c[1:] for c in DIFFERENTIAL], ids=[c[0] for c in DIFFERENTIAL])
def test_lasso_search_agrees_with_the_explicit_liveness_checker(model, depth):
    explicit = model.checker().bfs()
    smt = model.checker().smt(depth=depth)
    live = [f.name for f in model.all_formulas() if f.expectation in liveness.LIVENESS]
    assert live
    for name in live:
        want, got = explicit[name], smt[name]
        if want.verdict == "violated":
            assert got.verdict == "violated", name
            assert got.kind == want.kind or {got.kind, want.kind} <= {"stuck", "cycle"}
            assert got.path.replays(model.fix(got.path.states[0]))
        else:
            assert want.verdict == "holds" and got.verdict in ("incomplete", "holds"), name
            if got.verdict == "holds":  # only when the search was exhausted
                assert "exhausted" in got.reason


def test_an_exhausted_search_decides_liveness():
    """When bounded model checking exhausts the state space, the lasso search goes deep enough to
    cover every fair lasso and says holds (never on a bounded search)."""
    r = Ring(fair_jump=True, everywhere=True).checker().smt(depth=6)
    assert r["reaches-3"].verdict == "holds" and r["settles-at-3"].verdict == "holds"
    bounded = lasso(Ring(fair_jump=True, everywhere=True), depth=6)["reaches-3"]
    assert bounded.verdict == "incomplete"
    assert liveness.complete_depth(Ring(), 2) == 2 * 2 + 1 * 3  # one fair class (tick)
    assert liveness.complete_depth(Ring(), 2, acyclic=True) == 2
    assert liveness.complete_depth(Ring(), 30) is None


def test_liveness_on_the_bundled_numeric_spec():
    spec = ROOT / "specs/rolling-update-capacity"
    loaded = kmodel.load_spec([str(spec)])
    expected = json.loads((spec / "expected.json").read_text())
    r = loaded.model.checker().smt(depth=4)
    assert r["rollout-finishes"].verdict == expected["verdicts"]["rollout-finishes"] == "violated"
    stuck = r["rollout-finishes"].path.last_state
    assert stuck.max_unavailable == 0 and stuck.nodes == stuck.replicas
