"""Scheduling feasibility: does a placement of every pending pod exist that passes every Filter
plugin of the scheduler, which one, and if none, why not; and the questions built on it.

* :func:`feasibility` decides a :class:`~kmodel.smt.placement.Problem`. Independent components
  are solved separately (:mod:`kmodel.smt.packing`: Z3 for small ones, CP-SAT for large ones).
  Every placement found is *replayed through the explicit Filter plugins* in a binding order
  (:func:`order_placement`: water-filling for topology spread, partners before pods with
  affinity), so a ``feasible`` answer always comes with an order in which each pod passes
  ``filter_one_node`` exactly as the scheduler would see it; a placement that no order admits is
  excluded and the component solved again. ``infeasible`` answers come with plain sentences
  built from the unsat core (the rules involved, named by object) and the number of pods that
  can be placed at most.
* :func:`greedy_vs_possible`: the default scheduler's greedy sequence
  (:mod:`kmodel.scheduler.simulate`) against the solver: pods it strands although a placement
  exists, that placement, and the order that strands them.
* :func:`failure_tolerance`: after losing any single node (one per class of interchangeable
  nodes) or any single zone (``topology.kubernetes.io/zone``), can every workload still be placed
  (pods of workloads on the lost nodes are recreated; bare pods there are lost)? The worst loss
  and what stops fitting.

Optimisation (``objective``): ``"fewest-nodes"`` (fewest empty nodes put to use) and
``"balanced"`` (the lowest maximum cpu/memory utilisation of any node).

Examples
--------
>>> from kmodel.objects.meta import LabelSelector, ObjectMeta
>>> from kmodel.objects.nodes import Node, NodeStatus
>>> from kmodel.objects.workloads import Container, PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetSpec
>>> from kmodel.smt.placement import problem_from_objects
>>> nodes = [Node(ObjectMeta(n), status=NodeStatus(allocatable=(("cpu", 2000), ("pods", 110)))) for n in "ab"]
>>> tpl = PodTemplateSpec((("app", "web"),), PodSpec((Container("web", requests=(("cpu", 1500),)),)))
>>> rs = ReplicaSet(ObjectMeta("web"), ReplicaSetSpec(LabelSelector((("app", "web"),)), tpl, replicas=3))
>>> r = feasibility(problem_from_objects([*nodes, rs]))
>>> r.status, r.placeable, r.pending
('infeasible', 2, 3)
>>> print(r.explanation[0])
ReplicaSet/web needs 3 pods of 1500m cpu each; cpu free on a, b: 4 in all, at most 2 on one node.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.nodes import ZONE_LABEL, format_resource
from kmodel.objects.workloads import Pod
from kmodel.scheduler.framework import Code, Snapshot, Status, filter_one_node
from kmodel.scheduler.simulate import GreedyRun, greedy_schedule
from kmodel.smt.packing import Z3_MAX_VARIABLES, Encoding, encode, pick_backend, solve
from kmodel.smt.placement import Analysis, Problem, analyse

__all__ = ["FeasibilityResult", "feasibility", "order_placement", "GreedyComparison", "greedy_vs_possible",
           "LossResult", "ToleranceResult", "failure_tolerance", "OBJECTIVES", "SchedulingFinding",
           "ScheduleAnalysis", "schedule_analysis", "FINDING_IDS", "nodes_by_zone", "static_failures"]

OBJECTIVES = ("fewest-nodes", "balanced")
MAX_REFINEMENTS = 20
BEST_SECONDS = 10.0


@dataclass
class FeasibilityResult:
    """The answer for a problem.

    ``status``: ``feasible``, ``infeasible`` or ``unknown`` (a solver timed out).
    ``placement``: pod name -> node (every pending pod when feasible), ``order``: a binding
    order in which every pod passes every Filter plugin. When infeasible: ``explanation``
    (sentences), ``core`` (rule labels), ``placeable`` (the most pods that fit together) and
    ``short`` (group label -> pods that cannot be placed in such a best placement).
    """

    status: str
    pending: int
    placement: dict[str, str] = field(default_factory=dict)
    order: list[tuple[str, str]] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    core: list[str] = field(default_factory=list)
    placeable: int = 0
    short: dict[str, int] = field(default_factory=dict)
    objects: list[ObjectRef] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return self.status == "feasible"


def _bound(pod: Pod, node: str) -> Pod:
    return replace(pod, spec=replace(pod.spec, node_name=node))


def _spread_keys(a: Analysis, assignment: Sequence[tuple[Pod, str, int]]) -> dict[str, tuple[int, ...]]:
    """Water-filling keys: the k-th pod of a group going into a spread domain d gets
    ``bound(d) + k`` per constraint, so sorting interleaves domains from the emptiest."""
    keys: dict[str, tuple[int, ...]] = {}
    rules_of: dict[int, list[Any]] = {}
    for rule in a.spread:
        rules_of.setdefault(rule.group, []).append(rule)
    seen: dict[tuple[int, int, str], int] = {}
    for pod, node, g in assignment:
        key = []
        for ri, rule in enumerate(rules_of.get(g, ())):
            d = rule.domain_of.get(node, "")
            k = seen.get((g, ri, d), 0)
            seen[(g, ri, d)] = k + 1
            key.append(rule.existing.get(d, 0) + k)
        keys[pod.metadata.name] = (sum(key),) if key else (0,)
    return keys


@dataclass
class Ordering:
    """The outcome of :func:`order_placement`: ``order`` (every pod, when found), ``stuck`` (pods
    left, with the status of their last attempt) and whether the search was ``exhaustive`` (then
    no order exists at all) or cut by its budget."""

    order: list[tuple[Pod, str]]
    stuck: list[tuple[Pod, str, Status]]
    exhaustive: bool = True


ORDER_BUDGET = 4000


def _sensitive_groups(a: Analysis) -> set[int]:
    """Groups whose filters depend on the order of binding: topology spread and pod affinity
    owners, and the groups their selectors count."""
    out: set[int] = set()
    for rule in a.spread:
        out.add(rule.group)
        out.update(rule.matching)
    for arule in a.affinity:
        out.add(arule.group)
        out.update(arule.matching)
    return out


def order_placement(a: Analysis, assignment: Sequence[tuple[Pod, str, int]], *,
                    budget: int = ORDER_BUDGET) -> Ordering:
    """A binding order for ``assignment`` (``(pod, node, group)``) in which every pod passes the
    explicit Filter plugins (``filter_one_node``) when it is bound.

    First a greedy pass (water-filling for topology spread: the k-th pod into a domain with b
    bound pods is keyed b + k; pods with affinity after their partners), retried while it makes
    progress. If it sticks, an exhaustive depth-first search over the order-dependent pods
    (spread and affinity groups; the others do not depend on order and are bound first), with
    the states reached so far remembered, up to ``budget`` filter runs.
    """
    filters = a.problem.profile.filters
    has_affinity = {rule.group for rule in a.affinity}
    keys = _spread_keys(a, assignment)
    todo = sorted(assignment, key=lambda t: (t[2] in has_affinity, keys[t[0].metadata.name], t[2], t[0].metadata.name))
    snapshot: Snapshot = a.snapshot
    order: list[tuple[Pod, str]] = []
    last: dict[str, Status] = {}
    progress = True
    while todo and progress:
        progress = False
        rest = []
        for pod, node, g in todo:
            status = filter_one_node(pod, snapshot, node, filters)
            if status.success:
                snapshot = snapshot.replaced({node: snapshot[node].with_pods((_bound(pod, node),))})
                order.append((pod, node))
                progress = True
            else:
                last[pod.metadata.name] = status
                rest.append((pod, node, g))
        todo = rest
    if not todo:
        return Ordering(order, [])
    return _exhaustive_order(a, assignment, budget, last)


def _exhaustive_order(a: Analysis, assignment: Sequence[tuple[Pod, str, int]], budget: int,
                      last: dict[str, Status]) -> Ordering:
    filters = a.problem.profile.filters
    sensitive = _sensitive_groups(a)
    free = [t for t in assignment if t[2] not in sensitive]
    snapshot: Snapshot = a.snapshot
    order: list[tuple[Pod, str]] = []
    for pod, node, _ in free:  # order-independent: resources, ports and anti-affinity only
        status = filter_one_node(pod, snapshot, node, filters)
        if not status.success:  # cannot happen for a placement of the encoding; kept honest
            return Ordering(order, [(p, n, status if p is pod else Status(Code.UNSCHEDULABLE))
                                    for p, n, _ in assignment if (p, n) not in order])
        snapshot = snapshot.replaced({node: snapshot[node].with_pods((_bound(pod, node),))})
        order.append((pod, node))
    slots: dict[tuple[int, str], list[Pod]] = {}
    for pod, node, g in assignment:
        if g in sensitive:
            slots.setdefault((g, node), []).append(pod)
    keys = sorted(slots)
    dead: set[tuple[int, ...]] = set()
    runs = 0
    cut = False

    def dfs(snap: Snapshot, placed: tuple[int, ...], path: list[tuple[Pod, str]]) -> list[tuple[Pod, str]] | None:
        nonlocal runs, cut
        if all(placed[i] == len(slots[k]) for i, k in enumerate(keys)):
            return path
        if placed in dead:
            return None
        for i, (g, node) in enumerate(keys):
            if placed[i] == len(slots[(g, node)]):
                continue
            if runs >= budget:
                cut = True
                return None
            pod = slots[(g, node)][placed[i]]
            runs += 1
            status = filter_one_node(pod, snap, node, filters)
            if not status.success:
                last[pod.metadata.name] = status
                continue
            nxt = snap.replaced({node: snap[node].with_pods((_bound(pod, node),))})
            found = dfs(nxt, placed[:i] + (placed[i] + 1,) + placed[i + 1:], path + [(pod, node)])
            if found is not None:
                return found
            if cut:
                return None
        dead.add(placed)
        return None

    found = dfs(snapshot, tuple(0 for _ in keys), [])
    if found is not None:
        return Ordering(order + found, [])
    stuck = [(p, n, last.get(p.metadata.name, Status(Code.UNSCHEDULABLE)))
             for (g, n), pods in sorted(slots.items()) for p in pods]
    return Ordering(order, stuck, exhaustive=not cut)


def _assignment(a: Analysis, enc: Encoding, values: Sequence[int]) -> list[tuple[Pod, str, int]]:
    out = []
    for g in enc.groups:
        pods = list(a.problem.groups[g].pods)
        i = 0
        for n in enc.nodes:
            v = enc.x.get((g, n))
            if v is None:
                continue
            for _ in range(values[v]):
                out.append((pods[i], n, g))
                i += 1
    return out


def _counts(enc: Encoding, values: Sequence[int]) -> dict[tuple[int, str], int]:
    return {k: values[v] for k, v in enc.x.items() if values[v]}


def feasibility(problem: Problem, *, objective: str | None = None, backend: str = "auto",
                timeout: float = 60.0, explain: bool = True, workers: int = 1) -> FeasibilityResult:
    """Decide whether every pending pod of ``problem`` can be placed (see the module docstring).

    Parameters
    ----------
    objective : str, optional
        ``"fewest-nodes"`` or ``"balanced"``; default: any placement.
    backend : str
        ``"auto"``, ``"z3"`` or ``"cpsat"``.
    timeout : float
        Seconds per solver call.
    explain : bool
        When infeasible, compute the unsat core, the sentences and the most placeable pods.
    workers : int
        CP-SAT threads; 1 (the default) makes its answers the same on every run.
    """
    if objective is not None and objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; known: {', '.join(OBJECTIVES)}")
    start = time.perf_counter()
    a = analyse(problem)
    stats: dict[str, Any] = {"analysis_seconds": round(time.perf_counter() - start, 4),
                             "components": len(a.components), "groups": len(problem.groups),
                             "nodes": len(a.nodes), "variables": len(a.ub), "refinements": 0, "backends": []}
    result = FeasibilityResult("feasible", problem.pending, stats=stats)
    static = static_failures(a)
    if static:
        result.status = "infeasible"
        if explain:
            result.explanation = [s for _, s in static]
            result.objects = sorted({problem.groups[g].workload or problem.groups[g].pod.ref for g, _ in static})
            _fill_best(a, result, backend, timeout)
        stats["decided_seconds"] = stats["seconds"] = round(time.perf_counter() - start, 4)
        return result
    orders: list[tuple[Pod, str]] = []
    infeasible_components = []
    unreachable: dict[tuple[int, ...], tuple[dict[tuple[int, str], int], list[tuple[Pod, str, Status]]]] = {}
    for groups, nodes in a.components:
        blocked: list[dict[tuple[int, str], int]] = []
        size = sum(1 for g in groups for n in nodes if a.ub.get((g, n), 0) > 0)
        chosen = pick_backend(backend, size, optimise=objective is not None)
        while True:
            enc = encode(a, groups, nodes, objective=objective, blocked=blocked, symmetry=chosen == "z3")
            res = solve(enc, backend=backend, timeout=timeout, workers=workers)
            stats["backends"].append(res.backend)
            if res.status == "unknown":
                result.status = "unknown"
                result.explanation.append(f"the {res.backend} solver gave no answer within {timeout:g} s for "
                                          f"{', '.join(problem.groups[g].label for g in groups)}")
                break
            if res.status == "unsat":
                infeasible_components.append((groups, nodes, enc))
                break
            part = _assignment(a, enc, res.values)
            ordering = order_placement(a, part)
            if not ordering.stuck:
                orders += ordering.order
                break
            stats["refinements"] += 1
            labels = ", ".join(problem.groups[g].label for g in groups)
            if not ordering.exhaustive or len(blocked) >= MAX_REFINEMENTS:
                result.status = "unknown"
                why = "the search for a binding order was cut" if not ordering.exhaustive else \
                    f"{len(blocked) + 1} placements were excluded"
                result.explanation.append(
                    f"placements of {labels} satisfy every rule at the end, but the scheduler binds one pod at a "
                    f"time and no order was found that passes its filters ({why}); undecided")
                break
            blocked.append(_counts(enc, res.values))
            if not unreachable.get(tuple(groups)):
                unreachable[tuple(groups)] = (_counts(enc, res.values), ordering.stuck)
    stats["decided_seconds"] = round(time.perf_counter() - start, 4)
    if infeasible_components:
        result.status = "infeasible"
        if explain:
            for groups, nodes, enc in infeasible_components:
                if tuple(groups) in unreachable:
                    counts, stuck = unreachable[tuple(groups)]
                    result.core += [f"order:{g}" for g in groups]
                    result.explanation.append(_order_sentence(a, counts, stuck))
                    result.objects += sorted({problem.groups[g].workload or problem.groups[g].pod.ref for g in groups})
                    continue
                core, sentences = _explain(a, groups, nodes, backend, timeout)
                result.core += core
                result.explanation += sentences
                result.objects += sorted({problem.groups[g].workload or problem.groups[g].pod.ref for g in groups})
            _fill_best(a, result, backend, timeout,
                       only=[c[0] for c in infeasible_components if tuple(c[0]) not in unreachable],
                       skip=[list(k) for k in unreachable if any(tuple(c[0]) == k for c in infeasible_components)])
    elif result.status == "feasible":
        # Components share no node and no rule, so their verified orders concatenate.
        result.order = [(p.metadata.name, n) for p, n in orders]
        result.placement = {p: n for p, n in result.order}
    stats["seconds"] = round(time.perf_counter() - start, 4)
    return result


# --- explanations -------------------------------------------------------------------------


def _nodes_text(names: Sequence[str], limit: int = 6) -> str:
    names = sorted(names)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def static_failures(a: Analysis) -> list[tuple[int, str]]:
    """Groups that fit no node whatever the other pods do, with the scheduler's reasons."""
    out = []
    for group in a.problem.groups:
        g = group.index
        if any(a.ub.get((g, n), 0) > 0 for n in a.nodes):
            continue
        fails = a.permanent.get(g, {})
        if g in a.prefilter_failures:
            reason = "; ".join(a.prefilter_failures[g].reasons)
            out.append((g, f"{group.label}: no node can run its pods: {reason}."))
            continue
        counts: dict[str, int] = {}
        for st in fails.values():
            for r in st.reasons:
                counts[r] = counts.get(r, 0) + 1
        parts = ", ".join(sorted(f"{k} {r}" for r, k in counts.items()))
        text = f"{group.label}: pod {group.pod.metadata.name} needs {group.requests_text()}; " \
               f"0/{len(a.nodes)} nodes are available: {parts}."
        short = _most_free_sentence(a, g, fails)
        if short:
            text += " " + short[0].upper() + short[1:]
        out.append((g, text))
    return out


