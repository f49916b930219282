"""The Deployment helpers of :mod:`kmodel.smt.models.deployment` against upstream's table tests
and against the explicit controller (:mod:`kmodel.controllers.deployment_util`,
:mod:`kmodel.controllers.deployment`).

Cases are rewritten from ``pkg/controller/deployment/util/deployment_util_test.go`` (the
upstream test function is the first part of each case id); upstream's error cases ("oops",
"urg") have no numeric counterpart (an IntOrString here is a number and a flag).
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kmodel.controllers import deployment_util as du
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta
from kmodel.objects.workloads import (
    Container,
    Deployment,
    DeploymentSpec,
    DeploymentStrategy,
    PodSpec,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetSpec,
    ReplicaSetStatus,
)
from kmodel.smt.models.deployment import (
    Fenceposts,
    RollingUpdate,
    get_proportion,
    get_replica_set_fraction,
    int_or_percent,
    max_unavailable,
    new_rs_new_replicas,
    reconcile_new_replica_set,
    reconcile_old_replica_sets,
    resolve_fenceposts,
    round_to_int32,
)
from kmodel.smt.ops import CONCRETE as o


def _fp(surge, unavailable, desired):
    sp, sv = int_or_percent(0 if surge is None else surge)
    up, uv = int_or_percent(0 if unavailable is None else unavailable)
    return resolve_fenceposts(o, sp, sv, up, uv, desired)


FENCEPOSTS = [  # TestResolveFenceposts
    ("0%", "0%", 0, (0, 1)),
    ("39%", "39%", 10, (4, 3)),
    (None, "39%", 10, (0, 3)),
    ("39%", None, 10, (4, 0)),
    (None, None, 10, (0, 1)),
]


@pytest.mark.parametrize("surge,unavailable,desired,expected", FENCEPOSTS,
                         ids=[f"TestResolveFenceposts/{i}" for i in (0, 1, 4, 5, 6)])
def test_resolve_fenceposts_upstream_cases(surge, unavailable, desired, expected):
    assert _fp(surge, unavailable, desired) == expected


INT_OR_PERCENT = st.one_of(st.integers(0, 10_000), st.integers(0, 1_000).map(lambda p: f"{p}%"))


@settings(max_examples=200, deadline=None)
@given(surge=INT_OR_PERCENT, unavailable=INT_OR_PERCENT, desired=st.integers(0, 10_000))
def test_resolve_fenceposts_matches_the_explicit_helper(surge, unavailable, desired):
    assert _fp(surge, unavailable, desired) == du.resolve_fenceposts(surge, unavailable, desired)


def test_resolve_fenceposts_converts_to_int32_after_the_zero_check():
    """Go's ``int32(surge)`` after ``if surge == 0 && unavailable == 0``: a surge of exactly
    2**32 passes the check and becomes 0 (the refutation in ``proofs/fenceposts.py``)."""
    assert _fp("429496729600%", "0%", 1) == (0, 0)
    assert _fp("429496729700%", "0%", 1) == (1, 0)


MAX_UNAVAILABLE = [  # TestMaxUnavailable (RollingUpdate cases)
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
def test_max_unavailable_upstream_cases(replicas, unavailable, expected):
    assert max_unavailable(o, _fp(1, unavailable, replicas)[1], replicas) == expected


NEW_RS_NEW_REPLICAS = [  # TestNewRSNewReplicas (RollingUpdate cases; another RS has 5 replicas)
    ("can not scale up - to newRSReplicas", 1, 5, 1, 5),
    ("scale up - to depReplicas", 6, 2, 10, 6),
]


@pytest.mark.parametrize("dep,new,surge,expected", [c[1:] for c in NEW_RS_NEW_REPLICAS],
                         ids=[f"TestNewRSNewReplicas/{c[0]}" for c in NEW_RS_NEW_REPLICAS])
def test_new_rs_new_replicas_upstream_cases(dep, new, surge, expected):
    assert new_rs_new_replicas(o, dep, surge, 5, new) == expected  # allRSs = [rs5] (upstream passes only rs5)


FRACTION = [  # TestGetReplicaSetFraction: replicas, status.replicas, maxSurge, rs replicas, annotation (0: none)
    ("empty deployment always scales to 0", 0, 0, 0, 10, 0, -10),
    ("unsynced deployment does not scale when max-replicas annotation is missing (removed by a 3rd party)",
     10, 0, 0, 5, 0, 0),
    ("scale up by 1/5 should increase RS replicas by 1/5 when max-replicas annotation is missing (removed by a 3rd party)",
     120, 100, 0, 50, 0, 10),
    ("scale up by 1/5 should increase RS replicas by 1/5", 120, 0, 0, 50, 100, 10),
    ("scale up with maxSurge by 1/5 should increase RS replicas approximately by 1/5", 120, 0, 10, 50, 110, 9),
    ("scale down by 1/6 should decrease RS replicas by 1/6", 10, 0, 0, 6, 12, -1),
    ("scale down with maxSurge by 1/6 should decrease RS replicas approximately by 1/6", 100, 0, 10, 50, 130, -8),
]


@pytest.mark.parametrize("replicas,status,surge,rs_replicas,annotation,expected", [c[1:] for c in FRACTION],
                         ids=[f"TestGetReplicaSetFraction/{c[0]}" for c in FRACTION])
def test_get_replica_set_fraction_upstream_cases(replicas, status, surge, rs_replicas, annotation, expected):
    assert get_replica_set_fraction(o, rs_replicas, replicas, surge, annotation, status) == expected


def test_round_to_int32_half_away_from_zero():
    assert [round_to_int32(o, n, d) for n, d in [(5, 2), (-5, 2), (7, 3), (-7, 3), (1, 3)]] == [3, -3, 2, -2, 0]


def test_get_proportion_cases_of_the_explicit_helper():
    fraction = get_replica_set_fraction(o, 5, 12, 0, 10, 0)  # 6 - 5
    assert get_proportion(o, 5, fraction, 2, 0) == 1
    assert get_proportion(o, 5, fraction, 2, 2) == 0
    assert get_proportion(o, 5, get_replica_set_fraction(o, 5, 2, 0, 10, 0), -8, -6) == -2


def _template(image):
    return PodTemplateSpec((("app", "web"),), PodSpec((Container("web", image=image),)))


def _deployment(replicas, surge, unavailable, annotated=None):
    t = _template("v2")
    return Deployment(ObjectMeta("web", "default", uid="d"),
                      DeploymentSpec(LabelSelector(t.labels), t, replicas,
                                     DeploymentStrategy("RollingUpdate", surge, unavailable)))


def _rs(name, replicas, available, created, image, annotations=()):
    t = _template(image)
    return ReplicaSet(ObjectMeta(name, "default", uid=f"u-{name}", creation_timestamp=created, labels=t.labels,
                                 annotations=annotations),
                      ReplicaSetSpec(LabelSelector(t.labels), t, replicas),
                      ReplicaSetStatus(replicas=max(replicas, available), available_replicas=available))


@settings(max_examples=120, deadline=None)
@given(replicas=st.integers(0, 12), surge=st.integers(0, 4), unavailable=st.integers(0, 4),
       old=st.integers(0, 14), old_avail=st.integers(0, 14), new=st.integers(0, 12), new_avail=st.integers(0, 12))
def test_one_rolling_step_matches_the_explicit_controller(replicas, surge, unavailable, old, old_avail, new, new_avail):
    """``reconcileNewReplicaSet`` then (if it scaled nothing) ``reconcileOldReplicaSets`` on an old
    and a new ReplicaSet: the symbolic helpers and the explicit controller write the same sizes."""
    assume(surge or unavailable)
    from kmodel.controllers.deployment import SyncContext
    from kmodel.controllers.deployment import reconcile_new_replica_set as explicit_new
    from kmodel.controllers.deployment import reconcile_old_replica_sets as explicit_old
    from kmodel.state import ClusterState

    d = _deployment(replicas, surge, unavailable)
    old_rs, new_rs = _rs("old", old, old_avail, 1, "v1"), _rs("new", new, new_avail, 2, "v2")
    state = ClusterState.of([Namespace(ObjectMeta("default")), d, old_rs, new_rs])
    s = SyncContext(state, d, deadline_passed=False)
    try:
        if not explicit_new(s, [old_rs, new_rs], new_rs):
            olds = [r for r in [s.store.get(old_rs.ref)] if du._replicas(r) > 0]
            explicit_old(s, [s.store.get(old_rs.ref), s.store.get(new_rs.ref)], olds, s.store.get(new_rs.ref))
    except Exception as exc:  # upstream swallows cleanupUnhealthyReplicas' error: see the report
        if "invalid request" not in str(exc):
            raise
    want = [du._replicas(s.store.get(old_rs.ref)), du._replicas(s.store.get(new_rs.ref))]

    s_, u_ = resolve_fenceposts(o, 0, surge, 0, unavailable, replicas)
    specs, scaled = reconcile_new_replica_set(o, replicas, s_, [old, new], [False, True])
    if not scaled:
        specs, _ = reconcile_old_replica_sets(o, replicas, max_unavailable(o, u_, replicas), specs,
                                              [old_avail, new_avail], [True, False], [False, True])
    assert specs == want


def test_rolling_update_model_explicit_bounds_small():
    r = RollingUpdate(replicas=(1, 3), max_surge=(0, 2), max_unavailable=(0, 2)).checker().bfs()
    assert r["surge-bound"].verdict == r["availability"].verdict == "holds"
    assert r["pods-bound"].verdict == "violated" and len(r["pods-bound"].path) == 3


def test_rolling_update_with_a_rollover_keeps_the_bounds_explicitly():
    r = RollingUpdate(replicas=(1, 2), max_surge=(0, 1), max_unavailable=(0, 1), max_rollovers=1).checker().bfs()
    assert r["surge-bound"].verdict == "holds" and r["availability"].verdict == "holds"


def test_fenceposts_model_explicit():
    r = Fenceposts(replicas=(0, 20), max_surge={"pct": None, "value": (0, 30)},
                   max_unavailable={"pct": None, "value": (0, 30)}).checker().bfs()
    assert r["never-zero-zero"].verdict == "holds"
