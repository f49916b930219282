"""The disruption controller: PodDisruptionBudget status as a pure function of the cluster.

``reconcile(state, key)`` returns the ``UpdateStatus`` one ``sync`` of the PDB at ``key`` writes
(nothing when the status is already what it would write), as upstream's ``trySync``:

1. ``getPodsForPdb``: the pods of the PDB's namespace its selector matches (a nil selector
   matches nothing, an empty one every pod), in any phase.
2. :func:`get_expected_pod_count`: ``expectedPods`` and ``desiredHealthy``. An integer
   ``minAvailable`` is the desired count and the matching pods are expected; a percentage
   ``minAvailable`` or any ``maxUnavailable`` is scaled against the summed scale of the pods'
   controllers (:func:`get_expected_scale`), percentages rounded **up**
   (``intstr.GetScaledValueFromIntOrPercent(..., true)``), ``desiredHealthy`` not below 0.
   A pod's controller is found as upstream's finders do: a ReplicaSet owned by a Deployment
   counts as the Deployment (its ``spec.replicas``), a ReplicaSet without one (or whose
   Deployment does not resolve: ``getScaleController`` reads its ``/scale``) as itself; a pod
   without a controller is unmanaged (it counts nothing); a controller the finders cannot
   resolve (a missing ReplicaSet, a kind the model does not serve) is an error.
3. :func:`build_disrupted_pod_map` and :func:`count_healthy_pods`: the Eviction API records
   every pod it lets go in ``status.disruptedPods``; a listed pod that is not yet being deleted
   does not count as healthy until ``DeletionTimeout`` (2 min) passes. Entries of pods that are
   gone or being deleted are dropped.
4. ``updatePdbStatus``: ``disruptionsAllowed = currentHealthy - desiredHealthy``, 0 when
   negative or when no pod is expected; the ``DisruptionAllowed`` condition (True
   ``SufficientPods`` / False ``InsufficientPods``); ``observedGeneration``. Written only when
   something differs.
5. On an error (step 2), ``failSafe``: ``disruptionsAllowed = 0`` and the condition False
   ``SyncFailed``, keeping the rest of the status.

**The DeletionTimeout is an abstract timer per entry.** When a sync keeps entries (their pods
are listed and not being deleted), the sync has one alternative per set of entries whose timer
has expired: none (the entries stay and their pods are not healthy), ..., all (the entries are
dropped, as upstream's recheck queue re-syncs the PDB when the earliest entry expires). A sync
that would write nothing is no step, so weak fairness on the PDB's key makes the timers expire
eventually. In the model the Eviction API deletes the
pod in the step that records it (:mod:`kmodel.registry.eviction`), so such entries only arise
when a pod of the same name is created again before the controller has seen the deletion
(the model reuses generated names; upstream's random suffixes make that rare): the two
alternatives cover both readings.

Abstracted away: events (``NoPods``, ``UnmanagedPods``, ``CalculateExpectedPodCountFailed``),
the stale ``DisruptionTarget`` pod-condition cleanup (``syncStalePodDisruption``: the Eviction
API's condition is written together with the deletion here, so it is never stale),
ReplicationControllers, StatefulSets and the generic ``/scale`` finder (the model serves none
of them: their pods' controllers do not resolve, and the sync fails safe), conflicts (the
controller's write is atomic with its read), dry runs.

Upstream: ``pkg/controller/disruption/disruption.go`` (``trySync``, ``getExpectedPodCount``,
``getExpectedScale``, ``getPodReplicaSet``, ``getPodDeployment``, ``countHealthyPods``,
``buildDisruptedPodMap``, ``updatePdbStatus``, ``failSafe``);
``staging/src/k8s.io/component-helpers/apps/poddisruptionbudget/helpers.go``.

Examples
--------
>>> from kmodel.objects.meta import LabelSelector, ObjectMeta
>>> from kmodel.objects.policy import PodDisruptionBudget, PodDisruptionBudgetSpec
>>> from kmodel.objects.workloads import Container, Pod, PodCondition, PodSpec, PodStatus
>>> ready = PodStatus("Running", (PodCondition("Ready", "True"),))
>>> pods = [Pod(ObjectMeta(f"p{i}", "default", labels=(("app", "web"),)), PodSpec((Container("c"),)), ready)
...         for i in range(3)]
>>> pdb = PodDisruptionBudget(ObjectMeta("web", "default", generation=1),
...                           PodDisruptionBudgetSpec(LabelSelector((("app", "web"),)), min_available=2))
>>> st = sync_status(ClusterState.of(pods + [pdb]), pdb)
>>> st.expected_pods, st.desired_healthy, st.current_healthy, st.disruptions_allowed, st.conditions[0].reason
(3, 2, 3, 1, 'SufficientPods')
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence

from kmodel.api import Request, UpdateStatus
from kmodel.controllers.deployment_util import get_scaled_value_from_int_or_percent
from kmodel.objects.meta import ObjectRef, OwnerReference, replace
from kmodel.objects.policy import (
    DISRUPTION_ALLOWED,
    SYNC_FAILED,
    PDBCondition,
    PodDisruptionBudget,
    PodDisruptionBudgetStatus,
    _set_condition,
    update_disruption_allowed_condition,
)
from kmodel.objects.workloads import Pod, is_pod_ready
from kmodel.state import ClusterState

__all__ = ["keys", "reconcile", "sync_status", "get_pods_for_pdb", "get_expected_scale",
           "get_expected_pod_count", "count_healthy_pods", "build_disrupted_pod_map", "disruptions_allowed",
           "DELETION_TIMEOUT_SECONDS"]

#: ``DeletionTimeout``: how long a ``disruptedPods`` entry keeps its pod from counting as healthy.
DELETION_TIMEOUT_SECONDS = 120


class ExpectedCountError(Exception):
    """``getExpectedPodCount`` failed (the sync fails safe)."""


def keys(state: ClusterState) -> list[ObjectRef]:
    """The work queue: every PodDisruptionBudget (none: the controller is idle)."""
    return [p.ref for p in state.list("PodDisruptionBudget")]


def get_pods_for_pdb(state: ClusterState, pdb: PodDisruptionBudget) -> list[Pod]:
    """``getPodsForPdb``: pods of the PDB's namespace its selector matches (nil: none)."""
    selector = pdb.spec.selector
    if selector is None:
        return []
    return [p for p in state.list("Pod", pdb.metadata.namespace) if selector.matches(p.metadata.labels)]


