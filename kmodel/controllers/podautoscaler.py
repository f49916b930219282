"""The HorizontalPodAutoscaler controller as a pure function of the world.

``reconcile(world, key)`` returns the API requests one ``reconcileAutoscaler`` issues for the
HPA at ``key``: an update of the target's scale (``spec.replicas`` of a Deployment or
ReplicaSet, through :mod:`kmodel.api`) when it rescales, then the HPA's status.

What one sync does, as upstream (v1.35):

1. Read the target's scale; a missing target or a kind without a modelled scale subresource is
   ``AbleToScale=False`` (``FailedGetScale``). Otherwise ``AbleToScale=True``
   (``SucceededGetScale``), and the first sync records the current size as a recommendation
   (``recordInitialRecommendation``).
2. ``current == 0`` with ``minReplicas != 0``: scaling is disabled (``ScalingActive=False``,
   ``ScalingDisabled``). ``current > maxReplicas`` or ``current < minReplicas``: the size goes
   to the bound at once, bypassing metrics, stabilization and rate limits.
3. Otherwise each metric proposes a size (``computeReplicasForMetrics``): a Resource metric
   with a Utilization target through :func:`get_resource_replicas`, with an AverageValue target
   through :func:`get_raw_resource_replicas` (``calcPlainMetricReplicas``); the largest proposal
   wins; when every metric fails, or some fail and the others would scale down, nothing is
   scaled and the first failure sets ``ScalingActive=False``; else ``ScalingActive=True``
   (``ValidMetricFound``).
4. The proposal is normalised: without ``spec.behavior`` by :func:`normalize_desired_replicas`
   (the downscale stabilization window, then :func:`convert_desired_replicas_with_rules`: the
   bounds and the scale-up limit ``max(2·current, 4)``), with it by
   :func:`normalize_desired_replicas_with_behaviors` (the up and down stabilization windows,
   then the policies over the scale events, :func:`convert_desired_replicas_with_behavior_rate`).
   ``AbleToScale`` and ``ScalingLimited`` say what limited the size.
5. A new size is written to the scale subresource (``SucceededRescale``) and recorded as a
   scale event (with behavior only); the status gets ``currentReplicas``, ``desiredReplicas``
   and the metrics, and is written when it changed.

**Metrics are inputs, kept in the environment** (``World.env.cpu_utilization``, set by the
scenario's ``cpuUtilization`` and changed by its ``cpuUtilization`` events): the CPU
utilization, in percent of the request, of every pod of a workload (keyed by the HPA's *target*
workload, ``namespace/name``: load is a property of the pods, not of the autoscaler). A pod has
a sample when it is Running on a machine the control plane reaches (the metrics server scrapes
its kubelet; :mod:`kmodel.faults`); its usage is ``percent × request / 100`` millicores (0 for a
pod without a CPU request). A workload without an entry, and every memory metric, has no
samples: the metric fails as a metrics API with no data does. Pods are grouped as upstream's
``groupPods`` does: deleted or Failed pods are ignored, Pending pods are unready, pods without a
sample are missing, and a Running pod with a sample is unready for CPU by upstream's timing rule
(:func:`cpu_unready`): without a Ready condition always; inside its CPU initialization period
(``--horizontal-pod-autoscaler-cpu-initialization-period``, 5 min) when ``Ready=False`` or its
sample is less than one metric window younger than the condition's last transition; after it
only when ``Ready=False`` and that transition came within the initial readiness delay
(``--horizontal-pod-autoscaler-initial-readiness-delay``, 30 s) of its start (it never was Ready;
a ``Ready=Unknown`` pod counts as ready, as upstream). **The model has no start, transition or
sample times, so where the answer depends on them the sync branches** (:func:`readiness_answers`):
a ``Ready=False`` pod is unready (inside the period, or never Ready) or counted (past the period
after having been Ready: a long-running pod failing its readiness probe), and ``reconcile``
returns one alternative request tuple per distinct outcome (the "unready" reading first; pods
with equal requests and samples are interchangeable, so readings differ in how many of each
such class are unready, not which). A Ready pod's sample counts: the model takes samples to be
fresh (one window after the last transition); ``reconcile(..., stale_samples=True)`` also
explores the reading where a Ready pod inside its period is unready, but the bundled controller
does not (it would multiply the HPA specs' state spaces about threefold, past the suite's budget).
The branching over-approximates in one place: a ``Ready=False`` pod that never was Ready (gated
by a readiness probe since its start) may be counted, where upstream never counts it. On a
scale up, unready and missing pods count as using nothing; on a scale down, missing pods count
as using ``max(100, target)`` percent of their request and unready ones are left out.

**Time is abstract.** Upstream's windows and policy periods compare timestamps; the model keeps
one abstract clock with two readings: entries recorded since the windows last passed are
*fresh* (age 0: inside every window and period longer than 0 s, outside a 0 s window), and the
``window-expires`` step (the ``horizontal-pod-autoscaler-window`` controller, weakly fair per
HPA: time passes; a scenario that lists its controllers lists it beside
``horizontal-pod-autoscaler``, or windows never pass) makes every entry old (outside every
window and period), which forgets them (old entries only mark slots upstream reuses). Only the smallest and largest fresh
recommendation and the sums of fresh scale-up and scale-down changes are observable through the
normalisation, so the status keeps exactly those (:mod:`kmodel.objects.autoscaling`): the
history is bounded and the state space finite. So "the last five minutes" is "since the last
``window-expires`` step"; windows of different lengths pass together. The helpers take
``(value, age_seconds)`` pairs, so the table tests check them with upstream's own times.

Abstracted: conditions' messages and times, ``lastScaleTime``, events, the selector check of
``validateAndParseSelector`` (two HPAs on one target are not refused), ``Object``, ``Pods``,
``External`` and ``ContainerResource`` metrics (reported as not modelled: they fail, see step
3), pod-level resources, ``status.startTime`` (a Running pod is taken to have one; upstream counts
a pod without it unready), the pods' and samples' times (explored as alternatives, above), and
a controller restart (which loses the histories).

Upstream: ``pkg/controller/podautoscaler/horizontal.go`` (``reconcileAutoscaler``,
``computeReplicasForMetrics``, ``stabilizeRecommendation``, ``normalizeDesiredReplicas``,
``normalizeDesiredReplicasWithBehaviors``, ``stabilizeRecommendationWithBehaviors``,
``convertDesiredReplicasWithBehaviorRate``, ``convertDesiredReplicasWithRules``,
``calculateScaleUpLimit``, ``calculateScaleUpLimitWithScalingRules``,
``calculateScaleDownLimitWithBehaviors``, ``storeScaleEvent``), ``replica_calculator.go``
(``GetResourceReplicas``, ``calcPlainMetricReplicas``, ``groupPods``, ``calculatePodRequests``,
``Tolerances``), ``metrics/utilization.go`` (``GetResourceUtilizationRatio``,
``GetMetricUsageRatio``); ``/work/shared/reference/k8s-workload-semantics.md`` §4.

Examples
--------
>>> from kmodel.objects.autoscaling import cpu_utilization_metric
>>> replica_recommendation(min_replicas=1, max_replicas=10, current_replicas=3, utilization=90,
...                        metrics=(cpu_utilization_metric(50),))
6
>>> replica_recommendation(min_replicas=2, max_replicas=10, current_replicas=3, utilization=10,
...                        metrics=(cpu_utilization_metric(50),))   # held by the stabilization window
3
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kmodel.api import Request, Update, UpdateStatus
from kmodel.objects.autoscaling import (
    DEFAULT_TOLERANCE,
    SCALABLE_KINDS,
    HorizontalPodAutoscaler,
    HorizontalPodAutoscalerBehavior,
    HorizontalPodAutoscalerCondition,
    HPAScalingRules,
    MetricSpec,
    MetricStatus,
    default_behavior,
)
from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.workloads import Pod
from kmodel.state import ClusterState

__all__ = ["reconcile", "sync", "keys", "window_keys", "window_expires", "replica_recommendation", "PodSample",
           "MetricError", "ReadinessTimes", "cpu_unready", "readiness_answers", "group_pods", "get_resource_replicas", "get_raw_resource_replicas",
           "get_resource_utilization_ratio", "get_metric_usage_ratio", "stabilize_recommendation",
           "normalize_desired_replicas", "convert_desired_replicas_with_rules", "calculate_scale_up_limit",
           "normalize_desired_replicas_with_behaviors",
           "stabilize_recommendation_with_behaviors", "convert_desired_replicas_with_behavior_rate",
           "calculate_scale_up_limit_with_scaling_rules", "calculate_scale_down_limit_with_behaviors",
           "get_replicas_change_per_period", "Tolerances", "DOWNSCALE_STABILIZATION_WINDOW", "OLD"]

#: ``--horizontal-pod-autoscaler-downscale-stabilization`` (seconds).
DOWNSCALE_STABILIZATION_WINDOW = 300
SCALE_UP_LIMIT_FACTOR = 2.0
SCALE_UP_LIMIT_MINIMUM = 4.0
#: ``--horizontal-pod-autoscaler-cpu-initialization-period`` (seconds).
CPU_INITIALIZATION_PERIOD = 300
#: ``--horizontal-pod-autoscaler-initial-readiness-delay`` (seconds).
DELAY_OF_INITIAL_READINESS_STATUS = 30
#: The age of an entry after a ``window-expires`` step: older than every window and period.
OLD = 10**9
_MAX_INT32 = 2**31 - 1
_MIN_INT32 = -(2**31)


class MetricError(Exception):
    """A metric could not be computed (upstream's ``err``); the message is upstream's."""


# -- replica calculator -------------------------------------------------------------------------
@dataclass(frozen=True)
class Tolerances:
    """``Tolerances``: a usage ratio within ``[1 - scale_down, 1 + scale_up]`` changes nothing."""

    scale_down: float = float(DEFAULT_TOLERANCE)
    scale_up: float = float(DEFAULT_TOLERANCE)

    def is_within(self, ratio: float) -> bool:
        return (1.0 - self.scale_down) <= ratio <= (1.0 + self.scale_up)


@dataclass(frozen=True)
class ReadinessTimes:
    """The times ``groupPods`` compares, in seconds on one clock: ``now``, the pod's
    ``status.startTime`` (``None``: unset), its Ready condition's ``lastTransitionTime``, and its
    metric sample's ``Timestamp`` and ``Window``."""

    now: int
    start: int | None
    transition: int = 0
    sample: int = 0
    window: int = 60


@dataclass(frozen=True)
class PodSample:
    """What the replica calculator reads of a pod: its phase, its Ready condition (``None``: none;
    ``False``: ``Ready=False``; ``True``: ``True`` or ``Unknown``, as upstream only tests for
    ``ConditionFalse``), whether it is being deleted, its request of the metric's resource
    (``None``: a container has none), and the times of :class:`ReadinessTimes`.

    Without ``times`` (the model has no clock), ``ready`` is the answer itself: ``False`` counts
    the pod unready for CPU, ``True`` counts its sample; the sync explores both answers where
    upstream's depends on times (:func:`readiness_answers`)."""

    name: str
    phase: str = "Running"
    ready: bool | None = True
    deleting: bool = False
    request: int | None = None
    times: ReadinessTimes | None = None


def cpu_unready(ready: bool | None, times: ReadinessTimes | None, *,
                cpu_initialization_period: int = CPU_INITIALIZATION_PERIOD,
                delay_of_initial_readiness_status: int = DELAY_OF_INITIAL_READINESS_STATUS) -> bool:
    """``groupPods``' readiness rule for a Running CPU pod with a sample: is it unready?

    No Ready condition or no start time: unready. Inside the CPU initialization period: unready
    when ``Ready=False`` or when the sample was taken less than one metric window after the last
    transition. After it: unready only when ``Ready=False`` and the last transition came within
    the initial readiness delay of the start (it has never been Ready). Without ``times`` the
    answer is ``ready`` itself (see :class:`PodSample`).

    >>> cpu_unready(True, ReadinessTimes(now=60, start=0, transition=30, sample=60, window=60))
    True
    >>> cpu_unready(False, ReadinessTimes(now=600, start=0, transition=60, sample=600))
    False
    """
    if ready is None:
        return True
    if times is None:
        return not ready
    if times.start is None:
        return True
    if times.start + cpu_initialization_period > times.now:
        return ready is False or times.sample < times.transition + times.window
    return ready is False and times.start + delay_of_initial_readiness_status > times.transition


def readiness_answers(ready: bool | None, *, stale_samples: bool = False) -> tuple[bool, ...]:
    """The answers of :func:`cpu_unready` (unready?) the model cannot tell apart without times,
    the model's default answer first.

    A pod without a Ready condition is always unready. A ``Ready=False`` pod is unready inside
    the initialization period, but counts after it if it became ``False`` later than the initial
    readiness delay after its start (it had been Ready: a long-running pod failing its probe):
    both answers. A Ready pod counts, except inside the initialization period while its sample
    is less than one metric window younger than its last transition: with ``stale_samples``
    both answers, by default only "counts" (the model takes samples to be fresh; see the module
    docstring).

    >>> readiness_answers(False), readiness_answers(True), readiness_answers(None)
    ((True, False), (False,), (True,))
    >>> readiness_answers(True, stale_samples=True)
    (False, True)
    """
    if ready is None:
        return (True,)
    if ready is False:
        return (True, False)
    return (False, True) if stale_samples else (False,)


def group_pods(pods: Sequence[PodSample], metrics: Mapping[str, int], resource: str, *,
               cpu_initialization_period: int = CPU_INITIALIZATION_PERIOD,
               delay_of_initial_readiness_status: int = DELAY_OF_INITIAL_READINESS_STATUS,
               ) -> tuple[int, set[str], set[str], set[str]]:
    """``groupPods``: (ready count, unready, missing, ignored) pod names; a Running pod with a
    sample is unready for CPU as :func:`cpu_unready` says."""
    ready = 0
    unready: set[str] = set()
    missing: set[str] = set()
    ignored: set[str] = set()
    for p in pods:
        if p.deleting or p.phase == "Failed":
            ignored.add(p.name)
            continue
        if p.phase == "Pending":
            unready.add(p.name)
            continue
        if p.name not in metrics:
            missing.add(p.name)
            continue
        if resource == "cpu" and cpu_unready(p.ready, p.times, cpu_initialization_period=cpu_initialization_period,
                                             delay_of_initial_readiness_status=delay_of_initial_readiness_status):
            unready.add(p.name)
            continue
        ready += 1
    return ready, unready, missing, ignored


def _requests(pods: Sequence[PodSample], resource: str) -> dict[str, int]:
    """``calculatePodRequests``: a pod without a request is an error."""
    out = {}
    for p in pods:
        if p.request is None:
            raise MetricError(f"missing request for {resource} in pod {p.name}")
        out[p.name] = p.request
    return out


def get_resource_utilization_ratio(metrics: Mapping[str, int], requests: Mapping[str, int],
                                   target_utilization: int) -> tuple[float, int, int]:
    """``GetResourceUtilizationRatio``: (ratio, utilization percent, raw average usage)."""
    total = requested = entries = 0
    for name, value in metrics.items():
        if name not in requests:
            continue
        total += value
        requested += requests[name]
        entries += 1
    if requested == 0:
        raise MetricError("no metrics returned matched known pods")
    utilization = (total * 100) // requested
    return utilization / target_utilization, utilization, total // entries


def get_metric_usage_ratio(metrics: Mapping[str, int], target_usage: int) -> tuple[float, int]:
    """``GetMetricUsageRatio``: (ratio, average usage)."""
    usage = sum(metrics.values()) // len(metrics)
    return usage / target_usage, usage


def _ceil32(x: float) -> int:
    return int(math.ceil(x))


def _usable_metrics(pods: Sequence[PodSample], metrics: Mapping[str, int], resource: str
                    ) -> tuple[int, set[str], set[str], dict[str, int]]:
    """The opening both calculators share: the errors upstream returns, ``groupPods``, and the
    samples left once ignored and unready pods are dropped (ready count, unready, missing, samples)."""
    if not metrics:
        raise MetricError(f"unable to get metrics for resource {resource}: no metrics returned from "
                          "resource metrics API")
    if not pods:
        raise MetricError("no pods returned by selector while calculating replica count")
    ready_count, unready, missing, ignored = group_pods(pods, metrics, resource)
    usable = {k: v for k, v in metrics.items() if k not in ignored and k not in unready}
    if not usable:
        raise MetricError("did not receive metrics for targeted pods (pods might be unready)")
    return ready_count, unready, missing, usable


def get_resource_replicas(current_replicas: int, target_utilization: int, pods: Sequence[PodSample],
                          metrics: Mapping[str, int], resource: str = "cpu", *,
                          tolerances: Tolerances = Tolerances()) -> tuple[int, int, int]:
    """``GetResourceReplicas``: (replicas, utilization %, raw average usage) for a Utilization
    target; raises :class:`MetricError` as upstream returns an error.

    >>> pods = [PodSample(f"p{i}", request=1000) for i in range(3)]
    >>> get_resource_replicas(3, 30, pods, {"p0": 500, "p1": 500, "p2": 500})
    (5, 50, 500)
    """
    ready_count, unready, missing, metrics = _usable_metrics(pods, metrics, resource)
    requests = _requests(pods, resource)  # after the empty-metrics check, as upstream
    ratio, utilization, raw = get_resource_utilization_ratio(metrics, requests, target_utilization)
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if tolerances.is_within(ratio):
            return current_replicas, utilization, raw
        return _ceil32(ratio * ready_count), utilization, raw
    if missing:
        if ratio < 1.0:  # scale down: missing pods use 100% of their request, or the target if higher
            fallback = max(100, target_utilization)
            fill = {name: requests[name] * fallback // 100 for name in missing}
        elif ratio > 1.0:  # scale up: missing pods use nothing
            fill = {name: 0 for name in missing}
        else:
            fill = {}
        metrics.update(fill)
    if scale_up_with_unready:
        metrics.update({name: 0 for name in unready})
    new_ratio, _, _ = get_resource_utilization_ratio(metrics, requests, target_utilization)
    if tolerances.is_within(new_ratio) or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return current_replicas, utilization, raw
    new_replicas = _ceil32(new_ratio * len(metrics))
    if (new_ratio < 1.0 and new_replicas > current_replicas) or (new_ratio > 1.0 and new_replicas < current_replicas):
        return current_replicas, utilization, raw
    return new_replicas, utilization, raw


def get_raw_resource_replicas(current_replicas: int, target_usage: int, pods: Sequence[PodSample],
                              metrics: Mapping[str, int], resource: str = "cpu", *,
                              tolerances: Tolerances = Tolerances()) -> tuple[int, int]:
    """``GetRawResourceReplicas`` (``calcPlainMetricReplicas``): (replicas, average usage) for an
    AverageValue target; missing pods use the target on a scale down and nothing on a scale up.

    >>> pods = [PodSample(f"p{i}", request=1000) for i in range(3)]
    >>> get_raw_resource_replicas(3, 250, pods, {"p0": 500, "p1": 500, "p2": 500})
    (6, 500)
    """
    ready_count, unready, missing, metrics = _usable_metrics(pods, metrics, resource)
    ratio, usage = get_metric_usage_ratio(metrics, target_usage)
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if tolerances.is_within(ratio):
            return current_replicas, usage
        return _ceil32(ratio * ready_count), usage
    if missing:  # at a ratio of exactly 1 missing pods are left out, as upstream
        if ratio < 1.0:
            metrics.update({name: target_usage for name in missing})
        elif ratio > 1.0:
            metrics.update({name: 0 for name in missing})
    if scale_up_with_unready:
        metrics.update({name: 0 for name in unready})
    new_ratio, _ = get_metric_usage_ratio(metrics, target_usage)
    if tolerances.is_within(new_ratio) or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return current_replicas, usage
    new_replicas = _ceil32(new_ratio * len(metrics))
    if (new_ratio < 1.0 and new_replicas > current_replicas) or (new_ratio > 1.0 and new_replicas < current_replicas):
        return current_replicas, usage  # the count of metrics would reverse the direction
    return new_replicas, usage


# -- normalisation ------------------------------------------------------------------------------
def stabilize_recommendation(prenormalized: int, recommendations: Iterable[tuple[int, int]],
                             window: int = DOWNSCALE_STABILIZATION_WINDOW) -> int:
    """``stabilizeRecommendation``: the largest of ``prenormalized`` and the recommendations no
    older than ``window`` seconds (``(value, age_seconds)`` pairs)."""
    best = prenormalized
    for value, age in recommendations:
        if age <= window and value > best:
            best = value
    return best


def calculate_scale_up_limit(current_replicas: int) -> int:
    """``calculateScaleUpLimit``: ``max(2·current, 4)``."""
    return int(max(SCALE_UP_LIMIT_FACTOR * current_replicas, SCALE_UP_LIMIT_MINIMUM))


def convert_desired_replicas_with_rules(current: int, desired: int, min_replicas: int,
                                        max_replicas: int) -> tuple[int, str]:
    """``convertDesiredReplicasWithRules``: (replicas, limiting reason).

    >>> convert_desired_replicas_with_rules(3, 20, 1, 10)
    (6, 'ScaleUpLimit')
    """
    limit = calculate_scale_up_limit(current)
    if max_replicas > limit:
        maximum, reason = limit, "ScaleUpLimit"
    else:
        maximum, reason = max_replicas, "TooManyReplicas"
    if desired < min_replicas:
        return min_replicas, "TooFewReplicas"
    if desired > maximum:
        return maximum, reason
    return desired, "DesiredWithinRange"


def normalize_desired_replicas(current: int, prenormalized: int, min_replicas: int, max_replicas: int,
                               recommendations: Iterable[tuple[int, int]], *,
                               window: int = DOWNSCALE_STABILIZATION_WINDOW) -> tuple[int, str, str, bool]:
    """``normalizeDesiredReplicas`` (no ``spec.behavior``): (replicas, AbleToScale reason,
    ScalingLimited reason, ScalingLimited status)."""
    stabilized = stabilize_recommendation(prenormalized, recommendations, window)
    able = "ScaleDownStabilized" if stabilized != prenormalized else "ReadyForNewScale"
    desired, reason = convert_desired_replicas_with_rules(current, stabilized, min_replicas, max_replicas)
    return desired, able, reason, desired != stabilized


def stabilize_recommendation_with_behaviors(current: int, desired: int, recommendations: Iterable[tuple[int, int]],
                                            up_window: int, down_window: int) -> tuple[int, str]:
    """``stabilizeRecommendationWithBehaviors``: the current size raised to the smallest
    recommendation of the up window and lowered to the largest of the down window (``desired``
    included in both); and the reason reported when that differs from ``desired``."""
    up = down = desired
    for value, age in recommendations:
        if age < up_window:
            up = min(value, up)
        if age < down_window:
            down = max(value, down)
    recommendation = current
    if recommendation < up:
        recommendation = up
    if recommendation > down:
        recommendation = down
    return recommendation, "ScaleUpStabilized" if desired >= current else "ScaleDownStabilized"


def get_replicas_change_per_period(period_seconds: int, events: Iterable[tuple[int, int]]) -> int:
    """``getReplicasChangePerPeriod``: the changes of ``(change, age_seconds)`` events newer
    than the period."""
    return sum(change for change, age in events if age < period_seconds)


def calculate_scale_up_limit_with_scaling_rules(current: int, up_events: Sequence[tuple[int, int]],
                                                down_events: Sequence[tuple[int, int]],
                                                rules: HPAScalingRules) -> int:
    """``calculateScaleUpLimitWithScalingRules``."""
    if rules.select_policy == "Disabled":
        return current
    pick_min = rules.select_policy == "Min"
    result = _MAX_INT32 if pick_min else _MIN_INT32
    for policy in rules.policies or ():
        start = (current - get_replicas_change_per_period(policy.period_seconds, up_events)
                 + get_replicas_change_per_period(policy.period_seconds, down_events))
        if policy.type == "Pods":
            proposed = start + policy.value
        else:
            proposed = _ceil32(start * (1 + policy.value / 100))
        result = min(result, proposed) if pick_min else max(result, proposed)
    return result


def calculate_scale_down_limit_with_behaviors(current: int, up_events: Sequence[tuple[int, int]],
                                              down_events: Sequence[tuple[int, int]],
                                              rules: HPAScalingRules) -> int:
    """``calculateScaleDownLimitWithBehaviors``."""
    if rules.select_policy == "Disabled":
        return current
    pick_min = rules.select_policy == "Min"  # the smallest change: the largest size
    result = _MIN_INT32 if pick_min else _MAX_INT32
    for policy in rules.policies or ():
        start = (current - get_replicas_change_per_period(policy.period_seconds, up_events)
                 + get_replicas_change_per_period(policy.period_seconds, down_events))
        if policy.type == "Pods":
            proposed = start - policy.value
        else:
            proposed = int(start * (1 - policy.value / 100))
        result = max(result, proposed) if pick_min else min(result, proposed)
    return result


def convert_desired_replicas_with_behavior_rate(current: int, desired: int, min_replicas: int, max_replicas: int,
                                                up_events: Sequence[tuple[int, int]],
                                                down_events: Sequence[tuple[int, int]],
                                                behavior: HorizontalPodAutoscalerBehavior) -> tuple[int, str]:
    """``convertDesiredReplicasWithBehaviorRate``: (replicas, limiting reason); ``behavior``
    defaulted (:func:`kmodel.objects.autoscaling.default_behavior`)."""
    assert behavior.scale_up is not None and behavior.scale_down is not None
    if desired > current:
        limit = calculate_scale_up_limit_with_scaling_rules(current, up_events, down_events, behavior.scale_up)
        limit = max(limit, current)
        if max_replicas > limit:
            maximum, reason = limit, "ScaleUpLimit"
        else:
            maximum, reason = max_replicas, "TooManyReplicas"
        if desired > maximum:
            return maximum, reason
    elif desired < current:
        limit = calculate_scale_down_limit_with_behaviors(current, up_events, down_events, behavior.scale_down)
        limit = min(limit, current)
        if min_replicas < limit:
            minimum, reason = limit, "ScaleDownLimit"
        else:
            minimum, reason = min_replicas, "TooFewReplicas"
        if desired < minimum:
            return minimum, reason
    return desired, "DesiredWithinRange"


def normalize_desired_replicas_with_behaviors(current: int, prenormalized: int, min_replicas: int, max_replicas: int,
                                              recommendations: Iterable[tuple[int, int]],
                                              up_events: Sequence[tuple[int, int]],
                                              down_events: Sequence[tuple[int, int]],
                                              behavior: HorizontalPodAutoscalerBehavior) -> tuple[int, str, str, bool]:
    """``normalizeDesiredReplicasWithBehaviors``: (replicas, AbleToScale reason, ScalingLimited
    reason, ScalingLimited status); ``behavior`` as written (defaulted here).

    >>> b = HorizontalPodAutoscalerBehavior()
    >>> normalize_desired_replicas_with_behaviors(10, 3, 1, 20, [(8, 0)], [], [], b)
    (8, 'ScaleDownStabilized', 'DesiredWithinRange', False)
    """
    behavior = default_behavior(behavior)
    up_window, down_window = _windows(behavior)
    stabilized, reason = stabilize_recommendation_with_behaviors(current, prenormalized, recommendations, up_window,
                                                                 down_window)
    able = reason if stabilized != prenormalized else "ReadyForNewScale"
    desired, limited = convert_desired_replicas_with_behavior_rate(current, stabilized, min_replicas, max_replicas,
                                                                   up_events, down_events, behavior)
    return desired, able, limited, desired != stabilized


def _windows(behavior: HorizontalPodAutoscalerBehavior) -> tuple[int, int]:
    assert behavior.scale_up is not None and behavior.scale_down is not None
    up = behavior.scale_up.stabilization_window_seconds or 0
    down = behavior.scale_down.stabilization_window_seconds
    return up, DOWNSCALE_STABILIZATION_WINDOW if down is None else down  # maybeInitScaleDownStabilizationWindow


def _tolerances(hpa: HorizontalPodAutoscaler) -> Tolerances:
    """``getTolerances`` (``HPAConfigurableTolerance``, on by default in v1.35)."""
    b = hpa.spec.behavior
    up = b.scale_up.tolerance if b is not None and b.scale_up is not None else None
    down = b.scale_down.tolerance if b is not None and b.scale_down is not None else None
    return Tolerances(float(DEFAULT_TOLERANCE if down is None else down),
                      float(DEFAULT_TOLERANCE if up is None else up))


# -- the sync -----------------------------------------------------------------------------------
_FAILED_REASON = {"Resource": "FailedGetResourceMetric", "Pods": "FailedGetPodsMetric",
                  "Object": "FailedGetObjectMetric", "External": "FailedGetExternalMetric",
                  "ContainerResource": "FailedGetContainerResourceMetric"}


def _load_key(hpa: HorizontalPodAutoscaler) -> str:
    return f"{hpa.metadata.namespace}/{hpa.spec.scale_target_ref.name}"


def _cpu_request(pod: Pod) -> int | None:
    total = 0
    containers = pod.spec.containers + tuple(c for c in pod.spec.init_containers if c.restart_policy == "Always")
    for c in containers:
        amount = dict(c.requests).get("cpu")
        if amount is None:
            return None
        total += amount
    return total


def _samples(state: ClusterState, env: Any, hpa: HorizontalPodAutoscaler, target: Any,
             resource: str, unready: frozenset[str] | None = None) -> tuple[list[PodSample], dict[str, int]]:
    """The target's pods as the calculator reads them, and their metric samples. ``unready``:
    the pods with a Ready condition this reading counts unready for CPU (the others are counted;
    ``None``: the model's answer without times, :func:`readiness_answers`)."""
    from kmodel.faults import reachable

    selector = target.spec.selector
    pods = [p for p in state.list("Pod", hpa.metadata.namespace) if selector.matches(p.metadata.labels)]
    samples = []
    metrics: dict[str, int] = {}
    percent = dict(getattr(env, "cpu_utilization", ())).get(_load_key(hpa)) if resource == "cpu" else None
    for p in pods:
        request = _cpu_request(p) if resource == "cpu" else None
        cond = p.status.condition("Ready")
        ready = None if cond is None else cond.status != "False"  # groupPods refuses only False
        if ready is not None and unready is not None:
            ready = p.name not in unready
        samples.append(PodSample(p.name, p.status.phase, ready, p.metadata.deleting, request))
        if percent is not None and p.status.phase == "Running" and p.spec.node_name \
                and reachable(env, p.spec.node_name):
            metrics[p.name] = percent * (request or 0) // 100
    return samples, metrics


def _metric_proposal(state: ClusterState, env: Any, hpa: HorizontalPodAutoscaler, target: Any, metric: MetricSpec,
                     current: int, unready: frozenset[str] | None = None) -> tuple[int, MetricStatus]:
    if not metric.modelled:
        raise MetricError(f"{metric.type} metric {metric.name or '(unnamed)'} is not modelled by kmodel")
    assert metric.target is not None
    pods, samples = _samples(state, env, hpa, target, metric.name, unready)
    tol = _tolerances(hpa)
    if metric.target.type == "Utilization":
        if metric.target.average_utilization is None:
            raise MetricError("invalid resource metric source: neither an average utilization target nor an "
                              "average value (usage) target was set")
        replicas, utilization, raw = get_resource_replicas(current, metric.target.average_utilization, pods,
                                                           samples, metric.name, tolerances=tol)
        return replicas, MetricStatus("Resource", metric.name, utilization, raw)
    assert metric.target.average_value is not None
    replicas, usage = get_raw_resource_replicas(current, metric.target.average_value, pods, samples, metric.name,
                                                tolerances=tol)
    return replicas, MetricStatus("Resource", metric.name, None, usage)


def _set_condition(conditions: list[HorizontalPodAutoscalerCondition], type_: str, status: str, reason: str) -> None:
    """``setConditionInList``: replace in place, or append."""
    new = HorizontalPodAutoscalerCondition(type_, status, reason)
    for i, c in enumerate(conditions):
        if c.type == type_:
            conditions[i] = new
            return
    conditions.append(new)


def _target(state: ClusterState, hpa: HorizontalPodAutoscaler) -> Any:
    if hpa.spec.scale_target_ref.kind not in SCALABLE_KINDS:
        return None
    return state.get(hpa.target_ref)


def _with_recommendation(recs: tuple[int, ...], value: int) -> tuple[int, ...]:
    """Record a fresh recommendation; only the extremes of the fresh ones are observable."""
    values = recs + (value,)
    return (min(values), max(values)) if min(values) != max(values) else (value,)


def _readings(state: ClusterState, env: Any, hpa: HorizontalPodAutoscaler,
              stale_samples: bool = False) -> list[frozenset[str] | None]:
    """The sets of pods one sync may count unready for CPU, the model's answer without times
    (``None``) first. Only the pods whose answer depends on times branch
    (:func:`readiness_answers`); pods with the same request and sample are interchangeable in
    the calculation (only sums and counts are read), so a reading picks how many of each such
    class are unready, not which."""
    target = _target(state, hpa)
    if target is None or not any(m.modelled and m.name == "cpu" for m in hpa.spec.metrics):
        return [None]
    pods, samples = _samples(state, env, hpa, target, "cpu")
    classes: dict[tuple[int | None, int], list[str]] = {}
    for p in pods:
        if p.deleting or p.phase != "Running" or p.name not in samples or len(
                readiness_answers(p.ready, stale_samples=stale_samples)) < 2:
            continue
        classes.setdefault((p.request, samples[p.name]), []).append(p.name)
    if not classes:
        return [None]
    groups = [sorted(names) for _, names in sorted(classes.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1]))]
    readings: list[frozenset[str] | None] = [None]
    counts: list[tuple[int, ...]] = [()]
    for names in groups:
        counts = [c + (k,) for c in counts for k in range(len(names) + 1)]
    for c in counts:
        readings.append(frozenset(n for names, k in zip(groups, c) for n in names[:k]))
    return readings


