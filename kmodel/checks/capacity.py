r"""Capacity checks decided by the feasibility engine (:mod:`kmodel.smt.scheduling`).

Four checks share one analysis of the input, computed at most once per :class:`Inventory`
(cached on it) and only as far as the selected checks need it:

* ``scheduler-strands-pods``: every pod fits together (a placement exists that passes every
  Filter plugin, in a binding order the plugins accept), but the modelled default scheduler,
  binding one pod at a time to a top-scored node in queue order (priority, then the order of
  the input, standing for creation order), leaves some Pending;
* ``hpa-max-unschedulable``: with every HorizontalPodAutoscaler's target at ``maxReplicas``
  the workloads no longer fit;
* ``node-loss-unsafe``: after losing one node (one per class of interchangeable nodes) they no
  longer fit;
* ``zone-loss-unsafe``: the same for a zone (``topology.kubernetes.io/zone``; only with at
  least two zones).

How each question is decided, cheapest first:

* a *witness*: for the question as written, the default scheduler's greedy sequence
  (:func:`kmodel.scheduler.simulate.greedy_schedule`, which ``scheduler-strands-pods`` needs
  anyway); for a loss or the HPA maximum, a first-fit-decreasing placement by counts replayed pod
  by pod through the explicit Filter plugins (:func:`kmodel.smt.scheduling.order_placement`). A
  witness is a placement every Filter plugin accepted one pod at a time, so "fits" needs no
  solver;
* otherwise the solver (:func:`kmodel.smt.scheduling.feasibility`: Z3 on small components and
  for the unsat-core explanation, CP-SAT on large ones), asked only about the independent
  components (workloads that share no node and no rule) left without a witness, smallest first:
  a placement exists (the scheduler strands pods), none exists (a finding, with the explanation
  and the most pods that fit, within :data:`EXPLAIN_SECONDS`), or no answer within
  :data:`SOLVER_SECONDS` (a note, never a pass). The whole analysis of one input gets
  :data:`SOLVER_BUDGET` seconds; questions left when it is spent are notes too.

Workloads whose pod specs differ only in their namespace, and whose pods no rule of another pod
selects (no pod affinity, anti-affinity or topology spread naming them, no host port, no claim),
are interchangeable for every filter: they are merged into one group (:func:`_merged`), so 100
namespaced copies of an application are one packing problem of the size of one copy.

What is abstracted away:

* pods that fit no node at all are ``unschedulable``'s finding and are left out of these
  questions (otherwise every other question would only repeat it); when the remaining pods do not
  fit together, that too is reported under ``unschedulable`` (a packing failure), and the other
  questions are not asked;
* a loss is judged on a fresh placement of every pod on the remaining nodes (controllers
  recreate the lost node's pods; the survivors could be placed anywhere): a necessary condition,
  so every finding is real, while a cluster that passes may still need the lost pods'
  replacements to fit beside survivors that stay where they are;
* HPAs are read from their documents (``spec.scaleTargetRef``, ``spec.minReplicas``,
  ``spec.maxReplicas``): every question counts an HPA's target at its replicas kept within the
  HPA's bounds (``minReplicas`` when the manifest says fewer or nothing), and
  ``hpa-max-unschedulable`` at ``maxReplicas``; targets the model does not load (StatefulSets
  and other kinds) are left out, with a note;
* the greedy run breaks score ties by node name (upstream at random) and runs no preemption.

Findings point at the field to change: a stranded workload's largest request of the resource
it lacks; the HPA's ``spec.maxReplicas``; for a lost node or zone, the ``spec.count`` or
``spec.zones`` of its ``NodePool``, or the Node object (its name or zone label).

Examples
--------
>>> import io
>>> from kmodel.checks import Inventory, run_checks
>>> from kmodel.manifests import load
>>> node = ("apiVersion: v1\nkind: Node\nmetadata: {{name: {n}, labels: {{topology.kubernetes.io/zone: {n}}}}}\n"
...         "status: {{allocatable: {{cpu: '4', memory: 8Gi, pods: '110'}}}}\n")
>>> app = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n"
...        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
...        "    spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: '2'}}}]}\n")
>>> text = "---\n".join([node.format(n="a"), node.format(n="b"), app])
>>> loaded = load(["-"], stdin=io.StringIO(text))
>>> [(f.check, f.object.name, f.line) for f in run_checks(Inventory(loaded.documents, loaded),
...                                                        select=["node-loss-unsafe"])]
[('node-loss-unsafe', 'a', 3), ('node-loss-unsafe', 'b', 8)]

Upstream: ``pkg/scheduler/schedule_one.go`` (one pod per cycle, ``FitError``),
``pkg/controller/podautoscaler/horizontal.go`` (``normalizeDesiredReplicas``: at most
``maxReplicas``), ``pkg/controller/nodelifecycle`` and the workload controllers (a lost node's
pods are replaced elsewhere).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from kmodel.checks import Check, Finding, Inventory, ObjectId, finding
from kmodel.errors import InvalidModel
from kmodel.manifests import Document, Source
from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.nodes import ZONE_LABEL
from kmodel.objects.workloads import Pod
from kmodel.smt.placement import PodGroup

__all__ = ["CHECKS", "SOLVER_SECONDS", "capacity_notes", "packing_findings"]

#: Seconds per solver call (``options["solver_timeout"]`` overrides it).
SOLVER_SECONDS = 10.0
#: Seconds of solver time per input, over every question; past it questions are left undecided
#: (a note, never a pass). ``options["solver_budget"]`` overrides it.
SOLVER_BUDGET = 30.0
#: Seconds for the explanation of a reported failure (most pods that fit, unsat core); past it
#: the count is a lower bound and the message says so.
EXPLAIN_SECONDS = 3.0
#: Items listed in a message before "and N more".
LIST_LIMIT = 8
#: The engine these checks name: the solver decides; Z3 for small components and every unsat
#: core, CP-SAT for large components (``kmodel.smt.packing.pick_backend``).
ENGINE = "z3/cp-sat"
_CACHE_KEY = "capacity"
_HPA = "HorizontalPodAutoscaler"
_MODELLED_TARGETS = ("Deployment", "ReplicaSet")


# --- the shared analysis ------------------------------------------------------------------


@dataclass(frozen=True)
class _Verdict:
    """``status``: ``fits`` (greedy or solver found a placement), ``strands`` (the solver fits
    what greedy strands), ``infeasible`` or ``unknown``."""

    status: str
    greedy: Any
    result: Any = None
    explained: bool = False
    subproblem: Any = None  # what the solver was asked (an infeasible component), for the explanation
    placement: tuple[tuple[str, str], ...] = ()  # (pod, node) from the solver, for strands
    why: str = ""  # why undecided


@dataclass
class _State:
    """What the checks share, filled in as they ask."""

    timeout: float
    deadline: float = float("inf")
    budget: float = SOLVER_BUDGET
    problem: Any = None
    analysis: Any = None
    static: frozenset[ObjectRef] = frozenset()
    base: _Verdict | None = None
    hpa: tuple[_Verdict, list[tuple[Document, ObjectRef, int]]] | None = None
    losses: dict[str, list[tuple[str, tuple[str, ...], _Verdict]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    lines: dict[tuple[str, int, str], int] = field(default_factory=dict)


def _state(inv: Inventory, opts: dict[str, Any]) -> _State | None:
    """The cached analysis, or ``None`` when the input has no nodes or no pods to place."""
    cache = inv.cache
    if _CACHE_KEY in cache:
        return cache[_CACHE_KEY]
    st = _base_state(inv, float(opts.get("solver_timeout", SOLVER_SECONDS)),
                     float(opts.get("solver_budget", SOLVER_BUDGET)))
    cache[_CACHE_KEY] = st
    return st


def _group_ref(group: Any) -> ObjectRef:
    return group.workload if group.workload is not None else group.pod.ref


def _problem(objects: Sequence[Any], notes: list[str]) -> Any:
    """A placement problem from ``objects``; an object the API server rejects is left out (its
    own check reports it) and the others are kept."""
    from kmodel.smt.placement import problem_from_objects

    objs = list(objects)
    for _ in range(len(objs) + 1):
        try:
            return problem_from_objects(objs)
        except InvalidModel as exc:
            ref = getattr(exc, "ref", None)
            keep = [o for o in objs if ref is None or o.ref != ref]
            if len(keep) == len(objs):
                raise
            notes.append(f"{ref.kind}/{ref.name} left out of the capacity analysis: {exc}")
            objs = keep
    raise AssertionError("unreachable")  # pragma: no cover


def _drop(problem: Any, refs: frozenset[ObjectRef]) -> Any:
    """``problem`` without the groups of ``refs``, renumbered."""
    from kmodel.smt.placement import replace_problem

    kept = [g for g in problem.groups if _group_ref(g) not in refs]
    return replace_problem(problem, groups=tuple(PodGroup(i, g.pods, g.workload) for i, g in enumerate(kept)))


@dataclass(frozen=True)
class _AlikeGroup(PodGroup):  # type: ignore[misc]
    """Pods of several workloads whose templates differ only in their namespace (so every Filter
    plugin treats them alike), as one group; ``members`` are the workloads."""

    members: tuple[ObjectRef, ...] = ()

    @property
    def label(self) -> str:
        first = super().label
        return f"{first} and {len(self.members) - 1} alike" if len(self.members) > 1 else first


def _members(group: Any) -> tuple[ObjectRef, ...]:
    return getattr(group, "members", ()) or (_group_ref(group),)


def _order_free(pod: Pod) -> bool:
    """No rule that names other pods (pod affinity or anti-affinity, topology spread), no host
    port and no claim (claims are namespaced): a pod whose filters do not depend on its namespace
    or labels."""
    spec = pod.spec
    aff = spec.affinity
    return ((aff is None or (aff.pod_affinity is None and aff.pod_anti_affinity is None))
            and not spec.topology_spread_constraints and not any(v.claim_name for v in spec.volumes)
            and not any(p.host_port for c in spec.containers for p in c.ports))


def _rule_selectors(pods: Iterable[Pod]) -> list[Any]:
    """The label selectors of every filter rule that names other pods: required pod affinity and
    anti-affinity terms, DoNotSchedule topology spread constraints."""
    from kmodel.scheduler.plugins.inter_pod_affinity import pod_terms
    from kmodel.scheduler.plugins.pod_topology_spread import DO_NOT_SCHEDULE, filter_topology_spread_constraints

    out = []
    for pod in pods:
        terms = pod_terms(pod)
        out += [t.selector for t in terms.required_affinity + terms.required_anti_affinity]
        out += [c.selector for c in filter_topology_spread_constraints(pod, DO_NOT_SCHEDULE)]
    return out


def _merged(problem: Any) -> Any:
    """``problem`` with the groups of workloads alike but for their namespace merged.

    A group is merged when its pods have no rule naming other pods, no host port and no claim
    (:func:`_order_free`), and no rule of any pod, pending or bound, selects their labels (in any
    namespace): then no Filter plugin can tell its pods from those of another such workload with
    the same pod spec, so they are interchangeable, and N namespaced copies of an application are
    one packing problem of the size of one copy with N times the pods. Every placement found is
    still replayed pod by pod through the filters.
    """
    from kmodel.smt.placement import replace_problem

    firsts = [g.pod for g in problem.groups]
    selectors = _rule_selectors(firsts + list(problem.state.list("Pod")))

    def free(g: Any) -> bool:
        return (g.workload is not None and _order_free(g.pod)
                and not any(sel is not None and sel.matches(g.pod.metadata.labels) for sel in selectors))

    by_key: dict[str, list[Any]] = {}
    for g in problem.groups:
        key = repr((replace(g.pod.spec, node_name=""), g.pod.status.nominated_node_name)) if free(g) \
            else f"group:{g.index}"
        by_key.setdefault(key, []).append(g)
    if len(by_key) == len(problem.groups):
        return problem
    groups = []
    for i, alike in enumerate(by_key.values()):
        pods = tuple(p for g in alike for p in g.pods)
        if len(alike) == 1:
            groups.append(PodGroup(i, pods, alike[0].workload))
        else:
            groups.append(_AlikeGroup(i, pods, alike[0].workload, tuple(_group_ref(g) for g in alike)))
    return replace_problem(problem, groups=tuple(groups))


def _base_state(inv: Inventory, timeout: float, budget: float) -> _State | None:
    from kmodel.smt.placement import analyse
    from kmodel.smt.scheduling import static_failures

    loaded = inv.loaded
    if loaded is None or not any(o.kind == "Node" for o in loaded.objects):
        return None
    st = _State(timeout, time.monotonic() + budget, budget)
    problem = _problem(_within_hpa_bounds(inv, loaded.objects), st.notes)
    merged = _merged(problem)
    full = analyse(merged)
    static = static_failures(full)
    st.static = frozenset(r for g, _ in static for r in _members(merged.groups[g]))
    st.problem = _drop(problem, st.static)
    st.analysis = full if not static else None
    if not st.problem.pending:
        return st
    st.base = _decide(st.problem, st, explain=True, greedy=True, analysis=st.analysis)
    if st.base.status == "unknown":
        st.notes.append(f"whether every pod fits was not decided ({st.base.why}): "
                        "scheduler-strands-pods, node-loss-unsafe, zone-loss-unsafe and hpa-max-unschedulable "
                        "were not checked")
    return st


def _decide(problem: Any, st: _State, *, explain: bool, greedy: bool = False, analysis: Any = None,
            lost: Sequence[str] = ()) -> _Verdict:
    """Whether every pod of ``problem`` fits: cheap witnesses first, the solver only where none.

    With ``greedy`` (the base question, which ``scheduler-strands-pods`` needs) the witness is the
    default scheduler's greedy sequence; otherwise a first-fit placement replayed through the
    explicit Filter plugins (:func:`_first_fit`; ``analysis``, when it is of the same pods, is
    reused without the ``lost`` nodes). Either is a placement every Filter plugin accepted one pod
    at a time. Independent components (no shared node, no rule between them) are judged apart:
    the solver (:func:`kmodel.smt.scheduling.feasibility`) only gets the components left without
    a witness, and "strands", "infeasible" and "unknown" come from it.
    """
    from kmodel.scheduler.simulate import greedy_schedule
    from kmodel.smt.placement import analyse
    from kmodel.smt.scheduling import FeasibilityResult, feasibility

    run = None
    merged = _merged(problem)
    if analysis is not None and [g.pods for g in merged.groups] != [g.pods for g in analysis.problem.groups]:
        analysis = None  # not the same pods: analyse afresh
    if greedy:
        pods = [p for g in problem.groups for p in g.pods]
        run = greedy_schedule(problem.state, pods, profile=problem.profile)
        if not run.stranded:
            return _Verdict("fits", run)
    a = analysis if analysis is not None else analyse(merged)
    if run is not None:
        of = {p.ref: g.index for g in merged.groups for p in g.pods}
        stranded = {of[p.ref] for p in run.pending}
        todo = [groups for groups, _ in a.components if stranded & set(groups)]
    else:
        todo = [groups for groups, _ in a.components
                if not _first_fit(a, groups, lost) and not _kept_witness(st, a, groups, problem, lost)]
    # smallest first; one infeasible component decides the question
    todo.sort(key=lambda groups: (sum(1 for (g, _n) in a.ub if g in set(groups)), groups))
    unknown = None
    why = ""
    placement: list[tuple[str, str]] = []
    for groups in todo:
        sub = _subset(merged, sorted(groups))
        left = st.deadline - time.monotonic()
        if left < 1.0:
            why = why or f"not attempted: the {st.budget:g} s for the capacity analysis of this input were used up"
            unknown = unknown or FeasibilityResult("unknown", sub.pending)
            continue
        result = feasibility(sub, timeout=min(st.timeout, left), explain=explain)
        if result.status == "infeasible":
            return _Verdict("infeasible", run, result, explained=explain, subproblem=sub)
        if result.status == "unknown":
            why = why or f"the solver gave no answer within {min(st.timeout, left):.0f} s"
            unknown = unknown or result
            continue
        placement += result.order
    if unknown is not None:
        return _Verdict("unknown", run, unknown, why=why)
    return _Verdict("strands" if run is not None else "fits", run, None, placement=tuple(placement))


def _subset(problem: Any, indices: Sequence[int]) -> Any:
    """``problem`` with only the groups at ``indices`` (renumbered)."""
    import dataclasses

    from kmodel.smt.placement import replace_problem

    if len(indices) == len(problem.groups):
        return problem
    return replace_problem(problem, groups=tuple(dataclasses.replace(problem.groups[g], index=i)
                                                 for i, g in enumerate(indices)))


def _first_fit(a: Any, groups: Sequence[int], lost: Sequence[str] = ()) -> bool:
    """A first-fit-decreasing placement of ``groups`` (a component of ``a``) by counts (largest
    requests first, each group's pods on the first nodes its filters allow with room left, the
    ``lost`` nodes left out), replayed through the explicit Filter plugins
    (:func:`kmodel.smt.scheduling.order_placement`). ``True`` only when the replay binds every
    pod; components with order-dependent rules (topology spread, pod affinity) are left to the
    solver."""
    from kmodel.smt.scheduling import order_placement

    mine = set(groups)
    if any(r.group in mine for r in a.spread) or any(r.group in mine for r in a.affinity) or \
            any(g in a.prefilter_failures for g in mine):
        return False
    gone = set(lost)
    nodes = [n for n in a.nodes if n not in gone]
    free = {n: dict(a.free[n]) for n in nodes}
    slots = dict(a.pods_free)
    taken: dict[tuple[int, str], int] = {}

    def size(g: int) -> tuple[int, ...]:
        req = a.requests[g]
        return (-req.get("cpu", 0), -req.get("memory", 0), g)

    for g in sorted(mine, key=size):
        left = a.problem.groups[g].count
        req = a.requests[g]
        for n in nodes:
            if not left:
                break
            room = min(left, a.ub.get((g, n), 0), slots[n])
            for r, amount in req.items():
                room = min(room, max(free[n].get(r, 0), 0) // amount)
            if room <= 0:
                continue
            taken[(g, n)] = room
            left -= room
            slots[n] -= room
            for r, amount in req.items():
                free[n][r] = free[n].get(r, 0) - room * amount
        if left:
            return False
    assignment = []
    for g in sorted(mine):
        pods = iter(a.problem.groups[g].pods)
        for n in nodes:
            for _ in range(taken.get((g, n), 0)):
                assignment.append((next(pods), n, g))
    return not order_placement(a, assignment, budget=0).stuck


def _kept_witness(st: _State, a: Any, groups: Sequence[int], problem: Any, lost: Sequence[str]) -> bool:
    """After a loss: the base greedy binding of the component's pods, in its order, the pods of
    the lost nodes rescheduled at their turn (``schedule_one``, as the scheduler would place the
    replacements), every other pod re-checked on its node (``filter_one_node``) on the cluster
    without the lost nodes. ``True`` when every pod binds: a witness for the components whose
    rules (pod affinity, topology spread) first-fit leaves to the solver."""
    from kmodel.scheduler.framework import filter_one_node, node_infos, schedule_one

    base = st.base
    if not lost or base is None or base.greedy is None:
        return False
    refs = {p.ref for g in groups for p in a.problem.groups[g].pods}
    if not refs <= {p.ref for p, _ in base.greedy.bound}:
        return False  # the scheduler stranded some of them: no base binding to start from
    gone = set(lost)
    snap = node_infos(problem.state)
    filters = problem.profile.filters
    for pod, node in base.greedy.bound:
        if pod.ref not in refs:
            continue
        if node in gone:
            result = schedule_one(pod, snap, profile=problem.profile)
            if not result.feasible:
                return False
            node = result.candidates[0]
        elif not filter_one_node(pod, snap, node, filters).success:
            return False
        snap = snap.replaced({node: snap[node].with_pods((replace(pod, spec=replace(pod.spec, node_name=node)),))})
    return True


def _ready(st: _State | None) -> bool:
    """Whether the follow-up questions make sense: pods to place, and they fit as written."""
    return st is not None and st.base is not None and st.base.status in ("fits", "strands")


def capacity_notes(inv: Inventory) -> list[str]:
    """Notes from the analysis, if any check ran it (what was not decided or left out)."""
    st = inv.cache.get(_CACHE_KEY)
    return list(st.notes) if st is not None else []


# --- locations ------------------------------------------------------------------------------


def _yaml_line(st: _State, source: Source, path: Sequence[str]) -> int:
    """The line of ``path`` in the document at ``source`` (kmodel's own documents keep no field
    lines), or the document's line."""
    key = (source.file, source.line, ".".join(path))
    if key in st.lines:
        return st.lines[key]
    line = source.line
    if source.file != "-":
        try:
            with open(source.file, encoding="utf-8-sig") as fh:
                text = fh.read()
            for node in yaml.compose_all(text, Loader=yaml.SafeLoader):
                if node is None or node.start_mark.line + 1 != source.line:
                    continue
                for part in path:
                    if not isinstance(node, yaml.MappingNode):
                        break
                    match = [(k, v) for k, v in node.value if k.value == part]
                    if not match:
                        break
                    line = match[0][0].start_mark.line + 1
                    node = match[0][1]
                break
        except (OSError, yaml.YAMLError):
            pass
    st.lines[key] = line
    return line


