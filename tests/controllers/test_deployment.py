"""The Deployment controller against upstream's table tests, and end to end.

Cases are rewritten from ``pkg/controller/deployment/{rolling,sync,progress,recreate}_test.go``
(v1.35; the upstream test function is the first part of each case id). Upstream's fixtures
``newDeployment`` (maxSurge and maxUnavailable 0 unless given) and ``rs`` are mirrored below.
Cases that exercise the alpha ``DeploymentPodReplacementPolicy`` gate, injected API errors or
``status.terminatingReplicas`` are not modelled and left out.
"""

from __future__ import annotations

import pytest

from kmodel.api import Create, UpdateStatus, apply, apply_all
from kmodel.cluster import ClusterModel
from kmodel.controllers import deployment as dc
from kmodel.controllers import deployment_util as du
from kmodel.kubectl import rollout_pause, rollout_resume, set_image
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef, OwnerReference, replace
from kmodel.objects.nodes import Node, NodeStatus
from kmodel.objects.workloads import (
    Container,
    Deployment,
    DeploymentCondition,
    DeploymentSpec,
    DeploymentStatus,
    DeploymentStrategy,
    Pod,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetSpec,
    ReplicaSetStatus,
)
from kmodel.properties import by_id
from kmodel.rollout import owned_replica_sets
from kmodel.state import ClusterState

NS = Namespace(ObjectMeta("default"))
SELECTOR = (("foo", "bar"),)


def new_deployment(replicas, rhl=None, surge=None, unavailable=None, selector=SELECTOR, *, strategy="RollingUpdate",
                   pds=None, generation=1, status=DeploymentStatus(), annotations=()):
    """``newDeployment``: maxSurge and maxUnavailable default to 0."""
    t = PodTemplateSpec(selector, PodSpec((Container("foo", image="foo/bar"),)))
    s = (DeploymentStrategy("RollingUpdate", 0 if surge is None else surge, 0 if unavailable is None else unavailable)
         if strategy == "RollingUpdate" else DeploymentStrategy("Recreate"))
    return Deployment(ObjectMeta("foo", "default", uid="Deployment/default/foo", generation=generation,
                                 annotations=tuple(sorted(annotations))),
                      DeploymentSpec(LabelSelector(selector), t, replicas, s, revision_history_limit=rhl,
                                     progress_deadline_seconds=pds),
                      status)


def rs(name, replicas, selector=(), created=0, *, annotations=(), status=ReplicaSetStatus(), owner=None, generation=0):
    """``rs``: a ReplicaSet with an empty template, owned by the fixture Deployment."""
    owners = (OwnerReference("apps/v1", "Deployment", "foo", owner, controller=True),) if owner else ()
    return ReplicaSet(ObjectMeta(name, "default", uid=f"ReplicaSet/default/{name}", creation_timestamp=created,
                                 annotations=tuple(sorted(annotations)), owner_references=owners,
                                 generation=generation),
                      ReplicaSetSpec(LabelSelector(selector), PodTemplateSpec(selector, PodSpec((Container("x"),))),
                                     replicas),
                      status)


def context(d, *rss, deadline_passed=False):
    state = ClusterState.of([NS, d, *rss])
    return dc.SyncContext(state, d, deadline_passed=deadline_passed)


def stored(s, name):
    return s.store.get(ObjectRef("ReplicaSet", "default", name))


# -- rolling_test.go ---------------------------------------------------------------------------
RECONCILE_NEW = [
    ("should not scale up when old replica set is fully saturated", 10, 0, 10, 0, False, None),
    ("should scale up according to the maxSurge when old replica set is fully saturated", 10, 2, 10, 0, True, 2),
    ("should scale up according to the maxSurge", 10, 2, 5, 0, True, 7),
    ("should not scale when maxSurge is fully saturated", 10, 2, 10, 2, False, None),
    ("should scale down when there are replicas above maxSurge", 10, 2, 2, 11, True, 10),
]


@pytest.mark.parametrize("replicas,surge,old_replicas,new_replicas,scaled,expected", [c[1:] for c in RECONCILE_NEW],
                         ids=[f"TestDeploymentController_reconcileNewReplicaSet/{c[0]}" for c in RECONCILE_NEW])
def test_reconcile_new_replica_set(replicas, surge, old_replicas, new_replicas, scaled, expected):
    new = rs("foo-v2", new_replicas, status=ReplicaSetStatus(observed_generation=1))
    old = rs("foo-v1", old_replicas, status=ReplicaSetStatus(observed_generation=1))
    d = new_deployment(replicas, surge=surge, unavailable=0)
    s = context(d, new, old)
    assert dc.reconcile_new_replica_set(s, [new, old], new) is scaled
    if not scaled:
        assert s.requests == []
    else:
        assert len(s.requests) == 1 and stored(s, "foo-v2").spec.replicas == expected


RECONCILE_OLD = [  # replicas, maxUnavailable, old, new, ready old, ready new, scaled
    (10, 0, 10, 0, 10, 0, True),
    (10, 2, 10, 0, 10, 0, True),
    (10, 2, 10, 0, 8, 0, True),  # unhealthy replicas from old replica sets are cleaned up
    (10, 2, 10, 0, 9, 0, True),  # 1 unhealthy replica cleaned up, 1 ready pod scaled down
    (10, 2, 8, 2, 8, 0, False),  # unavailable pods of the new RS do not let old RSs scale down further
]


