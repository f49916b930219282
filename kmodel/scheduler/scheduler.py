"""The scheduler as a controller of the cluster model: one scheduling cycle for one pending pod,
as API requests (``pkg/scheduler/schedule_one.go``: ``ScheduleOne``, ``schedulingCycle``,
``handleSchedulingFailure``; ``pkg/scheduler/framework/preemption/preemption.go``:
``prepareCandidate``).

* The pod fits: one alternative per top-scored node, each a ``Bind`` (upstream picks one; the
  explorer takes each). A pod nominated to a node that still passes every filter goes there
  (``evaluateNominatedNode``).
* It fits nowhere: DefaultPreemption (PostFilter). With a candidate node: the victims get the
  ``DisruptionTarget`` condition and are deleted, lower-priority pods nominated to that node lose
  their nomination, and the pod is marked Unschedulable with ``status.nominatedNodeName``; one
  alternative per tied candidate. Without one: the pod's ``PodScheduled`` condition becomes
  False/Unschedulable (once).

Examples
--------
>>> from kmodel.objects.meta import ObjectMeta
>>> from kmodel.objects.nodes import Node, NodeStatus
>>> from kmodel.objects.workloads import Container, Pod, PodSpec
>>> from kmodel.state import ClusterState
>>> n = Node(ObjectMeta("n1"), status=NodeStatus(allocatable=(("cpu", 1000), ("pods", 110))))
>>> low = Pod(ObjectMeta("low", "default"), PodSpec((Container("c", requests=(("cpu", 800),)),), node_name="n1"))
>>> high = Pod(ObjectMeta("high", "default"), PodSpec((Container("c", requests=(("cpu", 800),)),), priority=10))
>>> [str(r) for r in scheduling_cycle(ClusterState.of([n, low, high]), high.ref)[0]][-2:]
['delete Pod/default/low', 'update status of Pod/default/high']
"""

from __future__ import annotations

from typing import Any

from kmodel.api import Bind, Delete, Request, UpdateStatus
from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.workloads import Pod, PodCondition
from kmodel.scheduler.framework import filter_one_node, node_infos, pod_priority, schedule_one
from kmodel.scheduler.plugins.default_preemption import DefaultPreemption
from kmodel.state import ClusterState

__all__ = ["scheduling_cycle", "pending_pods"]

_PREEMPTION = DefaultPreemption()


def pending_pods(state: ClusterState) -> list[ObjectRef]:
    """Pods the default scheduler would take from its queue: unbound, not being deleted, Pending."""
    return [p.ref for p in state.list("Pod")
            if not p.spec.node_name and not p.metadata.deleting and p.status.phase == "Pending"
            and p.spec.scheduler_name == "default-scheduler"]


def _pre_bind(state: ClusterState, pod: Pod, node: str) -> tuple[Request, ...]:
    """VolumeBinding's PreBind writes (claims bound or annotated for the chosen node)."""
    from kmodel.scheduler.plugins.volume_binding import pre_bind

    return pre_bind(state, pod, node)


def _with_conditions(pod: Pod, condition: PodCondition, **status: Any) -> Pod:
    conditions = tuple(c for c in pod.status.conditions if c.type != condition.type)
    return replace(pod, status=replace(pod.status, conditions=(condition,) + conditions, **status))


def scheduling_cycle(state: ClusterState, key: ObjectRef, *, profile: Any = None) -> tuple[tuple[Request, ...], ...]:
    """The alternative request sets of one scheduling cycle for the pod ``key`` (empty when
    nothing changes)."""
    from kmodel.scheduler.profile import DEFAULT_PROFILE

    prof = profile if profile is not None else DEFAULT_PROFILE
    pod = state.get(key)
    if pod is None:
        return ()
    snapshot = node_infos(state)
    nominated = pod.status.nominated_node_name
    if nominated and nominated in snapshot and filter_one_node(pod, snapshot, nominated, prof.filters).success:
        return (_pre_bind(state, pod, nominated) + (Bind(key, nominated),),)
    result = schedule_one(pod, snapshot, profile=prof)
    if result.feasible:
        return tuple(_pre_bind(state, pod, node) + (Bind(key, node),) for node in result.candidates)
    candidates, _ = _PREEMPTION.preempt(pod, snapshot, result.diagnosis, prof.filters, state.list("PodDisruptionBudget"))
    unschedulable = PodCondition("PodScheduled", "False", "Unschedulable")
    alternatives = []
    for cand in candidates:
        reqs: list[Request] = []
        for victim in cand.victims:
            target = PodCondition("DisruptionTarget", "True", "PreemptionByScheduler")
            reqs.append(UpdateStatus(_with_conditions(victim, target)))
            reqs.append(Delete(victim.ref))
        for other in snapshot.nominated:
            if other.ref != pod.ref and other.status.nominated_node_name == cand.node \
                    and pod_priority(other) < pod_priority(pod):
                reqs.append(UpdateStatus(replace(other, status=replace(other.status, nominated_node_name=""))))
        reqs.append(UpdateStatus(_with_conditions(pod, unschedulable, nominated_node_name=cand.node)))
        alternatives.append(tuple(reqs))
    if alternatives:
        return tuple(alternatives)
    cond = pod.status.condition("PodScheduled")
    if cond is not None and cond.status == "False" and cond.reason == "Unschedulable":
        return ()
    return ((UpdateStatus(_with_conditions(pod, unschedulable)),),)
