"""Static cross-object checks: references that resolve to nothing.

These read the manifests as written (any kind, modelled or not) and decide without exploring.
Each follows the upstream rule for what the reference means:

* a Service, NetworkPolicy or PodDisruptionBudget selector selects pods by labels in its own
  namespace (``pkg/controller/endpointslice``, ``pkg/controller/disruption``); an *empty*
  selector of a NetworkPolicy or PDB selects every pod, a Service without a selector selects none
  on purpose (its endpoints are managed by hand) and is not checked;
* a Service's named ``targetPort`` resolves per pod to a ``containerPort`` of that name
  (``podutil.FindPort``); a numeric one needs no declaration;
* an Ingress backend names a Service in the Ingress's namespace and one of its ports by number
  or name (``networking/v1``);
* an HPA's ``scaleTargetRef`` names a workload in its namespace;
* a pod's ``serviceAccountName``, the ConfigMaps, Secrets and PersistentVolumeClaims its volumes,
  ``env``/``envFrom`` and ``imagePullSecrets`` name must exist in its namespace unless the
  reference says ``optional: true`` (the kubelet then proceeds without it;
  ``pkg/kubelet/kubelet_pods.go``, ``pkg/volume/configmap``, ``pkg/volume/secret``);
  ``default`` ServiceAccounts exist in every namespace (the service-account controller);
* a workload's selector must match its own template's labels (``ValidatePodTemplateSpecForReplicaSet``
  and kin): the loader already rejects this for ReplicaSets and Deployments; here it is checked
  for the other workload kinds.

Pod templates are read from Pods, Deployments, ReplicaSets, StatefulSets, DaemonSets,
ReplicationControllers, Jobs and CronJobs.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from typing import Any

from kmodel.checks import Check, Finding, Inventory, finding
from kmodel.manifests import Document

__all__ = ["CHECKS", "pod_templates"]

_WORKLOAD_KINDS = ("Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController", "Job",
                   "CronJob")

_TEMPLATE_PATHS = {
    "Pod": ("", "spec"),
    "Deployment": ("spec.template.metadata", "spec.template.spec"),
    "ReplicaSet": ("spec.template.metadata", "spec.template.spec"),
    "StatefulSet": ("spec.template.metadata", "spec.template.spec"),
    "DaemonSet": ("spec.template.metadata", "spec.template.spec"),
    "ReplicationController": ("spec.template.metadata", "spec.template.spec"),
    "Job": ("spec.template.metadata", "spec.template.spec"),
    "CronJob": ("spec.jobTemplate.spec.template.metadata", "spec.jobTemplate.spec.template.spec"),
}


def pod_templates(inv: Inventory) -> Iterator[tuple[Document, dict[str, str], str]]:
    """``(workload document, template labels, path of its pod spec)`` for every pod template."""
    for doc in inv.documents:
        paths = _TEMPLATE_PATHS.get(doc.kind)
        if paths is None or not doc.api_version.split("/")[0] in ("v1", "apps", "batch"):
            continue
        meta_path, spec_path = paths
        labels = doc.get(f"{meta_path}.labels" if meta_path else "metadata.labels") or {}
        if not isinstance(labels, dict):
            labels = {}
        yield doc, {str(k): str(v) for k, v in labels.items()}, spec_path


def _selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A ``metav1.LabelSelector`` (matchLabels and matchExpressions) against labels."""
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(str(k)) != str(v):
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), [str(v) for v in expr.get("values") or []]
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def _closest(selector: dict[str, str], candidates: list[tuple[Document, dict[str, str]]]) -> str:
    """Name the label that differs on the template that comes closest to matching."""
    best = None
    for doc, labels in candidates:
        hits = sum(1 for k, v in selector.items() if labels.get(k) == v)
        # Among templates that match equally many labels, prefer the one whose differing values
        # are spelt most alike (a typo: front-end vs frontend).
        likeness = sum(difflib.SequenceMatcher(None, v, labels.get(k, "")).ratio()
                       for k, v in selector.items() if labels.get(k) != v)
        score = (hits, likeness)
        if best is None or score > best[0]:
            best = (score, doc, labels)
    if best is None:
        return "no pod template in the namespace"
    _, doc, labels = best
    for k, v in sorted(selector.items()):
        if k not in labels:
            return f"closest: {doc.kind}/{doc.name} has no label {k} (wants {k}={v})"
        if labels[k] != v:
            return f"closest: {doc.kind}/{doc.name} has {k}={labels[k]}, the selector wants {k}={v}"
    return f"closest: {doc.kind}/{doc.name}"


