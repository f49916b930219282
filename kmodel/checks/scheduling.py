"""Scheduling checks decided by the modelled scheduler.

``unschedulable``: a pod of a workload fits no node at all, even on an empty cluster: every
node fails one of the scheduler's Filter plugins for it (``schedule_one`` in
:mod:`kmodel.scheduler`), so no replica will ever run. The finding carries the scheduler's own
FitError message (``0/3 nodes are available: 3 Insufficient cpu.``). Whether *all* replicas fit
together is a packing question, answered by the feasibility engine (Z3, CP-SAT at scale) in
:mod:`kmodel.checks.capacity`, whose analysis this check shares: pods that each fit some node
but not all together are reported here too, at the workload's ``spec.replicas``.

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
from kmodel.controllers import persistentvolume

__all__ = ["CHECKS"]

_STORAGE_KINDS = ("StorageClass", "PersistentVolume", "PersistentVolumeClaim")


def _unschedulable(inv: Inventory, opts: dict[str, Any]) -> Iterable[Finding]:
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
    # What the Filter plugins read besides nodes: the volumes (VolumeBinding, VolumeZone), with
    # Immediate claims bound by the PV controller first (each of its choices of zone).
    for obj in loaded.objects:
        if obj.kind in _STORAGE_KINDS:
            state, _ = apply(state, Create(obj))
    worlds = [(s, node_infos(s)) for s in _volumes_bound(state)]
    state, infos = worlds[0]
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
        results = [schedule_one(pod, i) for _, i in worlds]
        if any(r.feasible for r in results):
            continue
        result = results[0]
        doc = by_ref.get((obj.kind, obj.metadata.namespace or "default", obj.metadata.name))
        if doc is None:
            continue
        yield finding(UNSCHEDULABLE, doc, f"no node can ever run a pod of {obj.kind}/{obj.metadata.name}, even on "
                      f"an empty cluster: {result.message(len(infos))}", _culprit(pod, result, spec_path))
    from kmodel.checks.capacity import packing_findings

    yield from packing_findings(UNSCHEDULABLE, inv, opts)


def _volumes_bound(state: ClusterState, limit: int = 64) -> list[ClusterState]:
    """The states the PV controller's binding of Immediate claims can end in (every zone it may
    provision in is a choice), at most ``limit``; the given state when nothing is to bind."""
    keys = [c.ref for c in state.list("PersistentVolumeClaim")]
    frontier, done, seen = [state], [], {state}
    while frontier and len(done) + len(frontier) <= limit:
        current = frontier.pop()
        alternatives = [alt for key in keys for alt in _alternatives(persistentvolume.reconcile(current, key))]
        if not alternatives:
            done.append(current)
            continue
        for reqs in alternatives:
            nxt = current
            for req in reqs:
                nxt, _ = apply(nxt, req)
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return done + frontier or [state]


def _alternatives(result: tuple[Any, ...]) -> tuple[tuple[Any, ...], ...]:
    """A controller's answer as alternatives: one tuple of requests, or several."""
    if not result:
        return ()
    return result if isinstance(result[0], tuple) else (result,)


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
    "unschedulable", "error", "scheduler+z3/cp-sat",
    "A workload's pod fits no node, even on an empty cluster, or the pods do not all fit together.",
    "The scheduler runs its Filter plugins (resources, taints and tolerations, node selector, "
    "cordoned nodes, ...) on every node; when every node fails one of them for a pod, the pod "
    "stays Pending forever. kmodel runs the same filters on the given nodes and reports the "
    "scheduler's own message. When every pod fits some node but they do not all fit together, the "
    "solver (Z3, CP-SAT for large inputs) says how many fit at most and why (its unsat explanation).",
    "# nodes of 2 CPU; a container requesting cpu: 3",
    "# nodes of 4 CPU; a container requesting cpu: 3",
    _unschedulable,
    ("Pod", "Deployment", "ReplicaSet"))

CHECKS: tuple[Check, ...] = (UNSCHEDULABLE,)
