"""The HPA controller (:mod:`kmodel.controllers.podautoscaler`).

Table cases are rewritten from upstream's ``pkg/controller/podautoscaler/replica_calculator_test.go``
(``TestReplicaCalc*``) and ``horizontal_test.go`` (``TestConvertDesiredReplicasWithRules``,
``TestNormalizeDesiredReplicas``, ``TestScalingWithRules``,
``TestNormalizeDesiredReplicasWithBehavior``); the upstream test name is in each case id.
Upstream's pods have two containers and its levels are per container; here a pod has one request
of 1000m and the level is the pod's usage, which gives the same ratios (the raw averages are
upstream's divided by ``numContainersPerPod``). Event and recommendation times are ages in
seconds (``generateEventsUniformDistribution([a, b, c], 120)`` puts them 100, 60 and 20 s ago).
``TestGroupPods`` and ``TestReplicaCalcScaleUpHotCpuLessScale`` run with their times
(:class:`~kmodel.controllers.podautoscaler.ReadinessTimes`, upstream's testing periods of 2 min and
10 s); through the sync, where the model has no times, the readings the answer depends on are
alternatives.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmodel.cluster import Env, World
from kmodel.controllers import podautoscaler as pa
from kmodel.controllers.podautoscaler import (
    MetricError,
    PodSample,
    Tolerances,
    calculate_scale_up_limit_with_scaling_rules,
    convert_desired_replicas_with_behavior_rate,
    convert_desired_replicas_with_rules,
    get_raw_resource_replicas,
    get_resource_replicas,
    normalize_desired_replicas,
    reconcile,
    replica_recommendation,
    stabilize_recommendation,
    stabilize_recommendation_with_behaviors,
    window_expires,
    window_keys,
)
from kmodel.objects.autoscaling import (
    CrossVersionObjectReference,
    HorizontalPodAutoscaler,
    HorizontalPodAutoscalerBehavior,
    HorizontalPodAutoscalerSpec,
    HPAScalingPolicy,
    HPAScalingRules,
    MetricSpec,
    MetricTarget,
    cpu_utilization_metric,
    default_behavior,
    defaulted,
)
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef, replace
from kmodel.objects.workloads import (
    Container,
    Deployment,
    DeploymentSpec,
    Pod,
    PodCondition,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
)
from kmodel.state import ClusterState

R = "TestReplicaCalc"


def _pods(n, *, ready=None, phase=None, deleting=None, requests=None):
    return [PodSample(f"p{i}", (phase or ["Running"] * n)[i], (ready or [True] * n)[i],
                      (deleting or [False] * n)[i], (requests or [1000] * n)[i]) for i in range(n)]


def _levels(levels):
    return {f"p{i}": v for i, v in enumerate(levels)}


# (id, current, target, pods, levels, expected replicas, expected utilization)
RESOURCE_CASES = [
    (f"{R}ScaleUp", 3, 30, _pods(3), [300, 500, 700], 5, 50),
    (f"{R}ScaleUpUnreadyLessScale", 3, 30, _pods(3, ready=[False, True, True]), [300, 500, 700], 4, 60),
    (f"{R}ScaleUpUnreadyNoScale", 3, 30, _pods(3, ready=[True, False, False]), [400, 500, 700], 3, 40),
    (f"{R}ScaleUpIgnoresFailedPods", 2, 30,
     _pods(4, ready=[True, True, False, False], phase=["Running", "Running", "Failed", "Failed"]), [500, 700], 4, 60),
    (f"{R}ScaleUpIgnoresDeletionPods", 2, 30,
     _pods(4, ready=[True, True, False, False], deleting=[False, False, True, True]), [500, 700], 4, 60),
    (f"{R}ScaleDown", 5, 50, _pods(5), [100, 300, 500, 250, 250], 3, 28),
    (f"{R}ScaleDownIncludeUnreadyPods", 5, 50, _pods(5, ready=[True, True, True, False, False]),
     [100, 300, 500, 250, 250], 2, 30),
    (f"{R}ScaleDownExcludeUnscheduledPods", 5, 50,
     _pods(5, ready=[True, False, False, False, False], phase=["Running"] + ["Pending"] * 4), [100], 1, 10),
    (f"{R}ScaleDownIgnoresFailedPods", 5, 50,
     _pods(7, ready=[True] * 5 + [False] * 2, phase=["Running"] * 5 + ["Failed"] * 2), [100, 300, 500, 250, 250],
     3, 28),
    (f"{R}ScaleDownIgnoresDeletionPods", 5, 50,
     _pods(7, ready=[True] * 5 + [False] * 2, deleting=[False] * 5 + [True] * 2), [100, 300, 500, 250, 250], 3, 28),
    (f"{R}Tolerance", 3, 100, _pods(3, requests=[900, 1000, 1100]), [1010, 1030, 1020], 3, 102),
    (f"{R}SuperfluousMetrics", 4, 100, _pods(4), [4000, 9500, 3000, 7000, 3200, 2000], 24, 587),
    (f"{R}MissingMetrics", 4, 100, _pods(4), [400, 95], 3, 24),
    (f"{R}MissingMetricsNoChangeEq", 2, 100, _pods(2), [1000], 2, 100),
    (f"{R}MissingMetricsNoChangeGt", 2, 100, _pods(2), [1900], 2, 190),
    (f"{R}MissingMetricsNoChangeLt", 2, 100, _pods(2), [600], 2, 60),
    (f"{R}MissingMetricsUnreadyChange", 3, 50, _pods(3, ready=[False, True, True]), [100, 450], 3, 45),
    (f"{R}MissingMetricsUnreadyScaleUp", 3, 50, _pods(3, ready=[False, True, True]), [100, 2000], 4, 200),
    (f"{R}MissingMetricsUnreadyScaleDown", 4, 50, _pods(4, ready=[False, True, True, True]), [100, 100, 100], 3, 10),
]


@pytest.mark.parametrize("current,target,pods,levels,expected,utilization",
                         [c[1:] for c in RESOURCE_CASES], ids=[c[0] for c in RESOURCE_CASES])
def test_get_resource_replicas(current, target, pods, levels, expected, utilization):
    replicas, got_utilization, _ = get_resource_replicas(current, target, pods, _levels(levels))
    assert (replicas, got_utilization) == (expected, utilization)


def test_replica_calc_computed_tolerance_alg_implementation():
    """``TestReplicaCalcComputedToleranceAlgImplementation``: a target just past the tolerance
    scales down; one just inside it does not."""
    start, used = 10, 150
    requested = 2 * used
    per_pod = [requested + d for d in (100, -100, 10, -10, 2, -2, 1, -1, 0, 0)]
    pods = _pods(start, requests=per_pod)
    levels = _levels([used] * start)
    target = 1 / (2 * (1 - 0.1)) + 0.01
    final = int(target * 100)
    import math

    expected = math.ceil(used * start / (requested * start * target) * start)
    assert get_resource_replicas(start, final, pods, levels)[0] == expected
    near = int((1 / (2 * (1 - 0.1)) + 0.004) * 100)
    assert get_resource_replicas(start, near, pods, levels)[0] == start


@pytest.mark.parametrize("levels,pods,message", [
    ([], _pods(3), "no metrics returned from resource metrics API"),             # TestReplicaCalcEmptyMetrics
    ([200], _pods(1, requests=[None]), "missing request for"),                   # TestReplicaCalcEmptyCPURequest
], ids=[f"{R}EmptyMetrics", f"{R}EmptyCPURequest"])
def test_get_resource_replicas_errors(levels, pods, message):
    with pytest.raises(MetricError, match=message):
        get_resource_replicas(4, 100, pods, _levels(levels))


def test_replica_calc_disjoint_resources_metrics():
    """``TestReplicaCalcDisjointResourcesMetrics``: metrics for no known pod."""
    with pytest.raises(MetricError, match="no metrics returned matched known pods"):
        get_resource_replicas(1, 100, [PodSample("p0", request=1000)], {"an-older-pod-name": 100})


# The plain path (``calcPlainMetricReplicas``), with upstream's Pods-metric cases: readiness does
# not matter for a metric other than CPU.
PLAIN_CASES = [
    (f"{R}ScaleUpCM", 3, 15000, _pods(3), [20000, 10000, 30000], 4),
    (f"{R}ScaleUpCMUnreadyHotCpuNoLessScale", 3, 15000, _pods(3, ready=[True, True, False]), [50000, 10000, 30000], 6),
    (f"{R}ScaleUpCMUnreadyHotCpuScaleWouldScaleDown", 3, 15000, _pods(3, ready=[False, True, False]),
     [50000, 15000, 30000], 7),
    (f"{R}ScaleDownCM", 5, 20000, _pods(5), [12000] * 5, 3),
    (f"{R}ToleranceCM", 3, 20000, _pods(3), [20000, 21000, 21000], 3),
]


@pytest.mark.parametrize("current,target,pods,levels,expected", [c[1:] for c in PLAIN_CASES],
                         ids=[c[0] for c in PLAIN_CASES])
def test_get_raw_resource_replicas_plain_path(current, target, pods, levels, expected):
    assert get_raw_resource_replicas(current, target, pods, _levels(levels), resource="")[0] == expected


def test_configurable_tolerance():
    """``HPAConfigurableTolerance`` (beta, on by default in v1.35): a per-direction tolerance."""
    pods, levels = _pods(3), _levels([1050, 1050, 1050])
    assert get_resource_replicas(3, 100, pods, levels)[0] == 3
    assert get_resource_replicas(3, 100, pods, levels, tolerances=Tolerances(0.1, 0.01))[0] == 4


# -- normalisation -------------------------------------------------------------------------------
C = "TestConvertDesiredReplicasWithRules"


@pytest.mark.parametrize("current,desired,low,high,expected,reason", [
    pytest.param(5, 7, 3, 8, 7, "DesiredWithinRange", id=f"{C}/prenormalized desired replicas within range"),
    pytest.param(3, 1, 2, 8, 2, "TooFewReplicas", id=f"{C}/prenormalized desired replicas < minReplicas"),
    pytest.param(20, 1000, 1, 10, 10, "TooManyReplicas", id=f"{C}/maxReplicas is the limit"),
    pytest.param(3, 1000, 1, 2000, 6, "ScaleUpLimit", id=f"{C}/scaleUpLimit is the limit"),
])
def test_convert_desired_replicas_with_rules(current, desired, low, high, expected, reason):
    assert convert_desired_replicas_with_rules(current, desired, low, high) == (expected, reason)


N = "TestNormalizeDesiredReplicas"


@pytest.mark.parametrize("recommendations,prenormalized,expected", [
    pytest.param([], 5, 5, id=f"{N}/empty log"),
    pytest.param([(4, 120), (5, 60)], 3, 5, id=f"{N}/stabilize"),
    pytest.param([(1, 120), (2, 60)], 3, 3, id=f"{N}/no stabilize"),
    pytest.param([(10, 600), (9, 540)], 3, 3, id=f"{N}/no stabilize - old recommendations"),
    pytest.param([(10, 600), (4, 60), (5, 120), (9, 540)], 3, 5, id=f"{N}/stabilize - old recommendations"),
])
def test_stabilize_recommendation(recommendations, prenormalized, expected):
    assert stabilize_recommendation(prenormalized, recommendations) == expected


def test_normalize_desired_replicas_reports_conditions():
    assert normalize_desired_replicas(10, 3, 1, 20, [(8, 0)]) == (8, "ScaleDownStabilized", "DesiredWithinRange", False)
    assert normalize_desired_replicas(2, 50, 1, 20, []) == (4, "ReadyForNewScale", "ScaleUpLimit", True)


def _rules(pods=0, pods_period=0, percent=0, percent_period=0, window=0):
    """``generateScalingRules``."""
    policies = []
    if pods:
        policies.append(HPAScalingPolicy("Pods", pods, pods_period))
    if percent:
        policies.append(HPAScalingPolicy("Percent", percent, percent_period))
    return HPAScalingRules(window, "Max", tuple(policies))


def _uniform(changes, period=120):
    """``generateEventsUniformDistribution``: (change, age) pairs."""
    seg = period / len(changes)
    return [(c, period - seg * (i + 1) + seg / 2) for i, c in enumerate(changes)]


S = "TestScalingWithRules"
SCALING_CASES = [
    (f"{S}/prenormalized desired replicas within range", None, None, [], [], 3, 8, 5, 7, 7, "DesiredWithinRange"),
    (f"{S}/prenormalized desired replicas < minReplicas", None, None, [], [], 2, 8, 3, 1, 2, "TooFewReplicas"),
    (f"{S}/within range when minReplicas is 0", None, None, [], [], 0, 10, 1, 0, 0, "DesiredWithinRange"),
    (f"{S}/maxReplicas is the limit because maxReplicas < scaleUpLimit", None, None, [], [], 1, 10, 20, 1000, 10,
     "TooManyReplicas"),
    (f"{S}/desired replica count is more than the maximum replica count", None, None, [], [], 100, 150, 100, 1000,
     150, "TooManyReplicas"),
    (f"{S}/scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", _rules(0, 0, 1, 60),
     None, [], [], 1, 2000, 3, 1000, 4, "ScaleUpLimit"),
    (f"{S}/scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies", None,
     _rules(20, 60), [], [], 3, 2000, 1000, 3, 980, "ScaleDownLimit"),
    (f"{S}/scaleUp with default behavior", None, None, [], [], 1, 1000, 10, 50, 20, "ScaleUpLimit"),
    (f"{S}/scaleUp with pods policy larger than percent policy", _rules(100, 60, 100, 60), None, [], [], 1, 1000,
     10, 500, 110, "ScaleUpLimit"),
    (f"{S}/scaleUp with percent policy larger than pods policy", _rules(2, 60, 100, 60), None, [], [], 1, 1000,
     10, 500, 20, "ScaleUpLimit"),
    (f"{S}/scaleUp with spec MaxReplicas limitation with large pod policy", _rules(100, 60), None, [], [], 1, 1000,
     10, 50, 50, "DesiredWithinRange"),
    (f"{S}/scaleUp with pod policy limitation", _rules(30, 60), None, [], [], 1, 1000, 10, 50, 40, "ScaleUpLimit"),
    (f"{S}/scaleUp with percent policy limitation", _rules(0, 0, 200, 60), None, [], [], 1, 1000, 10, 50, 30,
     "ScaleUpLimit"),
    (f"{S}/scaleDown with percent policy larger than pod policy", None, _rules(20, 60, 1, 60, 300), [], [], 1,
     1000, 100, 2, 80, "ScaleDownLimit"),
    (f"{S}/scaleDown with pod policy larger than percent policy", None, _rules(2, 60, 1, 60, 300), [], [], 1,
     1000, 100, 2, 98, "ScaleDownLimit"),
    (f"{S}/scaleDown with spec MinReplicas limitation with large percent policy", None, _rules(0, 0, 100, 60, 300),
     [], [], 5, 1000, 10, 2, 5, "TooFewReplicas"),
    (f"{S}/scaleDown with pod policy limitation", None, _rules(5, 60, 0, 0, 300), [], [], 1, 1000, 10, 2, 5,
     "ScaleDownLimit"),
    (f"{S}/scaleDown with percent policy limitation", None, _rules(0, 0, 50, 60, 300), [], [], 1, 1000, 10, 5, 5,
     "DesiredWithinRange"),
    (f"{S}/scaleUp with spec MaxReplicas limitation with large pod policy and events", _rules(300, 60), None,
     _uniform([1, 5, 9]), [], 1, 200, 100, 500, 200, "TooManyReplicas"),
    (f"{S}/scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events",
     _rules(5, 120), None, _uniform([1, 5, 9]), [], 1, 1000, 100, 500, 100, "ScaleUpLimit"),
    (f"{S}/scaleUp with pod policy and previous scale up events", _rules(150, 120), None, _uniform([1, 5, 9]), [],
     1, 1000, 100, 500, 235, "ScaleUpLimit"),
    (f"{S}/scaleUp with percent policy and previous scale up events", _rules(0, 0, 200, 120), None,
     _uniform([1, 5, 9]), [], 1, 1000, 100, 500, 255, "ScaleUpLimit"),
    (f"{S}/scaleUp with percent policy and previous scale up and down events", _rules(0, 0, 300, 300), None,
     _uniform([4]), _uniform([2]), 1, 1000, 6, 24, 16, "ScaleUpLimit"),
    (f"{S}/scaleDown with default policy and previous events", None, None, [], _uniform([1, 5, 9]), 1, 1000, 10, 5,
     5, "DesiredWithinRange"),
    (f"{S}/scaleDown with spec MinReplicas limitation with large pod policy and previous events", None,
     _rules(130, 120, 0, 0, 300), [], _uniform([1, 5, 9]), 5, 1000, 100, 0, 5, "TooFewReplicas"),
    (f"{S}/scaleDown with pod policy limitation and previous events", None, _rules(5, 120, 0, 0, 300), [],
     _uniform([1, 5, 9]), 1, 1000, 100, 2, 100, "ScaleDownLimit"),
    (f"{S}/scaleDown with percent policy limitation and previous events", None, _rules(0, 0, 50, 120, 300), [],
     _uniform([2, 4, 6]), 1, 1000, 100, 0, 56, "ScaleDownLimit"),
    (f"{S}/scaleDown with percent policy and previous scale up and down events", None, _rules(0, 0, 50, 180),
     _uniform([2]), _uniform([4]), 1, 1000, 10, 1, 6, "ScaleDownLimit"),
    (f"{S}/scaleDown with previous events preventing further scale down", None, _rules(0, 0, 10, 120, 300), [],
     _uniform([10, 10, 10]), 1, 1000, 100, 0, 100, "ScaleDownLimit"),
    (f"{S}/scaleDown with with previous events still allowing more scale down", None, _rules(0, 0, 1000, 120, 300),
     [], _uniform([10, 10, 10]), 1, 1000, 10, 5, 5, "DesiredWithinRange"),
    (f"{S}/check that events were marked 'outdated' for two different policies in the behavior for up",
     _rules(1000, 30, 100, 60), None, _uniform([8, 12, 9, 11]), [], 1, 1000, 100, 200, 200, "DesiredWithinRange"),
]


@pytest.mark.parametrize("up,down,up_events,down_events,low,high,current,desired,expected,reason",
                         [c[1:] for c in SCALING_CASES], ids=[c[0] for c in SCALING_CASES])
def test_convert_desired_replicas_with_behavior_rate(up, down, up_events, down_events, low, high, current, desired,
                                                     expected, reason):
    behavior = default_behavior(HorizontalPodAutoscalerBehavior(up, down))
    assert convert_desired_replicas_with_behavior_rate(current, desired, low, high, up_events, down_events,
                                                       behavior) == (expected, reason)


B = "TestNormalizeDesiredReplicasWithBehavior"


@pytest.mark.parametrize("recommendations,current,desired,up_window,down_window,expected", [
    pytest.param([], 100, 5, 0, 0, 5, id=f"{B}/empty recommendations for scaling down"),
    pytest.param([(4, 120), (5, 60)], 100, 3, 0, 180, 5, id=f"{B}/simple scale down stabilization"),
    pytest.param([(4, 120), (5, 60)], 1, 7, 300, 0, 4, id=f"{B}/simple scale up stabilization"),
    pytest.param([(1, 120), (2, 60)], 100, 3, 300, 0, 3, id=f"{B}/no scale down stabilization"),
    pytest.param([(4, 120), (5, 60)], 1, 3, 0, 300, 3, id=f"{B}/no scale up stabilization"),
    pytest.param([(10, 600), (9, 540)], 100, 3, 0, 0, 3, id=f"{B}/no scale down stabilization, reuse element"),
    pytest.param([(10, 600), (9, 540)], 1, 100, 0, 0, 100, id=f"{B}/no scale up stabilization, reuse element"),
    pytest.param([(10, 600), (4, 60), (5, 120), (9, 540)], 100, 3, 0, 180, 5,
                 id=f"{B}/scale down stabilization, reuse one of obsolete recommendation element"),
    pytest.param([(10, 6000), (6, 60), (5, 120), (9, 180)], 1, 100, 300, 0, 5,
                 id=f"{B}/scale up stabilization, reuse one of obsolete recommendation element"),
    pytest.param([(2, 6000), (3, 180)], 2, 1, 300, 300, 2,
                 id=f"{B}/do not scale up when prenormalized rec goes down"),
    pytest.param([(2, 6000), (1, 180)], 2, 3, 300, 300, 2,
                 id=f"{B}/do not scale down when prenormalized rec goes up"),
])
def test_stabilize_recommendation_with_behaviors(recommendations, current, desired, up_window, down_window,
                                                 expected):
    assert stabilize_recommendation_with_behaviors(current, desired, recommendations, up_window, down_window)[0] \
        == expected


@settings(max_examples=200, deadline=None)
@given(current=st.integers(1, 50), desired=st.integers(0, 200), low=st.integers(1, 20), span=st.integers(0, 30),
       up=st.lists(st.tuples(st.integers(1, 20), st.sampled_from([0, 30, 100])), max_size=3),
       down=st.lists(st.tuples(st.integers(1, 20), st.sampled_from([0, 30, 100])), max_size=3))
def test_behavior_rate_stays_within_bounds(current, desired, low, span, up, down):
    """A size within ``[min, max]`` normalises to a size within them, whatever the history."""
    high = low + span
    if not low <= current <= high:
        return
    behavior = default_behavior(HorizontalPodAutoscalerBehavior(_rules(4, 60, 100, 60), _rules(1, 60, 10, 60)))
    got, _ = convert_desired_replicas_with_behavior_rate(current, desired, low, high, up, down, behavior)
    assert low <= got <= high
    legacy, _ = convert_desired_replicas_with_rules(current, desired, low, high)
    assert low <= legacy <= high and legacy <= max(2 * current, 4) or legacy == low


def test_scale_up_limit_with_disabled_and_min_select_policy():
    rules = HPAScalingRules(0, "Disabled", (HPAScalingPolicy("Pods", 4, 15),))
    assert calculate_scale_up_limit_with_scaling_rules(5, [], [], rules) == 5
    rules = HPAScalingRules(0, "Min", (HPAScalingPolicy("Pods", 4, 15), HPAScalingPolicy("Percent", 100, 15)))
    assert calculate_scale_up_limit_with_scaling_rules(5, [], [], rules) == 9


# -- the sync ------------------------------------------------------------------------------------
LABELS = (("app", "web"),)
SPEC = PodSpec((Container("web", requests=(("cpu", 200),)),))


def _world(replicas, *, pods=None, percent=40, hpa_spec=None, machines=(), events=0):
    d = Deployment(ObjectMeta("web", "default", uid="Deployment/default/web", generation=1),
                   DeploymentSpec(LabelSelector(LABELS), PodTemplateSpec(LABELS, SPEC), replicas))
    ready = PodStatus("Running", (PodCondition("Ready", "True"),))
    n = replicas if pods is None else pods
    objects = [Pod(ObjectMeta(f"web-{i}", "default", labels=LABELS), replace(SPEC, node_name="a"), ready)
               for i in range(n)]
    spec = hpa_spec or HorizontalPodAutoscalerSpec(CrossVersionObjectReference("Deployment", "web"), 6, 2,
                                                   (cpu_utilization_metric(50),))
    hpa = defaulted(HorizontalPodAutoscaler(ObjectMeta("web", "default"), spec))
    state = ClusterState.of([Namespace(ObjectMeta("default")), d, hpa, *objects])
    load = (("default/web", percent),) if percent is not None else ()
    return World(state, Env(events=events, machines=machines, cpu_utilization=load))


HPA = ObjectRef("HorizontalPodAutoscaler", "default", "web")


def _apply(world, reqs):
    from kmodel.api import apply_all

    state, responses = apply_all(world.cluster, reqs)
    assert all(r.ok for r in responses)
    return World(state, world.env)


def _sync(world):
    return _apply(world, reconcile(world, HPA))


def _replicas(world):
    return world.cluster.get(ObjectRef("Deployment", "default", "web")).spec.replicas


def _conditions(world):
    return {c.type: (c.status, c.reason) for c in world.cluster.get(HPA).status.conditions}


def test_sync_scales_up_on_load():
    w = _sync(_world(2, percent=90))
    assert _replicas(w) == 4
    st_ = w.cluster.get(HPA).status
    assert (st_.current_replicas, st_.desired_replicas) == (2, 4)
    assert st_.current_metrics[0].average_utilization == 90
    assert _conditions(w) == {"AbleToScale": ("True", "SucceededRescale"), "ScalingActive": ("True", "ValidMetricFound"),
                              "ScalingLimited": ("False", "DesiredWithinRange")}


def test_sync_within_tolerance_writes_status_once_then_idles():
    w = _sync(_world(2, percent=52))
    assert _replicas(w) == 2 and w.cluster.get(HPA).status.recommendations == (2,)
    assert reconcile(w, HPA) == ()


def test_below_min_goes_to_min_without_metrics():
    w = _sync(_world(1, percent=None))
    assert _replicas(w) == 2
    assert _conditions(w)["AbleToScale"] == ("True", "SucceededRescale")


def test_above_max_goes_to_max():
    assert _replicas(_sync(_world(9, percent=10))) == 6


def test_zero_replicas_disables_scaling():
    w = _sync(_world(0))
    assert _replicas(w) == 0
    assert _conditions(w)["ScalingActive"] == ("False", "ScalingDisabled")


def test_missing_target_is_failed_get_scale():
    spec = HorizontalPodAutoscalerSpec(CrossVersionObjectReference("StatefulSet", "web"), 6, 2)
    w = _sync(_world(2, hpa_spec=spec))
    assert _conditions(w) == {"AbleToScale": ("False", "FailedGetScale")}
    assert reconcile(w, HPA) == ()


def test_no_metrics_no_scaling():
    w = _sync(_world(3, percent=None))
    assert _replicas(w) == 3
    assert _conditions(w)["ScalingActive"] == ("False", "FailedGetResourceMetric")


def test_unmodelled_metric_is_reported_and_blocks_scale_down():
    """``TestNoScaleDownOneMetricEmpty``: one metric fails, the other would scale down: no change."""
    pods_metric = MetricSpec("Pods", "qps", MetricTarget("AverageValue", average_value=10_000))
    spec = HorizontalPodAutoscalerSpec(CrossVersionObjectReference("Deployment", "web"), 6, 2,
                                       (cpu_utilization_metric(50), pods_metric))
    w = _sync(_world(5, percent=10, hpa_spec=spec))
    assert _replicas(w) == 5
    assert _conditions(w)["ScalingActive"] == ("False", "FailedGetPodsMetric")
    up = _sync(_world(3, percent=100, hpa_spec=spec))   # TestScaleUpOneMetricEmpty: scaling up still happens
    assert _replicas(up) == 6


def test_pods_on_an_unreachable_machine_have_no_metrics():
    """The metrics server cannot scrape a cut-off machine's kubelet: its pods have no samples."""
    w = _world(4, percent=90, machines=(("a", "partitioned"),))
    assert reconcile(w, HPA)[0].obj.status.conditions[-1].reason == "FailedGetResourceMetric"