def _most_free_sentence(a: Analysis, g: int, fails: dict[str, Status]) -> str:
    """For a pod that fails only on resources somewhere: the most free on nodes passing the rest."""
    resource_only = [n for n, st in fails.items() if st.plugin == "NodeResourcesFit"]
    if not resource_only:
        return ""
    req = a.requests[g]
    parts = []
    for r, amount in sorted(req.items()):
        best = max(a.free[n].get(r, 0) for n in resource_only)
        if best < amount:
            parts.append(f"the most free {r} on any node that passes the other filters "
                         f"({_nodes_text(resource_only)}) is {format_resource(r, max(best, 0))}")
    return ("; ".join(parts) + ".") if parts else ""


def _order_sentence(a: Analysis, counts: dict[tuple[int, str], int], stuck: Sequence[tuple[Pod, str, Status]]) -> str:
    """Why placements that satisfy every rule at the end cannot be reached one bind at a time."""
    groups = sorted({g for g, _ in counts})
    spread = "; ".join(f"{a.problem.groups[g].label} {', '.join(f'{n}: {k}' for (h, n), k in sorted(counts.items()) if h == g)}"
                       for g in groups)
    pod, node, status = next((t for t in stuck if t[2].reasons), stuck[0])
    return (f"placements that satisfy every rule once all pods are bound exist (e.g. {spread}), but the "
            f"scheduler binds one pod at a time and every order fails on the way: e.g. {pod.metadata.name} on "
            f"{node}: {status}. Every such placement was tried (exhaustively, in every binding order).")


