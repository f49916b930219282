"""Faults: environment steps the explorer may take, bounded per scenario.

* **Node crash** (``nodeFailures``): a Ready node stops. What the control plane then does is
  collapsed into the step: the node lifecycle controller marks the node's Ready condition
  ``Unknown`` (reason ``NodeStatusUnknown``), taints it ``node.kubernetes.io/unreachable:NoSchedule``
  (``doNoScheduleTaintingPass``) and marks its pods not ready (``MarkPodsNotReady``). The
  NoExecute taint and taint-based eviction come with the node lifecycle issue: until then a
  crashed node's pods are not replaced.
* **Node recovery**: the crashed node's kubelet posts Ready again and the NoSchedule taint is
  lifted; the kubelet then reports its running pods ready (its own step). Recovery is a *fair*
  step: liveness assumes, as a named fairness assumption (``crashed-nodes-recover``), that a
  crashed node eventually recovers.
* **Pod crash** (``podCrashes``): a running container of a running pod on a live node exits
  with an error: the pod is not ready, and with ``restartPolicy: Never`` it is ``Failed``;
  otherwise the kubelet restarts it.

Upstream: ``pkg/controller/nodelifecycle/node_lifecycle_controller.go``
(``tryUpdateNodeHealth``, ``markNodeAsReachable``), ``pkg/controller/util/node/controller_utils.go``
(``MarkPodsNotReady``), ``pkg/kubelet/kubelet_pods.go`` (``getPhase``).
"""

from __future__ import annotations

from kmodel.api import Update, UpdateStatus, apply, set_pod_conditions
from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.nodes import TAINT_UNREACHABLE, Node, NodeCondition, Taint
from kmodel.objects.workloads import RUNNING, TERMINATED, Pod
from kmodel.state import ClusterState

__all__ = ["crash_node", "recover_node", "crash_pod", "crashable_nodes", "recoverable_nodes",
           "crashable_pods", "UNREACHABLE_NOSCHEDULE"]

UNREACHABLE_NOSCHEDULE = Taint(TAINT_UNREACHABLE, "NoSchedule")
_CRASHED_REASON = "NodeStatusUnknown"


def _set_ready(node: Node, status: str, reason: str) -> Node:
    conditions = tuple(c for c in node.status.conditions if c.type != "Ready")
    conditions = (NodeCondition("Ready", status, reason),) + conditions
    return replace(node, status=replace(node.status, conditions=conditions))


def crashable_nodes(state: ClusterState) -> list[Node]:
    return [n for n in state.list("Node") if n.ready]


def recoverable_nodes(state: ClusterState) -> list[Node]:
    return [n for n in state.list("Node")
            if (c := n.condition("Ready")) is not None and c.reason == _CRASHED_REASON]


def crashable_pods(state: ClusterState) -> list[Pod]:
    live = {n.name for n in state.list("Node") if n.ready}
    return [p for p in state.list("Pod")
            if p.spec.node_name in live and p.status.phase == "Running"
            and p.status.containers == RUNNING and not p.metadata.deleting]


def crash_node(state: ClusterState, name: str) -> ClusterState:
    node = state.get(ObjectRef("Node", "", name))
    assert node is not None
    crashed = _set_ready(node, "Unknown", _CRASHED_REASON)
    state, _ = apply(state, UpdateStatus(crashed))
    if UNREACHABLE_NOSCHEDULE not in crashed.spec.taints:
        tainted = replace(crashed, spec=replace(crashed.spec, taints=crashed.spec.taints + (UNREACHABLE_NOSCHEDULE,)))
        state, _ = apply(state, Update(tainted))
    for pod in state.list("Pod"):
        if pod.spec.node_name == name and pod.status.phase not in ("Succeeded", "Failed"):
            ready = pod.status.condition("Ready")
            if ready is None or ready.status != "False":
                new = replace(pod.status, conditions=set_pod_conditions(pod.status.conditions, Ready="False"))
                state, _ = apply(state, UpdateStatus(replace(pod, status=new)))
    return state


def recover_node(state: ClusterState, name: str) -> ClusterState:
    node = state.get(ObjectRef("Node", "", name))
    assert node is not None
    state, _ = apply(state, UpdateStatus(_set_ready(node, "True", "KubeletReady")))
    node = state.get(node.ref)
    taints = tuple(t for t in node.spec.taints if t != UNREACHABLE_NOSCHEDULE)
    if taints != node.spec.taints:
        state, _ = apply(state, Update(replace(node, spec=replace(node.spec, taints=taints))))
    return state


def crash_pod(state: ClusterState, ref: ObjectRef) -> ClusterState:
    pod = state.get(ref)
    assert pod is not None
    status = replace(pod.status, containers=TERMINATED,
                     conditions=set_pod_conditions(pod.status.conditions, ContainersReady="False", Ready="False"))
    if pod.spec.restart_policy == "Never":
        status = replace(status, phase="Failed")
    state, _ = apply(state, UpdateStatus(replace(pod, status=status)))
    return state
