"""InterPodAffinity against upstream's tables.

Sources (kubernetes/kubernetes, ``pkg/scheduler/framework/plugins/interpodaffinity/``):
``filtering_test.go`` (TestRequiredAffinitySingleNode; TestRequiredAffinityMultipleNodes' first-pod
case), ``scoring_test.go`` (TestPreferredAffinity: the min-max normalisation and the
``hardPodAffinityWeight`` symmetry). Upstream's tests put pods in namespace ``""``; here
``default``.
"""

from __future__ import annotations

import pytest
from schedtest import OK, SKIP, UU, U, aff_term, exists, node, pod, pod_affinity, run_filter, sel_in, sel_not_in, snapshot

from kmodel.objects.affinity import WeightedPodAffinityTerm
from kmodel.objects.meta import LabelSelector, LabelSelectorRequirement
from kmodel.scheduler.framework import CycleState
from kmodel.scheduler.plugins import InterPodAffinity

POD_LABEL = {"service": "securityscan"}
POD_LABEL2 = {"security": "S1"}
NODE1 = node("node1", {"region": "r1", "zone": "z11"})
EXISTING = pod("existing", POD_LABEL, node="node1")


def _case(name, incoming, pods, want, pre=OK):
    return pytest.param(incoming, pods, want, pre, id=f"TestRequiredAffinitySingleNode-{name}")


AFF = lambda sel, key: aff_term(sel, key)  # noqa: E731


def R(key, op, *values):
    return LabelSelectorRequirement(key, op, tuple(values))