def _explain(a: Analysis, groups: Sequence[int], nodes: Sequence[str], backend: str,
             timeout: float) -> tuple[list[str], list[str]]:
    """The rule labels and sentences explaining why a component has no placement.

    Small components: a minimised Z3 unsat core, in words. Large ones: first any group that does
    not fit even alone (its own core), then any set of nodes that some groups are confined to and
    whose free resources are short of their requests (a Hall-type count), and otherwise the
    packing itself: everything fits the free resources in total, but not node by node.
    """
    n_vars = sum(1 for g in groups for n in nodes if a.ub.get((g, n), 0) > 0)
    if n_vars <= Z3_MAX_VARIABLES:
        core = _core(a, groups, nodes, "z3", timeout)
        return core, _sentences(a, core, groups)
    for g in groups:
        mine = [n for n in nodes if a.ub.get((g, n), 0) > 0]
        chosen = pick_backend(backend, len(mine))
        enc = encode(a, [g], mine, symmetry=chosen == "z3")
        if solve(enc, backend=backend, timeout=timeout).status == "unsat":
            core = _core(a, [g], mine, "z3" if len(mine) <= Z3_MAX_VARIABLES else backend, timeout)
            return core, _sentences(a, core, [g])
    short = _hall_shortage(a, groups)
    if short:
        return [f"demand:{g}" for g in groups], short
    total: dict[str, int] = {}
    free: dict[str, int] = {}
    options = sorted({n for g in groups for n in nodes if a.ub.get((g, n), 0) > 0})
    for g in groups:
        for r, v in a.requests[g].items():
            total[r] = total.get(r, 0) + v * a.problem.groups[g].count
    for n in options:
        for r in total:
            free[r] = free.get(r, 0) + max(a.free[n].get(r, 0), 0)
    fits = ", ".join(f"{format_resource(r, total[r])} {r} requested of {format_resource(r, free[r])} free"
                     for r in sorted(total))
    biggest = max(groups, key=lambda g: (a.requests[g].get("cpu", 0), a.requests[g].get("memory", 0)))
    label = a.problem.groups[biggest].label
    return [f"demand:{g}" for g in groups], [
        f"the pods of {len(groups)} workloads fit the free resources of the {len(options)} nodes they may use "
        f"in total ({fits}) but cannot be packed node by node: free resources are split among nodes in "
        f"pieces too small for the pods that remain (the largest: {label}, {a.problem.groups[biggest].requests_text()})."]


