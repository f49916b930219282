"""NodeAffinity (``pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go``).

PreFilter: *Skip* when the pod has neither ``spec.nodeSelector`` nor required node affinity;
when every required term names nodes with a ``metadata.name In`` field requirement, only those
nodes are evaluated (``PreFilterResult``), and terms whose name sets do not meet reject the pod
(``pod affinity terms conflict``).

Filter: the node must match ``spec.nodeSelector`` and the required terms
(:func:`~kmodel.objects.affinity.get_required_node_affinity`, ``match_node_selector_terms``);
otherwise UnschedulableAndUnresolvable, ``node(s) didn't match Pod's node affinity/selector``.

Score: the sum of the weights of the preferred terms the node matches
(``preferred_scheduling_terms_score``), normalised by ``DefaultNormalizeScore`` (not reversed);
weight 2 in the default profile; PreScore skips a pod without preferred terms.

Abstracted: the scheduler-profile ``addedAffinity`` argument (no profile adds one).
"""

from __future__ import annotations

from kmodel.objects.affinity import get_required_node_affinity, preferred_scheduling_terms_score
from kmodel.objects.workloads import Pod
from kmodel.scheduler.framework import SKIP, SUCCESS, Code, CycleState, NodeInfo, Snapshot, Status
from kmodel.scheduler.plugins.helper import default_normalize_score

ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_CONFLICT = "pod affinity terms conflict"
_KEY = "NodeAffinity"


class NodeAffinity:
    name = "NodeAffinity"
    weight = 2

    def __init__(self, weight: int = 2) -> None:
        self.weight = weight

    def pre_filter(self, pod: Pod, snapshot: Snapshot, cycle: CycleState) -> tuple[Status, frozenset[str] | None]:
        affinity = pod.spec.affinity
        na = affinity.node_affinity if affinity is not None else None
        required = na.required if na is not None else None
        if required is None and not pod.spec.node_selector:
            return SKIP, None
        cycle[_KEY] = get_required_node_affinity(pod.spec)
        if required is None or not required.node_selector_terms:
            return SUCCESS, None
        names: set[str] | None = None
        for term in required.node_selector_terms:
            term_names: set[str] | None = None
            for r in term.match_fields:
                if r.key == "metadata.name" and r.operator == "In":
                    s = set(r.values)
                    term_names = s if term_names is None else term_names & s
            if term_names is None:
                return SUCCESS, None  # terms are ORed: this one allows every node
            names = term_names if names is None else names | term_names
        if names is not None and not names:
            return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (ERR_REASON_CONFLICT,), self.name), None
        return SUCCESS, frozenset(names) if names else None

    def filter(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> Status:
        required = cycle.get(_KEY) if cycle is not None else None
        if required is None:
            required = get_required_node_affinity(pod.spec)
        if required.match(info.node):
            return SUCCESS
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (ERR_REASON_POD,), self.name)

    def pre_score(self, pod: Pod, snapshot: Snapshot, nodes: list[NodeInfo], cycle: CycleState) -> Status:
        affinity = pod.spec.affinity
        if affinity is None or affinity.node_affinity is None or not affinity.node_affinity.preferred:
            return SKIP
        return SUCCESS

    def score(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> int:
        affinity = pod.spec.affinity
        if affinity is None or affinity.node_affinity is None:
            return 0
        return preferred_scheduling_terms_score(affinity.node_affinity.preferred, info.node)

    def normalize(self, scores: dict[str, int], cycle: CycleState | None = None) -> dict[str, int]:
        return default_normalize_score(scores, reverse=False)
