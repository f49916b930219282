"""What the architecture and workload views draw from: the model's state and the manifests.

:func:`load_inputs` reads manifests the way ``kmodel check`` does (:mod:`kmodel.checks.runner`:
``.kmodel.yaml``, assumption files and ``NodePool`` shorthands included) and builds the
:class:`~kmodel.cluster.ClusterModel` that ``kmodel explore`` would check (the spec's own model
when the input has a Scenario). Its initial state, the objects as admitted by the model's API
server, is what is drawn; with ``settle=True`` the model's controllers (not its faults or user
events) run first, one deterministic step at a time (the first enabled step in the model's
order), until none has anything left to do: the diagram then shows where the model's scheduler
put the pods and which stay pending.

Kinds kmodel does not model yet (Service, Ingress, HorizontalPodAutoscaler,
PodDisruptionBudget, StatefulSet, DaemonSet, Job, NetworkPolicy, ConfigMap, Secret,
PersistentVolumeClaim, ServiceAccount...) are read from the documents as written
(:class:`kmodel.manifests.Document`), only the fields the views show; a field of the wrong type
is an :class:`~kmodel.errors.InvalidManifest` naming file, line, document and field.

**Identical namespaces.** With ``collapse`` on, namespaces whose manifests are identical apart
from the namespace (100 copies of one application) form one class, drawn once with its members
counted; the pods of every member are counted into the representative's boxes, so placements
and findings that differ between copies still show, as counts.

Upstream for the helpers named after it: ``pkg/controller/disruption/disruption.go``
(``getExpectedPodCount``, ``countHealthyPods``, ``updatePdbStatus``),
``staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go`` (``GetScaledValueFromIntOrPercent``);
their cases in ``tests/render/test_inputs.py`` come from ``disruption_test.go`` and
``intstr_test.go``.
Abstracted: PDB ``disruptedPods`` (no eviction is modelled), unmanaged pods; the expected count
is the scale of the top-level controllers of the matching pods or templates.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from kmodel.errors import InvalidManifest, InvalidModel
from kmodel.manifests import Document
from kmodel.objects.meta import LabelSelector, LabelSelectorRequirement, Namespace, ObjectMeta, labels_of
from kmodel.objects.nodes import Resources
from kmodel.objects.quantity import quantity_from_yaml
from kmodel.objects.workloads import Pod, is_pod_ready, pod_requests
from kmodel.render.config import DiagramConfig
from kmodel.state import ClusterState

__all__ = ["Inputs", "Workload", "Service", "ServicePort", "Ingress", "IngressPath", "Reference", "load_inputs",
           "settle", "get_expected_pod_count", "count_healthy_pods", "disruptions_allowed", "get_scaled_value_from_int_or_percent",
           "WORKLOAD_KINDS"]

#: Kinds with a pod template, in the order they are drawn.
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob")
_TEMPLATE = {
    "Deployment": "spec.template", "ReplicaSet": "spec.template", "StatefulSet": "spec.template",
    "DaemonSet": "spec.template", "ReplicationController": "spec.template", "Job": "spec.template",
    "CronJob": "spec.jobTemplate.spec.template",
}
_MODELLED = ("Deployment", "ReplicaSet")


# -- typed reading of documents ------------------------------------------------------------------

def _fail(doc: Document, path: str, message: str) -> InvalidManifest:
    return InvalidManifest(message, file=doc.source.file, line=doc.line(path), document=doc.source.document,
                           field=path)


def _get(doc: Document, path: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
    value = doc.get(path)
    if value is None:
        return default
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise _fail(doc, path, f"expected {_name(kind)}, got a boolean")
    if not isinstance(value, kind):
        raise _fail(doc, path, f"expected {_name(kind)}, got {type(value).__name__} {value!r}")
    return value


def _name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", int: "an integer", dict: "a mapping", list: "a list", bool: "a boolean"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _str_map(doc: Document, path: str) -> tuple[tuple[str, str], ...]:
    value = _get(doc, path, dict, {})
    for k, v in value.items():
        if not isinstance(v, str):
            raise _fail(doc, f"{path}.{k}", f"expected a string, got {v!r}; quote it")
    return labels_of(value)


def _selector(doc: Document, path: str) -> LabelSelector | None:
    """A ``metav1.LabelSelector`` at ``path`` (``None`` when absent)."""
    value = _get(doc, path, dict)
    if value is None:
        return None
    reqs = []
    for i, expr in enumerate(_get(doc, f"{path}.matchExpressions", list, [])):
        p = f"{path}.matchExpressions[{i}]"
        if not isinstance(expr, dict):
            raise _fail(doc, p, "expected a mapping")
        op = _get(doc, f"{p}.operator", str, "")
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise _fail(doc, f"{p}.operator", f"unsupported operator {op!r} (In, NotIn, Exists, DoesNotExist)")
        values = _get(doc, f"{p}.values", list, [])
        reqs.append(LabelSelectorRequirement(_get(doc, f"{p}.key", str, ""), op, tuple(sorted(map(str, values)))))
    return LabelSelector(_str_map(doc, f"{path}.matchLabels"), tuple(reqs))


def _int_or_string(doc: Document, path: str) -> int | str | None:
    return _get(doc, path, (int, str))


def get_scaled_value_from_int_or_percent(value: int | str, total: int, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``: an integer as is, ``"N%"`` of ``total``.

    >>> get_scaled_value_from_int_or_percent("50%", 3, True), get_scaled_value_from_int_or_percent("50%", 3, False)
    (2, 1)
    >>> get_scaled_value_from_int_or_percent(2, 10, True)
    2
    """
    if isinstance(value, int):
        return value
    if not value.endswith("%") or not value[:-1].isdigit():
        raise ValueError(f"invalid value for IntOrString: invalid type: string is not a percentage: {value!r}")
    percent = int(value[:-1])
    scaled = percent * total
    return math.ceil(scaled / 100) if round_up else scaled // 100


