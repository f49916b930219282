"""The framework (``schedule_one``, ``num_feasible_nodes_to_find``, nominated pods, profiles),
MostAllocated, and DefaultPreemption.

Sources (kubernetes/kubernetes): ``pkg/scheduler/schedule_one_test.go`` (TestNumFeasibleNodesToFind),
``pkg/scheduler/framework/plugins/noderesources/most_allocated_test.go``
(TestMostAllocatedScoringStrategy), ``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption_test.go``
(TestSelectNodesForPreemption, TestPickOneNodeForPreemption, TestPodEligibleToPreemptOthers) and
``pkg/scheduler/framework/preemption/preemption_test.go`` (filterPodsWithPDBViolation), with the
cases rebuilt on the model's objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from schedtest import node, pod, snapshot

from kmodel.objects.meta import LabelSelector, ObjectMeta
from kmodel.objects.workloads import PodCondition, PodStatus
from kmodel.objects.meta import replace
from kmodel.scheduler.framework import num_feasible_nodes_to_find, schedule_one
from kmodel.scheduler.plugins.default_preemption import (
    Candidate,
    DefaultPreemption,
    filter_pods_with_pdb_violation,
    pick_one_node_for_preemption,
    pod_eligible_to_preempt_others,
    select_victims_on_node,
)
from kmodel.scheduler.plugins.node_resources import NodeResourcesFit
from kmodel.scheduler.profile import DEFAULT_PROFILE, profile
from kmodel.scheduler.scheduler import scheduling_cycle
from kmodel.state import ClusterState


@pytest.mark.parametrize("percentage, nodes, want", [
    pytest.param(0, 10, 10, id="TestNumFeasibleNodesToFind-not set percentageOfNodesToScore and nodes number not more than 50"),
    pytest.param(40, 10, 10, id="TestNumFeasibleNodesToFind-set profile percentageOfNodesToScore and nodes number not more than 50"),
    pytest.param(0, 1000, 420, id="TestNumFeasibleNodesToFind-not set percentageOfNodesToScore and nodes number more than 50"),
    pytest.param(40, 1000, 400, id="TestNumFeasibleNodesToFind-set profile percentageOfNodesToScore and nodes number more than 50"),
    pytest.param(70, 1000, 700, id="TestNumFeasibleNodesToFind-set global and profile percentageOfNodesToScore"),
    pytest.param(0, 6000, 300, id="TestNumFeasibleNodesToFind-not set profile percentageOfNodesToScore and nodes number more than 50*125"),
    pytest.param(40, 6000, 2400, id="TestNumFeasibleNodesToFind-set profile percentageOfNodesToScore and nodes number more than 50*125"),
])
def test_num_feasible_nodes_to_find(percentage, nodes, want):
    assert num_feasible_nodes_to_find(percentage, nodes) == want


def test_schedule_one_stops_after_num_feasible_nodes():
    nodes = [node(f"n{i:03d}", cpu=1000, memory=1 << 30) for i in range(150)]
    snap = snapshot(nodes)
    r = schedule_one(pod("p", cpu=100), snap, profile=profile(percentage_of_nodes_to_score=10))
    assert len(r.feasible_nodes) == 100  # 10% of 150 is 15, raised to the minimum of 100


@pytest.mark.parametrize("request_, nodes, want", [
    pytest.param((0, 0), [(4000, 10000), (4000, 10000)], {"node1": 0, "node2": 0},
                 id="TestMostAllocatedScoringStrategy-nothing scheduled, nothing requested (explicit zeros)"),
    pytest.param((3000, 5000), [(4000, 10000), (6000, 10000)], {"node1": 62, "node2": 50},
                 id="TestMostAllocatedScoringStrategy-nothing scheduled, resources requested, differently sized nodes"),
])
def test_most_allocated(request_, nodes, want):
    fit = NodeResourcesFit("MostAllocated")
    snap = snapshot([node(f"node{i + 1}", cpu=c, memory=m) for i, (c, m) in enumerate(nodes)])
    from kmodel.objects.workloads import Container, PodSpec, Pod
    p = Pod(ObjectMeta("p", "default"), PodSpec((Container("c", requests=(("cpu", request_[0]), ("memory", request_[1]))),)))
    assert {n: fit.score(p, i) for n, i in snap.items()} == want


def test_most_allocated_profile_packs_where_least_allocated_spreads():
    nodes = [node("a", cpu=4000, memory=8 << 30), node("b", cpu=4000, memory=8 << 30)]
    snap = snapshot(nodes, [pod("x", node="a", cpu=2000, memory=1 << 30)])
    p = pod("p", cpu=1000, memory=1 << 30)
    assert schedule_one(p, snap).candidates == ("b",)
    assert schedule_one(p, snap, profile=profile(scoring_strategy="MostAllocated")).candidates == ("a",)


def test_nominated_pods_of_higher_priority_reserve_their_node():
    """RunFilterPluginsWithNominatedPods: a pod nominated to a node (equal or higher priority)
    is counted there; a lower-priority one is not."""
    nodes = [node("a", cpu=1000, memory=1 << 30)]
    waiting = replace(pod("w", cpu=800, priority=10), status=PodStatus(nominated_node_name="a"))
    low = pod("low", cpu=500, priority=0)
    high = pod("high", cpu=500, priority=20)
    snap = snapshot(nodes, [waiting])
    assert not schedule_one(low, snap).feasible
    assert schedule_one(high, snap).candidates == ("a",)


# -- preemption --------------------------------------------------------------------------------


@dataclass
class _Status:
    disruptions_allowed: int
    disrupted_pods: tuple[str, ...] = ()


@dataclass
class _Spec:
    selector: LabelSelector | None


@dataclass
class PDB:
    """A stand-in PodDisruptionBudget (the model has no such kind yet)."""

    metadata: ObjectMeta
    spec: _Spec
    status: _Status


def pdb(allowed: int, **labels: str) -> PDB:
    return PDB(ObjectMeta("pdb", "default"), _Spec(LabelSelector(tuple(sorted(labels.items())))), _Status(allowed))


FILTERS = DEFAULT_PROFILE.filters


def test_select_victims_removes_lower_priority_and_reprieves_what_it_can():
    """TestSelectNodesForPreemption 'a pod that would fit on the machines, but other pods running
    are higher priority, no preemption would happen' and 'medium priority pod is preempted, but
    lower priority one stays as it is small'."""
    nodes = [node("node1", cpu=5, memory=10 << 30)]
    existing = [pod("a", node="node1", cpu=2, priority=1), pod("b", node="node1", cpu=3, priority=5)]
    snap = snapshot(nodes, existing)
    victims, violations, status = select_victims_on_node(pod("p", cpu=3, priority=10), snap, "node1", FILTERS)
    assert status.success and [v.metadata.name for v in victims] == ["b"] and violations == 0
    victims, _, status = select_victims_on_node(pod("p", cpu=3, priority=3), snap, "node1", FILTERS)
    assert not status.success and victims == ()  # only 'a' may go, and 2 cpu are not enough


