"""TaintToleration (``pkg/scheduler/framework/plugins/tainttoleration/taint_toleration.go``).

Filter: a NoSchedule or NoExecute taint the pod does not tolerate rejects the node.
Score: the number of PreferNoSchedule taints the pod does not tolerate, normalised in reverse
(fewer is better), weight 3.
"""

from __future__ import annotations

from kmodel.objects.nodes import find_untolerated_taint, tolerates_taint
from kmodel.objects.workloads import Pod
from kmodel.scheduler.framework import MAX_NODE_SCORE, SUCCESS, Code, NodeInfo, Status


def default_normalize_score(scores: dict[str, int], *, reverse: bool) -> dict[str, int]:
    """``helper.DefaultNormalizeScore``: scale to [0, 100] by the maximum, optionally reversed."""
    top = max(scores.values(), default=0)
    if top == 0:
        return {n: MAX_NODE_SCORE if reverse else 0 for n in scores}
    out = {}
    for n, s in scores.items():
        v = MAX_NODE_SCORE * s // top
        out[n] = MAX_NODE_SCORE - v if reverse else v
    return out


class TaintToleration:
    name = "TaintToleration"
    weight = 3

    def filter(self, pod: Pod, info: NodeInfo) -> Status:
        taint = find_untolerated_taint(info.node.spec.taints, pod.spec.tolerations)
        if taint is None:
            return SUCCESS
        reason = f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}"
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (reason,), self.name)

    def score(self, pod: Pod, info: NodeInfo) -> int:
        tolerations = [t for t in pod.spec.tolerations if t.effect in ("", "PreferNoSchedule")]
        return sum(
            1
            for taint in info.node.spec.taints
            if taint.effect == "PreferNoSchedule" and not any(tolerates_taint(t, taint) for t in tolerations)
        )

    def normalize(self, scores: dict[str, int]) -> dict[str, int]:
        return default_normalize_score(scores, reverse=True)