@dataclass(frozen=True)
class _Where:
    """Where a node comes from: a NodePool (``source``) or a Node document (``doc``)."""

    obj: ObjectId
    source: Source | None = None
    doc: Document | None = None


def _node_origins(inv: Inventory) -> dict[str, _Where]:
    from kmodel.checks.runner import _node_pool

    out: dict[str, _Where] = {}
    for doc in inv.of_kind("Node"):
        out[doc.name] = _Where(ObjectId("Node", "", doc.name), doc=doc)
    if inv.loaded is not None:
        for source, body in inv.loaded.extras:
            if body.get("kind") != "NodePool":
                continue
            name = (body.get("metadata") or {}).get("name", "")
            for node in _node_pool(source, body):
                out.setdefault(node.metadata.name, _Where(ObjectId("NodePool", "", name), source=source))
    return out


def _node_finding(check: Check, st: _State, where: _Where, message: str, zone: bool) -> Finding:
    if where.doc is not None:
        path = f'metadata.labels["{ZONE_LABEL}"]' if zone else "metadata.name"
        return finding(check, where.doc, message, path)
    assert where.source is not None
    path = ("spec", "zones") if zone else ("spec", "count")
    return Finding(check.id, check.severity, where.obj, where.source.file, _yaml_line(st, where.source, path),
                   message, ".".join(path))