def test_pdb_violating_victims_are_reprieved_first():
    """TestSelectNodesForPreemption 'preemption with violation of the pdb with pod whose eviction
    was processed, the victim doesn't belong to DisruptedPods' family: PDB-violating pods are
    tried back first; the count of violating victims is returned."""
    nodes = [node("node1", cpu=4, memory=10 << 30)]
    existing = [pod("a", {"app": "foo"}, node="node1", cpu=2, priority=1),
                pod("b", {"app": "bar"}, node="node1", cpu=2, priority=1)]
    snap = snapshot(nodes, existing)
    victims, violations, _ = select_victims_on_node(pod("p", cpu=2, priority=10), snap, "node1", FILTERS,
                                                    [pdb(0, app="foo")])
    assert [v.metadata.name for v in victims] == ["b"] and violations == 0
    victims, violations, _ = select_victims_on_node(pod("p", cpu=4, priority=10), snap, "node1", FILTERS,
                                                    [pdb(0, app="foo")])
    assert sorted(v.metadata.name for v in victims) == ["a", "b"] and violations == 1


def test_filter_pods_with_pdb_violation():
    pods = [pod("a", {"app": "foo"}), pod("b", {"app": "foo"}), pod("c", {}), pod("d", {"app": "bar"})]
    violating, ok = filter_pods_with_pdb_violation(pods, [pdb(1, app="foo")])
    assert [p.metadata.name for p in violating] == ["b"]
    assert [p.metadata.name for p in ok] == ["a", "c", "d"]
    # a pod already in DisruptedPods does not use the budget up again
    budget = pdb(0, app="foo")
    budget.status.disrupted_pods = ("a",)
    violating, _ = filter_pods_with_pdb_violation(pods[:2], [budget])
    assert [p.metadata.name for p in violating] == ["b"]


