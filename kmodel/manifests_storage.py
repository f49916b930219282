"""Loading and validating StorageClasses, PersistentVolumes, PersistentVolumeClaims,
ServiceAccounts, Secrets and ConfigMaps, and the storage and probe fields of pod specs.

:mod:`kmodel.manifests` hands each document of these kinds to a reader here (and calls
:func:`pod_volumes` and :func:`probe` for pod specs); errors name the file, line, document and
field as for every other kind.

What is read
------------
StorageClass (``storage.k8s.io/v1``)
    ``provisioner`` (required), ``volumeBindingMode`` (``Immediate``, default, or
    ``WaitForFirstConsumer``), ``reclaimPolicy`` (``Delete``, default, or ``Retain``),
    ``allowedTopologies`` (``matchLabelExpressions`` on ``topology.kubernetes.io/zone`` with
    operator ``In``: the zones). Accepted and ignored: ``parameters``, ``mountOptions``,
    ``allowVolumeExpansion``. Another topology key is an error (kmodel models zones only).
PersistentVolume (``v1``)
    ``capacity.storage`` (required), ``accessModes``, ``storageClassName``,
    ``persistentVolumeReclaimPolicy`` (default ``Retain``), ``claimRef`` (``namespace``,
    ``name``), ``nodeAffinity.required.nodeSelectorTerms`` on ``topology.kubernetes.io/zone``
    (``In``: zones) or ``kubernetes.io/hostname`` (``In`` one node: a local volume),
    ``status.phase``. The volume source (``csi``, ``local``, ``hostPath``, ...) is accepted and
    ignored.
PersistentVolumeClaim (``v1``)
    ``resources.requests.storage`` (required), ``accessModes`` (required, non-empty),
    ``storageClassName`` (absent: ``None``, the default class; ``""``: none), ``volumeName``,
    ``status.phase``; the ``volume.kubernetes.io/selected-node`` annotation with metadata.
ServiceAccount, Secret, ConfigMap (``v1``)
    ServiceAccount ``automountServiceAccountToken`` (``secrets`` and ``imagePullSecrets``
    accepted and ignored); Secret ``type`` and the keys of ``data``/``stringData``; ConfigMap the
    keys of ``data``/``binaryData``.
Pod spec
    ``volumes[].persistentVolumeClaim.claimName`` (other sources: a volume without a claim);
    containers' ``livenessProbe``, ``readinessProbe``, ``startupProbe`` timing fields
    (``initialDelaySeconds``, ``periodSeconds``, ``timeoutSeconds``, ``successThreshold``,
    ``failureThreshold``; the handler is accepted and ignored), validated as upstream
    (``successThreshold`` must be 1 for liveness and startup probes; values positive).

Upstream: ``pkg/apis/core/validation/validation.go`` (``ValidatePersistentVolume``,
``ValidatePersistentVolumeClaim``, ``validateProbe``), ``pkg/apis/storage/validation``.

Examples
--------
>>> import io
>>> from kmodel.manifests import load
>>> text = '''
... apiVersion: storage.k8s.io/v1
... kind: StorageClass
... metadata: {name: zonal}
... provisioner: ebs.csi.aws.com
... volumeBindingMode: WaitForFirstConsumer
... '''
>>> sc = load(["-"], stdin=io.StringIO(text)).objects[0]
>>> sc.volume_binding_mode, sc.dynamic
('WaitForFirstConsumer', True)
"""

from __future__ import annotations

from typing import Any

from kmodel.objects.access import ConfigMap, Secret, ServiceAccount
from kmodel.objects.probes import Probe
from kmodel.objects.storage import (
    PersistentVolume,
    PersistentVolumeClaim,
    PersistentVolumeClaimSpec,
    PersistentVolumeClaimStatus,
    PersistentVolumeSpec,
    PersistentVolumeStatus,
    StorageClass,
    Volume,
)

__all__ = ["READERS", "ROOT_FIELDS", "KINDS", "pod_volumes", "probe"]

ZONE_KEYS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
HOSTNAME_KEY = "kubernetes.io/hostname"
_ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
_BINDING_MODES = ("Immediate", "WaitForFirstConsumer")
_PV_PHASES = ("Pending", "Available", "Bound", "Released", "Failed")
_PVC_PHASES = ("Pending", "Bound", "Lost")
_PV_SOURCES = ("awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc", "flexVolume",
               "flocker", "gcePersistentDisk", "glusterfs", "hostPath", "iscsi", "local", "nfs",
               "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos",
               "vsphereVolume")
_PV_SPEC_FIELDS = ("capacity", "accessModes", "claimRef", "persistentVolumeReclaimPolicy", "storageClassName",
                   "mountOptions", "volumeMode", "nodeAffinity", "volumeAttributesClassName") + _PV_SOURCES
_PVC_SPEC_FIELDS = ("accessModes", "selector", "resources", "volumeName", "storageClassName", "volumeMode",
                    "dataSource", "dataSourceRef", "volumeAttributesClassName")