# -- what the views read --------------------------------------------------------------------------

@dataclass(frozen=True)
class Workload:
    """An object with a pod template: a modelled one (from the state) or one read from its document."""

    kind: str
    namespace: str
    name: str
    uid: str
    labels: tuple[tuple[str, str], ...]
    template_labels: tuple[tuple[str, str], ...]
    selector: LabelSelector | None
    replicas: int | None  # None: one per node (DaemonSet) or not a count (CronJob)
    requests: Resources
    ports: tuple[tuple[str, int, str], ...]  # (name, containerPort, protocol)
    owner: tuple[str, str] | None = None  # controller owner (kind, name)
    doc: Document | None = field(default=None, compare=False, repr=False)
    extra: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.namespace}/{self.name}"


@dataclass(frozen=True)
class ServicePort:
    name: str
    port: int
    target: int | str
    protocol: str = "TCP"
    node_port: int | None = None


@dataclass(frozen=True)
class Service:
    namespace: str
    name: str
    type: str
    selector: tuple[tuple[str, str], ...] | None
    ports: tuple[ServicePort, ...]
    headless: bool
    external_traffic_policy: str
    internal_traffic_policy: str
    publish_not_ready: bool
    annotations: tuple[tuple[str, str], ...]
    labels: tuple[tuple[str, str], ...]
    doc: Document = field(compare=False, repr=False)

    @property
    def id(self) -> str:
        return f"Service/{self.namespace}/{self.name}"


@dataclass(frozen=True)
class IngressPath:
    host: str
    path: str
    path_type: str
    service: str
    port: int | str | None
    field: str


@dataclass(frozen=True)
class Ingress:
    namespace: str
    name: str
    class_name: str
    paths: tuple[IngressPath, ...]
    annotations: tuple[tuple[str, str], ...]
    labels: tuple[tuple[str, str], ...]
    doc: Document = field(compare=False, repr=False)

    @property
    def id(self) -> str:
        return f"Ingress/{self.namespace}/{self.name}"

    def annotation(self, key: str, default: str = "") -> str:
        return dict(self.annotations).get(key, default)

    @property
    def alb(self) -> bool:
        """Handled by the AWS Load Balancer Controller (class ``alb`` or ``alb.ingress.kubernetes.io``
        annotations)."""
        return self.class_name == "alb" or any(k.startswith("alb.ingress.kubernetes.io/") for k, _ in self.annotations)


