"""The scheduler's per-state snapshot and its memo of ``schedule_one``
(:mod:`kmodel.scheduler.framework`): computed once per state and snapshot, never carried over to
a snapshot with different nodes (``Snapshot.replaced``)."""

from __future__ import annotations

from kmodel.objects.meta import ObjectMeta, replace
from kmodel.objects.nodes import Node, NodeStatus
from kmodel.objects.workloads import Container, Pod, PodSpec
from kmodel.scheduler.framework import node_infos, schedule_one
from kmodel.scheduler.profile import DEFAULT_PROFILE
from kmodel.state import ClusterState

ALLOC = (("cpu", 1000), ("memory", 8 << 30), ("pods", 110))


def _pod(name: str, cpu: int) -> Pod:
    return Pod(ObjectMeta(name, "default"), PodSpec((Container("c", requests=(("cpu", cpu),)),)))


def _state() -> ClusterState:
    return ClusterState.of([Node(ObjectMeta("a"), status=NodeStatus(capacity=ALLOC, allocatable=ALLOC))])


def test_snapshot_is_computed_once_per_state() -> None:
    s = _state()
    assert node_infos(s) is node_infos(s)
    t = s.with_(_pod("p", 100))
    assert node_infos(t) is not node_infos(s) and list(node_infos(t)["a"].pods) == []  # unbound pod


def test_schedule_one_is_answered_again_for_the_same_objects() -> None:
    snap = node_infos(_state())
    pod = _pod("p", 600)
    first = schedule_one(pod, snap)
    assert schedule_one(pod, snap) is first and schedule_one(pod, snap, profile=DEFAULT_PROFILE) is first
    assert first.candidates == ("a",)
    equal_pod = replace(pod)  # equal, another object: computed, same answer
    again = schedule_one(equal_pod, snap)
    assert again is not first and again.candidates == first.candidates
    explicit = schedule_one(pod, snap, filters=DEFAULT_PROFILE.filters)  # overrides: never memoised
    assert explicit is not first and explicit.candidates == first.candidates


def test_a_replaced_snapshot_is_asked_afresh() -> None:
    snap = node_infos(_state())
    pod = _pod("p", 600)
    assert schedule_one(pod, snap).feasible
    placed = replace(_pod("q", 600), spec=replace(_pod("q", 600).spec, node_name="a"))
    fuller = snap.replaced({"a": snap["a"].with_pods((placed,))})
    result = schedule_one(pod, fuller)
    assert not result.feasible and "Insufficient cpu" in result.message(1)
    assert schedule_one(pod, snap).feasible  # the original snapshot's answer is unchanged