_SC_FIELDS = ("apiVersion", "kind", "metadata", "provisioner", "parameters", "reclaimPolicy", "mountOptions",
              "allowVolumeExpansion", "volumeBindingMode", "allowedTopologies")
_SA_FIELDS = ("apiVersion", "kind", "metadata", "secrets", "imagePullSecrets", "automountServiceAccountToken")
_SECRET_FIELDS = ("apiVersion", "kind", "metadata", "data", "stringData", "type", "immutable")
_CM_FIELDS = ("apiVersion", "kind", "metadata", "data", "binaryData", "immutable")
_PROBE_FIELDS = ("exec", "httpGet", "tcpSocket", "grpc", "initialDelaySeconds", "timeoutSeconds", "periodSeconds",
                 "successThreshold", "failureThreshold", "terminationGracePeriodSeconds")
_VOLUME_SOURCES = ("hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs",
                   "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs",
                   "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte",
                   "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos",
                   "csi", "ephemeral", "image")

#: kind -> apiVersion.
KINDS = {"StorageClass": "storage.k8s.io/v1", "PersistentVolume": "v1", "PersistentVolumeClaim": "v1",
         "ServiceAccount": "v1", "Secret": "v1", "ConfigMap": "v1"}
#: Top-level fields of the kinds that have no ``spec``.
ROOT_FIELDS = {"StorageClass": _SC_FIELDS, "ServiceAccount": _SA_FIELDS, "Secret": _SECRET_FIELDS,
               "ConfigMap": _CM_FIELDS}


def _manifests() -> Any:
    from kmodel import manifests

    return manifests


def _storage(o: Any, key: str, *, required: bool) -> int:
    units, _ = o.resources(key)
    amount = dict(units).get("storage")
    if amount is None:
        if required:
            o.map(key).fail("required value: storage", "storage")
        return 0
    return amount


def _access_modes(o: Any, *, required: bool) -> tuple[str, ...]:
    modes = o.strings("accessModes")
    for value, path, line in o.list("accessModes"):
        if value not in _ACCESS_MODES:
            o.ctx.fail(f"unsupported value {value!r} (supported: {', '.join(_ACCESS_MODES)})", path, line)
    if required and not modes:
        o.fail("at least 1 access mode is required", "accessModes")
    return tuple(modes)


def _zones_of_terms(terms: list[Any], *, allow_hostname: bool) -> tuple[tuple[str, ...], str]:
    zones: list[str] = []
    node = ""
    for t in terms:
        exprs = t.objs("matchExpressions") if t.has("matchExpressions") else t.objs("matchLabelExpressions")
        for e in exprs:
            key = e.str("key", required=True)
            values = e.strings("values")
            operator = e.str("operator", "In")
            if operator != "In":
                e.fail(f"kmodel reads topology terms with operator In only, got {operator!r}", "operator")
            if key in ZONE_KEYS:
                zones.extend(values)
            elif key == HOSTNAME_KEY and allow_hostname and len(values) == 1:
                node = values[0]
            else:
                e.fail(f"kmodel models volume topology by zone ({ZONE_KEYS[0]})"
                       + (f" or one {HOSTNAME_KEY}" if allow_hostname else "") + f"; got key {key!r}", "key")
    return tuple(sorted(set(zones))), node


def _read_storage_class(o: Any) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _manifests()._metadata(o, "StorageClass")
    provisioner = o.str("provisioner", required=True)
    mode = o.enum("volumeBindingMode", _BINDING_MODES, "Immediate")
    reclaim = o.enum("reclaimPolicy", ("Delete", "Retain"), "Delete")
    zones: list[str] = []
    for t in o.objs("allowedTopologies"):
        t.known(("matchLabelExpressions",))
        z, _ = _zones_of_terms([t], allow_hostname=False)
        zones.extend(z)
    return StorageClass(meta, provisioner, mode, reclaim, tuple(sorted(set(zones)))), uid, owners


def _read_pv(o: Any) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _manifests()._metadata(o, "PersistentVolume")
    s = o.map("spec", required=True)
    s.known(_PV_SPEC_FIELDS)
    capacity = _storage(s, "capacity", required=True)
    claim_ref = ""
    if s.has("claimRef"):
        c = s.map("claimRef")
        claim_ref = f"{c.str('namespace') or 'default'}/{c.str('name', required=True)}"
    zones: tuple[str, ...] = ()
    node = ""
    if s.has("nodeAffinity"):
        na = s.map("nodeAffinity")
        req = na.map("required")
        zones, node = _zones_of_terms(req.objs("nodeSelectorTerms"), allow_hostname=True)
    spec = PersistentVolumeSpec(capacity, _access_modes(s, required=True), s.str("storageClassName"), zones, node,
                                claim_ref, s.enum("persistentVolumeReclaimPolicy", ("Retain", "Delete", "Recycle"),
                                                  "Retain"))
    phase = o.map("status").enum("phase", _PV_PHASES, "Bound" if claim_ref else "Available") \
        if o.has("status") else ("Bound" if claim_ref else "Available")
    return PersistentVolume(meta, spec, PersistentVolumeStatus(phase)), uid, owners