@dataclass(frozen=True)
class Reference:
    """A pod template naming another object (ConfigMap, Secret, PVC, ServiceAccount)."""

    kind: str
    name: str
    field: str
    optional: bool


@dataclass(frozen=True)
class Inputs:
    """Everything a view draws: see the module docstring."""

    name: str
    documents: tuple[Document, ...]
    state: ClusterState
    model: Any
    config: DiagramConfig
    check_findings: tuple[Any, ...] = ()
    assumed: tuple[Document, ...] = ()
    settled: bool = False
    settle_steps: int = 0
    ns_members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _rep: dict[str, str] = field(default_factory=dict, repr=False)
    rejected: tuple[tuple[Any, str], ...] = ()
    """``(ObjectRef, message)`` of objects the model's API server refused (left out of the state)."""
    unsettled: bool = False
    """With ``settle``: the controllers never stopped (they cycle, or the step bound cut them)."""

    # -- namespaces ----------------------------------------------------------------------------
    def rep(self, namespace: str) -> str:
        """The namespace drawn for ``namespace`` (itself unless collapsed into a class)."""
        return self._rep.get(namespace, namespace)

    def drawn(self, namespace: str) -> bool:
        """Whether objects of ``namespace`` are drawn (config ``namespaces``; cluster-scoped always)."""
        return not namespace or not self.config.namespaces or namespace in self.config.namespaces

    def members(self, namespace: str) -> tuple[str, ...]:
        return self.ns_members.get(namespace, (namespace,))

    def namespace_label(self, namespace: str) -> str:
        members = self.members(namespace)
        if len(members) == 1:
            return f"namespace {namespace}"
        return f"namespace {members[0]} … {members[-1]} (×{len(members)} identical)"

    # -- documents -----------------------------------------------------------------------------
    def docs(self, *kinds: str) -> list[Document]:
        return [d for d in self.documents if d.kind in kinds and self.drawn(d.namespace)]

    def find(self, kind: str, namespace: str, name: str) -> Document | None:
        return self._index().get((kind, namespace, name))

    def _index(self) -> dict[tuple[str, str, str], Document]:
        index = self.__dict__.get("_doc_index")
        if index is None:
            index = {(d.kind, d.namespace, d.name): d for d in self.documents}
            object.__setattr__(self, "_doc_index", index)
        return index  # type: ignore[no-any-return]

    def exists(self, kind: str, namespace: str, name: str) -> bool:
        """In the input, in the model's state, or assumed (``kmodel check``'s assumption files)."""
        from kmodel.objects.meta import ObjectRef

        if self.find(kind, namespace, name) is not None or self.state.get(ObjectRef(kind, namespace, name)):
            return True
        return self.is_assumed(kind, namespace, name)

    def is_assumed(self, kind: str, namespace: str, name: str) -> bool:
        return any(d.kind == kind and d.name == name and d.namespace in (namespace, "", "*") for d in self.assumed)

    # -- objects -------------------------------------------------------------------------------
    def workloads(self) -> list[Workload]:
        """Every object with a pod template: modelled ones from the state, others from documents."""
        cached = self.__dict__.get("_workloads")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        out = []
        for kind in _MODELLED:
            for obj in self.state.list(kind):
                if self.drawn(obj.metadata.namespace):
                    out.append(_modelled_workload(obj, self.find(kind, obj.metadata.namespace, obj.metadata.name)))
        for doc in self.docs(*[k for k in WORKLOAD_KINDS if k not in _MODELLED]):
            out.append(_document_workload(doc))
        out.sort(key=lambda w: (w.namespace, WORKLOAD_KINDS.index(w.kind), w.name))
        object.__setattr__(self, "_workloads", out)
        return out

    def pods(self) -> list[Pod]:
        return [p for p in self.state.list("Pod") if self.drawn(p.metadata.namespace)]

    def services(self) -> list[Service]:
        return [_service(d) for d in self.docs("Service")]

    def ingresses(self) -> list[Ingress]:
        return [_ingress(d) for d in self.docs("Ingress")]

    def references(self, workload: Workload) -> list[Reference]:
        """The ConfigMaps, Secrets, PVCs and ServiceAccount a workload's pod template names."""
        doc = workload.doc
        if doc is None:
            return []
        return list(_references(doc, _TEMPLATE.get(doc.kind, "") + ".spec" if doc.kind != "Pod" else "spec"))


