"""The scheduling framework: ``Status`` codes, ``NodeInfo``, the snapshot, the PreFilter /
Filter / PreScore / Score / NormalizeScore extension points, and ``schedule_one``.

``schedule_one`` runs the PreFilter plugins (a plugin may answer *Skip*, which skips its Filter,
restrict the nodes to evaluate, or reject the pod outright), then every Filter plugin on the
nodes in turn until ``num_feasible_nodes_to_find`` feasible nodes are found (every node below
100 nodes), then, when more than one node is feasible, the PreScore and Score plugins (each
normalised, then weighted as in the profile) and returns the nodes that share the top score.
Upstream picks one of those (``selectHost``: heap order, or reservoir sampling before v1.34);
the model returns all of them and the explorer takes each as a separate step.

*Nominated pods*: a pod that preempted others carries ``status.nominatedNodeName``; while it
waits, pods of equal or higher priority nominated to a node are added to that node before the
filters run there (``addGlobalNominatedPods``), and the node must pass both with and without
them (``RunFilterPluginsWithNominatedPods``).

Abstracted: the scheduling queue's order (any pending pod may be scheduled next: an
over-approximation of PrioritySort, backoff and requeueing), the rotating start index
(``nextStartNodeIndex``: ``schedule_one`` takes ``start``, 0 by default; it matters only with 100
nodes or more), extenders, the Permit/Reserve/PreBind phases (binding is one step), and the
plugins whose inputs are not modelled (ImageLocality: node images; VolumeRestrictions,
NodeVolumeLimits and the volume scores; DynamicResources; SchedulingGates: gated pods are not
modelled). VolumeBinding is :mod:`kmodel.scheduler.plugins.volume_binding`.

Upstream: ``pkg/scheduler/framework/interface.go`` (``Code``, ``Status``, ``PreFilterResult``),
``pkg/scheduler/framework/runtime/framework.go`` (``RunPreFilterPlugins``,
``RunFilterPlugins``, ``RunFilterPluginsWithNominatedPods``, ``RunScorePlugins``),
``pkg/scheduler/schedule_one.go`` (``schedulePod``, ``findNodesThatFitPod``,
``findNodesThatPassFilters``, ``numFeasibleNodesToFind``, ``prioritizeNodes``, ``FitError``),
``pkg/scheduler/framework/types.go`` (``NodeInfo``), ``pkg/scheduler/apis/config/v1/default_plugins.go``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from kmodel.objects.meta import Labels, LabelSelector
from kmodel.objects.nodes import Node, Resources
from kmodel.objects.workloads import Pod, pod_requests
from kmodel.state import ClusterState

__all__ = ["Code", "Status", "NodeInfo", "Snapshot", "CycleState", "FilterPlugin", "ScorePlugin",
           "ScheduleResult", "node_infos", "schedule_one", "run_filters", "filter_one_node", "num_feasible_nodes_to_find",
           "PreFilterOutcome", "run_pre_filter_plugins",
           "MAX_NODE_SCORE", "SUCCESS", "SKIP", "pod_priority"]

MAX_NODE_SCORE = 100
MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5


class Code(enum.IntEnum):
    """``framework.Code``."""

    SUCCESS = 0
    ERROR = 1
    UNSCHEDULABLE = 2
    UNSCHEDULABLE_AND_UNRESOLVABLE = 3
    WAIT = 4
    SKIP = 5
    PENDING = 6


@dataclass(frozen=True)
class Status:
    code: Code = Code.SUCCESS
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    @property
    def success(self) -> bool:
        return self.code is Code.SUCCESS

    @property
    def skip(self) -> bool:
        return self.code is Code.SKIP

    def __str__(self) -> str:
        return "; ".join(self.reasons) or self.code.name


SUCCESS = Status()
SKIP = Status(Code.SKIP)


def pod_priority(pod: Pod) -> int:
    """``corev1helpers.PodPriority``: ``spec.priority`` (0 when unset)."""
    return pod.spec.priority


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

    @property
    def name(self) -> str:
        return self.node.metadata.name

    def with_pods(self, extra: Iterable[Pod]) -> NodeInfo:
        """A copy with ``extra`` pods added (``NodeInfo.AddPod``), for nominated pods and
        hypothetical placements."""
        pods = self.pods + tuple(extra)
        requested = dict(self.requested)
        for pod in pods[len(self.pods):]:
            for k, v in pod_requests(pod.spec):
                requested[k] = requested.get(k, 0) + v
        return NodeInfo(self.node, pods, requested)

    def without_pods(self, gone: Iterable[Pod]) -> NodeInfo:
        """A copy without the pods of ``gone`` (``NodeInfo.RemovePod``), for preemption."""
        refs = {p.ref for p in gone}
        return _info(self.node, [p for p in self.pods if p.ref not in refs])


def _info(node: Node, pods: Sequence[Pod]) -> NodeInfo:
    requested: dict[str, int] = {}
    for pod in pods:
        for k, v in pod_requests(pod.spec):
            requested[k] = requested.get(k, 0) + v
    return NodeInfo(node, tuple(pods), requested)


class Snapshot(dict):  # type: ignore[type-arg]
    """The scheduler's snapshot: ``node name -> NodeInfo`` (a dict, in node-name order), plus
    what plugins read besides nodes and pods: namespace labels (for namespace selectors), the
    objects whose selectors make the default spreading selector (``state``), and the pending
    pods nominated to nodes."""

    def __init__(self, infos: Iterable[tuple[str, NodeInfo]] = (), *, state: ClusterState | None = None,
                 namespace_labels: dict[str, Labels] | None = None,
                 nominated: Sequence[Pod] = ()) -> None:
        super().__init__(infos)
        self.state = state
        self.namespace_labels = namespace_labels or {}
        self.nominated = tuple(nominated)
        self.cache: dict[Any, Any] = {}
        self._with_affinity: list[tuple[Pod, NodeInfo]] | None = None
        self._results: dict[tuple[int, int], tuple[Pod, Any, ScheduleResult]] = {}  # schedule_one's, own

    def replaced(self, infos: dict[str, NodeInfo]) -> Snapshot:
        """The same snapshot with some NodeInfos replaced (derived data is carried over)."""
        out = Snapshot(((n, infos.get(n, i)) for n, i in self.items()), state=self.state,
                       namespace_labels=self.namespace_labels, nominated=self.nominated)
        out.cache = self.cache
        if self._with_affinity is not None:
            kept = [(p, i) for p, i in self._with_affinity if i.name not in infos]
            for info in infos.values():
                kept += [(p, info) for p in info.pods if _has_pod_affinity(p)]
            out._with_affinity = kept
        return out

    def pods_with_affinity(self) -> list[tuple[Pod, NodeInfo]]:
        """Bound pods with pod affinity or anti-affinity, with their NodeInfo
        (``HavePodsWithAffinityList``)."""
        if self._with_affinity is None:
            self._with_affinity = [(p, info) for info in self.values() for p in info.pods if _has_pod_affinity(p)]
        return self._with_affinity


def _has_pod_affinity(pod: Pod) -> bool:
    a = pod.spec.affinity
    return a is not None and (a.pod_affinity is not None or a.pod_anti_affinity is not None)


def as_snapshot(infos: dict[str, NodeInfo]) -> Snapshot:
    if isinstance(infos, Snapshot):
        return infos
    return Snapshot(sorted(infos.items()))


def node_infos(state: ClusterState) -> Snapshot:
    """The snapshot of ``state``: a :class:`NodeInfo` for every node, by node name.

    Computed once per state (:meth:`ClusterState.derived`): the scheduler, the properties and
    the checks only read snapshots (hypothetical placements go through :meth:`Snapshot.replaced`).
    """
    derived = getattr(state, "derived", None)
    return derived(_node_infos) if derived is not None else _node_infos(state)


def _node_infos(state: ClusterState) -> Snapshot:
    pods_by_node: dict[str, list[Pod]] = {}
    nominated = []
    for pod in state.list("Pod"):
        name = pod.spec.node_name
        if name:
            if pod.status.phase not in ("Succeeded", "Failed"):
                pods_by_node.setdefault(name, []).append(pod)
        elif getattr(pod.status, "nominated_node_name", "") and not pod.metadata.deleting:
            nominated.append(pod)
    labels = {ns.metadata.name: ns.metadata.labels for ns in state.list("Namespace")}
    return Snapshot(((node.name, _info(node, pods_by_node.get(node.name, ()))) for node in state.list("Node")),
                    state=state, namespace_labels=labels, nominated=nominated)


class CycleState(dict):  # type: ignore[type-arg]
    """Per-cycle scratch data of the plugins (``framework.CycleState``), keyed by plugin name."""


class FilterPlugin(Protocol):
    name: str

    def filter(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> Status: ...


class ScorePlugin(Protocol):
    name: str
    weight: int

    def score(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> int: ...

    def normalize(self, scores: dict[str, int], cycle: CycleState | None = None) -> dict[str, int]: ...


def num_feasible_nodes_to_find(percentage_of_nodes_to_score: int, num_all_nodes: int) -> int:
    """``numFeasibleNodesToFind``: how many feasible nodes the filter phase looks for.

    All nodes below 100; otherwise the percentage (adaptive when 0: ``50 - nodes/125``, at least
    5), at least 100 nodes.

    Examples
    --------
    >>> num_feasible_nodes_to_find(0, 50), num_feasible_nodes_to_find(0, 1000), num_feasible_nodes_to_find(40, 1000)
    (50, 420, 400)
    """
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    percentage = percentage_of_nodes_to_score
    if percentage == 0:
        percentage = 50 - num_all_nodes // 125
        if percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND:
            percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND
    num = num_all_nodes * percentage // 100
    return MIN_FEASIBLE_NODES_TO_FIND if num < MIN_FEASIBLE_NODES_TO_FIND else num


@dataclass(frozen=True)
class ScheduleResult:
    """What one scheduling cycle decided for a pod.

    ``candidates`` are the feasible nodes with the top total score (empty when the pod does not
    fit anywhere); ``diagnosis`` maps each infeasible node to the first failing filter's status;
    ``pre_filter_msg`` is set when a PreFilter plugin rejected the pod before any node was tried.
    """

    pod: Pod
    candidates: tuple[str, ...]
    scores: dict[str, int]
    diagnosis: dict[str, Status]
    pre_filter_msg: str = ""
    feasible_nodes: tuple[str, ...] = ()

    @property
    def feasible(self) -> bool:
        return bool(self.candidates)

    def message(self, total_nodes: int) -> str:
        """The upstream-style FitError message: ``0/3 nodes are available: 3 Insufficient cpu.``"""
        if self.pre_filter_msg:
            return f"0/{total_nodes} nodes are available: {self.pre_filter_msg}."
        counts: dict[str, int] = {}
        for status in self.diagnosis.values():
            for reason in status.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        parts = sorted(f"{n} {r}" for r, n in counts.items())
        return f"0/{total_nodes} nodes are available: {', '.join(parts)}."


def _default_profile() -> Any:
    from kmodel.scheduler.profile import DEFAULT_PROFILE

    return DEFAULT_PROFILE


@dataclass(frozen=True)
class PreFilterOutcome:
    """What ``RunPreFilterPlugins`` leaves for the Filter phase.

    ``active``: the plugins whose Filter runs (a PreFilter *Skip* drops its plugin); ``allowed``:
    the node names PreFilter restricts the pod to (``None``: every node; upstream
    ``PreFilterResult.NodeNames``, merged by intersection); ``rejection``: the status of the
    plugin that rejected the pod outright, as it returned it, and ``rejected_by`` its name;
    ``excluded``: the node asked about (``node=`` of :func:`run_pre_filter_plugins`) was left out
    by a plugin's node names, which stopped the run there.
    """

    active: tuple[Any, ...]
    allowed: frozenset[str] | None = None
    rejection: Status | None = None
    rejected_by: str = ""
    excluded: bool = False


#: The diagnosis of a node that PreFilter's node names leave out.
PRE_FILTER_RESTRICTED = Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                               ("node(s) didn't satisfy plugin(s) [NodeAffinity]",), "NodeAffinity")


def run_pre_filter_plugins(pod: Pod, snapshot: Snapshot, filters: Sequence[Any], cycle: CycleState, *,
                           node: str | None = None) -> PreFilterOutcome:
    """``RunPreFilterPlugins``: each PreFilter plugin in profile order, stopping at the first that
    rejects the pod (or, with ``node``, at the first whose node names leave ``node`` out). The
    one loop behind :func:`run_filters`, :func:`filter_one_node` and the feasibility engine's
    analysis (:func:`kmodel.smt.placement.analyse`)."""
    active: list[Any] = []
    allowed: frozenset[str] | None = None
    for plugin in filters:
        pre = getattr(plugin, "pre_filter", None)
        if pre is None:
            active.append(plugin)
            continue
        status, names = pre(pod, snapshot, cycle)
        if status.skip:
            continue
        if not status.success:
            return PreFilterOutcome(tuple(active), allowed, status, plugin.name)
        if names is not None:
            if node is not None and node not in names:
                return PreFilterOutcome(tuple(active), frozenset(names), excluded=True)
            allowed = frozenset(names) if allowed is None else allowed & names
        active.append(plugin)
    return PreFilterOutcome(tuple(active), allowed)


def run_filters(pod: Pod, infos: dict[str, NodeInfo], *, filters: Sequence[Any],
                start: int = 0, num_to_find: int | None = None,
                cycle: CycleState | None = None) -> tuple[list[str], dict[str, Status], str]:
    """PreFilter and Filter for one pod: ``(feasible node names, diagnosis, pre-filter message)``.

    ``findNodesThatFitPod``: nodes are tried from ``start`` round-robin until ``num_to_find``
    are feasible (default: every node). The first failing plugin's status is the node's
    diagnosis.
    """
    snapshot = as_snapshot(infos)
    cycle = CycleState() if cycle is None else cycle
    pre = run_pre_filter_plugins(pod, snapshot, filters, cycle)
    if pre.rejection is not None:
        return [], {n: pre.rejection for n in snapshot}, "; ".join(pre.rejection.reasons)
    active, allowed = pre.active, pre.allowed
    names = list(snapshot)
    diagnosis: dict[str, Status] = {}
    if allowed is not None:
        for n in names:
            if n not in allowed:
                diagnosis[n] = PRE_FILTER_RESTRICTED
        names = [n for n in names if n in allowed]
    if not names:
        return [], diagnosis, ""
    want = len(names) if num_to_find is None else num_to_find
    feasible: list[str] = []
    offset = start % len(names)
    nominated = snapshot.nominated
    for i in range(len(names)):
        name = names[(offset + i) % len(names)]
        info = snapshot[name]
        status = _filter_node(pod, info, active, cycle, snapshot, nominated)
        if status.success:
            feasible.append(name)
            if len(feasible) >= want:
                break
        else:
            diagnosis[name] = status
    return sorted(feasible), diagnosis, ""


def _run_filter_plugins(pod: Pod, info: NodeInfo, plugins: Sequence[Any], cycle: CycleState) -> Status:
    for plugin in plugins:
        status = plugin.filter(pod, info, cycle)
        if not status.success:
            return status if status.plugin else Status(status.code, status.reasons, plugin.name)
    return SUCCESS


def _filter_node(pod: Pod, info: NodeInfo, plugins: Sequence[Any], cycle: CycleState, snapshot: Snapshot,
                 nominated: Sequence[Pod]) -> Status:
    """``RunFilterPluginsWithNominatedPods``."""
    if nominated:
        mine = [p for p in nominated if p.status.nominated_node_name == info.name  # type: ignore[attr-defined]
                and p.ref != pod.ref and pod_priority(p) >= pod_priority(pod)]
        if mine:
            # Pass 1: with the nominated pods added (prefilter state rebuilt on that view).
            added = info.with_pods(mine)
            view = snapshot.replaced({info.name: added})
            cycle2 = CycleState()
            for plugin in plugins:
                pre = getattr(plugin, "pre_filter", None)
                if pre is not None:
                    pre(pod, view, cycle2)
            status = _run_filter_plugins(pod, added, plugins, cycle2)
            if not status.success:
                return status
    return _run_filter_plugins(pod, info, plugins, cycle)


def filter_one_node(pod: Pod, snapshot: Snapshot, name: str, filters: Sequence[Any]) -> Status:
    """PreFilter over ``snapshot`` and Filter (with nominated pods) on the node ``name`` alone;
    the status of the first plugin that rejects (a PreFilter rejection included)."""
    cycle = CycleState()
    pre = run_pre_filter_plugins(pod, snapshot, filters, cycle, node=name)
    if pre.rejection is not None:
        return pre.rejection
    if pre.excluded:
        return PRE_FILTER_RESTRICTED
    return _filter_node(pod, snapshot[name], pre.active, cycle, snapshot, snapshot.nominated)


def schedule_one(pod: Pod, infos: dict[str, NodeInfo], *,
                 filters: Sequence[Any] | None = None,
                 scorers: Sequence[Any] | None = None,
                 profile: Any = None,
                 start: int = 0) -> ScheduleResult:
    """Filter, score and select for one pod (``schedulePod``).

    Parameters
    ----------
    pod : Pod
        The pod to place.
    infos : dict
        ``node name -> NodeInfo``: a :class:`Snapshot` from :func:`node_infos` (a plain dict
        works; plugins then see no namespace labels or workload selectors).
    filters, scorers : sequences of plugins, optional
        Override the profile's plugins.
    profile : Profile, optional
        Default :data:`kmodel.scheduler.profile.DEFAULT_PROFILE`.
    start : int
        Index of the first node examined (``nextStartNodeIndex``).

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
    prof = profile if profile is not None else _default_profile()
    snapshot = as_snapshot(infos)
    if filters is None and scorers is None and start == 0 and snapshot is infos:
        # A pure function of (pod, snapshot, profile), all only read: asked again for the same
        # objects (the scheduler and the pods-schedulable property, on one state's snapshot),
        # answer again. Kept per snapshot (not in ``cache``, which replaced() copies share).
        key = (id(pod), id(prof))
        hit = snapshot._results.get(key)
        if hit is not None and hit[0] is pod and hit[1] is prof:
            return hit[2]
        result = _schedule_one(pod, snapshot, prof.filters, prof.scorers, prof, 0)
        snapshot._results[key] = (pod, prof, result)
        return result
    return _schedule_one(pod, snapshot, prof.filters if filters is None else filters,
                         prof.scorers if scorers is None else scorers, prof, start)