def _read_pvc(o: Any) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _manifests()._metadata(o, "PersistentVolumeClaim")
    s = o.map("spec", required=True)
    s.known(_PVC_SPEC_FIELDS)
    r = s.map("resources", required=True)
    r.known(("requests", "limits"))
    request = _storage(r, "requests", required=True)
    sc = s.str("storageClassName") if s.raw("storageClassName") is not None else None
    spec = PersistentVolumeClaimSpec(request, _access_modes(s, required=True), sc, s.str("volumeName"))
    phase = o.map("status").enum("phase", _PVC_PHASES, "Pending") if o.has("status") else "Pending"
    return PersistentVolumeClaim(meta, spec, PersistentVolumeClaimStatus(phase)), uid, owners


def _read_sa(o: Any) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _manifests()._metadata(o, "ServiceAccount")
    automount = o.bool("automountServiceAccountToken") if o.raw("automountServiceAccountToken") is not None else None
    return ServiceAccount(meta, automount), uid, owners


def _keys(o: Any, *fields: str) -> tuple[str, ...]:
    out: set[str] = set()
    for f in fields:
        if o.has(f):
            out.update(o.map(f).d.keys())
    return tuple(sorted(out))


def _read_secret(o: Any) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _manifests()._metadata(o, "Secret")
    return Secret(meta, o.str("type") or "Opaque", _keys(o, "data", "stringData")), uid, owners


def _read_configmap(o: Any) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _manifests()._metadata(o, "ConfigMap")
    return ConfigMap(meta, _keys(o, "data", "binaryData")), uid, owners


def probe(c: Any, key: str) -> Probe | None:
    """A container's probe ``key`` (``livenessProbe``...), or ``None`` when absent."""
    if not c.has(key):
        return None
    p = c.map(key)
    p.known(_PROBE_FIELDS)

    def positive(field: str, default: int, minimum: int = 1) -> int:
        value = p.int(field, default)
        assert value is not None
        if value < minimum:
            p.fail(f"must be greater than or equal to {minimum}, got {value}", field)
        return value

    result = Probe(positive("initialDelaySeconds", 0, 0), positive("periodSeconds", 10),
                   positive("timeoutSeconds", 1), positive("successThreshold", 1), positive("failureThreshold", 3))
    if key in ("livenessProbe", "startupProbe") and result.success_threshold != 1:
        p.fail(f"must be 1 for {key}, got {result.success_threshold}", "successThreshold")
    return result


def pod_volumes(s: Any) -> tuple[Volume, ...]:
    """``spec.volumes``: claim volumes (other sources are kept without a claim)."""
    out = []
    seen: set[str] = set()
    for v in s.objs("volumes"):
        v.known(("name",) + _VOLUME_SOURCES)
        name = v.str("name", required=True)
        if name in seen:
            v.fail(f"duplicate volume name {name!r}", "name")
        seen.add(name)
        claim = ""
        if v.has("persistentVolumeClaim"):
            pvc = v.map("persistentVolumeClaim")
            pvc.known(("claimName", "readOnly"))
            claim = pvc.str("claimName", required=True)
        out.append(Volume(name, claim, _projected(v.map("projected")) if v.has("projected") else ()))
    return tuple(out)


def _projected(p: Any) -> tuple[tuple[str, str], ...]:
    """A ``projected`` volume's sources as the kubelet needs them (:class:`Volume`): a
    ``serviceAccountToken`` (its ``expirationSeconds``, default 3600, at least 600), each
    ConfigMap that is not ``optional``, each downward API field."""
    p.known(("sources", "defaultMode"))
    out: set[tuple[str, str]] = set()
    for src in p.objs("sources"):
        src.known(("serviceAccountToken", "configMap", "secret", "downwardAPI", "clusterTrustBundle",
                   "podCertificate"))
        if src.has("serviceAccountToken"):
            t = src.map("serviceAccountToken")
            t.known(("audience", "expirationSeconds", "path"))
            t.str("path", required=True)
            out.add(("serviceAccountToken", str(t.int("expirationSeconds", 3600, minimum=600, bits=64))))
        if src.has("configMap"):
            c = src.map("configMap")
            c.known(("name", "items", "optional"))
            if not c.bool("optional"):
                out.add(("configMap", c.str("name", required=True)))
        if src.has("downwardAPI"):
            d = src.map("downwardAPI")
            d.known(("items",))
            for item in d.objs("items"):
                item.known(("path", "fieldRef", "resourceFieldRef", "mode"))
                if item.has("fieldRef"):
                    out.add(("downwardAPI", item.map("fieldRef").str("fieldPath", required=True)))
    return tuple(sorted(out))


READERS = {
    "StorageClass": _read_storage_class,
    "PersistentVolume": _read_pv,
    "PersistentVolumeClaim": _read_pvc,
    "ServiceAccount": _read_sa,
    "Secret": _read_secret,
    "ConfigMap": _read_configmap,
}
