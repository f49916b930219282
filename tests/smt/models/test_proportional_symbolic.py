"""Proportional scaling (:class:`kmodel.smt.models.deployment.ProportionalScaling`) and the
rounding lemma it is proved with (:class:`ReplicaSetFraction`).

Cases of ``TestGetReplicaSetFraction`` (``pkg/controller/deployment/util/deployment_util_test.go``)
rewritten for the lemma model; the abstraction (``rounding="lemma"``) is checked to admit every
exact step (so a proof about it covers the exact step), and the ``int32`` wrap is pinned."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kmodel.errors import InvalidArgument, InvalidModel
from kmodel.smt.induction import k_induction
from kmodel.smt.models.deployment import (
    MAX_INT32,
    ProportionalScaling,
    ReplicaSetFraction,
    fraction_lemma_applies,
    fraction_lemma_holds,
    round_to_int32,
)
from kmodel.smt.ops import CONCRETE as o
from kmodel.smt.symbolic import NumAction

FRACTION = [  # (upstream case, rs spec, new max, old max, expected fraction)
    ("TestGetReplicaSetFraction/scale up by 1/5 should increase RS replicas by 1/5", 50, 120, 100, 10),
    ("TestGetReplicaSetFraction/scale up with maxSurge by 1/5 should increase RS replicas approximately by 1/5",
     50, 130, 110, 9),
    ("TestGetReplicaSetFraction/scale down by 1/6 should decrease RS replicas by 1/6", 6, 10, 12, -1),
    ("TestGetReplicaSetFraction/scale down with maxSurge by 1/6 should decrease RS replicas approximately by 1/6",
     50, 110, 130, -8),
]


@pytest.mark.parametrize("spec,new_max,old_max,fraction", [c[1:] for c in FRACTION], ids=[c[0] for c in FRACTION])
def test_rounding_matches_upstream_cases_and_the_lemma(spec, new_max, old_max, fraction):
    m = ReplicaSetFraction(rs_spec=spec, new_max=new_max, old_max=old_max)
    (state,) = m.init_states()
    assert m.rounded(o, state) - spec == fraction
    assert all(p.condition(state) for p in m.properties())


@settings(max_examples=300, deadline=None)
@given(spec=st.integers(0, MAX_INT32), new_max=st.integers(0, MAX_INT32), old_max=st.integers(1, MAX_INT32))
def test_the_lemma_holds_on_random_values_where_it_applies(spec, new_max, old_max):
    assume(spec <= old_max)
    rounded = round_to_int32(o, o.int32(spec * new_max), old_max)
    if fraction_lemma_applies(o, spec, new_max, old_max):
        assert fraction_lemma_holds(o, spec, new_max, old_max, rounded)


def test_the_lemma_is_proved_and_fails_without_its_hypothesis():
    m = ReplicaSetFraction(rs_spec=None, new_max=None, old_max=None)
    assert k_induction(m, ["fraction-bounds-in-int32"], max_k=1).status == "proved"
    r = m.checker().smt(depth=0)["fraction-bounds"]
    s = r.path.states[0]
    assert r.verdict == "violated" and s.rs_spec * s.new_max > MAX_INT32


def _rounded(m, s):
    """The exact roundings of the step from ``s`` (first and second ReplicaSet, in scale's order)."""
    d = s.replicas
    surge = m.surge(o, s, d)
    old_max = o.int32(s.old_replicas + m.surge(o, s, s.old_replicas))
    to_add = (o.int32(d + surge) if d > 0 else 0) - (s.spec0 + s.spec1)
    new_first = s.spec1 > s.spec0 or (s.spec1 == s.spec0 and to_add > 0)
    first, second = (s.spec1, s.spec0) if new_first else (s.spec0, s.spec1)

    def r(spec):
        value = round_to_int32(o, o.int32(spec * o.int32(d + surge)), old_max if old_max else 1)
        return min(max(value, 0), MAX_INT32)  # outside the lemma's hypothesis any admitted value will do

    return r(first), r(second)


@settings(max_examples=200, deadline=None)
@given(old=st.integers(0, 200), new=st.integers(0, 200), surge=st.integers(0, 60), spec0=st.integers(0, 250),
       spec1=st.integers(0, 200), avail1=st.integers(0, 200))
def test_the_lemma_abstraction_admits_every_exact_step(old, new, surge, spec0, spec1, avail1):
    kwargs = dict(old_replicas=old, replicas=new, max_surge=f"{surge}%", max_unavailable="25%", spec0=spec0,
                  spec1=spec1, avail1=avail1)
    exact = ProportionalScaling(**kwargs)
    abstract = ProportionalScaling(**kwargs, rounding="lemma")
    inits = exact.init_states()
    assume(inits)
    (s,) = inits
    steps = list(exact.successors(s))
    if not steps:
        return
    ((_action, nxt),) = steps
    first, second = _rounded(exact, s)
    got = abstract.next_state(s, NumAction("scale", "deployment-controller",
                                           (("round_first", first), ("round_second", second))))
    if exact.no_wrap(o, s):
        assert got == nxt


def test_a_scaling_event_is_needed_and_the_abstraction_is_for_solvers_only():
    m = ProportionalScaling(old_replicas=10, replicas=10, spec0=5, spec1=8)
    assert list(m.successors(m.init_states()[0])) == []  # no scaling event: scale is not called
    abstract = ProportionalScaling(rounding="lemma")
    with pytest.raises(InvalidModel, match="abstraction for the SMT engines"):
        abstract.checker().bfs()
    with pytest.raises(InvalidArgument, match="rounding must be"):
        ProportionalScaling(rounding="float")


def test_proportional_scaling_is_proved_for_every_size_that_fits_int32():
    every = dict(old_replicas=None, replicas=None, max_surge="any", max_unavailable="any", spec0=None, spec1=None,
                 avail1=None)
    r = k_induction(ProportionalScaling(**every, rounding="lemma"),
                    ["scaled-surge-bound-in-int32", "sizes-non-negative-in-int32"], max_k=1, width=None)
    assert r.status == "proved"


def test_the_int32_product_gives_a_negative_size_at_59993_replicas():
    """The refutation of ``proofs/proportional_scaling.py``, replayed concretely."""
    m = ProportionalScaling(old_replicas=59_993, replicas=59_992, max_surge="25%", max_unavailable="25%",
                            spec0=28_637, spec1=28_637, avail1=0)
    ((_a, nxt),) = list(m.successors(m.init_states()[0]))
    assert (nxt.size0, nxt.size1) == (-28_636, 103_626)
    assert nxt.size1 > 59_992 + 14_998  # the write that succeeds is above replicas + maxSurge