SINGLE = [
    _case("A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods",
          pod("p"), [], OK, pre=SKIP),
    _case("satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator "
          "that matches the existing pod",
          pod("p", POD_LABEL2, affinity=pod_affinity((AFF(sel_in("service", "securityscan", "value2"), "region"),))),
          [EXISTING], OK),
    _case("satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using not in "
          "operator in labelSelector that matches the existing pod",
          pod("p", POD_LABEL2, affinity=pod_affinity((AFF(sel_not_in("service", "securityscan3", "value3"), "region"),))),
          [EXISTING], OK),
    _case("Does not satisfy the PodAffinity with labelSelector because of diff Namespace",
          pod("p", POD_LABEL2, affinity=pod_affinity((aff_term(sel_in("service", "securityscan", "value2"), "",
                                                               namespaces=("DiffNameSpace",)),))),
          [pod("e", POD_LABEL, node="node1", namespace="ns")], UU),
    _case("Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod",
          pod("p", POD_LABEL, affinity=pod_affinity((AFF(sel_in("service", "antivirusscan", "value2"), ""),))),
          [EXISTING], UU),
    _case("satisfies the PodAffinity with different label Operators in multiple RequiredDuringSchedulingIgnoredDuringExecution",
          pod("p", POD_LABEL2, affinity=pod_affinity((
              AFF(LabelSelector(match_expressions=(R("service", "Exists"), R("wrongkey", "DoesNotExist"))), "region"),
              AFF(LabelSelector(match_expressions=(R("service", "In", "securityscan"),
                                                   R("service", "NotIn", "WrongValue"))), "region")))),
          [EXISTING], OK),
    _case("The labelSelector requirements(items of matchExpressions) are ANDed, the pod cannot schedule onto the "
          "node because one of the matchExpression item don't match.",
          pod("p", POD_LABEL2, affinity=pod_affinity((
              AFF(LabelSelector(match_expressions=(R("service", "Exists"), R("wrongkey", "DoesNotExist"))), "region"),
              AFF(LabelSelector(match_expressions=(R("service", "In", "securityscan2"),
                                                   R("service", "NotIn", "WrongValue"))), "region")))),
          [EXISTING], UU),
    _case("satisfies the PodAffinity and PodAntiAffinity with the existing pod",
          pod("p", POD_LABEL2, affinity=pod_affinity((AFF(sel_in("service", "securityscan", "value2"), "region"),),
                                                     anti=(AFF(sel_in("service", "antivirusscan", "value2"), "node"),))),
          [EXISTING], OK),
    _case("satisfies the PodAffinity and PodAntiAffinity and PodAntiAffinity symmetry with the existing pod",
          pod("p", POD_LABEL2, affinity=pod_affinity((AFF(sel_in("service", "securityscan", "value2"), "region"),),
                                                     anti=(AFF(sel_in("service", "antivirusscan", "value2"), "node"),))),
          [pod("e", POD_LABEL, node="node1",
               affinity=pod_affinity(anti=(AFF(sel_in("service", "antivirusscan", "value2"), "node"),)))], OK),
    _case("satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod",
          pod("p", POD_LABEL2, affinity=pod_affinity((AFF(sel_in("service", "securityscan", "value2"), "region"),),
                                                     anti=(AFF(sel_in("service", "securityscan", "value2"), "zone"),))),
          [EXISTING], U),
    _case("satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the existing pod",
          pod("p", POD_LABEL, affinity=pod_affinity((AFF(sel_in("service", "securityscan", "value2"), "region"),),
                                                    anti=(AFF(sel_in("service", "antivirusscan", "value2"), "node"),))),
          [pod("e", POD_LABEL, node="node1",
               affinity=pod_affinity(anti=(AFF(sel_in("service", "securityscan", "value2"), "zone"),)))], U),
    _case("pod matches its own Label in PodAffinity and that matches the existing pod Labels",
          pod("p", POD_LABEL, affinity=pod_affinity((AFF(sel_not_in("service", "securityscan", "value2"), "region"),))),
          [], UU),
    _case("verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. "
          "doesn't satisfy PodAntiAffinity symmetry with the existing pod",
          pod("p", POD_LABEL),
          [pod("e", POD_LABEL, node="node1",
               affinity=pod_affinity(anti=(AFF(sel_in("service", "securityscan", "value2"), "zone"),)))], U),
    _case("verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. "
          "satisfy PodAntiAffinity symmetry with the existing pod",
          pod("p", POD_LABEL),
          [pod("e", POD_LABEL, node="node1",
               affinity=pod_affinity(anti=(AFF(sel_not_in("service", "securityscan", "value2"), "zone"),)))],
          OK, pre=SKIP),
    _case("satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity symmetry with incoming pod",
          pod("p", POD_LABEL, affinity=pod_affinity(anti=(AFF(exists("service"), "region"),
                                                          AFF(exists("security"), "region")))),
          [pod("e", POD_LABEL2, node="node1", affinity=pod_affinity(anti=(AFF(exists("security"), "zone"),)))], U),
    _case("PodAntiAffinity symmetry check a1: incoming pod and existing pod partially match each other on AffinityTerms",
          pod("p", POD_LABEL, affinity=pod_affinity(anti=(AFF(exists("service"), "zone"), AFF(exists("security"), "zone")))),
          [pod("e", POD_LABEL2, node="node1", affinity=pod_affinity(anti=(AFF(exists("security"), "zone"),)))], U),
    _case("PodAntiAffinity symmetry check a2: incoming pod and existing pod partially match each other on AffinityTerms",
          pod("p", POD_LABEL2, affinity=pod_affinity(anti=(AFF(exists("security"), "zone"),))),
          [pod("e", POD_LABEL, node="node1",
               affinity=pod_affinity(anti=(AFF(exists("service"), "zone"), AFF(exists("security"), "zone"))))], U),
    _case("PodAntiAffinity symmetry check b1: incoming pod and existing pod partially match each other on AffinityTerms",
          pod("p", {"abc": "", "xyz": ""}, affinity=pod_affinity(anti=(AFF(exists("abc"), "zone"), AFF(exists("def"), "zone")))),
          [pod("e", {"def": "", "xyz": ""}, node="node1",
               affinity=pod_affinity(anti=(AFF(exists("abc"), "zone"), AFF(exists("def"), "zone"))))], U),
]


@pytest.mark.parametrize("incoming, pods, want, pre", SINGLE)
def test_required_affinity_single_node(incoming, pods, want, pre):
    got_pre, got = run_filter(InterPodAffinity(), incoming, [NODE1], pods)
    assert got_pre is pre
    if pre is OK:
        assert got == {"node1": want}


