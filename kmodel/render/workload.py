"""``--view workload``: the Deployment → ReplicaSet → Pod ← Service schematic, per namespace and app.

Drawn top to bottom: Ingresses, HPAs and workloads first; Services and ReplicaSets; then the
pods (collapsed per owner and state: ``pods ×3``) or, when the controllers have not created any
(the manifests as written, without ``--settle``), the pod template with its desired count.
Edges carry what relates the objects: ``owns`` (with counts), ``selects`` (the Service's
selector and its ports resolved against the pods' named ports, ``80 → http (8080)``), Ingress
``routes`` (host and path), HPA and PDB ``targets``, and ``references`` from a workload to the
ConfigMaps, Secrets, PVCs and ServiceAccount its pods use.

Boxes nest by the config's ``groupBy`` levels (default: namespace, then
``app.kubernetes.io/part-of``, then ``app.kubernetes.io/name`` or ``app``). An object without the
label joins the group of what it points at (a Service its selector, an HPA its target), else
stays at the namespace level.

**Findings drawn, not dropped.** Every ``kmodel check`` finding on a drawn object is shown: a
reference to a missing object is a red dashed edge to a ghost node ("missing: Service/api") that
carries the check's message; ``selects-nothing``, ``port-unresolved``, ``unschedulable`` and any
other check mark the object. From the model's state: ``no-ready-endpoints`` on a Service whose
selected pods exist and none is ready (upstream's endpoint rule: ``ShouldPodBeInEndpoints`` and
the Ready condition, computed from the pods; the EndpointSlice controller is not modelled yet),
``pdb-blocked`` on a budget that allows no eviction. Kinds the view does not draw are counted in
the legend.

Upstream: ``pkg/controller/endpointslice`` (selection, ``podutil.FindPort`` for named ports),
``pkg/controller/disruption/disruption.go``, ``networking/v1`` Ingress backends,
``autoscaling/v2`` scale targets.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kmodel.objects.meta import LabelSelector
from kmodel.objects.workloads import is_pod_ready
from kmodel.render import _shared as sh
from kmodel.render.diagram import Diagram, DiagramBuilder
from kmodel.render.inputs import Inputs, Service, Workload, WORKLOAD_KINDS, _get, _selector, pods_of

__all__ = ["workload"]

_DRAWN = set(WORKLOAD_KINDS) | {"Pod", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget",
                                "NetworkPolicy", "ConfigMap", "Secret", "PersistentVolumeClaim", "ServiceAccount",
                                "Namespace", "Node", "IngressClass"}
_REF_CHECKS = {"configmap-missing": "ConfigMap", "secret-missing": "Secret", "pvc-missing": "PersistentVolumeClaim",
               "serviceaccount-missing": "ServiceAccount"}
_CHECK_MARKS = {"service-selects-nothing": "selects-nothing", "pdb-selects-nothing": "selects-nothing",
                "networkpolicy-selects-nothing": "selects-nothing", "service-port-unresolved": "port-unresolved",
                "unschedulable": "unschedulable"}


class _View:
    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.b = DiagramBuilder("workload", inputs.config.title or "workloads: " + inputs.name,
                                rankdir="LR")
        self.used_findings: set[int] = set()

    # -- grouping ------------------------------------------------------------------------------
    def cluster_for(self, namespace: str, labels: dict[str, str]) -> str:
        inputs, b = self.inputs, self.b
        parent = ""
        path = []
        for level in inputs.config.group_by:
            if level == "namespace":
                if not namespace:
                    continue
                path.append(f"ns={namespace}")
                cid = "cluster:" + "/".join(path)
                b.cluster(cid, inputs.namespace_label(namespace), "namespace", parent=parent)
            else:
                key = next((k for k in level.split("|") if k in labels), None)
                if key is None:
                    continue
                path.append(f"{key}={labels[key]}")
                cid = "cluster:" + "/".join(path)
                b.cluster(cid, labels[key], "app", parent=parent, badges=(key,))
            parent = cid
        return parent

    def cluster_near(self, namespace: str, labels: dict[str, str], near: list[str]) -> str:
        """The object's own group when its labels give one, else the group of what it points
        at (when all of it is in one group), else the namespace's."""
        if any(k in labels for level in self.inputs.config.group_by if level != "namespace"
               for k in level.split("|")):
            return self.cluster_for(namespace, labels)
        places = {n.cluster for i in near if (n := self.b.get(i)) is not None}
        if len(places) == 1:
            return places.pop()
        return self.cluster_for(namespace, {})

    def message(self, object_id: str, check: str, default: str, name: Any = None) -> str:
        """The message of the ``kmodel check`` finding ``check`` on the object (about the
        reference ``name`` when given: the value at the finding's field), else ``default``."""
        for f in self.inputs.check_findings:
            if f.check != check or _object_id(f) != object_id or id(f) in self.used_findings:
                continue
            if name is not None:
                doc = self.inputs.find(f.object.kind, f.object.namespace, f.object.name)
                if doc is None or doc.get(f.field) != name:
                    continue
            self.used_findings.add(id(f))
            ns = f"{f.object.namespace}/" if f.object.namespace else ""
            return f"{f.object.kind} {ns}{f.object.name}: {f.message} [{f.check}]"
        return default

    def members_suffix(self, namespace: str) -> str:
        n = len(self.inputs.members(namespace))
        return f" (in each of {n} namespaces)" if n > 1 else ""


