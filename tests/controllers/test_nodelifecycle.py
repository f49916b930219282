"""Node lifecycle, taint eviction and pod GC, with cases from upstream's tests
(``pkg/controller/tainteviction/taint_eviction_test.go``, ``pkg/controller/nodelifecycle/
node_lifecycle_controller_test.go``, ``pkg/controller/podgc/gc_controller_test.go``,
``plugin/pkg/admission/defaulttolerationseconds/admission_test.go``)."""

from __future__ import annotations

import pytest

from kmodel.admission import default_toleration_seconds
from kmodel.api import Create, UpdateStatus, apply, apply_all
from kmodel.cluster import Env, World
from kmodel.controllers import nodelifecycle as nlc
from kmodel.controllers import podgc, tainteviction
from kmodel.controllers.tainteviction import get_matching_tolerations, get_min_toleration_time
from kmodel.objects.meta import Namespace, ObjectMeta, ObjectRef, replace
from kmodel.objects.nodes import Node, NodeCondition, NodeStatus, Taint, Toleration
from kmodel.objects.workloads import Container, Pod, PodSpec, PodStatus
from kmodel.state import ClusterState

MIN_TOLERATION_CASES = [  # TestGetMinTolerationTime
    ("TestGetMinTolerationTime/no tolerations", [], 0),
    ("TestGetMinTolerationTime/nil tolerationSeconds", [None], -1),
    ("TestGetMinTolerationTime/one and two", [1, 2], 1),
    ("TestGetMinTolerationTime/one and nil", [1, None], 1),
    ("TestGetMinTolerationTime/nil and one", [None, 1], 1),
    ("TestGetMinTolerationTime/zero evicts now", [0, 5], 0),
]


@pytest.mark.parametrize("seconds,want", [c[1:] for c in MIN_TOLERATION_CASES], ids=[c[0] for c in MIN_TOLERATION_CASES])
def test_get_min_toleration_time(seconds, want):
    assert get_min_toleration_time([Toleration(toleration_seconds=s) for s in seconds]) == want


UNREACHABLE = Taint("node.kubernetes.io/unreachable", "NoExecute")
NOT_READY = Taint("node.kubernetes.io/not-ready", "NoExecute")


def test_get_matching_tolerations():
    tol = Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute", 300)
    assert get_matching_tolerations([UNREACHABLE], [tol]) == (True, [tol])
    assert get_matching_tolerations([UNREACHABLE, NOT_READY], [tol]) == (False, [])
    assert get_matching_tolerations([], []) == (True, [])
    assert get_matching_tolerations([UNREACHABLE], [Toleration("", "Exists")])[0]


