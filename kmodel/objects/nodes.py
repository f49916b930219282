"""Nodes, taints and tolerations (``k8s.io/api/core/v1``).

Resources are kept as sorted ``(name, amount)`` pairs of integers in the units the scheduler
compares: millicores for ``cpu`` (``Quantity.MilliValue``), whole units for everything else
(``Quantity.Value``: bytes for memory and storage, a count for ``pods`` and extended resources),
as ``pkg/scheduler/framework/types.go`` (``Resource``) does.

Upstream: ``staging/src/k8s.io/api/core/v1/types.go``;
``staging/src/k8s.io/component-helpers/scheduling/corev1/helpers.go`` (``TolerationsTolerateTaint``);
``staging/src/k8s.io/api/core/v1/toleration.go`` (``ToleratesTaint``).
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from kmodel.objects.meta import ObjectMeta, ObjectRef, _hash_field, record

__all__ = [
    "Resources",
    "ZONE_LABEL",
    "HOSTNAME_LABEL",
    "Taint",
    "Toleration",
    "NodeCondition",
    "NodeSpec",
    "NodeStatus",
    "Node",
    "tolerates_taint",
    "find_untolerated_taint",
    "resource_get",
    "format_resource",
]

Resources = tuple[tuple[str, int], ...]
ZONE_LABEL = "topology.kubernetes.io/zone"
HOSTNAME_LABEL = "kubernetes.io/hostname"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"


def resource_get(resources: Resources, name: str) -> int:
    for k, v in resources:
        if k == name:
            return v
    return 0


def format_resource(name: str, amount: int) -> str:
    """Human form of a resource amount kept in model units.

    Examples
    --------
    >>> format_resource("cpu", 1500), format_resource("memory", 2 * 1024**3), format_resource("pods", 110)
    ('1500m', '2Gi', '110')
    """
    if name == "cpu":
        return f"{amount // 1000}" if amount % 1000 == 0 else f"{amount}m"
    if name in ("memory", "ephemeral-storage") or name.startswith("hugepages-"):
        for suffix, size in (("Ei", 1024**6), ("Pi", 1024**5), ("Ti", 1024**4), ("Gi", 1024**3),
                             ("Mi", 1024**2), ("Ki", 1024)):
            if amount and amount % size == 0:
                return f"{amount // size}{suffix}"
    return str(amount)


@record
class Taint:
    """``spec.taints[]``: effect NoSchedule, PreferNoSchedule or NoExecute."""

    key: str
    effect: str
    value: str = ""
    _hash: int = _hash_field()

    def __str__(self) -> str:
        return f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"


@record
class Toleration:
    """``spec.tolerations[]``. ``operator`` is ``Equal`` (default) or ``Exists``."""

    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""
    toleration_seconds: int | None = None
    _hash: int = _hash_field()


def tolerates_taint(toleration: Toleration, taint: Taint) -> bool:
    """Whether ``toleration`` tolerates ``taint`` (``Toleration.ToleratesTaint``).

    An empty effect matches every effect; an empty key with ``Exists`` matches every taint;
    ``Exists`` ignores the value; ``Equal`` (or empty) compares values.

    Examples
    --------
    >>> t = Taint("dedicated", "NoSchedule", "gpu")
    >>> tolerates_taint(Toleration("dedicated", "Equal", "gpu", "NoSchedule"), t)
    True
    >>> tolerates_taint(Toleration("dedicated", "Equal", "cpu"), t)
    False
    >>> tolerates_taint(Toleration("", "Exists"), t)
    True
    """
    if toleration.effect and toleration.effect != taint.effect:
        return False
    if toleration.key and toleration.key != taint.key:
        return False
    if toleration.operator == "Exists":
        return True
    if toleration.operator in ("Equal", ""):
        # An empty key with Equal is invalid upstream (validation requires Exists); it never
        # matches a taint with a non-empty key, which the key test above already covers.
        return toleration.value == taint.value
    return False


def find_untolerated_taint(taints: tuple[Taint, ...], tolerations: tuple[Toleration, ...],
                           effects: tuple[str, ...] = ("NoSchedule", "NoExecute")) -> Taint | None:
    """The first taint with an effect in ``effects`` that no toleration tolerates
    (``v1helper.FindMatchingUntoleratedTaint``)."""
    for taint in taints:
        if taint.effect not in effects:
            continue
        if not any(tolerates_taint(t, taint) for t in tolerations):
            return taint
    return None


@record
class NodeCondition:
    """``status.conditions[]``: ``type`` Ready, MemoryPressure, ...; ``status`` True/False/Unknown."""

    type: str
    status: str
    reason: str = ""
    _hash: int = _hash_field()


@record
class NodeSpec:
    unschedulable: bool = False
    taints: tuple[Taint, ...] = ()
    _hash: int = _hash_field()


@record
class NodeStatus:
    capacity: Resources = ()
    allocatable: Resources = ()
    conditions: tuple[NodeCondition, ...] = (NodeCondition("Ready", "True", "KubeletReady"),)
    _hash: int = _hash_field()


@record
class Node:
    """A Node (cluster-scoped).

    Examples
    --------
    >>> n = Node(ObjectMeta("worker-a"), status=NodeStatus(allocatable=(("cpu", 2000),)))
    >>> n.ready, n.zone, n.ref
    (True, None, Node/worker-a)
    """

    metadata: ObjectMeta
    spec: NodeSpec = NodeSpec()
    status: NodeStatus = NodeStatus()
    _hash: int = _hash_field()
    _skey: Any = field(default=None, init=False, repr=False, compare=False)

    kind = "Node"
    api_version = "v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("Node", "", self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name

    def condition(self, type_: str) -> NodeCondition | None:
        for c in self.status.conditions:
            if c.type == type_:
                return c
        return None

    @property
    def ready(self) -> bool:
        c = self.condition("Ready")
        return c is not None and c.status == "True"

    @property
    def zone(self) -> str | None:
        return self.metadata.label(ZONE_LABEL)
