"""PodDisruptionBudget status and the eviction decision, as counts.

Upstream (v1.35): ``pkg/controller/disruption/disruption.go`` (``trySync``,
``getExpectedPodCount``, ``countHealthyPods``, ``updatePdbStatus``: ``disruptionsAllowed =
currentHealthy - desiredHealthy``, 0 when negative or when no pods are expected) and
``pkg/registry/core/pod/storage/eviction.go`` (``EvictionREST.Create``: ``canIgnorePDB`` for
pending pods, the not-ready path that deletes without decrementing when
``currentHealthy >= desiredHealthy > 0``, ``checkAndDecrement``: 429 while
``observedGeneration < generation`` or ``disruptionsAllowed == 0``, otherwise decrement);
``/work/shared/reference/k8s-workload-semantics.md`` §5.

One PDB selects the pods of one ReplicaSet with ``replicas`` replicas. Pods are counted by phase
and readiness: ``ready`` (Running and Ready: healthy), ``unready`` (Running, not Ready) and
``pending``. The PDB's status is what the disruption controller last wrote (``synced`` once it
has written one): evictions read it, not the pods. The PDB is given by ``pdb_kind`` (0:
``minAvailable`` int, 1: ``minAvailable`` percentage, 2: ``maxUnavailable`` int, 3:
``maxUnavailable`` percentage) and ``pdb_value``.

Steps: the disruption controller's sync; evictions of a ready, a not-ready or a pending pod (from
the environment: a drain); the ReplicaSet controller replacing evicted pods; the kubelet
starting a pod and a pod becoming ready; and, from the environment, a node failure making a
ready pod not ready (at most ``max_failures``).

Abstracted away: pod identities and the ``disruptedPods`` map (an eviction is atomic: the pod is
deleted at once and stops counting), several PDBs per pod, unmanaged pods, PDB spec changes
(``observedGeneration``), ``unhealthyPodEvictionPolicy: AlwaysAllow`` (the default
``IfHealthyBudget`` is modelled), dry runs and API conflicts.

Examples
--------
>>> m = DisruptionBudget(replicas=3, pdb_kind=0, pdb_value=2, max_failures=1)
>>> r = m.checker().bfs()
>>> r["eviction-respects-budget"].verdict, len(r["eviction-respects-budget"].path)
('violated', 3)
>>> [str(a) for a in r["eviction-respects-budget"].path.actions]
['disruption-controller: sync', 'node-failure: node-failure', 'eviction: evict-ready']
>>> DisruptionBudget(replicas=3, pdb_kind=0, pdb_value=2).checker().bfs()["eviction-respects-budget"].verdict
'holds'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kmodel.model import Property, always
from kmodel.smt.symbolic import Action, Param, SymbolicModel, Var

__all__ = ["DisruptionBudget", "desired_healthy", "PDB_KINDS"]

#: ``pdb_kind`` values.
PDB_KINDS = {0: "minAvailable (int)", 1: "minAvailable (%)", 2: "maxUnavailable (int)", 3: "maxUnavailable (%)"}
_BIG = 2**20


def _ceil_pct(o: Any, value: Any, total: Any) -> Any:
    """``GetScaledValueFromIntOrPercent(value%, total, roundUp=true)`` (exact for small products)."""
    return o.quo(value * total + 99, 100)


def desired_healthy(o: Any, kind: Any, value: Any, expected: Any) -> Any:
    """``getExpectedPodCount``'s ``desiredHealthy`` for ``expected`` pods.

    maxUnavailable (int or percentage rounded up): ``max(0, expected - maxUnavailable)``;
    minAvailable: the int, or the percentage of ``expected`` rounded up.
    """
    min_int = value
    min_pct = _ceil_pct(o, value, expected)
    max_int = o.max(expected - value, 0)
    max_pct = o.max(expected - _ceil_pct(o, value, expected), 0)
    return o.ite(kind == 0, min_int, o.ite(kind == 1, min_pct, o.ite(kind == 2, max_int, max_pct)))


class DisruptionBudget(SymbolicModel):
    """A PDB over a ReplicaSet's pods, its controller, evictions and node failures.

    Properties: ``eviction-respects-budget`` (no eviction leaves fewer ready pods than
    ``desiredHealthy``; a history flag ``broke`` records the first that does) and
    ``allowed-non-negative`` (``status.disruptionsAllowed >= 0``).
    """

    name = "disruption-budget"
    upstream = ("pkg/controller/disruption/disruption.go", "pkg/registry/core/pod/storage/eviction.go")
    PARAMS = (
        Param("replicas", 0, 100_000, "spec.replicas of the ReplicaSet the PDB selects"),
        Param("pdb_kind", 0, 3, "0 minAvailable int, 1 minAvailable %, 2 maxUnavailable int, 3 maxUnavailable %"),
        Param("pdb_value", 0, 100_000, "the PDB's number"),
        Param("max_failures", 0, 1_000, "node failures (a ready pod becomes not ready)"),
    )
    VARS = (
        Var("ready", 0, _BIG, "Running and Ready pods"),
        Var("unready", 0, _BIG, "Running pods that are not Ready"),
        Var("pending", 0, _BIG, "Pending pods"),
        Var("synced", 0, 1, "the disruption controller has written a status"),
        Var("st_healthy", 0, _BIG, "status.currentHealthy"),
        Var("st_desired", 0, _BIG, "status.desiredHealthy"),
        Var("st_allowed", -_BIG, _BIG, "status.disruptionsAllowed"),
        Var("broke", 0, 1, "an eviction took the ready pods below desiredHealthy"),
        Var("failures", 0, 1_000, "node failures so far"),
    )

    def defaults(self) -> dict[str, Any]:
        return {"replicas": 3, "pdb_kind": 0, "pdb_value": 2, "max_failures": 0}

    def valid(self, o: Any, s: Any) -> Any:
        # Percentages are at most 100% (ValidatePodDisruptionBudgetSpec).
        return o.or_(o.and_(s.pdb_kind != 1, s.pdb_kind != 3), s.pdb_value <= 100)

    def init(self, o: Any, s: Any) -> Mapping[str, Any]:
        return {"ready": s.replicas, "unready": 0, "pending": 0, "synced": 0, "st_healthy": 0, "st_desired": 0,
                "st_allowed": 0, "broke": 0, "failures": 0}

    def desired(self, o: Any, s: Any) -> Any:
        """desiredHealthy from the spec (the expected count is ``replicas``, or all pods for an
        integer minAvailable, whose desiredHealthy does not depend on it)."""
        return desired_healthy(o, s.pdb_kind, s.pdb_value, s.replicas)

    def transitions(self) -> Sequence[Action]:
        return (
            Action("sync", "disruption-controller", _sync, doc="trySync: recompute the PDB status"),
            Action("evict-ready", "eviction", _evict_ready, fair=False, doc="evict a Running, Ready pod"),
            Action("evict-unready-healthy-budget", "eviction", _evict_unready_free, fair=False,
                   doc="evict a not-Ready pod while currentHealthy >= desiredHealthy > 0 (no decrement)"),
            Action("evict-unready", "eviction", _evict_unready_budget, fair=False,
                   doc="evict a not-Ready pod against disruptionsAllowed"),
            Action("evict-pending", "eviction", _evict_pending, fair=False, doc="evict a Pending pod (PDB ignored)"),
            Action("replace", "replicaset-controller", _replace, doc="create pods up to spec.replicas"),
            Action("start", "kubelet", _start, doc="a pending pod starts (not ready yet)"),
            Action("ready", "kubelet", _ready, doc="a pod becomes ready"),
            Action("node-failure", "node-failure", _fail, fair=False, doc="a ready pod becomes not ready"),
        )

    def formulas(self) -> Sequence[Property[Any]]:
        return (
            always("eviction-respects-budget", lambda o, s: s.broke == 0,
                   description="no eviction leaves fewer ready pods than desiredHealthy"),
            always("allowed-non-negative", lambda o, s: s.st_allowed >= 0,
                   description="status.disruptionsAllowed is never negative"),
        )

    def invariants(self) -> Mapping[str, Any]:
        def status_sound(o: Any, s: Any) -> Any:
            return o.and_(
                s.ready >= 0, s.unready >= 0, s.pending >= 0, s.st_allowed >= 0,
                o.or_(s.synced == 0, s.synced == 1), s.failures >= 0, s.failures <= s.max_failures,
                o.implies(s.synced == 0, s.st_allowed == 0),
                o.implies(s.synced == 1, s.st_desired == desired_healthy(o, s.pdb_kind, s.pdb_value, s.replicas)),
                o.or_(s.st_allowed == 0, s.ready >= s.st_desired + s.st_allowed),
            )
        return {"status-sound": status_sound}


def _sync(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    pods = s.ready + s.unready + s.pending
    expected = o.ite(s.pdb_kind == 0, pods, s.replicas)
    desired = desired_healthy(o, s.pdb_kind, s.pdb_value, expected)
    healthy = s.ready
    allowed = healthy - desired
    allowed = o.ite(o.or_(expected <= 0, allowed <= 0), 0, allowed)
    return o.true, {"synced": 1, "st_healthy": healthy, "st_desired": desired, "st_allowed": allowed}


def _evict_ready(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    guard = o.and_(s.ready > 0, s.synced == 1, s.st_allowed > 0)
    below = s.ready - 1 < desired_healthy(o, s.pdb_kind, s.pdb_value, s.replicas)
    return guard, {"ready": s.ready - 1, "st_allowed": s.st_allowed - 1, "broke": o.ite(below, 1, s.broke)}


def _evict_unready_free(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    guard = o.and_(s.unready > 0, s.st_healthy >= s.st_desired, s.st_desired > 0)
    return guard, {"unready": s.unready - 1}


def _evict_unready_budget(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    free = o.and_(s.st_healthy >= s.st_desired, s.st_desired > 0)
    guard = o.and_(s.unready > 0, o.not_(free), s.synced == 1, s.st_allowed > 0)
    return guard, {"unready": s.unready - 1, "st_allowed": s.st_allowed - 1}


def _evict_pending(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    return s.pending > 0, {"pending": s.pending - 1}


def _replace(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    total = s.ready + s.unready + s.pending
    return total < s.replicas, {"pending": s.pending + (s.replicas - total)}


def _start(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    return s.pending > 0, {"pending": s.pending - 1, "unready": s.unready + 1}


def _ready(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    return s.unready > 0, {"unready": s.unready - 1, "ready": s.ready + 1}


def _fail(o: Any, s: Any, c: Any) -> tuple[Any, dict[str, Any]]:
    return o.and_(s.ready > 0, s.failures < s.max_failures), {"ready": s.ready - 1, "unready": s.unready + 1,
                                                             "failures": s.failures + 1}