def _hall_shortage(a: Analysis, groups: Sequence[int]) -> list[str]:
    """Sets of nodes that some groups are confined to and whose free resources (or pod slots)
    are short of those groups' requests."""
    options = {g: frozenset(n for n in a.nodes if a.ub.get((g, n), 0) > 0) for g in groups}
    out = []
    for node_set in sorted(set(options.values()), key=lambda s: (len(s), sorted(s))):
        confined = [g for g in groups if options[g] <= node_set]
        need: dict[str, int] = {"pods": 0}
        for g in confined:
            need["pods"] += a.problem.groups[g].count
            for r, v in a.requests[g].items():
                need[r] = need.get(r, 0) + v * a.problem.groups[g].count
        for r, amount in sorted(need.items()):
            have = sum(max(a.pods_free[n] if r == "pods" else a.free[n].get(r, 0), 0) for n in node_set)
            if amount > have:
                who = ", ".join(a.problem.groups[g].label for g in confined)
                out.append(f"{who} may only run on {_nodes_text(sorted(node_set))}; together they request "
                           f"{format_resource(r, amount)} {r} and those nodes have {format_resource(r, have)} free.")
                break
        if out:
            break
    return out


def _core(a: Analysis, groups: Sequence[int], nodes: Sequence[str], backend: str, timeout: float) -> list[str]:
    """A small unsat core of rule labels (Z3 for small components, CP-SAT's assumptions above)."""
    enc = encode(a, groups, nodes, symmetry=False, explain=True)
    res = solve(enc, backend=backend, timeout=timeout, core=True)
    core = [c for c in res.core if c not in ("symmetry", "blocked", "objective")]
    if res.status != "unsat" or not core:
        return [f"demand:{g}" for g in groups]
    # deletion-based minimisation over the rule labels, when cheap
    if len(core) <= 40 and res.backend == "z3":
        keep = list(core)
        for label in list(core):
            trial = [c for c in keep if c != label]
            if not trial:
                continue
            sub = _solve_subset(enc, trial, timeout)
            if sub == "unsat":
                keep = trial
        core = keep
    return core