def _fmt_selector(sel: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(sel.items()))


# -- selectors ------------------------------------------------------------------------------

def _service_selects_nothing(inv: Inventory, _opts: dict[str, Any]) -> Iterable[Finding]:
    templates = list(pod_templates(inv))
    for svc in inv.of_kind("Service"):
        if svc.get("spec.type") == "ExternalName":
            continue
        selector = svc.get("spec.selector")
        if not isinstance(selector, dict) or not selector:
            continue
        sel = {str(k): str(v) for k, v in selector.items()}
        same_ns = [(d, labels) for d, labels, _ in templates if d.namespace == svc.namespace]
        if not any(all(labels.get(k) == v for k, v in sel.items()) for _, labels in same_ns):
            yield finding(SERVICE_SELECTS_NOTHING, svc,
                          f"selector {_fmt_selector(sel)} matches no pod template in namespace "
                          f"{svc.namespace}; {_closest(sel, same_ns)}", "spec.selector")


def _selects_nothing(check: Check, kind: str, path: str) -> Any:
    def run(inv: Inventory, _opts: dict[str, Any]) -> Iterable[Finding]:
        templates = list(pod_templates(inv))
        for doc in inv.of_kind(kind):
            selector = doc.get(path)
            if not isinstance(selector, dict) or (not selector.get("matchLabels") and not selector.get("matchExpressions")):
                continue  # empty selector: every pod in the namespace
            same_ns = [(d, labels) for d, labels, _ in templates if d.namespace == doc.namespace]
            if not any(_selector_matches(selector, labels) for _, labels in same_ns):
                sel = {str(k): str(v) for k, v in (selector.get("matchLabels") or {}).items()}
                at = f"{path}.matchLabels" if selector.get("matchLabels") else f"{path}.matchExpressions"
                yield finding(check, doc, f"{path} matches no pod template in namespace {doc.namespace}; "
                              f"{_closest(sel, same_ns)}", at)
    return run


def _service_port_unresolved(inv: Inventory, _opts: dict[str, Any]) -> Iterable[Finding]:
    templates = list(pod_templates(inv))
    for svc in inv.of_kind("Service"):
        selector = svc.get("spec.selector")
        if not isinstance(selector, dict) or not selector:
            continue
        sel = {str(k): str(v) for k, v in selector.items()}
        selected = [(d, path) for d, labels, path in templates
                    if d.namespace == svc.namespace and all(labels.get(k) == v for k, v in sel.items())]
        if not selected:
            continue  # service-selects-nothing says it
        for i, port in enumerate(svc.get("spec.ports") or []):
            target = port.get("targetPort") if isinstance(port, dict) else None
            if not isinstance(target, str):
                continue
            missing = [d for d, path in selected if target not in _container_port_names(d, path)]
            if missing:
                names = ", ".join(f"{d.kind}/{d.name}" for d in missing)
                yield finding(SERVICE_PORT_UNRESOLVED, svc,
                              f"targetPort {target!r} is not a named containerPort of {names}: "
                              "those pods get no endpoint for this port", f"spec.ports[{i}].targetPort")


def _container_port_names(doc: Document, spec_path: str) -> set[str]:
    names = set()
    for group in ("containers", "initContainers"):
        for c in doc.get(f"{spec_path}.{group}") or []:
            for p in (c.get("ports") or []) if isinstance(c, dict) else []:
                if isinstance(p, dict) and p.get("name"):
                    names.add(str(p["name"]))
    return names


