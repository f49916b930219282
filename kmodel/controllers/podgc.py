"""The pod garbage collector, and the cloud node lifecycle controller that deletes Node objects
whose machine is gone.

Pod GC (``pkg/controller/podgc/gc_controller.go``): ``gcOrphaned`` (a pod bound to a node that
no longer exists: after the 40 s quarantine and a live check, it is marked ``Failed`` with
``DisruptionTarget`` reason ``DeletionByPodGC`` and force-deleted), ``gcUnscheduledTerminating``
(a terminating pod with no node: force-deleted), ``gcTerminating`` (a terminating pod on a node
that is not Ready and carries the ``node.kubernetes.io/out-of-service`` taint: non-graceful
node shutdown, marked Failed and force-deleted). ``gcTerminated`` (over 12,500 terminated pods)
is not modelled: no scenario comes near the threshold.

Cloud node lifecycle (``staging/src/k8s.io/cloud-provider/controllers/nodelifecycle/
node_lifecycle_controller.go``, ``MonitorNodes``): a node that is not Ready and whose instance
the cloud provider reports gone (the ``lost`` machine state of :mod:`kmodel.faults`) is deleted.

Abstracted: the quarantine and polling periods (timers: these steps may happen any time after
their condition holds, and eventually do).
"""

from __future__ import annotations

from typing import Any

from kmodel.api import Delete, Request, UpdateStatus
from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.workloads import PodCondition

__all__ = ["reconcile", "keys", "cloud_keys", "cloud_reconcile", "OUT_OF_SERVICE"]

OUT_OF_SERVICE = "node.kubernetes.io/out-of-service"


def _mark_failed_and_delete(pod: Any) -> tuple[Request, ...]:
    reqs: list[Request] = []
    if pod.status.phase not in ("Succeeded", "Failed"):
        others = tuple(c for c in pod.status.conditions if c.type != "DisruptionTarget")
        status = replace(pod.status, phase="Failed",
                         conditions=others + (PodCondition("DisruptionTarget", "True", "DeletionByPodGC"),))
        reqs.append(UpdateStatus(replace(pod, status=status)))
    reqs.append(Delete(pod.ref, grace_period=0))
    return tuple(reqs)


def keys(state: Any) -> list[ObjectRef]:
    return [p.ref for p in state.list("Pod") if reconcile(state, p.ref)]


def reconcile(state: Any, key: ObjectRef) -> tuple[Request, ...]:
    """What one pod GC pass does about the pod at ``key``."""
    pod = state.get(key)
    if pod is None:
        return ()
    node_name = pod.spec.node_name
    if not node_name:
        return (Delete(key, grace_period=0),) if pod.metadata.deleting else ()
    node = state.get(ObjectRef("Node", "", node_name))
    if node is None:
        return _mark_failed_and_delete(pod)
    if pod.metadata.deleting and not node.ready and any(t.key == OUT_OF_SERVICE for t in node.spec.taints):
        return _mark_failed_and_delete(pod)
    return ()


def cloud_keys(view: Any) -> list[ObjectRef]:
    from kmodel.faults import LOST, machine_state

    return [n.ref for n in view.cluster.list("Node") if machine_state(view.env, n.name) == LOST and not n.ready]


def cloud_reconcile(view: Any, key: ObjectRef) -> tuple[Request, ...]:
    """Delete the Node whose instance is gone (only once it is not Ready)."""
    from kmodel.faults import LOST, machine_state

    node = view.cluster.get(key)
    if node is None or node.ready or machine_state(view.env, node.name) != LOST:
        return ()
    return (Delete(key),)
