"""The smallest cluster shape where a workload no longer schedules, found by Z3.

A *shape* is a number of nodes per zone (all nodes alike: one node template) and a replica count.
:func:`smallest_failing_shape` asks: what is the smallest shape (fewest nodes in all, then fewest
replicas) within the given ranges on which no placement of the workload's pods (its replicas plus
``surge`` extra pods of the same template, as a rolling update adds) passes the scheduler's
filters? This is a question with a quantifier alternation, *exists a shape such that for every
placement some rule fails*, and is solved by counterexample-guided refinement (the usual way to
decide such exists-forall queries with an SMT solver):

1. an outer Z3 solver proposes a shape (``k_z`` nodes in each zone, ``r`` replicas) of the size
   being tried;
2. an inner Z3 solver looks for a placement of the pods on that shape (one count per node);
3. if it finds one, the placement itself becomes a lemma for the outer solver: *this placement is
   not valid on the shape*, a quantifier-free formula over ``k`` and ``r`` that excludes every
   shape the same placement fits, not just the one tried; if it finds none, the shape fails.

The placement rules are the final-state conditions of :mod:`kmodel.smt.packing` for one
template: resources per node (a count cap), host ports and required anti-affinity on the hostname
(one per node) or on the zone (one per zone), required self-affinity (one domain), and topology
spread on the zone and on the hostname with ``maxSkew`` and ``minDomains``. They are necessary
conditions, so every shape reported fails for real; the shape found is then rebuilt as objects
and decided by :func:`kmodel.smt.scheduling.feasibility` (explicit filters, binding orders), whose
explanation is returned. A shape where a placement satisfying every rule at the end exists but no
binding order reaches it (see ``specs/spread-zone-hostname-scale-up``) is not found by the search
itself: minimality is with respect to the final-state rules.

Supported pod features: cpu/memory/pods requests, node selector and tolerations (checked once
against the node template), host ports, required (anti-)affinity to the workload's own pods on
``kubernetes.io/hostname`` or ``topology.kubernetes.io/zone``, DoNotSchedule topology spread on
those keys. Anything else is :class:`~kmodel.errors.EncodingUnsupported`, naming the feature.

Examples
--------
>>> from kmodel.objects.affinity import TopologySpreadConstraint
>>> from kmodel.objects.meta import LabelSelector, ObjectMeta
>>> from kmodel.objects.nodes import Node, NodeStatus
>>> from kmodel.objects.workloads import Container, PodSpec
>>> sel = LabelSelector((("app", "web"),))
>>> spread = (TopologySpreadConstraint(1, "topology.kubernetes.io/zone", "DoNotSchedule", sel),
...           TopologySpreadConstraint(1, "kubernetes.io/hostname", "DoNotSchedule", sel))
>>> spec = PodSpec((Container("web", requests=(("cpu", 500),)),), topology_spread_constraints=spread)
>>> node = Node(ObjectMeta("tpl"), status=NodeStatus(allocatable=(("cpu", 4000), ("pods", 110))))
>>> r = smallest_failing_shape(spec, (("app", "web"),), node, zones=2, nodes_per_zone=(1, 3), replicas=(1, 8))
>>> r.status, r.nodes_per_zone, r.replicas
('fails', (2, 1), 6)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kmodel.errors import EncodingUnsupported, InvalidArgument
from kmodel.objects.meta import LabelSelector, Labels, ObjectMeta, replace
from kmodel.objects.nodes import HOSTNAME_LABEL, ZONE_LABEL, Node, resource_get
from kmodel.objects.workloads import PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetSpec, pod_requests

__all__ = ["ShapeResult", "smallest_failing_shape"]

_KEYS = (HOSTNAME_LABEL, ZONE_LABEL)


@dataclass
class ShapeResult:
    """``status``: ``fails`` (a shape where the pods cannot all be placed), ``always-fits`` (none
    in the ranges) or ``unknown``. ``nodes_per_zone`` and ``replicas`` give the shape;
    ``explanation`` what the full engine says about it; ``iterations`` the refinement rounds."""

    status: str
    nodes_per_zone: tuple[int, ...] = ()
    replicas: int = 0
    zones: tuple[str, ...] = ()
    explanation: list[str] = field(default_factory=list)
    iterations: int = 0
    seconds: float = 0.0
    objects: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class _Rules:
    cap: int  # pods per node
    zone_cap: int | None  # pods per zone (zone anti-affinity)
    one_zone: bool  # self-affinity on zone
    one_node: bool  # self-affinity on hostname
    zone_spread: tuple[int, int] | None  # (maxSkew, minDomains)
    host_spread: tuple[int, int] | None


def _rules(spec: PodSpec, labels: Labels, node: Node) -> _Rules:
    from kmodel.scheduler.framework import node_infos
    from kmodel.objects.workloads import Pod
    from kmodel.state import ClusterState
    from kmodel.scheduler.profile import DEFAULT_PROFILE

    probe = Pod(ObjectMeta("probe", "default", labels=labels), replace(spec, node_name=""))
    info = node_infos(ClusterState.of([node]))[node.name]
    for plugin in DEFAULT_PROFILE.filters:
        if plugin.name in ("NodeUnschedulable", "TaintToleration", "NodeAffinity", "NodeName"):
            if not plugin.filter(probe, info).success:
                return _Rules(0, None, False, False, None, None)
    req = {k: v for k, v in pod_requests(spec) if v > 0}
    cap = resource_get(node.status.allocatable, "pods")
    for r, amount in req.items():
        if r != "pods":
            cap = min(cap, resource_get(node.status.allocatable, r) // amount)
    if any(p.host_port for c in spec.containers for p in c.ports):
        cap = min(cap, 1)
    zone_cap = None
    one_zone = one_node = False
    a = spec.affinity
    if a is not None and a.node_affinity is not None and a.node_affinity.required is not None:
        raise EncodingUnsupported("smallest_failing_shape: required node affinity terms are not supported "
                                  "(use a node selector that the node template satisfies)")
    for term in (a.pod_anti_affinity.required if a is not None and a.pod_anti_affinity else ()):
        if term.label_selector is None or not term.label_selector.matches(labels) or term.topology_key not in _KEYS:
            raise EncodingUnsupported(f"smallest_failing_shape: anti-affinity term on {term.topology_key!r} against "
                                      "other pods is not supported (only against the workload's own pods, on hostname "
                                      "or zone)")
        if term.topology_key == HOSTNAME_LABEL:
            cap = min(cap, 1)
        else:
            zone_cap = 1
    for term in (a.pod_affinity.required if a is not None and a.pod_affinity else ()):
        if term.label_selector is None or not term.label_selector.matches(labels) or term.topology_key not in _KEYS:
            raise EncodingUnsupported(f"smallest_failing_shape: affinity term on {term.topology_key!r} is not "
                                      "supported (only to the workload's own pods, on hostname or zone)")
        if term.topology_key == HOSTNAME_LABEL:
            one_node = True
        else:
            one_zone = True
    zone_spread = host_spread = None
    for c in spec.topology_spread_constraints:
        if c.when_unsatisfiable != "DoNotSchedule":
            continue
        if c.topology_key not in _KEYS or c.label_selector is None or not c.label_selector.matches(labels):
            raise EncodingUnsupported(f"smallest_failing_shape: topology spread on {c.topology_key!r} with a "
                                      "selector that does not count the workload's own pods is not supported")
        rule = (c.max_skew, c.min_domains or 1)
        if c.topology_key == ZONE_LABEL:
            zone_spread = rule
        else:
            host_spread = rule
    return _Rules(cap, zone_cap, one_zone, one_node, zone_spread, host_spread)


def _placement_constraints(z3: Any, rules: _Rules, k: Sequence[Any], total: Any, x: list[list[Any]],
                           max_k: int) -> list[Any]:
    """valid(k, total, x): the final-state rules over symbolic or constant k/total/x."""
    out = []
    zones = len(k)
    cells = [(z, j) for z in range(zones) for j in range(max_k)]

    def exists(z: int, j: int) -> Any:
        return j < k[z]

    out.append(z3.Sum([x[z][j] for z, j in cells]) == total)
    for z, j in cells:
        out.append(z3.Implies(z3.Not(exists(z, j)), x[z][j] == 0))
        out.append(x[z][j] >= 0)
        out.append(x[z][j] <= rules.cap)
    y = [z3.Sum([x[z][j] for j in range(max_k)]) for z in range(zones)]
    if rules.zone_cap is not None:
        out += [y[z] <= rules.zone_cap for z in range(zones)]
    if rules.one_zone:
        for z1 in range(zones):
            for z2 in range(z1 + 1, zones):
                out.append(z3.Or(y[z1] == 0, y[z2] == 0))
    if rules.one_node:
        for a_ in range(len(cells)):
            for b_ in range(a_ + 1, len(cells)):
                (z1, j1), (z2, j2) = cells[a_], cells[b_]
                out.append(z3.Or(x[z1][j1] == 0, x[z2][j2] == 0))
    if rules.zone_spread is not None:
        skew, min_domains = rules.zone_spread
        # every zone has at least one node, so every zone is a domain
        for z in range(zones):
            if zones < min_domains:
                out.append(z3.Implies(y[z] > 0, y[z] <= skew))
            else:
                for z2 in range(zones):
                    out.append(z3.Implies(y[z] > 0, y[z] - y[z2] <= skew))
    if rules.host_spread is not None:
        skew, min_domains = rules.host_spread
        few = z3.Sum(list(k)) < min_domains
        for z, j in cells:
            fires = z3.And(exists(z, j), x[z][j] > 0)
            out.append(z3.Implies(z3.And(fires, few), x[z][j] <= skew))
            for z2, j2 in cells:
                out.append(z3.Implies(z3.And(fires, z3.Not(few), exists(z2, j2)), x[z][j] - x[z2][j2] <= skew))
    return out


def smallest_failing_shape(spec: PodSpec, labels: Labels, node: Node, *, zones: int | Sequence[str] = 3,
                           nodes_per_zone: tuple[int, int] = (1, 4), replicas: tuple[int, int] = (1, 12),
                           surge: int = 0, timeout: float = 60.0, verify: bool = True) -> ShapeResult:
    """The smallest shape on which the workload's pods cannot all be placed (module docstring).

    Parameters
    ----------
    spec, labels : PodSpec, labels
        The pod template of the workload.
    node : Node
        The node template: its allocatable resources, labels and taints (zone and hostname
        labels are set per node).
    zones : int or sequence of str
        The zones (names, or how many: ``zone-a``, ``zone-b``, ...).
    nodes_per_zone, replicas : (min, max)
        The ranges searched; every zone has at least ``nodes_per_zone[0] >= 1`` nodes.
    surge : int
        Extra pods of the same template present at once (a rolling update's ``maxSurge``).
    """
    import z3

    start = time.perf_counter()
    names = tuple(zones) if not isinstance(zones, int) else tuple(f"zone-{chr(ord('a') + i)}" for i in range(zones))
    lo_k, hi_k = nodes_per_zone
    lo_r, hi_r = replicas
    if lo_k < 1 or hi_k < lo_k or lo_r < 0 or hi_r < lo_r or not names:
        raise InvalidArgument(f"bad ranges: nodes_per_zone={nodes_per_zone}, replicas={replicas}, zones={zones}")
    rules = _rules(spec, labels, node)
    zc = len(names)
    result = ShapeResult("always-fits", zones=names)
    if rules.cap == 0:
        result.status, result.nodes_per_zone, result.replicas = "fails", (lo_k,) * zc, max(lo_r, 1)
        result.explanation = ["the pod fits no node of the template at all (taints, selector or resources)"]
        result.seconds = time.perf_counter() - start
        return result
    lemmas: list[Any] = []
    k = [z3.Int(f"k{z}") for z in range(zc)]
    r = z3.Int("r")
    bounds = [v for z in range(zc) for v in (k[z] >= lo_k, k[z] <= hi_k)] + [r >= lo_r, r <= hi_r]
    bounds += [k[z] >= k[z + 1] for z in range(zc - 1)]  # zones are interchangeable: largest first
    found: tuple[tuple[int, ...], int] | None = None
    deadline = start + timeout
    for size in range(lo_k * zc, hi_k * zc + 1):
        if found is not None:
            break
        best_r = hi_r + 1
        while True:
            if time.perf_counter() > deadline:
                result.status = "unknown"
                result.seconds = time.perf_counter() - start
                return result
            outer = z3.Solver()
            outer.add(bounds + lemmas + [z3.Sum(k) == size, r < best_r])
            if outer.check() != z3.sat:
                break
            m = outer.model()
            shape = tuple(m.eval(v).as_long() for v in k)
            reps = m.eval(r).as_long()
            result.iterations += 1
            inner = z3.Solver()
            x = [[z3.Int(f"x{z}_{j}") for j in range(hi_k)] for z in range(zc)]
            inner.add(_placement_constraints(z3, rules, shape, reps + surge, x, hi_k))
            if inner.check() == z3.sat:
                im = inner.model()
                xs = [[im.eval(x[z][j], model_completion=True).as_long() for j in range(hi_k)] for z in range(zc)]
                consts = [[z3.IntVal(v) for v in row] for row in xs]
                lemmas.append(z3.Not(z3.And(_placement_constraints(z3, rules, k, r + surge, consts, hi_k))))
            else:
                found = (shape, reps)
                best_r = reps  # now look for fewer replicas on shapes of this size
    result.seconds = time.perf_counter() - start
    if found is None:
        return result
    shape, reps = found
    result.status, result.nodes_per_zone, result.replicas = "fails", shape, reps
    if verify:
        from kmodel.smt.placement import problem_from_objects
        from kmodel.smt.scheduling import feasibility

        objs = _objects(spec, labels, node, names, shape, reps, surge)
        result.objects = objs
        check = feasibility(problem_from_objects(objs), timeout=max(timeout - result.seconds, 5.0))
        if check.status != "infeasible":
            raise AssertionError(f"shape {shape} x {reps} should fail, the engine says {check.status}")
        result.explanation = check.explanation
    result.seconds = time.perf_counter() - start
    return result


def _objects(spec: PodSpec, labels: Labels, node: Node, zones: Sequence[str], shape: Sequence[int], replicas: int,
             surge: int) -> list[Any]:
    objs: list[Any] = []
    for zone, count in zip(zones, shape):
        for j in range(count):
            name = f"{zone}-{j + 1}"
            lab = dict(node.metadata.labels)
            lab[HOSTNAME_LABEL] = name
            lab[ZONE_LABEL] = zone
            objs.append(replace(node, metadata=replace(node.metadata, name=name, labels=tuple(sorted(lab.items())))))
    tpl = PodTemplateSpec(labels, replace(spec, node_name=""))
    objs.append(ReplicaSet(ObjectMeta("workload", "default"), ReplicaSetSpec(LabelSelector(labels), tpl, replicas=replicas)))
    if surge:
        # surge pods carry the same labels (a rolling update's new ReplicaSet during the rollout)
        surge_labels = tuple(sorted(dict(labels, **{"pod-template-hash": "surge"}).items()))
        surge_tpl = PodTemplateSpec(surge_labels, replace(spec, node_name=""))
        objs.append(ReplicaSet(ObjectMeta("workload-surge", "default"),
                               ReplicaSetSpec(LabelSelector(surge_labels), surge_tpl, replicas=surge)))
    return objs