FORGIVENESS_CASES = [  # TestForgivenessAdmission (defaulttolerationseconds/admission_test.go)
    ("TestForgivenessAdmission/pod has no tolerations, expect add tolerations for not-ready and unreachable",
     (), [("node.kubernetes.io/not-ready", 300), ("node.kubernetes.io/unreachable", 300)]),
    ("TestForgivenessAdmission/pod has alpha tolerations, expect add tolerations for not-ready and unreachable",
     (Toleration("node.alpha.kubernetes.io/notReady", "Exists", "", "NoExecute", 700),),
     [("node.alpha.kubernetes.io/notReady", 700), ("node.kubernetes.io/not-ready", 300),
      ("node.kubernetes.io/unreachable", 300)]),
    ("TestForgivenessAdmission/pod specified a toleration for unreachable taint, expect add toleration for not-ready",
     (Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute", 700),),
     [("node.kubernetes.io/unreachable", 700), ("node.kubernetes.io/not-ready", 300)]),
    ("TestForgivenessAdmission/pod specified tolerations for both, expect no change",
     (Toleration("node.kubernetes.io/not-ready", "Exists", "", "NoExecute", 700),
      Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute", 700)),
     [("node.kubernetes.io/not-ready", 700), ("node.kubernetes.io/unreachable", 700)]),
    ("TestForgivenessAdmission/pod specified a toleration for all NoExecute taints, expect no change",
     (Toleration("", "Exists", "", "NoExecute"),), [("", None)]),
    ("TestForgivenessAdmission/pod specified a toleration for all taints, expect no change",
     (Toleration("", "Exists"),), [("", None)]),
]


@pytest.mark.parametrize("given,want", [c[1:] for c in FORGIVENESS_CASES], ids=[c[0] for c in FORGIVENESS_CASES])
def test_default_toleration_seconds(given, want):
    pod = Pod(ObjectMeta("p", "default"), PodSpec((Container("c"),), tolerations=given))
    got = default_toleration_seconds(pod).spec.tolerations
    assert [(t.key, t.toleration_seconds) for t in got] == want


ZONE_CASES = [  # ComputeZoneState, as TestMonitorNodeHealthEvictPodsWithDisruption's zones exercise it
    ("all ready", ["True", "True"], (0, "Normal")),
    ("one of two not ready", ["True", "Unknown"], (1, "Normal")),
    ("no ready node", ["Unknown", "False"], (2, "FullDisruption")),
    ("three of four not ready (75% >= 55%)", ["True", "Unknown", "Unknown", "False"], (3, "PartialDisruption")),
    ("two of three not ready: not more than 2", ["True", "Unknown", "Unknown"], (2, "Normal")),
    ("a missing Ready condition counts as not ready", [None], (1, "FullDisruption")),
]


@pytest.mark.parametrize("statuses,want", [c[1:] for c in ZONE_CASES], ids=[c[0] for c in ZONE_CASES])
def test_compute_zone_state(statuses, want):
    assert nlc.compute_zone_state(statuses) == want


def node(name, zone="z1", ready="True", taints=(), labels=()):
    meta = ObjectMeta(name, labels=(("topology.kubernetes.io/zone", zone),) + tuple(labels))
    return Node(meta, spec=replace(Node(meta).spec, taints=tuple(taints)),
                status=NodeStatus(allocatable=(("cpu", 2000), ("pods", 110)),
                                  conditions=(NodeCondition("Ready", ready, "KubeletReady"),)))


def world(nodes, pods=(), machines=()):
    state = ClusterState.of([Namespace(ObjectMeta("default")), *nodes])
    for p in pods:
        state, r = apply(state, Create(p))
        assert r.ok, r
        state, _ = apply(state, UpdateStatus(replace(state.get(r.ref), status=p.status)))
    return World(state, Env(machines=tuple(sorted(machines))))


def pod(name, node_name, ready="True"):
    from kmodel.objects.workloads import PodCondition

    return Pod(ObjectMeta(name, "default"), PodSpec((Container("c"),), node_name=node_name),
               PodStatus("Running", (PodCondition("Ready", ready),)))


def monitor(w):
    state, _ = apply_all(w.cluster, nlc.reconcile(w, nlc.MONITOR))
    return state


def test_grace_period_expiry_marks_unknown_taints_and_pods_not_ready():
    w = world([node("a"), node("b")], [pod("p", "a")], machines=[("a", "down")])
    s = monitor(w)
    a = s.get(ObjectRef("Node", "", "a"))
    assert a.condition("Ready").status == "Unknown" and a.condition("Ready").reason == "NodeStatusUnknown"
    assert set(a.spec.taints) == {Taint("node.kubernetes.io/unreachable", "NoSchedule"), UNREACHABLE}
    assert s.get(ObjectRef("Pod", "default", "p")).status.condition("Ready").status == "False"
    assert s.get(ObjectRef("Node", "", "b")).condition("Ready").status == "True"


def test_a_healthy_node_is_left_alone():
    assert nlc.reconcile(world([node("a")]), nlc.MONITOR) == ()


def test_all_zones_fully_disrupted_removes_noexecute_taints():
    """TestMonitorNodeHealthEvictPodsWithDisruption: every zone down, no evictions."""
    w = world([node("a", "z1"), node("b", "z2", ready="Unknown", taints=[UNREACHABLE])],
              machines=[("a", "partitioned"), ("b", "partitioned")])
    s = monitor(w)
    for name in "ab":
        n = s.get(ObjectRef("Node", "", name))
        assert n.condition("Ready").status == "Unknown"
        assert UNREACHABLE not in n.spec.taints


def test_one_zone_fully_disrupted_is_tainted_at_the_normal_rate():
    """TestMonitorNodeHealthEvictPodsWithDisruption: one zone down, the other healthy."""
    w = world([node("a", "z1"), node("b", "z2")], machines=[("a", "down")])
    s = monitor(w)
    assert UNREACHABLE in s.get(ObjectRef("Node", "", "a")).spec.taints


def test_partial_disruption_of_a_small_zone_stops_tainting():
    nodes = [node(n, "z1", ready="Unknown" if n != "d" else "True") for n in "abcd"]
    assert nlc.zone_states(nodes)[nlc.get_zone_key(nodes[0])] == (4, "PartialDisruption")
    assert not nlc.tainting_allowed(nodes, nlc.get_zone_key(nodes[0]))
    assert nlc.reconcile(world(nodes), nodes[0].ref) == ()


def test_ready_node_loses_its_noexecute_taint():
    w = world([node("a", taints=[UNREACHABLE, Taint("node.kubernetes.io/unreachable", "NoSchedule")])])
    s = monitor(w)
    assert s.get(ObjectRef("Node", "", "a")).spec.taints == ()


def test_not_ready_swaps_to_unreachable_at_once():
    w = world([node("a", ready="False", taints=[NOT_READY]), node("b")], machines=[("a", "down")])
    s = monitor(w)
    assert s.get(ObjectRef("Node", "", "a")).spec.taints.count(UNREACHABLE) == 1
    assert NOT_READY not in s.get(ObjectRef("Node", "", "a")).spec.taints


def test_taint_eviction_respects_toleration_seconds():
    tolerated = replace(pod("p", "a"), spec=replace(pod("p", "a").spec, tolerations=(
        Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute"),)))
    w = world([node("a", ready="Unknown", taints=[UNREACHABLE])], [tolerated, pod("q", "a")])
    s = w.cluster
    # tolerated for ever: never evicted; "q" got the 300 s default toleration: evicted when it fires
    assert tainteviction.reconcile(s, ObjectRef("Pod", "default", "p")) == ()
    reqs = tainteviction.reconcile(s, ObjectRef("Pod", "default", "q"))
    s2, _ = apply_all(s, reqs)
    q = s2.get(ObjectRef("Pod", "default", "q"))
    assert q.metadata.deleting and q.status.condition("DisruptionTarget").reason == "DeletionByTaintManager"


def test_untolerated_taint_evicts_now_and_no_taint_nothing():
    bare = Pod(ObjectMeta("p", "default"), PodSpec((Container("c"),), node_name="a"))
    s = ClusterState.of([node("a", taints=[Taint("dedicated", "NoExecute", "db")]), bare])
    assert [type(r).__name__ for r in tainteviction.reconcile(s, bare.ref)] == ["UpdateStatus", "Delete"]
    s = ClusterState.of([node("a"), bare])
    assert tainteviction.reconcile(s, bare.ref) == () and tainteviction.keys(s) == []


def test_podgc_orphaned_and_out_of_service():
    """TestGCOrphaned / TestGCTerminating (pod GC)."""
    orphan = pod("orphan", "gone")
    s = ClusterState.of([node("a", ready="Unknown", taints=[Taint("node.kubernetes.io/out-of-service", "NoExecute")]),
                         orphan])
    s2, _ = apply_all(s, podgc.reconcile(s, orphan.ref))
    assert s2.get(orphan.ref) is None
    terminating = replace(pod("t", "a"), metadata=replace(pod("t", "a").metadata, deleting=True))
    s = s.with_(terminating)
    assert [type(r).__name__ for r in podgc.reconcile(s, terminating.ref)] == ["UpdateStatus", "Delete"]
    healthy = ClusterState.of([node("b"), replace(terminating, spec=replace(terminating.spec, node_name="b"))])
    assert podgc.reconcile(healthy, terminating.ref) == ()


def test_cloud_node_lifecycle_deletes_a_lost_node_once_not_ready():
    w = world([node("a")], machines=[("a", "lost")])
    assert podgc.cloud_reconcile(w, ObjectRef("Node", "", "a")) == ()  # still Ready: not yet
    w2 = World(monitor(w), w.env)
    assert [type(r).__name__ for r in podgc.cloud_reconcile(w2, ObjectRef("Node", "", "a"))] == ["Delete"]