@pytest.mark.parametrize("replicas,unavailable,old_replicas,new_replicas,ready_old,ready_new,scaled", RECONCILE_OLD,
                         ids=[f"TestDeploymentController_reconcileOldReplicaSets/{i}" for i in range(len(RECONCILE_OLD))])
def test_reconcile_old_replica_sets(replicas, unavailable, old_replicas, new_replicas, ready_old, ready_new, scaled):
    new = rs("foo-new", new_replicas, (("foo", "new"),), status=ReplicaSetStatus(available_replicas=ready_new))
    old = rs("foo-old", old_replicas, (("foo", "old"),), status=ReplicaSetStatus(available_replicas=ready_old))
    d = new_deployment(replicas, surge=0, unavailable=unavailable, selector=(("foo", "new"),))
    s = context(d, old, new)
    assert dc.reconcile_old_replica_sets(s, [old, new], [old], new) is scaled


CLEANUP_UNHEALTHY = [  # old replicas, ready, max cleanup, expected cleanup
    (10, 8, 1, 1),
    (10, 8, 3, 2),
    (10, 8, 0, 0),
    (10, 10, 3, 0),
]


@pytest.mark.parametrize("old_replicas,ready,max_cleanup,expected", CLEANUP_UNHEALTHY,
                         ids=[f"TestDeploymentController_cleanupUnhealthyReplicas/{i}" for i in range(len(CLEANUP_UNHEALTHY))])
def test_cleanup_unhealthy_replicas(old_replicas, ready, max_cleanup, expected):
    old = rs("foo-v2", old_replicas, status=ReplicaSetStatus(available_replicas=ready))
    s = context(new_deployment(10, surge=2, unavailable=2), old)
    _, count = dc.cleanup_unhealthy_replicas(s, [old], max_cleanup)
    assert count == expected
    assert stored(s, "foo-v2").spec.replicas == old_replicas - expected


def test_invalid_scale_down_is_swallowed_and_earlier_writes_stay():
    """``cleanupUnhealthyReplicas`` meets an old ReplicaSet whose status reports more available
    pods than its spec (its controller has not synced since it was scaled down): upstream returns
    "invalid request to scale down" and ``reconcileOldReplicaSets`` swallows it (``return false,
    nil``); the scale-down of the older ReplicaSet made before it stays."""
    older = rs("foo-v1", 3, (("foo", "v1"),), created=1, status=ReplicaSetStatus(available_replicas=1))
    stale = rs("foo-v2", 2, (("foo", "v2"),), created=2, status=ReplicaSetStatus(available_replicas=3))
    new = rs("foo-v3", 0, (("foo", "v3"),), created=3)
    s = context(new_deployment(2, unavailable=0, selector=(("foo", "v3"),)), older, stale, new)
    assert dc.reconcile_old_replica_sets(s, [older, stale, new], [older, stale], new) is False
    assert [(type(r).__name__, r.obj.metadata.name) for r in s.requests] == [("Update", "foo-v1")]
    assert stored(s, "foo-v1").spec.replicas == 1 and stored(s, "foo-v2").spec.replicas == 2
    with pytest.raises(Exception, match="invalid request to scale down default/foo-v2 2 -> 3"):
        dc.cleanup_unhealthy_replicas(context(new_deployment(2)), [stale], 3)


SCALE_DOWN_OLD = [  # replicas, maxUnavailable, ready, old replicas, scaled, expected old replicas
    (10, 0, 10, 10, True, 9),
    (10, 2, 10, 10, True, 8),
    (10, 2, 8, 10, False, None),
    (10, 2, 10, 0, False, None),
    (10, 2, 1, 10, False, None),
]


@pytest.mark.parametrize("replicas,unavailable,ready,old_replicas,scaled,expected", SCALE_DOWN_OLD,
                         ids=[f"TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate/{i}"
                              for i in range(len(SCALE_DOWN_OLD))])
def test_scale_down_old_replica_sets_for_rolling_update(replicas, unavailable, ready, old_replicas, scaled, expected):
    old = rs("foo-v2", old_replicas, status=ReplicaSetStatus(available_replicas=ready))
    s = context(new_deployment(replicas, surge=0, unavailable=unavailable), old)
    count = dc.scale_down_old_replica_sets_for_rolling_update(s, [old], [old])
    assert (count > 0) is scaled
    if scaled:
        assert [type(r).__name__ for r in s.requests] == ["Update"]
        assert stored(s, "foo-v2").spec.replicas == expected


# -- sync_test.go: TestScale -------------------------------------------------------------------
NEW, OLD, OLDER = 3, 2, 1  # creation timestamps


def scale_case(name, d, old_d, new, olds, expected_new, expected_olds, desired=None):
    return pytest.param(d, old_d, new, olds, expected_new, expected_olds, desired or {}, id=f"TestScale/{name}")


def _d(replicas, surge=None, unavailable=None, selector=SELECTOR):
    return new_deployment(replicas, surge=surge, unavailable=unavailable, selector=selector)