def _cand(name, *prios, violations=0):
    return Candidate(name, tuple(pod(f"{name}-{i}", priority=p) for i, p in enumerate(sorted(prios, reverse=True))),
                     violations)


@pytest.mark.parametrize("candidates, want", [
    pytest.param([_cand("node1"), _cand("node2", 5)], ["node1"],
                 id="TestPickOneNodeForPreemption-a pod that fits on a machine with no preemption"),
    pytest.param([_cand("node1", 5), _cand("node2", 5)], ["node1", "node2"],
                 id="TestPickOneNodeForPreemption-a pod that fits on both nodes when lower priority pods are preempted"),
    pytest.param([_cand("node1", 5, 1), _cand("node2", 10), _cand("node3", 5, 3)], ["node1"],
                 id="TestPickOneNodeForPreemption-machine with min highest priority pod is picked"),
    pytest.param([_cand("node1", 5, 3), _cand("node2", 5, 1)], ["node2"],
                 id="TestPickOneNodeForPreemption-when highest priorities are the same, minimum sum of priorities is picked"),
    pytest.param([_cand("node1", 5, 0, 0), _cand("node2", 5, 0)], ["node2"],
                 id="TestPickOneNodeForPreemption-when highest priority and sum are the same, minimum number of pods is picked"),
    pytest.param([_cand("node1", 1, violations=1), _cand("node2", 9)], ["node2"],
                 id="TestPickOneNodeForPreemption-fewest PDB violations first"),
])
def test_pick_one_node_for_preemption(candidates, want):
    assert [c.node for c in pick_one_node_for_preemption(candidates)] == want


def test_pod_eligible_to_preempt_others():
    nodes = [node("n", cpu=1000, memory=1 << 30)]
    never = replace(pod("p", priority=10), spec=replace(pod("p").spec, preemption_policy="Never"))
    snap = snapshot(nodes)
    assert pod_eligible_to_preempt_others(never, snap, None) == (False, "not eligible due to preemptionPolicy=Never.")
    victim = replace(pod("v", node="n", priority=0, terminating=True),
                     status=PodStatus("Running", (PodCondition("DisruptionTarget", "True", "PreemptionByScheduler"),)))
    nominated = replace(pod("p", priority=10), status=PodStatus(nominated_node_name="n"))
    assert not pod_eligible_to_preempt_others(nominated, snapshot(nodes, [victim]), None)[0]


def test_scheduling_cycle_preempts_and_nominates():
    nodes = [node("a", cpu=1000, memory=1 << 30), node("b", cpu=1000, memory=1 << 30)]
    low_a = pod("low-a", node="a", cpu=800, priority=1)
    low_b = pod("low-b", node="b", cpu=800, priority=2)
    high = pod("high", cpu=800, priority=10)
    state = ClusterState.of([*nodes, low_a, low_b, high])
    alts = scheduling_cycle(state, high.ref)
    assert len(alts) == 1  # node a: its victim has the lower priority
    texts = [str(r) for r in alts[0]]
    assert texts == ["update status of Pod/default/low-a", "delete Pod/default/low-a", "update status of Pod/default/high"]
    assert alts[0][-1].obj.status.nominated_node_name == "a"
    # equal priorities: nothing to preempt, the pod is marked unschedulable
    same = pod("same", cpu=800, priority=1)
    state = ClusterState.of([*nodes, low_a, replace(low_b, spec=replace(low_b.spec, priority=1)), same])
    (alt,) = scheduling_cycle(state, same.ref)
    assert alt[0].obj.status.condition("PodScheduled").reason == "Unschedulable"


def test_default_preemption_reports_when_nothing_helps():
    nodes = [node("a", cpu=1000, memory=1 << 30)]
    snap = snapshot(nodes, [pod("x", node="a", cpu=900, priority=5)])
    p = pod("p", cpu=500, priority=1)
    r = schedule_one(p, snap)
    cands, why = DefaultPreemption().preempt(p, snap, r.diagnosis, FILTERS)
    assert cands == [] and "No preemption victims" in why
