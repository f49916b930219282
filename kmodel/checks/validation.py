"""``invalid-manifest``: API-server validation of the kinds kmodel does not load into its model.

The loader validates the kinds it models (Pods, ReplicaSets, Deployments, Nodes, Namespaces)
strictly and stops with exit code 2 on the first error. The other kinds are not understood by
the model, but the API server would still reject them; this check runs the upstream validation
rules that catch the usual mistakes, and reports each as a finding at the offending field:

* Service (``ValidateService``, ``pkg/apis/core/validation/validation.go``): ``type`` one of
  ClusterIP, NodePort, LoadBalancer, ExternalName; every port 1-65535, protocol TCP/UDP/SCTP,
  ``targetPort`` a port number or an IANA service name (at most 15 characters, lowercase
  letters, digits and ``-``, at least one letter); ``nodePort`` in the default range
  30000-32767 and only for NodePort and LoadBalancer Services; port names unique and required
  when there are several ports; ExternalName needs ``externalName``;
* Ingress (``networking/validation``): ``pathType`` one of Exact, Prefix,
  ImplementationSpecific; a backend names a service or a resource, not both; a service port by
  number or by name, not both;
* HorizontalPodAutoscaler (``autoscaling/validation``): ``minReplicas`` at least 1 and at most
  ``maxReplicas``;
* PodDisruptionBudget (``policy/validation``): exactly one of ``minAvailable`` and
  ``maxUnavailable``, each an integer >= 0 or a percentage;
* PersistentVolumeClaim: ``accessModes`` from ReadWriteOnce, ReadOnlyMany, ReadWriteMany,
  ReadWriteOncePod; ``resources.requests.storage`` a valid quantity;
* pod templates of the other workload kinds (StatefulSet, DaemonSet, Job, CronJob,
  ReplicationController): resource quantities valid, requests not above limits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from kmodel.checks import Check, Finding, Inventory, finding
from kmodel.manifests import Document
from kmodel.objects.quantity import quantity_from_yaml

__all__ = ["CHECKS"]

NODE_PORT_RANGE = (30000, 32767)
_IANA_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_PERCENT = re.compile(r"^[0-9]+%$")
_SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
_PROTOCOLS = ("TCP", "UDP", "SCTP")
_PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
_ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
_MODELLED = ("Pod", "ReplicaSet", "Deployment", "Node", "Namespace")


def _port_name_ok(name: str) -> bool:
    """``IsValidPortName``: IANA_SVC_NAME."""
    return (1 <= len(name) <= 15 and bool(_IANA_NAME.match(name)) and "--" not in name
            and any(c.isalpha() for c in name))


def _int_or_percent(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    return isinstance(value, str) and bool(_PERCENT.match(value))


def _service(doc: Document) -> Iterator[tuple[str, str]]:
    kind = doc.get("spec.type", "ClusterIP")
    if kind not in _SERVICE_TYPES:
        yield f"spec.type: unsupported value {kind!r} (supported: {', '.join(_SERVICE_TYPES)})", "spec.type"
    if kind == "ExternalName" and not doc.get("spec.externalName"):
        yield "spec.externalName is required for type ExternalName", "spec.externalName"
    ports = doc.get("spec.ports") or []
    names = set()
    for i, p in enumerate(ports):
        if not isinstance(p, dict):
            continue
        base = f"spec.ports[{i}]"
        port = p.get("port")
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            yield f"{base}.port must be between 1 and 65535, got {port!r}", f"{base}.port"
        if p.get("protocol", "TCP") not in _PROTOCOLS:
            yield f"{base}.protocol: unsupported value {p.get('protocol')!r}", f"{base}.protocol"
        target = p.get("targetPort")
        if isinstance(target, int) and not isinstance(target, bool) and not 1 <= target <= 65535:
            yield f"{base}.targetPort must be between 1 and 65535, got {target}", f"{base}.targetPort"
        elif isinstance(target, str) and not _port_name_ok(target):
            yield (f"{base}.targetPort {target!r} is not a valid port name (IANA_SVC_NAME: at most 15 "
                   "lowercase letters, digits and '-', with a letter)"), f"{base}.targetPort"
        node_port = p.get("nodePort")
        if node_port is not None:
            if kind not in ("NodePort", "LoadBalancer"):
                yield f"{base}.nodePort may not be used when type is {kind}", f"{base}.nodePort"
            elif isinstance(node_port, bool) or not isinstance(node_port, int) or \
                    not NODE_PORT_RANGE[0] <= node_port <= NODE_PORT_RANGE[1]:
                yield (f"{base}.nodePort {node_port!r} is outside the node port range "
                       f"{NODE_PORT_RANGE[0]}-{NODE_PORT_RANGE[1]}"), f"{base}.nodePort"
        name = p.get("name")
        if len(ports) > 1 and not name:
            yield f"{base}.name is required when a Service has more than one port", base
        if name in names:
            yield f"{base}.name {name!r} is a duplicate", f"{base}.name"
        names.add(name)


def _ingress(doc: Document) -> Iterator[tuple[str, str]]:
    for i, rule in enumerate(doc.get("spec.rules") or []):
        for j, p in enumerate(((rule or {}).get("http") or {}).get("paths") or []):
            if not isinstance(p, dict):
                continue
            base = f"spec.rules[{i}].http.paths[{j}]"
            if p.get("pathType") not in _PATH_TYPES:
                yield (f"{base}.pathType must be one of {', '.join(_PATH_TYPES)}, got {p.get('pathType')!r}",
                       f"{base}.pathType")
            backend = p.get("backend") or {}
            if ("service" in backend) == ("resource" in backend):
                yield f"{base}.backend must name exactly one of service and resource", f"{base}.backend"
            port = (backend.get("service") or {}).get("port") or {}
            if "service" in backend and ("name" in port) == ("number" in port):
                yield f"{base}.backend.service.port needs exactly one of name and number", f"{base}.backend.service.port"


def _hpa(doc: Document) -> Iterator[tuple[str, str]]:
    low, high = doc.get("spec.minReplicas", 1), doc.get("spec.maxReplicas")
    if isinstance(low, int) and low < 1:
        yield f"spec.minReplicas must be at least 1, got {low}", "spec.minReplicas"
    if not isinstance(high, int) or isinstance(high, bool):
        yield "spec.maxReplicas is required", "spec"
    elif isinstance(low, int) and low > high:
        yield f"spec.minReplicas ({low}) must be at most spec.maxReplicas ({high})", "spec.minReplicas"


def _pdb(doc: Document) -> Iterator[tuple[str, str]]:
    spec = doc.get("spec") or {}
    have = [k for k in ("minAvailable", "maxUnavailable") if spec.get(k) is not None]
    if len(have) == 2:
        yield "minAvailable and maxUnavailable cannot both be set", "spec.maxUnavailable"
    for k in have:
        if not _int_or_percent(spec[k]):
            yield f"spec.{k} must be an integer >= 0 or a percentage, got {spec[k]!r}", f"spec.{k}"


def _quantity(value: Any, path: str) -> Iterator[tuple[str, str]]:
    try:
        quantity_from_yaml(value)
    except ValueError as exc:
        yield f"{path}: {exc}", path


def _pvc(doc: Document) -> Iterator[tuple[str, str]]:
    for i, mode in enumerate(doc.get("spec.accessModes") or []):
        if mode not in _ACCESS_MODES:
            yield f"spec.accessModes[{i}]: unsupported value {mode!r}", f"spec.accessModes[{i}]"
    storage = doc.get("spec.resources.requests.storage")
    if storage is not None:
        yield from _quantity(storage, "spec.resources.requests.storage")


def _template(doc: Document) -> Iterator[tuple[str, str]]:
    from kmodel.checks.references import pod_templates

    for d, _labels, spec_path in pod_templates(Inventory((doc,))):
        for group in ("initContainers", "containers"):
            for i, c in enumerate(d.get(f"{spec_path}.{group}") or []):
                if not isinstance(c, dict):
                    continue
                base = f"{spec_path}.{group}[{i}].resources"
                amounts: dict[str, dict[str, Any]] = {}
                for part in ("requests", "limits"):
                    for name, value in ((c.get("resources") or {}).get(part) or {}).items():
                        bad = list(_quantity(value, f"{base}.{part}.{name}"))
                        yield from bad
                        if not bad:
                            amounts.setdefault(part, {})[name] = quantity_from_yaml(value).amount
                for name, req in (amounts.get("requests") or {}).items():
                    lim = (amounts.get("limits") or {}).get(name)
                    if lim is not None and req > lim:
                        yield (f"{base}.requests.{name} must be less than or equal to the {name} limit",
                               f"{base}.requests.{name}")


_RULES = {
    "Service": _service,
    "Ingress": _ingress,
    "HorizontalPodAutoscaler": _hpa,
    "PodDisruptionBudget": _pdb,
    "PersistentVolumeClaim": _pvc,
    "StatefulSet": _template,
    "DaemonSet": _template,
    "Job": _template,
    "CronJob": _template,
    "ReplicationController": _template,
}


def _invalid(inv: Inventory, _opts: dict[str, Any]) -> Iterable[Finding]:
    for doc in inv.documents:
        rule = _RULES.get(doc.kind)
        if rule is None or doc.kind in _MODELLED:
            continue
        for message, path in rule(doc):
            yield finding(INVALID_MANIFEST, doc, f"the API server rejects this object: {message}", path)


INVALID_MANIFEST = Check(
    "invalid-manifest", "error", "static",
    "An object the API server would reject (bad quantity, enum, required field, NodePort range, ...).",
    "kmodel's loader validates the kinds it models strictly (a bad Deployment stops the run with "
    "exit code 2); for the other kinds this check runs the upstream validation rules that catch "
    "the usual mistakes, so one bad Service does not hide every other finding.",
    "kind: Service\nspec: {type: NodePort, ports: [{port: 80, nodePort: 8080}]}",
    "kind: Service\nspec: {type: NodePort, ports: [{port: 80, nodePort: 30080}]}",
    _invalid,
    tuple(_RULES),
)

CHECKS: tuple[Check, ...] = (INVALID_MANIFEST,)