def _updated_template(replicas):
    d = _d(replicas)
    t = d.spec.template
    return replace(d, spec=replace(d.spec, template=replace(t, labels=t.labels + (("another", "label"),))))


SCALE = [
    scale_case("normal scaling event: 10 -> 12", _d(12), _d(10), ("foo-v1", 10, NEW), [], 12, []),
    scale_case("normal scaling event: 10 -> 5", _d(5), _d(10), ("foo-v1", 10, NEW), [], 5, []),
    scale_case("proportional scaling: 5 -> 10", _d(10), _d(5), ("foo-v2", 2, NEW), [("foo-v1", 3, OLD)], 4, [6]),
    scale_case("proportional scaling: 5 -> 3", _d(3), _d(5), ("foo-v2", 2, NEW), [("foo-v1", 3, OLD)], 1, [2]),
    scale_case("proportional scaling: 9 -> 4", _d(4), _d(9), ("foo-v2", 8, NEW), [("foo-v1", 1, OLD)], 4, [0]),
    scale_case("proportional scaling: 7 -> 10", _d(10), _d(7), ("foo-v3", 2, NEW),
               [("foo-v2", 3, OLD), ("foo-v1", 2, OLDER)], 3, [4, 3]),
    scale_case("proportional scaling: 13 -> 8", _d(8), _d(13), ("foo-v3", 2, NEW),
               [("foo-v2", 8, OLD), ("foo-v1", 3, OLDER)], 1, [5, 2]),
    scale_case("leftover distribution: 3 -> 4", _d(4), _d(3), ("foo-v3", 1, NEW),
               [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)], 2, [1, 1]),
    scale_case("leftover distribution: 3 -> 2", _d(2), _d(3), ("foo-v3", 1, NEW),
               [("foo-v2", 1, OLD), ("foo-v1", 1, OLDER)], 1, [1, 0]),
    scale_case("proportional scaling (no new rs): 4 -> 5", _d(5), _d(4), None,
               [("foo-v2", 2, OLD), ("foo-v1", 2, OLDER)], None, [3, 2]),
    scale_case("proportional scaling: 6 -> 0", _d(0), _d(6), ("foo-v3", 3, NEW),
               [("foo-v2", 2, OLD), ("foo-v1", 1, OLDER)], 0, [0, 0]),
    scale_case("proportional scaling: 0 -> 6", _d(6), _d(6), ("foo-v3", 0, NEW),
               [("foo-v2", 0, OLD), ("foo-v1", 0, OLDER)], 6, [0, 0]),
    scale_case("deployment with surge pods", _d(20, surge=2), _d(10, surge=2), ("foo-v2", 6, NEW),
               [("foo-v1", 6, OLD)], 11, [11]),
    scale_case("change both surge and size", _d(50, surge=6), _d(10, surge=3), ("foo-v2", 5, NEW),
               [("foo-v1", 8, OLD)], 22, [34]),
    scale_case("change both size and template", _updated_template(14), _d(10), None,
               [("foo-v2", 7, NEW), ("foo-v1", 3, OLD)], None, [10, 4]),
]


@pytest.mark.parametrize("d,old_d,new,olds,expected_new,expected_olds,desired", SCALE)
def test_scale(d, old_d, new, olds, expected_new, expected_olds, desired):
    def make(spec):
        name, replicas, created = spec
        want = desired.get(name, old_d.spec.replicas)
        r = rs(name, replicas, created=created)
        r, _ = du.set_replicas_annotations(r, want, want + du.max_surge(old_d))
        return r

    new_rs = make(new) if new else None
    old_rss = [make(o) for o in olds]
    s = context(d, *([new_rs] if new_rs else []), *old_rss)
    dc.scale(s, new_rs, old_rss)
    if new_rs is not None:
        assert stored(s, new_rs.metadata.name).spec.replicas == expected_new
    assert [stored(s, o.metadata.name).spec.replicas for o in old_rss] == expected_olds


def test_scale_saturated_but_broken_new_replica_set_does_not_affect_old_pods():
    """TestScale/saturated but broken new replica set does not affect old pods."""
    d = _d(2, surge=1, unavailable=1)
    new_rs, _ = du.set_replicas_annotations(rs("foo-v2", 2, created=NEW), 2, 3)
    old, _ = du.set_replicas_annotations(rs("foo-v1", 1, created=OLD), 2, 3)
    s = context(d, new_rs, old)
    dc.scale(s, new_rs, [old])
    assert stored(s, "foo-v2").spec.replicas == 2 and stored(s, "foo-v1").spec.replicas == 1


def test_scale_rewrites_stale_annotations_when_nothing_is_added():
    """``scaleReplicaSet`` rewrites desired/max-replicas even when the size stays."""
    d = _d(5, surge=1)
    a, _ = du.set_replicas_annotations(rs("a", 3, created=1), 4, 5)
    b, _ = du.set_replicas_annotations(rs("b", 3, created=2), 4, 5)
    s = context(d, a, b)
    dc.scale(s, b, [a])
    assert [stored(s, n).spec.replicas for n in "ab"] == [3, 3]
    assert all(stored(s, n).metadata.annotation(du.DESIRED_REPLICAS_ANNOTATION) == "5" for n in "ab")