def _request_path(pod: Pod, resource: str, spec_path: str) -> str:
    """The field of the container with the largest request of ``resource``, else the containers."""
    best: tuple[int, int] | None = None
    for i, c in enumerate(pod.spec.containers):
        amount = dict(c.requests).get(resource, 0)
        if amount and (best is None or amount > best[1]):
            best = (i, amount)
    if best is None:
        return f"{spec_path}.containers"
    if "/" in resource or "." in resource:
        return f'{spec_path}.containers[{best[0]}].resources.requests["{resource}"]'
    return f"{spec_path}.containers[{best[0]}].resources.requests.{resource}"


def _doc_of(inv: Inventory, ref: ObjectRef) -> Document | None:
    return inv.find(ref.kind, ref.namespace or "default", ref.name)


def _shortfall(verdict: _Verdict) -> str:
    """``at most 3 of the 4 pods of Deployment/reports, Deployment/search-index fit
    (Deployment/search-index 1 short): <explanation>``: the pods of the workloads that compete
    for the same nodes (an independent component)."""
    result = verdict.result
    labels = _listed([g.label for g in verdict.subproblem.groups]) if verdict.subproblem is not None else ""
    whose = f"the {result.pending} pods of {labels}" if labels else f"{result.pending} pods"
    if not verdict.explained:
        return f"not all {whose} fit (proved by the solver; no explanation within {EXPLAIN_SECONDS:g} s)."
    if result.stats.get("placeable_is_lower_bound"):
        text = (f"not all {whose} fit (in {EXPLAIN_SECONDS:g} s the solver placed {result.placeable} of them; "
                f"more may fit)")
    else:
        text = f"at most {result.placeable} of {whose} fit"
        if result.short:
            text += f" ({_listed([f'{k} {v} short' for k, v in sorted(result.short.items())])})"
    return text + (": " + " ".join(result.explanation) if result.explanation else ".")


