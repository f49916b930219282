"""PodTopologySpread against upstream's tables.

Sources (kubernetes/kubernetes, ``pkg/scheduler/framework/plugins/podtopologyspread/``):
``filtering_test.go`` (TestSingleConstraint, TestMultipleConstraints), the ``minDomains`` and
node-inclusion-policy examples of ``staging/src/k8s.io/api/core/v1/types.go``
(``TopologySpreadConstraint`` field docs), ``scoring_test.go`` (TestPodTopologySpreadScore:
the formula ``cnt * ln(domains + 2) + (maxSkew - 1)`` and the normalisation), ``common.go``
(``matchLabelKeys``) and ``plugin.go``/``helper/spread.go`` (system default constraints).
"""

from __future__ import annotations

import math

import pytest
from schedtest import OK, SKIP, UU, U, exists, node, pod, run_filter, spread

from kmodel.objects.meta import LabelSelector, ObjectMeta, OwnerReference
from kmodel.objects.nodes import Taint, Toleration
from kmodel.objects.workloads import Container, PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetSpec
from kmodel.scheduler.framework import CycleState, node_infos
from kmodel.scheduler.plugins import PodTopologySpread
from kmodel.scheduler.plugins.helper import default_selector
from kmodel.state import ClusterState
from schedtest import node_affinity, req, term

ZN = [node("node-a", {"zone": "zone1", "node": "node-a"}), node("node-b", {"zone": "zone1", "node": "node-b"}),
      node("node-x", {"zone": "zone2", "node": "node-x"}), node("node-y", {"zone": "zone2", "node": "node-y"})]


def P(name, node_name, namespace="default", terminating=False, **labels):
    return pod(name, labels or {"foo": ""}, node=node_name, namespace=namespace, terminating=terminating)


SPREAD_2103 = [P("p-a1", "node-a"), P("p-a2", "node-a"), P("p-b1", "node-b"),
               P("p-y1", "node-y"), P("p-y2", "node-y"), P("p-y3", "node-y")]
FOO = {"foo": ""}


def _sc(name, incoming, nodes, existing, want):
    return pytest.param(incoming, nodes, existing, want, id=f"TestSingleConstraint-{name}")


SINGLE = [
    _sc("no existing pods", pod("p", FOO, spread=(spread(1, "zone", selector=exists("foo")),)), ZN, [],
        {"node-a": OK, "node-b": OK, "node-x": OK, "node-y": OK}),
    _sc("no existing pods, incoming pod doesn't match itself",
        pod("p", FOO, spread=(spread(1, "zone", selector=exists("bar")),)), ZN, [],
        {"node-a": OK, "node-b": OK, "node-x": OK, "node-y": OK}),
    _sc("existing pods in a different namespace do not count",
        pod("p", FOO, spread=(spread(1, "zone", selector=exists("foo")),)), ZN,
        [P("p-a1", "node-a", namespace="ns1"), P("p-b1", "node-a", namespace="ns2"), P("p-x1", "node-x"),
         P("p-y1", "node-y")],
        {"node-a": OK, "node-b": OK, "node-x": U, "node-y": U}),
    _sc("pods spread across zones as 3/3, all nodes fit",
        pod("p", FOO, spread=(spread(1, "zone", selector=exists("foo")),)), ZN, SPREAD_2103,
        {"node-a": OK, "node-b": OK, "node-x": OK, "node-y": OK}),
    _sc("pods spread across zones as 1/2 due to absence of label 'zone' on node-b",
        pod("p", FOO, spread=(spread(1, "zone", selector=exists("foo")),)),
        [ZN[0], node("node-b", {"zon": "zone1", "node": "node-b"}), ZN[2], ZN[3]],
        [P("p-a1", "node-a"), P("p-b1", "node-b"), P("p-x1", "node-x"), P("p-y1", "node-y")],
        {"node-a": OK, "node-b": UU, "node-x": U, "node-y": U}),
    _sc("pod cannot be scheduled as all nodes don't have label 'rack'",
        pod("p", FOO, spread=(spread(1, "rack", selector=exists("foo")),)), [ZN[0], ZN[2]], [],
        {"node-a": UU, "node-x": UU}),
    _sc("pods spread across nodes as 2/1/0/3, only node-x fits",
        pod("p", FOO, spread=(spread(1, "node", selector=exists("foo")),)), ZN, SPREAD_2103,
        {"node-a": U, "node-b": U, "node-x": OK, "node-y": U}),
    _sc("pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit",
        pod("p", FOO, spread=(spread(2, "node", selector=exists("foo")),)), ZN, SPREAD_2103,
        {"node-a": U, "node-b": OK, "node-x": OK, "node-y": U}),
    _sc("pods spread across nodes as 2/1/0/3, but pod doesn't match itself",
        pod("p", {"bar": ""}, spread=(spread(1, "node", selector=exists("foo")),)), ZN, SPREAD_2103,
        {"node-a": U, "node-b": OK, "node-x": OK, "node-y": U}),
    _sc("incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits",
        pod("p", FOO, affinity=node_affinity(term(req("node", "In", "node-a", "node-y"))),
            spread=(spread(1, "node", selector=exists("foo")),)), ZN, SPREAD_2103,
        {"node-a": OK, "node-b": OK, "node-x": OK, "node-y": U}),
    _sc("terminating Pods should be excluded",
        pod("p", FOO, spread=(spread(1, "node", selector=exists("foo")),)),
        [node("node-a", {"node": "node-a"}), node("node-b", {"node": "node-b"})],
        [P("p-a", "node-a", terminating=True), P("p-b", "node-b")],
        {"node-a": OK, "node-b": U}),
]