# -- sync_test.go: cleanupDeployment -----------------------------------------------------------
def with_status(name, spec_replicas, status_replicas, created=0, revision=""):
    annotations = ((du.REVISION_ANNOTATION, revision),) if revision else ()
    return rs(name, spec_replicas, SELECTOR, created, annotations=annotations,
              status=ReplicaSetStatus(replicas=status_replicas))


CLEANUP = [
    ([with_status("foo-1", 0, 0), with_status("foo-2", 0, 0), with_status("foo-3", 0, 0)], 1, 2),
    ([with_status("foo-1", 0, 0), with_status("foo-2", 0, 1), with_status("foo-3", 1, 0), with_status("foo-4", 1, 1)], 0, 1),
    ([with_status("foo-1", 0, 0), with_status("foo-2", 0, 0)], 0, 2),
    ([with_status("foo-1", 1, 1), with_status("foo-2", 1, 1)], 0, 0),
    ([replace(with_status("foo-1", 0, 0), metadata=replace(with_status("foo-1", 0, 0).metadata, deleting=True))], 0, 0),
    ([with_status("foo-1", 0, 0), with_status("foo-2", 0, 0), with_status("foo-3", 0, 0)], du.MAX_INT32, 0),
]


@pytest.mark.parametrize("olds,limit,deletions", CLEANUP,
                         ids=[f"TestDeploymentController_cleanupDeployment/{i}" for i in range(len(CLEANUP))])
def test_cleanup_deployment(olds, limit, deletions):
    s = context(new_deployment(1, rhl=limit), *olds)
    dc.cleanup_deployment(s, olds)
    assert sum(1 for r in s.requests if type(r).__name__ == "Delete") == deletions


CLEANUP_ORDER = [  # (name, spec replicas, revision) in creation order, limit, deleted
    ([("foo-1", 0, "1"), ("foo-2", 0, "2")], 1, {"foo-1"}),
    ([("foo-1", 0, "2"), ("foo-2", 0, "1")], 1, {"foo-2"}),
    ([("foo-1", 0, "1"), ("foo-2", 0, "")], 1, {"foo-2"}),
    ([("foo-1", 0, ""), ("foo-2", 0, "2")], 1, {"foo-1"}),
    ([("foo-1", 1, "1"), ("foo-2", 0, "2"), ("foo-3", 0, "3")], 1, {"foo-2"}),
    ([("foo-1", 1, "1"), ("foo-2", 1, "2"), ("foo-3", 0, "3")], 1, set()),
    ([("foo-1", 0, "3"), ("foo-2", 0, "1"), ("foo-3", 0, "4"), ("foo-4", 0, "2")], 2, {"foo-2", "foo-4"}),
]


@pytest.mark.parametrize("olds,limit,deleted", CLEANUP_ORDER,
                         ids=[f"TestDeploymentController_cleanupDeploymentOrder/{i}" for i in range(len(CLEANUP_ORDER))])
def test_cleanup_deployment_order(olds, limit, deleted):
    sets = [with_status(n, r, r, created, rev) for created, (n, r, rev) in enumerate(olds)]
    s = context(new_deployment(1, rhl=limit), *sets)
    dc.cleanup_deployment(s, sets)
    assert {r.ref.name for r in s.requests if type(r).__name__ == "Delete"} == deleted


# -- progress_test.go: TestSyncRolloutStatus ---------------------------------------------------
FAILED_TIMED_OUT = DeploymentCondition("Progressing", "False", du.TIMED_OUT_REASON)
NEW_RS_AVAILABLE = DeploymentCondition("Progressing", "True", du.NEW_RS_AVAILABLE_REASON)
REPLICA_SET_UPDATED = DeploymentCondition("Progressing", "True", du.REPLICA_SET_UPDATED_REASON)


def current_deployment(pds, replicas, status_replicas, updated, available, conditions):
    """``currentDeployment``: a Recreate Deployment with the given status."""
    return new_deployment(replicas, strategy="Recreate", pds=pds, status=DeploymentStatus(
        replicas=status_replicas, updated_replicas=updated, available_replicas=available,
        observed_generation=1, conditions=tuple(conditions)))


def with_available(name, spec, status, available):
    return rs(name, spec, status=ReplicaSetStatus(replicas=status, available_replicas=available))