def _solve_subset(enc: Encoding, labels: Sequence[str], timeout: float) -> str:
    from kmodel.smt.packing import IntModel

    keep = set(labels)
    m = enc.model
    sub = IntModel(m.names, m.lb, m.ub, m.boolean, [c for c in m.constraints if c.group in keep or
                                                    not (c.group.startswith(("demand:", "capacity:", "ports:",
                                                                              "anti:", "spread:", "affinity:")))])
    return solve(Encoding(sub, enc.x, enc.groups, enc.nodes), backend="z3", timeout=timeout).status


def _sentences(a: Analysis, core: Sequence[str], groups: Sequence[int]) -> list[str]:
    problem = a.problem
    demands = [int(c.split(":")[1]) for c in core if c.startswith("demand:")]
    caps: dict[str, list[str]] = {}
    rules = []
    for c in core:
        parts = c.split(":")
        if parts[0] == "capacity":
            caps.setdefault(parts[2], []).append(parts[1])
        elif parts[0] == "anti":
            g1, g2, key = int(parts[1]), int(parts[2]), ":".join(parts[3:])
            if g1 == g2:
                rules.append(f"required anti-affinity allows at most one pod of {problem.groups[g1].label} per {key}")
            else:
                rules.append(f"required anti-affinity keeps pods of {problem.groups[g1].label} and "
                             f"{problem.groups[g2].label} in different {key} domains")
        elif parts[0] == "spread":
            rule = a.spread[int(parts[1])]
            md = f", minDomains {rule.min_domains}" if rule.min_domains > 1 else ""
            bound = [f"{d} has {rule.existing[d]}" for d in rule.domains if rule.existing.get(d)]
            doms = (f"bound matching pods: {', '.join(bound)}" if bound
                    else f"domains {_nodes_text(list(rule.domains))}")
            rules.append(f"{problem.groups[rule.group].label} spreads over {rule.key} with maxSkew "
                         f"{rule.max_skew}{md} ({doms})")
        elif parts[0] == "affinity":
            g = int(parts[1])
            rule_a = next(r for r in a.affinity if r.group == g)
            keys = ", ".join(t.topology_key for t in rule_a.terms)
            rules.append(f"{problem.groups[g].label} requires pod affinity ({keys}) to pods that can sit beside it")
        elif parts[0] == "ports":
            g1, g2 = int(parts[1]), int(parts[2])
            if g1 == g2:
                rules.append(f"{problem.groups[g1].label} wants a host port, so at most one of its pods per node")
            else:
                rules.append(f"{problem.groups[g1].label} and {problem.groups[g2].label} want the same host port")
    sentence = []
    if demands:
        def need(g: int) -> str:
            group = problem.groups[g]
            if group.count == 1:
                owner = f" ({group.label})" if group.workload is not None else ""
                return f"pod {group.pod.metadata.name}{owner} needs {group.requests_text()}"
            return f"{group.label} needs {group.count} pods of {group.requests_text()} each"
        sentence.append("; ".join(need(g) for g in sorted(set(demands))))
    for r, ns in sorted(caps.items()):
        frees = [max(a.free[n].get(r, 0), 0) if r != "pods" else max(a.pods_free[n], 0) for n in ns]
        total, most = sum(frees), max(frees)
        sentence.append(f"{r} free on {_nodes_text(ns)}: {format_resource(r, total)} in all, "
                        f"at most {format_resource(r, most)} on one node")
    sentence += rules
    if not sentence:
        sentence = [f"{', '.join(problem.groups[g].label for g in groups)} cannot be placed together"]
    return ["; ".join(sentence) + "."]