@pytest.mark.parametrize("incoming, nodes, existing, want", SINGLE)
def test_single_constraint(incoming, nodes, existing, want):
    pre, got = run_filter(PodTopologySpread(), incoming, nodes, existing)
    assert pre is OK
    assert got == want


def _mc(name, incoming, nodes, existing, want):
    return pytest.param(incoming, nodes, existing, want, id=f"TestMultipleConstraints-{name}")


TWO = (spread(1, "zone", selector=exists("foo")), spread(1, "node", selector=exists("foo")))
DIFF = (spread(1, "zone", selector=exists("foo")), spread(1, "node", selector=exists("bar")))
MULTIPLE = [
    _mc("two Constraints on zone and node, spreads = [3/3, 2/1/0/3]", pod("p", FOO, spread=TWO), ZN, SPREAD_2103,
        {"node-a": U, "node-b": U, "node-x": OK, "node-y": U}),
    _mc("two Constraints on zone and node, spreads = [3/4, 2/1/0/4]", pod("p", FOO, spread=TWO), ZN,
        SPREAD_2103 + [P("p-y4", "node-y")], {"node-a": U, "node-b": U, "node-x": U, "node-y": U}),
    _mc("Constraints hold different labelSelectors, spreads = [1/0, 1/0/0/1]",
        pod("p", {"foo": "", "bar": ""}, spread=DIFF), ZN, [P("p-a1", "node-a"), P("p-y1", "node-y", bar="")],
        {"node-a": U, "node-b": U, "node-x": OK, "node-y": U}),
    _mc("Constraints hold different labelSelectors, spreads = [1/0, 0/0/1/1]",
        pod("p", {"foo": "", "bar": ""}, spread=DIFF), ZN,
        [P("p-a1", "node-a"), P("p-x1", "node-x", bar=""), P("p-y1", "node-y", bar="")],
        {"node-a": U, "node-b": U, "node-x": U, "node-y": U}),
    _mc("Constraints hold different labelSelectors, spreads = [2/3, 1/0/0/1]",
        pod("p", {"foo": "", "bar": ""}, spread=DIFF), ZN,
        [P("p-a1", "node-a"), P("p-a2", "node-a", foo="", bar=""), P("p-y1", "node-y"),
         P("p-y2", "node-y", foo="", bar=""), P("p-y3", "node-y")],
        {"node-a": U, "node-b": OK, "node-x": U, "node-y": U}),
    _mc("Constraints hold different labelSelectors but pod doesn't match itself on 'zone' constraint",
        pod("p", {"bar": ""}, spread=DIFF), ZN,
        [P("p-a1", "node-a"), P("p-x1", "node-x", bar=""), P("p-y1", "node-y", bar="")],
        {"node-a": OK, "node-b": OK, "node-x": U, "node-y": U}),
    _mc("two Constraints on zone and node, absence of label 'node' on node-x, spreads = [1/1, 1/0/0/1]",
        pod("p", FOO, spread=TWO), [ZN[0], ZN[1], node("node-x", {"zone": "zone2"}), ZN[3]],
        [P("p-a1", "node-a"), P("p-y3", "node-y")], {"node-a": U, "node-b": OK, "node-x": UU, "node-y": U}),
]