SYNC_ROLLOUT = [
    ("General: remove Progressing condition and do not estimate progress if deployment has no Progress Deadline",
     current_deployment(None, 3, 2, 2, 2, [REPLICA_SET_UPDATED]), [with_available("bar", 0, 1, 1)],
     with_available("foo", 3, 2, 2), False, None),
    ("General: do not estimate progress of deployment with only one active ReplicaSet",
     current_deployment(60, 3, 3, 3, 3, [NEW_RS_AVAILABLE]), [with_available("bar", 3, 3, 3)], None, False,
     ("True", du.NEW_RS_AVAILABLE_REASON)),
    ("DeploymentProgressing: dont update lastTransitionTime if deployment already has Progressing=True",
     current_deployment(60, 3, 2, 2, 2, [REPLICA_SET_UPDATED]), [with_available("bar", 0, 1, 1)],
     with_available("foo", 3, 2, 2), False, ("True", du.REPLICA_SET_UPDATED_REASON)),
    ("DeploymentProgressing: update everything if deployment has Progressing=False",
     current_deployment(60, 3, 2, 2, 2, [FAILED_TIMED_OUT]), [with_available("bar", 0, 1, 1)],
     with_available("foo", 3, 2, 2), False, ("True", du.REPLICA_SET_UPDATED_REASON)),
    ("DeploymentProgressing: create Progressing condition if it does not exist",
     current_deployment(60, 3, 2, 2, 2, []), [with_available("bar", 0, 1, 1)],
     with_available("foo", 3, 2, 2), False, ("True", du.REPLICA_SET_UPDATED_REASON)),
    ("DeploymentComplete: dont update lastTransitionTime if deployment already has Progressing=True",
     current_deployment(60, 3, 3, 3, 3, [REPLICA_SET_UPDATED]), [], with_available("foo", 3, 3, 3), False,
     ("True", du.NEW_RS_AVAILABLE_REASON)),
    ("DeploymentComplete: update everything if deployment has Progressing=False",
     current_deployment(60, 3, 3, 3, 3, [FAILED_TIMED_OUT]), [], with_available("foo", 3, 3, 3), False,
     ("True", du.NEW_RS_AVAILABLE_REASON)),
    ("DeploymentComplete: create Progressing condition if it does not exist",
     current_deployment(60, 3, 3, 3, 3, []), [], with_available("foo", 3, 3, 3), False,
     ("True", du.NEW_RS_AVAILABLE_REASON)),
    ("DeploymentComplete: defend against NPE when newRS=nil",
     current_deployment(60, 0, 3, 3, 3, [REPLICA_SET_UPDATED]), [with_available("foo", 0, 0, 0)], None, False,
     ("True", du.NEW_RS_AVAILABLE_REASON)),
    ("DeploymentTimedOut: update status if rollout exceeds Progress Deadline",
     current_deployment(60, 3, 2, 2, 2, [REPLICA_SET_UPDATED]), [], with_available("foo", 3, 2, 2), True,
     ("False", du.TIMED_OUT_REASON)),
    ("DeploymentTimedOut: do not update status if deployment has existing timedOut condition",
     current_deployment(60, 3, 2, 2, 2, [FAILED_TIMED_OUT]), [], with_available("foo", 3, 2, 2), False,
     ("False", du.TIMED_OUT_REASON)),
]


@pytest.mark.parametrize("d,all_rss,new_rs,deadline_passed,expected", [c[1:] for c in SYNC_ROLLOUT],
                         ids=[f"TestSyncRolloutStatus/{c[0]}" for c in SYNC_ROLLOUT])
def test_sync_rollout_status(d, all_rss, new_rs, deadline_passed, expected):
    sets = list(all_rss) + ([new_rs] if new_rs else [])
    s = context(d, *sets, deadline_passed=deadline_passed)
    dc.sync_rollout_status(s, sets, new_rs)
    cond = du.get_deployment_condition(s.d.status, "Progressing")
    if expected is None:
        assert cond is None
    else:
        assert cond is not None and (cond.status, cond.reason) == expected


def test_sync_rollout_status_asks_the_clock_only_when_stalled():
    d = current_deployment(60, 3, 2, 2, 2, [REPLICA_SET_UPDATED])
    foo = with_available("foo", 3, 2, 2)
    s = context(d, foo)
    dc.sync_rollout_status(s, [foo], foo)
    assert s.deadline_asked
    s = context(current_deployment(60, 3, 3, 3, 3, []), with_available("foo", 3, 3, 3))
    dc.sync_rollout_status(s, [with_available("foo", 3, 3, 3)], with_available("foo", 3, 3, 3))
    assert not s.deadline_asked


# -- recreate_test.go --------------------------------------------------------------------------
def test_scale_down_old_replica_sets_for_recreate():
    """TestScaleDownOldReplicaSets."""
    old = rs("foo-0", 3, SELECTOR)
    s = context(new_deployment(3), old)
    olds = [old]
    assert dc.scale_down_old_replica_sets_for_recreate(s, olds)
    assert olds[0].spec.replicas == 0 and stored(s, "foo-0").spec.replicas == 0


def _pod(uid, phase):
    return Pod(ObjectMeta(f"p-{uid}-{phase}", "default"), PodSpec((Container("c"),)), PodStatus(phase=phase))


