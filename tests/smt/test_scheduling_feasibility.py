"""Scheduling feasibility (kmodel.smt): verdicts, explanations, orders that pass the explicit
filters, objectives, greedy vs possible, failure tolerance, and a differential test against an
exhaustive search over binding orders."""

from __future__ import annotations


import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmodel.objects.affinity import Affinity, PodAffinityTerm, PodAntiAffinity, TopologySpreadConstraint
from kmodel.objects.meta import LabelSelector, ObjectMeta
from kmodel.objects.nodes import HOSTNAME_LABEL, ZONE_LABEL, Node, NodeSpec, NodeStatus, Taint
from kmodel.objects.workloads import (
    Container,
    ContainerPort,
    Deployment,
    DeploymentSpec,
    Pod,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetSpec,
)
from kmodel.objects.meta import OwnerReference, replace
from kmodel.scheduler.framework import filter_one_node, node_infos
from kmodel.smt.placement import analyse, problem_from_objects
from kmodel.smt.scheduling import failure_tolerance, feasibility, greedy_vs_possible, schedule_analysis


def N(name, cpu=4000, zone=None, pods=110, taints=(), **labels):
    lab = {HOSTNAME_LABEL: name, **labels}
    if zone:
        lab[ZONE_LABEL] = zone
    alloc = (("cpu", cpu), ("memory", 16 << 30), ("pods", pods))
    return Node(ObjectMeta(name, labels=tuple(sorted(lab.items()))), NodeSpec(taints=tuple(taints)),
                NodeStatus(capacity=alloc, allocatable=alloc))


def spec(cpu=1000, *, selector=None, anti=False, spread=(), port=0, affinity=None, app="web"):
    labels = (("app", app),)
    aff = affinity
    if anti:
        aff = Affinity(pod_anti_affinity=PodAntiAffinity(required=(PodAffinityTerm(HOSTNAME_LABEL, LabelSelector(labels)),)))
    ports = (ContainerPort(80, host_port=port),) if port else ()
    return PodSpec((Container(app, requests=(("cpu", cpu),), ports=ports),),
                   node_selector=tuple(sorted((selector or {}).items())), affinity=aff,
                   topology_spread_constraints=tuple(spread))


def RS(name, replicas, pod_spec, app=None):
    labels = (("app", app or name),)
    return ReplicaSet(ObjectMeta(name, "default"), ReplicaSetSpec(LabelSelector(labels), PodTemplateSpec(labels, pod_spec),
                                                                  replicas=replicas))


def zone_spread(skew=1, key=ZONE_LABEL, app="web", **kw):
    return TopologySpreadConstraint(skew, key, "DoNotSchedule", LabelSelector((("app", app),)), **kw)


def replay_passes(result, problem) -> bool:
    """Every pod of the order passes the explicit filters when it is bound, in that order."""
    pods = {p.metadata.name: p for g in problem.groups for p in g.pods}
    snap = node_infos(problem.state)
    for name, node in result.order:
        if not filter_one_node(pods[name], snap, node, problem.profile.filters).success:
            return False
        bound = replace(pods[name], spec=replace(pods[name].spec, node_name=node))
        snap = snap.replaced({node: snap[node].with_pods((bound,))})
    return len(result.order) == problem.pending


def test_feasible_with_every_kind_of_rule_and_the_order_replays():
    nodes = [N("a1", zone="a"), N("a2", zone="a"), N("b1", zone="b"), N("b2", zone="b", disk="ssd")]
    objs = nodes + [
        RS("web", 4, spec(1000, spread=(zone_spread(),), app="web")),
        RS("cache", 2, spec(500, anti=True, app="cache"), app="cache"),
        RS("db", 1, spec(2000, selector={"disk": "ssd"}, app="db"), app="db"),
        RS("edge", 2, spec(100, port=8080, app="edge"), app="edge"),
    ]
    problem = problem_from_objects(objs)
    r = feasibility(problem)
    assert r.status == "feasible"
    assert replay_passes(r, problem)
    assert r.placement["db-1"] == "b2"
    assert len({r.placement[f"edge-{i}"] for i in (1, 2)}) == 2  # one host port per node
    assert len({r.placement[f"cache-{i}"] for i in (1, 2)}) == 2  # anti-affinity


def test_static_failure_names_the_most_free_on_eligible_nodes():
    """The issue's example: 'pod web-3 needs 2 CPU; the most free on any zone-b node is 1.5 CPU'."""
    nodes = [N("a1", zone="a"), N("b1", cpu=1500, zone="b"), N("b2", cpu=1500, zone="b")]
    objs = nodes + [RS("web", 1, spec(2000, selector={ZONE_LABEL: "b"}))]
    r = feasibility(problem_from_objects(objs))
    assert r.status == "infeasible"
    text = r.explanation[0]
    assert "pod web-1 needs 2 cpu" in text
    assert "1 node(s) didn't match Pod's node affinity/selector" in text and "2 Insufficient cpu" in text
    assert "The most free cpu on any node that passes the other filters (b1, b2) is 1500m" in text


