"""Faithfulness of the disruption controller model against upstream Kubernetes' own tests.

Every table case is an upstream test case of ``pkg/controller/disruption/disruption_test.go``
rewritten against the model; its id starts with the upstream test function. Upstream's
``VerifyPdbStatus(t, name, disruptionsAllowed, currentHealthy, desiredHealthy, expectedPods,
disruptedPods)`` becomes a comparison of the same five fields. ReplicationControllers are not
served by the model: the cases that use them are rewritten with ReplicaSets (the finders treat
both as a controller with a scale).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmodel.api import Create, UpdateStatus, apply
from kmodel.cluster import DEFAULT_CONTROLLERS
from kmodel.controllers.disruption import (
    build_disrupted_pod_map,
    count_healthy_pods,
    disruptions_allowed,
    get_expected_pod_count,
    keys,
    reconcile,
    sync_status,
)
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef, OwnerReference, replace, uid_for
from kmodel.objects.policy import PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus
from kmodel.objects.workloads import (
    Container,
    Deployment,
    DeploymentSpec,
    Pod,
    PodCondition,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetSpec,
)
from kmodel.state import ClusterState

LABELS = (("foo", "bar"),)
READY = PodStatus("Running", (PodCondition("Ready", "True"),))
NOT_READY = PodStatus("Running", ())


def pdb(min_available=None, max_unavailable=None, selector=LabelSelector(LABELS), disrupted=()) -> PodDisruptionBudget:
    return PodDisruptionBudget(ObjectMeta("foobar", "default", uid=uid_for("PodDisruptionBudget", "default", "foobar"),
                                          generation=1),
                               PodDisruptionBudgetSpec(selector, min_available, max_unavailable),
                               PodDisruptionBudgetStatus(disrupted_pods=tuple(disrupted)))


def pod(name: str, *, ready: bool = True, owner: OwnerReference | None = None, deleting: bool = False) -> Pod:
    return Pod(ObjectMeta(name, "default", labels=LABELS, owner_references=(owner,) if owner else (), deleting=deleting),
               PodSpec((Container("c"),), node_name="n"), READY if ready else NOT_READY)


def rs(name: str, replicas: int, owner: OwnerReference | None = None) -> ReplicaSet:
    return ReplicaSet(ObjectMeta(name, "default", uid=uid_for("ReplicaSet", "default", name),
                                 owner_references=(owner,) if owner else ()),
                      ReplicaSetSpec(LabelSelector(LABELS), PodTemplateSpec(LABELS, PodSpec((Container("c"),))),
                                     replicas=replicas))


def deployment(name: str, replicas: int) -> Deployment:
    return Deployment(ObjectMeta(name, "default", uid=uid_for("Deployment", "default", name)),
                      DeploymentSpec(LabelSelector(LABELS), PodTemplateSpec(LABELS, PodSpec((Container("c"),))),
                                     replicas=replicas))


def owner(obj) -> OwnerReference:  # type: ignore[no-untyped-def]
    return OwnerReference("apps/v1", obj.kind, obj.metadata.name, obj.metadata.uid, controller=True)


def status(budget: PodDisruptionBudget, *objects) -> tuple[int, int, int, int, tuple[str, ...]]:  # type: ignore[no-untyped-def]
    """``VerifyPdbStatus``'s fields after one sync: (allowed, current, desired, expected, disrupted)."""
    st = sync_status(ClusterState.of([budget, *objects]), budget)
    return st.disruptions_allowed, st.current_healthy, st.desired_healthy, st.expected_pods, st.disrupted_pods


# -- table: disruption_test.go ------------------------------------------------------------------
RS7 = rs("rs", 7)
RS10 = rs("rs", 10)
D = deployment("dep", 11)
DRS = rs("dep-rs", 11, owner(D))
RS11 = rs("rs", 11)
RS3 = rs("rc", 3)

