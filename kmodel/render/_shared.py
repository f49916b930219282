"""Helpers shared by the architecture and workload views (private)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kmodel.manifests import Document
from kmodel.objects.meta import LabelSelector
from kmodel.objects.nodes import format_resource, resource_get
from kmodel.objects.workloads import Pod, is_pod_ready
from kmodel.render.inputs import (
    Inputs,
    Workload,
    _get,
    _int_or_string,
    _selector,
    count_healthy_pods,
    disruptions_allowed,
    get_expected_pod_count,
)
from kmodel.render.style import PALETTE
from kmodel.scheduler.framework import node_infos, schedule_one

__all__: list[str] = []

#: Controllers upstream runs for a kind, by the name kmodel gives (or will give) them.
CONTROLLER_FOR_KIND = {
    "Deployment": "deployment-controller",
    "ReplicaSet": "replicaset-controller",
    "StatefulSet": "statefulset-controller",
    "DaemonSet": "daemonset-controller",
    "Job": "job-controller",
    "CronJob": "cronjob-controller",
    "Service": "endpointslice-controller",
    "HorizontalPodAutoscaler": "horizontal-pod-autoscaler",
    "PodDisruptionBudget": "disruption-controller",
}


def resources_text(resources: Any, *, per: str = "") -> str:
    """``250m CPU · 256Mi`` from model resources (cpu and memory only)."""
    parts = []
    cpu, mem = resource_get(resources, "cpu"), resource_get(resources, "memory")
    if cpu:
        parts.append(f"{format_resource('cpu', cpu)} CPU")
    if mem:
        parts.append(format_resource("memory", mem))
    text = " · ".join(parts)
    return f"{text}{per}" if text else ""


def status_class(pod: Pod) -> str:
    """The bucket a pod is counted in: running, not-ready, pending, terminating, succeeded, failed."""
    if pod.metadata.deleting:
        return "terminating"
    phase = pod.status.phase
    if phase == "Succeeded":
        return "succeeded"
    if phase == "Failed":
        return "failed"
    if not pod.spec.node_name:
        return "pending"
    if phase == "Running" and is_pod_ready(pod):
        return "running"
    if phase == "Pending":
        return "starting"
    return "not-ready"


STATUS_TEXT = {"running": "Running, ready", "not-ready": "not ready", "pending": "Pending", "terminating": "terminating",
               "succeeded": "Succeeded", "failed": "Failed", "starting": "bound, starting"}
STATUS_MARKS = {"not-ready": ("not-ready",), "terminating": ("terminating",), "failed": ("not-ready",),
                "starting": ("not-ready",)}


def top_owner(inputs: Inputs, pod: Pod) -> tuple[str, str] | None:
    """``(kind, name)`` of the pod's top-level controller (a Deployment through its ReplicaSet)."""
    ref = pod.metadata.controller_ref()
    if ref is None:
        return None
    if ref.kind == "ReplicaSet":
        from kmodel.objects.meta import ObjectRef

        rs = inputs.state.get(ObjectRef("ReplicaSet", pod.metadata.namespace, ref.name))
        up = rs.metadata.controller_ref() if rs is not None else None
        if up is not None and up.kind == "Deployment":
            return ("Deployment", up.name)
    return (ref.kind, ref.name)


def palette(inputs: Inputs) -> dict[tuple[str, str, str], str]:
    """A fill colour per top-level workload ``(kind, namespace, name)``, in drawing order."""
    out: dict[tuple[str, str, str], str] = {}
    i = 0
    for w in inputs.workloads():
        if w.owner is not None:
            continue
        out[(w.kind, w.namespace, w.name)] = PALETTE[i % len(PALETTE)]
        i += 1
    return out


@dataclass(frozen=True)
class Hpa:
    namespace: str
    name: str
    target_kind: str
    target_name: str
    min_replicas: int
    max_replicas: int
    metrics: tuple[str, ...]
    doc: Document

    @property
    def text(self) -> str:
        metrics = f" on {', '.join(self.metrics)}" if self.metrics else ""
        return f"HPA {self.min_replicas}–{self.max_replicas}{metrics}"


def hpas(inputs: Inputs) -> list[Hpa]:
    out = []
    for doc in inputs.docs("HorizontalPodAutoscaler"):
        metrics = []
        for i, m in enumerate(_get(doc, "spec.metrics", list, [])):
            base = f"spec.metrics[{i}]"
            name = _get(doc, f"{base}.resource.name", str)
            util = _get(doc, f"{base}.resource.target.averageUtilization", int)
            if name and util is not None:
                metrics.append(f"{name} {util}%")
            elif name:
                metrics.append(name)
            elif isinstance(m, dict) and m.get("type"):
                metrics.append(str(m["type"]).lower())
        if not metrics and doc.api_version == "autoscaling/v1":
            util = _get(doc, "spec.targetCPUUtilizationPercentage", int)
            if util is not None:
                metrics.append(f"cpu {util}%")
        out.append(Hpa(doc.namespace, doc.name, _get(doc, "spec.scaleTargetRef.kind", str, ""),
                       _get(doc, "spec.scaleTargetRef.name", str, ""), _get(doc, "spec.minReplicas", int, 1),
                       _get(doc, "spec.maxReplicas", int, 0), tuple(metrics), doc))
    return out


