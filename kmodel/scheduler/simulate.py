"""The default scheduler's greedy sequence on a batch of pending pods, one deterministic run.

Pods leave the queue in PrioritySort order (higher ``spec.priority`` first, then the order they
were given in, standing for their queue timestamps); each gets one scheduling cycle
(:func:`~kmodel.scheduler.framework.schedule_one`) and is bound to a top-scored node (upstream
breaks ties at random; this run takes the first by name, and says so). A pod that fits nowhere
waits, and is retried after every later bind (a bind is a cluster event that may help it) until
nothing changes. Bound pods are never moved: that is what can strand a pod that a different
placement would fit.

Preemption is not run here: the batch is about placing pods, not evicting bound ones.

Upstream: ``pkg/scheduler/schedule_one.go``, ``pkg/scheduler/framework/plugins/queuesort/priority_sort.go``.

Examples
--------
>>> from kmodel.objects.meta import ObjectMeta
>>> from kmodel.objects.nodes import Node, NodeStatus
>>> from kmodel.objects.workloads import Container, Pod, PodSpec
>>> from kmodel.state import ClusterState
>>> nodes = [Node(ObjectMeta(n), status=NodeStatus(allocatable=(("cpu", 2000), ("pods", 110)))) for n in "ab"]
>>> pods = [Pod(ObjectMeta(f"p{i}", "default"), PodSpec((Container("c", requests=(("cpu", c),)),)))
...         for i, c in enumerate((1000, 1000, 2000))]
>>> run = greedy_schedule(ClusterState.of(nodes), pods)
>>> [(p.metadata.name, n) for p, n in run.bound], [p.metadata.name for p in run.pending]
([('p0', 'a'), ('p1', 'b')], ['p2'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kmodel.objects.meta import replace
from kmodel.objects.workloads import Pod
from kmodel.scheduler.framework import Snapshot, node_infos, pod_priority, schedule_one
from kmodel.state import ClusterState

__all__ = ["GreedyRun", "greedy_schedule", "queue_order"]


@dataclass(frozen=True)
class GreedyRun:
    """``bound``: ``(pod, node)`` in bind order; ``pending``: pods left unscheduled, with the
    scheduler's last message for each in ``messages``."""

    bound: tuple[tuple[Pod, str], ...]
    pending: tuple[Pod, ...]
    messages: dict[str, str]

    @property
    def stranded(self) -> bool:
        return bool(self.pending)


def queue_order(pods: Sequence[Pod]) -> list[Pod]:
    """PrioritySort: higher priority first; equal priority keeps the given order."""
    return [p for _, _, p in sorted((-pod_priority(p), i, p) for i, p in enumerate(pods))]


def greedy_schedule(state: ClusterState, pods: Sequence[Pod], *, profile: Any = None) -> GreedyRun:
    """Schedule ``pods`` one by one onto ``state``'s nodes as the default scheduler would."""
    from kmodel.scheduler.profile import DEFAULT_PROFILE

    prof = profile if profile is not None else DEFAULT_PROFILE
    snapshot: Snapshot = node_infos(state)
    bound: list[tuple[Pod, str]] = []
    messages: dict[str, str] = {}
    waiting = queue_order(pods)
    progress = True
    while waiting and progress:
        progress = False
        still = []
        for pod in waiting:
            result = schedule_one(pod, snapshot, profile=prof)
            if result.feasible:
                node = result.candidates[0]
                placed = replace(pod, spec=replace(pod.spec, node_name=node))
                snapshot = snapshot.replaced({node: snapshot[node].with_pods((placed,))})
                bound.append((pod, node))
                progress = True
            else:
                messages[pod.metadata.name] = result.message(len(snapshot))
                still.append(pod)
        waiting = still
    return GreedyRun(tuple(bound), tuple(waiting), {p.metadata.name: messages[p.metadata.name] for p in waiting})