def _object_id(f: Any) -> str:
    ns = f.object.namespace
    return f"{f.object.kind}/{ns}/{f.object.name}" if ns else f"{f.object.kind}/{f.object.name}"


_CHECK_FOR_KIND = {kind: check for check, kind in _REF_CHECKS.items()}


def _ports_text(svc: Service) -> str:
    return ", ".join(f"{p.port}→{p.target}" + (f"/{p.protocol}" if p.protocol != "TCP" else "") for p in svc.ports)


def _resolve(svc: Service, ports: tuple[tuple[str, int, str], ...]) -> tuple[list[str], list[str]]:
    """Each service port against a pod's ports (``podutil.FindPort``): texts, and unresolved names."""
    texts, missing = [], []
    for p in svc.ports:
        if isinstance(p.target, int):
            texts.append(f"{p.port}→{p.target}")
            continue
        found = next((number for name, number, proto in ports if name == p.target and proto == p.protocol), None)
        if found is None:
            missing.append(p.target)
            texts.append(f"{p.port}→{p.target} (no such port)")
        else:
            texts.append(f"{p.port}→{p.target} ({found})")
    return texts, missing


def workload(inputs: Inputs) -> Diagram:
    """The workload diagram of ``inputs`` (see the module docstring)."""
    v = _View(inputs)
    b = v.b
    hpa_list, pdb_list = sh.hpas(inputs), sh.pdbs(inputs)
    pending = sh.pending_reasons(inputs)
    drawn_ns = lambda ns: inputs.rep(ns) == ns  # noqa: E731 - representatives only
    targets: dict[str, list[tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, int, str], ...], bool, bool]]] = \
        defaultdict(list)  # namespace -> (node id, labels, ports, has pods, any ready)

    # workloads, their ReplicaSets, pods or templates
    workloads = [w for w in inputs.workloads() if drawn_ns(w.namespace)]
    by_id = {w.id: w for w in workloads}
    for w in workloads:
        owner_id = f"{w.owner[0]}/{w.namespace}/{w.owner[1]}" if w.owner else ""
        labels = dict(w.labels) or dict(w.template_labels)
        if owner_id in by_id:
            parent_w = by_id[owner_id]
            cluster = v.cluster_for(w.namespace, dict(parent_w.labels) or dict(parent_w.template_labels))
        else:
            cluster = v.cluster_for(w.namespace, labels)
        pods = pods_of(inputs, w)
        badges = sh.workload_badges(inputs, w, hpa_list, pdb_list, pods)
        b.node(w.id, w.name, w.kind, cluster=cluster, badges=badges)
        if owner_id in by_id:
            b.edge(owner_id, w.id, "owns", "owns")
        elif w.owner is not None:
            b.ghost(w.id, w.owner[0], w.namespace, w.owner[1], label="controller owner", cluster=cluster,
                    message=f"{w.id} names controller {w.owner[0]}/{w.owner[1]}, which does not exist")
        _references(v, w, cluster)
        if any(o.owner == (w.kind, w.name) for o in workloads if o.namespace == w.namespace):
            continue  # a Deployment's pods hang below its ReplicaSets
        mine = [p for p in pods if (r := p.metadata.controller_ref()) is not None and r.kind == w.kind
                and r.name == w.name]
        if w.kind == "Deployment":
            mine = pods
        if mine:
            groups: dict[str, list] = defaultdict(list)
            for p in mine:
                status = sh.status_class(p)
                if status == "pending" and f"{p.metadata.namespace}/{p.metadata.name}" in pending:
                    status = "unschedulable"
                groups[status].append(p)
            for status, ps in sorted(groups.items()):
                pid = f"pods:{w.namespace}/{w.kind}/{w.name}/{status}"
                text = "unschedulable: " + pending[f"{ps[0].metadata.namespace}/{ps[0].metadata.name}"] \
                    if status == "unschedulable" else sh.STATUS_TEXT[status]
                marks = ("unschedulable",) if status == "unschedulable" else sh.STATUS_MARKS.get(status, ())
                b.node(pid, f"pods ×{len(ps)}", "Pod", cluster=cluster, badges=(text,), marks=marks, count=len(ps))
                b.edge(w.id, pid, f"×{len(ps)}", "owns")
                if status == "unschedulable":
                    b.finding("unschedulable", pid, f"{len(ps)} pod(s) of {w.id} cannot be scheduled{v.members_suffix(w.namespace)}: "
                              f"{text[len('unschedulable: '):]}")
                ready = any(is_pod_ready(p) and not p.metadata.deleting for p in ps)
                targets[w.namespace].append((pid, w.template_labels, w.ports, True, ready))
        else:
            tid = f"template:{w.kind}/{w.namespace}/{w.name}"
            count = "one per node" if w.replicas is None and w.kind == "DaemonSet" else (
                f"×{w.replicas}" if w.replicas is not None else "per run")
            ports = ", ".join(f"{n or '-'}:{p}" + (f"/{proto}" if proto != "TCP" else "") for n, p, proto in w.ports)
            modelled = sh.CONTROLLER_FOR_KIND.get(w.kind) in {c.name for c in inputs.model.controllers}
            live = inputs.settled and modelled
            note = "" if live else " (controllers not run)" if modelled else f" ({w.kind} controller not modelled)"
            badges = [f"desired {count}{note}"]
            if ports:
                badges.append(f"ports {ports}")
            b.node(tid, "pod template", "PodTemplate", cluster=cluster, badges=badges)
            b.edge(w.id, tid, "creates", "owns")
            targets[w.namespace].append((tid, w.template_labels, w.ports, live, False))
    # standalone pods
    for pod in inputs.pods():
        if pod.metadata.controller_ref() is not None or not drawn_ns(pod.metadata.namespace):
            continue
        pid = f"Pod/{pod.metadata.namespace}/{pod.metadata.name}"
        status = sh.status_class(pod)
        key = f"{pod.metadata.namespace}/{pod.metadata.name}"
        marks = ("unschedulable",) if key in pending else sh.STATUS_MARKS.get(status, ())
        badge = f"unschedulable: {pending[key]}" if key in pending else sh.STATUS_TEXT[status]
        node_badge = f"on {pod.spec.node_name}" if pod.spec.node_name else ""
        cluster = v.cluster_for(pod.metadata.namespace, dict(pod.metadata.labels))
        b.node(pid, pod.metadata.name, "Pod", cluster=cluster, badges=[x for x in (badge, node_badge) if x], marks=marks)
        if key in pending:
            b.finding("unschedulable", pid, f"Pod {key} cannot be scheduled: {pending[key]}")
        ports = tuple((p.name, p.container_port, p.protocol) for c in pod.spec.containers for p in c.ports)
        targets[pod.metadata.namespace].append((pid, pod.metadata.labels, ports, True,
                                                is_pod_ready(pod) and not pod.metadata.deleting))
    _services(v, targets)
    _ingresses(v)
    _hpas(v, hpa_list, by_id)
    _selectors(v, pdb_list, targets)
    _config_objects(v)
    _remaining_findings(v)
    skipped: dict[str, int] = defaultdict(int)
    for d in inputs.documents:
        if d.kind not in _DRAWN:
            skipped[d.kind] += 1
    if skipped:
        b.notes.append("not drawn: " + ", ".join(f"{n} {k}" for k, n in sorted(skipped.items())))
    if inputs.unsettled:
        b.notes.append(f"the model's controllers do not settle (after {inputs.settle_steps} steps they still "
                       "have work: a cycle): drawn there")
    if not inputs.settled:
        b.notes.append("drawn as written: controllers not run, pods shown as templates (kmodel diagram --settle "
                       "draws the pods the model's controllers create)")
    if any(len(m) > 1 for m in inputs.ns_members.values()):
        b.notes.append("namespaces with identical manifests are drawn once; counts cover every copy")
    return b.build()