def test_anti_affinity_pigeonhole_core():
    objs = [N("n1"), N("n2"), RS("cache", 3, spec(100, anti=True, app="cache"), app="cache")]
    r = feasibility(problem_from_objects(objs))
    assert r.status == "infeasible" and r.placeable == 2 and r.short == {"ReplicaSet/cache": 1}
    assert "required anti-affinity allows at most one pod of ReplicaSet/cache per kubernetes.io/hostname" in r.explanation[0]


def test_capacity_core_names_the_nodes_and_the_demand():
    objs = [N("n1", cpu=2000), N("n2", cpu=2000), RS("web", 3, spec(1500))]
    r = feasibility(problem_from_objects(objs))
    assert r.explanation == ["ReplicaSet/web needs 3 pods of 1500m cpu each; cpu free on n1, n2: 4 in all, at most 2 on "
                             "one node."]


def test_order_dependent_spread_is_detected_and_explained():
    """Zone and node spread with a lone node in zone a: placements that satisfy both skews at
    the end exist for five replicas, but no order of binds reaches them."""
    nodes = [N("a-1", zone="a"), N("b-1", zone="b"), N("b-2", zone="b"), N("b-3", zone="b")]
    both = (zone_spread(), zone_spread(key=HOSTNAME_LABEL))
    r = feasibility(problem_from_objects(nodes + [RS("web", 5, spec(100, spread=both))]))
    assert r.status == "infeasible"
    assert "binds one pod at a time" in r.explanation[0]
    # with three nodes five replicas fit, and the order found passes every filter
    problem = problem_from_objects(nodes[:3] + [RS("web", 5, spec(100, spread=both))])
    r = feasibility(problem)
    assert r.status == "feasible" and replay_passes(r, problem)


def test_required_affinity_seed_and_partners():
    self_affine = Affinity(pod_affinity=__import__("kmodel.objects.affinity", fromlist=["PodAffinity"]).PodAffinity(
        required=(PodAffinityTerm(ZONE_LABEL, LabelSelector((("app", "web"),))),)))
    nodes = [N("a1", cpu=1000, zone="a"), N("a2", cpu=1000, zone="a"), N("b1", cpu=4000, zone="b")]
    problem = problem_from_objects(nodes + [RS("web", 3, spec(1000, affinity=self_affine))])
    r = feasibility(problem)
    assert r.status == "feasible" and replay_passes(r, problem)
    assert len({r.placement[p][0] for p in r.placement}) == 1  # all in one zone
    problem = problem_from_objects(nodes + [RS("web", 5, spec(1000, affinity=self_affine))])
    assert feasibility(problem).status == "infeasible"  # no zone holds five


def test_objectives():
    nodes = [N(f"n{i}", cpu=4000) for i in range(4)]
    problem = problem_from_objects(nodes + [RS("web", 4, spec(1000))])
    fewest = feasibility(problem, objective="fewest-nodes")
    assert len(set(fewest.placement.values())) == 1
    balanced = feasibility(problem, objective="balanced")
    assert len(set(balanced.placement.values())) == 4
    assert replay_passes(fewest, problem) and replay_passes(balanced, problem)


@pytest.mark.parametrize("backend", ["z3", "cpsat"])
def test_backends_agree(backend):
    pytest.importorskip("ortools") if backend == "cpsat" else None
    nodes = [N("n1", cpu=3000), N("n2", cpu=3000)]
    ok = problem_from_objects(nodes + [RS("a", 2, spec(2000, app="a"), app="a"), RS("b", 2, spec(1000, app="b"), app="b")])
    bad = problem_from_objects(nodes + [RS("a", 3, spec(2000, app="a"), app="a")])
    assert feasibility(ok, backend=backend).status == "feasible"
    assert feasibility(bad, backend=backend).status == "infeasible"


def test_problem_from_objects_counts_bound_pods_and_takes_bare_pending_pods():
    rs = RS("web", 3, spec(1000))
    owner = OwnerReference("apps/v1", "ReplicaSet", "web", "ReplicaSet/default/web", controller=True)
    bound = Pod(ObjectMeta("web-x", "default", labels=(("app", "web"),), owner_references=(owner,)),
                replace(spec(1000), node_name="n1"), PodStatus("Running"))
    bare = Pod(ObjectMeta("solo", "default"), spec(500, app="solo"))
    dep = Deployment(ObjectMeta("api", "default"), DeploymentSpec(LabelSelector((("app", "api"),)),
                                                                  PodTemplateSpec((("app", "api"),), spec(100, app="api")),
                                                                  replicas=2))
    problem = problem_from_objects([N("n1"), N("n2"), rs, bound, bare, dep])

    def counts(p):
        out = {}
        for g in p.groups:
            out[g.label] = out.get(g.label, 0) + g.count
        return out

    assert counts(problem) == {"Deployment/api": 2, "ReplicaSet/web": 2, "Pod/solo": 1}
    lost = problem.without_nodes(["n1"])
    assert counts(lost) == {"Deployment/api": 2, "ReplicaSet/web": 3, "Pod/solo": 1}


