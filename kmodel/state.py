"""``ClusterState``: the store (etcd) as an immutable value.

Objects are kept per kind in tuples sorted by ``(namespace, name)``; a write copies only the
tuple of the kind it touches (found by binary search), so successive states share almost
everything. Equality and hash
ignore the store's ``revision`` (and objects' resource versions, see :mod:`kmodel.objects.meta`).

Examples
--------
>>> from kmodel.objects.meta import ObjectMeta
>>> from kmodel.objects.nodes import Node
>>> s = ClusterState.empty().with_(Node(ObjectMeta("worker-b"))).with_(Node(ObjectMeta("worker-a")))
>>> [n.name for n in s.list("Node")], s.revision
(['worker-a', 'worker-b'], 2)
>>> s.without(s.list("Node")[0].ref).get(s.list("Node")[0].ref) is None
True
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from kmodel.objects.meta import ObjectRef

__all__ = ["ClusterState", "KINDS", "CLUSTER_SCOPED_KINDS"]

#: Kinds kept in state, in the order states are printed.
KINDS = ("Namespace", "Node", "Deployment", "ReplicaSet", "Pod")

#: Kinds without a namespace: upstream's cluster-scoped built-in kinds (``kubectl api-resources
#: --namespaced=false`` on v1.35, plus the alpha and beta ones), whether kmodel models them or not,
#: and the two AWS kinds of ``objects/elbv2``. The one list the loader, the API server, the
#: garbage collector and ``kubectl apply`` (:mod:`kmodel.kubectl`) consult.
CLUSTER_SCOPED_KINDS = frozenset({
    "Namespace", "Node", "PersistentVolume", "ComponentStatus",
    "StorageClass", "CSIDriver", "CSINode", "VolumeAttachment", "VolumeAttributesClass",
    "IngressClass", "IPAddress", "ServiceCIDR",
    "ClusterRole", "ClusterRoleBinding",
    "PriorityClass", "RuntimeClass",
    "CustomResourceDefinition", "APIService",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
    "CertificateSigningRequest", "ClusterTrustBundle",
    "FlowSchema", "PriorityLevelConfiguration",
    "DeviceClass", "ResourceSlice", "DeviceTaintRule",
    "StorageVersion", "StorageVersionMigration",
    "TokenReview", "SelfSubjectReview", "SubjectAccessReview", "SelfSubjectAccessReview", "SelfSubjectRulesReview",
    "AWSLoadBalancer", "AWSTargetGroup",  # AWS, see objects/elbv2
})

_EMPTY: tuple[Any, ...] = ()
T = TypeVar("T")


def _key(obj: Any) -> tuple[str, str]:
    m = obj.metadata
    return (m.namespace, m.name)


class ClusterState:
    """An immutable store of Kubernetes objects keyed by :class:`ObjectRef`."""

    __slots__ = ("_kinds", "revision", "_hash", "_derived")

    def __init__(self, kinds: dict[str, tuple[Any, ...]], revision: int = 0) -> None:
        self._kinds = kinds
        self.revision = revision
        self._hash = 0
        self._derived: dict[Any, Any] | None = None

    @classmethod
    def empty(cls) -> ClusterState:
        return cls({}, 0)

    @classmethod
    def of(cls, objects: Any, revision: int = 0) -> ClusterState:
        """A state holding ``objects`` (an iterable); duplicates by reference are an error."""
        kinds: dict[str, list[Any]] = {}
        seen: set[ObjectRef] = set()
        for obj in objects:
            ref = obj.ref
            if ref in seen:
                raise ValueError(f"duplicate object {ref}")
            seen.add(ref)
            kinds.setdefault(obj.kind, []).append(obj)
        return cls({k: tuple(sorted(v, key=_key)) for k, v in kinds.items()}, revision)

    # -- reading ---------------------------------------------------------------------------
    def get(self, ref: ObjectRef) -> Any | None:
        """The object at ``ref``, or ``None``."""
        for obj in self._kinds.get(ref.kind, _EMPTY):
            m = obj.metadata
            if m.name == ref.name and m.namespace == ref.namespace:
                return obj
        return None

    def list(self, kind: str, namespace: str | None = None) -> tuple[Any, ...]:
        """Objects of ``kind`` (in ``namespace`` if given), sorted by namespace and name."""
        objs = self._kinds.get(kind, _EMPTY)
        if namespace is None or not objs:
            return objs
        # Sorted by namespace first: when the first and the last are in ``namespace``, all are.
        if objs[0].metadata.namespace == namespace and objs[-1].metadata.namespace == namespace:
            return objs
        return tuple(o for o in objs if o.metadata.namespace == namespace)

    def objects(self) -> Iterator[Any]:
        """Every object, by kind (in :data:`KINDS` order, then others sorted) and key."""
        order = [k for k in KINDS if k in self._kinds] + sorted(k for k in self._kinds if k not in KINDS)
        for kind in order:
            yield from self._kinds[kind]

    def derived(self, fn: Callable[[ClusterState], T]) -> T:
        """``fn(self)``, computed once per state object and kept with it (states are immutable).

        For derived data several readers of one state need (the scheduler's snapshot is read by
        the scheduler for each pending pod and by properties): ``fn`` must be a pure function of
        the state, and its result must not be mutated. Not part of equality or hashing.

        Examples
        --------
        >>> s = ClusterState.empty()
        >>> s.derived(len) == 0 and s.derived(len) is s.derived(len)
        True
        """
        cache = self._derived
        if cache is None:
            cache = self._derived = {}
        try:
            return cache[fn]  # type: ignore[no-any-return]
        except KeyError:
            value = cache[fn] = fn(self)
            return value

    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(self._kinds))

    def __len__(self) -> int:
        return sum(len(v) for v in self._kinds.values())

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, ObjectRef) and self.get(ref) is not None

    # -- writing (new states) --------------------------------------------------------------
    def with_(self, obj: Any) -> ClusterState:
        """A new state with ``obj`` added or replacing the object with its reference;
        the revision is incremented."""
        kind = obj.kind
        key = _key(obj)
        objs = self._kinds.get(kind, _EMPTY)
        i = bisect_left(objs, key, key=_key)  # objs are sorted by key, keys unique
        if i < len(objs) and _key(objs[i]) == key:
            new = objs[:i] + (obj,) + objs[i + 1:]
        else:
            new = objs[:i] + (obj,) + objs[i:]
        kinds = dict(self._kinds)
        kinds[kind] = new
        return ClusterState(kinds, self.revision + 1)

    def without(self, ref: ObjectRef) -> ClusterState:
        """A new state without the object at ``ref`` (unchanged if absent, but revision + 1)."""
        objs = self._kinds.get(ref.kind, _EMPTY)
        kept = tuple(o for o in objs if not (o.metadata.name == ref.name and o.metadata.namespace == ref.namespace))
        kinds = dict(self._kinds)
        if kept:
            kinds[ref.kind] = kept
        else:
            kinds.pop(ref.kind, None)
        return ClusterState(kinds, self.revision + 1)

    # -- value semantics -------------------------------------------------------------------
    def __hash__(self) -> int:
        h = self._hash
        if h == 0:
            h = hash(tuple(sorted(self._kinds.items()))) or 1
            self._hash = h
        return h

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, ClusterState):
            return NotImplemented
        if self._hash and other._hash and self._hash != other._hash:
            return False
        return self._kinds == other._kinds

    def __repr__(self) -> str:
        return f"ClusterState({len(self)} objects, revision {self.revision})"