# -- readers --------------------------------------------------------------------------------------

def _ports(containers: Sequence[Any]) -> tuple[tuple[str, int, str], ...]:
    return tuple((p.name, p.container_port, p.protocol) for c in containers for p in c.ports)


def _modelled_workload(obj: Any, doc: Document | None) -> Workload:
    m = obj.metadata
    owner = m.controller_ref()
    tmpl = obj.spec.template
    return Workload(obj.kind, m.namespace, m.name, m.uid, m.labels, tmpl.labels, obj.spec.selector,
                    obj.spec.replicas if obj.spec.replicas is not None else 1, pod_requests(tmpl.spec),
                    _ports(tmpl.spec.containers) + _ports([c for c in tmpl.spec.init_containers if c.restart_policy]),
                    (owner.kind, owner.name) if owner else None, doc)


def _document_workload(doc: Document) -> Workload:
    base = _TEMPLATE[doc.kind]
    labels = _str_map(doc, "metadata.labels")
    tlabels = _str_map(doc, f"{base}.metadata.labels")
    selector = _selector(doc, "spec.selector") if doc.kind != "CronJob" else _selector(doc, "spec.jobTemplate.spec.selector")
    if selector is None and doc.kind in ("Job", "CronJob"):
        selector = LabelSelector(tlabels)  # the Job controller selects its own pods by controller-uid
    extra: list[str] = []
    if doc.kind == "DaemonSet":
        replicas = None
    elif doc.kind == "Job":
        replicas = _get(doc, "spec.parallelism", int, 1)
        completions = _get(doc, "spec.completions", int)
        if completions is not None:
            extra.append(f"{completions} completions")
    elif doc.kind == "CronJob":
        replicas = None
        extra.append(f"schedule {_get(doc, 'spec.schedule', str, '?')}")
    else:
        replicas = _get(doc, "spec.replicas", int, 1)
    requests: dict[str, int] = {}
    ports: list[tuple[str, int, str]] = []
    spec = f"{base}.spec"
    for group in ("containers", "initContainers"):
        for i, c in enumerate(_get(doc, f"{spec}.{group}", list, [])):
            cpath = f"{spec}.{group}[{i}]"
            if not isinstance(c, dict):
                raise _fail(doc, cpath, "expected a mapping")
            if group == "initContainers" and c.get("restartPolicy") != "Always":
                continue
            for res, value in (_get(doc, f"{cpath}.resources.requests", dict, {}) or {}).items():
                try:
                    q = quantity_from_yaml(value)
                except (ValueError, TypeError) as exc:
                    raise _fail(doc, f"{cpath}.resources.requests.{res}", f"invalid quantity {value!r}: {exc}") from None
                amount = q.milli_value() if res == "cpu" else q.value()
                requests[res] = requests.get(res, 0) + amount
            for j, p in enumerate(_get(doc, f"{cpath}.ports", list, [])):
                ppath = f"{cpath}.ports[{j}]"
                number = _get(doc, f"{ppath}.containerPort", int)
                if number is None:
                    raise _fail(doc, f"{ppath}.containerPort", "required field is missing")
                ports.append((_get(doc, f"{ppath}.name", str, ""), number, _get(doc, f"{ppath}.protocol", str, "TCP")))
    if doc.kind == "StatefulSet":
        claims = [t.get("metadata", {}).get("name", "") for t in _get(doc, "spec.volumeClaimTemplates", list, [])
                  if isinstance(t, dict)]
        if claims:
            extra.append("volumeClaimTemplates: " + ", ".join(claims))
    owner = None
    for ref in _get(doc, "metadata.ownerReferences", list, []):
        if isinstance(ref, dict) and ref.get("controller"):
            owner = (str(ref.get("kind", "")), str(ref.get("name", "")))
    return Workload(doc.kind, doc.namespace, doc.name, "", labels, tlabels, selector, replicas,
                    tuple(sorted(requests.items())), tuple(ports), owner, doc, tuple(extra))


