"""Faithfulness of the ReplicaSet controller model against upstream Kubernetes' own tests.

Every table case is an upstream test case rewritten against the model; its id starts with the
upstream test function. Upstream files (kubernetes/kubernetes):

* ``pkg/controller/controller_utils_test.go``: TestActivePodFiltering, TestCountTerminatingPods
  (TestSortingActivePodsWithRanks: ``tests/controllers/test_controller_utils.py``);
* ``pkg/controller/replicaset/replica_set_test.go``: TestGetPodsToDelete, TestSlowStartBatch,
  TestSyncReplicaSetCreateFailures, TestSyncReplicaSetDoesNothing, TestPodControllerLookup,
  TestRelatedPodsLookup, TestDoNotPatchPodWithOtherControlRef, TestPatchPodFails,
  TestDoNotAdoptOrCreateIfBeingDeleted, TestControllerBurstReplicas;
* ``pkg/controller/replicaset/replica_set_utils_test.go``: TestCalculateStatus,
  TestCalculateStatusConditions.

The model's deliberate abstractions (module docstring of ``kmodel.controllers.replicaset``) show
up as skipped cases: time is abstract (in an explored cluster the ``Less`` rules on ready time
and creation time do not decide), ``minReadySeconds`` makes no difference, expectations are
exact unless the ``informerLag`` fault is on (``tests/test_informer.py``), no create or delete
fails, and feature gates are at their defaults. Where the model answers a tie with several
equally ranked choices, the case asserts that upstream's choice is one of them.

The last part drives ``reconcile(state, key)`` on small cluster states built through the API.
"""

from __future__ import annotations

from collections import Counter

import pytest

import kmodel.api as api
from kmodel.api import Bind, Create, Delete, Response, Update, UpdateStatus, apply, apply_all
from kmodel.controllers.replicaset import (
    BURST_REPLICAS,
    POD_DELETION_COST,
    _related_pods,
    calculate_status,
    controller_owner,
    get_pods_to_delete,
    reconcile,
    slow_start_batches,
)
from kmodel.objects.meta import (
    LabelSelector,
    Namespace,
    ObjectMeta,
    ObjectRef,
    OwnerReference,
    labels_of,
    replace,
    uid_for,
)
from kmodel.objects.nodes import Node
from kmodel.objects.workloads import (
    Container,
    Pod,
    PodCondition,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetCondition,
    ReplicaSetSpec,
    ReplicaSetStatus,
    is_pod_active,
    is_pod_terminating,
)
from kmodel.state import ClusterState

NS = "default"
SPEC = PodSpec((Container("c", image="foo/bar"),))
TEMPLATE_LABELS = labels_of({"name": "foo", "type": "production"})  # upstream newReplicaSet's template


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------

def mk_pod(name: str, *, node: str = "", phase: str = "Pending", ready: bool | None = None,
           restarts: int = 0, labels=(), annotations=(), owners=(), deleting: bool = False,
           namespace: str = NS) -> Pod:
    """A pod value as upstream tests build them (``ready=None``: no Ready condition at all)."""
    conditions = () if ready is None else (PodCondition("Ready", "True" if ready else "False"),)
    meta = ObjectMeta(name, namespace, uid=uid_for("Pod", namespace, name), labels=labels_of(labels),
                      annotations=labels_of(annotations), owner_references=tuple(owners),
                      deleting=deleting)
    return Pod(meta, replace(SPEC, node_name=node),
               PodStatus(phase=phase, conditions=conditions, restart_count=restarts))


def mk_rs(name: str = "foobar", replicas: int | None = 1, selector=None, *, template_labels=TEMPLATE_LABELS,
          controller_uid: str | None = None, min_ready_seconds: int = 0, generation: int = 1,
          status: ReplicaSetStatus = ReplicaSetStatus(), deleting: bool = False,
          namespace: str = NS) -> ReplicaSet:
    """A ReplicaSet value (upstream ``newReplicaSet``); ``controller_uid`` adds a controller ref."""
    owners = ()
    if controller_uid is not None:
        owners = (OwnerReference("apps/v1", "Deployment", f"d-{controller_uid}", controller_uid,
                                 controller=True, block_owner_deletion=True),)
    sel = LabelSelector(labels_of(selector if selector is not None else {"foo": "bar"}))
    meta = ObjectMeta(name, namespace, uid=uid_for("ReplicaSet", namespace, name), owner_references=owners,
                      generation=generation, deleting=deleting)
    spec = ReplicaSetSpec(sel, PodTemplateSpec(labels_of(template_labels), SPEC), replicas, min_ready_seconds)
    return ReplicaSet(meta, spec, status)


def upstream_new_pod(name: str, rs: ReplicaSet, phase: str, properly_owned: bool = True) -> Pod:
    """Upstream's ``newPod`` helper: the RS's selector labels, Ready=True iff Running."""
    owners = (controller_owner(rs),) if properly_owned else ()
    return mk_pod(name, phase=phase, ready=True if phase == "Running" else None,
                  labels=rs.spec.selector.match_labels, owners=owners, namespace=rs.metadata.namespace)


