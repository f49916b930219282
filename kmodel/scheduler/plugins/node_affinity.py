"""NodeAffinity (``pkg/scheduler/framework/plugins/nodeaffinity/node_affinity.go``), the
``spec.nodeSelector`` part: every selector label must be on the node with the same value.
Required and preferred affinity terms come with the scheduler issue."""

from __future__ import annotations

from kmodel.objects.workloads import Pod
from kmodel.scheduler.framework import SUCCESS, Code, NodeInfo, Status

ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"


class NodeAffinity:
    name = "NodeAffinity"

    def filter(self, pod: Pod, info: NodeInfo) -> Status:
        selector = pod.spec.node_selector
        if selector:
            labels = dict(info.node.metadata.labels)
            for k, v in selector:
                if labels.get(k) != v:
                    return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, (ERR_REASON_POD,), self.name)
        return SUCCESS
