"""DefaultPreemption (``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go``,
``pkg/scheduler/framework/preemption/preemption.go``): the PostFilter that runs when a pod fits
no node.

1. ``pod_eligible_to_preempt_others``: not with ``preemptionPolicy: Never``; not while a
   lower-priority pod is terminating on the pod's nominated node (unless that node is now
   UnschedulableAndUnresolvable for it).
2. ``nodes_where_preemption_might_help``: the nodes whose filter failure is not
   UnschedulableAndUnresolvable. Every one of them is a candidate below 100 nodes
   (``calculateNumCandidates``: 10% of the nodes, at least 100).
3. ``select_victims_on_node``: remove every pod of lower priority than the preemptor; if the
   preemptor still does not pass the filters (nominated pods included), the node is no
   candidate. Otherwise reprieve the removed pods from the most important down, those whose
   eviction would violate a PodDisruptionBudget first (``filter_pods_with_pdb_violation``), each
   kept if the preemptor still fits; the rest are the victims, and the violating ones among them
   count as PDB violations.
4. ``pick_one_node_for_preemption``: fewest PDB violations, then the lowest highest-victim
   priority, the smallest sum of victim priorities, the fewest victims, the latest start of the
   highest-priority victims; remaining ties are upstream's random offset, so the model returns
   every tied node (the explorer takes each).
5. The victims get the ``DisruptionTarget`` condition (``PreemptionByScheduler``) and are deleted;
   lower-priority pods nominated to the node lose their nomination; the preemptor's
   ``status.nominatedNodeName`` is the node (done by :mod:`kmodel.scheduler.scheduler`).

PodDisruptionBudgets are read from the state's ``PodDisruptionBudget`` objects (``metadata.namespace``,
``spec.selector``, ``status.disruptions_allowed``, ``status.disrupted_pods``); the model has no
such kind yet (it comes with the workload-controllers issue), so with kmodel's own objects no
budget is ever violated; the logic is tested with stand-in budgets.

Abstracted: time. Pods of equal priority are equally important (``MoreImportantPod`` then
compares start times); among them the model orders by namespace and name, one of upstream's
possible orders, and does not explore the others. ``PreFilter`` state is recomputed on each
hypothetical node view instead of ``AddPod``/``RemovePod`` (same result).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kmodel.objects.meta import LabelSelector
from kmodel.objects.workloads import Pod
from kmodel.scheduler.framework import (
    Code,
    NodeInfo,
    Snapshot,
    Status,
    filter_one_node,
    pod_priority,
)

__all__ = ["DefaultPreemption", "Candidate", "pod_eligible_to_preempt_others", "nodes_where_preemption_might_help",
           "select_victims_on_node", "filter_pods_with_pdb_violation", "pick_one_node_for_preemption",
           "more_important_pod", "calculate_num_candidates"]

MIN_CANDIDATE_NODES_PERCENTAGE = 10
MIN_CANDIDATE_NODES_ABSOLUTE = 100
NO_VICTIMS = "No preemption victims found for incoming pod"


@dataclass(frozen=True)
class Candidate:
    """A node where preemption makes the pod fit: its victims (most important first) and how many
    of them violate a PodDisruptionBudget."""

    node: str
    victims: tuple[Pod, ...]
    num_pdb_violations: int


def more_important_pod(a: Pod) -> tuple[int, str, str]:
    """Sort key for ``MoreImportantPod`` (higher priority first; equal priority: by name, the
    model's stand-in for the earlier start time)."""
    return (-pod_priority(a), a.metadata.namespace, a.metadata.name)


def calculate_num_candidates(num_nodes: int) -> int:
    """``calculateNumCandidates``."""
    n = num_nodes * MIN_CANDIDATE_NODES_PERCENTAGE // 100
    n = max(n, MIN_CANDIDATE_NODES_ABSOLUTE)
    return min(n, num_nodes)


def _terminating_by_preemption(pod: Pod) -> bool:
    if not pod.metadata.deleting:
        return False
    c = pod.status.condition("DisruptionTarget")
    return c is not None and c.status == "True" and c.reason == "PreemptionByScheduler"


def pod_eligible_to_preempt_others(pod: Pod, snapshot: Snapshot, nominated_status: Status | None) -> tuple[bool, str]:
    """``PodEligibleToPreemptOthers``."""
    if pod.spec.preemption_policy == "Never":
        return False, "not eligible due to preemptionPolicy=Never."
    nominated = getattr(pod.status, "nominated_node_name", "")
    if nominated:
        if nominated_status is not None and nominated_status.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
            return True, ""
        info = snapshot.get(nominated)
        if info is not None:
            prio = pod_priority(pod)
            for p in info.pods:
                if pod_priority(p) < prio and _terminating_by_preemption(p):
                    return False, "not eligible due to a terminating pod on the nominated node."
    return True, ""


def nodes_where_preemption_might_help(snapshot: Snapshot, diagnosis: dict[str, Status]) -> list[str]:
    """``nodesWherePreemptionMightHelp``: nodes not failed as UnschedulableAndUnresolvable."""
    out = []
    for name in snapshot:
        status = diagnosis.get(name)
        if status is not None and status.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
            continue
        out.append(name)
    return out


def _pdb_selector(pdb: Any) -> LabelSelector | None:
    return getattr(getattr(pdb, "spec", None), "selector", None)


def filter_pods_with_pdb_violation(pods: Sequence[Pod], pdbs: Sequence[Any]) -> tuple[list[Pod], list[Pod]]:
    """``filterPodsWithPDBViolation``: ``(violating, non_violating)``, in the given order."""
    allowed = [int(getattr(pdb.status, "disruptions_allowed", 0)) for pdb in pdbs]
    violating, non_violating = [], []
    for pod in pods:
        violated = False
        if pod.metadata.labels:
            for i, pdb in enumerate(pdbs):
                if pdb.metadata.namespace != pod.metadata.namespace:
                    continue
                selector = _pdb_selector(pdb)
                if selector is None or selector.empty or not selector.matches(pod.metadata.labels):
                    continue
                if pod.metadata.name in tuple(getattr(pdb.status, "disrupted_pods", ()) or ()):
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    violated = True
        (violating if violated else non_violating).append(pod)
    return violating, non_violating


def _fits(pod: Pod, snapshot: Snapshot, name: str, info: NodeInfo, filters: Sequence[Any]) -> Status:
    return filter_one_node(pod, snapshot.replaced({name: info}), name, filters)


def select_victims_on_node(pod: Pod, snapshot: Snapshot, name: str, filters: Sequence[Any],
                           pdbs: Sequence[Any] = ()) -> tuple[tuple[Pod, ...], int, Status]:
    """``SelectVictimsOnNode``: ``(victims, PDB violations, status)``."""
    info = snapshot[name]
    prio = pod_priority(pod)
    potential = [p for p in info.pods if pod_priority(p) < prio]
    if not potential:
        return (), 0, Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (NO_VICTIMS,), "DefaultPreemption")
    current = info.without_pods(potential)
    status = _fits(pod, snapshot, name, current, filters)
    if not status.success:
        return (), 0, status
    potential.sort(key=more_important_pod)
    violating, non_violating = filter_pods_with_pdb_violation(potential, pdbs)
    victims: list[Pod] = []
    num_violating = 0
    for group, counts in ((violating, True), (non_violating, False)):
        for p in group:
            trial = current.with_pods((p,))
            if _fits(pod, snapshot, name, trial, filters).success:
                current = trial
            else:
                victims.append(p)
                if counts:
                    num_violating += 1
    victims.sort(key=more_important_pod)
    return tuple(victims), num_violating, Status()


