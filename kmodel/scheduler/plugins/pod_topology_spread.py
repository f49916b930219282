"""PodTopologySpread (``pkg/scheduler/framework/plugins/podtopologyspread/{common.go,filtering.go,
scoring.go,plugin.go}``).

Constraints (``filterTopologySpreadConstraints``): those of the pod with the wanted
``whenUnsatisfiable``; the selector is ``labelSelector`` (nil: matches no pod) with
``key in (value)`` added for each ``matchLabelKeys`` key the pod has (the merge the API server
does at creation); ``minDomains`` defaults to 1, ``nodeAffinityPolicy`` to Honor,
``nodeTaintsPolicy`` to Ignore. A pod without constraints gets the *system default* constraints
(``kubernetes.io/hostname`` maxSkew 3 and ``topology.kubernetes.io/zone`` maxSkew 5, both
ScheduleAnyway) with the ``DefaultSelector`` of the Services and the controller selecting it, or
none when that selector is empty.

Counting (``countPodsMatchSelector``): pods in the incoming pod's namespace, not terminating,
matching the selector; an empty selector counts nothing.

Filter (DoNotSchedule): PreFilter counts matching pods per domain over the nodes that carry
*every* constraint's topology key and pass the constraint's inclusion policies
(``matchNodeInclusionPolicies``: required node affinity when Honor, untolerated
NoSchedule/NoExecute taints when Honor); a node lacking a key is UnschedulableAndUnresolvable
(``node(s) didn't match pod topology spread constraints (missing required label)``); otherwise
``count(domain) + selfMatch - globalMin > maxSkew`` is Unschedulable, where the global minimum
is 0 when fewer than ``minDomains`` domains exist.

Score (ScheduleAnyway): per constraint, a feasible node's domain count times
``ln(domains + 2)`` plus ``maxSkew - 1``, summed and rounded; normalised to
``100 * (max + min - score) // max`` (fewer matching pods score higher); nodes missing a key are
ignored (score 0) unless only system defaults apply. Weight 2.

Abstracted: ``ReplicationController`` and ``StatefulSet`` selectors count only when such objects
are in the state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from kmodel.objects.affinity import RequiredNodeAffinity, get_required_node_affinity, merge_label_keys
from kmodel.objects.meta import LabelSelector, Labels
from kmodel.objects.nodes import HOSTNAME_LABEL, ZONE_LABEL, Node, find_untolerated_taint
from kmodel.objects.workloads import Pod
from kmodel.scheduler.framework import (
    MAX_NODE_SCORE,
    SKIP,
    SUCCESS,
    Code,
    CycleState,
    NodeInfo,
    Snapshot,
    Status,
)
from kmodel.scheduler.plugins.helper import default_selector

ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
DO_NOT_SCHEDULE = "DoNotSchedule"
SCHEDULE_ANYWAY = "ScheduleAnyway"
HONOR = "Honor"
IGNORE = "Ignore"
_PRE_FILTER = "PreFilterPodTopologySpread"
_PRE_SCORE = "PreScorePodTopologySpread"


@dataclass(frozen=True)
class Constraint:
    """``topologySpreadConstraint``: a constraint as the plugin uses it."""

    max_skew: int
    topology_key: str
    selector: LabelSelector | None
    min_domains: int = 1
    node_affinity_policy: str = HONOR
    node_taints_policy: str = IGNORE

    def match_node_inclusion_policies(self, pod: Pod, node: Node, required: RequiredNodeAffinity) -> bool:
        """``matchNodeInclusionPolicies``."""
        if self.node_affinity_policy == HONOR and not required.match(node):
            return False
        if self.node_taints_policy == HONOR and \
                find_untolerated_taint(node.spec.taints, pod.spec.tolerations) is not None:
            return False
        return True

    def self_match(self, labels: Labels) -> bool:
        return self.selector is not None and self.selector.matches(labels)


SYSTEM_DEFAULT_CONSTRAINTS = (
    (3, HOSTNAME_LABEL),
    (5, ZONE_LABEL),
)


def filter_topology_spread_constraints(pod: Pod, action: str) -> list[Constraint]:
    """``filterTopologySpreadConstraints``: the pod's constraints with ``whenUnsatisfiable ==
    action``, selectors merged with ``matchLabelKeys``."""
    out = []
    for c in pod.spec.topology_spread_constraints:
        if c.when_unsatisfiable != action:
            continue
        selector = merge_label_keys(c.label_selector, pod.metadata.labels, c.match_label_keys)
        out.append(Constraint(c.max_skew, c.topology_key, selector,
                              c.min_domains if c.min_domains is not None else 1,
                              c.node_affinity_policy or HONOR, c.node_taints_policy or IGNORE))
    return out


def build_default_constraints(pod: Pod, action: str, state: Any) -> list[Constraint]:
    """``buildDefaultConstraints``: the system defaults with ``DefaultSelector``; none when the
    action is DoNotSchedule or the selector is empty."""
    if action != SCHEDULE_ANYWAY:
        return []
    selector = default_selector(pod, state)
    if selector.empty:
        return []
    return [Constraint(skew, key, selector) for skew, key in SYSTEM_DEFAULT_CONSTRAINTS]


def node_labels_match_spread_constraints(labels: Labels, constraints: list[Constraint]) -> bool:
    """``nodeLabelsMatchSpreadConstraints``: the node carries every topology key."""
    keys = {k for k, _ in labels}
    return all(c.topology_key in keys for c in constraints)


def count_pods_match_selector(pods: tuple[Pod, ...], selector: LabelSelector | None, namespace: str) -> int:
    """``countPodsMatchSelector``."""
    if selector is None or selector.empty:
        return 0
    return sum(1 for p in pods if not p.metadata.deleting and p.metadata.namespace == namespace
               and selector.matches(p.metadata.labels))


@dataclass
class PreFilterState:
    """``preFilterState``: per constraint, matching pods per topology value."""

    constraints: list[Constraint]
    tp_value_to_match_num: list[dict[str, int]]

    def min_match_num(self, i: int) -> int:
        """``minMatchNum``: the global minimum, 0 with fewer than ``minDomains`` domains."""
        counts = self.tp_value_to_match_num[i]
        if len(counts) < self.constraints[i].min_domains:
            return 0
        return min(counts.values())


def cal_pre_filter_state(pod: Pod, snapshot: Snapshot) -> PreFilterState:
    """``calPreFilterState``."""
    if pod.spec.topology_spread_constraints:
        constraints = filter_topology_spread_constraints(pod, DO_NOT_SCHEDULE)
    else:
        constraints = build_default_constraints(pod, DO_NOT_SCHEDULE, snapshot.state)
    counts: list[dict[str, int]] = [{} for _ in constraints]
    if not constraints:
        return PreFilterState(constraints, counts)
    required = get_required_node_affinity(pod.spec)
    namespace = pod.metadata.namespace
    for info in snapshot.values():
        node = info.node
        labels = node.metadata.labels
        if not node_labels_match_spread_constraints(labels, constraints):
            continue
        values = dict(labels)
        for i, c in enumerate(constraints):
            if not c.match_node_inclusion_policies(pod, node, required):
                continue
            value = values[c.topology_key]
            counts[i][value] = counts[i].get(value, 0) + count_pods_match_selector(info.pods, c.selector, namespace)
    return PreFilterState(constraints, counts)


def round_half_away(x: float) -> int:
    """Go's ``math.Round``."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