def base_state(*namespaces: str) -> ClusterState:
    s = ClusterState.empty()
    for obj in [Namespace(ObjectMeta(NS))] + [Namespace(ObjectMeta(n)) for n in namespaces] + \
               [Node(ObjectMeta("n1")), Node(ObjectMeta("n2")), Node(ObjectMeta("n3"))]:
        s, r = apply(s, Create(obj))
        assert r.ok, r
    return s


def create(s: ClusterState, obj) -> tuple[ClusterState, object]:
    s, r = apply(s, Create(obj))
    assert r.ok, r
    return s, s.get(r.ref)


def add_rs(s: ClusterState, rs: ReplicaSet) -> tuple[ClusterState, ReplicaSet]:
    return create(s, rs)


def add_pod(s: ClusterState, name: str, labels, *, owner: ReplicaSet | None = None, owners=(),
            node: str = "", phase: str = "Pending", ready: bool = False, restarts: int = 0,
            deleting: bool = False, namespace: str = NS) -> ClusterState:
    """Create a pod through the API, then bind it and write its status as scheduler and kubelet would."""
    refs = tuple(owners) + ((controller_owner(owner),) if owner is not None else ())
    s, pod = create(s, Pod(ObjectMeta(name, namespace, labels=labels_of(labels), owner_references=refs), SPEC))
    if node:
        s, r = apply(s, Bind(pod.ref, node))
        assert r.ok, r
    pod = s.get(pod.ref)
    if phase != "Pending" or ready or restarts:
        conds = pod.status.conditions + ((PodCondition("Ready", "True"),) if ready else ())
        s, r = apply(s, UpdateStatus(replace(pod, status=replace(pod.status, phase=phase, conditions=conds,
                                                                    restart_count=restarts))))
        assert r.ok, r
    if deleting:
        s, r = apply(s, Delete(pod.ref))
        assert r.ok and s.get(pod.ref).metadata.deleting, "graceful deletion needs a bound, running pod"
    return s


def mark_deleting(s: ClusterState, ref: ObjectRef) -> ClusterState:
    """Set ``deletionTimestamp`` (the API removes a ReplicaSet at once: no finalizers are modelled)."""
    obj = s.get(ref)
    return s.with_(replace(obj, metadata=replace(obj.metadata, deleting=True)))


def only(outcomes):
    assert len(outcomes) == 1, f"expected one outcome, got {len(outcomes)}"
    return outcomes[0]


def creates(reqs):
    return [r for r in reqs if isinstance(r, Create)]


def deletes(reqs):
    return [r for r in reqs if isinstance(r, Delete)]


def pod_updates(reqs):
    return [r for r in reqs if isinstance(r, Update) and isinstance(r.obj, Pod)]


def status_updates(reqs):
    return [r for r in reqs if isinstance(r, UpdateStatus)]


def names(pods) -> list[str]:
    return sorted(p.name for p in pods)


# --------------------------------------------------------------------------------------------
# controller_utils_test.go: TestSortingActivePodsWithRanks (ActivePodsWithRanks.Less) is in
# tests/controllers/test_controller_utils.py, with every rule and upstream's times.
# --------------------------------------------------------------------------------------------

def test_model_pods_have_no_times_so_ready_pods_tie():
    """In an explored cluster a pod's ready time is unknown and its creation time unset: two
    ready pods tie whatever their restarts (both victims are explored), not-ready pods are
    ordered by restarts."""
    a, b = mk_pod("a", node="n1", phase="Running", ready=True, restarts=5), mk_pod("b", node="n1", phase="Running", ready=True)
    assert len(get_pods_to_delete([a, b], [a, b], 1)) == 2
    c, d = mk_pod("c", node="n1", phase="Running", restarts=5), mk_pod("d", node="n1", phase="Running")
    assert [[p.name for p in x] for x in get_pods_to_delete([c, d], [c, d], 1)] == [["c"]]


# --------------------------------------------------------------------------------------------
# controller_utils_test.go: TestActivePodFiltering, TestCountTerminatingPods
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "phase,active",
    [
        pytest.param("Succeeded", False, id="TestActivePodFiltering-pod-1-Succeeded"),
        pytest.param("Failed", False, id="TestActivePodFiltering-pod-2-Failed"),
        pytest.param("", True, id="TestActivePodFiltering-pod-3-no-phase"),
        pytest.param("Running", True, id="TestActivePodFiltering-newPodList-Running"),
    ],
)
def test_active_pod_filtering(phase, active):
    assert is_pod_active(mk_pod("p", phase=phase)) is active


def test_count_terminating_pods():
    """TestCountTerminatingPods: Succeeded, Failed, Pending+deleting, Running+deleting, 3 Running -> 2."""
    pods = [mk_pod("p0", phase="Succeeded"), mk_pod("p1", phase="Failed"),
            mk_pod("p2", phase="Pending", deleting=True), mk_pod("p3", phase="Running", deleting=True)] + \
           [mk_pod(f"p{i}", phase="Running") for i in range(4, 7)]
    assert [p.name for p in pods if is_pod_terminating(p)] == ["p2", "p3"]
    assert [p.name for p in pods if is_pod_active(p)] == ["p4", "p5", "p6"]


# --------------------------------------------------------------------------------------------
# replica_set_test.go: TestGetPodsToDelete
# --------------------------------------------------------------------------------------------

