"""Placement problems: which pods must go where, and what the scheduler's filters say about it.

A :class:`Problem` is a cluster (nodes, the pods already bound to them, namespaces, workload
objects) and the pods still to place, grouped by template: the replicas of a Deployment,
ReplicaSet or StatefulSet that are missing or pending, and bare pending Pods. Pods of a group are
interchangeable, so the encodings count them per node instead of naming each.

:func:`analyse` runs the explicit Filter plugins of the scheduler profile
(:mod:`kmodel.scheduler.plugins`) on every group and node of the initial snapshot and sorts what
they say into

* *permanent* failures, which no placement of other pods can lift: NodeUnschedulable, NodeName,
  TaintToleration, NodeAffinity, NodePorts against bound pods, NodeResourcesFit against bound
  pods, VolumeBinding (pending pods competing for one static volume is not encoded: an
  abstraction), PodTopologySpread's missing topology label, InterPodAffinity's missing topology
  key and its anti-affinity against bound pods; such a (group, node) pair is excluded;
* *order-dependent* rules, which depend on the other pending pods and are encoded: resources and
  the pods count, host ports between pending pods, required anti-affinity between pending
  groups, required affinity (with the first-pod exception), and topology spread skew with
  ``minDomains`` and the inclusion policies.

It also finds interchangeable nodes (alike in everything but their name and hostname label,
with alike bound pods and alike options for every group) and splits the groups into independent
components (no shared node, no rule between them).

No solver is imported here.

Upstream: the filters are :mod:`kmodel.scheduler.plugins` (each cites its upstream file); the
pod-from-template rules follow ``pkg/controller/controller_utils.go`` (``GetPodFromTemplate``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kmodel.api import Create, UpdateStatus, apply
from kmodel.errors import InvalidModel
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef, OwnerReference, replace, uid_for
from kmodel.objects.nodes import HOSTNAME_LABEL, Node, format_resource, resource_get
from kmodel.objects.workloads import Pod, PodSpec, PodStatus, ReplicaSet, ReplicaSetSpec, is_pod_active, pod_requests
from kmodel.scheduler.framework import (
    PRE_FILTER_RESTRICTED,
    Code,
    CycleState,
    NodeInfo,
    Snapshot,
    Status,
    node_infos,
    run_pre_filter_plugins,
)
from kmodel.scheduler.plugins.inter_pod_affinity import AffinityTerm, pod_matches_all_affinity_terms, pod_terms
from kmodel.scheduler.plugins.node_ports import check_conflict, get_container_ports
from kmodel.scheduler.plugins.pod_topology_spread import (
    DO_NOT_SCHEDULE,
    count_pods_match_selector,
    filter_topology_spread_constraints,
    node_labels_match_spread_constraints,
)
from kmodel.objects.affinity import get_required_node_affinity
from kmodel.scheduler.profile import DEFAULT_PROFILE, Profile
from kmodel.state import ClusterState

__all__ = ["PodGroup", "Problem", "Analysis", "SpreadRule", "AffinityRule", "problem_from_objects",
           "problem_from_state", "analyse", "WORKLOAD_KINDS"]

WORKLOAD_KINDS = ("Deployment", "ReplicaSet", "StatefulSet")
_NAMESPACED = ("Pod", "ReplicaSet", "Deployment", "StatefulSet", "Service", "PodDisruptionBudget")


@dataclass(frozen=True)
class PodGroup:
    """Pending pods with one template: ``pods`` (named, in order), the ``workload`` that owns them
    (``None`` for a bare pod)."""

    index: int
    pods: tuple[Pod, ...]
    workload: ObjectRef | None = None

    @property
    def count(self) -> int:
        return len(self.pods)

    @property
    def pod(self) -> Pod:
        """A representative pod."""
        return self.pods[0]

    @property
    def label(self) -> str:
        """How reports name the group: the workload, or the pod."""
        if self.workload is not None:
            return f"{self.workload.kind}/{self.workload.name}"
        return f"Pod/{self.pod.metadata.name}"

    def requests_text(self) -> str:
        req = [(k, v) for k, v in pod_requests(self.pod.spec) if k != "pods" and v > 0]
        return ", ".join(f"{format_resource(k, v)} {k}" for k, v in req) or "no resources"


@dataclass(frozen=True)
class Problem:
    """A cluster state (nodes, bound pods, namespaces, workloads) and the groups of pods to place."""

    state: ClusterState
    groups: tuple[PodGroup, ...]
    profile: Profile = DEFAULT_PROFILE
    notes: tuple[str, ...] = ()

    @property
    def pending(self) -> int:
        return sum(g.count for g in self.groups)

    def without_nodes(self, names: Iterable[str]) -> Problem:
        """The problem after losing ``names``: the nodes and their pods are gone; pods of
        workloads that were bound there become pending again (their controllers replace them),
        bare pods bound there are lost."""
        return _without_nodes(self, set(names))


def _template_hash(template: Any) -> str:
    return hashlib.sha1(repr(template).encode()).hexdigest()[:10]


def _normalised(obj: Any) -> Any:
    if obj.kind in _NAMESPACED and not obj.metadata.namespace:
        return replace(obj, metadata=replace(obj.metadata, namespace="default"))
    return obj


#: Kinds a rejection of which makes the problem meaningless; others are left out with a note.
_ESSENTIAL = frozenset({"Namespace", "Node", "Pod", "ReplicaSet", "Deployment", "StatefulSet"})


def _admitted(objects: Sequence[Any], notes: list[str] | None = None) -> ClusterState:
    """Objects through the API server (defaults, e.g. requests from limits), status kept. A
    rejected object of a kind placement does not depend on is left out, with a note."""
    order = {"Namespace": 0, "Node": 1}
    objs = [_normalised(o) for o in objects]
    namespaces = {o.metadata.namespace for o in objs if o.kind in _NAMESPACED}
    have = {o.metadata.name for o in objs if o.kind == "Namespace"}
    objs += [Namespace(ObjectMeta(ns)) for ns in sorted(namespaces - have)]
    state = ClusterState.empty()
    for obj in sorted(objs, key=lambda o: order.get(o.kind, 2)):
        status = getattr(obj, "status", None)
        state, resp = apply(state, Create(obj))
        if not resp.ok and obj.kind not in _ESSENTIAL and notes is not None:
            notes.append(f"{obj.kind} {obj.metadata.name!r} left out: the API server rejects it ({resp.code} "
                         f"{resp.reason}: {resp.message})")
            continue
        if not resp.ok:
            err = InvalidModel(f"the API server rejected {obj.kind} {obj.metadata.name!r}: "
                               f"{resp.code} {resp.reason}: {resp.message}")
            err.ref = obj.ref  # type: ignore[attr-defined]
            raise err
        if status is not None and resp.ref is not None:
            created = state.get(resp.ref)
            if created.status != status:
                state, _ = apply(state, UpdateStatus(replace(created, status=status)))
    return state


def _owner_workload(state: ClusterState, pod: Pod) -> ObjectRef | None:
    ref = pod.metadata.controller_ref()
    if ref is None:
        return None
    target = state.get(ObjectRef(ref.kind, pod.metadata.namespace, ref.name))
    if target is None:
        return None
    if ref.kind == "ReplicaSet":
        up = target.metadata.controller_ref()
        if up is not None and up.kind == "Deployment":
            dep = state.get(ObjectRef("Deployment", pod.metadata.namespace, up.name))
            if dep is not None:
                return dep.ref
    return target.ref


def problem_from_objects(objects: Sequence[Any], *, profile: Profile = DEFAULT_PROFILE) -> Problem:
    """A problem from manifests (as :func:`kmodel.manifests.load` returns them): the nodes, the
    pods bound to them, and every workload's missing replicas and every unbound pod to place.

    Examples
    --------
    >>> from kmodel.objects.meta import LabelSelector, ObjectMeta
    >>> from kmodel.objects.nodes import Node, NodeStatus
    >>> from kmodel.objects.workloads import Container, PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetSpec
    >>> node = Node(ObjectMeta("a"), status=NodeStatus(allocatable=(("cpu", 2000), ("pods", 110))))
    >>> tpl = PodTemplateSpec((("app", "web"),), PodSpec((Container("web", requests=(("cpu", 500),)),)))
    >>> rs = ReplicaSet(ObjectMeta("web"), ReplicaSetSpec(LabelSelector((("app", "web"),)), tpl, replicas=3))
    >>> p = problem_from_objects([node, rs])
    >>> [g.label for g in p.groups], [pod.metadata.name for pod in p.groups[0].pods]
    (['ReplicaSet/web'], ['web-1', 'web-2', 'web-3'])
    """
    notes: list[str] = []
    problem = problem_from_state(_admitted(objects, notes), profile=profile)
    return replace_problem(problem, notes=tuple(notes)) if notes else problem


def replace_problem(problem: Problem, **changes: Any) -> Problem:
    from dataclasses import replace as _replace

    return _replace(problem, **changes)


def problem_from_state(state: ClusterState, *, profile: Profile = DEFAULT_PROFILE) -> Problem:
    """A problem from a cluster state: every workload's missing replicas and unbound pods."""
    pods = state.list("Pod")
    owned: dict[ObjectRef, list[Pod]] = {}
    bare: list[Pod] = []
    for pod in pods:
        if not is_pod_active(pod):
            continue
        w = _owner_workload(state, pod)
        if w is not None:
            owned.setdefault(w, []).append(pod)
        elif not pod.spec.node_name and pod.status.phase == "Pending":
            bare.append(pod)
    new_objects: list[Any] = []
    pending: list[tuple[ObjectRef | None, Pod]] = []
    for kind in WORKLOAD_KINDS:
        for w in state.list(kind):
            if w.metadata.deleting:
                continue
            if kind == "ReplicaSet":
                up = w.metadata.controller_ref()
                if up is not None and up.kind == "Deployment" and \
                        state.get(ObjectRef("Deployment", w.metadata.namespace, up.name)) is not None:
                    continue
            mine = owned.get(w.ref, [])
            desired = 1 if w.spec.replicas is None else w.spec.replicas
            for pod in mine:
                if not pod.spec.node_name and pod.spec.scheduler_name == "default-scheduler":
                    pending.append((w.ref, pod))
            missing = desired - len(mine)
            if missing <= 0:
                continue
            owner = w
            if kind == "Deployment":
                rs_name = f"{w.metadata.name}-{_template_hash(w.spec.template)}"
                owner = ReplicaSet(
                    ObjectMeta(rs_name, w.metadata.namespace, uid_for("ReplicaSet", w.metadata.namespace, rs_name),
                               labels=w.spec.template.labels,
                               owner_references=(OwnerReference("apps/v1", "Deployment", w.metadata.name,
                                                                w.metadata.uid, controller=True),)),
                    ReplicaSetSpec(w.spec.selector, w.spec.template, replicas=desired))
                if state.get(owner.ref) is None:
                    new_objects.append(owner)
            taken = {p.metadata.name for p in pods}
            k = 0
            for _ in range(missing):
                k += 1
                while f"{w.metadata.name}-{k}" in taken:
                    k += 1
                name = f"{w.metadata.name}-{k}"
                taken.add(name)
                ref = OwnerReference(owner.api_version, owner.kind, owner.metadata.name, owner.metadata.uid,
                                     controller=True, block_owner_deletion=True)
                spec = w.spec.template.spec
                meta = ObjectMeta(name, w.metadata.namespace, uid_for("Pod", w.metadata.namespace, name),
                                  labels=w.spec.template.labels, annotations=w.spec.template.annotations,
                                  owner_references=(ref,))
                pending.append((w.ref, Pod(meta, replace(spec, node_name=""), PodStatus())))
    for pod in bare:
        if pod.spec.scheduler_name == "default-scheduler":
            pending.append((None, pod))
    for obj in new_objects:
        state = state.with_(obj)
    return Problem(state, _groups(pending), profile)


