"""TaintToleration (``pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go``).

Filter: a NoSchedule or NoExecute taint the pod does not tolerate rejects the node.
Score: the number of PreferNoSchedule taints the pod does not tolerate, normalised in reverse
(fewer is better), weight 3.
"""

from __future__ import annotations

from kmodel.objects.nodes import find_untolerated_taint, tolerates_taint
from kmodel.objects.workloads import Pod
from kmodel.scheduler.framework import SUCCESS, Code, CycleState, NodeInfo, Status
from kmodel.scheduler.plugins.helper import default_normalize_score

__all__ = ["TaintToleration", "default_normalize_score"]



class TaintToleration:
    name = "TaintToleration"
    weight = 3

    def __init__(self, weight: int = 3) -> None:
        self.weight = weight

    def filter(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> Status:
        taint = find_untolerated_taint(info.node.spec.taints, pod.spec.tolerations)
        if taint is None:
            return SUCCESS
        reason = f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}"
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (reason,), self.name)

    def score(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> int:
        tolerations = [t for t in pod.spec.tolerations if t.effect in ("", "PreferNoSchedule")]
        return sum(
            1
            for taint in info.node.spec.taints
            if taint.effect == "PreferNoSchedule" and not any(tolerates_taint(t, taint) for t in tolerations)
        )

    def normalize(self, scores: dict[str, int], cycle: CycleState | None = None) -> dict[str, int]:
        return default_normalize_score(scores, reverse=True)