def _fill_best(a: Analysis, result: FeasibilityResult, backend: str, timeout: float,
               only: Sequence[Sequence[int]] | None = None, skip: Sequence[Sequence[int]] = ()) -> None:
    """The most pods that can be placed (within ``BEST_SECONDS`` per component: ``placeable`` is
    then a lower bound, said in ``stats``), and which groups fall short. Components in ``only``
    are optimised, those in ``skip`` (no binding order reaches their placements) count as placing
    nothing, the others as placing everything."""
    placed = 0
    short: dict[str, int] = {}
    todo = None if only is None else {tuple(sorted(c)) for c in only}
    skipped = {tuple(sorted(c)) for c in skip}
    for groups, nodes in a.components:
        key = tuple(sorted(groups))
        if key in skipped:
            result.stats["placeable_is_lower_bound"] = True
            continue
        if todo is not None and key not in todo:
            placed += sum(a.problem.groups[g].count for g in groups)
            continue
        size = sum(1 for g in groups for n in nodes if a.ub.get((g, n), 0) > 0)
        chosen = pick_backend(backend, size, optimise=True)
        enc = encode(a, groups, nodes, demand="at_most", symmetry=chosen == "z3")
        res = solve(enc, backend=backend, timeout=min(timeout, BEST_SECONDS))
        if res.status != "sat":
            continue
        if not res.optimal:
            result.stats["placeable_is_lower_bound"] = True
        counts = _counts(enc, res.values)
        for g in groups:
            got = sum(v for (h, _), v in counts.items() if h == g)
            placed += got
            miss = a.problem.groups[g].count - got
            if miss:
                label = a.problem.groups[g].label
                short[label] = short.get(label, 0) + miss
    result.placeable = placed
    result.short = short