_RS = mk_rs(selector={"name": "foo"})
_LBL = {"name": "foo"}
_OWN = (controller_owner(_RS),)
UNSCHEDULED_PENDING = mk_pod("unscheduled-pending-pod", labels=_LBL, owners=_OWN)
SCHED_PENDING = mk_pod("scheduled-pending-pod", node="fake-node", labels=_LBL, owners=_OWN)
SCHED_RUNNING_NOT_READY = mk_pod("scheduled-running-not-ready-pod", node="fake-node", phase="Running",
                                 ready=False, labels=_LBL, owners=_OWN)
READY_ON_NODE1 = mk_pod("scheduled-running-ready-pod-on-node-1", node="fake-node-1", phase="Running",
                        ready=True, labels=_LBL, owners=_OWN)
READY_ON_NODE2 = mk_pod("scheduled-running-ready-pod-on-node-2", node="fake-node-2", phase="Running",
                        ready=True, labels=_LBL, owners=_OWN)


@pytest.mark.parametrize(
    "pods,related,diff,expected",
    [
        pytest.param([], None, 0, [], id="TestGetPodsToDelete-len(pods)=0"),
        pytest.param([SCHED_RUNNING_NOT_READY, READY_ON_NODE1], None, 2,
                     [SCHED_RUNNING_NOT_READY, READY_ON_NODE1], id="TestGetPodsToDelete-diff=len(pods)"),
        pytest.param([READY_ON_NODE1, SCHED_RUNNING_NOT_READY], None, 1,
                     [SCHED_RUNNING_NOT_READY], id="TestGetPodsToDelete-diff<len(pods)"),
        pytest.param([READY_ON_NODE1, READY_ON_NODE1, READY_ON_NODE2, SCHED_RUNNING_NOT_READY, SCHED_PENDING,
                      UNSCHEDULED_PENDING], None, 6,
                     [READY_ON_NODE1, READY_ON_NODE1, READY_ON_NODE2, SCHED_RUNNING_NOT_READY, SCHED_PENDING,
                      UNSCHEDULED_PENDING], id="TestGetPodsToDelete-various-phases-diff=len(pods)"),
        pytest.param([READY_ON_NODE1, READY_ON_NODE1, READY_ON_NODE2, SCHED_RUNNING_NOT_READY, SCHED_PENDING,
                      UNSCHEDULED_PENDING], [], 6,
                     [READY_ON_NODE1, READY_ON_NODE1, READY_ON_NODE2, SCHED_RUNNING_NOT_READY, SCHED_PENDING,
                      UNSCHEDULED_PENDING], id="TestGetPodsToDelete-various-phases-diff=len(pods)-related-empty"),
        pytest.param([SCHED_PENDING, UNSCHEDULED_PENDING], None, 1, [UNSCHEDULED_PENDING],
                     id="TestGetPodsToDelete-scheduled-vs-unscheduled"),
        pytest.param([READY_ON_NODE1, SCHED_RUNNING_NOT_READY, SCHED_RUNNING_NOT_READY], None, 2,
                     [SCHED_RUNNING_NOT_READY, SCHED_RUNNING_NOT_READY], id="TestGetPodsToDelete-ready-vs-not-ready"),
        pytest.param([READY_ON_NODE1, READY_ON_NODE2], [READY_ON_NODE1, READY_ON_NODE2, READY_ON_NODE2], 1,
                     [READY_ON_NODE2], id="TestGetPodsToDelete-colocated-vs-not-colocated"),
        pytest.param([SCHED_PENDING, SCHED_RUNNING_NOT_READY], None, 1, [SCHED_PENDING],
                     id="TestGetPodsToDelete-pending-vs-running"),
        pytest.param([READY_ON_NODE1, READY_ON_NODE2, SCHED_RUNNING_NOT_READY, SCHED_PENDING, UNSCHEDULED_PENDING],
                     None, 3, [UNSCHEDULED_PENDING, SCHED_PENDING, SCHED_RUNNING_NOT_READY],
                     id="TestGetPodsToDelete-various-phases-diff<len(pods)"),
    ],
)
def test_get_pods_to_delete(pods, related, diff, expected):
    choices = get_pods_to_delete(pods, pods if related is None else related, diff)
    assert choices, "at least one choice"
    assert all(len(c) == diff for c in choices)
    assert Counter(p.name for p in expected) in [Counter(p.name for p in c) for c in choices]


def test_get_pods_to_delete_equal_pods_are_all_alternatives():
    """Upstream sorts with an unstable sort: among equally ranked pods any may go (no UID/time rule
    decides in the model). Adapted from TestGetPodsToDelete's ready pods."""
    a = replace(READY_ON_NODE1, metadata=replace(READY_ON_NODE1.metadata, name="a"))
    b = replace(READY_ON_NODE2, metadata=replace(READY_ON_NODE2.metadata, name="b"))
    choices = get_pods_to_delete([a, b], [], 1)
    assert sorted(names(c) for c in choices) == [["a"], ["b"]]


# --------------------------------------------------------------------------------------------
# replica_set_utils_test.go: TestCalculateStatus, TestCalculateStatusConditions
# --------------------------------------------------------------------------------------------