def _service(doc: Document) -> Service:
    ports = []
    for i, p in enumerate(_get(doc, "spec.ports", list, [])):
        path = f"spec.ports[{i}]"
        if not isinstance(p, dict):
            raise _fail(doc, path, "expected a mapping")
        port = _get(doc, f"{path}.port", int)
        if port is None:
            raise _fail(doc, f"{path}.port", "required field is missing")
        target = _int_or_string(doc, f"{path}.targetPort")
        ports.append(ServicePort(_get(doc, f"{path}.name", str, ""), port, port if target is None else target,
                                 _get(doc, f"{path}.protocol", str, "TCP"), _get(doc, f"{path}.nodePort", int)))
    selector = _get(doc, "spec.selector", dict)
    return Service(
        doc.namespace, doc.name, _get(doc, "spec.type", str, "ClusterIP"),
        _str_map(doc, "spec.selector") if selector is not None else None, tuple(ports),
        _get(doc, "spec.clusterIP", str, "") == "None",
        _get(doc, "spec.externalTrafficPolicy", str, "Cluster"), _get(doc, "spec.internalTrafficPolicy", str, "Cluster"),
        bool(_get(doc, "spec.publishNotReadyAddresses", bool, False)), _str_map(doc, "metadata.annotations"),
        _str_map(doc, "metadata.labels"), doc)


def _ingress(doc: Document) -> Ingress:
    annotations = _str_map(doc, "metadata.annotations")
    class_name = _get(doc, "spec.ingressClassName", str) or dict(annotations).get("kubernetes.io/ingress.class", "")
    paths = []

    def backend(path: str, host: str, http_path: str, path_type: str) -> None:
        if _get(doc, path, dict) is None:
            return
        name = _get(doc, f"{path}.service.name", str)
        if name is None:
            return  # a resource backend: not a Service
        number = _get(doc, f"{path}.service.port.number", int)
        pname = _get(doc, f"{path}.service.port.name", str)
        paths.append(IngressPath(host, http_path, path_type, name, number if number is not None else pname,
                                 f"{path}.service"))

    backend("spec.defaultBackend", "*", "(default)", "")
    for i, rule in enumerate(_get(doc, "spec.rules", list, [])):
        host = _get(doc, f"spec.rules[{i}].host", str, "") or "*"
        for j, _ in enumerate(_get(doc, f"spec.rules[{i}].http.paths", list, [])):
            p = f"spec.rules[{i}].http.paths[{j}]"
            backend(f"{p}.backend", host, _get(doc, f"{p}.path", str, "/"), _get(doc, f"{p}.pathType", str, ""))
    return Ingress(doc.namespace, doc.name, class_name, tuple(paths), annotations, _str_map(doc, "metadata.labels"), doc)