def _references(v: _View, w: Workload, cluster: str) -> None:
    inputs, b = v.inputs, v.b
    for ref in inputs.references(w):
        target = f"{ref.kind}/{w.namespace}/{ref.name}"
        how = {"ConfigMap": "config", "Secret": "secret", "PersistentVolumeClaim": "volume",
               "ServiceAccount": "runs as"}[ref.kind]
        if ref.kind == "PersistentVolumeClaim" and ref.name in _claim_templates(w):
            continue
        if inputs.find(ref.kind, w.namespace, ref.name) is not None:
            _object_node(v, ref.kind, w.namespace, ref.name, near=cluster)
            b.edge(w.id, target, how, "references")
        elif inputs.is_assumed(ref.kind, w.namespace, ref.name):
            b.node(target, ref.name, ref.kind, cluster=v.cluster_for(w.namespace, {}),
                   badges=("assumed to exist (outside the input)",))
            b.edge(w.id, target, how, "references")
        elif ref.optional:
            b.node(w.id, w.name, w.kind, badges=(f"optional {ref.kind} {ref.name} absent",))
        else:
            message = v.message(w.id, _CHECK_FOR_KIND[ref.kind],
                                f"{w.id} uses {ref.kind} {w.namespace}/{ref.name}, which does not exist", ref.name)
            b.ghost(w.id, ref.kind, w.namespace, ref.name, label=how, cluster=v.cluster_for(w.namespace, {}),
                    message=message + v.members_suffix(w.namespace))