NOT_FULLY_LABELLED_RS = mk_rs(replicas=1, selector={"name": "foo"})
FULLY_LABELLED_RS = mk_rs(replicas=2, selector={"name": "foo", "type": "production"})
LONG_MIN_READY_RS = mk_rs(replicas=1, selector={"name": "foo", "type": "production"}, min_ready_seconds=3600)
MINREADY = "time is abstract in the model: minReadySeconds makes no difference (a ready pod is available at once)"
NO_TERMINATING = ("status.terminatingReplicas (DeploymentReplicaSetTerminatingReplicas) is not modelled: "
                  "ReplicaSetStatus has no such field")


@pytest.mark.parametrize(
    "rs,pods,expected",
    [
        pytest.param(FULLY_LABELLED_RS, [upstream_new_pod("pod1", FULLY_LABELLED_RS, "Running")], (1, 1, 1, 1),
                     id="TestCalculateStatus-1-fully-labelled-pod"),
        pytest.param(NOT_FULLY_LABELLED_RS, [upstream_new_pod("pod1", NOT_FULLY_LABELLED_RS, "Running")], (1, 0, 1, 1),
                     id="TestCalculateStatus-1-not-fully-labelled-pod"),
        pytest.param(FULLY_LABELLED_RS, [upstream_new_pod(f"pod{i}", FULLY_LABELLED_RS, "Running") for i in (1, 2)],
                     (2, 2, 2, 2), id="TestCalculateStatus-2-fully-labelled-pods"),
        pytest.param(FULLY_LABELLED_RS, [upstream_new_pod(f"pod{i}", FULLY_LABELLED_RS, "Running") for i in (1, 2)],
                     (2, 2, 2, 2), id="TestCalculateStatus-2-fully-labelled-pods-with-DeploymentPodReplacementPolicy",
                     marks=pytest.mark.skip(reason=NO_TERMINATING)),
        pytest.param(NOT_FULLY_LABELLED_RS, [upstream_new_pod(f"pod{i}", NOT_FULLY_LABELLED_RS, "Running") for i in (1, 2)],
                     (2, 0, 2, 2), id="TestCalculateStatus-2-not-fully-labelled-pods"),
        pytest.param(NOT_FULLY_LABELLED_RS, [upstream_new_pod("pod1", NOT_FULLY_LABELLED_RS, "Running"),
                                             upstream_new_pod("pod2", FULLY_LABELLED_RS, "Running")],
                     (2, 1, 2, 2), id="TestCalculateStatus-1-fully-1-not-fully-labelled"),
        pytest.param(FULLY_LABELLED_RS, [upstream_new_pod("pod1", FULLY_LABELLED_RS, "Pending")], (1, 1, 0, 0),
                     id="TestCalculateStatus-1-non-ready-pod"),
        pytest.param(LONG_MIN_READY_RS, [upstream_new_pod("pod1", LONG_MIN_READY_RS, "Running")], (1, 1, 1, 0),
                     id="TestCalculateStatus-1-ready-but-non-available-pod", marks=pytest.mark.skip(reason=MINREADY)),
        # Upstream passes the terminating pod separately; the model's caller never passes it
        # (terminating pods are not active), so only the active pod is given here.
        pytest.param(FULLY_LABELLED_RS, [upstream_new_pod("pod1", FULLY_LABELLED_RS, "Running")], (1, 1, 1, 1),
                     id="TestCalculateStatus-1-fully-labelled-and-1-terminating-without-gate"),
        pytest.param(FULLY_LABELLED_RS, [upstream_new_pod("pod1", FULLY_LABELLED_RS, "Running")], (1, 1, 1, 1),
                     id="TestCalculateStatus-1-fully-labelled-and-2-terminating-with-gate",
                     marks=pytest.mark.skip(reason=NO_TERMINATING)),
    ],
)
def test_calculate_status(rs, pods, expected):
    st = calculate_status(rs, pods)
    assert (st.replicas, st.fully_labeled_replicas, st.ready_replicas, st.available_replicas) == expected
    assert st.observed_generation == rs.metadata.generation  # set by updateReplicaSetStatus upstream


def test_calculate_status_min_ready_seconds_adapted():
    """TestCalculateStatus "1 ready but non-available pod", adapted to what the model claims:
    with time abstract, the ready pod is available despite minReadySeconds: 3600."""
    st = calculate_status(LONG_MIN_READY_RS, [upstream_new_pod("pod1", LONG_MIN_READY_RS, "Running")])
    assert (st.ready_replicas, st.available_replicas) == (1, 1)


_FAILED = ReplicaSetStatus(conditions=(ReplicaSetCondition("ReplicaFailure", "True"),))
_ERR = 'pods "web-" is forbidden: error looking up service account default/x'