@pytest.mark.parametrize("incoming, nodes, existing, want", MULTIPLE)
def test_multiple_constraints(incoming, nodes, existing, want):
    pre, got = run_filter(PodTopologySpread(), incoming, nodes, existing)
    assert pre is OK
    assert got == want


ZONES3 = [node(f"n{z}", {"zone": f"zone{z}"}) for z in (1, 2, 3)]


def test_min_domains_types_go_example():
    """types.go: 3 zones, maxSkew 2, minDomains 5, pods 2/2/2: fewer domains than minDomains, so
    the global minimum is 0 and a new pod would make skew 3 anywhere."""
    existing = [P(f"p{z}{i}", f"n{z}") for z in (1, 2, 3) for i in range(2)]
    incoming = pod("p", FOO, spread=(spread(2, "zone", selector=exists("foo"), min_domains=5),))
    _, got = run_filter(PodTopologySpread(), incoming, ZONES3, existing)
    assert set(got.values()) == {U}
    # with minDomains 3 (= the domains there are) the minimum is 2 and every zone fits
    incoming = pod("p", FOO, spread=(spread(2, "zone", selector=exists("foo"), min_domains=3),))
    _, got = run_filter(PodTopologySpread(), incoming, ZONES3, existing)
    assert set(got.values()) == {OK}


def test_node_inclusion_policies():
    """types.go: nodeTaintsPolicy Honor leaves out nodes with taints the pod does not tolerate
    (their domain is no domain); nodeAffinityPolicy Ignore counts nodes the pod could not use."""
    tainted = node("n3", {"zone": "zone3"}, taints=(Taint("k", "NoSchedule", "v"),))
    nodes = [ZONES3[0], ZONES3[1], tainted]
    existing = [P("p1", "n1"), P("p2", "n2")]
    ignore = pod("p", FOO, spread=(spread(1, "zone", selector=exists("foo")),))
    honor = pod("p", FOO, spread=(spread(1, "zone", selector=exists("foo"), node_taints_policy="Honor"),))
    assert run_filter(PodTopologySpread(), ignore, nodes, existing)[1] == {"n1": U, "n2": U, "n3": OK}
    assert run_filter(PodTopologySpread(), honor, nodes, existing)[1] == {"n1": OK, "n2": OK, "n3": OK}
    tolerated = pod("p", FOO, tolerations=(Toleration("k", "Exists"),),
                    spread=(spread(1, "zone", selector=exists("foo"), node_taints_policy="Honor"),))
    assert run_filter(PodTopologySpread(), tolerated, nodes, existing)[1]["n1"] is U
    # nodeAffinityPolicy: Honor (default) counts only nodes the pod's selector allows
    sel = pod("p", FOO, selector={"zone": "zone1"}, spread=(spread(1, "zone", selector=exists("foo")),))
    sel_ignore = pod("p", FOO, selector={"zone": "zone1"},
                     spread=(spread(1, "zone", selector=exists("foo"), node_affinity_policy="Ignore"),))
    existing = [P("p1", "n1")]
    assert run_filter(PodTopologySpread(), sel, ZONES3, existing)[1]["n1"] is OK
    assert run_filter(PodTopologySpread(), sel_ignore, ZONES3, existing)[1]["n1"] is U