def _claim_templates(w: Workload) -> set[str]:
    if w.doc is None or w.kind != "StatefulSet":
        return set()
    return {t.get("metadata", {}).get("name", "") for t in (w.doc.get("spec.volumeClaimTemplates") or [])
            if isinstance(t, dict)}


def _object_node(v: _View, kind: str, namespace: str, name: str, near: str = "") -> str:
    """A node for an object of the input (drawn in its own group, else beside its first user)."""
    oid = f"{kind}/{namespace}/{name}"
    if v.b.has(oid):
        return oid
    doc = v.inputs.find(kind, namespace, name)
    labels = {k: str(x) for k, x in (doc.get("metadata.labels") or {}).items()} if doc is not None else {}
    if near and not any(k in labels for level in v.inputs.config.group_by for k in level.split("|")):
        cluster = near
    else:
        cluster = v.cluster_for(namespace, labels)
    v.b.node(oid, name, kind, cluster=cluster)
    return oid


def _matches(labels: tuple[tuple[str, str], ...], selector: tuple[tuple[str, str], ...] | LabelSelector) -> bool:
    if isinstance(selector, LabelSelector):
        return selector.matches(labels)
    have = dict(labels)
    return all(have.get(k) == val for k, val in selector)


def _services(v: _View, targets: dict) -> None:
    inputs, b = v.inputs, v.b
    for svc in inputs.services():
        if inputs.rep(svc.namespace) != svc.namespace:
            continue
        selected = [t for t in targets[svc.namespace] if svc.selector and _matches(t[1], svc.selector)]
        cluster = v.cluster_near(svc.namespace, dict(svc.labels), [t[0] for t in selected])
        badges = [svc.type + (" (headless)" if svc.headless else "")]
        if svc.ports:
            badges.append("ports " + _ports_text(svc))
        if svc.type in ("NodePort", "LoadBalancer") and svc.external_traffic_policy != "Cluster":
            badges.append(f"externalTrafficPolicy {svc.external_traffic_policy}")
        if svc.internal_traffic_policy != "Cluster":
            badges.append(f"internalTrafficPolicy {svc.internal_traffic_policy}")
        if svc.selector is None:
            badges.append("no selector: endpoints managed by hand" if svc.type != "ExternalName" else
                          f"ExternalName {svc.doc.get('spec.externalName') or ''}")
        b.node(svc.id, svc.name, "Service", cluster=cluster, badges=badges)
        if not svc.selector:
            continue
        sel_text = ",".join(f"{k}={x}" for k, x in svc.selector)
        unresolved = set()
        for tid, _labels, ports, _has_pods, _ready in selected:
            texts, missing = _resolve(svc, ports)
            unresolved.update(missing)
            b.edge(svc.id, tid, f"{sel_text}  {', '.join(texts)}", "selects", marks=("port-unresolved",) if missing else ())
        if not selected:
            b.mark(svc.id, "selects-nothing", v.message(svc.id, "service-selects-nothing",
                   f"Service {svc.namespace}/{svc.name}: selector {sel_text} matches no pod or template")
                   + v.members_suffix(svc.namespace))
        elif unresolved:
            b.mark(svc.id, "port-unresolved", _port_message(v, svc, unresolved))
        live = [t for t in selected if t[3]]
        if live and not any(t[4] for t in live):
            b.mark(svc.id, "no-ready-endpoints", f"Service {svc.namespace}/{svc.name} has no ready endpoint: none of "
                   f"the pods it selects is ready{v.members_suffix(svc.namespace)}")


