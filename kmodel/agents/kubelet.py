"""The kubelet's pod lifecycle, one pod per step.

For each pod bound to a node whose kubelet is alive (the node is Ready), the kubelet may:

* **admit and start** a pending pod: the admission check (``lifecycle.GeneralPredicates``)
  rejects a pod that does not fit the node's allocatable resources beside the pods already
  running there, that does not tolerate a NoExecute taint, or whose node selector does not
  match: the pod becomes ``Failed`` with reason ``OutOf<resource>``, ``NodeAffinity`` or
  ``Taint``. Otherwise its containers start and it becomes ``Running`` with Initialized,
  ContainersReady and Ready True (image pulls, init containers and readiness probes collapse
  into this one step; probes come with the self-healing issue);
* **restart** crashed containers when ``restartPolicy`` is Always or OnFailure (the restart
  count goes up; CrashLoopBackOff's delays are abstract timers that may expire at any point);
* **report ready** again a running pod whose Ready condition was set False while its node was
  unreachable;
* **finish terminating** a pod being deleted: containers are stopped and the kubelet deletes the
  pod with grace period 0.

A kubelet on a node that is not Ready does nothing: that is what a crashed node is.

Upstream: ``pkg/kubelet/kubelet.go`` (``HandlePodAdditions``, ``canAdmitPod``),
``pkg/kubelet/lifecycle/predicate.go``, ``pkg/kubelet/kubelet_pods.go`` (``getPhase``,
``generateAPIPodStatus``), ``pkg/kubelet/status/status_manager.go`` (final deletion).
"""

from __future__ import annotations

from collections.abc import Iterator

from kmodel.api import Delete, Request, UpdateStatus, set_pod_conditions
from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.nodes import find_untolerated_taint, resource_get
from kmodel.objects.workloads import RUNNING, Pod, pod_requests
from kmodel.state import ClusterState

__all__ = ["pending", "reconcile"]


def _node_alive(state: ClusterState, name: str):  # type: ignore[no-untyped-def]
    node = state.get(ObjectRef("Node", "", name))
    return node if node is not None and node.ready else None


def pending(state: ClusterState) -> Iterator[ObjectRef]:
    """Pods the kubelet of their node has something to do for."""
    for pod in state.list("Pod"):
        if pod.spec.node_name and reconcile(state, pod.ref):
            yield pod.ref


def _admission_failure(state: ClusterState, pod: Pod, node) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    if find_untolerated_taint(node.spec.taints, pod.spec.tolerations, ("NoExecute",)) is not None:
        return "Taint", "Pod was rejected: Predicate TaintToleration failed"
    labels = dict(node.metadata.labels)
    if any(labels.get(k) != v for k, v in pod.spec.node_selector):
        return "NodeAffinity", "Pod was rejected: Predicate NodeAffinity failed"
    used: dict[str, int] = {}
    count = 0
    for other in state.list("Pod"):
        if (other.spec.node_name == node.name and other.status.phase == "Running"
                and other.ref != pod.ref):
            count += 1
            for k, v in pod_requests(other.spec):
                used[k] = used.get(k, 0) + v
    allocatable = node.status.allocatable
    if count + 1 > resource_get(allocatable, "pods"):
        return "OutOfpods", "Pod was rejected: Node didn't have enough resource: pods"
    for name, amount in pod_requests(pod.spec):
        if name != "pods" and amount > 0 and amount > resource_get(allocatable, name) - used.get(name, 0):
            return f"OutOf{name}", f"Pod was rejected: Node didn't have enough resource: {name}"
    return None


def reconcile(state: ClusterState, key: ObjectRef) -> tuple[Request, ...]:
    """What the kubelet does next for the pod at ``key`` (empty when nothing)."""
    pod = state.get(key)
    if pod is None or not pod.spec.node_name:
        return ()
    node = _node_alive(state, pod.spec.node_name)
    if node is None:
        return ()
    status = pod.status
    if pod.metadata.deleting:
        return (Delete(key, grace_period=0),)
    if status.phase == "Pending":
        failure = _admission_failure(state, pod, node)
        if failure is not None:
            reason, _message = failure
            new = replace(status, phase="Failed", conditions=set_pod_conditions(
                status.conditions, Ready="False", ContainersReady="False"))
            new = replace(new, conditions=tuple(replace(c, reason=reason) if c.type == "Ready" else c
                                                for c in new.conditions))
            return (UpdateStatus(replace(pod, status=new)),)
        new = replace(status, phase="Running", containers=RUNNING, conditions=set_pod_conditions(
            status.conditions, PodScheduled="True", Initialized="True", ContainersReady="True", Ready="True"))
        return (UpdateStatus(replace(pod, status=new)),)
    if status.phase != "Running":
        return ()
    if status.containers != RUNNING:
        if pod.spec.restart_policy in ("Always", "OnFailure"):
            new = replace(status, containers=RUNNING, restart_count=status.restart_count + 1,
                          conditions=set_pod_conditions(status.conditions, ContainersReady="True", Ready="True"))
            return (UpdateStatus(replace(pod, status=new)),)
        return ()
    ready = status.condition("Ready")
    if ready is None or ready.status != "True":
        new = replace(status, conditions=set_pod_conditions(status.conditions, ContainersReady="True", Ready="True"))
        return (UpdateStatus(replace(pod, status=new)),)
    return ()
