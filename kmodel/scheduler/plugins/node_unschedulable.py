"""NodeUnschedulable (``pkg/scheduler/framework/plugins/nodeunschedulable/node_unschedulable.go``):
a cordoned node (``spec.unschedulable``) accepts only pods tolerating
``node.kubernetes.io/unschedulable:NoSchedule``."""

from __future__ import annotations

from kmodel.objects.nodes import TAINT_UNSCHEDULABLE, Taint, tolerates_taint
from kmodel.objects.workloads import Pod
from kmodel.scheduler.framework import SUCCESS, Code, CycleState, NodeInfo, Status

_TAINT = Taint(TAINT_UNSCHEDULABLE, "NoSchedule")
ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"


class NodeUnschedulable:
    name = "NodeUnschedulable"

    def filter(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> Status:
        if not info.node.spec.unschedulable:
            return SUCCESS
        if any(tolerates_taint(t, _TAINT) for t in pod.spec.tolerations):
            return SUCCESS
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (ERR_REASON_UNSCHEDULABLE,), self.name)