def _port_message(v: _View, svc: Service, unresolved: set[str]) -> str:
    for i, p in enumerate(svc.ports):
        if p.target in unresolved:
            return v.message(svc.id, "service-port-unresolved",
                             f"Service {svc.namespace}/{svc.name}: targetPort {p.target!r} is not a named port of the "
                             "pods it selects") + v.members_suffix(svc.namespace)
    return ""  # pragma: no cover


def _ingresses(v: _View) -> None:
    inputs, b = v.inputs, v.b
    services = {(s.namespace, s.name): s for s in inputs.services()}
    for ing in inputs.ingresses():
        if inputs.rep(ing.namespace) != ing.namespace:
            continue
        cluster = v.cluster_for(ing.namespace, dict(ing.labels))
        badges = [f"class {ing.class_name}" if ing.class_name else "no ingress class"]
        if ing.alb:
            badges.append(f"ALB {ing.annotation('alb.ingress.kubernetes.io/scheme', 'internal')}, target type "
                          f"{ing.annotation('alb.ingress.kubernetes.io/target-type', 'instance')}")
        b.node(ing.id, ing.name, "Ingress", cluster=cluster, badges=badges)
        for path in ing.paths:
            where = f"{'' if path.host == '*' else path.host}{path.path}"
            svc = services.get((ing.namespace, path.service))
            if svc is None:
                if inputs.is_assumed("Service", ing.namespace, path.service):
                    sid = f"Service/{ing.namespace}/{path.service}"
                    b.node(sid, path.service, "Service", cluster=cluster, badges=("assumed to exist (outside the input)",))
                    b.edge(ing.id, sid, where, "routes")
                    continue
                message = v.message(ing.id, "ingress-backend-missing",
                                    f"Ingress {ing.namespace}/{ing.name}: backend Service {path.service} does not exist",
                                    path.service)
                b.ghost(ing.id, "Service", ing.namespace, path.service, label=where,
                        cluster=v.cluster_for(ing.namespace, {}), message=message + v.members_suffix(ing.namespace))
                continue
            port_ok = path.port is None or any(
                (p.port == path.port if isinstance(path.port, int) else p.name == path.port) for p in svc.ports)
            label = f"{where} → :{path.port}" if path.port is not None else where
            if port_ok:
                b.edge(ing.id, svc.id, label, "routes")
            else:
                b.edge(ing.id, svc.id, f"{label} (no such port)", "routes", marks=("missing",))
                b.finding("missing", svc.id, v.message(ing.id, "ingress-backend-missing",
                                                       f"Ingress {ing.namespace}/{ing.name}: Service {svc.name} has no "
                                                       f"port {path.port}", path.port)
                          + v.members_suffix(ing.namespace))


def _hpas(v: _View, hpa_list: list, by_id: dict[str, Workload]) -> None:
    inputs, b = v.inputs, v.b
    for h in hpa_list:
        if inputs.rep(h.namespace) != h.namespace:
            continue
        hid = f"HorizontalPodAutoscaler/{h.namespace}/{h.name}"
        target = f"{h.target_kind}/{h.namespace}/{h.target_name}"
        labels = {k: str(x) for k, x in (h.doc.get("metadata.labels") or {}).items()}
        b.node(hid, h.name, "HorizontalPodAutoscaler", cluster=v.cluster_near(h.namespace, labels, [target]),
               badges=(h.text[4:],))
        if b.has(target):
            b.edge(hid, target, "scales", "targets")
        elif inputs.exists(h.target_kind, h.namespace, h.target_name):
            _object_node(v, h.target_kind, h.namespace, h.target_name)
            b.edge(hid, target, "scales", "targets")
        else:
            b.ghost(hid, h.target_kind or "?", h.namespace, h.target_name, label="scales",
                    cluster=v.cluster_for(h.namespace, {}),
                    message=v.message(hid, "hpa-target-missing", f"HorizontalPodAutoscaler {h.namespace}/{h.name}: "
                                      f"scaleTargetRef {h.target_kind}/{h.target_name} does not exist", h.target_name)
                    + v.members_suffix(h.namespace))