def _pod_key(pod: Pod) -> tuple[Any, ...]:
    return (pod.metadata.namespace, pod.metadata.labels, repr(replace(pod.spec, node_name="")),
            pod.status.nominated_node_name)


def _groups(pending: Sequence[tuple[ObjectRef | None, Pod]]) -> tuple[PodGroup, ...]:
    by_key: dict[tuple[Any, ...], list[tuple[ObjectRef | None, Pod]]] = {}
    order: list[tuple[Any, ...]] = []
    for w, pod in pending:
        key = (w, _pod_key(pod)) if w is not None else ("pod", pod.ref)
        if key not in by_key:
            by_key[key] = []
            order.append(key)
        by_key[key].append((w, pod))
    groups = []
    for i, key in enumerate(order):
        members = by_key[key]
        groups.append(PodGroup(i, tuple(p for _, p in members), members[0][0]))
    return tuple(groups)


def _without_nodes(problem: Problem, lost: set[str]) -> Problem:
    state = problem.state
    for name in sorted(lost):
        state = state.without(ObjectRef("Node", "", name))
    regroup: list[tuple[ObjectRef | None, Pod]] = []
    for pod in state.list("Pod"):
        if pod.spec.node_name in lost:
            state = state.without(pod.ref)
            w = _owner_workload(state, pod)
            if w is not None and is_pod_active(pod):
                fresh = replace(pod, spec=replace(pod.spec, node_name=""), status=PodStatus())
                regroup.append((w, fresh))
    pending = [(g.workload, p) for g in problem.groups for p in g.pods] + regroup
    return Problem(state, _groups(pending), problem.profile, problem.notes)