def test_legacy_scale_down_waits_for_the_window():
    w = _sync(_world(4, percent=50))          # records 4
    w2 = _apply(w, reconcile(replace(w, env=replace(w.env, cpu_utilization=(("default/web", 10),))), HPA))
    assert _replicas(w2) == 4                 # stabilized: the recommendation of 4 is fresh
    assert _conditions(w2)["AbleToScale"] == ("True", "ScaleDownStabilized")
    assert window_keys(w2) == [HPA]
    w3 = _apply(w2, window_expires(w2, HPA))  # the window passes
    assert w3.cluster.get(HPA).status.recommendations == ()
    low = replace(w3, env=replace(w3.env, cpu_utilization=(("default/web", 10),)))
    assert _replicas(_apply(low, reconcile(low, HPA))) == 2


def test_behavior_records_scale_events_until_the_period_passes():
    behavior = HorizontalPodAutoscalerBehavior(HPAScalingRules(policies=(HPAScalingPolicy("Pods", 1, 60),)))
    spec = HorizontalPodAutoscalerSpec(CrossVersionObjectReference("Deployment", "web"), 6, 2,
                                       (cpu_utilization_metric(50),), behavior)
    w = _sync(_world(2, percent=100, hpa_spec=spec))
    assert _replicas(w) == 3 and w.cluster.get(HPA).status.scale_up_events == 1
    w = _apply(w, reconcile(w, HPA))          # the pods did not come yet: still one event in the period
    assert _replicas(w) == 3
    w = _apply(w, window_expires(w, HPA))
    assert w.cluster.get(HPA).status.scale_up_events == 0
    assert _replicas(_apply(w, reconcile(w, HPA))) == 4