def pick_one_node_for_preemption(candidates: Sequence[Candidate]) -> list[Candidate]:
    """``pickOneNodeForPreemption``: the best candidates (all of them when tied after every rule;
    upstream then takes the first in its randomly offset order)."""
    if not candidates:
        return []
    for c in candidates:
        if not c.victims:
            return [c]
    rules = (
        lambda c: c.num_pdb_violations,
        lambda c: pod_priority(c.victims[0]),
        lambda c: sum(pod_priority(v) + 2**31 for v in c.victims),
        lambda c: len(c.victims),
    )
    best = list(candidates)
    for rule in rules:
        low = min(rule(c) for c in best)
        best = [c for c in best if rule(c) == low]
        if len(best) == 1:
            break
    return best


class DefaultPreemption:
    """The PostFilter plugin: :meth:`preempt` finds the candidates for a pod that fits nowhere."""

    name = "DefaultPreemption"

    def preempt(self, pod: Pod, snapshot: Snapshot, diagnosis: dict[str, Status], filters: Sequence[Any],
                pdbs: Sequence[Any] = ()) -> tuple[list[Candidate], str]:
        """``Evaluator.Preempt``: the best candidates (ties all returned) and, when there are none,
        the reason."""
        nominated = getattr(pod.status, "nominated_node_name", "")
        ok, why = pod_eligible_to_preempt_others(pod, snapshot, diagnosis.get(nominated) if nominated else None)
        if not ok:
            return [], why
        potential = nodes_where_preemption_might_help(snapshot, diagnosis)
        if not potential:
            return [], "0/%d nodes are available: %d Preemption is not helpful for scheduling." % (
                len(snapshot), len(snapshot))
        limit = calculate_num_candidates(len(potential))
        candidates = []
        for name in potential:
            victims, violations, status = select_victims_on_node(pod, snapshot, name, filters, pdbs)
            if status.success:
                candidates.append(Candidate(name, victims, violations))
                if len(candidates) >= limit:
                    break
        if not candidates:
            return [], f"0/{len(snapshot)} nodes are available: {NO_VICTIMS}."
        return pick_one_node_for_preemption(candidates), ""