@pytest.mark.parametrize(
    "rs,npods,err,want",
    [
        pytest.param(mk_rs(replicas=2), 1, _ERR, (("ReplicaFailure", "True", "FailedCreate"),),
                     id="TestCalculateStatusConditions-err-no-cond-diff<0"),
        pytest.param(mk_rs(replicas=2), 3, _ERR, (("ReplicaFailure", "True", "FailedDelete"),),
                     id="TestCalculateStatusConditions-err-no-cond-diff>0"),
        pytest.param(mk_rs(replicas=10, status=_FAILED), 1, "", (), id="TestCalculateStatusConditions-no-err-cond-removed"),
        pytest.param(mk_rs(replicas=10, status=_FAILED), 1, _ERR, (("ReplicaFailure", "True", ""),),
                     id="TestCalculateStatusConditions-err-cond-kept"),
        pytest.param(mk_rs(replicas=2), 1, "", (), id="TestCalculateStatusConditions-no-err-no-cond"),
    ],
)
def test_calculate_status_conditions(rs, npods, err, want):
    """manageReplicas errors come from the API server (a create refused by the ServiceAccount
    admission, kmodel.admission)."""
    pods = [upstream_new_pod(f"pod{i}", rs, "Running") for i in range(npods)]
    got = calculate_status(rs, pods, err).conditions
    assert tuple((c.type, c.status, c.reason) for c in got) == want


# --------------------------------------------------------------------------------------------
# replica_set_test.go: TestSlowStartBatch, TestSyncReplicaSetCreateFailures (through apply_all)
# --------------------------------------------------------------------------------------------

def _failing_after(limit: int):
    """An ``apply`` whose pod creates fail after ``limit`` calls (upstream's fake fn / CreateLimit)."""
    real = api.apply
    calls = {"n": 0}

    def fake(state, request):
        if isinstance(request, Create) and isinstance(request.obj, Pod):
            calls["n"] += 1
            if calls["n"] > limit:
                return state, Response(403, "Forbidden", "exceeded quota")
        return real(state, request)

    return fake, calls


@pytest.mark.parametrize(
    "count,call_limit,successes,calls",
    [
        pytest.param(10, 0, 0, 1, id="TestSlowStartBatch-callLimit=0-all-fail"),
        pytest.param(10, 10, 10, 10, id="TestSlowStartBatch-callLimit=count-all-succeed"),
        pytest.param(10, 5, 5, 7, id="TestSlowStartBatch-callLimit<count-some-succeed"),
    ],
)
def test_slow_start_batch(monkeypatch, count, call_limit, successes, calls):
    s, rs = add_rs(base_state(), mk_rs("web", count))
    reqs = only(reconcile(s, rs.ref))
    assert [c.batch for c in creates(reqs)] == [b for b, n in enumerate(slow_start_batches(count)) for _ in range(n)]
    fake, counter = _failing_after(call_limit)
    monkeypatch.setattr(api, "apply", fake)
    s2, resps = apply_all(s, reqs)
    create_resps = [r for req, r in zip(reqs, resps) if isinstance(req, Create)]
    assert counter["n"] == calls
    assert sum(r.code == 201 for r in create_resps) == successes
    assert sum(r.code == 0 for r in create_resps) == count - calls  # skipped, never sent
    assert len(s2.list("Pod")) == successes


def test_sync_replica_set_create_failures(monkeypatch):
    """TestSyncReplicaSetCreateFailures: 100 replicas, a limit of 10 creates: exactly 10 pods, and
    no more calls than the slow-start batches up to the one that failed (1+2+4+8 = 15)."""
    s, rs = add_rs(base_state(), mk_rs("web", 100))
    reqs = only(reconcile(s, rs.ref))
    assert len(creates(reqs)) == 100
    fake, counter = _failing_after(10)
    monkeypatch.setattr(api, "apply", fake)
    s2, _ = apply_all(s, reqs)
    assert len(s2.list("Pod")) == 10
    expected_limit, batch = 0, 0
    while expected_limit <= 10:
        expected_limit += 1 << batch
        batch += 1
    assert counter["n"] <= expected_limit == 15


@pytest.mark.parametrize("count,sizes", [
    pytest.param(0, [], id="TestSlowStartBatch-zero"),
    pytest.param(1, [1], id="TestSlowStartBatch-one"),
    pytest.param(10, [1, 2, 4, 3], id="TestSlowStartBatch-count=10-batches"),
    pytest.param(500, [1, 2, 4, 8, 16, 32, 64, 128, 245], id="TestSlowStartBatch-burst"),
])
def test_slow_start_batch_sizes(count, sizes):
    assert slow_start_batches(count) == sizes and sum(sizes) == count


# --------------------------------------------------------------------------------------------
# replica_set_test.go: sync-level cases, through reconcile on states built by the API
# --------------------------------------------------------------------------------------------

FOO = {"foo": "bar"}


def test_sync_replica_set_does_nothing():
    """TestSyncReplicaSetDoesNothing: 2 running pods, 2 replicas: no create, delete or patch."""
    s, rs = add_rs(base_state(), mk_rs("foobar", 2, FOO))
    for i in range(2):
        s = add_pod(s, f"pod{i}", FOO, owner=rs, node="n1", phase="Running", ready=True)
    reqs = only(reconcile(s, rs.ref))
    assert not creates(reqs) and not deletes(reqs) and not pod_updates(reqs)


def test_do_not_patch_pod_with_other_control_ref():
    """TestDoNotPatchPodWithOtherControlRef: a matching pod controlled by another RS is left alone."""
    s, rs = add_rs(base_state(), mk_rs("foobar", 2, FOO))
    s, other = add_rs(s, mk_rs("another-rs", 0, FOO))
    s = add_pod(s, "pod", FOO, owner=other, node="n1", phase="Running", ready=True)
    reqs = only(reconcile(s, rs.ref))
    assert len(creates(reqs)) == 2 and not pod_updates(reqs)