def _listed(items: Sequence[str], limit: int = LIST_LIMIT) -> str:
    """``a, b, c`` or ``a, b, ... and 12 more``."""
    items = list(items)
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def _placement_text(placement: Sequence[tuple[str, str]]) -> str:
    by_node: dict[str, list[str]] = {}
    for pod, node in placement:
        by_node.setdefault(node, []).append(pod)
    nodes = sorted(by_node.items(), key=lambda kv: _natural(kv[0]))
    return _listed([f"{n}: {', '.join(sorted(ps, key=_natural))}" for n, ps in nodes], 6).replace(" more", " more nodes")


def _pod_names(pods: Sequence[Pod]) -> list[str]:
    """Pod names, with their namespace when the pods span several (template-made names repeat)."""
    qualify = len({p.metadata.namespace for p in pods}) > 1
    return [f"{p.metadata.namespace}/{p.metadata.name}" if qualify else p.metadata.name for p in pods]


def _explained(st: _State, verdict: _Verdict) -> _Verdict:
    """``verdict`` (infeasible, decided without explanation) with its explanation, computed in at
    most :data:`EXPLAIN_SECONDS` beyond the decision."""
    from kmodel.smt.scheduling import feasibility

    if verdict.status != "infeasible" or verdict.explained:
        return verdict
    result = feasibility(verdict.subproblem, timeout=min(st.timeout, EXPLAIN_SECONDS), explain=True)
    if result.status != "infeasible":
        return verdict
    return _Verdict("infeasible", verdict.greedy, result, explained=True, subproblem=verdict.subproblem)