def reconcile(world: Any, key: ObjectRef, *, stale_samples: bool = False,
              ) -> tuple[Request, ...] | tuple[tuple[Request, ...], ...]:
    """The requests of one ``reconcileAutoscaler`` for the HPA at ``key`` (see the module
    docstring), or, when the pods' CPU readiness depends on times the model does not have, a
    tuple of the distinct alternative request tuples (the model's answer without times first);
    ``world`` is a :class:`kmodel.cluster.World` (or a store: no metrics). ``stale_samples``:
    Ready pods may also be unready (:func:`readiness_answers`); off in the bundled controller
    (``functools.partial(reconcile, stale_samples=True)`` in a custom
    :class:`kmodel.cluster.Controller` turns it on)."""
    state = getattr(world, "cluster", world)
    env = getattr(world, "env", None)
    hpa = state.get(key)
    if hpa is None or hpa.metadata.deleting:
        return ()
    outcomes: list[tuple[Request, ...]] = []
    for unready in _readings(state, env, hpa, stale_samples):
        reqs = sync(world, key, unready)
        if reqs not in outcomes:
            outcomes.append(reqs)
    return outcomes[0] if len(outcomes) == 1 else tuple(outcomes)


def sync(world: Any, key: ObjectRef, unready: frozenset[str] | None = None) -> tuple[Request, ...]:
    """The requests of one ``reconcileAutoscaler`` under one reading of the pods' CPU
    readiness: the pods with a Ready condition in ``unready`` are unready, the others counted
    (``None``: ``Ready=False`` pods unready, the others counted)."""
    state = getattr(world, "cluster", world)
    env = getattr(world, "env", None)
    hpa = state.get(key)
    if hpa is None or hpa.metadata.deleting:
        return ()
    status = hpa.status
    conditions = list(status.conditions)
    target = _target(state, hpa)
    if target is None:
        _set_condition(conditions, "AbleToScale", "False", "FailedGetScale")
        new = replace(status, conditions=tuple(conditions))
        return (UpdateStatus(replace(hpa, status=new)),) if new != status else ()
    _set_condition(conditions, "AbleToScale", "True", "SucceededGetScale")
    current = target.spec.replicas if target.spec.replicas is not None else 1
    recs = status.recommendations if status.recommendations is not None else (current,)  # recordInitialRecommendation
    up_events, down_events = status.scale_up_events, status.scale_down_events
    minimum, maximum = hpa.spec.min, hpa.spec.max_replicas
    metric_statuses: tuple[MetricStatus, ...] = ()
    rescale = True
    if current == 0 and minimum != 0:
        desired = 0
        rescale = False
        _set_condition(conditions, "ScalingActive", "False", "ScalingDisabled")
    elif current > maximum:
        desired = maximum
    elif current < minimum:
        desired = minimum
    else:
        proposal = 0
        statuses = []
        invalid = 0
        first_failure = ""
        for metric in hpa.spec.metrics:
            try:
                replicas, st = _metric_proposal(state, env, hpa, target, metric, current, unready)
            except MetricError:
                invalid += 1
                first_failure = first_failure or _FAILED_REASON.get(metric.type, "FailedGetResourceMetric")
                statuses.append(MetricStatus(metric.type, metric.name))
                continue
            statuses.append(st)
            if proposal == 0 or replicas > proposal:
                proposal = replicas
        metric_statuses = tuple(statuses)
        if invalid >= len(hpa.spec.metrics) or (invalid and proposal < current):
            if first_failure:
                _set_condition(conditions, "ScalingActive", "False", first_failure)
            new = replace(status, current_replicas=current, current_metrics=metric_statuses,
                          conditions=tuple(conditions), recommendations=recs)
            return (UpdateStatus(replace(hpa, status=new)),) if new != status else ()
        _set_condition(conditions, "ScalingActive", "True", "ValidMetricFound")
        fresh = [(r, 0) for r in recs]
        if hpa.spec.behavior is None:
            desired, able, limited, is_limited = normalize_desired_replicas(current, proposal, minimum, maximum, fresh)
            recs = _with_recommendation(recs, proposal)
        else:
            desired, able, limited, is_limited = normalize_desired_replicas_with_behaviors(
                current, proposal, minimum, maximum, fresh, [(up_events, 0)] if up_events else [],
                [(down_events, 0)] if down_events else [], hpa.spec.behavior)
            recs = _with_recommendation(recs, proposal)
        _set_condition(conditions, "AbleToScale", "True", able)
        _set_condition(conditions, "ScalingLimited", "True" if is_limited else "False", limited)
        rescale = desired != current
    requests: list[Request] = []
    peak, swung = status.peak, status.swung
    if rescale:
        requests.append(Update(replace(target, spec=replace(target.spec, replicas=desired)),
                               resource_version=target.metadata.resource_version))
        _set_condition(conditions, "AbleToScale", "True", "SucceededRescale")
        if hpa.spec.behavior is not None:  # storeScaleEvent
            if desired > current:
                up_events += desired - current
            else:
                down_events += current - desired
        epoch = env.events if env is not None else 0
        if desired == maximum:
            peak = epoch
        elif desired == minimum and minimum < maximum and peak == epoch:
            swung = True
    else:
        desired = current
    new = replace(status, current_replicas=current, desired_replicas=desired, current_metrics=metric_statuses,
                  conditions=tuple(conditions), recommendations=recs, scale_up_events=up_events,
                  scale_down_events=down_events, peak=peak, swung=swung)
    if new != status:
        requests.append(UpdateStatus(replace(hpa, status=new)))
    return tuple(requests)


