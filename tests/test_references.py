"""Symmetry reduction with objects that name pods and nodes (EndpointSlices, Endpoints, AWS
target groups): renamed consistently, so interchangeable states share a representative and
states that differ in more than a renaming do not."""

from __future__ import annotations

from kmodel.agents.ipam import default_pod_ip
from kmodel.cluster import ClusterModel, World
from kmodel.objects.elbv2 import AWSTargetGroup, Target
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef, OwnerReference, replace, uid_for
from kmodel.objects.networking import Endpoint, EndpointSlice
from kmodel.objects.nodes import Node, NodeStatus
from kmodel.objects.workloads import (
    RUNNING,
    Container,
    Pod,
    PodCondition,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetSpec,
)
from kmodel.references import pod_signatures, rename
from kmodel.state import ClusterState

LABELS = (("app", "web"),)
ALLOC = (("cpu", 2000), ("memory", 4 << 30), ("pods", 110))


def _model() -> ClusterModel:
    nodes = [Node(ObjectMeta(n), status=NodeStatus(capacity=ALLOC, allocatable=ALLOC)) for n in ("a", "b")]
    rs = ReplicaSet(ObjectMeta("web", "default"),
                    ReplicaSetSpec(LabelSelector(LABELS), PodTemplateSpec(LABELS, PodSpec((Container("web"),))), 2))
    return ClusterModel([Namespace(ObjectMeta("default")), *nodes, rs])


def _pod(name: str, node: str, running: bool) -> Pod:
    owner = OwnerReference("apps/v1", "ReplicaSet", "web", uid_for("ReplicaSet", "default", "web"), True, True)
    meta = ObjectMeta(name, "default", uid=uid_for("Pod", "default", name), generate_name="web-", labels=LABELS,
                      owner_references=(owner,))
    status = (PodStatus("Running", (PodCondition("Ready", "True"),), containers=RUNNING,
                        pod_ip=default_pod_ip("default", name)) if running else PodStatus())
    return Pod(meta, PodSpec((Container("web"),), node_name=node), status)


def _slice(*pods: Pod, stale: tuple[str, str] | None = None) -> EndpointSlice:
    eps = [Endpoint((p.status.pod_ip,), True, True, False, p.ref, p.spec.node_name) for p in pods]
    if stale is not None:
        eps.append(Endpoint((stale[1],), True, True, False, ObjectRef("Pod", "default", stale[0]), "a"))
    return EndpointSlice(ObjectMeta("web-x", "default"), tuple(eps))


def _world(model: ClusterModel, *objs) -> World:
    state = model.initial.cluster
    for o in objs:
        state = state.with_(o)
    return World(state, model.initial.env)


def test_interchangeable_pods_and_nodes_share_a_representative_with_their_endpoints():
    m = _model()
    w1 = _world(m, _pod("web-1", "a", True), _pod("web-2", "", False), _slice(_pod("web-1", "a", True)))
    w2 = _world(m, _pod("web-1", "", False), _pod("web-2", "b", True), _slice(_pod("web-2", "b", True)))
    assert m.representative(w1) == m.representative(w2)


def test_an_endpoint_naming_a_different_pod_is_a_different_state():
    m = _model()
    running = _pod("web-1", "a", True)
    w1 = _world(m, running, _pod("web-2", "", False), _slice(running))
    wrong = replace(_slice(running), endpoints=(replace(_slice(running).endpoints[0],
                                                        target_ref=ObjectRef("Pod", "default", "web-2")),))
    w2 = _world(m, running, _pod("web-2", "", False), wrong)
    assert m.representative(w1) != m.representative(w2)


def test_a_dangling_reference_keeps_names_concrete():
    """A reference to a pod that is gone may come to name a new pod (names and addresses are
    reused), so such a state is represented with its concrete pod names."""
    m = _model()
    stale_ip = default_pod_ip("default", "web-2")
    w1 = _world(m, _pod("web-1", "a", True), _slice(_pod("web-1", "a", True), stale=("web-2", stale_ip)))
    w2 = _world(m, _pod("web-2", "a", True), _slice(_pod("web-2", "a", True),
                                                    stale=("web-1", default_pod_ip("default", "web-1"))))
    _, dangling = pod_signatures(w1.cluster, {})
    assert dangling
    assert m.representative(w1) != m.representative(w2)  # not merged: the futures may differ


def test_rename_maps_targets_addresses_and_nodes_and_sorts():
    a, b = _pod("web-1", "a", True), _pod("web-2", "b", True)
    s = _slice(b, a)
    pods = {a.ref: "w~0", b.ref: "w~1"}
    ips = {a.status.pod_ip: "ip-of:w~0", b.status.pod_ip: "ip-of:w~1"}
    out = rename(s, pods, ips, {"a": "b", "b": "a"})
    assert [(e.addresses, e.target_ref.name, e.node_name) for e in out.endpoints] == [
        (("ip-of:w~0",), "w~0", "b"), (("ip-of:w~1",), "w~1", "a")]
    tg = AWSTargetGroup(ObjectMeta("tg"), "instance", 30080, targets=(Target("i-a", 30080), Target("i-b", 30080)))
    assert [t.id for t in rename(tg, {}, {}, {"a": "b", "b": "a"}).targets] == ["i-a", "i-b"]


def test_symmetry_keeps_verdicts_on_a_spec_with_services():
    """The reduced and the full exploration agree (the specs' tests check every spec so)."""
    import kmodel

    spec = kmodel.load_spec(["specs/endpoints-terminating-lag"])
    full = spec.model.checker().symmetry(False).progress(False).bfs()
    reduced = spec.model.checker().symmetry(True).progress(False).bfs()
    assert {k: v.verdict for k, v in full.properties.items()} == {k: v.verdict for k, v in reduced.properties.items()}
    assert reduced.stats.states < full.stats.states


def test_state_without_referring_objects_is_unaffected():
    assert pod_signatures(ClusterState.empty(), {}) == ({}, False)
