"""The scheduling framework: ``Status`` codes, ``NodeInfo``, Filter and Score plugins, and
``schedule_one``.

``schedule_one`` runs every Filter plugin on every node, scores the feasible nodes with the Score
plugins (each normalised, then weighted as in the default profile) and returns the nodes that
share the top score. Upstream picks one of those at random (``selectHost``, reservoir sampling);
the model returns all of them and the explorer takes each as a separate step.

Abstracted for now (the scheduler issue adds them): the scheduling queue's order (any pending
pod may be scheduled next: an over-approximation of backoff and requeueing),
``numFeasibleNodesToFind`` (every node is examined; upstream examines all nodes below 100),
preemption, and the score plugins whose scores are equal on every node without the features
they read (ImageLocality, InterPodAffinity, NodeAffinity's preferred terms, PodTopologySpread's
system-default spreading).

Upstream: ``pkg/scheduler/framework/interface.go`` (``Code``, ``Status``),
``pkg/scheduler/schedule_one.go`` (``schedulePod``, ``findNodesThatFitPod``,
``prioritizeNodes``, ``selectHost``), ``pkg/scheduler/framework/types.go`` (``NodeInfo``),
``pkg/scheduler/apis/config/v1/default_plugins.go`` (weights).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from kmodel.objects.nodes import Node, Resources
from kmodel.objects.workloads import Pod, pod_requests
from kmodel.state import ClusterState

__all__ = ["Code", "Status", "NodeInfo", "FilterPlugin", "ScorePlugin", "ScheduleResult",
           "node_infos", "schedule_one", "MAX_NODE_SCORE"]

MAX_NODE_SCORE = 100


class Code(enum.IntEnum):
    """``framework.Code``."""

    SUCCESS = 0
    ERROR = 1
    UNSCHEDULABLE = 2
    UNSCHEDULABLE_AND_UNRESOLVABLE = 3
    WAIT = 4
    SKIP = 5


@dataclass(frozen=True)
class Status:
    code: Code = Code.SUCCESS
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    @property
    def success(self) -> bool:
        return self.code is Code.SUCCESS

    def __str__(self) -> str:
        return "; ".join(self.reasons) or self.code.name


SUCCESS = Status()


@dataclass(frozen=True)
class NodeInfo:
    """A node with the pods assigned to it and their summed requests (``framework.NodeInfo``).

    Terminal (Succeeded/Failed) pods are not counted: the scheduler's cache drops them.
    """

    node: Node
    pods: tuple[Pod, ...]
    requested: dict[str, int] = field(hash=False)

    @property
    def allocatable(self) -> Resources:
        return self.node.status.allocatable


def node_infos(state: ClusterState) -> dict[str, NodeInfo]:
    """NodeInfo for every node, by node name."""
    pods_by_node: dict[str, list[Pod]] = {}
    for pod in state.list("Pod"):
        name = pod.spec.node_name
        if name and pod.status.phase not in ("Succeeded", "Failed"):
            pods_by_node.setdefault(name, []).append(pod)
    infos = {}
    for node in state.list("Node"):
        pods = tuple(pods_by_node.get(node.name, ()))
        requested: dict[str, int] = {}
        for pod in pods:
            for k, v in pod_requests(pod.spec):
                requested[k] = requested.get(k, 0) + v
        infos[node.name] = NodeInfo(node, pods, requested)
    return infos


class FilterPlugin(Protocol):
    name: str

    def filter(self, pod: Pod, info: NodeInfo) -> Status: ...


class ScorePlugin(Protocol):
    name: str
    weight: int

    def score(self, pod: Pod, info: NodeInfo) -> int: ...

    def normalize(self, scores: dict[str, int]) -> dict[str, int]: ...


@dataclass(frozen=True)
class ScheduleResult:
    """What one scheduling cycle decided for a pod.

    ``candidates`` are the feasible nodes with the top total score (empty when the pod does not
    fit anywhere); ``diagnosis`` maps each infeasible node to the first failing filter's status.
    """

    pod: Pod
    candidates: tuple[str, ...]
    scores: dict[str, int]
    diagnosis: dict[str, Status]

    @property
    def feasible(self) -> bool:
        return bool(self.candidates)

    def message(self, total_nodes: int) -> str:
        """The upstream-style FitError message: ``0/3 nodes are available: 3 Insufficient cpu.``"""
        counts: dict[str, int] = {}
        for status in self.diagnosis.values():
            for reason in status.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        parts = sorted(f"{n} {r}" for r, n in counts.items())
        return f"0/{total_nodes} nodes are available: {', '.join(parts)}."


def schedule_one(pod: Pod, infos: dict[str, NodeInfo], *,
                 filters: Sequence[FilterPlugin] | None = None,
                 scorers: Sequence[ScorePlugin] | None = None) -> ScheduleResult:
    """Filter, score and select for one pod (``schedulePod``).

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.nodes import Node, NodeStatus
    >>> from kmodel.objects.workloads import Container, Pod, PodSpec
    >>> from kmodel.state import ClusterState
    >>> big = Node(ObjectMeta("big"), status=NodeStatus(allocatable=(("cpu", 4000), ("memory", 8 << 30), ("pods", 110))))
    >>> small = Node(ObjectMeta("small"), status=NodeStatus(allocatable=(("cpu", 1000), ("memory", 8 << 30), ("pods", 110))))
    >>> pod = Pod(ObjectMeta("web-1", "default"), PodSpec((Container("web", requests=(("cpu", 2000),)),)))
    >>> r = schedule_one(pod, node_infos(ClusterState.of([big, small])))
    >>> r.candidates, r.message(2)
    (('big',), '0/2 nodes are available: 1 Insufficient cpu.')
    """
    from kmodel.scheduler import plugins

    filters = plugins.DEFAULT_FILTERS if filters is None else filters
    scorers = plugins.DEFAULT_SCORERS if scorers is None else scorers
    feasible = []
    diagnosis: dict[str, Status] = {}
    for name in sorted(infos):
        info = infos[name]
        for plugin in filters:
            status = plugin.filter(pod, info)
            if not status.success:
                diagnosis[name] = status
                break
        else:
            feasible.append(name)
    if not feasible:
        return ScheduleResult(pod, (), {}, diagnosis)
    if len(feasible) == 1:
        return ScheduleResult(pod, (feasible[0],), {feasible[0]: 0}, diagnosis)
    totals = dict.fromkeys(feasible, 0)
    for plugin in scorers:
        raw = {name: plugin.score(pod, infos[name]) for name in feasible}
        for name, s in plugin.normalize(raw).items():
            totals[name] += s * plugin.weight
    best = max(totals.values())
    return ScheduleResult(pod, tuple(n for n in feasible if totals[n] == best), totals, diagnosis)
