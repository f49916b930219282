"""ClusterModel: the control plane explored with faults."""

from __future__ import annotations

import pytest

from kmodel.cluster import DEFAULT_CONTROLLERS, ClusterModel, Controller, Faults, Step, scale
from kmodel.model import always
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef
from kmodel.objects.nodes import Node, NodeStatus
from kmodel.objects.workloads import Container, PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetSpec
from kmodel.properties import by_id, unstable

ALLOC = (("cpu", 2000), ("memory", 4 << 30), ("pods", 110))


def cluster(nodes=3, replicas=3, cpu=500, alloc=ALLOC, names=None):
    names = names or [f"worker-{chr(97 + i)}" for i in range(nodes)]
    objs = [Namespace(ObjectMeta("default"))]
    objs += [Node(ObjectMeta(n), status=NodeStatus(capacity=alloc, allocatable=alloc)) for n in names]
    labels = (("app", "web"),)
    spec = PodSpec((Container("web", requests=(("cpu", cpu),)),))
    objs.append(ReplicaSet(ObjectMeta("web", "default"),
                           ReplicaSetSpec(LabelSelector(labels), PodTemplateSpec(labels, spec), replicas)))
    return objs


def test_reconciles_to_desired_state():
    model = ClusterModel(cluster(2, 2))
    r = model.checker().bfs()
    assert r.verdict == "holds", {k: v.verdict for k, v in r.properties.items()}
    assert r.stats.complete


def test_symmetry_shrinks_and_keeps_verdicts():
    # Two replicas: with the node lifecycle controller (eviction and replacement) three replicas
    # with two faults make ~10^5 states without symmetry, too slow for the default suite.
    model = ClusterModel(cluster(3, 2), faults=Faults(node_failures=1))
    full = model.checker().symmetry(False).bfs()
    reduced = model.checker().bfs()
    assert {k: v.verdict for k, v in full.properties.items()} == {k: v.verdict for k, v in reduced.properties.items()}
    assert reduced.stats.states * 10 < full.stats.states


def test_capacity_short_is_a_stuck_liveness_violation():
    model = ClusterModel(cluster(2, 3, cpu=600, alloc=(("cpu", 1000), ("memory", 1 << 30), ("pods", 110))))
    r = model.checker().bfs()
    res = r["eventually-stable"]
    assert res.verdict == "violated" and res.kind == "stuck"
    assert res.path.replays(model)
    assert unstable(res.path.last_state.cluster) == ["ReplicaSet/default/web has 2 of 3 pods running and ready"]
    assert r["no-overcommit"].verdict == "holds" and r["pods-schedulable"].verdict == "holds"


def test_traces_replay_and_use_kubernetes_steps():
    model = ClusterModel(cluster(1, 2, cpu=1500), properties=by_id(["eventually-stable"]))
    res = model.checker().bfs()["eventually-stable"]
    assert res.verdict == "violated"
    actors = [s.actor for s in res.path.actions]
    assert actors[0] == "replicaset-controller" and "scheduler" in actors and "kubelet" in actors
    assert res.path.replays(model)


def test_scale_event_and_replicas_bounded():
    model = ClusterModel(cluster(2, 3), events=[scale("ReplicaSet", "default", "web", 1)])
    r = model.checker().bfs()
    assert r.verdict == "holds"
    final = [s for s in model.checker().bfs().properties]
    assert "replicas-bounded" in final


def test_crashed_node_pods_are_replaced_after_eviction():
    """The node lifecycle controller taints the crashed node, the taint manager evicts its pods
    after tolerationSeconds and the ReplicaSet replaces them while they stay Terminating."""
    from kmodel.model import sometimes
    from kmodel.objects.workloads import is_pod_active

    active = lambda w: sum(1 for p in w.cluster.list("Pod") if is_pod_active(p))  # noqa: E731
    model = ClusterModel(cluster(2, 2), faults=Faults(node_failures=1),
                         properties=[always("never more than 2 active pods", lambda w: active(w) <= 2),
                                     sometimes("an evicted pod beside its replacement",
                                               lambda w: len(w.cluster.list("Pod")) == 3)])
    r = model.checker().bfs()
    assert r.verdict == "holds", {k: v.verdict for k, v in r.properties.items()}


def test_node_recovery_is_needed_for_stability():
    """Without the node-recovery fairness the model could stay crashed; with it, ESR holds."""
    model = ClusterModel(cluster(2, 2), faults=Faults(node_failures=1), properties=by_id(["eventually-stable"]))
    assert model.checker().bfs().verdict == "holds"


def test_without_scheduler_pods_stay_pending():
    controllers = [c for c in DEFAULT_CONTROLLERS if c.name != "scheduler"]
    model = ClusterModel(cluster(1, 1), controllers=controllers, properties=by_id(["pods-schedulable"]))
    res = model.checker().bfs()["pods-schedulable"]
    assert res.verdict == "violated" and res.kind == "stuck"


def test_custom_controller_composes():
    from kmodel.api import Update
    from kmodel.objects.meta import replace

    def label_pods(state, key):
        pod = state.get(key)
        if pod is None or pod.metadata.label("seen"):
            return ()
        labels = tuple(sorted(pod.metadata.labels + (("seen", "yes"),)))
        return (Update(replace(pod, metadata=replace(pod.metadata, labels=labels))),)

    labeller = Controller("labeller", keys=lambda s: [p.ref for p in s.list("Pod")], reconcile=label_pods)
    prop = always("labelled once bound", lambda w: True)
    model = ClusterModel(cluster(1, 1), controllers=DEFAULT_CONTROLLERS + (labeller,),
                         properties=[prop] + list(by_id(["eventually-stable"])))
    r = model.checker().bfs()
    assert r.verdict == "holds"
    assert any(s.actor == "labeller" for s in _all_steps(model))


def _all_steps(model):
    steps, seen, frontier = set(), set(), [model.initial]
    while frontier:
        w = frontier.pop()
        for step, nxt in model.successors(w):
            steps.add(step)
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return steps


def test_next_state_agrees_with_successors():
    model = ClusterModel(cluster(2, 2), faults=Faults(node_failures=1, pod_crashes=1))
    w = model.initial
    for _ in range(8):
        succ = list(model.successors(w))
        if not succ:
            break
        for step, nxt in succ:
            assert model.next_state(w, step) == nxt
        w = succ[-1][1]
    assert model.next_state(w, Step("fault", "node-crash", ObjectRef("Node", "", "nope"))) is None


def test_pinned_node_names_are_not_symmetric():
    objs = cluster(3, 1)
    rs = objs[-1]
    from kmodel.objects.meta import replace
    pinned = replace(rs, spec=replace(rs.spec, template=replace(rs.spec.template, spec=replace(
        rs.spec.template.spec, node_selector=(("kubernetes.io/hostname", "worker-a"),)))))
    model = ClusterModel(objs[:-1] + [pinned])
    assert "worker-a" not in model._node_class
    assert set(model._node_class) == {"worker-b", "worker-c"}


@pytest.mark.parametrize("faults", [Faults(), Faults(node_failures=1), Faults(pod_crashes=2)])
def test_bfs_and_dfs_agree(faults):
    model = ClusterModel(cluster(2, 2), faults=faults)
    b, d = model.checker().bfs(), model.checker().dfs()
    assert b.stats.states == d.stats.states
    assert {k: v.verdict for k, v in b.properties.items()} == {k: v.verdict for k, v in d.properties.items()}
