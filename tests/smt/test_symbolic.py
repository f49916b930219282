"""Numeric models: the explicit reading (a ``kmodel.model.Model``) and the symbolic one agree."""

from __future__ import annotations

import pytest
import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmodel.errors import InvalidArgument, InvalidModel
from kmodel.model import always
from kmodel.smt.models import (
    DisruptionBudget,
    Fenceposts,
    HPALegacyNormalization,
    ProportionalScaling,
    ReplicaSetExpectations,
    RollingUpdate,
)
from kmodel.smt.symbolic import TYPE_OK, Action, Param, SymbolicModel, Var

#: Small instances of every model (their choice ranges stay small for explicit enumeration).
SMALL = {
    "replicaset-expectations": ReplicaSetExpectations(replicas=(0, 4), burst=(1, 3), slow_informer=(0, 1),
                                                      api_errors=(0, 1), max_losses=(0, 2)),
    "rolling-update": RollingUpdate(replicas=(0, 4), max_surge={"pct": (0, 1), "value": (0, 60)},
                                    max_unavailable={"pct": (0, 1), "value": (0, 60)}, max_failures=(0, 1),
                                    max_rollovers=1),
    "hpa-legacy-normalization": HPALegacyNormalization(min_replicas=(0, 4), max_replicas=(1, 8), current=(0, 9),
                                                       max_metric=6, max_edits=(0, 1)),
    "disruption-budget": DisruptionBudget(replicas=(0, 4), pdb_kind=(0, 3), pdb_value=(0, 5), max_failures=(0, 1)),
    "rolling-update-capacity": RollingUpdate(replicas=(0, 4), max_surge=(0, 2), max_unavailable=(0, 2),
                                             max_rollovers=1, nodes=(0, 6), pods_per_node=2),
    "proportional-scaling": ProportionalScaling(old_replicas=(0, 9), replicas=(0, 9), max_surge={"pct": (0, 1), "value": (0, 50)},
                                                max_unavailable={"pct": (0, 1), "value": (0, 50)}, spec0=(0, 12),
                                                spec1=(0, 9), avail1=(0, 9)),
}


def _state(model, data):
    values = {}
    for p in model.PARAMS:
        lo, hi = model.domains[p.name]
        values[p.name] = data.draw(st.integers(lo, min(hi, lo + 60)), label=p.name)
    for v in model.VARS:
        values[v.name] = data.draw(st.integers(max(v.lo, -3), min(v.hi, 12)), label=v.name)
    return model.State(**values)


@pytest.mark.parametrize("name", sorted(SMALL))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_step_agrees_on_any_state(name, data):
    """From any state (reachable or not), each action and choice gives the same successor (or is
    disabled) in both readings: the property every replay relies on."""
    model = SMALL[name]
    state = _state(model, data)
    enc = model.smt()
    s = enc.solver()
    s.add(enc.trans(0, 1))
    now = enc.state(0)
    for n in (*model.param_names, *model.var_names):
        term = getattr(now, n)
        if not isinstance(term, int):
            s.add(term == getattr(state, n))
    actions = [a for a in model.actions(state) if a.choices == () or data.draw(st.booleans(), label="pick")]
    for action in actions[:40]:
        index = [a.name for a in model.actions_list()].index(action.name)
        s.push()
        s.add(enc.selector(0) == index)
        for k, v in action.choices:
            s.add(enc.o.var(f"{action.name}.{k}@0") == v)
        got = enc.decode_state(s.model(), 1) if s.check() == z3.sat else None
        s.pop()
        assert got == model.next_state(state, action), f"{action} from {model.describe_state(state)}"


class Counter(SymbolicModel):
    name = "counter"
    PARAMS = (Param("limit", 0, 100),)
    VARS = (Var("n", 0, 100),)

    def init(self, o, s):
        return {"n": 0}

    def transitions(self):
        return (Action("inc", "clock", lambda o, s, c: (s.n < s.limit, {"n": s.n + 1})),
                Action("noop", "clock", lambda o, s, c: (True, {"n": s.n})))

    def formulas(self):
        return (always("below", lambda o, s: s.n <= s.limit),)


def test_parameters_are_state_and_ranges_start_one_state_each():
    m = Counter(limit=(1, 3))
    assert [s.limit for s in m.init_states()] == [1, 2, 3]
    r = m.checker().bfs()
    assert r.verdict == "holds" and r.stats.states == 2 + 3 + 4


def test_a_step_that_changes_nothing_is_disabled_in_both_readings():
    m = Counter(limit=2)
    s0 = m.init_states()[0]
    assert m.next_state(s0, next(a for a in m.actions(s0) if a.name == "noop")) is None
    enc = m.smt()
    s = enc.solver()
    s.add(enc.base(), enc.init(0), enc.trans(0), enc.selector(0) == 1)
    assert s.check() == z3.unsat


def test_type_ok_is_every_models_first_property():
    for model in SMALL.values():
        assert model.all_formulas()[0].name == TYPE_OK
        assert model.properties()[0].name == TYPE_OK


def test_bad_parameters_are_errors_that_name_them():
    with pytest.raises(InvalidArgument, match="unknown parameter 'replica'"):
        ReplicaSetExpectations(replica=3)
    with pytest.raises(InvalidArgument, match=r"burst must lie within \[1, 500\]"):
        ReplicaSetExpectations(burst=501)
    with pytest.raises(InvalidArgument, match="an int, a \\(lo, hi\\) pair or a range"):
        ReplicaSetExpectations(replicas="3")
    with pytest.raises(InvalidArgument, match="IntOrString"):
        RollingUpdate(max_surge="25")


def test_too_many_initial_states_for_the_explicit_reading_says_what_to_do():
    with pytest.raises(InvalidModel, match="fix some parameters, or use the SMT engine"):
        ReplicaSetExpectations(replicas=(0, 100_000), max_losses=(0, 100)).init_states()


def test_with_params_fix_and_select():
    m = ReplicaSetExpectations(replicas=(0, 10))
    assert m.with_params(replicas=4).domains["replicas"] == (4, 4)
    state = m.init_states()[3]
    assert m.fix(state).domains["replicas"] == (3, 3)
    sel = m.select(["replicas-bounded"])
    assert [p.name for p in sel.properties()] == ["replicas-bounded"]
    assert sel.formula(TYPE_OK).name == TYPE_OK  # still known, not checked
    with pytest.raises(InvalidArgument, match="no property 'nope'"):
        m.select(["nope"])


def test_describe_and_explain():
    m = ReplicaSetExpectations(replicas=2)
    s = m.init_states()[0]
    assert m.describe_state(s).startswith("pods=0, unseen_adds=0")
    assert "replicas-bounded" in m.explain("replicas-bounded", s)[0]
    nxt = next(n for _, n in m.successors(s))
    assert m.changes(s, nxt)[0] == "pods: 0 -> 2"


def test_fenceposts_has_no_steps():
    m = Fenceposts(replicas=(0, 3), max_surge="25%", max_unavailable=(0, 2))
    assert all(not list(m.successors(s)) for s in m.init_states())
