"""``ActivePodsWithRanks.Less`` in full (``kmodel.controllers.controller_utils``) against upstream.

Cases rewritten from ``pkg/controller/controller_utils_test.go`` (v1.35): TestSortingActivePodsWithRanks
(its equality and inequality tables, with the ready and creation times upstream's pods carry,
``now`` fixed, UIDs empty as upstream's fixture leaves them), plus the helpers that ``Less``
reads: ``GetDeletionCostFromPodAnnotations`` (``pkg/apis/core/helper/helpers.go``) and
``logarithmicRankDiff``. The upstream test function starts each case id. The last part checks
the model's reading of unknown times (``None``): rule 6 decides nothing.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmodel.controllers.controller_utils import (
    POD_DELETION_COST,
    ActivePodsWithRanks,
    compare,
    get_deletion_cost_from_pod_annotations,
    logarithmic_rank_diff,
    pod_ready_time,
)
from kmodel.controllers.replicaset import get_pods_to_delete
from kmodel.objects.meta import ObjectMeta, labels_of
from kmodel.objects.workloads import Container, Pod, PodCondition, PodSpec, PodStatus

NOW = 1_750_000_000  # metav1.Now(), in seconds
THEN_1_MONTH = NOW - 30 * 86_400  # now.AddDate(0, -1, 0)
THEN_2_HOURS = NOW - 2 * 3600
THEN_5_HOURS = NOW - 5 * 3600
THEN_8_HOURS = NOW - 8 * 3600
ZERO = 0  # metav1.Time{}


def pod(name, node, phase, ready, restarts=0, ready_since=ZERO, created=ZERO, annotations=None, uid=""):
    """Upstream's fixture: the Ready condition (with its transition time) and the container
    restart count only for ready pods; no UID."""
    conditions = (PodCondition("Ready", "True", last_transition_time=ready_since),) if ready else ()
    return Pod(ObjectMeta(name, "default", uid=uid, annotations=labels_of(annotations or {}), creation_timestamp=created),
               PodSpec((Container("c"),), node_name=node),
               PodStatus(phase=phase, conditions=conditions, restart_count=restarts if ready else 0))


UNSCHEDULED = pod("unscheduled", "", "Pending", False)
SCHEDULED_PENDING = pod("pending", "node", "Pending", False)
UNKNOWN_PHASE = pod("unknown-phase", "node", "Unknown", False)
RUNNING_NOT_READY = pod("not-ready", "node", "Running", False)
READY_NO_LTT = pod("ready-no-last-transition-time", "node", "Running", True)
READY_NOW = pod("ready-now", "node", "Running", True, 0, NOW, NOW)
READY_THEN = pod("ready-then", "node", "Running", True, 0, THEN_1_MONTH, THEN_1_MONTH)
READY_NOW_HIGH_RESTARTS = pod("ready-high-restarts", "node", "Running", True, 9001, NOW, NOW)
READY_NOW_CREATED_THEN = pod("ready-now-created-then", "node", "Running", True, 0, NOW, THEN_1_MONTH)
LOW_COST = pod("low-deletion-cost", "node", "Running", True, 0, NOW, THEN_1_MONTH, {POD_DELETION_COST: "10"})
HIGH_COST = pod("high-deletion-cost", "node", "Running", True, 0, NOW, THEN_1_MONTH, {POD_DELETION_COST: "100"})
UNSCHEDULED_5H = pod("unscheduled-5-hours", "", "Pending", False, 0, THEN_5_HOURS, THEN_5_HOURS)
UNSCHEDULED_8H = pod("unscheduled-10-hours", "", "Pending", False, 0, THEN_8_HOURS, THEN_8_HOURS)
READY_2H = pod("ready-2-hours", "", "Running", True, 0, THEN_2_HOURS, THEN_1_MONTH)
READY_5H = pod("ready-5-hours", "", "Running", True, 0, THEN_5_HOURS, THEN_1_MONTH)
READY_8H = pod("ready-10-hours", "", "Running", True, 0, THEN_8_HOURS, THEN_1_MONTH)

EQUALITY = [  # (p1, p2 or None: p1 itself, LogarithmicScaleDown)
    (UNSCHEDULED, None, True), (SCHEDULED_PENDING, None, True), (UNKNOWN_PHASE, None, True),
    (RUNNING_NOT_READY, None, True), (READY_NOW_CREATED_THEN, None, True), (READY_NOW, None, True),
    (READY_THEN, None, True), (READY_NOW_HIGH_RESTARTS, None, True), (READY_NOW_CREATED_THEN, None, True),
    (UNSCHEDULED_5H, UNSCHEDULED_8H, True), (READY_5H, READY_8H, True),
]


@pytest.mark.parametrize("p1,p2,logarithmic", EQUALITY,
                         ids=[f"TestSortingActivePodsWithRanks/Equality tests {i}" for i in range(len(EQUALITY))])
def test_sorting_active_pods_with_ranks_equality(p1, p2, logarithmic):
    ranked = ActivePodsWithRanks((p1, p2 or p1), (1, 1), NOW, logarithmic_scale_down=logarithmic)
    assert not ranked.less(0, 1) and not ranked.less(1, 0)


INEQUALITY = [  # lesser, its rank, greater, its rank, PodDeletionCost, LogarithmicScaleDown
    (UNSCHEDULED, 1, SCHEDULED_PENDING, 2, True, True),
    (UNSCHEDULED, 2, SCHEDULED_PENDING, 1, True, True),
    (SCHEDULED_PENDING, 1, UNKNOWN_PHASE, 2, True, True),
    (UNKNOWN_PHASE, 1, RUNNING_NOT_READY, 2, True, True),
    (RUNNING_NOT_READY, 1, READY_NO_LTT, 1, True, True),
    (READY_NO_LTT, 1, READY_NOW, 1, True, True),
    (READY_NOW, 2, READY_NO_LTT, 1, True, True),
    (READY_NOW, 1, READY_THEN, 1, True, True),
    (READY_NOW, 2, READY_THEN, 1, True, True),
    (READY_NOW_HIGH_RESTARTS, 1, READY_NOW, 1, True, True),
    (READY_NOW, 2, READY_NOW_HIGH_RESTARTS, 1, True, True),
    (READY_NOW, 1, READY_NOW_CREATED_THEN, 1, True, True),
    (READY_NOW_CREATED_THEN, 2, READY_NOW, 1, True, True),
    (LOW_COST, 2, HIGH_COST, 1, True, True),
    (HIGH_COST, 2, LOW_COST, 1, False, True),  # disablePodDeletioncost: rank decides
    (READY_2H, 1, READY_5H, 1, True, True),
]


@pytest.mark.parametrize("lesser,lesser_rank,greater,greater_rank,cost_gate,logarithmic", INEQUALITY,
                         ids=[f"TestSortingActivePodsWithRanks/Inequality tests {i}" for i in range(len(INEQUALITY))])
def test_sorting_active_pods_with_ranks_inequality(lesser, lesser_rank, greater, greater_rank, cost_gate, logarithmic):
    ranked = ActivePodsWithRanks((lesser, greater), (lesser_rank, greater_rank), NOW,
                                 pod_deletion_cost=cost_gate, logarithmic_scale_down=logarithmic)
    assert ranked.less(0, 1) and not ranked.less(1, 0)


@pytest.mark.parametrize("lesser,greater", [
    pytest.param(READY_5H, READY_8H, id="TestSortingActivePodsWithRanks/LogarithmicScaleDown off: exact ready times"),
    pytest.param(UNSCHEDULED_5H, UNSCHEDULED_8H, id="TestSortingActivePodsWithRanks/LogarithmicScaleDown off: exact creation times"),
])
def test_without_logarithmic_scale_down_exact_times_decide(lesser, greater):
    """Equality cases 9 and 10 with the gate off (adapted): the times are no longer bucketed, so
    the more recent one goes first (``afterOrZero``)."""
    ranked = ActivePodsWithRanks((lesser, greater), (1, 1), NOW, logarithmic_scale_down=False)
    assert ranked.less(0, 1) and not ranked.less(1, 0)


def test_equal_buckets_are_ordered_by_uid():
    """``logarithmicRankDiff == 0``: the smaller UID goes first (upstream's fixtures have none)."""
    a = pod("a", "", "Running", True, 0, THEN_5_HOURS, THEN_1_MONTH, uid="uid-1")
    b = pod("b", "", "Running", True, 0, THEN_8_HOURS, THEN_1_MONTH, uid="uid-2")
    ranked = ActivePodsWithRanks((a, b), (1, 1), NOW)
    assert ranked.less(0, 1) and not ranked.less(1, 0)
    assert ActivePodsWithRanks((b, a), (1, 1), NOW).less(1, 0)


def test_a_zero_now_compares_exact_times():
    """``s.Now.IsZero()``: ``afterOrZero`` even with the gate on."""
    ranked = ActivePodsWithRanks((READY_5H, READY_8H), (1, 1), None)
    assert ranked.less(0, 1) and not ranked.less(1, 0)


@pytest.mark.parametrize("t1,t2,diff", [
    pytest.param(THEN_5_HOURS, THEN_8_HOURS, 0, id="logarithmicRankDiff/5h-8h-same-bucket"),
    pytest.param(THEN_2_HOURS, THEN_5_HOURS, -2, id="logarithmicRankDiff/2h-5h"),
    pytest.param(NOW, THEN_1_MONTH, -52, id="logarithmicRankDiff/now-is-bucket-minus-1"),
    pytest.param(NOW + 10, NOW, 0, id="logarithmicRankDiff/future-times-are-bucket-minus-1"),
])
def test_logarithmic_rank_diff(t1, t2, diff):
    assert logarithmic_rank_diff(t1, t2, NOW) == diff


@pytest.mark.parametrize("value,cost", [
    pytest.param("10", 10, id="GetDeletionCostFromPodAnnotations/plain"),
    pytest.param("-10", -10, id="GetDeletionCostFromPodAnnotations/negative"),
    pytest.param("0", 0, id="GetDeletionCostFromPodAnnotations/zero"),
    pytest.param("+10", 0, id="GetDeletionCostFromPodAnnotations/plus-sign-invalid"),
    pytest.param("008", 0, id="GetDeletionCostFromPodAnnotations/leading-zeros-invalid"),
    pytest.param(" 10", 0, id="GetDeletionCostFromPodAnnotations/blank-invalid"),
    pytest.param("1_000", 0, id="GetDeletionCostFromPodAnnotations/underscore-invalid"),
    pytest.param("", 0, id="GetDeletionCostFromPodAnnotations/empty-invalid"),
    pytest.param("2147483647", 2**31 - 1, id="GetDeletionCostFromPodAnnotations/int32-max"),
    pytest.param("2147483648", 0, id="GetDeletionCostFromPodAnnotations/int32-overflow"),
    pytest.param("-2147483648", -(2**31), id="GetDeletionCostFromPodAnnotations/int32-min"),
])
def test_deletion_cost_parsing(value, cost):
    """``GetDeletionCostFromPodAnnotations``: invalid values cost 0 (``Less`` ignores the error)."""
    assert get_deletion_cost_from_pod_annotations(labels_of({POD_DELETION_COST: value})) == cost


# -- the model's abstract time --------------------------------------------------------------------
def test_unknown_ready_times_decide_nothing_even_with_restarts():
    """The model does not know when two ready pods became ready, so rule 6 decides nothing and
    the restart count is not reached: both victims are explored (upstream's choice, with equal
    ready times the pod with more restarts, is one of them)."""
    a = pod("a", "node", "Running", True, 5, None)
    b = pod("b", "node", "Running", True, 0, None)
    assert compare(a, 1, b, 1) == 0 == compare(b, 1, a, 1)
    assert sorted(sorted(p.name for p in c) for c in get_pods_to_delete([a, b], [a, b], 1)) == [["a"], ["b"]]
    assert pod_ready_time(a) is None and pod_ready_time(RUNNING_NOT_READY) == 0


def test_not_ready_pods_are_still_ordered_by_restarts():
    a = pod("a", "node", "Running", False)
    b = Pod(a.metadata, a.spec, PodStatus("Running", restart_count=3))
    assert compare(b, 1, a, 1) == -1
    assert [[p.name for p in c] for c in get_pods_to_delete([a, b], [a, b], 1)] == [["a"]]


def test_get_pods_to_delete_follows_less_with_concrete_times():
    """With concrete times the victim is the one ``Less`` puts first (no alternatives)."""
    pods = [READY_THEN, READY_NOW, READY_NOW_CREATED_THEN]
    assert [[p.name for p in c] for c in get_pods_to_delete(pods, pods, 1, now=NOW)] == [["ready-now"]]


_PODS = st.builds(
    lambda node, phase, ready, restarts, since, created, cost: pod(
        "p", node, phase, ready, restarts, since, created, {POD_DELETION_COST: cost} if cost else None),
    st.sampled_from(["", "n1", "n2"]), st.sampled_from(["Pending", "Unknown", "Running", "Succeeded"]), st.booleans(),
    st.integers(0, 3), st.sampled_from([0, NOW, THEN_2_HOURS, THEN_5_HOURS, THEN_1_MONTH]),
    st.sampled_from([0, NOW, THEN_8_HOURS, THEN_1_MONTH]), st.sampled_from(["", "5", "-1"]))


@settings(max_examples=300, deadline=None)
@given(a=_PODS, b=_PODS, ra=st.integers(0, 3), rb=st.integers(0, 3), cost=st.booleans(), log=st.booleans())
def test_less_is_antisymmetric(a, b, ra, rb, cost, log):
    """``Less(i, j)`` and ``Less(j, i)`` are never both true (``compare`` is antisymmetric)."""
    ranked = ActivePodsWithRanks((a, b), (ra, rb), NOW, pod_deletion_cost=cost, logarithmic_scale_down=log)
    assert not (ranked.less(0, 1) and ranked.less(1, 0))
    assert ranked.compare(0, 1) == -ranked.compare(1, 0)


# -- rule 7 with sidecar containers (review against v1.35: compareMaxContainerRestarts) ----------
def _with_sidecar_restarts(p, regular, sidecar):
    return Pod(p.metadata, p.spec, PodStatus(p.status.phase, p.status.conditions, restart_count=regular,
                                             sidecar_restart_count=sidecar))


@pytest.mark.parametrize("lesser,greater", [
    pytest.param(_with_sidecar_restarts(READY_NOW, 0, 5), _with_sidecar_restarts(READY_NOW, 0, 1),
                 id="compareMaxContainerRestarts/equal regular restarts: more sidecar restarts first"),
    pytest.param(_with_sidecar_restarts(READY_NOW, 2, 0), _with_sidecar_restarts(READY_NOW, 1, 100),
                 id="compareMaxContainerRestarts/regular restarts decide before sidecar restarts"),
])
def test_sidecar_restarts_break_ties_of_regular_restarts(lesser, greater):
    ranked = ActivePodsWithRanks((lesser, greater), (1, 1), NOW)
    assert ranked.less(0, 1) and not ranked.less(1, 0)


def test_equal_regular_and_sidecar_restarts_fall_through_to_creation_time():
    a = _with_sidecar_restarts(READY_NOW, 1, 1)
    assert compare(a, 1, a, 1, now=NOW) == 0


def test_loader_reads_sidecar_restart_counts_only_for_sidecars():
    import io

    from kmodel.manifests import load

    text = """
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default}
spec:
  initContainers:
  - {name: init, image: busybox}
  - {name: proxy, image: envoy, restartPolicy: Always}
  containers: [{name: app, image: nginx}]
status:
  phase: Running
  containerStatuses: [{name: app, restartCount: 2}]
  initContainerStatuses: [{name: init, restartCount: 7}, {name: proxy, restartCount: 4}]
"""
    pods = [o for o in load(["-"], stdin=io.StringIO(text)).objects if getattr(o, "kind", "") == "Pod"]
    assert (pods[0].status.restart_count, pods[0].status.sidecar_restart_count) == (2, 4)