def test_patch_pod_fails_adapted():
    """TestPatchPodFails, adapted (patches do not fail in the model): two matching orphans, two
    adoption patches, and with them adopted nothing is created."""
    s, rs = add_rs(base_state(), mk_rs("foobar", 2, FOO))
    s = add_pod(s, "pod1", FOO)
    s = add_pod(s, "pod2", FOO)
    reqs = only(reconcile(s, rs.ref))
    assert names(u.obj for u in pod_updates(reqs)) == ["pod1", "pod2"]
    assert not creates(reqs)


def test_do_not_adopt_or_create_if_being_deleted():
    """TestDoNotAdoptOrCreateIfBeingDeleted: no patch, no create while the RS is being deleted."""
    s, rs = add_rs(base_state(), mk_rs("foobar", 2, FOO))
    s = add_pod(s, "pod1", FOO)
    s = mark_deleting(s, rs.ref)
    reqs = only(reconcile(s, rs.ref))
    assert not creates(reqs) and not pod_updates(reqs) and not deletes(reqs)


def test_do_not_adopt_or_create_if_being_deleted_race():
    pytest.skip("TestDoNotAdoptOrCreateIfBeingDeletedRace: the model's informer never lags on updates "
                "(informerLag delays only the add events of new pods), so the cache never disagrees with "
                "the API server about deletionTimestamp")


def test_sync_replica_set_dormancy():
    """TestSyncReplicaSetDormancy: pending expectations stop manageReplicas but not a status
    update; ``reconcile`` takes ``SatisfiedExpectations`` as ``needs_sync`` (the expectations
    themselves, and the lag that makes them pending: ``tests/test_informer.py``). Upstream's
    injected create error is not modelled."""
    s, rs = add_rs(base_state(), mk_rs("foobar", 2, FOO))
    s = add_pod(s, "pod1", FOO, owner=rs, node="n1", phase="Running", ready=True)
    assert len(creates(only(reconcile(s, rs.ref)))) == 1
    reqs = only(reconcile(s, rs.ref, needs_sync=False))
    assert not creates(reqs) and [r.obj.status.replicas for r in status_updates(reqs)] == [1]


@pytest.mark.parametrize(
    "rs_ns,pod_ns,adopted",
    [
        pytest.param("", "", False, id="TestPodControllerLookup-pod-without-labels",
                     marks=pytest.mark.skip(reason="a nil selector is not representable; apps/v1 requires a "
                                                   "non-empty selector")),
        pytest.param(NS, "ns", False, id="TestPodControllerLookup-matching-labels-not-namespace"),
        pytest.param("ns", "ns", True, id="TestPodControllerLookup-matching-namespace-and-labels"),
    ],
)
def test_pod_controller_lookup(rs_ns, pod_ns, adopted):
    """TestPodControllerLookup, seen from the RS's sync: an orphan is adopted only by a matching
    ReplicaSet of its own namespace (the model has no event handlers; adoption is what matters)."""
    s, rs = add_rs(base_state("ns"), mk_rs("bar", 1, FOO, namespace=rs_ns))
    s = add_pod(s, "foo3", FOO, namespace=pod_ns)
    reqs = only(reconcile(s, rs.ref))
    assert bool(pod_updates(reqs)) is adopted


@pytest.mark.parametrize(
    "rss,target,pods,expected",
    [
        pytest.param(["pending-deletion", "unrelated"], "pending-deletion", {"pod": "pending-deletion"}, ["pod"],
                     id="TestRelatedPodsLookup-owner-pending-deletion"),
        pytest.param(["some", "unrelated"], "some", {"pod1": "some", "pod2": "some", "pod4": "unrelated"},
                     ["pod1", "pod2"], id="TestRelatedPodsLookup-no-related-rs"),
        pytest.param(["some", "related", "unrelated"], "some",
                     {"pod1": "some", "pod2": "some", "pod3": "related", "pod4": "unrelated"},
                     ["pod1", "pod2", "pod3"], id="TestRelatedPodsLookup-own-and-related-not-unrelated"),
    ],
)
def test_related_pods_lookup(rss, target, pods, expected):
    defs = {  # name: (selector value of foo, controller uid, deleting)
        "some": ("bar", "123", False), "related": ("baz", "123", False),
        "unrelated": ("quux", "456", False), "pending-deletion": ("xyzzy", "789", True),
    }
    s = base_state()
    made = {}
    for name in rss:
        foo, uid, deleting = defs[name]
        s, made[name] = add_rs(s, mk_rs(name, 1, {"foo": foo}, controller_uid=uid))
        if deleting:
            s = mark_deleting(s, made[name].ref)
    for pod, owner in pods.items():
        s = add_pod(s, pod, made[owner].spec.selector.match_labels, owner=made[owner])
    assert names(_related_pods(s, s.get(made[target].ref))) == expected