def test_oscillation_ghost():
    w = _sync(_world(2, percent=300))
    assert _replicas(w) == 4 and w.cluster.get(HPA).status.peak == -1   # limited to 2 x 2
    w = _sync(_world(3, percent=300))
    assert _replicas(w) == 6 and w.cluster.get(HPA).status.peak == 0
    dropped = World(w.cluster.with_(replace(w.cluster.get(ObjectRef("Deployment", "default", "web")),
                                            spec=replace(w.cluster.get(ObjectRef("Deployment", "default", "web")).spec,
                                                         replicas=1))), w.env)
    assert _sync(dropped).cluster.get(HPA).status.swung   # to min with no user event in between


def test_replica_recommendation():
    m = (cpu_utilization_metric(50),)
    assert replica_recommendation(min_replicas=1, max_replicas=10, current_replicas=4, utilization=100, metrics=m) == 8
    assert replica_recommendation(min_replicas=1, max_replicas=5, current_replicas=4, utilization=100, metrics=m) == 5
    assert replica_recommendation(min_replicas=2, max_replicas=5, current_replicas=9, utilization=10, metrics=m) == 5


def test_inert_without_hpas():
    state = ClusterState.of([Namespace(ObjectMeta("default"))])
    assert pa.keys(state) == [] and window_keys(state) == []


