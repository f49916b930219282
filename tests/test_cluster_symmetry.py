"""``ClusterModel.representative``'s fast paths (:mod:`kmodel.cluster`): the per-pod symmetry
information cached on pods and, by value, across pods; the grouping without renames; both
give what the general code gives, on every state of small explorations."""

from __future__ import annotations

import pytest

from kmodel import cluster as cl
from kmodel.cluster import ClusterModel, Faults, World
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, replace
from kmodel.objects.nodes import Node, NodeStatus
from kmodel.objects.workloads import Container, PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetSpec

ALLOC = (("cpu", 2000), ("memory", 4 << 30), ("pods", 110))


def _objects(nodes: int, replicas: int) -> list:
    objs = [Namespace(ObjectMeta("default"))]
    objs += [Node(ObjectMeta(f"worker-{i}"), status=NodeStatus(capacity=ALLOC, allocatable=ALLOC)) for i in range(nodes)]
    labels = (("app", "web"),)
    spec = PodSpec((Container("web", requests=(("cpu", 500),)),))
    objs.append(ReplicaSet(ObjectMeta("web", "default"),
                           ReplicaSetSpec(LabelSelector(labels), PodTemplateSpec(labels, spec), replicas)))
    return objs


def _states(model: ClusterModel, limit: int = 300) -> list[World]:
    seen, frontier, out = set(), list(model.init_states()), []
    while frontier and len(out) < limit:
        w = frontier.pop(0)
        if w in seen:
            continue
        seen.add(w)
        out.append(w)
        frontier.extend(n for _, n in model.successors(w))
    return out


def _fresh_info(pod):  # what _pod_info computes, on an uncached copy of the pod
    return cl._pod_info(replace(pod))


@pytest.mark.parametrize("nodes", [1, 2])
def test_group_pods_is_rename_pods_without_renames(nodes: int) -> None:
    model = ClusterModel(_objects(nodes, 2), faults=Faults(node_failures=1))
    for w in _states(model):
        pods = w.cluster.list("Pod")
        infos = [cl._pod_info(p) for p in pods]
        bodies = [b for _, b in infos]
        fast: tuple[dict, list] = ({}, [])
        general: tuple[dict, list] = ({}, [])
        ClusterModel._group_pods(pods, infos, bodies, *fast)
        ClusterModel._rename_pods(pods, infos, bodies, {}, {}, False, *general)
        assert fast == general


def test_pod_info_is_a_function_of_the_pod_value(monkeypatch: pytest.MonkeyPatch) -> None:
    model = ClusterModel(_objects(2, 2), faults=Faults(node_failures=1))
    states = _states(model)
    pods = [p for w in states for p in w.cluster.list("Pod")]
    assert pods
    cached = {id(p): cl._pod_info(p) for p in pods}
    monkeypatch.setattr(cl, "_POD_INFO", {})  # nothing remembered by value
    for p in pods:
        assert _fresh_info(p) == cached[id(p)]
    groups = {cached[id(p)][0] for p in pods}
    assert groups == {("default", "web-", "ReplicaSet/default/web")}


def test_pod_info_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cl, "_POD_INFO", {})
    monkeypatch.setattr(cl, "_POD_INFO_ENTRIES", 3)
    model = ClusterModel(_objects(2, 2))
    for w in _states(model, 60):
        for p in w.cluster.list("Pod"):
            cl._pod_info(replace(p))
            assert len(cl._POD_INFO) <= 3


def test_representative_does_not_depend_on_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Representatives of equal states built apart (no shared objects, empty caches) are equal."""
    model = ClusterModel(_objects(2, 3), faults=Faults(node_failures=1))
    for w in _states(model, 200):
        before = model.representative(w)
        monkeypatch.setattr(cl, "_POD_INFO", {})
        copy = World(type(w.cluster).of([replace(o) for o in w.cluster.objects()]), w.env)
        assert copy == w and model.representative(copy) == before