def test_related_pods_are_found_by_selector_not_owner():
    """getIndirectlyRelatedPods lists each related RS's pods by selector (replica_set.go), so a
    not-yet-adopted orphan counts and a pod controlled by a related RS whose labels moved does not."""
    s, a = add_rs(base_state(), mk_rs("a", 1, {"app": "web", "hash": "a"}, controller_uid="d"))
    s, b = add_rs(s, mk_rs("b", 1, {"app": "web", "hash": "b"}, controller_uid="d"))
    s = add_pod(s, "orphan", {"app": "web", "hash": "b"})
    s = add_pod(s, "moved", {"app": "web", "hash": "x"}, owner=b)
    s = add_pod(s, "a1", {"app": "web", "hash": "a"}, owner=a)
    assert names(_related_pods(s, s.get(a.ref))) == ["a1", "orphan"]


def test_related_pods_of_a_replica_set_without_controller_is_empty():
    """getReplicaSetsWithSameController returns nil for a ReplicaSet with no controller."""
    s, rs = add_rs(base_state(), mk_rs("solo", 1, FOO))
    s = add_pod(s, "p", FOO, owner=rs)
    assert _related_pods(s, s.get(rs.ref)) == []


def test_controller_burst_replicas_adapted():
    """TestControllerBurstReplicas with the model's fixed burst of 500: one sync creates at most
    500 pods (in slow-start batches), and deletes at most 500."""
    s, rs = add_rs(base_state(), mk_rs("web", 600, FOO))
    reqs = only(reconcile(s, rs.ref))
    assert len(creates(reqs)) == BURST_REPLICAS
    assert Counter(c.batch for c in creates(reqs)) == dict(enumerate(slow_start_batches(BURST_REPLICAS)))
    for i in range(501):
        s = add_pod(s, f"p{i:03}", FOO, owner=rs)
    s, r = apply(s, Update(replace(s.get(rs.ref), spec=replace(rs.spec, replicas=0))))
    assert r.ok
    outcomes = reconcile(s, rs.ref)
    assert outcomes and all(len(deletes(o)) == BURST_REPLICAS for o in outcomes)


# --------------------------------------------------------------------------------------------
# reconcile(state, key): behaviour the brief asks for, on small API-built states
# --------------------------------------------------------------------------------------------

def test_creates_missing_pods_in_slow_start_batches_from_the_template():
    s, rs = add_rs(base_state(), mk_rs("web", 7, FOO, template_labels=FOO))
    reqs = only(reconcile(s, rs.ref))
    made = creates(reqs)
    assert [c.batch for c in made] == [0, 1, 1, 2, 2, 2, 2]
    pod = made[0].obj
    assert pod.metadata.generate_name == "web-" and pod.metadata.labels == labels_of(FOO)
    assert pod.metadata.owner_references == (controller_owner(rs),) and pod.spec == SPEC
    s2, resps = apply_all(s, reqs)
    assert all(r.ok for r in resps) and len(s2.list("Pod")) == 7
    # the status written in this sync is from the pods read before the creates
    (st,) = status_updates(reqs)
    assert st.obj.status.replicas == 0 and st.obj.status.observed_generation == 1


def test_adopts_a_matching_orphan_and_counts_it():
    s, rs = add_rs(base_state(), mk_rs("web", 2, FOO))
    s = add_pod(s, "orphan", FOO, node="n1", phase="Running", ready=True)
    s = add_pod(s, "other", {"foo": "baz"})  # does not match: neither adopted nor counted
    reqs = only(reconcile(s, rs.ref))
    (adopt,) = pod_updates(reqs)
    assert adopt.obj.name == "orphan" and adopt.obj.metadata.controller_ref() == controller_owner(rs)
    assert len(creates(reqs)) == 1
    (st,) = status_updates(reqs)
    assert (st.obj.status.replicas, st.obj.status.ready_replicas) == (1, 1)
    s2, resps = apply_all(s, reqs)
    assert all(r.ok for r in resps)
    assert s2.get(ObjectRef("Pod", NS, "orphan")).metadata.controller_ref().uid == rs.metadata.uid


def test_releases_a_controlled_pod_whose_labels_no_longer_match():
    s, rs = add_rs(base_state(), mk_rs("web", 1, FOO))
    s = add_pod(s, "stray", {"foo": "other"}, owners=(OwnerReference("v1", "ConfigMap", "x", "x"),), owner=rs)
    reqs = only(reconcile(s, rs.ref))
    (release,) = pod_updates(reqs)
    assert release.obj.name == "stray"
    assert release.obj.metadata.owner_references == (OwnerReference("v1", "ConfigMap", "x", "x"),)
    assert len(creates(reqs)) == 1  # the released pod no longer counts


def test_inactive_pods_are_neither_counted_nor_claimed():
    s, rs = add_rs(base_state(), mk_rs("web", 2, FOO))
    s = add_pod(s, "done", FOO, owner=rs, node="n1", phase="Succeeded")
    s = add_pod(s, "failed-orphan", FOO, node="n1", phase="Failed")
    s = add_pod(s, "going", FOO, owner=rs, node="n1", phase="Running", ready=True, deleting=True)
    reqs = only(reconcile(s, rs.ref))
    assert len(creates(reqs)) == 2 and not pod_updates(reqs) and not deletes(reqs)
    (st,) = status_updates(reqs)
    assert st.obj.status.replicas == 0