# --- analysis -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SpreadRule:
    """One DoNotSchedule topology spread constraint of a group, resolved on the snapshot."""

    group: int
    key: str
    max_skew: int
    min_domains: int
    selector: LabelSelector | None
    domain_of: dict[str, str] = field(hash=False)  # eligible node -> domain value
    domains: tuple[str, ...] = ()
    existing: dict[str, int] = field(default_factory=dict, hash=False)  # domain -> bound matching pods
    matching: tuple[int, ...] = ()  # groups whose pods the selector counts
    self_match: bool = False

    def describe(self) -> str:
        md = f", minDomains {self.min_domains}" if self.min_domains > 1 else ""
        return f"topology spread on {self.key} (maxSkew {self.max_skew}{md}, {self.selector})"


@dataclass(frozen=True)
class AffinityRule:
    """The required pod affinity of a group: its terms, the groups whose pods match all of them,
    bound matching pods per (term, domain), and whether the first pod may seed."""

    group: int
    terms: tuple[AffinityTerm, ...]
    matching: tuple[int, ...]
    existing: dict[tuple[int, str], int] = field(hash=False)
    seed_allowed: bool = False


@dataclass
class Analysis:
    """What the explicit filters say about a :class:`Problem` (see the module docstring)."""

    problem: Problem
    snapshot: Snapshot
    nodes: tuple[str, ...]
    ub: dict[tuple[int, str], int]
    permanent: dict[int, dict[str, Status]]
    requests: list[dict[str, int]]
    free: dict[str, dict[str, int]]
    pods_free: dict[str, int]
    port_conflicts: list[tuple[int, int]]
    anti_pairs: list[tuple[int, int, str]]
    spread: list[SpreadRule]
    affinity: list[AffinityRule]
    node_classes: list[list[str]]
    components: list[tuple[list[int], list[str]]]
    prefilter_failures: dict[int, Status] = field(default_factory=dict)

    def eligible(self, g: int) -> list[str]:
        return [n for n in self.nodes if self.ub.get((g, n), 0) > 0]