CASES = [
    # TestNoSelector: an empty selector selects every pod of the namespace.
    ("TestNoSelector-no-pods", pdb(3, selector=LabelSelector()), [], (0, 0, 3, 0, ())),
    ("TestNoSelector-one-pod", pdb(3, selector=LabelSelector()), [pod("yo-yo-yo")], (0, 1, 3, 1, ())),
    # TestUnavailable: minAvailable 3, four ready pods, then one not ready.
    ("TestUnavailable-3-of-3", pdb(3), [pod(f"yo-yo-yo {i}") for i in range(3)], (0, 3, 3, 3, ())),
    ("TestUnavailable-4-ready", pdb(3), [pod(f"yo-yo-yo {i}") for i in range(4)], (1, 4, 3, 4, ())),
    ("TestUnavailable-one-unready", pdb(3),
     [pod("yo-yo-yo 0", ready=False)] + [pod(f"yo-yo-yo {i}") for i in range(1, 4)], (0, 3, 3, 4, ())),
    # TestIntegerMaxUnavailable: unmanaged pods give expected 0, so nothing is allowed.
    ("TestIntegerMaxUnavailable-no-pods", pdb(max_unavailable=1), [], (0, 0, 0, 0, ())),
    ("TestIntegerMaxUnavailable-naked-pod", pdb(max_unavailable=1), [pod("naked")], (0, 1, 0, 0, ())),
    # TestIntegerMaxUnavailableWithScaling: maxUnavailable 2 against the ReplicaSet's scale.
    ("TestIntegerMaxUnavailableWithScaling-7", pdb(max_unavailable=2), [RS7, pod("pod", owner=owner(RS7))],
     (0, 1, 5, 7, ())),
    ("TestIntegerMaxUnavailableWithScaling-5", pdb(max_unavailable=2),
     [replace(RS7, spec=replace(RS7.spec, replicas=5)), pod("pod", owner=owner(RS7))], (0, 1, 3, 5, ())),
    # TestPercentageMaxUnavailableWithScaling: 30% of 7 rounds up to 3, of 3 up to 1.
    ("TestPercentageMaxUnavailableWithScaling-7", pdb(max_unavailable="30%"), [RS7, pod("pod", owner=owner(RS7))],
     (0, 1, 4, 7, ())),
    ("TestPercentageMaxUnavailableWithScaling-3", pdb(max_unavailable="30%"),
     [replace(RS7, spec=replace(RS7.spec, replicas=3)), pod("pod", owner=owner(RS7))], (0, 1, 2, 3, ())),
    # TestReplicaSet: minAvailable 20% of 10 is 2.
    ("TestReplicaSet", pdb("20%"), [RS10, pod("pod", owner=owner(RS10))], (0, 1, 2, 10, ())),
    # TestMultipleControllers (ReplicationControllers rewritten as ReplicaSets): no controller
    # yet -> nothing allowed; one controller of scale 1, 1% rounds up to 1, two healthy -> 1.
    ("TestMultipleControllers-no-controllers", pdb("1%"), [pod("pod 0"), pod("pod 1")], (0, 2, 0, 0, ())),
    ("TestMultipleControllers-one-controller", pdb("1%"),
     [rs("rc 1", 1), pod("pod 0", owner=owner(rs("rc 1", 1))), pod("pod 1", owner=owner(rs("rc 1", 1)))],
     (1, 2, 1, 1, ())),
    # TestTwoControllers (the ReplicationController rewritten as a ReplicaSet): 28% of one
    # controller of 11 rounds up to 4, of two to 7. After the first loop 6 of 11 pods are not
    # ready; after the second 7 of the other 11: VerifyPdbStatus(1, 5, 4, 11) and (2, 9, 7, 22).
    # The Deployment in upstream's test owns nothing; here the second set is Deployment-owned
    # (it counts as the Deployment, whose scale is also 11).
    ("TestTwoControllers-one-controller", pdb("28%"),
     [RS11] + [pod(f"quux {i}", owner=owner(RS11), ready=i > 6) for i in range(1, 12)], (1, 5, 4, 11, ())),
    ("TestTwoControllers-two-controllers", pdb("28%"),
     [RS11, D, DRS] + [pod(f"quux {i}", owner=owner(RS11), ready=i > 6) for i in range(1, 12)]
     + [pod(f"quuux {i}", owner=owner(DRS), ready=i > 7) for i in range(1, 12)], (2, 9, 7, 22, ())),
    # TestReplicationController (rewritten with a ReplicaSet): 34% of 3 rounds up to 2; a rogue
    # pod without a controller adds a healthy pod but nothing to the expected count.
    ("TestReplicationController-3-pods", pdb("34%"), [RS3] + [pod(f"foobar {i}", owner=owner(RS3)) for i in range(3)],
     (1, 3, 2, 3, ())),
    ("TestReplicationController-rogue-pod", pdb("34%"),
     [RS3, pod("rogue")] + [pod(f"foobar {i}", owner=owner(RS3)) for i in range(3)], (2, 4, 2, 3, ())),
    # TestNakedPod: a percentage budget over a pod without a controller allows nothing.
    ("TestNakedPod", pdb("28%"), [pod("naked")], (0, 1, 0, 0, ())),
    # TestUpdateDisruptedPods: entries of deleting or missing pods are dropped; p2's timeout has
    # passed (expired below), p3's has not, so p3 is not healthy.
    ("TestUpdateDisruptedPods", pdb(1, disrupted=("notthere", "p1", "p2", "p3")),
     [pod("p1", deleting=True), pod("p2"), pod("p3")], (0, 1, 1, 3, ("p3",))),
]