@dataclass
class PreScoreState:
    constraints: list[Constraint]
    ignored_nodes: set[str]
    topology_value_to_pod_counts: list[dict[str, int]]
    topology_normalizing_weight: list[float]


class PodTopologySpread:
    name = "PodTopologySpread"
    weight = 2

    def __init__(self, weight: int = 2, *, system_defaulted: bool = True) -> None:
        self.weight = weight
        self.system_defaulted = system_defaulted

    # -- filter ----------------------------------------------------------------------------
    def pre_filter(self, pod: Pod, snapshot: Snapshot, cycle: CycleState) -> tuple[Status, None]:
        if not pod.spec.topology_spread_constraints:
            return SKIP, None  # the system defaults are all ScheduleAnyway
        state = cal_pre_filter_state(pod, snapshot)
        if not state.constraints:
            return SKIP, None
        cycle[_PRE_FILTER] = state
        return SUCCESS, None

    def filter(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> Status:
        state: PreFilterState | None = cycle.get(_PRE_FILTER) if cycle is not None else None
        if state is None or not state.constraints:
            return SUCCESS
        values = dict(info.node.metadata.labels)
        for i, c in enumerate(state.constraints):
            value = values.get(c.topology_key)
            if value is None:
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (ERR_REASON_NODE_LABEL_NOT_MATCH,), self.name)
            min_match = state.min_match_num(i)
            self_match = 1 if c.self_match(pod.metadata.labels) else 0
            match = state.tp_value_to_match_num[i].get(value, 0)
            if match + self_match - min_match > c.max_skew:
                return Status(Code.UNSCHEDULABLE, (ERR_REASON_CONSTRAINTS_NOT_MATCH,), self.name)
        return SUCCESS

    # -- score -----------------------------------------------------------------------------
    def pre_score(self, pod: Pod, snapshot: Snapshot, nodes: list[NodeInfo], cycle: CycleState) -> Status:
        if not snapshot:
            return SKIP
        require_all = bool(pod.spec.topology_spread_constraints) or not self.system_defaulted
        if pod.spec.topology_spread_constraints:
            constraints = filter_topology_spread_constraints(pod, SCHEDULE_ANYWAY)
        else:
            constraints = build_default_constraints(pod, SCHEDULE_ANYWAY, snapshot.state)
        if not constraints:
            return SKIP
        ignored: set[str] = set()
        counts: list[dict[str, int]] = [{} for _ in constraints]
        sizes = [0] * len(constraints)
        for info in nodes:
            labels = info.node.metadata.labels
            if require_all and not node_labels_match_spread_constraints(labels, constraints):
                ignored.add(info.name)
                continue
            values = dict(labels)
            for i, c in enumerate(constraints):
                if c.topology_key == HOSTNAME_LABEL:
                    continue
                value = values.get(c.topology_key, "")
                if value not in counts[i]:
                    counts[i][value] = 0
                    sizes[i] += 1
        weights = []
        for i, c in enumerate(constraints):
            size = len(nodes) - len(ignored) if c.topology_key == HOSTNAME_LABEL else sizes[i]
            weights.append(math.log(size + 2))
        required = get_required_node_affinity(pod.spec)
        namespace = pod.metadata.namespace
        for info in snapshot.values():
            node = info.node
            labels = node.metadata.labels
            if require_all and not node_labels_match_spread_constraints(labels, constraints):
                continue
            values = dict(labels)
            for i, c in enumerate(constraints):
                if not c.match_node_inclusion_policies(pod, node, required):
                    continue
                value = values.get(c.topology_key, "")
                if value not in counts[i]:
                    continue
                counts[i][value] += count_pods_match_selector(info.pods, c.selector, namespace)
        cycle[_PRE_SCORE] = PreScoreState(constraints, ignored, counts, weights)
        return SUCCESS

    def score(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> int:
        state: PreScoreState | None = cycle.get(_PRE_SCORE) if cycle is not None else None
        if state is None or info.name in state.ignored_nodes:
            return 0
        values = dict(info.node.metadata.labels)
        score = 0.0
        for i, c in enumerate(state.constraints):
            value = values.get(c.topology_key)
            if value is None:
                continue
            if c.topology_key == HOSTNAME_LABEL:
                cnt = count_pods_match_selector(info.pods, c.selector, pod.metadata.namespace)
            else:
                cnt = state.topology_value_to_pod_counts[i].get(value, 0)
            score += cnt * state.topology_normalizing_weight[i] + (c.max_skew - 1)
        return round_half_away(score)

    def normalize(self, scores: dict[str, int], cycle: CycleState | None = None) -> dict[str, int]:
        state: PreScoreState | None = cycle.get(_PRE_SCORE) if cycle is not None else None
        ignored = state.ignored_nodes if state is not None else set()
        live = [s for n, s in scores.items() if n not in ignored]
        if not live:
            return dict.fromkeys(scores, 0)
        low, high = min(live), max(live)
        out = {}
        for n, s in scores.items():
            if n in ignored:
                out[n] = 0
            elif high == 0:
                out[n] = MAX_NODE_SCORE
            else:
                out[n] = MAX_NODE_SCORE * (high + low - s) // high
        return out