@settings(max_examples=100, deadline=None)
@given(replicas=st.integers(0, 9), ready=st.integers(0, 9), percent=st.one_of(st.none(), st.integers(0, 400)),
       behavior=st.booleans(), fresh=st.lists(st.integers(0, 9), max_size=2))
def test_a_sync_lands_within_bounds(replicas, ready, percent, behavior, fresh):
    """Whatever the load, the pods and the history, a rescale lands in ``[minReplicas, maxReplicas]``."""
    spec = HorizontalPodAutoscalerSpec(CrossVersionObjectReference("Deployment", "web"), 6, 2,
                                       (cpu_utilization_metric(50),),
                                       HorizontalPodAutoscalerBehavior() if behavior else None)
    w = _world(replicas, pods=ready, percent=percent, hpa_spec=spec)
    hpa = w.cluster.get(HPA)
    w = World(w.cluster.with_(replace(hpa, status=replace(hpa.status, recommendations=tuple(sorted(set(fresh))) or None))),
              w.env)
    scaled = [r for r in reconcile(w, HPA) if r.obj.kind == "Deployment"]
    if scaled:
        assert 2 <= scaled[0].obj.spec.replicas <= 6
    else:
        assert replicas == 0 or 2 <= replicas <= 6


@settings(max_examples=300, deadline=None)
@given(current=st.integers(0, 200), desired=st.integers(0, 2000), low=st.integers(1, 50), span=st.integers(0, 500))
def test_agrees_with_the_numeric_model(current, desired, low, span):
    """The explicit helper and :mod:`kmodel.smt.models.podautoscaler`'s ops-generic one agree."""
    from kmodel.smt.models import podautoscaler as numeric
    from kmodel.smt.ops import CONCRETE as o

    high = low + span
    assert convert_desired_replicas_with_rules(current, desired, low, high)[0] == \
        numeric.convert_desired_replicas_with_rules(o, current, desired, low, high)