def test_reasons_and_codes():
    plugin = InterPodAffinity()
    snap = snapshot([NODE1], [EXISTING])
    cycle = CycleState()
    p = pod("p", POD_LABEL, affinity=pod_affinity((AFF(sel_in("service", "nothing"), "region"),)))
    plugin.pre_filter(p, snap, cycle)
    st = plugin.filter(p, snap["node1"], cycle)
    assert (st.code, st.reasons) == (UU, ("node(s) didn't match pod affinity rules",))


def test_first_pod_of_a_self_affine_group_may_go_anywhere_with_the_keys():
    """TestRequiredAffinityMultipleNodes: 'A pod can be scheduled onto all the nodes that have
    the same topology key & label value with one of them has an existing pod that matches the
    affinity rules' and the first-pod exception (no pod matches yet, the pod matches itself)."""
    nodes = [node("a", {"zone": "z1"}), node("b", {"zone": "z1"}), node("c", {"zone": "z2"}), node("d", {})]
    first = pod("p", {"app": "db"}, affinity=pod_affinity((AFF(LabelSelector((("app", "db"),)), "zone"),)))
    assert run_filter(InterPodAffinity(), first, nodes)[1] == {"a": OK, "b": OK, "c": OK, "d": UU}
    second = run_filter(InterPodAffinity(), first, nodes, [pod("x", {"app": "db"}, node="a")])[1]
    assert second == {"a": OK, "b": OK, "c": UU, "d": UU}
    # a pod that does not match its own term gets no exception
    other = pod("p", {"app": "web"}, affinity=pod_affinity((AFF(LabelSelector((("app", "db"),)), "zone"),)))
    assert set(run_filter(InterPodAffinity(), other, nodes)[1].values()) == {UU}


def test_namespace_selector_uses_namespace_labels():
    nodes = [node("a", {"zone": "z1"})]
    term = aff_term(LabelSelector((("app", "db"),)), "zone", namespace_selector=LabelSelector((("team", "x"),)))
    p = pod("p", {"app": "web"}, affinity=pod_affinity((term,)))
    db = pod("db", {"app": "db"}, node="a", namespace="data")
    assert run_filter(InterPodAffinity(), p, nodes, [db], namespaces={"data": {"team": "x"}})[1] == {"a": OK}
    assert run_filter(InterPodAffinity(), p, nodes, [db], namespaces={"data": {"team": "y"}})[1] == {"a": UU}


def test_preferred_affinity_score_min_max():
    """TestPreferredAffinity: 'Affinity: pod that matches topology key & pods in nodes will get
    high score comparing to others which doesn't match either pods in nodes or in topology key'
    (weights 5; node1 region China with a matching pod, node2 region India, node3 az1) and the
    existing pod's required affinity adding hardPodAffinityWeight."""
    nodes = [node("node1", {"region": "China"}), node("node2", {"region": "India"}), node("node3", {"az": "az1"})]
    pods = [pod("e1", {"security": "S1"}, node="node1"), pod("e2", {"security": "S2"}, node="node2")]
    p = pod("p", {"security": "S1"}, affinity=pod_affinity(
        preferred=(WeightedPodAffinityTerm(5, aff_term(sel_in("security", "S1"), "region")),)))
    snap = snapshot(nodes, pods)
    plugin = InterPodAffinity()
    cycle = CycleState()
    assert plugin.pre_score(p, snap, list(snap.values()), cycle).success
    raw = {n: plugin.score(p, i, cycle) for n, i in snap.items()}
    assert plugin.normalize(raw, cycle) == {"node1": 100, "node2": 0, "node3": 0}
    # symmetry: an existing pod's required affinity to the incoming pod scores its domain
    e = pod("e", {"app": "x"}, node="node2", affinity=pod_affinity((aff_term(sel_in("security", "S1"), "region"),)))
    snap = snapshot(nodes, [e])
    cycle = CycleState()
    plain = pod("q", {"security": "S1"})
    assert plugin.pre_score(plain, snap, list(snap.values()), cycle).success
    raw = {n: plugin.score(plain, i, cycle) for n, i in snap.items()}
    assert raw == {"node1": 0, "node2": 1, "node3": 0}
    # nothing to score: Skip
    assert plugin.pre_score(plain, snapshot(nodes), list(snapshot(nodes).values()), CycleState()).skip