def _find_controller(state: ClusterState, ref: OwnerReference, namespace: str) -> tuple[str, int] | None:
    """The finders in upstream's order, ``(controller uid, scale)`` or ``None``.

    ``getPodDeployment`` (the pod's ReplicaSet is controlled by an existing Deployment: its
    scale), ``getPodReplicaSet`` (a ReplicaSet without a Deployment owner), and
    ``getScaleController``, whose ``/scale`` read finds a Deployment-owned ReplicaSet whose
    Deployment does not resolve (its own ``spec.replicas``). ReplicationControllers and
    StatefulSets are not served by the model: their ``/scale`` is not found either.
    """
    if ref.kind != "ReplicaSet" or ref.api_version.rpartition("/")[0] not in ("apps", "extensions"):
        return None
    rs = state.get(ObjectRef("ReplicaSet", namespace, ref.name))
    if rs is None or rs.metadata.uid != ref.uid:
        return None
    owner = rs.metadata.controller_ref()
    if owner is not None and owner.kind == "Deployment" and owner.api_version.rpartition("/")[0] in ("apps", "extensions"):
        d = state.get(ObjectRef("Deployment", namespace, owner.name))
        if d is not None and d.metadata.uid == owner.uid:
            return d.metadata.uid, 1 if d.spec.replicas is None else d.spec.replicas
    return rs.metadata.uid, rs.replicas  # getPodReplicaSet, or getScaleController on the ReplicaSet


def get_expected_scale(state: ClusterState, pods: Sequence[Pod]) -> tuple[int, list[str]]:
    """``getExpectedScale``: the summed scale of the pods' controllers (each counted once) and
    the names of unmanaged pods; :class:`ExpectedCountError` for a controller no finder resolves."""
    scales: dict[str, int] = {}
    unmanaged = []
    for pod in pods:
        ref = pod.metadata.controller_ref()
        if ref is None:
            unmanaged.append(pod.metadata.name)
            continue
        if ref.uid in scales:
            continue
        found = _find_controller(state, ref, pod.metadata.namespace)
        if found is None:
            raise ExpectedCountError(f'found no controllers for pod "{pod.metadata.name}"')
        scales[found[0]] = found[1]
    return sum(scales.values()), unmanaged


def get_expected_pod_count(state: ClusterState, pdb: PodDisruptionBudget,
                           pods: Sequence[Pod]) -> tuple[int, int, list[str]]:
    """``getExpectedPodCount``: ``(expectedCount, desiredHealthy, unmanaged pod names)``.

    Raises :class:`ExpectedCountError` where upstream returns an error.
    """
    spec = pdb.spec
    expected = desired = 0
    unmanaged: list[str] = []
    try:
        if spec.max_unavailable is not None:
            expected, unmanaged = get_expected_scale(state, pods)
            desired = max(expected - get_scaled_value_from_int_or_percent(spec.max_unavailable, expected, True), 0)
        elif spec.min_available is not None:
            if isinstance(spec.min_available, int):
                desired, expected = spec.min_available, len(pods)
            else:
                expected, unmanaged = get_expected_scale(state, pods)
                desired = get_scaled_value_from_int_or_percent(spec.min_available, expected, True)
    except ValueError as exc:
        raise ExpectedCountError(str(exc)) from None
    return expected, desired, unmanaged