def test_missing_pods_on_scale_down_use_the_target_when_above_100():
    """v1.35: on a scale down a missing pod uses ``max(100, target)`` % of its request."""
    pods = _pods(4)
    # 2 pods at 1000m of 1000m (100%), target 200%: ratio 0.5 < 1; missing pods at 200% -> 150% -> 0.75
    assert get_resource_replicas(4, 200, pods, _levels([1000, 1000])) == (3, 100, 1000)


def test_replica_recommendation_scales_down_at_once_with_a_zero_window():
    m = (cpu_utilization_metric(50),)
    b = HorizontalPodAutoscalerBehavior(scale_down=HPAScalingRules(stabilization_window_seconds=0))
    assert replica_recommendation(min_replicas=1, max_replicas=10, current_replicas=4, utilization=10, metrics=m) == 4
    assert replica_recommendation(min_replicas=1, max_replicas=10, current_replicas=4, utilization=10, metrics=m,
                                  behavior=b) == 1


# -- review against v1.35 (replica_calculator.go) -------------------------------------------------
@pytest.mark.parametrize("current,target,pods,levels,expected", [
    # calcPlainMetricReplicas: at a usage ratio of exactly 1, missing pods are not filled in
    # (upstream fills them only when the ratio is below or above 1): no change.
    (2, 20000, _pods(2), [20000], 2),
    # calcPlainMetricReplicas: filling missing pods at the target would leave a ratio below 1 but
    # more replicas than now (the count of metrics reverses the direction): no change.
    (1, 10000, _pods(3), [5000], 1),
    # The same guard on a scale-up: missing pods at 0 keep the ratio above 1 with fewer replicas.
    (5, 10000, _pods(3), [40000], 5),
], ids=["calcPlainMetricReplicas/missing pods at a ratio of 1",
        "calcPlainMetricReplicas/metrics length would reverse a scale-down",
        "calcPlainMetricReplicas/metrics length would reverse a scale-up"])
