"""Storage objects: StorageClass, PersistentVolume, PersistentVolumeClaim and a pod's claim
volumes (``k8s.io/api/core/v1``, ``k8s.io/api/storage/v1``).

What is kept is what the PV controller, the scheduler's VolumeBinding filter and the kubelet
read: sizes in bytes, access modes, the class, the binding mode, the topology a volume can be
reached from (zones, as ``topology.kubernetes.io/zone`` node-affinity terms or a class's
``allowedTopologies``), the claim reference of a bound volume, the volume name of a bound claim,
the phases, and the ``volume.kubernetes.io/selected-node`` annotation the scheduler writes for a
``WaitForFirstConsumer`` claim.

Abstracted: label selectors on claims, volume modes, mount options, CSI attributes, capacity
tracking (``CSIStorageCapacity``), expansion, snapshots; a node-affinity term other than a zone
list (for ``local`` volumes the kmodel form is the zone of their node plus ``node``: the node
name the volume lives on).

Upstream: ``staging/src/k8s.io/api/core/v1/types.go`` (``PersistentVolumeSpec``,
``PersistentVolumeClaimSpec``), ``staging/src/k8s.io/api/storage/v1/types.go``
(``StorageClass``, ``VolumeBindingMode``).

Examples
--------
>>> from kmodel.objects.meta import ObjectMeta
>>> pv = PersistentVolume(ObjectMeta("pv-a"), PersistentVolumeSpec(10 << 30, ("ReadWriteOnce",), "standard",
...                       zones=("eu-1a",)))
>>> pv.ref, pv.status.phase, pv.reachable_from("eu-1a", "n1"), pv.reachable_from("eu-1b", "n2")
(PersistentVolume/pv-a, 'Available', True, False)
"""

from __future__ import annotations

from kmodel.objects.meta import ObjectMeta, ObjectRef, _hash_field, record

__all__ = ["StorageClass", "PersistentVolumeSpec", "PersistentVolumeStatus", "PersistentVolume",
           "PersistentVolumeClaimSpec", "PersistentVolumeClaimStatus", "PersistentVolumeClaim", "Volume",
           "IMMEDIATE", "WAIT_FOR_FIRST_CONSUMER", "SELECTED_NODE_ANNOTATION", "BIND_COMPLETED_ANNOTATION"]

IMMEDIATE = "Immediate"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"
#: ``volume.kubernetes.io/selected-node``: set by the scheduler on a delayed-binding claim.
SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node"
#: ``pv.kubernetes.io/bind-completed``: set by the PV controller once a claim is bound.
BIND_COMPLETED_ANNOTATION = "pv.kubernetes.io/bind-completed"


@record
class Volume:
    """``spec.volumes[]`` of a pod, as far as storage is modelled: a ``persistentVolumeClaim``
    source (``claim_name``), a ``projected`` source (``projected``: its sources as sorted
    ``(kind, detail)`` pairs, ``("serviceAccountToken", "<expirationSeconds>")``,
    ``("configMap", "<name>")`` for a ConfigMap that must exist, ``("downwardAPI", "<fieldPath>")``;
    the ServiceAccount admission's ``kube-api-access-*`` volume is one, see
    :mod:`kmodel.admission`) or any other source (both empty, ignored)."""

    name: str
    claim_name: str = ""
    projected: tuple[tuple[str, str], ...] = ()
    _hash: int = _hash_field()


@record
class StorageClass:
    """A StorageClass (cluster-scoped). ``provisioner`` names the driver; kmodel knows two kinds:
    ``kubernetes.io/no-provisioner`` (static, pre-created volumes only: local disks) and any other
    (dynamic: the volume is created in the zone the claim needs, as cloud disks are), within
    ``allowed_zones`` when given."""

    metadata: ObjectMeta
    provisioner: str = "kubernetes.io/no-provisioner"
    volume_binding_mode: str = IMMEDIATE
    reclaim_policy: str = "Delete"
    allowed_zones: tuple[str, ...] = ()
    _hash: int = _hash_field()

    kind = "StorageClass"
    api_version = "storage.k8s.io/v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("StorageClass", "", self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def dynamic(self) -> bool:
        return self.provisioner != "kubernetes.io/no-provisioner"


@record
class PersistentVolumeSpec:
    """``capacity`` (bytes of storage), access modes, class, the claim it is bound to
    (``claim_ref``: ``"namespace/name"``, empty when unbound), and its topology: ``zones`` it can
    be reached from (empty: everywhere) and, for a local volume, the ``node`` it lives on."""

    capacity: int
    access_modes: tuple[str, ...] = ("ReadWriteOnce",)
    storage_class_name: str = ""
    zones: tuple[str, ...] = ()
    node: str = ""
    claim_ref: str = ""
    reclaim_policy: str = "Retain"
    _hash: int = _hash_field()


@record
class PersistentVolumeStatus:
    """``phase``: Available, Bound, Released or Failed; ``lost`` marks a disk that is gone (a
    fault: the backing storage was destroyed)."""

    phase: str = "Available"
    lost: bool = False
    _hash: int = _hash_field()


@record
class PersistentVolume:
    metadata: ObjectMeta
    spec: PersistentVolumeSpec
    status: PersistentVolumeStatus = PersistentVolumeStatus()
    _hash: int = _hash_field()

    kind = "PersistentVolume"
    api_version = "v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("PersistentVolume", "", self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name

    def reachable_from(self, zone: str | None, node: str) -> bool:
        """Whether a pod on ``node`` in ``zone`` can use this volume (its node affinity)."""
        if self.spec.node and self.spec.node != node:
            return False
        return not self.spec.zones or (zone is not None and zone in self.spec.zones)


@record
class PersistentVolumeClaimSpec:
    """``resources.requests.storage`` (bytes), access modes, class (``None``: the default
    class; ``""``: no class), and ``volume_name`` once bound."""

    request: int
    access_modes: tuple[str, ...] = ("ReadWriteOnce",)
    storage_class_name: str | None = None
    volume_name: str = ""
    _hash: int = _hash_field()


@record
class PersistentVolumeClaimStatus:
    """``phase``: Pending, Bound or Lost."""

    phase: str = "Pending"
    _hash: int = _hash_field()


@record
class PersistentVolumeClaim:
    metadata: ObjectMeta
    spec: PersistentVolumeClaimSpec
    status: PersistentVolumeClaimStatus = PersistentVolumeClaimStatus()
    _hash: int = _hash_field()

    kind = "PersistentVolumeClaim"
    api_version = "v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("PersistentVolumeClaim", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name