def test_greedy_vs_possible_and_tolerance():
    objs = [N("n1", cpu=4000, zone="a"), N("n2", cpu=4000, zone="b"),
            RS("api", 2, spec(2000, app="api"), app="api"), RS("batch", 1, spec(4000, app="batch"), app="batch")]
    problem = problem_from_objects(objs)
    cmp = greedy_vs_possible(problem)
    assert cmp.strands and cmp.stranded == ["batch-1"]
    assert "api-1 -> n1, api-2 -> n2" in cmp.message()
    tol = failure_tolerance(problem)
    assert tol.worst("node") is not None and tol.worst("zone") is not None
    analysis = schedule_analysis(problem)
    assert [f.id for f in analysis.findings] == ["scheduler-strands-pods", "node-loss-unsafe", "zone-loss-unsafe"]


def test_node_loss_uses_one_node_per_class_of_interchangeable_nodes():
    objs = [N(f"n{i}", cpu=2000, zone="a") for i in range(4)] + [RS("web", 3, spec(1500))]
    problem = problem_from_objects(objs)
    assert len(analyse(problem).node_classes) == 1
    tol = failure_tolerance(problem, zones=False)
    assert len(tol.nodes) == 1 and tol.nodes[0].result.feasible


# -- differential: the engine against an exhaustive search over binding orders --------------


def exhaustive(problem) -> bool:
    """Is there an order of binds, each passing the explicit filters, that places every pod?
    Depth-first over the counts placed per (group, node), pods of a group interchangeable."""
    a = analyse(problem)
    groups = problem.groups
    nodes = list(a.nodes)
    dead: set[tuple[int, ...]] = set()

    def go(snap, placed: tuple[int, ...]) -> bool:
        if all(placed[g.index] == g.count for g in groups):
            return True
        if placed in dead:
            return False
        for g in groups:
            if placed[g.index] == g.count:
                continue
            p = g.pods[placed[g.index]]
            for n in nodes:
                if filter_one_node(p, snap, n, problem.profile.filters).success:
                    bound = replace(p, spec=replace(p.spec, node_name=n))
                    nxt = snap.replaced({n: snap[n].with_pods((bound,))})
                    if go(nxt, placed[:g.index] + (placed[g.index] + 1,) + placed[g.index + 1:]):
                        return True
        dead.add(placed)
        return False

    return go(node_infos(problem.state), tuple(0 for _ in groups))


node_st = st.tuples(st.sampled_from([1000, 2000, 3000]), st.sampled_from(["a", "b"]), st.booleans())
group_st = st.tuples(st.integers(1, 3), st.sampled_from([500, 1000, 1500]),
                     st.sampled_from(["none", "anti", "spread", "selector", "port", "spread-host"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(node_st, min_size=2, max_size=3), st.lists(group_st, min_size=1, max_size=3))
def test_differential_against_exhaustive_search(node_specs, group_specs):
    nodes = []
    for i, (cpu, zone, tainted) in enumerate(node_specs):
        taints = (Taint("dedicated", "NoSchedule", "x"),) if tainted and i == 0 else ()
        nodes.append(N(f"n{i}", cpu=cpu, zone=zone, taints=taints, disk="ssd" if i % 2 else "hdd"))
    objs = list(nodes)
    for k, (count, cpu, rule) in enumerate(group_specs):
        app = f"g{k}"
        if rule == "anti":
            s = spec(cpu, anti=True, app=app)
        elif rule == "spread":
            s = spec(cpu, spread=(zone_spread(app=app),), app=app)
        elif rule == "spread-host":
            s = spec(cpu, spread=(zone_spread(app=app), zone_spread(key=HOSTNAME_LABEL, app=app)), app=app)
        elif rule == "selector":
            s = spec(cpu, selector={"disk": "ssd"}, app=app)
        elif rule == "port":
            s = spec(cpu, port=9000, app=app)
        else:
            s = spec(cpu, app=app)
        objs.append(RS(app, count, s, app=app))
    problem = problem_from_objects(objs)
    r = feasibility(problem, backend="z3", explain=False)
    assert r.status in ("feasible", "infeasible")
    assert (r.status == "feasible") == exhaustive(problem)
    if r.feasible:
        assert replay_passes(r, problem)