OLD_PODS_RUNNING = [
    ("no old RSs", [], {}, False),
    ("old RSs with running pods", [rs("foo-some-uid", 0), rs("foo-other-uid", 0)],
     {"some-uid": [_pod("s", "Pending"), _pod("s2", "Pending")], "other-uid": [_pod("o", "Pending")]}, True),
    ("old RSs without pods but with non-zero status replicas", [with_status("rs-1", 0, 1)], {}, True),
    ("old RSs without pods or non-zero status replicas", [with_status("rs-1", 0, 0)], {}, False),
    ("old RSs with zero status replicas but pods in terminal state are present", [with_status("rs-1", 0, 0)],
     {"uid-1": [_pod("1", "Failed"), _pod("1", "Succeeded")]}, False),
    ("old RSs with zero status replicas but pod in unknown phase present", [with_status("rs-1", 0, 0)],
     {"uid-1": [_pod("1", "Unknown")]}, True),
    ("old RSs with zero status replicas with pending pod present", [with_status("rs-1", 0, 0)],
     {"uid-1": [_pod("1", "Pending")]}, True),
    ("old RSs with zero status replicas with running pod present", [with_status("rs-1", 0, 0)],
     {"uid-1": [_pod("1", "Running")]}, True),
    ("old RSs with zero status replicas but pods in terminal state and pending are present", [with_status("rs-1", 0, 0)],
     {"uid-1": [_pod("1", "Failed"), _pod("1", "Succeeded")], "uid-2": [], "uid-3": [_pod("3", "Pending")]}, True),
]


@pytest.mark.parametrize("olds,pod_map,expected", [c[1:] for c in OLD_PODS_RUNNING],
                         ids=[f"TestOldPodsRunning/{c[0]}" for c in OLD_PODS_RUNNING])
def test_old_pods_running(olds, pod_map, expected):
    assert dc.old_pods_running(None, olds, pod_map) is expected


# -- whole syncs on a cluster ------------------------------------------------------------------
TEMPLATE = PodTemplateSpec((("app", "web"),), PodSpec((Container("web", image="web:v1", requests=(("cpu", 500),)),)))


def web(replicas=3, surge: int | str = 1, unavailable: int | str = 0, *, strategy="RollingUpdate", template=TEMPLATE, **spec):
    s = DeploymentStrategy(strategy, surge, unavailable) if strategy == "RollingUpdate" else DeploymentStrategy("Recreate")
    return Deployment(ObjectMeta("web", "default"), DeploymentSpec(LabelSelector((("app", "web"),)), template, replicas, s, **spec))


def admitted(*objs):
    state = ClusterState.of([NS])
    for o in objs:
        state, resp = apply(state, Create(o))
        assert resp.ok, resp
    return state


KEY = ObjectRef("Deployment", "default", "web")


def settle(state, *, steps=50):
    """Run the Deployment controller (first outcome) and a ReplicaSet controller stand-in that
    makes every wanted pod available at once, until nothing changes."""
    for _ in range(steps):
        before = state
        reqs = dc.sync(state, KEY)
        state, _ = apply_all(state, reqs)
        for r in state.list("ReplicaSet"):
            n = r.spec.replicas
            st = ReplicaSetStatus(n, n, n, n, r.metadata.generation)
            if r.status != st:
                state, _ = apply(state, UpdateStatus(replace(r, status=st)))
        if state == before:
            return state
    raise AssertionError("did not settle")


def test_first_sync_creates_revision_1_and_conflicts_on_its_second_status_write():
    state = admitted(web())
    requests = dc.sync(state, KEY)
    state2, responses = apply_all(state, requests)
    assert [r.code for r in responses] == [201, 200, 409]
    new = owned_replica_sets(state2, state2.get(KEY))[0]
    assert new.metadata.name == f"web-{du.compute_hash(TEMPLATE, None)}"
    assert new.spec.replicas == 3 and new.metadata.label(du.DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY) in new.metadata.name
    assert dict(new.metadata.annotations) == {du.REVISION_ANNOTATION: "1", du.DESIRED_REPLICAS_ANNOTATION: "3",
                                              du.MAX_REPLICAS_ANNOTATION: "4"}
    d = state2.get(KEY)
    assert d.metadata.annotation(du.REVISION_ANNOTATION) == "1"
    assert du.get_deployment_condition(d.status, "Progressing").reason == du.NEW_REPLICA_SET_REASON


def test_a_rollout_settles_with_revision_2_and_the_old_replica_set_kept_at_zero():
    state = settle(admitted(web(4, "25%", "25%")))
    state = set_image("default", "web", "web", "web:v2").apply(state)
    state = settle(state)
    d = state.get(KEY)
    rss = {r.metadata.annotation(du.REVISION_ANNOTATION): r for r in owned_replica_sets(state, d)}
    assert set(rss) == {"1", "2"} and rss["1"].spec.replicas == 0 and rss["2"].spec.replicas == 4
    assert d.metadata.annotation(du.REVISION_ANNOTATION) == "2"
    assert (d.status.replicas, d.status.updated_replicas, d.status.available_replicas, d.status.observed_generation) == \
        (4, 4, 4, d.metadata.generation)
    assert [(c.type, c.status, c.reason) for c in d.status.conditions] == [
        ("Available", "True", du.MINIMUM_REPLICAS_AVAILABLE), ("Progressing", "True", du.NEW_RS_AVAILABLE_REASON)]