def _selectors(v: _View, pdb_list: list, targets: dict) -> None:
    """PodDisruptionBudgets and NetworkPolicies: edges to what they select."""
    inputs, b = v.inputs, v.b
    items: list[tuple[str, str, str, LabelSelector | None, str, str, Any]] = []
    for p in pdb_list:
        items.append(("PodDisruptionBudget", p.namespace, p.name, p.selector, p.text[4:], "pdb-selects-nothing", p))
    for d in inputs.docs("NetworkPolicy"):
        items.append(("NetworkPolicy", d.namespace, d.name, _selector(d, "spec.podSelector"), "applies to",
                      "networkpolicy-selects-nothing", None))
    for kind, ns, name, selector, text, check, pdb in items:
        if inputs.rep(ns) != ns:
            continue
        oid = f"{kind}/{ns}/{name}"
        empty = selector is None or selector.empty
        selected = [t for t in targets[ns] if selector is not None and selector.matches(t[1])]
        doc = inputs.find(kind, ns, name)
        labels = {k: str(x) for k, x in (doc.get("metadata.labels") or {}).items()} if doc is not None else {}
        cluster = v.cluster_near(ns, labels, [t[0] for t in selected])
        badges = [text] if kind == "PodDisruptionBudget" else ["every pod in the namespace"] if empty else []
        if kind == "NetworkPolicy" and doc is not None:
            types = _get(doc, "spec.policyTypes", list) or (["Ingress"] + (["Egress"] if doc.get("spec.egress") else []))
            badges.append("policy " + ", ".join(map(str, types)))
        b.node(oid, name, kind, cluster=cluster, badges=badges)
        for tid, *_ in selected:
            b.edge(oid, tid, text if kind == "PodDisruptionBudget" else "applies to", "targets")
        if not selected and not empty:
            b.mark(oid, "selects-nothing", v.message(oid, check, f"{kind} {ns}/{name}: selector {selector} matches "
                                                     "no pod or template") + v.members_suffix(ns))
        if pdb is not None:
            why = sh.pdb_blocked(inputs, pdb)
            if why:
                b.mark(oid, "pdb-blocked", why + v.members_suffix(ns))


def _config_objects(v: _View) -> None:
    inputs = v.inputs
    for d in inputs.docs("ConfigMap", "Secret", "PersistentVolumeClaim", "ServiceAccount"):
        if inputs.rep(d.namespace) == d.namespace and not v.b.has(f"{d.kind}/{d.namespace}/{d.name}"):
            _object_node(v, d.kind, d.namespace, d.name)


def _remaining_findings(v: _View) -> None:
    """Every ``kmodel check`` finding not drawn yet: a mark on its object, listed in the legend."""
    inputs, b = v.inputs, v.b
    for f in inputs.check_findings:
        if id(f) in v.used_findings:
            continue
        ns = f.object.namespace
        if ns and inputs.rep(ns) != ns:
            continue  # an identical copy of a namespace drawn once
        oid = f"{f.object.kind}/{ns}/{f.object.name}" if ns else f"{f.object.kind}/{f.object.name}"
        mark = _CHECK_MARKS.get(f.check, "finding")
        if not b.has(oid):
            if oid.count("/") < 2 and not ns:
                b.finding(mark, oid, f"{oid}: {f.message} [{f.check}]")
                continue
            _object_node(v, f.object.kind, ns, f.object.name)
        if mark == "finding":
            b.node(oid, "", "", badges=(f"⚠ {f.check}",))
        b.mark(oid, mark, f"{f.object.kind} {ns + '/' if ns else ''}{f.object.name}: {f.message} [{f.check}]"
               + v.members_suffix(ns))
    checked = {_object_id(f) for f in inputs.check_findings}
    rejected: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for ref, message in inputs.rejected:  # copies of a namespace drawn once are counted on it
        rejected[(ref.kind, inputs.rep(ref.namespace) if ref.namespace else "", ref.name)].append(message)
    for (kind, ns, name), messages in sorted(rejected.items()):
        oid = f"{kind}/{ns}/{name}" if ns else f"{kind}/{name}"
        if len(messages) == 1 and oid in checked:
            continue  # kmodel check already reported it on this very object
        if not b.has(oid):
            _object_node(v, kind, ns, name)
        members = len(inputs.members(ns)) if ns else 1
        where = f" in {len(messages)} of {members} namespaces" if members > 1 else ""
        b.node(oid, "", "", badges=(f"⚠ rejected by the API server{where}",))
        b.mark(oid, "finding", f"{messages[0]} (left out of the model's state{where})")
