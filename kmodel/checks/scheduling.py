"""Scheduling checks decided by the modelled scheduler.

``unschedulable``: a pod of a workload fits no node at all, even on an empty cluster: every
node fails one of the scheduler's Filter plugins for it (``schedule_one`` in
:mod:`kmodel.scheduler`), so no replica will ever run. The finding carries the scheduler's own
FitError message (``0/3 nodes are available: 3 Insufficient cpu.``). Whether *all* replicas fit
together is a packing question, answered with the Z3 feasibility engine.

Checks here need nodes: Node objects in the input (``kubectl get nodes -o yaml``). Without nodes
they report nothing and ``kmodel check`` says that scheduling was not checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kmodel.api import Create, apply
from kmodel.checks import Check, Finding, Inventory, finding
from kmodel.objects.meta import Namespace, ObjectMeta, replace
from kmodel.objects.workloads import Pod
from kmodel.scheduler.framework import node_infos, schedule_one
from kmodel.state import ClusterState

__all__ = ["CHECKS"]


def _unschedulable(inv: Inventory, _opts: dict[str, Any]) -> Iterable[Finding]:
    loaded = inv.loaded
    if loaded is None:
        return
    nodes = [o for o in loaded.objects if o.kind == "Node"]
    if not nodes:
        return
    state = ClusterState.empty()
    for obj in [Namespace(ObjectMeta(n)) for n in sorted({o.metadata.namespace or "default" for o in loaded.objects
                                                         if o.kind not in ("Node", "Namespace")} | {"default"})]:
        state, _ = apply(state, Create(obj))
    for node in nodes:
        state, _ = apply(state, Create(node))
    infos = node_infos(state)
    by_ref = {(d.kind, d.namespace, d.name): d for d in inv.documents}
    for obj in loaded.objects:
        if obj.kind in ("ReplicaSet", "Deployment"):
            template = obj.spec.template
            pod = Pod(ObjectMeta(f"{obj.metadata.name}-x", obj.metadata.namespace or "default", labels=template.labels),
                      template.spec)
            spec_path = "spec.template.spec"
        elif obj.kind == "Pod" and not obj.spec.node_name:
            pod, spec_path = obj, "spec"
        else:
            continue
        pod = replace(pod, spec=replace(pod.spec, node_name=""))
        result = schedule_one(pod, infos)
        if result.feasible:
            continue
        doc = by_ref.get((obj.kind, obj.metadata.namespace or "default", obj.metadata.name))
        if doc is None:
            continue
        yield finding(UNSCHEDULABLE, doc, f"no node can ever run a pod of {obj.kind}/{obj.metadata.name}, even on "
                      f"an empty cluster: {result.message(len(infos))}", _culprit(pod, result, spec_path))


def _culprit(pod: Pod, result: Any, spec_path: str) -> str:
    """The field to point at: the largest request of an insufficient resource, else the spec."""
    reasons = [r for status in result.diagnosis.values() for r in status.reasons]
    for reason in reasons:
        if reason.startswith("Insufficient "):
            resource = reason[len("Insufficient "):]
            best = None
            for i, c in enumerate(pod.spec.containers):
                amount = dict(c.requests).get(resource, 0)
                if amount and (best is None or amount > best[1]):
                    best = (i, amount)
            if best is not None:
                return f'{spec_path}.containers[{best[0]}].resources.requests["{resource}"]' \
                    if "/" in resource or "." in resource else \
                    f"{spec_path}.containers[{best[0]}].resources.requests.{resource}"
    if pod.spec.node_selector:
        return f"{spec_path}.nodeSelector"
    if pod.spec.tolerations:
        return f"{spec_path}.tolerations"
    return f"{spec_path}.containers"


UNSCHEDULABLE = Check(
    "unschedulable", "error", "scheduler",
    "A workload's pod fits no node, even on an empty cluster.",
    "The scheduler runs its Filter plugins (resources, taints and tolerations, node selector, "
    "cordoned nodes, ...) on every node; when every node fails one of them for a pod, the pod "
    "stays Pending forever. kmodel runs the same filters on the given nodes and reports the "
    "scheduler's own message.",
    "# nodes of 2 CPU; a container requesting cpu: 3",
    "# nodes of 4 CPU; a container requesting cpu: 3",
    _unschedulable,
    ("Pod", "Deployment", "ReplicaSet"))

CHECKS: tuple[Check, ...] = (UNSCHEDULABLE,)
