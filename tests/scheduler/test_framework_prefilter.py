"""``run_pre_filter_plugins``: the one PreFilter loop behind ``run_filters``, ``filter_one_node``
and the feasibility engine's analysis, which must agree on every node (upstream:
``RunPreFilterPlugins`` in ``pkg/scheduler/framework/runtime/framework.go``; the cases after
``TestRunPreFilterPlugins``-style inputs: a plugin that restricts the nodes, one that rejects, one
that skips)."""

from __future__ import annotations

import pytest

from kmodel.scheduler.framework import (
    PRE_FILTER_RESTRICTED,
    CycleState,
    filter_one_node,
    run_filters,
    run_pre_filter_plugins,
)
from kmodel.scheduler.profile import DEFAULT_PROFILE
from kmodel.smt.placement import analyse, problem_from_state
from kmodel.state import ClusterState

from schedtest import UU, node, node_affinity, pod, req, snapshot, term

NODES = [node("a", {"zone": "x"}, cpu=4000), node("b", {"zone": "y"}, cpu=4000), node("c", cpu=1000)]

CASES = [
    pytest.param(pod("p", cpu=500), None, id="TestRunPreFilterPlugins-no-restriction"),
    # NodeAffinity's PreFilter restricts the nodes by metadata.name match fields (PreFilterResult)
    pytest.param(pod("p", cpu=500, affinity=node_affinity(term(fields=(req("metadata.name", "In", "a"),)))), {"a"},
                 id="TestNodeAffinity-prefilter-node-names-restrict-the-nodes"),
    pytest.param(pod("p", cpu=2000, affinity=node_affinity(term(fields=(req("metadata.name", "In", "a", "c"),)))),
                 {"a", "c"}, id="TestNodeAffinity-prefilter-restricted-then-filtered"),
    pytest.param(pod("p", cpu=500, affinity=node_affinity(term(req("zone", "In", "x")))), None,
                 id="TestNodeAffinity-prefilter-labels-are-left-to-filter"),
]


@pytest.mark.parametrize("p,allowed", CASES)
def test_the_three_users_agree(p, allowed):
    snap = snapshot(NODES)
    out = run_pre_filter_plugins(p, snap, DEFAULT_PROFILE.filters, CycleState())
    assert out.rejection is None
    assert (out.allowed is None) == (allowed is None)
    if allowed is not None:
        assert set(out.allowed or ()) == allowed
    feasible, diagnosis, message = run_filters(p, snap, filters=DEFAULT_PROFILE.filters)
    one = {n: filter_one_node(p, snap, n, DEFAULT_PROFILE.filters) for n in snap}
    assert sorted(n for n, s in one.items() if s.success) == feasible
    for n, status in diagnosis.items():
        assert one[n] == status
        if allowed is not None and n not in allowed:
            assert status == PRE_FILTER_RESTRICTED
    problem = problem_from_state(ClusterState.of([*NODES, p]))
    a = analyse(problem)
    assert sorted(a.eligible(0)) == feasible


def test_a_rejection_stops_the_run_and_names_the_plugin():
    # VolumeBinding's PreFilter rejects a pod whose claim does not exist (upstream
    # TestVolumeBinding "pvc not found"); every user reports that status on every node
    from kmodel.objects.meta import replace
    from kmodel.objects.storage import Volume

    p = pod("p", cpu=500)
    p = replace(p, spec=replace(p.spec, volumes=(Volume("data", claim_name="missing"),)))
    snap = snapshot(NODES)
    out = run_pre_filter_plugins(p, snap, DEFAULT_PROFILE.filters, CycleState())
    assert out.rejected_by == "VolumeBinding" and out.rejection.code is UU
    assert out.rejection.reasons == ('persistentvolumeclaim "missing" not found',)
    feasible, diagnosis, message = run_filters(p, snap, filters=DEFAULT_PROFILE.filters)
    assert feasible == [] and message == 'persistentvolumeclaim "missing" not found'
    assert all(filter_one_node(p, snap, n, DEFAULT_PROFILE.filters) == out.rejection for n in snap)
    a = analyse(problem_from_state(ClusterState.of([*NODES, p])))
    assert a.prefilter_failures[0].plugin == "VolumeBinding" and a.eligible(0) == []