# -- object references ------------------------------------------------------------------------

def _ingress_backend_missing(inv: Inventory, _opts: dict[str, Any]) -> Iterable[Finding]:
    for ing in inv.of_kind("Ingress"):
        backends: list[tuple[str, Any]] = []
        default = ing.get("spec.defaultBackend")
        if isinstance(default, dict):
            backends.append(("spec.defaultBackend", default))
        for i, rule in enumerate(ing.get("spec.rules") or []):
            for j, p in enumerate(((rule or {}).get("http") or {}).get("paths") or []):
                if isinstance(p, dict) and isinstance(p.get("backend"), dict):
                    backends.append((f"spec.rules[{i}].http.paths[{j}].backend", p["backend"]))
        for path, backend in backends:
            service = backend.get("service")
            if not isinstance(service, dict):
                continue
            name = service.get("name")
            svc = inv.find("Service", ing.namespace, name)
            if svc is None:
                if not inv.exists("Service", ing.namespace, name):
                    yield finding(INGRESS_BACKEND_MISSING, ing,
                                  f"backend Service {ing.namespace}/{name} does not exist", f"{path}.service.name")
                continue
            port = service.get("port") or {}
            ports = svc.get("spec.ports") or []
            if "number" in port and not any(p.get("port") == port["number"] for p in ports):
                yield finding(INGRESS_BACKEND_MISSING, ing,
                              f"Service {name} has no port {port['number']} (it has "
                              f"{', '.join(str(p.get('port')) for p in ports) or 'none'})", f"{path}.service.port.number")
            if "name" in port and not any(p.get("name") == port["name"] for p in ports):
                yield finding(INGRESS_BACKEND_MISSING, ing,
                              f"Service {name} has no port named {port['name']!r}", f"{path}.service.port.name")


def _hpa_target_missing(inv: Inventory, _opts: dict[str, Any]) -> Iterable[Finding]:
    for hpa in inv.of_kind("HorizontalPodAutoscaler"):
        ref = hpa.get("spec.scaleTargetRef") or {}
        kind, name = ref.get("kind"), ref.get("name")
        if kind and name and not inv.exists(kind, hpa.namespace, name):
            yield finding(HPA_TARGET_MISSING, hpa, f"scaleTargetRef {kind}/{name} does not exist in namespace "
                          f"{hpa.namespace}", "spec.scaleTargetRef.name")


def _pod_references(doc: Document, spec_path: str) -> Iterator[tuple[str, str, str, bool]]:
    """``(kind, name, field path, optional)`` for every object a pod spec names."""
    spec = doc.get(spec_path) or {}
    sa = spec.get("serviceAccountName") or spec.get("serviceAccount")
    if sa:
        key = "serviceAccountName" if spec.get("serviceAccountName") else "serviceAccount"
        yield "ServiceAccount", sa, f"{spec_path}.{key}", False
    for i, secret in enumerate(spec.get("imagePullSecrets") or []):
        if isinstance(secret, dict) and secret.get("name"):
            yield "Secret", secret["name"], f"{spec_path}.imagePullSecrets[{i}].name", False
    for i, vol in enumerate(spec.get("volumes") or []):
        if not isinstance(vol, dict):
            continue
        base = f"{spec_path}.volumes[{i}]"
        if isinstance(vol.get("configMap"), dict):
            yield "ConfigMap", vol["configMap"].get("name", ""), f"{base}.configMap.name", bool(vol["configMap"].get("optional"))
        if isinstance(vol.get("secret"), dict):
            yield "Secret", vol["secret"].get("secretName", ""), f"{base}.secret.secretName", bool(vol["secret"].get("optional"))
        if isinstance(vol.get("persistentVolumeClaim"), dict):
            yield "PersistentVolumeClaim", vol["persistentVolumeClaim"].get("claimName", ""), \
                f"{base}.persistentVolumeClaim.claimName", False
        for j, src in enumerate(((vol.get("projected") or {}).get("sources")) or []):
            if isinstance(src, dict):
                for kind, key in (("ConfigMap", "configMap"), ("Secret", "secret")):
                    if isinstance(src.get(key), dict):
                        yield kind, src[key].get("name", ""), f"{base}.projected.sources[{j}].{key}.name", \
                            bool(src[key].get("optional"))
    for group in ("initContainers", "containers"):
        for ci, c in enumerate(spec.get(group) or []):
            if not isinstance(c, dict):
                continue
            cbase = f"{spec_path}.{group}[{ci}]"
            for j, src in enumerate(c.get("envFrom") or []):
                for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                    if isinstance(src, dict) and isinstance(src.get(key), dict):
                        yield kind, src[key].get("name", ""), f"{cbase}.envFrom[{j}].{key}.name", bool(src[key].get("optional"))
            for j, env in enumerate(c.get("env") or []):
                vf = env.get("valueFrom") if isinstance(env, dict) else None
                if not isinstance(vf, dict):
                    continue
                for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                    if isinstance(vf.get(key), dict):
                        yield kind, vf[key].get("name", ""), f"{cbase}.env[{j}].valueFrom.{key}.name", bool(vf[key].get("optional"))