def _natural(name: str) -> tuple[Any, ...]:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


# --- unschedulable: the packing part --------------------------------------------------------


def packing_findings(check: Check, inv: Inventory, opts: dict[str, Any]) -> Iterable[Finding]:
    """``unschedulable`` findings for pods that each fit some node but not all together."""
    st = _state(inv, opts)
    if st is None or st.base is None or st.base.status != "infeasible":
        return
    result, groups = st.base.result, st.base.subproblem.groups
    # the workload the most pods of which are left out, else the first of the component
    short = sorted(groups, key=lambda g: (-result.short.get(g.label, 0), g.index))
    doc = _doc_of(inv, _members(short[0])[0]) if short else None
    if doc is None:
        return
    message = (f"the pods do not all fit the nodes together, although each fits some node: "
               f"{_shortfall(st.base)}")
    yield finding(check, doc, message, "spec.replicas" if doc.kind != "Pod" else "spec")


# --- scheduler-strands-pods ----------------------------------------------------------------


def _strands(inv: Inventory, opts: dict[str, Any]) -> Iterable[Finding]:
    st = _state(inv, opts)
    if not _ready(st) or st.base.status != "strands":
        return
    run = st.base.greedy
    every = [p for g in st.problem.groups for p in g.pods]
    names = dict(zip((p.ref for p in every), _pod_names(every)))
    stranded = [names[p.ref] for p in run.pending]
    groups = {p.ref: g for g in st.problem.groups for p in g.pods}
    seen: set[ObjectRef] = set()
    order = _listed([f"{names[p.ref]} -> {n}" for p, n in run.bound], 12)
    for pod in run.pending:
        ref = _group_ref(groups[pod.ref])
        if ref in seen:
            continue
        seen.add(ref)
        doc = _doc_of(inv, ref)
        if doc is None:
            continue
        pending = [p for p in run.pending if _group_ref(groups[p.ref]) == ref]
        mine = [names[p.ref] for p in pending]
        why = run.messages[pending[0].metadata.name]
        lacking = re.findall(r"Insufficient ([\w./-]*\w)", why)
        spec_path = "spec" if doc.kind == "Pod" else "spec.template.spec"
        path = _request_path(pod, lacking[0], spec_path) if lacking else spec_path
        message = (f"the default scheduler can leave {_listed(mine)} Pending ('{why}') although every pod fits "
                   f"together: binding one pod at a time in queue order (priority, then the order of the input), "
                   f"each to a top-scored node ({order}), leaves no node "
                   f"with room for {_listed(mine)}, and bound pods are never moved. A placement that fits every "
                   f"pod: {_placement_text(st.base.placement)} (pods not named stay where the scheduler put them). "
                   f"Schedule the large pods first (a higher priorityClassName) or make room (larger nodes, "
                   f"smaller requests).")
        if len(stranded) > len(mine):
            message += f" Stranded in all: {_listed(stranded)}."
        yield finding(STRANDS, doc, message, path)