#: Plugins whose failure on the initial snapshot no placement of other pods can lift. VolumeBinding
#: is treated so too: pending pods competing for the same static volume is not encoded.
_PERMANENT_PLUGINS = frozenset({"NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity",
                                "NodePorts", "NodeResourcesFit", "VolumeBinding"})


def _node_labels(node: Node) -> dict[str, str]:
    return dict(node.metadata.labels)


def analyse(problem: Problem) -> Analysis:
    """Run the Filter plugins on every group and node of ``problem`` and build the analysis."""
    snapshot = node_infos(problem.state)
    nodes = tuple(snapshot)
    groups = problem.groups
    ns_labels = snapshot.namespace_labels
    filters = problem.profile.filters
    ub: dict[tuple[int, str], int] = {}
    permanent: dict[int, dict[str, Status]] = {}
    requests: list[dict[str, int]] = []
    pre_fail: dict[int, Status] = {}
    free: dict[str, dict[str, int]] = {}
    pods_free: dict[str, int] = {}
    for n in nodes:
        info = snapshot[n]
        alloc = dict(info.allocatable)
        free[n] = {r: alloc.get(r, 0) - info.requested.get(r, 0) for r in set(alloc) | set(info.requested)}
        pods_free[n] = resource_get(info.allocatable, "pods") - len(info.pods)
    for g in groups:
        pod = g.pod
        req = {k: v for k, v in pod_requests(pod.spec) if k != "pods" and v > 0}
        requests.append(req)
        cycle = CycleState()
        pre = run_pre_filter_plugins(pod, snapshot, filters, cycle)
        active = pre.active
        if pre.rejection is not None:  # recorded for the group, not returned
            pre_fail[g.index] = Status(pre.rejection.code, pre.rejection.reasons,
                                       pre.rejection.plugin or pre.rejected_by)
        fails: dict[str, Status] = {}
        permanent[g.index] = fails
        if g.index in pre_fail:
            for n in nodes:
                fails[n] = pre_fail[g.index]
            continue
        allowed = pre.allowed
        aff_keys = tuple(t.topology_key for t in pod_terms(pod).required_affinity)
        for n in nodes:
            info = snapshot[n]
            if allowed is not None and n not in allowed:
                fails[n] = PRE_FILTER_RESTRICTED
                continue
            status = _permanent_failure(pod, info, active, cycle, aff_keys)
            if status is not None:
                fails[n] = status
                continue
            ub[(g.index, n)] = _upper_bound(g, req, free[n], pods_free[n])
            if ub[(g.index, n)] <= 0:
                fails[n] = Status(Code.UNSCHEDULABLE, ("Too many pods",), "NodeResourcesFit")
                del ub[(g.index, n)]
    port_conflicts = _port_conflicts(groups)
    for a, b in port_conflicts:
        if a == b:
            for n in nodes:
                if (a, n) in ub:
                    ub[(a, n)] = min(ub[(a, n)], 1)
    anti_pairs = _anti_pairs(groups, ns_labels)
    for a, b, key in anti_pairs:
        if a == b and key == HOSTNAME_LABEL:
            for n in nodes:
                if (a, n) in ub:
                    ub[(a, n)] = min(ub[(a, n)], 1)
    spread = _spread_rules(groups, snapshot)
    affinity = _affinity_rules(groups, snapshot)
    analysis = Analysis(problem, snapshot, nodes, ub, permanent, requests, free, pods_free, port_conflicts,
                        anti_pairs, spread, affinity, [], [], pre_fail)
    analysis.node_classes = _node_classes(analysis)
    analysis.components = _components(analysis)
    return analysis