def _missing_reference(check: Check, kind: str) -> Any:
    def run(inv: Inventory, _opts: dict[str, Any]) -> Iterable[Finding]:
        for doc, _labels, spec_path in pod_templates(inv):
            claim_templates = {t.get("metadata", {}).get("name") for t in doc.get("spec.volumeClaimTemplates") or []
                               if isinstance(t, dict)}
            for ref_kind, name, path, optional in _pod_references(doc, spec_path):
                if ref_kind != kind or optional or not name:
                    continue
                if kind == "ServiceAccount" and name == "default":
                    continue
                if kind == "PersistentVolumeClaim" and name in claim_templates:
                    continue
                if not inv.exists(kind, doc.namespace, name):
                    yield finding(check, doc, f"{kind} {doc.namespace}/{name} does not exist: pods of {doc.kind}/"
                                  f"{doc.name} will not start (add it, list it in the assumptions file, or mark "
                                  "the reference optional: true if the pod can run without it)", path)
    return run


def _selector_template_mismatch(inv: Inventory, _opts: dict[str, Any]) -> Iterable[Finding]:
    for doc, labels, _spec in pod_templates(inv):
        if doc.kind in ("Pod", "CronJob", "Job"):
            continue
        selector = doc.get("spec.selector")
        if isinstance(selector, dict) and not _selector_matches(selector, labels):
            shown = ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "none"
            yield finding(SELECTOR_TEMPLATE_MISMATCH, doc, f"spec.selector does not match the template's labels "
                          f"({shown}): the API server rejects this object (`selector` does not match template "
                          "`labels`)", "spec.selector.matchLabels" if selector.get("matchLabels") else "spec.selector")


SERVICE_SELECTS_NOTHING = Check(
    "service-selects-nothing", "error", "static",
    "A Service's selector matches no pod template in its namespace.",
    "A Service routes to the pods its selector matches. When no Pod or workload template in the "
    "namespace carries every selector label, the Service never gets an endpoint: clients get "
    "connection refused. kmodel names the label that differs on the closest template.",
    "kind: Service\nspec: {selector: {app: frontend}}\n---\nkind: Deployment\nspec:\n  template:\n"
    "    metadata: {labels: {app: front-end}}",
    "kind: Service\nspec: {selector: {app: frontend}}\n---\nkind: Deployment\nspec:\n  template:\n"
    "    metadata: {labels: {app: frontend}}",
    _service_selects_nothing)

