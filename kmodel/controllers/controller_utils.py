"""``ActivePodsWithRanks``: the order in which a ReplicaSet deletes its pods, every rule of it.

``ActivePodsWithRanks.Less(i, j)`` says pod ``i`` should be deleted before pod ``j``. The rules, in
order, the first that tells the pods apart deciding (upstream v1.35, feature gates at their
defaults: ``PodDeletionCost`` and ``LogarithmicScaleDown`` on):

1. unassigned before assigned (only when exactly one of the two has no node);
2. phase ``Pending`` < ``Unknown`` < ``Running`` (any other phase ranks as ``Pending``);
3. not ready before ready;
4. lower ``controller.kubernetes.io/pod-deletion-cost`` first (gate ``PodDeletionCost``; a
   missing or invalid annotation is 0);
5. higher rank first (more related pods on the same node: "doubled up");
6. both ready, at different times: the more recently ready first, an unset time counting as
   most recent (``afterOrZero``); with ``LogarithmicScaleDown`` and every time set, the times are
   compared by ``floor(log2(now - t))`` in nanoseconds (``logarithmicRankDiff``), the pod with the
   lower bucket first, equal buckets ordered by UID;
7. more container restarts first: the largest restart count of the pod's regular containers,
   then, when those are equal, the largest of its sidecar containers (``restartPolicy: Always``
   init containers; ``compareMaxContainerRestarts``);
8. the more recently created first, by the same comparison as rule 6 (unset first).

**Time in the model.** kmodel's states carry no clock: a pod condition's
``last_transition_time`` is ``None`` and pods' ``creationTimestamp`` is 0 (unset), so in an
explored cluster rule 6 cannot say which of two ready pods became ready last. It then decides
nothing (:func:`compare` returns 0: "either order"), and :func:`kmodel.controllers.replicaset.get_pods_to_delete`
explores every victim that an order of the unknown times would choose; rule 8 sees equal
(unset) times. Given concrete times (API users, upstream's table tests), every rule applies as
upstream has it.

Abstracted away: container restart counts are two numbers per pod (the largest over its regular
containers and the largest over its sidecar containers, as rule 7 reads them); ``metav1.Time`` has nanoseconds, the model's times are whole
seconds.

Upstream: ``pkg/controller/controller_utils.go`` (``ActivePodsWithRanks``, ``Less``,
``podReadyTime``, ``compareMaxContainerRestarts``, ``maxContainerRestarts``, ``afterOrZero``, ``logarithmicRankDiff``,
``podPhaseToOrdinal``), ``pkg/apis/core/helper/helpers.go`` (``GetDeletionCostFromPodAnnotations``),
``pkg/features/kube_features.go`` (the two gates, on by default), v1.35.

Examples
--------
>>> from kmodel.objects.meta import ObjectMeta
>>> from kmodel.objects.workloads import Container, PodCondition, PodSpec, PodStatus
>>> def ready(name, since):
...     return Pod(ObjectMeta(name, "default"), PodSpec((Container("c"),), node_name="n1"),
...                PodStatus("Running", (PodCondition("Ready", "True", last_transition_time=since),)))
>>> now = 1_000_000
>>> pods = ActivePodsWithRanks((ready("new", now - 60), ready("old", now - 86_400)), (1, 1), now)
>>> pods.less(0, 1), pods.less(1, 0)
(True, False)
>>> ActivePodsWithRanks((ready("a", None), ready("b", None)), (1, 1)).less(0, 1)   # time unknown
False
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from kmodel.objects.meta import Labels
from kmodel.objects.workloads import Pod, is_pod_ready

__all__ = ["POD_DELETION_COST", "ActivePodsWithRanks", "compare", "get_deletion_cost_from_pod_annotations",
           "pod_ready_time", "max_container_restarts", "compare_max_container_restarts", "after_or_zero", "logarithmic_rank_diff"]

POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}  # podPhaseToOrdinal
_DECIMAL = re.compile(r"-?[0-9]+")
_NANOS = 10**9


def get_deletion_cost_from_pod_annotations(annotations: Labels) -> int:
    """``GetDeletionCostFromPodAnnotations``: the pod-deletion-cost, 0 when unset or invalid.

    Upstream first rejects values not starting with ``-``, a digit 1-9, or being exactly ``"0"``
    (so ``"+10"`` and ``"008"`` are invalid), then ``strconv.ParseInt(v, 10, 32)``: an optional
    sign and ASCII digits only, within int32 (an error, which ``Less`` reads as 0).

    Examples
    --------
    >>> [get_deletion_cost_from_pod_annotations(((POD_DELETION_COST, v),)) for v in ("10", "+10", "008", "-3")]
    [10, 0, 0, -3]
    """
    raw = next((v for k, v in annotations if k == POD_DELETION_COST), "")
    if not raw:
        return 0
    if not (raw[0] == "-" or raw == "0" or "1" <= raw[0] <= "9") or not _DECIMAL.fullmatch(raw):
        return 0
    value = int(raw)
    return value if -(2**31) <= value < 2**31 else 0


def pod_ready_time(pod: Pod) -> int | None:
    """``podReadyTime``: when a ready pod's Ready condition turned true (0: unset; ``None``: the
    model does not know), 0 for a pod that is not ready."""
    if is_pod_ready(pod):
        for c in pod.status.conditions:
            if c.type == "Ready" and c.status == "True":
                return c.last_transition_time
    return 0


def max_container_restarts(pod: Pod) -> tuple[int, int]:
    """``maxContainerRestarts``: the largest restart count of the pod's regular containers and
    the largest of its sidecar containers (counted apart)."""
    return pod.status.restart_count, pod.status.sidecar_restart_count


def compare_max_container_restarts(a: Pod, b: Pod) -> int:
    """``compareMaxContainerRestarts``: -1 when ``a`` restarted more (it goes first), 1 when
    ``b`` did, 0 when equal; the sidecars' counts only break a tie of the regular ones.

    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.workloads import Container, PodSpec, PodStatus
    >>> def pod(regular, sidecar):
    ...     return Pod(ObjectMeta("p", "default"), PodSpec((Container("c"),)),
    ...                PodStatus("Running", restart_count=regular, sidecar_restart_count=sidecar))
    >>> compare_max_container_restarts(pod(1, 0), pod(0, 9)), compare_max_container_restarts(pod(1, 2), pod(1, 5))
    (-1, 1)
    """
    (ra, sa), (rb, sb) = max_container_restarts(a), max_container_restarts(b)
    if ra != rb:
        return -1 if ra > rb else 1
    if sa != sb:
        return -1 if sa > sb else 1
    return 0


def after_or_zero(t1: int, t2: int) -> bool:
    """``afterOrZero``: ``t1`` is after ``t2``, an unset (0) time counting as after any other."""
    if t1 == 0 or t2 == 0:
        return t1 == 0
    return t1 > t2


def logarithmic_rank_diff(t1: int, t2: int, now: int) -> int:
    """``logarithmicRankDiff``: ``floor(log2(now - t1)) - floor(log2(now - t2))`` over durations in
    nanoseconds, a duration that is not positive counting as -1 (float64 ``math.Log2``, truncated,
    as Go does).

    Examples
    --------
    >>> now = 100_000
    >>> logarithmic_rank_diff(now - 5 * 3600, now - 8 * 3600, now)   # 5 h and 8 h: the same bucket
    0
    >>> logarithmic_rank_diff(now - 2 * 3600, now - 5 * 3600, now), logarithmic_rank_diff(now, now - 1, now)
    (-2, -30)
    """
    def bucket(t: int) -> int:
        d = (now - t) * _NANOS
        return int(math.log2(float(d))) if d > 0 else -1

    return bucket(t1) - bucket(t2)


def _by_time(t1: int, t2: int, uid1: str, uid2: str, now: int | None, logarithmic: bool) -> int:
    """Rules 6 and 8 for two different times: -1 when the first pod goes first."""
    if not logarithmic or not now or t1 == 0 or t2 == 0:
        return -1 if after_or_zero(t1, t2) else 1
    diff = logarithmic_rank_diff(t1, t2, now)
    if diff == 0:
        return -1 if uid1 < uid2 else 1 if uid2 < uid1 else 0
    return -1 if diff < 0 else 1


def compare(a: Pod, rank_a: int, b: Pod, rank_b: int, *, now: int | None = None, pod_deletion_cost: bool = True,
            logarithmic_scale_down: bool = True) -> int:
    """-1 when ``a`` is to be deleted before ``b`` (``Less(a, b)``), 1 when after
    (``Less(b, a)``), 0 when neither: upstream's pods are equivalent, or (``None`` ready times)
    the model does not know the order. ``now`` is ``ActivePodsWithRanks.Now`` (``None``: zero)."""
    na, nb = a.spec.node_name, b.spec.node_name
    if na != nb and (not na or not nb):
        return -1 if not na else 1
    pa, pb = _PHASE_ORDINAL.get(a.status.phase, 0), _PHASE_ORDINAL.get(b.status.phase, 0)
    if pa != pb:
        return -1 if pa < pb else 1
    ra, rb = is_pod_ready(a), is_pod_ready(b)
    if ra != rb:
        return -1 if not ra else 1
    if pod_deletion_cost:
        ca = get_deletion_cost_from_pod_annotations(a.metadata.annotations)
        cb = get_deletion_cost_from_pod_annotations(b.metadata.annotations)
        if ca != cb:
            return -1 if ca < cb else 1
    if rank_a != rank_b:
        return -1 if rank_a > rank_b else 1
    if ra and rb:
        ta, tb = pod_ready_time(a), pod_ready_time(b)
        if ta is None or tb is None:
            return 0  # time is abstract: either pod may have become ready last
        if ta != tb:  # decided here, even when the buckets and UIDs are equal (then: neither)
            return _by_time(ta, tb, a.metadata.uid, b.metadata.uid, now, logarithmic_scale_down)
    restarts = compare_max_container_restarts(a, b)
    if restarts:
        return restarts
    ca, cb = a.metadata.creation_timestamp, b.metadata.creation_timestamp
    if ca != cb:
        return _by_time(ca, cb, a.metadata.uid, b.metadata.uid, now, logarithmic_scale_down)
    return 0


@dataclass(frozen=True)
class ActivePodsWithRanks:
    """``controller.ActivePodsWithRanks``: pods, their ranks and the time of the ranking, with
    the two feature gates that change ``Less`` (both on by default in v1.35)."""

    pods: tuple[Pod, ...]
    rank: tuple[int, ...]
    now: int | None = None
    pod_deletion_cost: bool = True
    logarithmic_scale_down: bool = True

    def compare(self, i: int, j: int) -> int:
        """:func:`compare` of pods ``i`` and ``j``."""
        return compare(self.pods[i], self.rank[i], self.pods[j], self.rank[j], now=self.now,
                       pod_deletion_cost=self.pod_deletion_cost, logarithmic_scale_down=self.logarithmic_scale_down)

    def less(self, i: int, j: int) -> bool:
        """``Less(i, j)``: pod ``i`` is to be deleted before pod ``j``."""
        return self.compare(i, j) < 0