def _references(doc: Document, spec: str) -> Iterator[Reference]:
    sa = _get(doc, f"{spec}.serviceAccountName", str) or _get(doc, f"{spec}.serviceAccount", str)
    if sa and sa != "default":
        key = "serviceAccountName" if doc.get(f"{spec}.serviceAccountName") else "serviceAccount"
        yield Reference("ServiceAccount", sa, f"{spec}.{key}", False)
    for i, s in enumerate(_get(doc, f"{spec}.imagePullSecrets", list, [])):
        if isinstance(s, dict) and isinstance(s.get("name"), str):
            yield Reference("Secret", s["name"], f"{spec}.imagePullSecrets[{i}].name", False)
    for i, vol in enumerate(_get(doc, f"{spec}.volumes", list, [])):
        base = f"{spec}.volumes[{i}]"
        if not isinstance(vol, dict):
            continue
        for kind, key, name_key in (("ConfigMap", "configMap", "name"), ("Secret", "secret", "secretName"),
                                    ("PersistentVolumeClaim", "persistentVolumeClaim", "claimName")):
            src = vol.get(key)
            if isinstance(src, dict) and isinstance(src.get(name_key), str):
                yield Reference(kind, src[name_key], f"{base}.{key}.{name_key}", bool(src.get("optional")))
        for j, src in enumerate(((vol.get("projected") or {}).get("sources")) or []):
            for kind, key in (("ConfigMap", "configMap"), ("Secret", "secret")):
                if isinstance(src, dict) and isinstance(src.get(key), dict) and isinstance(src[key].get("name"), str):
                    yield Reference(kind, src[key]["name"], f"{base}.projected.sources[{j}].{key}.name",
                                    bool(src[key].get("optional")))
    for group in ("initContainers", "containers"):
        for ci, c in enumerate(_get(doc, f"{spec}.{group}", list, [])):
            if not isinstance(c, dict):
                continue
            cbase = f"{spec}.{group}[{ci}]"
            for j, src in enumerate(c.get("envFrom") or []):
                for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                    if isinstance(src, dict) and isinstance(src.get(key), dict) and isinstance(src[key].get("name"), str):
                        yield Reference(kind, src[key]["name"], f"{cbase}.envFrom[{j}].{key}.name",
                                        bool(src[key].get("optional")))
            for j, env in enumerate(c.get("env") or []):
                vf = env.get("valueFrom") if isinstance(env, dict) else None
                for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                    if isinstance(vf, dict) and isinstance(vf.get(key), dict) and isinstance(vf[key].get("name"), str):
                        yield Reference(kind, vf[key]["name"], f"{cbase}.env[{j}].valueFrom.{key}.name",
                                        bool(vf[key].get("optional")))


# -- PodDisruptionBudgets -------------------------------------------------------------------------

def get_expected_pod_count(min_available: int | str | None, max_unavailable: int | str | None,
                           matching_pods: int, scale: int) -> tuple[int, int]:
    """``getExpectedPodCount``: ``(expectedCount, desiredHealthy)`` of a budget.

    ``scale`` is the summed scale of the controllers of the matching pods (``getExpectedScale``),
    used for ``maxUnavailable`` and a percentage ``minAvailable``; an integer ``minAvailable``
    expects the matching pods.

    >>> get_expected_pod_count(None, 0, 3, 3), get_expected_pod_count(2, None, 3, 3)
    ((3, 3), (3, 2))
    >>> get_expected_pod_count("50%", None, 3, 3)
    (3, 2)
    """
    if max_unavailable is not None:
        desired = scale - get_scaled_value_from_int_or_percent(max_unavailable, scale, True)
        return scale, max(desired, 0)
    if min_available is not None:
        if isinstance(min_available, int):
            return matching_pods, min_available
        return scale, get_scaled_value_from_int_or_percent(min_available, scale, True)
    return 0, 0


def disruptions_allowed(current_healthy: int, desired_healthy: int, expected_count: int) -> int:
    """``status.disruptionsAllowed`` as ``updatePdbStatus`` sets it: healthy beyond desired,
    and none while no pod is expected.

    >>> disruptions_allowed(4, 3, 4), disruptions_allowed(1, 0, 0)
    (1, 0)
    """
    allowed = current_healthy - desired_healthy
    return 0 if expected_count <= 0 or allowed <= 0 else allowed


def count_healthy_pods(pods: Sequence[Pod]) -> int:
    """``countHealthyPods``: matching pods that are not being deleted and are Ready."""
    return sum(1 for p in pods if not p.metadata.deleting and is_pod_ready(p))


# -- loading --------------------------------------------------------------------------------------

