"""NodeName (``pkg/scheduler/framework/plugins/nodename/node_name.go``): a pod naming a node in
``spec.nodeName`` fits only that node."""

from __future__ import annotations

from kmodel.objects.workloads import Pod
from kmodel.scheduler.framework import SUCCESS, Code, CycleState, NodeInfo, Status

ERR_REASON = "node(s) didn't match the requested node name"


class NodeName:
    name = "NodeName"

    def filter(self, pod: Pod, info: NodeInfo, cycle: CycleState | None = None) -> Status:
        if not pod.spec.node_name or pod.spec.node_name == info.node.name:
            return SUCCESS
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (ERR_REASON,), self.name)