# --- greedy vs possible -------------------------------------------------------------------


@dataclass
class GreedyComparison:
    """The greedy run, the solver's answer, and the stranded pods (pending after greedy although
    the solver places everything)."""

    greedy: GreedyRun
    possible: FeasibilityResult

    @property
    def strands(self) -> bool:
        return self.greedy.stranded and self.possible.feasible

    @property
    def stranded(self) -> list[str]:
        return [p.metadata.name for p in self.greedy.pending]

    def message(self) -> str:
        if not self.strands:
            return ""
        bound = ", ".join(f"{p.metadata.name} -> {n}" for p, n in self.greedy.bound)
        pods = ", ".join(self.stranded)
        first = self.greedy.pending[0].metadata.name
        return (f"the default scheduler leaves {pods} pending although a placement of every pod exists: "
                f"binding in queue order with the top-scored node each time ({bound}) leaves {first} with "
                f"'{self.greedy.messages[first]}'")


def greedy_vs_possible(problem: Problem, *, backend: str = "auto", timeout: float = 60.0,
                       possible: FeasibilityResult | None = None, workers: int = 1) -> GreedyComparison:
    """Run the greedy sequence and the solver on the same input."""
    pods = [p for g in problem.groups for p in g.pods]
    run = greedy_schedule(problem.state, pods, profile=problem.profile)
    if possible is None:
        possible = feasibility(problem, backend=backend, timeout=timeout, explain=False, workers=workers)
    return GreedyComparison(run, possible)


# --- failure tolerance --------------------------------------------------------------------


@dataclass
class LossResult:
    """What losing ``lost`` (nodes) does: the feasibility of the rest."""

    kind: str  # "node" or "zone"
    name: str
    lost: tuple[str, ...]
    result: FeasibilityResult


@dataclass
class ToleranceResult:
    nodes: list[LossResult]
    zones: list[LossResult]

    def failing(self, kind: str) -> list[LossResult]:
        return [r for r in (self.nodes if kind == "node" else self.zones) if not r.result.feasible]

    def worst(self, kind: str) -> LossResult | None:
        bad = self.failing(kind)
        if not bad:
            return None
        return max(bad, key=lambda r: (r.result.pending - r.result.placeable, r.name))


def nodes_by_zone(a: Analysis) -> dict[str, list[str]]:
    """The analysed nodes per ``topology.kubernetes.io/zone`` (nodes without the label left out)."""
    by_zone: dict[str, list[str]] = {}
    for n in a.nodes:
        z = dict(a.snapshot[n].node.metadata.labels).get(ZONE_LABEL)
        if z is not None:
            by_zone.setdefault(z, []).append(n)
    return by_zone


def failure_tolerance(problem: Problem, *, backend: str = "auto", timeout: float = 60.0,
                      zones: bool = True, nodes: bool = True, workers: int = 1) -> ToleranceResult:
    """Feasibility after losing each node (one per class of interchangeable nodes) and each zone."""
    a = analyse(problem)
    node_results = []
    if nodes:
        for members in sorted(a.node_classes, key=lambda ms: ms[0]):
            name = members[0]
            sub = problem.without_nodes([name])
            r = feasibility(sub, backend=backend, timeout=timeout, workers=workers)
            label = name if len(members) == 1 else f"{name} (or any of the {len(members)} interchangeable nodes " \
                f"{_nodes_text(members, 3)})"
            node_results.append(LossResult("node", label, (name,), r))
    zone_results = []
    if zones:
        by_zone = nodes_by_zone(a)
        if len(by_zone) > 1:
            for z, members in sorted(by_zone.items()):
                r = feasibility(problem.without_nodes(members), backend=backend, timeout=timeout, workers=workers)
                zone_results.append(LossResult("zone", z, tuple(members), r))
    return ToleranceResult(node_results, zone_results)