def _permanent_failure(pod: Pod, info: NodeInfo, plugins: Sequence[Any], cycle: CycleState,
                       aff_keys: tuple[str, ...]) -> Status | None:
    for plugin in plugins:
        status = plugin.filter(pod, info, cycle)
        if status.success:
            continue
        status = status if status.plugin else Status(status.code, status.reasons, plugin.name)
        name = plugin.name
        if name in _PERMANENT_PLUGINS:
            return status
        if name == "PodTopologySpread" and status.code is Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
            return status
        if name == "InterPodAffinity":
            if status.code is Code.UNSCHEDULABLE:
                return status  # anti-affinity against bound pods
            labels = _node_labels(info.node)
            if any(k not in labels for k in aff_keys):
                return status
    return None


def _upper_bound(g: PodGroup, req: dict[str, int], free: dict[str, int], pods_free: int) -> int:
    bound = min(g.count, pods_free)
    for r, amount in req.items():
        bound = min(bound, free.get(r, 0) // amount)
    return max(bound, 0)


def _port_conflicts(groups: Sequence[PodGroup]) -> list[tuple[int, int]]:
    ports = {g.index: get_container_ports(g.pod) for g in groups}
    out = []
    with_ports = [g.index for g in groups if ports[g.index]]
    for i, a in enumerate(with_ports):
        used = set(ports[a])
        for b in with_ports[i:]:
            if a == b or any(check_conflict(used, ip, proto, port) for ip, proto, port in ports[b]):
                out.append((a, b))
    return out


def _anti_pairs(groups: Sequence[PodGroup], ns_labels: dict[str, Any]) -> list[tuple[int, int, str]]:
    pairs: set[tuple[int, int, str]] = set()
    for g in groups:
        for t in pod_terms(g.pod).required_anti_affinity:
            for h in groups:
                if t.matches(h.pod, ns_labels):
                    a, b = sorted((g.index, h.index))
                    pairs.add((a, b, t.topology_key))
    return sorted(pairs)


def _spread_rules(groups: Sequence[PodGroup], snapshot: Snapshot) -> list[SpreadRule]:
    rules = []
    for g in groups:
        pod = g.pod
        constraints = filter_topology_spread_constraints(pod, DO_NOT_SCHEDULE)
        if not constraints:
            continue
        required = get_required_node_affinity(pod.spec)
        ns = pod.metadata.namespace
        for c in constraints:
            domain_of: dict[str, str] = {}
            existing: dict[str, int] = {}
            for n, info in snapshot.items():
                node = info.node
                if not node_labels_match_spread_constraints(node.metadata.labels, constraints):
                    continue
                if not c.match_node_inclusion_policies(pod, node, required):
                    continue
                d = _node_labels(node)[c.topology_key]
                domain_of[n] = d
                existing[d] = existing.get(d, 0) + count_pods_match_selector(info.pods, c.selector, ns)
            matching = tuple(h.index for h in groups
                             if h.pod.metadata.namespace == ns and c.selector is not None and not c.selector.empty
                             and c.selector.matches(h.pod.metadata.labels))
            rules.append(SpreadRule(g.index, c.topology_key, c.max_skew, c.min_domains, c.selector, domain_of,
                                    tuple(sorted(existing)), existing, matching, c.self_match(pod.metadata.labels)))
    return rules


def _affinity_rules(groups: Sequence[PodGroup], snapshot: Snapshot) -> list[AffinityRule]:
    rules = []
    ns_labels = snapshot.namespace_labels
    for g in groups:
        terms = pod_terms(g.pod).required_affinity
        if not terms:
            continue
        matching = tuple(h.index for h in groups if pod_matches_all_affinity_terms(terms, h.pod, ns_labels))
        existing: dict[tuple[int, str], int] = {}
        any_existing = False
        for info in snapshot.values():
            labels = _node_labels(info.node)
            for p in info.pods:
                if pod_matches_all_affinity_terms(terms, p, ns_labels):
                    for i, t in enumerate(terms):
                        if t.topology_key in labels:
                            key = (i, labels[t.topology_key])
                            existing[key] = existing.get(key, 0) + 1
                            any_existing = True
        seed = not any_existing and g.index in matching
        rules.append(AffinityRule(g.index, terms, matching, existing, seed))
    return rules


def _pod_shape(pod: Pod) -> str:
    return repr((pod.metadata.namespace, pod.metadata.labels, replace(pod.spec, node_name="")))


def _node_classes(a: Analysis) -> list[list[str]]:
    """Interchangeable nodes: alike but for name and hostname, with alike bound pods and the same
    options for every group."""
    by_key: dict[Any, list[str]] = {}
    groups = a.problem.groups
    for n in a.nodes:
        info = a.snapshot[n]
        node = info.node
        labels = tuple((k, v) for k, v in node.metadata.labels if k != HOSTNAME_LABEL)
        body = repr(replace(node, metadata=ObjectMeta("", labels=labels)))
        pods = tuple(sorted(_pod_shape(p) for p in info.pods))
        options = tuple(a.ub.get((g.index, n), 0) for g in groups)
        by_key.setdefault((body, pods, options), []).append(n)
    return [members for members in by_key.values()]


def _components(a: Analysis) -> list[tuple[list[int], list[str]]]:
    parent = list(range(len(a.problem.groups)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    first_on: dict[str, int] = {}
    for (g, n) in sorted(a.ub):
        if n in first_on:
            union(first_on[n], g)
        else:
            first_on[n] = g
    for x, y in a.port_conflicts:
        union(x, y)
    for x, y, _ in a.anti_pairs:
        union(x, y)
    for rule in a.spread:
        for h in rule.matching:
            union(rule.group, h)
    for rule in a.affinity:
        for h in rule.matching:
            union(rule.group, h)
    comps: dict[int, list[int]] = {}
    for g in range(len(a.problem.groups)):
        comps.setdefault(find(g), []).append(g)
    out = []
    for members in comps.values():
        nodes = sorted({n for (g, n) in a.ub if g in members})
        out.append((members, nodes))
    return out