def keys(view: Any) -> list[ObjectRef]:
    """Every HPA (the controller resyncs each one every 15 s)."""
    state = getattr(view, "cluster", view)
    return [h.ref for h in state.list("HorizontalPodAutoscaler")]


def window_keys(view: Any) -> list[ObjectRef]:
    """HPAs with fresh history: the ``window-expires`` step is enabled for them."""
    state = getattr(view, "cluster", view)
    return [h.ref for h in state.list("HorizontalPodAutoscaler")
            if h.status.recommendations or h.status.scale_up_events or h.status.scale_down_events]


def window_expires(view: Any, key: ObjectRef) -> tuple[Request, ...]:
    """The windows and policy periods pass for the HPA at ``key``: its recorded recommendations
    and scale events become old (forgotten; see the module docstring)."""
    state = getattr(view, "cluster", view)
    hpa = state.get(key)
    if hpa is None:
        return ()
    st = hpa.status
    if not (st.recommendations or st.scale_up_events or st.scale_down_events):
        return ()
    new = replace(st, recommendations=() if st.recommendations is not None else None, scale_up_events=0,
                  scale_down_events=0)
    return (UpdateStatus(replace(hpa, status=new)),)


def replica_recommendation(*, min_replicas: int | None, max_replicas: int, current_replicas: int, utilization: int,
                           metrics: Sequence[MetricSpec],
                           behavior: HorizontalPodAutoscalerBehavior | None = None) -> int:
    """The size one sync of a fresh controller sets for a target at ``current_replicas`` whose
    pods are all Running, Ready and at ``utilization`` percent of their CPU request (for
    ``kmodel check``'s dynamic checks): bounds first, then the metrics and the normalisation.

    A fresh controller records the current size as its first recommendation
    (``recordInitialRecommendation``), so inside the bounds its first sync does not scale down
    unless the scale-down stabilization window is 0 s (``behavior``): a scale-down waits for
    the window, as upstream.

    >>> from kmodel.objects.autoscaling import cpu_utilization_metric
    >>> replica_recommendation(min_replicas=3, max_replicas=5, current_replicas=1, utilization=0,
    ...                        metrics=(cpu_utilization_metric(80),))
    3
    """
    from kmodel.cluster import Env, World  # at call time: kmodel.cluster imports this module
    from kmodel.objects.autoscaling import CrossVersionObjectReference, HorizontalPodAutoscalerSpec
    from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta
    from kmodel.objects.workloads import (PodCondition, PodSpec, PodStatus, PodTemplateSpec, ReplicaSet,
                                          ReplicaSetSpec)
    from kmodel.objects.workloads import Container

    labels = (("app", "target"),)
    spec = PodSpec((Container("c", requests=(("cpu", 1000),)),), node_name="node")
    rs = ReplicaSet(ObjectMeta("target", "default"), ReplicaSetSpec(LabelSelector(labels),
                    PodTemplateSpec(labels, spec), current_replicas))
    ready = PodStatus("Running", (PodCondition("Ready", "True"),))
    pods = [Pod(ObjectMeta(f"target-{i}", "default", labels=labels), spec, ready) for i in range(current_replicas)]
    hpa = HorizontalPodAutoscaler(ObjectMeta("hpa", "default"), HorizontalPodAutoscalerSpec(
        CrossVersionObjectReference("ReplicaSet", "target"), max_replicas, min_replicas, tuple(metrics), behavior))
    state = ClusterState.of([Namespace(ObjectMeta("default")), rs, hpa, *pods])
    world = World(state, Env(cpu_utilization=(("default/target", utilization),)))
    for req in sync(world, hpa.ref):  # the pods' samples all count (Ready long enough)
        if isinstance(req, Update):
            return int(req.obj.spec.replicas)
    return current_replicas