def test_a_sync_that_meets_an_invalid_scale_down_still_syncs_the_rollout_status():
    """Mid-rollout, the old ReplicaSet was scaled 4 -> 3 and its status still reports 4 available:
    the next sync's ``cleanupUnhealthyReplicas`` errors, ``reconcileOldReplicaSets`` swallows it,
    and ``rolloutRolling`` goes on to ``syncRolloutStatus`` (the model used to end the sync there,
    writing nothing). Nothing is scaled."""
    state = settle(admitted(web(4, "25%", "25%")))
    state = set_image("default", "web", "web", "web:v2").apply(state)
    for _ in range(2):  # new ReplicaSet created at 1, old scaled to 3; then new scaled to 2
        state, _ = apply_all(state, dc.sync(state, KEY))
    new = next(r for r in owned_replica_sets(state, state.get(KEY)) if du.revision(r) == 2)
    state, _ = apply(state, UpdateStatus(replace(new, status=ReplicaSetStatus(2, 2, 2, 2, new.metadata.generation))))
    old = next(r for r in owned_replica_sets(state, state.get(KEY)) if du.revision(r) == 1)
    assert (old.spec.replicas, old.status.available_replicas) == (3, 4)
    (outcome,) = dc.reconcile(state, KEY)
    assert [(type(r).__name__, r.obj.kind) for r in outcome] == [("UpdateStatus", "Deployment")]
    assert outcome[0].obj.status.updated_replicas == 2


def test_rollback_by_template_reuses_the_old_replica_set_with_a_new_revision_and_history():
    state = settle(admitted(web(2)))
    state = settle(set_image("default", "web", "web", "web:v2").apply(state))
    state = settle(set_image("default", "web", "web", "web:v1").apply(state))
    d = state.get(KEY)
    rss = owned_replica_sets(state, d)
    assert len(rss) == 2  # the v1 ReplicaSet came back; no third one
    v1 = next(r for r in rss if r.spec.template.spec.containers[0].image == "web:v1")
    assert v1.spec.replicas == 2
    assert v1.metadata.annotation(du.REVISION_ANNOTATION) == "3"
    assert v1.metadata.annotation(du.REVISION_HISTORY_ANNOTATION) == "1"


def test_revision_history_limit_deletes_the_oldest_empty_replica_sets():
    state = settle(admitted(web(1, revision_history_limit=1)))
    for image in ("web:v2", "web:v3"):
        state = settle(set_image("default", "web", "web", image).apply(state))
    revisions = sorted(r.metadata.annotation(du.REVISION_ANNOTATION) for r in owned_replica_sets(state, state.get(KEY)))
    assert revisions == ["2", "3"]


def test_recreate_scales_old_to_zero_before_creating_the_new_replica_set():
    state = settle(admitted(web(2, strategy="Recreate")))
    state = set_image("default", "web", "web", "web:v2").apply(state)
    state, _ = apply_all(state, dc.sync(state, KEY))
    assert [r.spec.replicas for r in owned_replica_sets(state, state.get(KEY))] == [0]  # no new RS yet
    state = settle(state)
    sizes = sorted((r.spec.template.spec.containers[0].image, r.spec.replicas) for r in owned_replica_sets(state, state.get(KEY)))
    assert sizes == [("web:v1", 0), ("web:v2", 2)]


def test_paused_deployment_scales_but_does_not_roll_out():
    state = settle(admitted(web(2)))
    state = rollout_pause("default", "web").apply(state)
    state = set_image("default", "web", "web", "web:v2").apply(state)
    d = state.get(KEY)
    state, _ = apply_all(state, dc.sync(state, KEY))
    state = settle(state)
    d = state.get(KEY)
    assert len(owned_replica_sets(state, d)) == 1
    assert du.get_deployment_condition(d.status, "Progressing").reason == du.PAUSED_DEPLOY_REASON
    state = settle(rollout_resume("default", "web").apply(state))
    sizes = sorted((r.spec.template.spec.containers[0].image, r.spec.replicas) for r in owned_replica_sets(state, state.get(KEY)))
    assert sizes == [("web:v1", 0), ("web:v2", 2)]
    assert du.get_deployment_condition(state.get(KEY).status, "Progressing").reason == du.NEW_RS_AVAILABLE_REASON


def test_deprecated_rollback_annotation_restores_the_template():
    state = settle(admitted(web(1)))
    state = settle(set_image("default", "web", "web", "web:v2").apply(state))
    d = state.get(KEY)
    marked = replace(d, metadata=replace(d.metadata, annotations=tuple(sorted(
        d.metadata.annotations + ((du.DEPRECATED_ROLLBACK_TO, "0"),)))))
    state, _ = apply(state, UpdateStatus(marked))  # annotations are writable through status for Deployments
    state = settle(state)
    d = state.get(KEY)
    assert d.spec.template.spec.containers[0].image == "web:v1"
    assert d.metadata.annotation(du.DEPRECATED_ROLLBACK_TO) is None
    assert d.metadata.annotation(du.REVISION_ANNOTATION) == "3"


def test_orphan_replica_sets_are_adopted_and_the_stale_copy_conflicts():
    orphan = ReplicaSet(ObjectMeta("web-old", "default", labels=(("app", "web"),)),
                        ReplicaSetSpec(LabelSelector((("app", "web"),)), replace(TEMPLATE, labels=(("app", "web"),)), 1))
    state = admitted(web(3), orphan)
    requests = dc.sync(state, KEY)
    state2, responses = apply_all(state, requests)
    adopted = state2.get(orphan.ref)
    assert adopted.metadata.controller_ref().name == "web"
    assert 409 in [r.code for r in responses]  # the cached copy, without the new owner, is stale