def settle(model: Any, world: Any, max_steps: int = 5000) -> tuple[Any, int, bool]:
    """Run the model's controllers (no faults, no user events) until none has anything to do.

    Each step is the first enabled controller step in the model's order, so the result is
    deterministic. Returns ``(world, steps, settled)``; ``settled`` is ``False`` when the
    controllers come back to a state they were in (they cycle: the state returned is the first
    one repeated) or ``max_steps`` cut the run (a cycle through ever-new states).
    """
    names = {c.name for c in model.controllers}
    seen = {world}
    for step_count in range(max_steps):
        for step, nxt in model.successors(world):
            if step.actor in names:
                world = nxt
                break
            return world, step_count, True  # controllers come first: none is enabled
        else:
            return world, step_count, True
        if world in seen:
            return world, step_count + 1, False
        seen.add(world)
    return world, max_steps, False


def _signature(docs: Sequence[Document]) -> str:
    bodies = []
    for d in docs:
        body = json.loads(json.dumps(d.get(""), sort_keys=True, default=str)) if d.get("") is not None else {}
        meta = body.get("metadata") if isinstance(body, dict) else None
        if isinstance(meta, dict):
            for key in ("namespace", "uid", "resourceVersion", "creationTimestamp", "managedFields"):
                meta.pop(key, None)
            if d.kind == "Namespace":
                meta.pop("name", None)
        bodies.append(json.dumps(body, sort_keys=True, default=str))
    return hashlib.sha256("\n".join(sorted(bodies)).encode()).hexdigest()


def _namespace_classes(documents: Sequence[Document], namespaces: Sequence[str]) -> dict[str, tuple[str, ...]]:
    by_ns: dict[str, list[Document]] = {ns: [] for ns in namespaces}
    for d in documents:
        if d.namespace:
            by_ns.setdefault(d.namespace, []).append(d)
        elif d.kind == "Namespace":
            by_ns.setdefault(d.name, [])
    ns_docs = {d.name: d for d in documents if d.kind == "Namespace"}
    classes: dict[str, list[str]] = {}
    for ns in sorted(by_ns):
        sig = _signature(by_ns[ns] + ([ns_docs[ns]] if ns in ns_docs else []))
        classes.setdefault(sig, []).append(ns)
    return {members[0]: tuple(members) for members in classes.values()}


def _objects_with_namespaces(objects: Sequence[Any]) -> list[Any]:
    have = {o.metadata.name for o in objects if o.kind == "Namespace"}
    used = {"default"} | {o.metadata.namespace or "default" for o in objects if o.kind not in ("Namespace", "Node")}
    return list(objects) + [Namespace(ObjectMeta(n)) for n in sorted(used - have)]


def _admissible(objects: list[Any]) -> tuple[list[Any], list[tuple[Any, str]]]:
    """The objects the model's API server admits when created in the order ``ClusterModel``
    creates them (namespaces, nodes, the rest), and ``(ref, reason)`` for the others: one pass,
    so that a model is built once rather than once per rejected object."""
    from kmodel.api import Create, apply

    order = {"Namespace": 0, "Node": 1}
    state = ClusterState.empty()
    kept, rejected = [], []
    for obj in sorted(objects, key=lambda o: order.get(o.kind, 2)):
        new, resp = apply(state, Create(obj))
        if resp.ok:
            state = new
            kept.append(obj)
        else:
            rejected.append((obj.ref, f"the API server rejected {obj.kind} {obj.metadata.name!r}: {resp.code} "
                             f"{resp.reason}: {resp.message}"))
    return kept, rejected