def build_disrupted_pod_map(pods: Sequence[Pod], pdb: PodDisruptionBudget, *,
                            expired: Collection[str] = ()) -> tuple[tuple[str, ...], bool]:
    """``buildDisruptedPodMap``: the entries to keep and whether a recheck is due.

    An entry is kept while its pod is listed and not being deleted and its ``DeletionTimeout``
    has not passed (the abstract timer: ``expired`` names the entries whose timeout has).
    Returns ``(names, recheck)``; ``recheck`` says an entry was kept (upstream requeues the PDB
    for its expiry).
    """
    listed = set(pdb.status.disrupted_pods)
    if not listed:
        return (), False
    kept = tuple(sorted(p.metadata.name for p in pods
                        if p.metadata.name in listed and not p.metadata.deleting and p.metadata.name not in expired))
    return kept, bool(kept)


def count_healthy_pods(pods: Sequence[Pod], disrupted: Sequence[str] = ()) -> int:
    """``countHealthyPods``: Ready pods that are not being deleted and not in ``disrupted``."""
    skip = set(disrupted)
    return sum(1 for p in pods if not p.metadata.deleting and p.metadata.name not in skip and is_pod_ready(p))


def disruptions_allowed(current_healthy: int, desired_healthy: int, expected_count: int) -> int:
    """``status.disruptionsAllowed`` as ``updatePdbStatus`` computes it.

    >>> disruptions_allowed(3, 2, 3), disruptions_allowed(2, 2, 3), disruptions_allowed(1, 0, 0)
    (1, 0, 0)
    """
    allowed = current_healthy - desired_healthy
    return 0 if expected_count <= 0 or allowed <= 0 else allowed


def _fail_safe(pdb: PodDisruptionBudget, message: str) -> PodDisruptionBudgetStatus:
    """``failSafe``: no disruption allowed, condition False ``SyncFailed``, rest kept."""
    st = pdb.status
    return replace(st, disruptions_allowed=0,
                   conditions=_set_condition(st.conditions, PDBCondition(DISRUPTION_ALLOWED, "False", SYNC_FAILED)))


def sync_status(state: ClusterState, pdb: PodDisruptionBudget, *,
                expired: Collection[str] = ()) -> PodDisruptionBudgetStatus:
    """The status one ``trySync`` of ``pdb`` computes (``expired``: the ``disruptedPods``
    entries whose DeletionTimeout has passed); ``failSafe``'s status when it fails."""
    pods = get_pods_for_pdb(state, pdb)
    try:
        expected, desired, _ = get_expected_pod_count(state, pdb, pods)
    except ExpectedCountError as exc:
        return _fail_safe(pdb, str(exc))
    disrupted, _ = build_disrupted_pod_map(pods, pdb, expired=expired)
    healthy = count_healthy_pods(pods, disrupted)
    status = PodDisruptionBudgetStatus(
        observed_generation=pdb.metadata.generation, disrupted_pods=disrupted,
        disruptions_allowed=disruptions_allowed(healthy, desired, expected), current_healthy=healthy,
        desired_healthy=desired, expected_pods=expected, conditions=pdb.status.conditions)
    return update_disruption_allowed_condition(status)


def _write(pdb: PodDisruptionBudget, status: PodDisruptionBudgetStatus) -> tuple[Request, ...]:
    # updatePdbStatus skips the write when counts, map, generation and condition agree; the
    # status computed here sets all of them, so that is equality (failSafe's identical write
    # changes nothing either).
    if status == pdb.status:
        return ()
    return (UpdateStatus(replace(pdb, status=status), pdb.metadata.resource_version),)


def reconcile(state: ClusterState, key: ObjectRef) -> tuple[tuple[Request, ...], ...]:
    """The alternatives of one ``sync`` of the PDB at ``key``: one per set of kept
    ``disruptedPods`` entries whose timer has expired (none first; see the module docstring)."""
    pdb = state.get(key)
    if pdb is None:
        return ()
    pods = get_pods_for_pdb(state, pdb)
    kept, _ = build_disrupted_pod_map(pods, pdb)
    alternatives: list[tuple[Request, ...]] = []
    for size in range(len(kept) + 1):
        for expired in itertools.combinations(kept, size):
            reqs = _write(pdb, sync_status(state, pdb, expired=expired))
            if reqs not in alternatives:
                alternatives.append(reqs)
    return tuple(alternatives)