def _schedule_one(pod: Pod, snapshot: Snapshot, filters: Sequence[Any], scorers: Sequence[Any], prof: Any,
                  start: int) -> ScheduleResult:
    cycle = CycleState()
    num_to_find = num_feasible_nodes_to_find(prof.percentage_of_nodes_to_score, len(snapshot))
    feasible, diagnosis, pre_msg = run_filters(pod, snapshot, filters=filters, start=start,
                                               num_to_find=num_to_find, cycle=cycle)
    if not feasible:
        return ScheduleResult(pod, (), {}, diagnosis, pre_msg)
    if len(feasible) == 1:
        return ScheduleResult(pod, (feasible[0],), {feasible[0]: 0}, diagnosis, feasible_nodes=tuple(feasible))
    totals = prioritize_nodes(pod, snapshot, feasible, scorers, cycle)
    best = max(totals.values())
    return ScheduleResult(pod, tuple(n for n in feasible if totals[n] == best), totals, diagnosis,
                          feasible_nodes=tuple(feasible))


def prioritize_nodes(pod: Pod, snapshot: Snapshot, feasible: Sequence[str], scorers: Sequence[Any],
                     cycle: CycleState) -> dict[str, int]:
    """``prioritizeNodes``: PreScore, Score, NormalizeScore and weights; the total per node."""
    totals = dict.fromkeys(feasible, 0)
    feasible_infos = [snapshot[n] for n in feasible]
    for plugin in scorers:
        pre = getattr(plugin, "pre_score", None)
        if pre is not None:
            status = pre(pod, snapshot, feasible_infos, cycle)
            if status.skip:
                continue
        raw = {info.name: plugin.score(pod, info, cycle) for info in feasible_infos}
        for name, s in plugin.normalize(raw, cycle).items():
            totals[name] += s * plugin.weight
    return totals


def selector_matches(selector: LabelSelector | None, labels: Labels) -> bool:
    """``LabelSelectorAsSelector(selector).Matches(labels)``: ``None`` (nil) matches nothing."""
    return selector is not None and selector.matches(labels)