def load_inputs(paths: Sequence[str], *, config: DiagramConfig | None = None, settle_state: bool = False,
                stdin: TextIO | None = None) -> Inputs:
    """Read ``paths`` (files, directories, ``-``) into :class:`Inputs`; see the module docstring.

    Raises
    ------
    InvalidManifest
        For anything ``kmodel check`` or ``kmodel explore`` would refuse, and for a field a view
        reads that has the wrong type.
    """
    from kmodel.checks import runner
    from kmodel.cluster import ClusterModel

    text = None
    if "-" in paths:
        text = (stdin if stdin is not None else sys.stdin).read()
    if config is None:  # the DiagramConfig among the inputs, if there is one
        from kmodel.render.config import find_config

        config = find_config(paths, text) or DiagramConfig()
    from kmodel.checks import all_checks

    quick = [c.id for c in all_checks()  # no model checking here: static and scheduler checks ("scheduler+z3/cp-sat")
             if c.engine.split("+")[0] in ("static", "scheduler") and "explore" not in c.engine]
    check_config = runner.load_config(runner.find_config(paths))
    selected = [i for i in quick if check_config.select is None or i in check_config.select]
    run = runner.run(list(paths), config=check_config, select=selected or None,
                     stdin=io.StringIO(text) if text is not None else None)
    loaded = run.inventory.loaded
    assert loaded is not None
    rejected: list[tuple[Any, str]] = []
    if any(doc.get("kind") == "Scenario" for _, doc in loaded.extras):
        from kmodel.scenario import load_spec

        model = load_spec(list(paths), stdin=io.StringIO(text) if text is not None else None).model
    else:
        objects, rejected = _admissible(_objects_with_namespaces(loaded.objects))
        while True:  # an object the API server rejects is left out and reported, not fatal
            try:
                model = ClusterModel(objects)
                break
            except InvalidModel as exc:
                ref = getattr(exc, "ref", None)
                src = loaded.sources.get(ref)
                if ref is None or src is None:
                    raise InvalidManifest(str(exc), file=src.file if src else paths[0],
                                          line=src.line if src else None,
                                          document=src.document if src else None) from None
                objects = [o for o in objects if o.ref != ref]
                rejected.append((ref, str(exc)))
    world, steps, settled = model.initial, 0, False
    if settle_state:
        # A bound on the run, generous for controllers that settle (each object takes a few
        # steps) and short for ones that never do (a state that keeps growing never repeats).
        world, steps, settled = settle(model, world, max_steps=max(200, 20 * len(world.cluster)))
        settled_fully = settled
        settled = True  # the state drawn is the controllers' (settled_fully says whether they stopped)
    else:
        settled_fully = False
    state = world.cluster
    namespaces = sorted({o.metadata.namespace for o in state.objects() if o.metadata.namespace}
                        | {d.namespace for d in loaded.documents if d.namespace})
    if config.collapse:
        members = _namespace_classes(loaded.documents, namespaces)
    else:
        members = {ns: (ns,) for ns in namespaces}
    if config.namespaces:
        members = {rep: tuple(m for m in ms if m in config.namespaces) for rep, ms in members.items()}
        members = {ms[0]: ms for ms in members.values() if ms}
    rep = {m: r for r, ms in members.items() for m in ms}
    return Inputs(input_name(paths, loaded.extras), loaded.documents, state, model, config, tuple(run.findings),
                  tuple(run.inventory.assumed), settle_state, steps, members, rep, tuple(rejected),
                  settle_state and not settled_fully)


def input_name(paths: Sequence[str], extras: Sequence[tuple[Any, dict[str, Any]]] = ()) -> str:
    """A name for the input that does not depend on how its paths were spelt: the scenario's
    name, else the base names of the paths.

    >>> input_name(["specs/web/", "../x/nodes.yaml", "-"])
    'web, nodes.yaml, stdin'
    """
    for _, doc in extras:
        if doc.get("kind") == "Scenario" and isinstance(doc.get("metadata"), dict) and doc["metadata"].get("name"):
            return str(doc["metadata"]["name"])
    import os

    return ", ".join("stdin" if p == "-" else os.path.basename(os.path.normpath(p)) for p in paths)


def pods_of(inputs: Inputs, workload: Workload) -> list[Pod]:
    """Pods the workload controls (by owner UID, through its ReplicaSets for a Deployment), in
    every namespace of its class."""
    out = []
    pods = inputs.pods()
    for ns in inputs.members(workload.namespace):
        uids = {f"{workload.kind}/{ns}/{workload.name}"}
        if workload.kind == "Deployment":
            uids |= {rs.metadata.uid for rs in inputs.state.list("ReplicaSet", ns)
                     if (r := rs.metadata.controller_ref()) is not None and r.uid in uids}
        for p in pods:
            r = p.metadata.controller_ref()
            if p.metadata.namespace == ns and r is not None and r.uid in uids:
                out.append(p)
    return out