@pytest.mark.parametrize("budget,objects,want", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_upstream_status(budget, objects, want):
    if budget.status.disrupted_pods:  # TestUpdateDisruptedPods: p2 is the expired entry
        st = sync_status(ClusterState.of([budget, *objects]), budget, expired=("p2",))
        got = (st.disruptions_allowed, st.current_healthy, st.desired_healthy, st.expected_pods, st.disrupted_pods)
    else:
        got = status(budget, *objects)
    assert got == want


def test_unresolvable_controller_fails_safe():
    """getExpectedScale: 'found no controllers for pod' -> failSafe (allowed 0, SyncFailed)."""
    budget = replace(pdb(max_unavailable=1), status=PodDisruptionBudgetStatus(disruptions_allowed=3))
    st = sync_status(ClusterState.of([budget, pod("p", owner=owner(rs("gone", 1)))]), budget)
    assert st.disruptions_allowed == 0 and st.condition("DisruptionAllowed").reason == "SyncFailed"
    sts = OwnerReference("apps/v1", "StatefulSet", "db", "uid-db", controller=True)
    st = sync_status(ClusterState.of([budget, pod("p", owner=sts)]), budget)
    assert st.condition("DisruptionAllowed").reason == "SyncFailed"


def test_finders_fall_back_to_the_replicaset_scale():
    """getPodDeployment finds nothing for a ReplicaSet whose Deployment is gone (or has another
    UID), getPodReplicaSet skips Deployment-owned ReplicaSets, getScaleController reads the
    ReplicaSet's own /scale; a ReplicaSet with another UID resolves nothing (an error)."""
    orphaned = rs("dep-rs", 4, owner(D))
    assert status(pdb("50%"), orphaned, pod("p", owner=owner(orphaned)))[2:4] == (2, 4)
    assert status(pdb("50%"), D, orphaned, pod("p", owner=owner(orphaned)))[2:4] == (6, 11)
    other = replace(orphaned, metadata=replace(orphaned.metadata, uid="another"))
    budget = pdb("50%")
    st = sync_status(ClusterState.of([budget, other, pod("p", owner=owner(orphaned))]), budget)
    assert st.condition("DisruptionAllowed").reason == "SyncFailed"


def test_nil_selector_selects_nothing():
    st = sync_status(ClusterState.of([pdb(1, selector=None), pod("p")]), pdb(1, selector=None))
    assert (st.current_healthy, st.expected_pods) == (0, 0)


def test_conditions_follow_disruptions_allowed():
    """UpdateDisruptionAllowedCondition: True SufficientPods / False InsufficientPods."""
    budget = pdb(1)
    st = sync_status(ClusterState.of([budget, pod("a"), pod("b")]), budget)
    assert st.condition("DisruptionAllowed") == replace(st.condition("DisruptionAllowed"), status="True",
                                                        reason="SufficientPods")
    st = sync_status(ClusterState.of([budget, pod("a")]), budget)
    assert (st.condition("DisruptionAllowed").status, st.condition("DisruptionAllowed").reason) == \
        ("False", "InsufficientPods")


# -- reconcile through the API -----------------------------------------------------------------
def _cluster(*objects) -> ClusterState:  # type: ignore[no-untyped-def]
    s = ClusterState.of([Namespace(ObjectMeta("default"))])
    for o in objects:
        st = getattr(o, "status", None)
        s, r = apply(s, Create(o))
        assert r.ok, r
        if st is not None and st != s.get(r.ref).status:
            s, _ = apply(s, UpdateStatus(replace(s.get(r.ref), status=st)))
    return s


def test_reconcile_writes_once_then_idles():
    s = _cluster(pdb(1), pod("a"), pod("b"))
    (reqs,) = reconcile(s, ObjectRef("PodDisruptionBudget", "default", "foobar"))
    s2, _ = apply(s, reqs[0])
    assert s2.get(reqs[0].obj.ref).status.disruptions_allowed == 1
    assert reconcile(s2, reqs[0].obj.ref) == ((),)
    assert reconcile(s2, ObjectRef("PodDisruptionBudget", "default", "gone")) == ()


def test_kept_entries_give_timer_alternatives():
    """A listed, not-deleting pod in disruptedPods: the sync with and without its timeout expired."""
    s = _cluster(pdb(1, disrupted=("a",)), pod("a"), pod("b"))
    s, _ = apply(s, UpdateStatus(replace(s.get(ObjectRef("PodDisruptionBudget", "default", "foobar")),
                                         status=PodDisruptionBudgetStatus(disrupted_pods=("a",)))))
    alts = reconcile(s, ObjectRef("PodDisruptionBudget", "default", "foobar"))
    assert [a[0].obj.status.disrupted_pods for a in alts] == [("a",), ()]
    assert [a[0].obj.status.current_healthy for a in alts] == [1, 2]


def test_inert_without_budgets():
    """The controller is registered and idle when no PDB exists."""
    assert "disruption-controller" in [c.name for c in DEFAULT_CONTROLLERS]
    assert keys(_cluster(pod("a"))) == []


@settings(max_examples=200, deadline=None)
@given(healthy=st.integers(0, 50), desired=st.integers(0, 50), expected=st.integers(-1, 50))
def test_disruptions_allowed_never_negative(healthy, desired, expected):
    allowed = disruptions_allowed(healthy, desired, expected)
    assert allowed >= 0 and (allowed == 0 or allowed == healthy - desired)


@settings(max_examples=100, deadline=None)
@given(replicas=st.integers(0, 40), percent=st.integers(0, 100), ready=st.integers(0, 5))
def test_percentages_round_up(replicas, percent, ready):
    """GetScaledValueFromIntOrPercent(..., true): minAvailable rounds up, maxUnavailable too
    (so desiredHealthy rounds down), as the numeric model (kmodel.smt.models.disruption)."""
    owner_rs = rs("rs", replicas)
    pods = [pod(f"p{i}", owner=owner(owner_rs)) for i in range(ready)]
    s = ClusterState.of([owner_rs, *pods])
    _, desired_min, _ = get_expected_pod_count(s, pdb(f"{percent}%"), pods)
    _, desired_max, _ = get_expected_pod_count(s, pdb(max_unavailable=f"{percent}%"), pods)
    if ready:
        assert desired_min == -(-percent * replicas // 100)
        assert desired_max == replicas - (-(-percent * replicas // 100))
    assert count_healthy_pods(pods) == ready
    assert build_disrupted_pod_map(pods, pdb(1)) == ((), False)