def test_plain_path_missing_pods_follow_v1_35(current, target, pods, levels, expected):
    assert get_raw_resource_replicas(current, target, pods, _levels(levels), resource="")[0] == expected


def test_get_resource_replicas_no_ready_metrics_before_requests():
    """``GetResourceReplicas`` reports "did not receive metrics" before it reads the requests:
    every sampled pod unready and one pod without a request gives the metrics error."""
    pods = [PodSample("p0", ready=False, request=1000), PodSample("p1", request=None)]
    with pytest.raises(MetricError, match="did not receive metrics"):
        get_resource_replicas(2, 50, pods, {"p0": 500})


def test_ready_unknown_pod_counts_as_ready_for_cpu():
    """``groupPods`` counts a pod unready for CPU only with no Ready condition or
    ``Ready=False``: a ``Ready=Unknown`` pod's sample is used (here it drives a scale-up that
    an unready pod, counted at 0 on a scale-up, would have damped)."""
    w = _world(2, percent=90)
    pod = w.cluster.get(ObjectRef("Pod", "default", "web-1"))
    unknown = replace(pod, status=replace(pod.status, conditions=(PodCondition("Ready", "Unknown"),)))
    w = World(w.cluster.with_(unknown), w.env)
    assert _replicas(_sync(w)) == 4
    false = replace(pod, status=replace(pod.status, conditions=(PodCondition("Ready", "False"),)))
    w = World(w.cluster.with_(false), w.env)
    assert _replicas(_apply(w, pa.sync(w, HPA))) == 2    # the unready pod at 0%: 45% of 50%, within the tolerance