def test_match_label_keys_narrow_the_selector_to_the_pod_s_values():
    existing = [pod("a", {"app": "web", "rev": "1"}, node="n1"), pod("b", {"app": "web", "rev": "1"}, node="n1")]
    c = spread(1, "zone", selector=LabelSelector((("app", "web"),)), match_label_keys=("rev",))
    new_rev = pod("p", {"app": "web", "rev": "2"}, spread=(c,))
    old_rev = pod("p", {"app": "web", "rev": "1"}, spread=(c,))
    assert run_filter(PodTopologySpread(), new_rev, ZONES3, existing)[1]["n1"] is OK
    assert run_filter(PodTopologySpread(), old_rev, ZONES3, existing)[1]["n1"] is U


def test_prefilter_skips_without_hard_constraints():
    assert run_filter(PodTopologySpread(), pod("p", FOO), ZN)[0] is SKIP
    soft = pod("p", FOO, spread=(spread(1, "zone", "ScheduleAnyway", exists("foo")),))
    assert run_filter(PodTopologySpread(), soft, ZN)[0] is SKIP


def _score(p, nodes, existing, feasible=None, state=None):
    objs = list(nodes) + list(existing) + ([] if state is None else list(state))
    snap = node_infos(ClusterState.of(objs))
    plugin = PodTopologySpread()
    cycle = CycleState()
    infos = [snap[n] for n in (feasible or snap)]
    status = plugin.pre_score(p, snap, infos, cycle)
    if status.skip:
        return None
    raw = {i.name: plugin.score(p, i, cycle) for i in infos}
    return raw, plugin.normalize(raw, cycle)


def test_score_formula_and_normalisation():
    """scoring.go: score = round(sum(cnt * ln(domains + 2) + maxSkew - 1)); normalised as
    100 * (max + min - s) / max (TestPodTopologySpreadScore, 'one constraint on node')."""
    nodes = [node(n, {"node": n}) for n in ("node-a", "node-b", "node-c", "node-d")]
    existing = [P("p-a1", "node-a"), P("p-a2", "node-a"), P("p-b1", "node-b")]
    p = pod("p", FOO, spread=(spread(1, "node", "ScheduleAnyway", exists("foo")),))
    raw, norm = _score(p, nodes, existing)
    w = math.log(4 + 2)
    assert raw == {"node-a": round(2 * w), "node-b": round(w), "node-c": 0, "node-d": 0}
    top = max(raw.values())
    assert norm == {n: 100 * (top + 0 - s) // top for n, s in raw.items()}
    assert norm["node-c"] == 100


def test_system_default_spreading_uses_the_owner_selector():
    rs = ReplicaSet(ObjectMeta("web", "default", "ReplicaSet/default/web"),
                    ReplicaSetSpec(LabelSelector((("app", "web"),)),
                                   PodTemplateSpec((("app", "web"),), PodSpec((Container("c"),)))))
    owner = OwnerReference("apps/v1", "ReplicaSet", "web", "ReplicaSet/default/web", controller=True)
    p = pod("w", {"app": "web"})
    from kmodel.objects.meta import replace
    p = replace(p, metadata=replace(p.metadata, owner_references=(owner,)))
    state = ClusterState.of([rs])
    assert str(default_selector(p, state)) == "app in (web)"
    nodes = [node("n1", {"kubernetes.io/hostname": "n1", "topology.kubernetes.io/zone": "z"}),
             node("n2", {"kubernetes.io/hostname": "n2", "topology.kubernetes.io/zone": "z"})]
    raw, norm = _score(p, nodes, [pod("x", {"app": "web"}, node="n1")], state=[rs])
    assert norm["n2"] > norm["n1"]
    # a bare pod has no default spreading
    assert _score(pod("b", {"app": "web"}), nodes, []) is None