# --- hpa-max-unschedulable -----------------------------------------------------------------


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _hpas(inv: Inventory) -> list[tuple[Document, str, str, int, int]]:
    """``(document, target kind, target name, minReplicas, maxReplicas)`` of every valid HPA
    (invalid bounds are ``invalid-manifest``'s finding)."""
    out = []
    for doc in sorted(inv.of_kind(_HPA), key=lambda d: (d.namespace, d.name)):
        target = doc.get("spec.scaleTargetRef") or {}
        high = _int(doc.get("spec.maxReplicas"))
        low = _int(doc.get("spec.minReplicas", 1))
        kind, name = target.get("kind"), target.get("name")
        if high is None or low is None or not 1 <= low <= high or not isinstance(name, str) or not isinstance(kind, str):
            continue
        out.append((doc, kind, name, low, high))
    return out


def _within_hpa_bounds(inv: Inventory, objects: Sequence[Any]) -> list[Any]:
    """``objects`` with every HPA target's replicas as the HPA keeps them: at least
    ``minReplicas``, at most ``maxReplicas`` (``normalizeDesiredReplicas``); a target scaled to
    zero is left alone (autoscaling is off then, as upstream)."""
    bounds = {(kind, doc.namespace, name): (low, high) for doc, kind, name, low, high in _hpas(inv)
              if kind in _MODELLED_TARGETS}
    if not bounds:
        return list(objects)
    out = []
    for obj in objects:
        key = (obj.kind, obj.metadata.namespace or "default", obj.metadata.name)
        if key in bounds:
            low, high = bounds[key]
            current = 1 if obj.spec.replicas is None else obj.spec.replicas
            if current:
                obj = replace(obj, spec=replace(obj.spec, replicas=min(max(current, low), high)))
        out.append(obj)
    return out


