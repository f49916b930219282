"""The Deployment controller's helpers against upstream's table tests.

Cases are rewritten from ``pkg/controller/deployment/util/deployment_util_test.go`` (v1.35; the
upstream test function is the first part of each case id). Cases that need what the model does
not keep (Go nil pointers of required fields, ``status.terminatingReplicas``, the alpha
``DeploymentPodReplacementPolicy`` gate, wall-clock times) are adapted or left out, as noted.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kmodel.controllers import deployment_util as du
from kmodel.objects.meta import LabelSelector, ObjectMeta, replace
from kmodel.objects.workloads import (
    Container,
    Deployment,
    DeploymentCondition,
    DeploymentSpec,
    DeploymentStatus,
    DeploymentStrategy,
    PodSpec,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetSpec,
    ReplicaSetStatus,
)

HASH = du.DEFAULT_DEPLOYMENT_UNIQUE_LABEL_KEY


def template(labels=(("name", "nginx"),), image="nginx", name="nginx", annotations=()):
    return PodTemplateSpec(tuple(sorted(labels)), PodSpec((Container(name, image=image),)), tuple(sorted(annotations)))


def deployment(replicas=1, surge: int | str | None = 0, unavailable: int | str | None = 0, *, strategy="RollingUpdate",
               annotations=(), status=DeploymentStatus(), tmpl=None, generation=0, pds=None, rhl=None):
    t = tmpl or template()
    s = DeploymentStrategy(strategy, surge, unavailable) if strategy == "RollingUpdate" else DeploymentStrategy("Recreate")
    return Deployment(ObjectMeta("nginx", "default", uid="d-uid", annotations=tuple(sorted(annotations)),
                                 generation=generation),
                      DeploymentSpec(LabelSelector(t.labels), t, replicas, s, progress_deadline_seconds=pds,
                                     revision_history_limit=rhl),
                      status)


def rs(name="rs", replicas=0, *, tmpl=None, created=0, annotations=(), status=ReplicaSetStatus(), uid=None):
    t = tmpl or template()
    return ReplicaSet(ObjectMeta(name, "default", uid=uid or f"uid-{name}", creation_timestamp=created,
                                 labels=t.labels, annotations=tuple(sorted(annotations))),
                      ReplicaSetSpec(LabelSelector(t.labels), t, replicas), status)


# -- TestEqualIgnoreHash -------------------------------------------------------------------------
def pts(name, node, annotations, labels):
    """``generatePodTemplateSpec``: the template's name and node become the model's node name."""
    return PodTemplateSpec(tuple(sorted(labels.items())), PodSpec((Container("c"),), node_name=f"{name}/{node}"),
                           tuple(sorted(annotations.items())))


EQUAL_IGNORE_HASH = [
    ("Same spec, same labels", pts("foo", "foo-node", {}, {HASH: "value-1", "something": "else"}),
     pts("foo", "foo-node", {}, {HASH: "value-1", "something": "else"}), True),
    ("Same spec, only pod-template-hash label value is different", pts("foo", "foo-node", {}, {HASH: "value-1", "something": "else"}),
     pts("foo", "foo-node", {}, {HASH: "value-2", "something": "else"}), True),
    ("Same spec, the former doesn't have pod-template-hash label", pts("foo", "foo-node", {}, {"something": "else"}),
     pts("foo", "foo-node", {}, {HASH: "value-2", "something": "else"}), True),
    ("Same spec, the label is different, the former doesn't have pod-template-hash label, same number of labels",
     pts("foo", "foo-node", {}, {"something": "else"}), pts("foo", "foo-node", {}, {HASH: "value-2"}), False),
    ("Same spec, the label is different, the latter doesn't have pod-template-hash label, same number of labels",
     pts("foo", "foo-node", {}, {HASH: "value-1"}), pts("foo", "foo-node", {}, {"something": "else"}), False),
    ("Same spec, the label is different, and the pod-template-hash label value is the same",
     pts("foo", "foo-node", {}, {HASH: "value-1"}), pts("foo", "foo-node", {}, {HASH: "value-1", "something": "else"}), False),
    ("Different spec, same labels", pts("foo", "foo-node", {"former": "value"}, {HASH: "value-1", "something": "else"}),
     pts("foo", "foo-node", {"latter": "value"}, {HASH: "value-1", "something": "else"}), False),
    ("Different spec, different pod-template-hash label value", pts("foo-1", "foo-node", {}, {HASH: "value-1", "something": "else"}),
     pts("foo-2", "foo-node", {}, {HASH: "value-2", "something": "else"}), False),
    ("Different spec, the former doesn't have pod-template-hash label", pts("foo-1", "foo-node-1", {}, {"something": "else"}),
     pts("foo-2", "foo-node-2", {}, {HASH: "value-2", "something": "else"}), False),
    ("Different spec, different labels", pts("foo", "foo-node-1", {}, {"something": "else"}),
     pts("foo", "foo-node-2", {}, {"nothing": "else"}), False),
]


@pytest.mark.parametrize("former,latter,expected", [c[1:] for c in EQUAL_IGNORE_HASH],
                         ids=[f"TestEqualIgnoreHash/{c[0]}" for c in EQUAL_IGNORE_HASH])
def test_equal_ignore_hash(former, latter, expected):
    assert du.equal_ignore_hash(former, latter) is expected
    assert du.equal_ignore_hash(latter, former) is expected  # reverse order


# -- TestFindNewReplicaSet / TestFindOldReplicaSets ----------------------------------------------
def _find_fixture():
    d = deployment()
    new = rs("new", 1, tmpl=replace(d.spec.template, labels=d.spec.template.labels + ((HASH, "hash"),)), created=2)
    new_dup = rs("new-dup", 0, tmpl=replace(d.spec.template, labels=d.spec.template.labels + ((HASH, "different-hash"),)),
                 created=1)
    old = rs("old", 0, tmpl=template(name="nginx-old-1"), created=0)
    return d, new, new_dup, old


def test_find_new_replica_set():
    d, new, new_dup, old = _find_fixture()
    # "Get new ReplicaSet with the same template as Deployment spec but different pod-template-hash value"
    assert du.find_new_replica_set(d, [new, old]) is new
    # "Get the oldest new ReplicaSet when there are more than one ReplicaSet with the same template"
    assert du.find_new_replica_set(d, [new, old, new_dup]) is new_dup
    # "Get nil new ReplicaSet"
    assert du.find_new_replica_set(d, [old]) is None


def test_find_old_replica_sets():
    d, new, new_dup, old = _find_fixture()
    cases = {
        "Get old ReplicaSets": ([new, old], [old], []),
        "Get old ReplicaSets with no new ReplicaSet": ([old], [old], []),
        "Get old ReplicaSets with two new ReplicaSets, only the oldest new ReplicaSet is seen as new ReplicaSet":
            ([old, new, new_dup], [old, new], [new]),
        "Get empty old ReplicaSets": ([new], [], []),
    }
    for name, (rs_list, expected_all, expected_required) in cases.items():
        required, all_old = du.find_old_replica_sets(d, rs_list)
        key = du.replica_sets_by_creation_timestamp
        assert sorted(all_old, key=key) == sorted(expected_all, key=key), name
        assert required == expected_required, name


# -- TestGetReplicaCountForReplicaSets (terminating replicas are not modelled) --------------------
def test_get_replica_count_for_replica_sets():
    rs1 = rs("rs1", 1, status=ReplicaSetStatus(replicas=2, observed_generation=1))
    rs2 = rs("rs2", 2, status=ReplicaSetStatus(replicas=3))
    rs3 = rs("rs3", 3, status=ReplicaSetStatus(replicas=0))
    for sets, count, actual in (([rs1], 1, 2), ([rs1, rs2], 3, 5), ([rs3], 3, 0), ([rs1, rs2, rs3], 6, 5)):
        assert du.get_replica_count_for_replica_sets(sets) == count
        assert du.get_actual_replica_count_for_replica_sets(sets) == actual


# -- TestResolveFenceposts -----------------------------------------------------------------------
FENCEPOSTS = [
    ("0%", "0%", 0, 0, 1, False),
    ("39%", "39%", 10, 4, 3, False),
    ("oops", "39%", 10, 0, 0, True),
    ("55%", "urg", 10, 0, 0, True),
    (None, "39%", 10, 0, 3, False),
    ("39%", None, 10, 4, 0, False),
    (None, None, 10, 0, 1, False),
]


@pytest.mark.parametrize("surge,unavailable,desired,expect_surge,expect_unavailable,error", FENCEPOSTS,
                         ids=[f"TestResolveFenceposts/{i}" for i in range(len(FENCEPOSTS))])
def test_resolve_fenceposts(surge, unavailable, desired, expect_surge, expect_unavailable, error):
    if error:
        with pytest.raises(ValueError):
            du.resolve_fenceposts(surge, unavailable, desired)
    else:
        assert du.resolve_fenceposts(surge, unavailable, desired) == (expect_surge, expect_unavailable)


# -- TestNewRSNewReplicas ------------------------------------------------------------------------
NEW_RS_NEW_REPLICAS = [
    ("can not scale up - to newRSReplicas", "RollingUpdate", 1, 5, 1, 5),
    ("scale up - to depReplicas", "RollingUpdate", 6, 2, 10, 6),
    ("recreate - to depReplicas", "Recreate", 3, 1, 1, 3),
]


@pytest.mark.parametrize("strategy,dep_replicas,new_replicas,surge,expected", [c[1:] for c in NEW_RS_NEW_REPLICAS],
                         ids=[f"TestNewRSNewReplicas/{c[0]}" for c in NEW_RS_NEW_REPLICAS])
def test_new_rs_new_replicas(strategy, dep_replicas, new_replicas, surge, expected):
    d = deployment(dep_replicas, surge, 1, strategy=strategy)
    new = rs("new", new_replicas)
    rs5 = rs("rs5", 5)
    assert du.new_rs_new_replicas(d, [rs5], new) == expected


# -- TestGetCondition / TestSetCondition / TestRemoveCondition -----------------------------------
COND_PROGRESSING = DeploymentCondition("Progressing", "False", "ForSomeReason")
COND_PROGRESSING2 = DeploymentCondition("Progressing", "True", "BecauseItIs")
COND_AVAILABLE = DeploymentCondition("Available", "True", "AwesomeController")
STATUS = DeploymentStatus(conditions=(COND_PROGRESSING, COND_AVAILABLE))


def test_get_condition():
    assert du.get_deployment_condition(STATUS, "Available") is not None  # "condition exists"
    assert du.get_deployment_condition(STATUS, "ReplicaFailure") is None  # "condition does not exist"


@pytest.mark.parametrize("status,cond,expected", [
    (DeploymentStatus(), COND_AVAILABLE, DeploymentStatus(conditions=(COND_AVAILABLE,))),
    (DeploymentStatus(conditions=(COND_PROGRESSING,)), COND_AVAILABLE, STATUS),
    (DeploymentStatus(conditions=(COND_PROGRESSING,)), COND_PROGRESSING2, DeploymentStatus(conditions=(COND_PROGRESSING2,))),
], ids=["TestSetCondition/set for the first time", "TestSetCondition/simple set", "TestSetCondition/overwrite"])
def test_set_condition(status, cond, expected):
    assert du.set_deployment_condition(status, cond) == expected


def test_set_condition_keeps_a_condition_with_the_same_status_and_reason():
    status = DeploymentStatus(conditions=(COND_PROGRESSING, COND_AVAILABLE))
    assert du.set_deployment_condition(status, DeploymentCondition("Progressing", "False", "ForSomeReason")) is status


@pytest.mark.parametrize("status,type_,expected", [
    (DeploymentStatus(), "Progressing", DeploymentStatus()),
    (DeploymentStatus(conditions=(COND_PROGRESSING,)), "Progressing", DeploymentStatus()),
    (STATUS, "ReplicaFailure", STATUS),
], ids=["TestRemoveCondition/remove from empty status", "TestRemoveCondition/simple remove",
        "TestRemoveCondition/doesn't remove anything"])
def test_remove_condition(status, type_, expected):
    assert du.remove_deployment_condition(status, type_) == expected


# -- TestDeploymentComplete ----------------------------------------------------------------------
COMPLETE = [
    ("not complete: min but not all pods become available", (5, 5, 5, 4, 1, 0), False),
    ("not complete: min availability is not honored", (5, 5, 5, 3, 1, 0), False),
    ("complete", (5, 5, 5, 5, 0, 0), True),
    ("not complete: all pods are available but not updated", (5, 5, 4, 5, 0, 0), False),
    ("not complete: still running old pods", (1, 2, 1, 1, 0, 1), False),
    ("not complete: one replica deployment never comes up", (1, 1, 1, 0, 1, 1), False),
]


@pytest.mark.parametrize("args,expected", [c[1:] for c in COMPLETE], ids=[f"TestDeploymentComplete/{c[0]}" for c in COMPLETE])
def test_deployment_complete(args, expected):
    desired, current, updated, available, unavailable, surge = args
    d = deployment(desired, surge, unavailable, status=DeploymentStatus(replicas=current, updated_replicas=updated,
                                                                       available_replicas=available))
    assert du.deployment_complete(d, d.status) is expected


# -- TestDeploymentProgressing -------------------------------------------------------------------
def _st(current, updated, ready, available):
    return DeploymentStatus(replicas=current, updated_replicas=updated, ready_replicas=ready, available_replicas=available)


PROGRESSING = [
    ("progressing: updated pods", (10, 4, 4, 4), (10, 6, 4, 4), True),
    ("not progressing", (10, 4, 4, 4), (10, 4, 4, 4), False),
    ("progressing: old pods removed", (10, 4, 6, 6), (8, 4, 6, 6), True),
    ("not progressing: less new pods", (10, 7, 3, 3), (10, 6, 3, 3), False),
    ("progressing: less overall but more new pods", (10, 4, 7, 7), (8, 8, 5, 5), True),
    ("progressing: more ready pods", (10, 10, 9, 8), (10, 10, 10, 8), True),
    ("progressing: more available pods", (10, 10, 10, 9), (10, 10, 10, 10), True),
]


@pytest.mark.parametrize("old,new,expected", [c[1:] for c in PROGRESSING], ids=[f"TestDeploymentProgressing/{c[0]}" for c in PROGRESSING])
def test_deployment_progressing(old, new, expected):
    assert du.deployment_progressing(deployment(status=_st(*old)), _st(*new)) is expected


# -- TestDeploymentTimedOut (the clock becomes `deadline_passed`) ---------------------------------
TIMED_OUT = [
    ("nil progressDeadlineSeconds specified - no timeout", None, "", True, False),
    ("infinite progressDeadlineSeconds specified - no timeout", du.MAX_INT32, "", True, False),
    ("progressDeadlineSeconds: 10s, now - started => 00:01:20 - 00:01:09 => 11s", 10, "", True, True),
    ("progressDeadlineSeconds: 10s, now - started => 00:01:20 - 00:01:11 => 9s", 10, "", False, False),
    ("previous status was a complete deployment", None, du.NEW_RS_AVAILABLE_REASON, True, False),
]


@pytest.mark.parametrize("pds,reason,passed,expected", [c[1:] for c in TIMED_OUT], ids=[f"TestDeploymentTimedOut/{c[0]}" for c in TIMED_OUT])
def test_deployment_timed_out(pds, reason, passed, expected):
    d = deployment(pds=pds, status=DeploymentStatus(conditions=(DeploymentCondition("Progressing", "True", reason),)))
    assert du.deployment_timed_out(d, d.status, deadline_passed=passed) is expected


def test_deployment_timed_out_stays_timed_out_and_needs_a_condition():
    d = deployment(pds=600, status=DeploymentStatus(conditions=(DeploymentCondition("Progressing", "False", du.TIMED_OUT_REASON),)))
    assert du.deployment_timed_out(d, d.status, deadline_passed=False)
    assert not du.deployment_timed_out(deployment(pds=600), DeploymentStatus(), deadline_passed=True)


# -- TestMaxUnavailable / TestMinAvailable -------------------------------------------------------
MAX_UNAVAILABLE = [
    ("maxUnavailable less than replicas", 10, 5, 5),
    ("maxUnavailable equal replicas", 10, 10, 10),
    ("maxUnavailable greater than replicas", 5, 10, 5),
    ("maxUnavailable with replicas is 0", 0, 10, 0),
    ("maxUnavailable less than replicas with percents", 10, "50%", 5),
    ("maxUnavailable equal replicas with percents", 10, "100%", 10),
    ("maxUnavailable greater than replicas with percents", 5, "100%", 5),
]


@pytest.mark.parametrize("replicas,unavailable,expected", [c[1:] for c in MAX_UNAVAILABLE],
                         ids=[f"TestMaxUnavailable/{c[0]}" for c in MAX_UNAVAILABLE])
def test_max_unavailable(replicas, unavailable, expected):
    assert du.max_unavailable(deployment(replicas, 1, unavailable)) == expected


def test_max_unavailable_and_min_available_of_recreate():
    d = deployment(10, strategy="Recreate")
    assert du.max_unavailable(d) == 0  # TestMaxUnavailable/maxUnavailable with Recreate deployment strategy
    assert du.min_available(d) == 0  # TestMinAvailable/minAvailable with Recreate deployment strategy


MIN_AVAILABLE = [
    ("replicas greater than maxUnavailable", 10, 5, 5),
    ("replicas equal maxUnavailable", 10, 10, 0),
    ("replicas less than maxUnavailable", 5, 10, 0),
    ("replicas is 0", 0, 10, 0),
    ("replicas greater than maxUnavailable with percents", 10, "60%", 4),
    ("replicas equal maxUnavailable with percents", 10, "100%", 0),
    ("replicas less than maxUnavailable with percents", 5, "100%", 0),
]


@pytest.mark.parametrize("replicas,unavailable,expected", [c[1:] for c in MIN_AVAILABLE],
                         ids=[f"TestMinAvailable/{c[0]}" for c in MIN_AVAILABLE])
def test_min_available(replicas, unavailable, expected):
    assert du.min_available(deployment(replicas, 1, unavailable)) == expected


# -- TestGetNonNegativeInt32FromAnnotation -------------------------------------------------------
NON_NEGATIVE = [
    ("invalid empty", None, 0, False, ""),
    ("invalid", "invalid", 0, False, "invalid syntax"),
    ("invalid negative ", "-1", 0, False, "invalid syntax"),
    ("valid zero", "0", 0, True, ""),
    ("valid", "13", 13, True, ""),
    ("valid max", str(2**31 - 1), 2**31 - 1, True, ""),
    ("invalid max out of range", str(2**31), 0, False, "out of range"),
    ("invalid max out of range 2", str(2**32), 0, False, "out of range"),
]


@pytest.mark.parametrize("value,expected,ok,error", [c[1:] for c in NON_NEGATIVE],
                         ids=[f"TestGetNonNegativeInt32FromAnnotation/{c[0]}" for c in NON_NEGATIVE])
def test_get_non_negative_int32_from_annotation(value, expected, ok, error):
    annotations = (("foo", "2"),) + ((("test", value),) if value is not None else ())
    got = du.get_non_negative_int32_from_annotation(rs(annotations=annotations), "test")
    assert got[:2] == (expected, ok)
    assert (error in got[2]) if error else got[2] == ""


# -- TestAnnotationUtils -------------------------------------------------------------------------
def test_annotation_utils():
    d = deployment(annotations=((du.REVISION_ANNOTATION, "1"),))
    r = rs()
    # SetNewReplicaSetAnnotations: revisions 11..20 with a 5-character history limit
    for i in range(10, 20):
        nxt = str(i + 1)
        r, _ = du.set_new_replica_set_annotations(d, r, nxt, True, 5)
        if i >= 12:
            assert r.metadata.annotation(du.REVISION_HISTORY_ANNOTATION) == f"{i - 1},{i}"
        assert r.metadata.annotation(du.REVISION_ANNOTATION) == nxt
    # SetReplicasAnnotations
    r, updated = du.set_replicas_annotations(r, 10, 11)
    assert updated
    assert r.metadata.annotation(du.DESIRED_REPLICAS_ANNOTATION) == "10"
    assert r.metadata.annotation(du.MAX_REPLICAS_ANNOTATION) == "11"
    # IsSaturated
    r = replace(r, spec=replace(r.spec, replicas=1), status=ReplicaSetStatus(available_replicas=1))
    r, _ = du.set_replicas_annotations(r, 1, 11)
    assert du.is_saturated(d, r)


def test_set_new_replica_set_annotations_copies_deployment_annotations_but_the_skipped_ones():
    d = deployment(annotations=((du.REVISION_ANNOTATION, "3"), ("team", "a"), (du.LAST_APPLIED_CONFIG_ANNOTATION, "{}")))
    r, changed = du.set_new_replica_set_annotations(d, rs(), "4", False)
    assert changed
    assert dict(r.metadata.annotations) == {"team": "a", du.REVISION_ANNOTATION: "4",
                                            du.DESIRED_REPLICAS_ANNOTATION: "1", du.MAX_REPLICAS_ANNOTATION: "1"}


# -- TestReplicasAnnotationsNeedUpdate -----------------------------------------------------------
@pytest.mark.parametrize("annotations,expected", [
    ((), True),
    (((du.DESIRED_REPLICAS_ANNOTATION, "8"), (du.MAX_REPLICAS_ANNOTATION, "20")), True),
    (((du.DESIRED_REPLICAS_ANNOTATION, "10"), (du.MAX_REPLICAS_ANNOTATION, "16")), True),
    (((du.DESIRED_REPLICAS_ANNOTATION, "10"), (du.MAX_REPLICAS_ANNOTATION, "20")), False),
], ids=["TestReplicasAnnotationsNeedUpdate/test Annotations nil",
        "TestReplicasAnnotationsNeedUpdate/test desiredReplicas update",
        "TestReplicasAnnotationsNeedUpdate/test maxReplicas update",
        "TestReplicasAnnotationsNeedUpdate/test needn't update"])
def test_replicas_annotations_need_update(annotations, expected):
    assert du.replicas_annotations_need_update(rs(annotations=annotations), 10, 20) is expected


# -- TestGetReplicaSetFraction -------------------------------------------------------------------
FRACTION = [
    ("empty deployment always scales to 0", 0, 0, 0, 10, None, -10),
    ("unsynced deployment does not scale when max-replicas annotation is missing (removed by a 3rd party)",
     10, 0, 0, 5, None, 0),
    ("unsynced deployment does not scale when max-replicas annotation is incorrectly set to 0 (by a 3rd party)",
     10, 0, 0, 5, "0", 0),
    ("scale up by 1/5 should increase RS replicas by 1/5 when max-replicas annotation is missing (removed by a 3rd party)",
     120, 100, 0, 50, None, 10),
    ("scale up by 1/5 should increase RS replicas by 1/5 when max-replicas annotation is incorrectly set to 0 (by a 3rd party)",
     120, 100, 0, 50, "0", 10),
    ("scale up by 1/5 should increase RS replicas by 1/5", 120, 0, 0, 50, "100", 10),
    ("scale up with maxSurge by 1/5 should increase RS replicas approximately by 1/5", 120, 0, 10, 50, "110", 9),
    ("scale down by 1/6 should decrease RS replicas by 1/6", 10, 0, 0, 6, "12", -1),
    ("scale down with maxSurge by 1/6 should decrease RS replicas approximately by 1/6", 100, 0, 10, 50, "130", -8),
]


@pytest.mark.parametrize("replicas,status_replicas,surge,rs_replicas,annotation,expected", [c[1:] for c in FRACTION],
                         ids=[f"TestGetReplicaSetFraction/{c[0]}" for c in FRACTION])
def test_get_replica_set_fraction(replicas, status_replicas, surge, rs_replicas, annotation, expected):
    d = deployment(replicas, surge, 1, status=DeploymentStatus(replicas=status_replicas))
    annotations = ((du.MAX_REPLICAS_ANNOTATION, annotation),) if annotation is not None else ()
    assert du.get_replica_set_fraction(rs(replicas=rs_replicas, annotations=annotations), d) == expected


# -- TestGenerateReplicaSetName (sync_test.go) ---------------------------------------------------
@pytest.mark.parametrize("name,hash_,want", [
    ("my-deployment", "abcde12345", "my-deployment-abcde12345"),
    ("a" * 242, "abcde12345", "a" * 242 + "-abcde12345"),
    ("b" * 250, "abcde12345", "b" * 242 + "-abcde12345"),
    ("d" * 252, "h" * 252, "d" * 252 + "-" + "h" * 252),
], ids=["TestGenerateReplicaSetName/short name", "TestGenerateReplicaSetName/maximum length without truncating",
        "TestGenerateReplicaSetName/very long deployment name is truncated",
        "TestGenerateReplicaSetName/very long hash is not truncated"])
def test_generate_replica_set_name(name, hash_, want):
    assert du.generate_replica_set_name(name, hash_) == want


# -- model-specific ------------------------------------------------------------------------------
def test_compute_hash_is_deterministic_and_safe():
    t = template()
    h = du.compute_hash(t, None)
    assert h == du.compute_hash(template(), None)
    assert h != du.compute_hash(t, 1) != du.compute_hash(t, 2)
    assert h != du.compute_hash(template(image="nginx:2"), None)
    assert set(h) <= set("bcdfghjklmnpqrstvwxz2456789") and 1 <= len(h) <= 10


def test_compute_hash_does_not_depend_on_the_hash_seed():
    import subprocess
    import sys

    code = ("from kmodel.controllers.deployment_util import compute_hash\n"
            "from kmodel.objects.workloads import Container, PodSpec, PodTemplateSpec\n"
            "print(compute_hash(PodTemplateSpec((('app', 'web'),), PodSpec((Container('web', image='web:v1'),))), None))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "77")}
    assert len(outs) == 1 and outs.pop().strip()


def test_sort_orders():
    a, b, c = rs("a", 3, created=1), rs("b", 3, created=2), rs("c", 5, created=0)
    assert [r.metadata.name for r in du.replica_sets_by_size_newer([a, b, c])] == ["c", "b", "a"]
    assert [r.metadata.name for r in du.replica_sets_by_size_older([a, b, c])] == ["c", "a", "b"]
    r1 = rs("r1", annotations=((du.REVISION_ANNOTATION, "3"),), created=0)
    r2 = rs("r2", annotations=((du.REVISION_ANNOTATION, "1"),), created=1)
    r3 = rs("r3", created=2)
    assert [r.metadata.name for r in du.replica_sets_by_revision([r1, r2, r3])] == ["r3", "r2", "r1"]


def test_last_and_max_revision():
    sets = [rs(str(i), annotations=((du.REVISION_ANNOTATION, v),)) for i, v in enumerate(["1", "4", "x", "3"])]
    assert du.max_revision(sets) == 4 and du.last_revision(sets) == 3


def test_find_active_or_latest():
    old1, old2 = rs("o1", 0, created=1), rs("o2", 0, created=2)
    new = rs("n", 0, created=3)
    assert du.find_active_or_latest(None, [old1, old2]) is old2  # none active: the newest
    assert du.find_active_or_latest(new, [old1, old2]) is new
    active = replace(old1, spec=replace(old1.spec, replicas=2))
    assert du.find_active_or_latest(new, [active, old2]) is active
    assert du.find_active_or_latest(replace(new, spec=replace(new.spec, replicas=1)), [active]) is None


def test_get_proportion():
    d = deployment(12, 0, 1)
    r = rs(replicas=5, annotations=((du.MAX_REPLICAS_ANNOTATION, "10"),))
    assert du.get_proportion(r, d, 2, 0) == 1  # fraction 6 - 5, within 2
    assert du.get_proportion(r, d, 2, 2) == 0  # nothing left
    assert du.get_proportion(None, d, 2, 0) == 0
    assert du.get_proportion(r, deployment(2, 0, 1), -8, -6) == -2  # fraction -4, at most -2 left


# -- the rolling-update bound, for all sizes -----------------------------------------------------
INT_OR_PERCENT = st.one_of(st.integers(0, 1200), st.integers(0, 100).map(lambda p: f"{p}%"))


def _raw(value: int | str) -> int:
    return value if isinstance(value, int) else int(value[:-1])


def _rollout(replicas: int, surge: int | str, unavailable: int | str) -> tuple[int, int, list[int]]:
    """A rollout driven by the controller's own rolling steps (``reconcile_new_replica_set``,
    then ``reconcile_old_replica_sets``, on a store holding the Deployment and its two
    ReplicaSets), with capacity for every pod: between steps the ReplicaSet controller and the
    kubelets catch up (every wanted pod exists and is available). Returns the largest
    Σ spec.replicas, the smallest number of available pods after a step, and the final sizes."""
    from kmodel.api import UpdateStatus, apply as api_apply
    from kmodel.controllers.deployment import SyncContext, reconcile_new_replica_set, reconcile_old_replica_sets
    from kmodel.objects.meta import Namespace
    from kmodel.state import ClusterState

    d = deployment(replicas, surge, unavailable)
    full = ReplicaSetStatus(replicas=replicas, ready_replicas=replicas, available_replicas=replicas)
    old = rs("old", replicas, created=1, status=full, tmpl=template(image="nginx:old"))
    new = rs("new", 0, created=2)
    state = ClusterState.of([Namespace(ObjectMeta("default")), d, old, new])
    worst, lowest = replicas, replicas
    for _ in range(4 * replicas + 8):
        old, new = state.get(old.ref), state.get(new.ref)
        if du._replicas(new) == replicas and du._replicas(old) == 0:
            break
        s = SyncContext(state, d, deadline_passed=False)
        if not reconcile_new_replica_set(s, [old, new], new):
            reconcile_old_replica_sets(s, [old, new], du.filter_active_replica_sets([old]), new)
        state = s.store
        worst = max(worst, du.get_replica_count_for_replica_sets(state.list("ReplicaSet")))
        lowest = min(lowest, sum(min(r.status.available_replicas, du._replicas(r)) for r in state.list("ReplicaSet")))
        for r in state.list("ReplicaSet"):  # the ReplicaSet controller and kubelets catch up
            n = du._replicas(r)
            state, _ = api_apply(state, UpdateStatus(replace(r, status=ReplicaSetStatus(n, n, n, n, r.metadata.generation))))
    final = [du._replicas(state.get(old.ref)), du._replicas(state.get(new.ref))]
    return worst, lowest, final


@settings(max_examples=150, deadline=None)
@given(replicas=st.integers(1, 1000), surge=INT_OR_PERCENT, unavailable=INT_OR_PERCENT)
def test_a_complete_rollout_stays_within_its_bounds_and_updates_every_replica(replicas, surge, unavailable):
    """For all replicas <= 1000 and valid maxSurge/maxUnavailable (ints and percentages;
    validation rejects both zero), a rollout never wants more than replicas + maxSurge pods
    (``rollout-bounded``), never scales below replicas - maxUnavailable available pods, and
    ends with every replica updated when capacity allows."""
    assume(not (_raw(surge) == 0 and _raw(unavailable) == 0))
    d = deployment(replicas, surge, unavailable)
    worst, lowest, final = _rollout(replicas, surge, unavailable)
    assert worst <= replicas + du.max_surge(d)
    assert lowest >= replicas - du.max_unavailable(d)
    assert final == [0, replicas]