SERVICE_PORT_UNRESOLVED = Check(
    "service-port-unresolved", "error", "static",
    "A Service's named targetPort is not a named containerPort of the pods it selects.",
    "A named targetPort is resolved per pod against its containers' named ports; a pod without a "
    "port of that name is left out of the endpoints for that port, so traffic never reaches it.",
    "kind: Service\nspec:\n  ports: [{port: 80, targetPort: http}]\n---\n# containers: ports: [{name: web, containerPort: 8080}]",
    "kind: Service\nspec:\n  ports: [{port: 80, targetPort: http}]\n---\n# containers: ports: [{name: http, containerPort: 8080}]",
    _service_port_unresolved)

INGRESS_BACKEND_MISSING = Check(
    "ingress-backend-missing", "error", "static",
    "An Ingress backend names a Service or a Service port that does not exist.",
    "Each Ingress backend names a Service in the Ingress's namespace and one of its ports, by "
    "number or name. A missing Service or port makes the controller answer 503 for that path "
    "(the AWS Load Balancer Controller refuses to reconcile the whole IngressGroup).",
    "kind: Ingress\nspec:\n  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: shop, port: {number: 80}}}}]}}]",
    "# the same, with a Service named shop exposing port 80",
    _ingress_backend_missing)

HPA_TARGET_MISSING = Check(
    "hpa-target-missing", "error", "static",
    "A HorizontalPodAutoscaler's scaleTargetRef names a workload that does not exist.",
    "The autoscaler reads and writes the scale subresource of its target; when the target is "
    "missing the HPA reports FailedGetScale and never scales anything.",
    "kind: HorizontalPodAutoscaler\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}}",
    "# the same, with a Deployment named api in the namespace",
    _hpa_target_missing)

PDB_SELECTS_NOTHING = Check(
    "pdb-selects-nothing", "warning", "static",
    "A PodDisruptionBudget's selector matches no pod template in its namespace.",
    "A budget that selects no pod protects nothing: drains and evictions proceed unchecked. "
    "(An empty selector selects every pod in the namespace and is not reported.)",
    "kind: PodDisruptionBudget\nspec: {minAvailable: 1, selector: {matchLabels: {app: db}}}\n# no pod has app=db",
    "kind: PodDisruptionBudget\nspec: {minAvailable: 1, selector: {matchLabels: {app: database}}}",
    None)  # type: ignore[arg-type]
PDB_SELECTS_NOTHING = Check(**{**PDB_SELECTS_NOTHING.__dict__,
                               "run": _selects_nothing(PDB_SELECTS_NOTHING, "PodDisruptionBudget", "spec.selector")})

NETWORKPOLICY_SELECTS_NOTHING = Check(
    "networkpolicy-selects-nothing", "warning", "static",
    "A NetworkPolicy's podSelector matches no pod template in its namespace.",
    "A policy applies to the pods its podSelector matches; one that matches nothing isolates "
    "nothing, which is almost always a typo in a label. (An empty podSelector selects every pod.)",
    "kind: NetworkPolicy\nspec: {podSelector: {matchLabels: {app: fronted}}}",
    "kind: NetworkPolicy\nspec: {podSelector: {matchLabels: {app: frontend}}}",
    None)  # type: ignore[arg-type]
NETWORKPOLICY_SELECTS_NOTHING = Check(**{**NETWORKPOLICY_SELECTS_NOTHING.__dict__,
                                         "run": _selects_nothing(NETWORKPOLICY_SELECTS_NOTHING, "NetworkPolicy",
                                                                 "spec.podSelector")})


def _ref_check(id_: str, kind: str, summary: str, doc: str, failing: str, passing: str) -> Check:
    base = Check(id_, "error", "static", summary, doc, failing, passing, None)  # type: ignore[arg-type]
    return Check(**{**base.__dict__, "run": _missing_reference(base, kind)})