@pytest.mark.parametrize("up,down,expected", [
    (None, None, 2),                              # 52% of 50%: ratio 1.04, inside the default 10%
    ("0.01", None, 3),                            # behavior.scaleUp.tolerance 1%: scale up
    (None, "0.01", 2),                            # only scaleDown's tolerance is narrowed: no change
], ids=["HPAConfigurableTolerance/default", "HPAConfigurableTolerance/scaleUp tolerance",
        "HPAConfigurableTolerance/scaleDown tolerance does not apply upwards"])
def test_tolerance_per_direction_through_the_sync(up, down, expected):
    """The sync reads ``behavior.scaleUp.tolerance`` for a ratio above 1 and
    ``behavior.scaleDown.tolerance`` for one below (``Tolerances.isWithin``)."""
    from fractions import Fraction

    def rules(t):
        return HPAScalingRules(tolerance=None if t is None else Fraction(t))

    behavior = HorizontalPodAutoscalerBehavior(rules(up), rules(down))
    spec = HorizontalPodAutoscalerSpec(CrossVersionObjectReference("Deployment", "web"), 6, 2,
                                       (cpu_utilization_metric(50),), behavior)
    assert _replicas(_sync(_world(2, percent=52, hpa_spec=spec))) == expected


# -- CPU readiness timing (groupPods) -------------------------------------------------------------
G = "TestGroupPods"
#: upstream's ``defaultTestingCPUInitializationPeriod`` and ``defaultTestingDelayOfInitialReadinessStatus``
TIMING = {"cpu_initialization_period": 120, "delay_of_initial_readiness_status": 10}


def _at(now, start, transition=0, sample=None, window=60):
    """Times as upstream's test writes them: seconds relative to ``now`` (600)."""
    base = 600
    return pa.ReadinessTimes(base, None if start is None else base + start, base + transition,
                             base + (now if sample is None else sample), window)


# (id, pods, metrics, resource, ready count, unready, missing, ignored); times relative to now
GROUP_CASES = [
    (f"{G}/void", [], {}, "cpu", 0, set(), set(), set()),
    (f"{G}/count in a ready pod - memory", [PodSample("bentham", "Succeeded", None, times=_at(0, None))],
     {"bentham": 1}, "memory", 1, set(), set(), set()),
    (f"{G}/unready a pod without ready condition - CPU", [PodSample("lucretius", "Succeeded", None, times=_at(0, 0))],
     {"lucretius": 1}, "cpu", 0, {"lucretius"}, set(), set()),
    (f"{G}/count in a ready pod with fresh metrics during initialization period - CPU",
     [PodSample("bentham", "Succeeded", True, times=_at(0, -60, -30, 0, 30))], {"bentham": 1}, "cpu", 1,
     set(), set(), set()),
    (f"{G}/unready a ready pod without fresh metrics during initialization period - CPU",
     [PodSample("bentham", "Succeeded", True, times=_at(0, -60, -30, 0, 60))], {"bentham": 1}, "cpu", 0,
     {"bentham"}, set(), set()),
    (f"{G}/unready an unready pod during initialization period - CPU",
     [PodSample("lucretius", "Succeeded", False, times=_at(0, -600, -594))], {"lucretius": 1}, "cpu", 0,
     {"lucretius"}, set(), set()),
    (f"{G}/count in a ready pod without fresh metrics after initialization period - CPU",
     [PodSample("bentham", "Succeeded", True, times=_at(0, -180, -180, -120, 60))], {"bentham": 1}, "cpu", 1,
     set(), set(), set()),
    (f"{G}/count in an unready pod that was ready after initialization period - CPU",
     [PodSample("lucretius", "Succeeded", False, times=_at(0, -600, -540))], {"lucretius": 1}, "cpu", 1,
     set(), set(), set()),
    (f"{G}/unready pod that has never been ready after initialization period - CPU",
     [PodSample("lucretius", "Succeeded", False, times=_at(0, -600, -590))], {"lucretius": 1}, "cpu", 1,
     set(), set(), set()),
    (f"{G}/a missing pod", [PodSample("epicurus", "Succeeded", None, times=_at(0, -180))], {}, "cpu", 0,
     set(), {"epicurus"}, set()),
    (f"{G}/several pods", [PodSample("lucretius", "Succeeded", None, times=_at(0, 0)),
                           PodSample("niccolo", "Succeeded", True, times=_at(0, -180, -180)),
                           PodSample("epicurus", "Succeeded", None, times=_at(0, -180))],
     {"lucretius": 1, "niccolo": 1}, "cpu", 1, {"lucretius"}, {"epicurus"}, set()),
    (f"{G}/pending pods are unreadied", [PodSample("unscheduled", "Pending", None)], {}, "cpu", 0,
     {"unscheduled"}, set(), set()),
    (f"{G}/ignore pods with deletion timestamps", [PodSample("deleted", "Pending", None, deleting=True)],
     {"deleted": 1}, "cpu", 0, set(), set(), {"deleted"}),
    (f"{G}/ignore pods in a failed state", [PodSample("failed", "Failed", None)], {"failed": 1}, "cpu", 0,
     set(), set(), {"failed"}),
]


@pytest.mark.parametrize("pods,metrics,resource,ready,unready,missing,ignored", [c[1:] for c in GROUP_CASES],
                         ids=[c[0] for c in GROUP_CASES])
def test_group_pods(pods, metrics, resource, ready, unready, missing, ignored):
    assert pa.group_pods(pods, metrics, resource, **TIMING) == (ready, unready, missing, ignored)


def test_group_pods_boundary_of_the_initial_readiness_delay():
    """Upstream's "never been ready" case sits exactly at the delay (``After`` is strict): a
    transition one second earlier is still inside it, and the ``Ready=False`` pod is unready."""
    pod = PodSample("lucretius", "Running", False, times=_at(0, -600, -591))
    assert pa.group_pods([pod], {"lucretius": 1}, "cpu", **TIMING)[1] == {"lucretius"}


