"""Builders for the scheduler tests, in the spirit of upstream's ``st.MakePod()``/``st.MakeNode()``
(``pkg/scheduler/testing/wrappers.go``)."""

from __future__ import annotations

from typing import Any

from kmodel.objects.affinity import (
    Affinity,
    NodeAffinity,
    NodeSelector,
    NodeSelectorRequirement,
    NodeSelectorTerm,
    PodAffinity,
    PodAffinityTerm,
    PodAntiAffinity,
    PreferredSchedulingTerm,
    TopologySpreadConstraint,
    WeightedPodAffinityTerm,
)
from kmodel.objects.meta import LabelSelector, LabelSelectorRequirement, Namespace, ObjectMeta, replace
from kmodel.objects.nodes import Node, NodeSpec, NodeStatus, Taint, Toleration
from kmodel.objects.workloads import Container, ContainerPort, Pod, PodSpec, PodStatus
from kmodel.scheduler.framework import Code, CycleState, node_infos
from kmodel.state import ClusterState

U = Code.UNSCHEDULABLE
UU = Code.UNSCHEDULABLE_AND_UNRESOLVABLE
OK = Code.SUCCESS
SKIP = Code.SKIP

_seq = iter(range(1_000_000))


def node(name: str, labels: dict[str, str] | None = None, *, cpu: int = 0, memory: int = 0, pods: int = 110,
         taints: tuple[Taint, ...] = ()) -> Node:
    alloc = tuple(sorted([("cpu", cpu), ("memory", memory), ("pods", pods)]))
    return Node(ObjectMeta(name, labels=tuple(sorted((labels or {}).items()))), NodeSpec(taints=taints),
                NodeStatus(capacity=alloc, allocatable=alloc))


def pod(name: str | None = None, labels: dict[str, str] | None = None, *, namespace: str = "default",
        node: str = "", cpu: int = 0, memory: int = 0, ports: tuple[ContainerPort, ...] = (),
        init: tuple[Container, ...] = (), affinity: Affinity | None = None,
        spread: tuple[TopologySpreadConstraint, ...] = (), selector: dict[str, str] | None = None,
        tolerations: tuple[Toleration, ...] = (), priority: int = 0, terminating: bool = False,
        phase: str = "Running") -> Pod:
    requests = tuple((k, v) for k, v in (("cpu", cpu), ("memory", memory)) if v)
    spec = PodSpec((Container("c", requests=requests, ports=ports),), init_containers=init, node_name=node,
                   node_selector=tuple(sorted((selector or {}).items())), tolerations=tolerations,
                   priority=priority, affinity=affinity, topology_spread_constraints=spread)
    meta = ObjectMeta(name or f"p{next(_seq)}", namespace, labels=tuple(sorted((labels or {}).items())),
                      deleting=terminating)
    return Pod(meta, spec, PodStatus(phase=phase if node else "Pending"))


def exists(*keys: str) -> LabelSelector:
    return LabelSelector(match_expressions=tuple(LabelSelectorRequirement(k, "Exists") for k in keys))


def sel_in(key: str, *values: str) -> LabelSelector:
    return LabelSelector(match_expressions=(LabelSelectorRequirement(key, "In", tuple(sorted(values))),))


def sel_not_in(key: str, *values: str) -> LabelSelector:
    return LabelSelector(match_expressions=(LabelSelectorRequirement(key, "NotIn", tuple(sorted(values))),))


def spread(max_skew: int, key: str, when: str = "DoNotSchedule", selector: LabelSelector | None = None,
           **kw: Any) -> TopologySpreadConstraint:
    return TopologySpreadConstraint(max_skew, key, when, selector, **kw)


def req(key: str, op: str, *values: str) -> NodeSelectorRequirement:
    return NodeSelectorRequirement(key, op, tuple(values))


def node_affinity(*terms: NodeSelectorTerm, preferred: tuple[PreferredSchedulingTerm, ...] = (),
                  required: bool = True) -> Affinity:
    return Affinity(node_affinity=NodeAffinity(NodeSelector(tuple(terms)) if required else None, preferred))


def term(*exprs: NodeSelectorRequirement, fields: tuple[NodeSelectorRequirement, ...] = ()) -> NodeSelectorTerm:
    return NodeSelectorTerm(tuple(exprs), fields)


def pod_affinity(required: tuple[PodAffinityTerm, ...] = (), anti: tuple[PodAffinityTerm, ...] = (),
                 preferred: tuple[WeightedPodAffinityTerm, ...] = (),
                 preferred_anti: tuple[WeightedPodAffinityTerm, ...] = ()) -> Affinity:
    return Affinity(pod_affinity=PodAffinity(required, preferred) if required or preferred else None,
                    pod_anti_affinity=PodAntiAffinity(anti, preferred_anti) if anti or preferred_anti else None)


def aff_term(selector: LabelSelector | None, key: str, **kw: Any) -> PodAffinityTerm:
    return PodAffinityTerm(key, selector, **kw)


def snapshot(nodes: list[Node], pods: list[Pod] = (), namespaces: dict[str, dict[str, str]] | None = None):  # type: ignore[assignment]
    objs: list[Any] = list(nodes) + list(pods)
    for ns, labels in (namespaces or {}).items():
        objs.append(Namespace(ObjectMeta(ns, labels=tuple(sorted(labels.items())))))
    return node_infos(ClusterState.of(objs))


def run_filter(plugin: Any, p: Pod, nodes: list[Node], pods: list[Pod] = (), **kw: Any) -> tuple[Code, dict[str, Code]]:  # type: ignore[assignment]
    """PreFilter on the snapshot, then Filter on every node: (prefilter code, node -> code)."""
    snap = snapshot(nodes, pods, **kw)
    cycle = CycleState()
    status, _ = plugin.pre_filter(p, snap, cycle)
    if status.skip:
        return SKIP, {}
    if not status.success:
        return status.code, {}
    return OK, {n: plugin.filter(p, info, cycle).code for n, info in snap.items()}


def with_node(p: Pod, node_name: str) -> Pod:
    return replace(p, spec=replace(p.spec, node_name=node_name))