def _hpa_state(inv: Inventory, st: _State) -> tuple[_Verdict, list[tuple[Document, ObjectRef, int]]]:
    """Every HPA's target at ``maxReplicas`` (``normalizeDesiredReplicas`` never goes above it),
    in the admitted state of the base question, and whether the pods still fit."""
    from kmodel.smt.placement import problem_from_state

    if st.hpa is not None:
        return st.hpa
    state = st.problem.state
    raised: list[tuple[Document, ObjectRef, int]] = []
    for doc, kind, name, _low, high in _hpas(inv):
        obj = state.get(ObjectRef(kind, doc.namespace, name)) if kind in _MODELLED_TARGETS else None
        if obj is None:
            if inv.exists(str(kind), doc.namespace, name):
                st.notes.append(f"{_HPA}/{doc.namespace}/{doc.name}: its target {kind}/{name} is a kind kmodel does "
                                "not model yet (or was left out): not checked at maxReplicas")
            continue  # a missing target is hpa-target-missing's finding
        current = 1 if obj.spec.replicas is None else obj.spec.replicas
        if high > current:
            state = state.with_(replace(obj, spec=replace(obj.spec, replicas=high)))
            raised.append((doc, obj.ref, high))
    if not raised:
        st.hpa = (_Verdict("fits", None), [])
        return st.hpa
    problem = _drop(problem_from_state(state, profile=st.problem.profile), st.static)
    verdict = _decide(problem, st, explain=True)
    if verdict.status == "unknown":
        st.notes.append(f"hpa-max-unschedulable: undecided ({verdict.why})")
    st.hpa = (verdict, raised)
    return st.hpa


def _hpa_max(inv: Inventory, opts: dict[str, Any]) -> Iterable[Finding]:
    st = _state(inv, opts)
    if not _ready(st):
        return
    verdict, raised = _hpa_state(inv, st)
    if verdict.status != "infeasible":
        return
    involved = {r for g in verdict.subproblem.groups for r in _members(g)}
    blamed = [t for t in raised if t[1] in involved] or raised
    counts: dict[str, int] = {}
    for _, ref, high in raised:
        key = f"{ref.kind}/{ref.name} at {high}"
        counts[key] = counts.get(key, 0) + 1
    scaled = _listed([k if n == 1 else f"{k} in {n} namespaces" for k, n in counts.items()])
    for doc, ref, high in blamed:
        yield finding(HPA_MAX, doc, f"with every HPA's target at maxReplicas ({scaled}), the pods no longer fit the "
                      f"nodes: {_shortfall(verdict)}", "spec.maxReplicas")


# --- node-loss-unsafe and zone-loss-unsafe ---------------------------------------------------


def _losses(st: _State, kind: str) -> list[tuple[str, tuple[str, ...], _Verdict]]:
    from kmodel.smt.placement import analyse

    if kind in st.losses:
        return st.losses[kind]
    if st.analysis is None:
        st.analysis = analyse(_merged(st.problem))
    a = st.analysis
    todo: list[tuple[str, tuple[str, ...]]] = []
    if kind == "node":
        for members in sorted(a.node_classes, key=lambda ms: _natural(ms[0])):
            todo.append((members[0], (members[0],)))
    else:
        from kmodel.smt.scheduling import nodes_by_zone

        by_zone = nodes_by_zone(a)
        if len(by_zone) > 1:
            todo = [(z, tuple(ms)) for z, ms in sorted(by_zone.items())]
        else:
            st.notes.append(f"zone-loss-unsafe: not checked: the nodes are in {len(by_zone) or 'no'} zone"
                            f"{'' if len(by_zone) == 1 else 's'} ({ZONE_LABEL}); a zone loss needs at least two")
    out = []
    undecided: dict[str, list[str]] = {}
    for name, lost in todo:
        # when no pod was bound to the lost nodes, the same pods go on fewer nodes and the base
        # analysis (every filter verdict per pod and node) still holds for the nodes that remain
        verdict = _decide(st.problem.without_nodes(lost), st, explain=False, analysis=a, lost=lost)
        if verdict.status == "unknown":
            undecided.setdefault(verdict.why, []).append(name)
        out.append((name, lost, verdict))
    for why, names in undecided.items():
        st.notes.append(f"{kind}-loss-unsafe: losing {kind} {_listed(names)}: undecided ({why})")
    st.losses[kind] = out
    return out