def test_stalled_rollout_offers_the_deadline_and_a_complete_one_does_not():
    state = settle(admitted(web(2)))
    assert dc.reconcile(state, KEY) == ()  # complete and caught up: nothing to do, no timer
    state = set_image("default", "web", "web", "web:v2").apply(state)
    for _ in range(4):  # the rollout starts; pods never become available
        state, _ = apply_all(state, dc.sync(state, KEY))
        for r in state.list("ReplicaSet"):
            n = r.spec.replicas
            state, _ = apply(state, UpdateStatus(replace(r, status=replace(r.status, replicas=n, observed_generation=r.metadata.generation))))
    outcomes = dc.reconcile(state, KEY)
    assert len(outcomes) == 2 and outcomes[0] == ()
    timed_out, _ = apply_all(state, outcomes[1])
    cond = du.get_deployment_condition(timed_out.get(KEY).status, "Progressing")
    assert (cond.status, cond.reason) == ("False", du.TIMED_OUT_REASON)
    assert dc.reconcile(timed_out, KEY) == ()  # timed out stays timed out


# -- explored --------------------------------------------------------------------------------
def _cluster(nodes=2, cpu=2000):
    alloc = (("cpu", cpu), ("memory", 4 << 30), ("pods", 110))
    return [NS, *[Node(ObjectMeta(f"worker-{c}"), status=NodeStatus(capacity=alloc, allocatable=alloc))
                  for c in "abcdef"[:nodes]]]


def _running(objects):
    """The cluster once its controllers have settled (first choice at every step, no events)."""
    model = ClusterModel(objects, properties=[])
    world = model.init_states()[0]
    for _ in range(200):
        step = next(iter(model.successors(world)), None)
        if step is None:
            return world.cluster
        world = step[1]
    raise AssertionError("did not settle")


def test_explored_rollout_holds_every_rollout_property():
    model = ClusterModel(_running([*_cluster(1), web(2, 1, 0)]), events=[set_image("default", "web", "web", "web:v2")],
                         properties=by_id(["type-ok", "replicas-bounded", "eventually-stable", "rollout-bounded",
                                           "availability", "rollout-completes"]))
    result = model.checker().progress(False).bfs()
    assert result.verdict == "holds", {k: v.verdict for k, v in result.properties.items()}
    assert result.stats.complete


def test_explored_rollout_is_stuck_without_capacity_and_times_out():
    """One node fits two pods: with maxSurge 1 and maxUnavailable 0 the third never schedules."""
    model = ClusterModel(_running([*_cluster(1, cpu=1000), web(2, 1, 0)]),
                         events=[set_image("default", "web", "web", "web:v2")],
                         properties=by_id(["rollout-completes", "rollout-bounded", "availability"]))
    result = model.checker().progress(False).bfs()
    res = result["rollout-completes"]
    assert res.verdict == "violated" and res.kind == "stuck"
    assert res.path.replays(model)
    last = res.path.last_state.cluster.get(KEY)
    assert du.get_deployment_condition(last.status, "Progressing").reason == du.TIMED_OUT_REASON
    assert result["rollout-bounded"].verdict == "holds" and result["availability"].verdict == "holds"


def test_scale_event_mid_rollout_is_proportional_and_bounded():
    from kmodel.cluster import scale
    from kmodel.rollout import bind_events

    events = [set_image("default", "web", "web", "web:v2"), scale("Deployment", "default", "web", 2)]
    model = ClusterModel(_running([*_cluster(1, cpu=4000), web(1, 1, 0)]), events=events,
                         properties=bind_events(by_id(["rollout-bounded", "availability", "rollout-completes",
                                                       "eventually-stable"]), events))
    result = model.checker().progress(False).bfs()
    assert result.verdict == "holds", {k: v.verdict for k, v in result.properties.items()}


def test_availability_is_not_checked_once_a_resize_has_happened():
    """Scaling up mid-rollout raises the floor before the new pods exist: a documented exception."""
    from kmodel.cluster import scale
    from kmodel.rollout import bind_events

    events = [set_image("default", "web", "web", "web:v2"), scale("Deployment", "default", "web", 2)]
    running = _running([*_cluster(1, cpu=4000), web(1, 1, 0)])
    unbound = ClusterModel(running, events=events, properties=by_id(["availability"])).checker().progress(False).bfs()
    bound = ClusterModel(running, events=events,
                         properties=bind_events(by_id(["availability"]), events)).checker().progress(False).bfs()
    assert unbound.verdict == "violated" and bound.verdict == "holds"


def test_user_event_steps_read_as_kubectl_commands():
    model = ClusterModel([*_cluster(1), web(1)], events=[set_image("default", "web", "web", "web:v2")], properties=[])
    step = next(a for a, _ in model.successors(model.init_states()[0]) if a.actor == "user")
    assert model.describe_action(step) == "user: kubectl set image deployment/web web=web:v2"


def test_fairness_is_per_deployment():
    model = ClusterModel([*_cluster(1), web(1)], properties=[])
    step = next(a for a, _ in model.successors(model.init_states()[0]) if a.actor == "deployment-controller")
    assert model.fairness(step) == ("deployment-controller", KEY)