SERVICEACCOUNT_MISSING = _ref_check(
    "serviceaccount-missing", "ServiceAccount",
    "A pod template names a ServiceAccount that does not exist.",
    "The ServiceAccount admission plugin rejects a pod whose serviceAccountName does not exist, so "
    "the workload's controller fails every create (FailedCreate) and no pod ever runs. Every "
    "namespace has `default`.",
    "spec: {template: {spec: {serviceAccountName: shop-api}}}\n# no ServiceAccount shop-api",
    "# the same, with kind: ServiceAccount, metadata: {name: shop-api}")
CONFIGMAP_MISSING = _ref_check(
    "configmap-missing", "ConfigMap",
    "A pod template uses a ConfigMap that does not exist (and is not optional).",
    "A pod whose volume, envFrom or env valueFrom names a missing ConfigMap stays in "
    "ContainerCreating (volume) or CreateContainerConfigError (env) until it appears, unless the "
    "reference says optional: true.",
    "volumes: [{name: cfg, configMap: {name: shop-config}}]\n# no ConfigMap shop-config",
    "volumes: [{name: cfg, configMap: {name: shop-config, optional: true}}]")
SECRET_MISSING = _ref_check(
    "secret-missing", "Secret",
    "A pod template uses a Secret that does not exist (and is not optional).",
    "Like ConfigMaps: a missing Secret in a volume, envFrom, env valueFrom or imagePullSecrets "
    "keeps the pod from starting (or from pulling its image). Secrets made by an operator can be "
    "listed in the assumptions file.",
    "env: [{name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db-credentials, key: password}}}]",
    "# the same, with the Secret db-credentials in the input or the assumptions file")
PVC_MISSING = _ref_check(
    "pvc-missing", "PersistentVolumeClaim",
    "A pod template mounts a PersistentVolumeClaim that does not exist.",
    "A pod whose volume names a missing claim is not scheduled (the VolumeBinding plugin reports "
    "it unresolvable) until the claim exists. StatefulSet volumeClaimTemplates are created by the "
    "controller and are not reported.",
    "volumes: [{name: data, persistentVolumeClaim: {claimName: shop-data}}]\n# no PVC shop-data",
    "# the same, with kind: PersistentVolumeClaim, metadata: {name: shop-data}")
SELECTOR_TEMPLATE_MISMATCH = Check(
    "selector-template-mismatch", "error", "static",
    "A workload's selector does not match its own pod template's labels.",
    "The API server rejects a ReplicaSet, Deployment, StatefulSet or DaemonSet whose selector "
    "does not select its template (it would create pods it cannot count, forever). kmodel's "
    "loader rejects it for the kinds it models; this check reports it for the others.",
    "kind: StatefulSet\nspec: {selector: {matchLabels: {app: db}}, template: {metadata: {labels: {app: database}}}}",
    "kind: StatefulSet\nspec: {selector: {matchLabels: {app: db}}, template: {metadata: {labels: {app: db}}}}",
    _selector_template_mismatch)

CHECKS: tuple[Check, ...] = (
    SERVICE_SELECTS_NOTHING,
    SERVICE_PORT_UNRESOLVED,
    INGRESS_BACKEND_MISSING,
    HPA_TARGET_MISSING,
    PDB_SELECTS_NOTHING,
    SERVICEACCOUNT_MISSING,
    CONFIGMAP_MISSING,
    SECRET_MISSING,
    PVC_MISSING,
    SELECTOR_TEMPLATE_MISMATCH,
    NETWORKPOLICY_SELECTS_NOTHING,
)


_KINDS = {
    "service-selects-nothing": ("Service",),
    "service-port-unresolved": ("Service",),
    "ingress-backend-missing": ("Ingress",),
    "hpa-target-missing": ("HorizontalPodAutoscaler",),
    "pdb-selects-nothing": ("PodDisruptionBudget",),
    "networkpolicy-selects-nothing": ("NetworkPolicy",),
    "selector-template-mismatch": ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController"),
}
CHECKS = tuple(Check(**{**c.__dict__, "kinds": _KINDS.get(c.id, _WORKLOAD_KINDS)}) for c in CHECKS)