@dataclass(frozen=True)
class Pdb:
    namespace: str
    name: str
    selector: LabelSelector | None
    min_available: int | str | None
    max_unavailable: int | str | None
    doc: Document

    @property
    def text(self) -> str:
        if self.max_unavailable is not None:
            return f"PDB maxUnavailable {self.max_unavailable}"
        if self.min_available is not None:
            return f"PDB minAvailable {self.min_available}"
        return "PDB"


def pdbs(inputs: Inputs) -> list[Pdb]:
    return [Pdb(d.namespace, d.name, _selector(d, "spec.selector"), _int_or_string(d, "spec.minAvailable"),
                _int_or_string(d, "spec.maxUnavailable"), d) for d in inputs.docs("PodDisruptionBudget")]


def selected_workloads(inputs: Inputs, namespace: str, selector: LabelSelector | None) -> list[Workload]:
    """Top-level workloads in ``namespace`` whose template the selector matches."""
    if selector is None:
        return []
    return [w for w in inputs.workloads() if w.namespace == namespace and w.owner is None
            and selector.matches(w.template_labels)]


def pdb_blocked(inputs: Inputs, pdb: Pdb) -> str:
    """Why the budget allows no voluntary disruption (``updatePdbStatus``), or ``""``."""
    workloads = selected_workloads(inputs, pdb.namespace, pdb.selector)
    scale = sum(w.replicas or 0 for w in workloads)
    pods = [p for p in inputs.state.list("Pod", pdb.namespace)
            if pdb.selector is not None and pdb.selector.matches(p.metadata.labels)]
    try:
        expected, desired = get_expected_pod_count(pdb.min_available, pdb.max_unavailable, len(pods) or scale, scale)
    except ValueError as exc:
        from kmodel.render.inputs import _fail

        path = "spec.maxUnavailable" if pdb.max_unavailable is not None else "spec.minAvailable"
        raise _fail(pdb.doc, path, str(exc)) from None
    healthy = count_healthy_pods(pods) if pods else expected
    if expected <= 0 or disruptions_allowed(healthy, desired, expected) > 0:
        return ""
    counts = f"{healthy} healthy, {desired} required" if pods else f"{desired} of {expected} pods must stay available"
    return (f"PodDisruptionBudget {pdb.namespace}/{pdb.name} allows no eviction ({counts}): draining a node "
            "that runs its pods blocks")


def pending_reasons(inputs: Inputs) -> dict[str, str]:
    """Pending, unbound pods the model's scheduler cannot place now, by ``namespace/name``:
    the scheduler's FitError message."""
    infos = None
    out = {}
    for pod in inputs.pods():
        if pod.spec.node_name or pod.metadata.deleting or pod.status.phase != "Pending":
            continue
        infos = infos if infos is not None else node_infos(inputs.state)
        result = schedule_one(pod, infos)
        if not result.feasible:
            out[f"{pod.metadata.namespace}/{pod.metadata.name}"] = result.message(len(infos))
    return out


def workload_badges(inputs: Inputs, w: Workload, hpa_list: list[Hpa], pdb_list: list[Pdb],
                    pods: list[Pod]) -> list[str]:
    badges = []
    if w.replicas is None:
        badges.append("one pod per node" if w.kind == "DaemonSet" else "")
    else:
        members = len(inputs.members(w.namespace))
        want = w.replicas * members
        text = f"×{w.replicas} replicas" + (f" (×{want} in {members} namespaces)" if members > 1 else "")
        modelled = CONTROLLER_FOR_KIND.get(w.kind) in {c.name for c in inputs.model.controllers}
        if pods or (inputs.settled and modelled):
            ready = sum(1 for p in pods if is_pod_ready(p) and not p.metadata.deleting)
            text += f", {ready}/{want} ready"
        badges.append(text)
    req = resources_text(w.requests, per=" per pod")
    if req:
        badges.append(f"requests {req}")
    badges.extend(w.extra)
    for h in hpa_list:
        if h.namespace == w.namespace and h.target_kind == w.kind and h.target_name == w.name:
            badges.append(h.text)
    for p in pdb_list:
        if p.namespace == w.namespace and p.selector is not None and p.selector.matches(w.template_labels):
            badges.append(p.text)
    return [b for b in badges if b]