# --- the whole analysis behind `kmodel schedule` ------------------------------------------


@dataclass(frozen=True)
class SchedulingFinding:
    """One finding of :func:`schedule_analysis`: a stable ``id`` (``unschedulable``,
    ``scheduler-strands-pods``, ``node-loss-unsafe``, ``zone-loss-unsafe``), a message and the
    objects involved; ``details`` holds the data behind the message."""

    id: str
    message: str
    objects: tuple[ObjectRef, ...]
    severity: str = "error"
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


FINDING_IDS = ("unschedulable", "scheduler-strands-pods", "node-loss-unsafe", "zone-loss-unsafe")


@dataclass
class ScheduleAnalysis:
    """Everything ``kmodel schedule`` reports about one input."""

    problem: Problem
    result: FeasibilityResult
    greedy: GreedyComparison | None
    tolerance: ToleranceResult | None
    findings: list[SchedulingFinding]
    notes: list[str]

    @property
    def failed(self) -> bool:
        return bool(self.findings)


def _workloads_of(problem: Problem, pod_names: Sequence[str]) -> list[ObjectRef]:
    by_name = {p.metadata.name: g for g in problem.groups for p in g.pods}
    refs = set()
    for name in pod_names:
        g = by_name.get(name)
        if g is not None:
            refs.add(g.workload or g.pod.ref)
    return sorted(refs)


def _loss_message(loss: LossResult, what: str) -> str:
    r = loss.result
    if r.status == "unknown":
        return f"after losing {what} {loss.name}, the solver could not decide whether every pod still fits"
    short = ", ".join(f"{k} {v} short" for k, v in sorted(r.short.items()))
    head = f"after losing {what} {loss.name}, at most {r.placeable} of {r.pending} pods fit"
    if short:
        head += f" ({short})"
    return head + (": " + " ".join(r.explanation) if r.explanation else ".")


def schedule_analysis(problem: Problem, *, objective: str | None = None, backend: str = "auto",
                      timeout: float = 60.0, greedy: bool = True, tolerance: bool = True,
                      workers: int = 1) -> ScheduleAnalysis:
    """Feasibility, greedy vs possible and node/zone failure tolerance, as findings."""
    notes: list[str] = list(problem.notes)
    result = feasibility(problem, objective=objective, backend=backend, timeout=timeout, workers=workers)
    findings: list[SchedulingFinding] = []
    if result.status == "infeasible":
        shortfall = result.pending - result.placeable
        head = (f"{shortfall} of {result.pending} pending pods cannot be placed on any assignment "
                f"({', '.join(f'{k}: {v} short' for k, v in sorted(result.short.items()))}): ") if result.short else ""
        findings.append(SchedulingFinding("unschedulable", head + " ".join(result.explanation),
                                          tuple(result.objects), details={"core": result.core,
                                                                          "placeable": result.placeable,
                                                                          "short": result.short}))
    elif result.status == "unknown":
        notes.append("feasibility undecided: " + " ".join(result.explanation))
    comparison = None
    if greedy and problem.pending:
        comparison = greedy_vs_possible(problem, possible=result, backend=backend, timeout=timeout, workers=workers)
        if comparison.strands:
            run = comparison.greedy
            findings.append(SchedulingFinding(
                "scheduler-strands-pods", comparison.message(),
                tuple(_workloads_of(problem, comparison.stranded)),
                details={"stranded": comparison.stranded,
                         "greedy_order": [[p.metadata.name, n] for p, n in run.bound],
                         "messages": dict(run.messages)}))
    tol = None
    if tolerance and result.status == "feasible" and problem.pending:
        tol = failure_tolerance(problem, backend=backend, timeout=timeout, workers=workers)
        for kind, fid in (("node", "node-loss-unsafe"), ("zone", "zone-loss-unsafe")):
            worst = tol.worst(kind)
            if worst is None:
                continue
            failing = tol.failing(kind)
            others = [f.name for f in failing if f is not worst]
            msg = _loss_message(worst, kind)
            if others:
                msg += f" Losing {', '.join(others)} fails too."
            refs = [ObjectRef("Node", "", n) for n in worst.lost] + list(worst.result.objects)
            findings.append(SchedulingFinding(fid, msg, tuple(refs), details={
                "worst": worst.name, "failing": [f.name for f in failing],
                "placeable": worst.result.placeable, "pending": worst.result.pending}))
        if not tol.zones:
            notes.append("zone loss not checked: fewer than two zones (topology.kubernetes.io/zone)")
    return ScheduleAnalysis(problem, result, comparison, tol, findings, notes)