def test_deletes_surplus_pods_by_rank_unscheduled_and_pending_first():
    s, rs = add_rs(base_state(), mk_rs("web", 2, FOO))
    s = add_pod(s, "ready-1", FOO, owner=rs, node="n1", phase="Running", ready=True)
    s = add_pod(s, "ready-2", FOO, owner=rs, node="n2", phase="Running", ready=True)
    s = add_pod(s, "not-ready", FOO, owner=rs, node="n3", phase="Running")
    s = add_pod(s, "pending", FOO, owner=rs, node="n3")
    s = add_pod(s, "unscheduled", FOO, owner=rs)
    reqs = only(reconcile(s, rs.ref))
    assert sorted(d.ref.name for d in deletes(reqs)) == ["not-ready", "pending", "unscheduled"]
    assert not creates(reqs)


def test_delete_ties_are_alternatives_and_ranks_need_a_controller():
    """Two ready pods on n1, one on n2, scale to 2. Under a Deployment the doubled-up pods go first
    (rank); a standalone ReplicaSet has no related pods upstream, so all three are equally ranked."""
    for controller_uid, expected in [("d", [["a"], ["b"]]), (None, [["a"], ["b"], ["c"]])]:
        s, rs = add_rs(base_state(), mk_rs("web", 2, FOO, controller_uid=controller_uid))
        for name, node in [("a", "n1"), ("b", "n1"), ("c", "n2")]:
            s = add_pod(s, name, FOO, owner=rs, node=node, phase="Running", ready=True)
        outcomes = reconcile(s, rs.ref)
        assert sorted(sorted(d.ref.name for d in deletes(o)) for o in outcomes) == expected
        assert all(not creates(o) and len(status_updates(o)) == 1 for o in outcomes)


def test_deletion_cost_decides_before_rank():
    s, rs = add_rs(base_state(), mk_rs("web", 1, FOO, controller_uid="d"))
    for name, node in [("a", "n1"), ("b", "n1"), ("c", "n2")]:
        s = add_pod(s, name, FOO, owner=rs, node=node, phase="Running", ready=True)
    c = s.get(ObjectRef("Pod", NS, "c"))
    s, r = apply(s, Update(replace(c, metadata=replace(c.metadata, annotations=labels_of({POD_DELETION_COST: "-5"})))))
    assert r.ok
    outcomes = reconcile(s, rs.ref)
    # c is cheapest; then a and b tie (same node, same rank): either goes with it
    assert sorted(sorted(d.ref.name for d in deletes(o)) for o in outcomes) == [["a", "c"], ["b", "c"]]


def test_no_management_while_the_replica_set_is_being_deleted():
    s, rs = add_rs(base_state(), mk_rs("web", 3, FOO))
    s = add_pod(s, "mine", FOO, owner=rs, node="n1", phase="Running", ready=True)
    s = add_pod(s, "orphan", FOO)
    s = add_pod(s, "stray", {"foo": "moved"}, owner=rs)
    s = mark_deleting(s, rs.ref)
    reqs = only(reconcile(s, rs.ref))
    assert not creates(reqs) and not deletes(reqs) and not pod_updates(reqs)
    (st,) = status_updates(reqs)  # status is still written, from the pods it still owns
    assert (st.obj.status.replicas, st.obj.status.ready_replicas) == (1, 1)
    # too many pods while being deleted: none is deleted either
    s, rs2 = add_rs(s, mk_rs("web2", 0, {"app": "x"}))
    s = add_pod(s, "x1", {"app": "x"}, owner=rs2)
    s = mark_deleting(s, rs2.ref)
    assert not deletes(only(reconcile(s, rs2.ref)))


def test_status_is_written_only_when_it_changes():
    s, rs = add_rs(base_state(), mk_rs("web", 2, FOO, template_labels=FOO))
    for i in range(2):
        s = add_pod(s, f"p{i}", FOO, owner=rs, node="n1", phase="Running", ready=True)
    (st,) = only(reconcile(s, rs.ref))
    assert isinstance(st, UpdateStatus)
    assert st.obj.status == ReplicaSetStatus(replicas=2, fully_labeled_replicas=2, ready_replicas=2,
                                             available_replicas=2, observed_generation=1)
    s, r = apply(s, st)
    assert r.ok
    assert reconcile(s, rs.ref) == ((),)  # steady state: nothing to write
    # a spec change that needs no pod change still bumps observedGeneration
    cur = s.get(rs.ref)
    s, r = apply(s, Update(replace(cur, spec=replace(cur.spec, min_ready_seconds=5))))
    assert r.ok and s.get(rs.ref).metadata.generation == 2
    (st2,) = only(reconcile(s, rs.ref))
    assert isinstance(st2, UpdateStatus) and st2.obj.status == replace(st.obj.status, observed_generation=2)
    s, _ = apply(s, st2)
    assert reconcile(s, rs.ref) == ((),)
    # a pod losing readiness changes the status
    p0 = s.get(ObjectRef("Pod", NS, "p0"))
    s, _ = apply(s, UpdateStatus(replace(p0, status=replace(p0.status, conditions=(PodCondition("Ready", "False"),)))))
    (st3,) = only(reconcile(s, rs.ref))
    assert (st3.obj.status.ready_replicas, st3.obj.status.available_replicas) == (1, 1)


def test_missing_replica_set_does_nothing():
    assert reconcile(base_state(), ObjectRef("ReplicaSet", NS, "gone")) == ((),)