def test_replica_calc_scale_up_hot_cpu_less_scale():
    """``TestReplicaCalcScaleUpHotCpuLessScale``: a pod started (and Ready) just now, inside the
    initialization period with a sample from before one window had passed, is unready; on a
    scale-up it counts as 0: 3 pods go to 4, not 5 (``hotCPUCreationTime`` / ``coolCPUCreationTime``)."""
    hot, cool = _at(0, 0, 0, 0, 60), _at(0, -180, -180, 0, 60)
    pods = [PodSample(f"p{i}", request=1000, times=t) for i, t in enumerate([hot, cool, cool])]
    replicas, utilization, _ = pa.get_resource_replicas(3, 30, pods, _levels([300, 500, 700]))
    assert (replicas, utilization) == (4, 60)


@given(st.sampled_from([None, True, False]), st.integers(0, 400), st.integers(0, 400), st.integers(0, 400),
       st.integers(1, 120), st.integers(0, 400))
@settings(max_examples=200, deadline=None)
def test_readiness_answers_cover_every_timing(ready, start, transition, sample, window, later):
    """Whatever the times, upstream's answer is one the model explores with ``stale_samples``,
    and, with fresh samples (one window after the transition), one it explores by default."""
    times = pa.ReadinessTimes(start + later, start, transition, sample, window)
    assert pa.cpu_unready(ready, times) in pa.readiness_answers(ready, stale_samples=True)
    fresh = pa.ReadinessTimes(start + later, start, transition, max(sample, transition + window), window)
    assert pa.cpu_unready(ready, fresh) in pa.readiness_answers(ready)


def _with_ready(world, name, status):
    pod = world.cluster.get(ObjectRef("Pod", "default", name))
    new = replace(pod, status=replace(pod.status, conditions=(PodCondition("Ready", status),)))
    return World(world.cluster.with_(new), world.env)


def test_not_ready_pod_branches_on_its_timing():
    """A ``Ready=False`` pod with a sample is unready inside the initialization period and
    counts after it (a long-running pod failing its probe): the sync explores both. At 90% of a
    50% target with 2 pods, the unready reading holds 2 (45%, within the tolerance), the
    counted one scales to 4; the model's answer without times comes first."""
    w = _with_ready(_world(2, percent=90), "web-1", "False")
    alternatives = reconcile(w, HPA)
    assert isinstance(alternatives[0], tuple) and len(alternatives) == 2
    assert [_replicas(_apply(w, alt)) for alt in alternatives] == [2, 4]
    assert alternatives[0] == pa.sync(w, HPA)
    from kmodel.cluster import Controller

    hpa = Controller("horizontal-pod-autoscaler", pa.keys, reconcile, world=True)
    assert hpa.alternatives(w, HPA) == alternatives


def test_interchangeable_pods_branch_on_counts_not_names():
    """Pods with the same request and sample are interchangeable: 3 ``Ready=False`` pods give
    readings with 0 to 3 of them unready (4 readings, not 8), and equal outcomes merge."""
    w = _world(4, percent=90)
    for name in ("web-1", "web-2", "web-3"):
        w = _with_ready(w, name, "False")
    readings = pa._readings(w.cluster, w.env, w.cluster.get(HPA))
    assert readings[0] is None and len(readings) == 5
    outcomes = reconcile(w, HPA)
    sizes = sorted({_replicas(_apply(w, alt)) for alt in outcomes})
    assert sizes == [4, 6] and len(outcomes) == len(set(outcomes)) < len(readings)


def test_ready_pods_branch_only_with_stale_samples():
    """By default a Ready pod's sample counts (samples are fresh); with ``stale_samples`` a Ready
    pod inside the initialization period may be unready, damping a scale-up."""
    w = _world(2, percent=90)
    assert not isinstance(reconcile(w, HPA)[0], tuple)
    outcomes = reconcile(w, HPA, stale_samples=True)
    assert sorted({_replicas(_apply(w, alt)) for alt in outcomes}) == [2, 4]


def test_pods_without_a_ready_condition_do_not_branch():
    """A pod without a Ready condition is unready whatever the times: no reading branches on it."""
    w = _world(2, percent=90)
    pod = w.cluster.get(ObjectRef("Pod", "default", "web-1"))
    w = World(w.cluster.with_(replace(pod, status=replace(pod.status, conditions=()))), w.env)
    assert pa._readings(w.cluster, w.env, w.cluster.get(HPA)) == [None]
    assert pa._readings(w.cluster, w.env, w.cluster.get(HPA), stale_samples=True)[0] is None


def _reachable_sizes(world, controller):
    from kmodel.cluster import ClusterModel

    model = ClusterModel(world.cluster, controllers=(controller,), properties=(),
                         cpu_utilization=dict(world.env.cpu_utilization))
    seen, frontier, sizes = set(), list(model.init_states()), set()
    while frontier:
        w = frontier.pop()
        if w in seen:
            continue
        seen.add(w)
        sizes.add(_replicas(w))
        frontier.extend(nxt for _, nxt in model.successors(w))
    return sizes


def test_model_explores_both_readings():
    """Through :class:`kmodel.cluster.ClusterModel` (the HPA alone: no pods are created), 3 pods
    at 90% of a 50% target, maximum 6. With one ``Ready=False`` pod the model without times
    (``sync``: unready, 0% on a scale-up) reaches only 4; the HPA now also reaches 6 (upstream,
    past the initialization period). With every pod Ready only ``stale_samples`` adds 4."""
    import functools

    from kmodel.cluster import Controller

    def controller(reconcile_):
        return Controller("horizontal-pod-autoscaler", pa.keys, reconcile_, world=True)

    not_ready = _with_ready(_world(3, percent=90), "web-2", "False")
    assert _reachable_sizes(not_ready, controller(pa.sync)) == {3, 4}
    assert _reachable_sizes(not_ready, controller(reconcile)) == {3, 4, 6}
    assert _reachable_sizes(_world(3, percent=90), controller(reconcile)) == {3, 6}
    stale = controller(functools.partial(reconcile, stale_samples=True))
    assert _reachable_sizes(_world(3, percent=90), stale) == {3, 4, 6}