def _loss_findings(check: Check, kind: str, inv: Inventory, opts: dict[str, Any]) -> Iterable[Finding]:
    st = _state(inv, opts)
    if not _ready(st):
        return
    failing = [(name, lost, v) for name, lost, v in _losses(st, kind) if v.status == "infeasible"]
    if not failing:
        return
    origins = _node_origins(inv)
    by_where: dict[_Where, list[tuple[str, tuple[str, ...], _Verdict]]] = {}
    for name, lost, v in failing:
        places = [origins[n] for n in sorted(lost, key=_natural) if n in origins]
        if not places:
            continue
        by_where.setdefault(places[0], []).append((name, lost, v))
    for where, items in sorted(by_where.items(), key=lambda kv: _natural(kv[1][0][0])):
        name, lost, v = items[0]  # the first in name order; the others are named
        v = _explained(st, v)
        what = f"node {name}" if kind == "node" else f"zone {name} (nodes {_listed(sorted(lost, key=_natural))})"
        message = f"after losing {what}, {_shortfall(v)}"
        others = [n for n, _, _ in items if n != name]
        if others:
            message += f" Losing {_listed(others)} fails too."
        yield _node_finding(check, st, where, message, zone=kind == "zone")


# --- the checks -----------------------------------------------------------------------------


STRANDS = Check(
    "scheduler-strands-pods", "error", "scheduler+" + ENGINE,
    "Every pod fits together, but the default scheduler, placing one pod at a time, can leave some Pending.",
    "The scheduler binds pods one at a time, each to the node its scores rank highest, and never "
    "moves them afterwards; with the default scores (least allocated, balanced allocation) it spreads "
    "the first pods over the nodes, which can leave no node with room for a large pod that comes "
    "later, although a placement of every pod exists. kmodel runs the modelled scheduler's greedy "
    "sequence (queue order: priority, then the order of the input) and, when it strands pods, asks "
    "the solver whether a placement of every pod exists; the finding names the stranded pods, the "
    "scheduler's message, the bindings that led there and a placement that fits.",
    "# 3 nodes of 4 CPU; Deployment reports: 3 replicas of cpu: 2 (queued first),\n"
    "# Deployment search-index: 1 replica of cpu: 4 -> each node keeps 2 CPU free",
    "# the same, with search-index given a higher priorityClassName (it is scheduled first)",
    _strands,
    ("Deployment", "ReplicaSet", "Pod"))

HPA_MAX = Check(
    "hpa-max-unschedulable", "error", ENGINE,
    "With every HorizontalPodAutoscaler's target at maxReplicas, the pods do not fit the nodes.",
    "A HorizontalPodAutoscaler may scale its target up to spec.maxReplicas under load; if the "
    "nodes cannot hold that many replicas beside everything else, the extra pods stay Pending "
    "exactly when the load needs them (unless a cluster autoscaler adds nodes). kmodel scales every "
    "HPA's target to its maxReplicas at once and asks the solver for a placement of every pod; the "
    "finding, at maxReplicas, says how many pods fit at most and which resource runs out (the "
    "solver's unsat explanation).",
    "# 3 nodes of 4 CPU; Deployment reports: cpu: 2 per pod;\n"
    "kind: HorizontalPodAutoscaler\nspec: {scaleTargetRef: {kind: Deployment, name: reports}, maxReplicas: 8}",
    "kind: HorizontalPodAutoscaler\nspec: {scaleTargetRef: {kind: Deployment, name: reports}, maxReplicas: 6}",
    _hpa_max,
    (_HPA,))

NODE_LOSS = Check(
    "node-loss-unsafe", "error", ENGINE,
    "After losing any one node, the workloads' replicas no longer all fit.",
    "When a node fails, the node lifecycle controller evicts its pods and their controllers create "
    "replacements, which must fit on the nodes that remain. kmodel loses each node in turn (one per "
    "class of interchangeable nodes) and asks for a placement of every replica on the rest; the "
    "finding names the node whose loss leaves the most pods Pending, which pods, and why (the "
    "solver's unsat explanation), at the NodePool's count or the Node object.",
    "# NodePool count: 3 nodes of 4 CPU; 5 pods requesting 10 CPU in all",
    "# NodePool count: 4 nodes of 4 CPU (any 3 of them hold the 10 CPU)",
    lambda inv, opts: _loss_findings(NODE_LOSS, "node", inv, opts),
    ("Node",))

ZONE_LOSS = Check(
    "zone-loss-unsafe", "error", ENGINE,
    "After losing any one zone, the workloads' replicas no longer all fit.",
    "A zone outage takes every node of the zone (topology.kubernetes.io/zone) at once. kmodel loses "
    "each zone in turn, when the nodes carry the label and there are at least two zones, and asks for "
    "a placement of every replica on the rest; the finding names the zone, what stays Pending and why, "
    "at the NodePool's zones or the Node's zone label.",
    "# NodePool: 3 nodes of 4 CPU in zones [a, b, c]; pods requesting 10 CPU in all",
    "# NodePool: 6 nodes of 4 CPU in zones [a, b, c] (any two zones hold the 10 CPU)",
    lambda inv, opts: _loss_findings(ZONE_LOSS, "zone", inv, opts),
    ("Node",))

CHECKS: tuple[Check, ...] = (STRANDS, HPA_MAX, NODE_LOSS, ZONE_LOSS)
