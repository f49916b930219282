"""Dynamic checks: what a rollout, a drain or an autoscaler does to the workloads of the input.

Five checks. Three are decided by **bounded model checking** of the modelled control plane
(engine ``explore``), one per Deployment, sharing one exploration:

* ``rollout-stuck``: ``kubectl set image`` of the Deployment's first container to a new image,
  from the steady state where its replicas run on the given nodes, cannot finish: a reachable
  state where no controller has anything left to do and the rollout is incomplete
  (:func:`kmodel.rollout.incomplete_rollouts`, the ``rollout-completes`` property), with the
  shortest trace to it and the scheduler's reason for every pending pod;
* ``rollout-unavailable``: some step of that rollout leaves fewer ready pods of the workload
  than 1, or than the ``desiredHealthy`` of a PodDisruptionBudget that selects it (the pods a
  Service would list as ready endpoints: Running, Ready, not being deleted);
* ``service-unreachable-during-rollout``: some step leaves a Service that selects the workload
  with no ready endpoint (``service-reachable``'s question, asked of the endpoints the
  EndpointSlice controller publishes once in sync, see below).

One is decided by **arithmetic**, confirmed by exploration where possible (engine
``arithmetic+explore``):

* ``drain-blocked``: a PodDisruptionBudget allows no disruption with every selected pod healthy
  at some replica count the selected workloads can have (their ``spec.replicas``, and every count
  in the range of an HPA that scales them): ``status.disruptionsAllowed`` is then 0 and every
  eviction of ``kubectl drain`` is refused (429) for as long as the count stays. The count set is
  finite and small (at most an HPA's ``maxReplicas``), so it is decided exactly by evaluating
  ``getExpectedPodCount`` at every count (percentages round up:
  ``GetScaledValueFromIntOrPercent(..., roundUp=true)``), through the same arithmetic the
  symbolic PDB model uses (:func:`kmodel.smt.models.disruption.desired_healthy`); the finding
  names the smallest blocking count. The blocking counts of one budget are downward closed
  (when a count blocks, every smaller one does: a test checks it over arbitrary budgets), so
  the smallest count of the range blocks whenever any does.

And one is **static**, confirmed by exploration where possible (engine ``static+explore``):

* ``hpa-replicas-conflict``: an HPA scales a Deployment, ReplicaSet or StatefulSet whose
  manifest sets ``spec.replicas``: every ``kubectl apply`` of the manifest resets the count the
  HPA chose (the three-way merge of :mod:`kmodel.kubectl`; upstream documentation, "Migrating
  Deployments and StatefulSets to horizontal autoscaling"); the finding gives the consequence
  at the HPA's bounds. A ``spec.replicas`` outside ``[minReplicas, maxReplicas]`` is said so.
  Bounds the API server refuses (``minReplicas > maxReplicas``) are ``invalid-manifest``'s
  finding, not repeated here.

Scope of an exploration
-----------------------
One Deployment at a time, on the given nodes, with the Services of its namespace that select
its pods (and no other workload's), and the PodDisruptionBudgets that select it (for the
floor). The model holds its namespace, the nodes, the Deployment, those Services and its
ServiceAccount (reference checks own missing references: a ServiceAccount the input lacks is
supplied, so that a rollout question is not answered "the pods are refused"), and runs the
Deployment and ReplicaSet controllers, the scheduler and the kubelet (a rollout deletes no
owner, so the garbage collector has nothing to do).

* **Steady state first.** The controllers run alone (the first enabled step each time,
  deterministic) until none has anything to do; the exploration starts there. When that state
  is not a finished rollout (pods pending: ``unschedulable`` and the capacity checks own that)
  the rollout checks say nothing and a note says the rollout was not explored.
* **Contention with other workloads is left out** and left to the feasibility checks
  (``unschedulable``, ``scheduler-strands-pods``, ``node-loss-unsafe``). Every Filter that can
  make a pod pending in this model (resources, ports, anti-affinity, taints, selectors) only
  rejects more when other pods are added, so a rollout found stuck alone is stuck in any
  cluster that also runs the others; a rollout that completes alone may still stick beside
  them, which is not claimed. Placing the other workloads' pods first as fixed load was the
  alternative; it pins pods to named nodes, which removes node symmetry and makes every copy of
  an app a different exploration (no memoisation across namespaces), for a question the
  feasibility engine answers for the whole cluster.
* **Nodes beyond reach are left out.** Of each class of interchangeable nodes (alike apart
  from name and hostname label), ``2 * (replicas + maxSurge)`` are kept: no state of the
  rollout has more of the workload's pods bound (old, new and terminating ones) than that, so
  an empty node of every class remains wherever the full cluster would have one. Upstream's
  ``percentageOfNodesToScore`` (which scores only some nodes of a large cluster) is not kept.
* **One node when placement cannot matter.** When the template has no inter-pod
  (anti-)affinity, topology spread, host port or claim volume, and some node passes the
  scheduler's filters for ``2 * (replicas + maxSurge)`` of its pods at once, that node alone is
  kept: on the full set of nodes no pod of the rollout can stay pending either (that node always
  has room) and nothing the checks read depends on where a pod runs. The shop frontend's
  exploration fell from 1,787 states on its three nodes to 347 on one.
* **Endpoints are read in sync.** The EndpointSlice controller is not run: a Service's ready
  endpoints are computed from the pods as that controller publishes them (selected, Running,
  Ready, not terminating, with an address, and a Service port that resolves on the pod;
  ``publishNotReadyAddresses`` counts every pod with an address). Its sync is independent of the
  other controllers and always enabled after a change, so a state without ready endpoints is
  reachable with the slices in sync iff it is reachable here; the lag itself is
  ``endpoints-correct``'s business. Without the controller the state space was measured ~190x
  smaller (the shop frontend: 1,787 states against 339,471).
* **Counts.** The rollout runs at ``spec.replicas``, or, when an HPA owns the count and the
  manifest leaves it unset, at the HPA's ``minReplicas`` (the count the HPA raises a new
  Deployment to); for a Deployment an HPA scales, also at the HPA's ``maxReplicas`` (the count
  where capacity runs out first). Every Deployment's first count is explored before any
  ``maxReplicas``, so the extra counts spend only what :data:`BUDGET` leaves, each within
  :data:`EXTRA_MAX_STATES` (a fraction of :data:`MAX_STATES`: a healthy rollout at 6 or 10
  replicas does not finish within 40,000 states, and a stuck one is found in a few dozen). A
  ``maxReplicas`` at which the rollout's pods always fit (no placement constraint, and the
  nodes that pass the filters hold ``2 * (maxReplicas + maxSurge)`` of its pods together) is not
  explored: capacity cannot run out there, no note is given, and rollout-unavailable and
  service-unreachable at that count are not claimed. A finding on an autoscaled Deployment
  names its count ("at 6 replicas (the maxReplicas of HorizontalPodAutoscaler/x): ..."); a
  check found at the first count is not repeated at ``maxReplicas``. Counts strictly inside
  the range are not explored.
* **Bounded and honest.** Breadth-first with symmetry, at most :data:`MAX_STATES` states and
  :data:`TIMEOUT` seconds per rollout and :data:`BUDGET` seconds for all of them; a cut search
  gives no finding but a note ("rollout of Deployment/x not decided within N states"), never a
  pass, and violations found before the cut are reported (their traces are shortest). Measured:
  a rollout that makes progress (everything fits) grows with the replicas and the strategy's
  slack: 159 states at 2 replicas, 347 at 3, 26,714 at 5 (on one node, 25%/25%; decided in
  about 12 s at 2,300 states/s), so larger healthy rollouts are noted as not decided; stuck and
  Recreate rollouts stay small (18 and 915 states at 5 replicas).
* **Memoised by shape.** The exploration runs under canonical names (namespace
  ``kmodel-workload-ns``, Deployment ``kmodel-workload``, Services ``kmodel-service-N``), keyed by
  the canonical objects; identical workloads in other namespaces or under other names reuse it,
  and their messages and traces are renamed back.

StatefulSets, DaemonSets and Jobs are not modelled: their rollouts are not explored. Paused
Deployments and Deployments at 0 replicas have no rollout to explore.

Without nodes in the input the rollout checks do not run and a note says so; ``drain-blocked``
and ``hpa-replicas-conflict`` need no nodes (a budget's arithmetic and an HPA's bounds do not
depend on them) and run without their confirming exploration.

Drains are confirmed by exploration where the model runs the workload: when the budget selects
one Deployment or ReplicaSet and nodes are given, the workload is settled at the smallest
blocking count with the budget, the disruption controller (:mod:`kmodel.controllers.disruption`)
and the Eviction API (:mod:`kmodel.registry.eviction`), then ``kubectl drain`` (:mod:`kmodel.drain`)
of the first node (by name) running one of its pods is explored; the stuck drain's trace and
the refusal are attached to the finding. Otherwise (no nodes, StatefulSets, several workloads,
a search the bounds cut) the arithmetic decides alone: it is the rule the disruption controller
and the Eviction API apply, exact over the count set. ``hpa-replicas-conflict`` is decided statically
(the apply's three-way merge is deterministic) and its consequence computed at the HPA's bound
the manifest is furthest from; with nodes and an HPA with a CPU utilization target, the
workload is run with the HPA controller (:mod:`kmodel.controllers.podautoscaler`) under a load
that holds it at that bound (four times the target, or a quarter of it), then ``kubectl apply``
of the manifest is explored, and the shortest trace to the pods deleted (or created) is
attached.

Abstracted away: other workloads' pods during an exploration (see above); upstream's
``percentageOfNodesToScore``; the EndpointSlice controller's lag; rollouts at counts other than
``spec.replicas``, the HPA's minimum and its maximum (and at a maximum where the pods always fit);
rollouts of StatefulSets, DaemonSets and Jobs; a new
image that fails to pull, start or become ready (the new pods behave as the old ones did); the
time a rollout takes (``minReadySeconds`` and ``progressDeadlineSeconds`` are the model's
abstract timers); for drains, nodes other than the first one running a selected pod; for the
HPA, a load that changes.

Upstream: ``pkg/controller/deployment/rolling.go`` (``reconcileNewReplicaSet``,
``reconcileOldReplicaSets``), ``pkg/controller/deployment/util/deployment_util.go``
(``MaxSurge``, ``MaxUnavailable``, ``ResolveFenceposts``), ``pkg/controller/disruption/disruption.go``
(``getExpectedPodCount``, ``updatePdbStatus``), ``staging/src/k8s.io/apimachinery/pkg/util/intstr/intstr.go``
(``GetScaledValueFromIntOrPercent``), ``pkg/registry/core/pod/storage/eviction.go`` (429 while
``disruptionsAllowed`` is 0), ``pkg/controller/podautoscaler/horizontal.go``
(``normalizeDesiredReplicas``), ``staging/src/k8s.io/kubectl/pkg/cmd/apply/patcher.go``,
``pkg/controller/endpointslice/reconciler.go`` (which pods are ready endpoints).

Examples
--------
>>> blocking_counts({"minAvailable": 2}, [2, 3, 4])
[2]
>>> blocking_counts({"maxUnavailable": "10%"}, range(1, 6))
[]
>>> blocking_counts({"minAvailable": "50%"}, [1, 2, 3])
[1]
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kmodel.checks import Check, Finding, Inventory, finding
from kmodel.manifests import Document

__all__ = ["BUDGET", "CHECKS", "EXTRA_MAX_STATES", "MAX_STATES", "TIMEOUT", "blocking_counts", "disruptions_allowed",
           "dynamics_notes", "next_image"]

#: Bounds of one rollout exploration (options ``explore_max_states`` and ``explore_timeout``),
#: and of all rollout explorations of one input (option ``explore_budget``, seconds).
MAX_STATES = 40_000
TIMEOUT = 30.0
BUDGET = 90.0
#: Bound of a rollout explored at an HPA's ``maxReplicas`` besides the Deployment's own count
#: (option ``explore_extra_max_states``): within :data:`MAX_STATES`, small enough that a healthy
#: rollout (which a cut leaves a note, never a pass) costs about a second, large enough for the
#: short traces of a stuck or unavailable one.
EXTRA_MAX_STATES = 3_000

_NS = "kmodel-workload-ns"
_NAME = "kmodel-workload"
_SERVICE = "kmodel-service-"
_CONTROLLERS = ("deployment-controller", "replicaset-controller", "scheduler", "kubelet")
_SCALED_KINDS = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")
_CACHE_KEY = "dynamics"


# -- arithmetic: PodDisruptionBudgets --------------------------------------------------------------

def _int_or_percent(value: Any) -> tuple[int, bool] | None:
    """``(n, is_percent)`` of an IntOrString as the API accepts it, else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value, False) if value >= 0 else None
    if isinstance(value, str):  # a string must be a percentage (``IsValidPercent``), at most 100%
        m = re.fullmatch(r"(\d+)%", value)
        if m and int(m.group(1)) <= 100:
            return int(m.group(1)), True
    return None


def _pdb_kind(spec: dict[str, Any]) -> tuple[int, int] | None:
    """``(pdb_kind, value)`` as :mod:`kmodel.smt.models.disruption` numbers them, or ``None``
    when the budget is not one the API server accepts (``invalid-manifest``'s finding)."""
    has_min, has_max = spec.get("minAvailable") is not None, spec.get("maxUnavailable") is not None
    if has_min == has_max:
        return None
    parsed = _int_or_percent(spec["minAvailable"] if has_min else spec["maxUnavailable"])
    if parsed is None:
        return None
    value, pct = parsed
    return (1 if pct else 0) if has_min else (3 if pct else 2), value


def _desired_healthy(spec: dict[str, Any], count: int) -> int | None:
    """``desiredHealthy`` of ``getExpectedPodCount`` for ``count`` pods (``None``: not a valid budget)."""
    kind = _pdb_kind(spec)
    if kind is None:
        return None
    from kmodel.smt.models.disruption import desired_healthy
    from kmodel.smt.ops import CONCRETE

    return int(desired_healthy(CONCRETE, kind[0], kind[1], count))


def disruptions_allowed(spec: dict[str, Any], count: int) -> int | None:
    """``status.disruptionsAllowed`` of a budget over ``count`` pods, all healthy, of workloads
    whose scale is ``count`` (``getExpectedPodCount`` then ``updatePdbStatus``).

    >>> disruptions_allowed({"minAvailable": 2}, 3), disruptions_allowed({"maxUnavailable": 0}, 3)
    (1, 0)
    >>> disruptions_allowed({"minAvailable": "90%"}, 5)   # ceil(4.5) = 5 of 5
    0
    """
    desired = _desired_healthy(spec, count)
    if desired is None:
        return None
    allowed = count - desired
    return 0 if count <= 0 or allowed <= 0 else allowed


def blocking_counts(spec: dict[str, Any], counts: Iterable[int]) -> list[int]:
    """The counts (of at least one pod) at which the budget allows no disruption, sorted."""
    return sorted(n for n in set(counts) if n >= 1 and disruptions_allowed(spec, n) == 0)


def _ranges(values: Sequence[int]) -> str:
    """``[1, 2, 3, 5]`` as ``1-3, 5``.

    >>> _ranges([1, 2, 3, 5, 7, 8])
    '1-3, 5, 7-8'
    """
    parts: list[list[int]] = []
    for v in values:
        if parts and v == parts[-1][1] + 1:
            parts[-1][1] = v
        else:
            parts.append([v, v])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in parts)


def _budget_text(spec: dict[str, Any]) -> str:
    key = "minAvailable" if spec.get("minAvailable") is not None else "maxUnavailable"
    return f"{key} {spec[key]}"


# -- the input: workloads, HPAs, budgets -----------------------------------------------------------

def _hpas(inv: Inventory) -> dict[tuple[str, str, str], Document]:
    """HPAs with bounds the API server accepts, by the ``(kind, namespace, name)`` they scale."""
    out: dict[tuple[str, str, str], Document] = {}
    for doc in inv.of_kind("HorizontalPodAutoscaler"):
        ref = doc.get("spec.scaleTargetRef") or {}
        low, high = doc.get("spec.minReplicas", 1), doc.get("spec.maxReplicas")
        if not isinstance(ref, dict) or not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)):
            continue
        if low < 1 or high < low:
            continue
        out.setdefault((str(ref.get("kind", "")), doc.namespace, str(ref.get("name", ""))), doc)
    return out


def _bounds(hpa: Document) -> tuple[int, int]:
    return int(hpa.get("spec.minReplicas", 1)), int(hpa.get("spec.maxReplicas"))


def _workload_counts(doc: Document, hpa: Document | None) -> set[int]:
    """The replica counts a workload can have: ``spec.replicas`` (default 1; when an HPA scales
    it and the manifest leaves it unset, the HPA's range alone) and the HPA's range."""
    if doc.kind == "Pod":
        return {1}
    replicas = doc.get("spec.replicas")
    counts = set()
    if hpa is not None:
        low, high = _bounds(hpa)
        counts.update(range(low, high + 1))
        if isinstance(replicas, int) and not isinstance(replicas, bool):
            counts.add(replicas)
    else:
        counts.add(replicas if isinstance(replicas, int) and not isinstance(replicas, bool) else 1)
    return counts


def _templates(inv: Inventory, namespace: str) -> list[tuple[Document, dict[str, str]]]:
    """The pod templates of ``namespace`` (workloads and bare pods), read once per input."""
    from kmodel.checks.references import pod_templates

    by_ns = inv.cache.get("dynamics-templates")
    if not isinstance(by_ns, dict):
        by_ns = {}
        for doc, labels, _ in pod_templates(inv):
            if doc.kind in _SCALED_KINDS + ("Pod",):
                by_ns.setdefault(doc.namespace, []).append((doc, labels))
        inv.cache["dynamics-templates"] = by_ns
    return list(by_ns.get(namespace, ()))


def _budgets(inv: Inventory, namespace: str) -> list[Document]:
    by_ns = inv.cache.get("dynamics-budgets")
    if not isinstance(by_ns, dict):
        by_ns = {}
        for doc in inv.of_kind("PodDisruptionBudget"):
            by_ns.setdefault(doc.namespace, []).append(doc)
        inv.cache["dynamics-budgets"] = by_ns
    return list(by_ns.get(namespace, ()))


def _selected(inv: Inventory, namespace: str, selector: Any) -> list[tuple[Document, dict[str, str]]]:
    from kmodel.checks.references import _selector_matches

    if not isinstance(selector, dict) or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return []
    return [(d, labels) for d, labels in _templates(inv, namespace) if _selector_matches(selector, labels)]


# -- drain-blocked ---------------------------------------------------------------------------------

def _drain_blocked(inv: Inventory, _opts: dict[str, Any]) -> Iterable[Finding]:
    hpas = _hpas(inv)
    for pdb in inv.of_kind("PodDisruptionBudget"):
        spec = pdb.get("spec") or {}
        if not isinstance(spec, dict) or _pdb_kind(spec) is None:
            continue
        workloads = _selected(inv, pdb.namespace, spec.get("selector"))
        if not workloads:
            continue  # pdb-selects-nothing
        sums = {0}
        for doc, _ in workloads:
            counts = _workload_counts(doc, hpas.get((doc.kind, doc.namespace, doc.name)))
            sums = {s + c for s in sums for c in counts}
        blocking = blocking_counts(spec, sums)
        if not blocking:
            continue
        n = blocking[0]
        names = ", ".join(f"{d.kind}/{d.name}" for d, _ in workloads)
        scaled = [d for d, _ in workloads if (d.kind, d.namespace, d.name) in hpas]
        where = (f"at {n} replica{'s' if n != 1 else ''} of {names}" +
                 (f" (a count its HorizontalPodAutoscaler may choose, {min(sums)}-{max(sums)})" if scaled else ""))
        more = (f"; of the counts {_ranges(sorted(sums))} it blocks at {_ranges(blocking)}" if len(sums) > 1 else "")
        key = "spec.minAvailable" if spec.get("minAvailable") is not None else "spec.maxUnavailable"
        f = finding(DRAIN_BLOCKED, pdb, f"{_budget_text(spec)} allows no disruption {where} even with every pod "
                    f"healthy: disruptionsAllowed is 0, so kubectl drain of a node running one of them never "
                    f"finishes (every eviction is refused with 429 Too Many Requests){more}", key)
        yield _confirm_drain(inv, f, pdb, [d for d, _ in workloads], n, _opts)


_BUDGET = "kmodel-budget"
_DRAIN_CONTROLLERS = _CONTROLLERS + ("disruption-controller", "kubectl-drain")


def _confirm_drain(inv: Inventory, f: Finding, pdb: Document, workloads: list[Document], count: int,
                   opts: dict[str, Any]) -> Finding:
    """The finding with the trace of ``kubectl drain`` of a node running a selected pod, explored
    at ``count`` replicas with the disruption controller and the Eviction API; unchanged when the
    drain cannot be explored (no nodes, a kind or a pod the model does not run)."""
    from kmodel.objects.meta import Namespace, ObjectMeta, replace

    loaded = inv.loaded
    if loaded is None or len(workloads) != 1 or workloads[0].kind not in ("Deployment", "ReplicaSet"):
        return f
    (doc,) = workloads
    nodes = [o for o in loaded.objects if o.kind == "Node"]
    ns = doc.namespace
    obj = next((o for o in loaded.objects if o.kind == doc.kind and o.metadata.name == doc.name
                and (o.metadata.namespace or "default") == ns), None)
    budget = next((o for o in loaded.objects if o.kind == "PodDisruptionBudget" and o.metadata.name == pdb.name
                   and (o.metadata.namespace or "default") == ns), None)
    if not nodes or obj is None or budget is None or not obj.spec.template.spec.containers:
        return f
    canon = replace(obj, metadata=ObjectMeta(_NAME, _NS, labels=obj.metadata.labels,
                                             annotations=obj.metadata.annotations),
                    spec=replace(obj.spec, replicas=count), status=type(obj.status)())
    objects: list[Any] = [Namespace(ObjectMeta(_NS))]
    sa = canon.spec.template.spec.service_account_name
    if sa and sa != "default":
        from kmodel.objects.access import ServiceAccount

        objects.append(ServiceAccount(ObjectMeta(sa, _NS)))
    objects += _reachable_nodes(_node_classes(nodes), 2 * count) + [canon]  # evicted and replacement pods
    objects.append(replace(budget, metadata=ObjectMeta(_BUDGET, _NS), status=type(budget.status)()))
    memo = inv.cache.setdefault("dynamics-drains", {})
    key = repr(objects)
    if key not in memo:
        try:
            memo[key] = _explore_drain(objects, opts)
        except ImportError:  # no drain in this model: the finding stands on the arithmetic
            memo[key] = None
        except Exception as exc:  # the model refused an object: the finding stands on the arithmetic
            from kmodel.errors import KmodelError

            if not isinstance(exc, KmodelError):
                raise
            memo[key] = None
    hit = memo[key]
    if isinstance(hit, str):  # the model drained the node: say so rather than hide it
        inv.cache.setdefault("dynamics-drain-notes", []).append(
            f"drain-blocked: PodDisruptionBudget/{ns}/{pdb.name}: {_rename(hit, [(_NS, ns), (_NAME, doc.name)])}")
        return f
    if hit is None:
        return f
    message, trace = _rename(hit, [(_BUDGET, pdb.name), (_NS, ns), (_NAME, doc.name)])
    return Finding(f.check, f.severity, f.object, f.file, f.line, f"{f.message}. {message}", f.field, trace)


def _explore_drain(objects: list[Any], opts: dict[str, Any]) -> tuple[str, tuple[dict[str, Any], ...]] | str | None:
    """Settle, then drain the first node (by name) running a pod of the canonical workload."""
    from kmodel.cluster import DEFAULT_CONTROLLERS, ClusterModel
    from kmodel.drain import drain, incomplete_drains
    from kmodel.properties_disruption import drain_completes
    from kmodel.report.trace import trace_entries

    controllers = [c for c in DEFAULT_CONTROLLERS if c.name in _DRAIN_CONTROLLERS]
    names = {c.name for c in controllers}
    world = _settle(ClusterModel(objects, controllers=controllers, properties=()), names)
    if world is None:
        return None
    used = sorted(p.spec.node_name for p in world.cluster.list("Pod", _NS) if p.spec.node_name)
    if not used or _pending_reasons(world.cluster):
        return None
    model = ClusterModel(objects, controllers=controllers, events=(drain(used[0]),), properties=(drain_completes(),))
    model.initial = world
    result = model.checker().symmetry().max_states(int(opts.get("explore_max_states", MAX_STATES))) \
        .timeout(float(opts.get("explore_timeout", TIMEOUT))).bfs()
    r = result.properties["drain-completes"]
    if r.verdict == "holds":  # a disagreement between the arithmetic and the model
        return f"the explored kubectl drain {used[0]} completes in the model ({result.stats.states} states)"
    if r.verdict != "violated" or r.path is None:
        return None  # a cut search: the arithmetic stands alone
    why = "; ".join(incomplete_drains(r.path.last_state.cluster))
    return (f"Explored: kubectl drain {used[0]} never completes ({why})", tuple(trace_entries(model, r.path)))


def _settle(model: Any, names: set[str]) -> Any:
    """Run the controllers (the first enabled step each time) until none has anything to do;
    ``None`` when they cycle or take more than 10,000 steps."""
    world = model.initial
    seen = {world}
    while True:
        step = next((w for s, w in model.successors(world) if s.actor in names), None)
        if step is None:
            return world
        world = step
        if world in seen or len(seen) > 10_000:
            return None
        seen.add(world)


# -- hpa-replicas-conflict -------------------------------------------------------------------------

def _hpa_replicas_conflict(inv: Inventory, _opts: dict[str, Any]) -> Iterable[Finding]:
    hpas = _hpas(inv)
    for doc in inv.documents:
        if doc.kind not in ("Deployment", "ReplicaSet", "StatefulSet"):
            continue
        hpa = hpas.get((doc.kind, doc.namespace, doc.name))
        replicas = doc.get("spec.replicas")
        if hpa is None or not isinstance(replicas, int) or isinstance(replicas, bool):
            continue
        low, high = _bounds(hpa)
        who = f"HorizontalPodAutoscaler/{hpa.name} (minReplicas {low}, maxReplicas {high})"
        if replicas < low or replicas > high:
            bound = low if replicas < low else high
            message = (f"spec.replicas {replicas} is outside the range of {who}: every kubectl apply of this "
                       f"manifest sets {replicas} replicas, and the HPA moves them back to at least {bound}"
                       if replicas < low else
                       f"spec.replicas {replicas} is outside the range of {who}: every kubectl apply of this "
                       f"manifest sets {replicas} replicas, and the HPA moves them back to at most {bound}")
            churn = abs(replicas - bound)
            message += f" ({churn} pod{'s' if churn != 1 else ''} {'created' if replicas > high else 'deleted'}, then " \
                       f"{'deleted' if replicas > high else 'recreated'})"
        else:
            down, up = high - replicas, replicas - low
            if down >= up:
                message = (f"{who} scales this {doc.kind}, but its manifest sets spec.replicas: every kubectl apply "
                           f"resets the count the HPA chose: apply sets replicas to {replicas} while the HPA holds "
                           f"{high}: {down} pod{'s' if down != 1 else ''} deleted, then recreated")
            else:
                message = (f"{who} scales this {doc.kind}, but its manifest sets spec.replicas: every kubectl apply "
                           f"resets the count the HPA chose: apply sets replicas to {replicas} while the HPA holds "
                           f"{low}: {up} pod{'s' if up != 1 else ''} created, then deleted")
        held = high if (replicas > high or (low <= replicas and high - replicas >= replicas - low)) else low
        f = finding(HPA_REPLICAS_CONFLICT, doc, message + "; remove spec.replicas from the manifest", "spec.replicas")
        yield _confirm_apply(inv, f, doc, hpa, held, replicas, _opts)


_HPA = "kmodel-hpa"
_HPA_CONTROLLERS = _CONTROLLERS + ("horizontal-pod-autoscaler", "horizontal-pod-autoscaler-window")


def _confirm_apply(inv: Inventory, f: Finding, doc: Document, hpa_doc: Document, held: int, replicas: int,
                   opts: dict[str, Any]) -> Finding:
    """The finding with the trace of ``kubectl apply`` of the manifest while the HPA holds
    ``held`` replicas, explored with the HPA controller; unchanged when that cannot be explored
    (no nodes, a kind the model does not run, an HPA without a CPU utilization target)."""
    from kmodel.kubectl import apply_manifests
    from kmodel.objects.meta import Namespace, ObjectMeta, replace

    loaded = inv.loaded
    if loaded is None or doc.kind not in ("Deployment", "ReplicaSet") or held == replicas:
        return f
    ns = doc.namespace
    nodes = [o for o in loaded.objects if o.kind == "Node"]

    def loaded_object(kind: str, name: str) -> Any:
        return next((o for o in loaded.objects if o.kind == kind and o.metadata.name == name
                     and (o.metadata.namespace or "default") == ns), None)

    obj, hpa = loaded_object(doc.kind, doc.name), loaded_object("HorizontalPodAutoscaler", hpa_doc.name)
    metrics = getattr(getattr(hpa, "spec", None), "metrics", ())
    target = next((m.target.average_utilization for m in metrics if m.type == "Resource" and m.name == "cpu"
                   and m.target is not None and m.target.average_utilization), None)
    if not nodes or obj is None or target is None or not isinstance(doc.get(""), dict):
        return f
    canon = replace(obj, metadata=ObjectMeta(_NAME, _NS, labels=obj.metadata.labels,
                                             annotations=obj.metadata.annotations), status=type(obj.status)())
    body = dict(doc.get(""))
    body["metadata"] = dict(body.get("metadata") or {}, name=_NAME, namespace=_NS)
    ref = replace(hpa.spec.scale_target_ref, name=_NAME)
    canon_hpa = replace(hpa, metadata=ObjectMeta(_HPA, _NS), spec=replace(hpa.spec, scale_target_ref=ref),
                        status=type(hpa.status)())
    keep = 2 * max(held, replicas) + 2
    objects = [Namespace(ObjectMeta(_NS)), *_reachable_nodes(_node_classes(nodes), keep), canon, canon_hpa]
    load = 4 * target if held > replicas else max(1, target // 4)  # holds the HPA at its bound
    memo = inv.cache.setdefault("dynamics-applies", {})
    key = repr((objects, body, held, load))
    if key not in memo:
        event = apply_manifests([canon], [body], file=doc.source.file, initial_bodies={canon.ref: body})
        try:
            memo[key] = _explore_apply(objects, event, held, held > replicas, load, opts)
        except ImportError:  # no HPA controller in this model: the finding stands as it is
            memo[key] = None
        except Exception as exc:  # the model refused an object: the finding stands as it is
            from kmodel.errors import KmodelError

            if not isinstance(exc, KmodelError):
                raise
            memo[key] = None
    hit = memo[key]
    if hit is None:
        return f
    message, trace = _rename(hit, [(_HPA, hpa_doc.name), (_NS, ns), (_NAME, doc.name)])
    return Finding(f.check, f.severity, f.object, f.file, f.line, f"{f.message}. {message}", f.field, trace)


def _explore_apply(objects: list[Any], event: Any, held: int, down: bool, load: int,
                   opts: dict[str, Any]) -> tuple[str, tuple[dict[str, Any], ...]] | None:
    """Run the controllers under ``load`` until the HPA holds ``held`` ready replicas, then
    explore the apply: the shortest trace to pods deleted below (``down``) or created above that
    count."""
    from kmodel.cluster import DEFAULT_CONTROLLERS, ClusterModel
    from kmodel.model import always
    from kmodel.objects.workloads import is_pod_ready
    from kmodel.report.trace import trace_entries

    controllers = [c for c in DEFAULT_CONTROLLERS if c.name in _HPA_CONTROLLERS]
    names = {c.name for c in controllers}
    utilization = {f"{_NS}/{_NAME}": load}
    workload = next(o for o in objects if o.metadata.name == _NAME)

    def active(w: Any) -> int:
        return sum(1 for p in w.cluster.list("Pod", _NS) if not p.metadata.deleting
                   and p.status.phase not in ("Succeeded", "Failed"))

    model = ClusterModel(objects, controllers=controllers, events=(event,), properties=(),
                         cpu_utilization=utilization)
    world = model.initial
    for _ in range(2_000):  # the HPA's windows keep it busy: stop once it holds the count
        live = world.cluster.get(workload.ref)
        pods = world.cluster.list("Pod", _NS)
        if live is not None and live.spec.replicas == held and len(pods) == held and \
                all(p.status.phase == "Running" and is_pod_ready(p) for p in pods):
            break
        world = next((w for s, w in model.successors(world) if s.actor in names), None)
        if world is None:
            return None
    else:
        return None

    def kept(w: Any) -> bool:
        return w.env.events == 0 or (active(w) >= held if down else active(w) <= held)

    model = ClusterModel(objects, controllers=controllers, events=(event,), properties=(always("held", kept),),
                         cpu_utilization=utilization)
    model.initial = world
    result = model.checker().symmetry().max_states(int(opts.get("explore_max_states", MAX_STATES))) \
        .timeout(float(opts.get("explore_timeout", TIMEOUT))).bfs()
    r = result.properties["held"]
    if r.verdict != "violated" or r.path is None:
        return None
    n = active(r.path.last_state)
    change = f"{held - n} pods deleted" if n < held else f"{n - held} pods created"
    return (f"Explored: with the HPA holding {held}, {event.description} leaves {n} active pods after "
            f"{len(r.path.actions)} steps ({change})", tuple(trace_entries(model, r.path)))


# -- rollouts --------------------------------------------------------------------------------------

def next_image(image: str) -> str:
    """The image a rollout moves to: the tag with ``-next`` appended (``:next`` without a tag).

    >>> next_image("nginx:1.27"), next_image("registry:5000/web"), next_image("web@sha256:ab")
    ('nginx:1.27-next', 'registry:5000/web:next', 'web:next')
    """
    base = image.split("@", 1)[0]
    last = base.rsplit("/", 1)[-1]
    return f"{base}-next" if ":" in last else f"{base}:next"


@dataclass
class _Outcome:
    """What one exploration found, under the canonical names."""

    stuck: tuple[str, tuple[dict[str, Any], ...]] | None = None
    unavailable: tuple[str, tuple[dict[str, Any], ...]] | None = None
    unreachable: dict[str, tuple[str, tuple[dict[str, Any], ...]]] = field(default_factory=dict)
    note: str = ""
    states: int = 0
    seconds: float = 0.0


@dataclass
class _Analysis:
    """Per input: findings per check id, notes, explorations run and reused."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    memo: dict[str, _Outcome] = field(default_factory=dict)
    explored: int = 0
    reused: int = 0
    fits: int = 0  # maxReplicas counts not explored: their pods always fit
    seconds: float = 0.0


def _ready_endpoint(pod: Any, service: Any) -> bool:
    """Whether the EndpointSlice controller lists ``pod`` as a ready endpoint of ``service``."""
    from kmodel.objects.workloads import is_pod_ready

    if pod.status.phase in ("Succeeded", "Failed") or not pod.status.pod_ip or not pod.spec.node_name:
        return False
    if not service.spec.publish_not_ready_addresses and (pod.metadata.deleting or not is_pod_ready(pod)):
        return False
    return any(_resolves(pod, port) for port in service.spec.ports) or not service.spec.ports


def _resolves(pod: Any, port: Any) -> bool:
    """``FindPort``: an int targetPort always resolves, a name must be a container port's."""
    if isinstance(port.target_port, int):
        return True
    sidecars = [c for c in pod.spec.init_containers if c.restart_policy == "Always"]
    return any(p.name == port.target_port and p.protocol == port.protocol
               for c in list(pod.spec.containers) + sidecars for p in c.ports)


def _selects(service: Any, labels: tuple[tuple[str, str], ...]) -> bool:
    want = dict(service.spec.selector or ())
    have = dict(labels)
    return bool(want) and all(have.get(k) == v for k, v in want.items())


def _ready_pods(state: Any) -> int:
    from kmodel.objects.workloads import is_pod_ready

    return sum(1 for p in state.list("Pod", _NS)
               if not p.metadata.deleting and p.status.phase == "Running" and is_pod_ready(p))


def _node_shape(node: Any) -> str:
    from kmodel.objects.meta import replace
    from kmodel.objects.nodes import HOSTNAME_LABEL

    m = node.metadata
    labels = tuple((k, "" if k == HOSTNAME_LABEL else v) for k, v in m.labels)
    return repr(replace(node, metadata=replace(m, name="", uid="", labels=labels)))


def _node_classes(nodes: Sequence[Any]) -> list[list[Any]]:
    """Classes of interchangeable nodes (alike apart from name and hostname label), by name."""
    classes: dict[str, list[Any]] = {}
    for n in sorted(nodes, key=lambda n: n.metadata.name):
        classes.setdefault(_node_shape(n), []).append(n)
    return list(classes.values())


def _reachable_nodes(classes: Sequence[Sequence[Any]], keep: int) -> list[Any]:
    """At most ``keep`` nodes of each class of interchangeable nodes (the first by name)."""
    return sorted((n for members in classes for n in members[:keep]), key=lambda n: n.metadata.name)


def _rename(value: Any, names: Sequence[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for canon, real in names:
            value = value.replace(canon, real)
        return value
    if isinstance(value, dict):
        return {k: _rename(v, names) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_rename(v, names) for v in value)
    return value


def _pending_reasons(state: Any) -> list[str]:
    from kmodel.scheduler.framework import node_infos, schedule_one

    out = []
    infos = None
    for pod in state.list("Pod", _NS):
        if not pod.spec.node_name and pod.status.phase == "Pending" and not pod.metadata.deleting:
            infos = infos or node_infos(state)
            r = schedule_one(pod, infos)
            if not r.feasible:
                out.append(f"{pod.ref} is unschedulable: {r.message(len(infos))}")
    return out


def _explore(objects: list[Any], deployment: Any, services: list[Any], floor: tuple[int, str],
             opts: dict[str, Any]) -> _Outcome:
    """Settle, then explore the rollout of the canonical ``deployment``."""
    from kmodel.cluster import DEFAULT_CONTROLLERS, ClusterModel
    from kmodel.controllers import deployment_util as du
    from kmodel.kubectl import set_image
    from kmodel.model import always, eventually_always
    from kmodel.report.trace import trace_entries
    from kmodel.rollout import incomplete_rollouts

    container = deployment.spec.template.spec.containers[0]
    controllers = [c for c in DEFAULT_CONTROLLERS if c.name in _CONTROLLERS]
    names = {c.name for c in controllers}
    event = set_image(_NS, _NAME, container.name, next_image(container.image))
    out = _Outcome()
    start = time.perf_counter()
    # A probe model without properties to settle in; the properties need the steady state.
    world = _settle(ClusterModel(objects, controllers=controllers, events=(event,), properties=()), names)
    if world is None:
        out.note = "not explored: its controllers do not settle before the rollout"
        return out
    steady = world.cluster
    deployment = _as_admitted(deployment)  # strategy defaults for the sentences below
    if incomplete_rollouts(steady) or _pending_reasons(steady) or _ready_pods(steady) < du._replicas(deployment):
        out.note = "not explored: its replicas do not all run on the given nodes before it (see unschedulable)"
        return out
    floor_n, floor_why = floor
    live = [s for s in services if any(_ready_endpoint(p, s) for p in steady.list("Pod", _NS)
                                        if _selects(s, p.metadata.labels))]

    def service_ok(svc: Any) -> Any:
        return lambda w: any(_ready_endpoint(p, svc) for p in w.cluster.list("Pod", _NS) if _selects(svc, p.metadata.labels))

    props = [eventually_always("rollout-completes", lambda w: not incomplete_rollouts(w.cluster)),
             always("ready-floor", lambda w: _ready_pods(w.cluster) >= floor_n)]
    props += [always(f"service:{s.metadata.name}", service_ok(s)) for s in live]
    model = ClusterModel(objects, controllers=controllers, events=(event,), properties=props)
    model.initial = world  # the steady state (same objects, settled by the same controllers)
    max_states = int(opts.get("explore_max_states", MAX_STATES))
    timeout = float(opts.get("explore_timeout", TIMEOUT))
    result = model.checker().symmetry().max_states(max_states).timeout(timeout).bfs()
    out.states, out.seconds = result.stats.states, time.perf_counter() - start
    command = f"kubectl set image deployment/{_NAME} {container.name}={next_image(container.image)}"

    def trace(path: Any) -> tuple[dict[str, Any], ...]:
        return tuple(trace_entries(model, path))

    for name, r in result.properties.items():
        if r.verdict != "violated" or r.path is None:
            continue
        last = r.path.last_state.cluster
        if name == "rollout-completes":
            why = [w.rstrip(".") for w in incomplete_rollouts(last) + _pending_reasons(last)]
            if du.is_rolling_update(deployment) and du.max_unavailable(deployment) == 0:
                why.append(f"with maxUnavailable 0 no old pod may go before a new one is available "
                           f"(maxSurge {du.max_surge(deployment)})")
            out.stuck = (f"{command} never finishes: " + "; ".join(why) +
                         f" (stuck after {len(r.path.actions)} steps)", trace(r.path))
        elif name == "ready-floor":
            out.unavailable = (f"during {command}, the ready pods of Deployment/{_NAME} drop to {_ready_pods(last)}, "
                               f"below {floor_why} (after {len(r.path.actions)} steps)", trace(r.path))
        else:
            svc = name.split(":", 1)[1]
            out.unreachable[svc] = (f"during the rollout of Deployment/{_NAME} ({command}), Service/{svc} has no "
                                    f"ready endpoint after {len(r.path.actions)} steps: every pod it selects is "
                                    f"being replaced or not ready yet", trace(r.path))
    if not result.stats.complete:
        undecided = [n for n, r in result.properties.items() if r.verdict == "incomplete"]
        if undecided:
            out.note = (f"not decided within {result.stats.states:,} states"
                        f"{'' if result.stats.cut != 'timeout' else f' ({timeout:g} s)'}")
    return out


def _rollout_counts(d: Any, doc: Document, hpa: Document | None) -> list[int]:
    """The replica counts a Deployment's rollout is explored at: ``spec.replicas`` (the HPA's
    ``minReplicas`` when an HPA owns the count and the manifest leaves it unset), then the HPA's
    ``maxReplicas`` when it differs (the count where capacity runs out first)."""
    replicas = d.spec.replicas if d.spec.replicas is not None else 1
    if hpa is None:
        return [replicas]
    low, high = _bounds(hpa)
    if doc.get("spec.replicas") is None:
        replicas = low
    return [replicas] if high == replicas else [replicas, high]


def _rollout_scope(inv: Inventory, d: Any, doc: Document, hpa: Document | None,
                   classes: list[list[Any]], count: int | None = None,
                   ) -> tuple[list[Any], Any, list[tuple[Any, Document]], tuple[int, str]] | None:
    """The canonical objects of one Deployment's exploration (at ``count`` replicas, by default
    the first of :func:`_rollout_counts`), its Services and floor."""
    from kmodel.controllers import deployment_util as du
    from kmodel.objects.access import ServiceAccount
    from kmodel.objects.meta import Namespace, ObjectMeta, replace

    replicas = d.spec.replicas
    if hpa is not None and doc.get("spec.replicas") is None:
        replicas = _bounds(hpa)[0]
    if count is not None:
        replicas = count
    if (replicas if replicas is not None else 1) < 1 or d.spec.paused or not d.spec.template.spec.containers:
        return None
    meta = ObjectMeta(_NAME, _NS, labels=d.metadata.labels, annotations=d.metadata.annotations)
    canon = replace(d, metadata=meta, spec=replace(d.spec, replicas=replicas), status=type(d.status)())
    labels = canon.spec.template.labels
    ns = doc.namespace
    selecting = [(s, sdoc) for s in (inv.loaded.objects if inv.loaded else ())
                 if s.kind == "Service" and (s.metadata.namespace or "default") == ns and _selects(s, labels)
                 and (sdoc := inv.find("Service", ns, s.metadata.name)) is not None]
    others = [labels_ for wdoc, labels_ in _templates(inv, ns) if wdoc is not doc]
    services = []
    for i, (s, sdoc) in enumerate(sorted(selecting, key=lambda x: x[0].metadata.name)):
        if any(_selects(s, tuple(sorted(o.items()))) for o in others):
            continue  # other workloads serve it too: not this rollout's alone
        services.append((replace(s, metadata=ObjectMeta(f"{_SERVICE}{i}", _NS, labels=s.metadata.labels,
                                                        annotations=s.metadata.annotations)), sdoc))
    floor, why = 1, "1"
    for pdb in _budgets(inv, ns):
        spec = pdb.get("spec") or {}
        if not isinstance(spec, dict) or _pdb_kind(spec) is None:
            continue
        chosen = _selected(inv, ns, spec.get("selector"))
        if [c for c, _ in chosen] != [doc]:
            continue  # selects nothing, or other workloads too
        n = du._replicas(canon)
        desired = _desired_healthy(spec, n)
        if desired is not None and floor < desired <= n:  # a floor the steady state meets
            floor, why = desired, f"the {desired} that PodDisruptionBudget/{pdb.name} requires ({_budget_text(spec)})"
    sa = canon.spec.template.spec.service_account_name
    objects: list[Any] = [Namespace(ObjectMeta(_NS))]
    if sa and sa != "default":
        objects.append(ServiceAccount(ObjectMeta(sa, _NS)))
    keep = 2 * (du._replicas(canon) + du.max_surge(_as_admitted(canon)))  # the surge with the API's defaults
    roomy = _placement_free_node(canon, classes, keep)
    objects += ([roomy] if roomy is not None else _reachable_nodes(classes, keep)) + [canon]
    admitted = _admitted([s for s, _ in services])
    services = [(s, sdoc) for s, sdoc in services if s in admitted]  # a refused Service is invalid-manifest's
    objects += [s for s, _ in services]
    return objects, canon, services, (floor, why)


def _placement_free_node(d: Any, classes: Sequence[Sequence[Any]], pods: int) -> Any:
    """A node on which ``pods`` pods of ``d`` fit at once, when placement cannot matter: the
    template has no inter-pod (anti-)affinity, topology spread, host port or claim volume. Then
    no pod of the rollout can stay pending on the full set of nodes either (that node always has
    room), the pods' progress does not depend on where they run, and the exploration needs that
    node alone. ``None`` otherwise."""
    from kmodel.api import Create, apply
    from kmodel.objects.meta import ObjectMeta
    from kmodel.objects.nodes import resource_get
    from kmodel.objects.workloads import Pod, pod_requests
    from kmodel.scheduler.framework import node_infos, schedule_one
    from kmodel.state import ClusterState

    spec = d.spec.template.spec
    affinity = spec.affinity
    if (affinity is not None and (affinity.pod_affinity is not None or affinity.pod_anti_affinity is not None)) \
            or spec.topology_spread_constraints or spec.volumes \
            or any(p.host_port for c in spec.containers + spec.init_containers for p in c.ports):
        return None
    requests = pod_requests(spec)
    pod = Pod(ObjectMeta(f"{_NAME}-probe", _NS, labels=d.spec.template.labels), spec)
    for node in sorted((n for members in classes for n in members), key=lambda n: n.metadata.name):
        if any(amount * pods > resource_get(node.status.allocatable, r) for r, amount in requests if amount):
            continue
        state, _ = apply(ClusterState.empty(), Create(node))
        if schedule_one(pod, node_infos(state)).feasible:
            return node
    return None


def _always_fits(d: Any, classes: Sequence[Sequence[Any]], pods: int) -> bool:
    """Whether ``pods`` pods of ``d`` always find room on the nodes: placement cannot matter (as
    for :func:`_placement_free_node`) and the nodes that pass the scheduler's filters hold, in
    whole pods of its requests, at least ``pods`` of them together. The pods are alike, so each
    node holds at most its share; while fewer than the sum are bound some node has room, and no
    pod of the rollout can be pending (a pigeonhole argument, not an exploration)."""
    from kmodel.api import Create, apply
    from kmodel.objects.meta import ObjectMeta
    from kmodel.objects.nodes import resource_get
    from kmodel.objects.workloads import Pod, pod_requests
    from kmodel.scheduler.framework import node_infos, schedule_one
    from kmodel.state import ClusterState

    spec = d.spec.template.spec
    affinity = spec.affinity
    if (affinity is not None and (affinity.pod_affinity is not None or affinity.pod_anti_affinity is not None)) \
            or spec.topology_spread_constraints or spec.volumes \
            or any(p.host_port for c in spec.containers + spec.init_containers for p in c.ports):
        return False
    requests = [(r, amount) for r, amount in pod_requests(spec) if amount > 0]
    pod = Pod(ObjectMeta(f"{_NAME}-probe", _NS, labels=d.spec.template.labels), spec)
    room = 0
    for node in sorted((n for members in classes for n in members), key=lambda n: n.metadata.name):
        state, _ = apply(ClusterState.empty(), Create(node))
        if not schedule_one(pod, node_infos(state)).feasible:
            continue
        room += min((resource_get(node.status.allocatable, r) // amount for r, amount in requests), default=pods)
        if room >= pods:
            return True
    return False


def _as_admitted(obj: Any) -> Any:
    """``obj`` as the API server stores it (defaults applied: a rolling update's 25%/25%), or
    ``obj`` itself when it is refused."""
    from kmodel.api import Create, apply
    from kmodel.objects.meta import Namespace, ObjectMeta
    from kmodel.state import ClusterState

    base, _ = apply(ClusterState.empty(), Create(Namespace(ObjectMeta(obj.metadata.namespace))))
    state, resp = apply(base, Create(obj))
    return state.get(resp.ref) if resp.ok and resp.ref is not None else obj


def _admitted(services: list[Any]) -> list[Any]:
    """The Services the API server accepts (each on its own, in the canonical namespace)."""
    from kmodel.api import Create, apply
    from kmodel.objects.meta import Namespace, ObjectMeta
    from kmodel.state import ClusterState

    base, _ = apply(ClusterState.empty(), Create(Namespace(ObjectMeta(_NS))))
    return [s for s in services if apply(base, Create(s))[1].ok]


def _analysis(inv: Inventory, opts: dict[str, Any]) -> _Analysis:
    cached = inv.cache.get(_CACHE_KEY)
    if isinstance(cached, _Analysis):
        return cached
    from kmodel.controllers import deployment_util as du

    st = _Analysis()
    inv.cache[_CACHE_KEY] = st
    loaded = inv.loaded
    if loaded is None:
        return st
    nodes = [o for o in loaded.objects if o.kind == "Node"]
    deployments = [o for o in loaded.objects if o.kind == "Deployment"]
    if not nodes:
        if deployments:
            st.notes.append("no Node objects or NodePool in the input: the rollout checks (rollout-stuck, "
                            "rollout-unavailable, service-unreachable-during-rollout) were not run")
        return st
    hpas = _hpas(inv)
    classes = _node_classes(nodes)
    # Every Deployment at its own count first, then the HPAs' maxReplicas: the extra counts
    # spend what budget is left and never take it from the first ones.
    passes: list[list[tuple[Any, Document, Document | None, int, str]]] = [[], []]
    for d in deployments:
        ns = d.metadata.namespace or "default"
        doc = inv.find("Deployment", ns, d.metadata.name)
        if doc is None:
            continue
        hpa = hpas.get(("Deployment", ns, d.metadata.name))
        for i, count in enumerate(_rollout_counts(d, doc, hpa)):
            which = ("its spec.replicas" if i == 0 and doc.get("spec.replicas") is not None else
                     f"the {'maxReplicas' if i else 'minReplicas'} of HorizontalPodAutoscaler/{hpa.name}"
                     if hpa is not None else "")
            where = f" at {count} replica{'s' if count != 1 else ''} ({which})" if hpa is not None else ""
            passes[i].append((d, doc, hpa, count, where))
    extra = dict(opts, explore_max_states=min(int(opts.get("explore_max_states", MAX_STATES)),
                                              int(opts.get("explore_extra_max_states", EXTRA_MAX_STATES))))
    for i, batch in enumerate(passes):
        for d, doc, hpa, count, where in batch:
            scope = _rollout_scope(inv, d, doc, hpa, classes, count)
            if scope is None:
                continue
            if i and _always_fits(scope[1], classes, 2 * (count + du.max_surge(_as_admitted(scope[1])))):
                st.fits += 1  # capacity cannot run out at this count: nothing to explore there
                continue
            _run_rollout(inv, st, extra if i else opts, d, doc, scope, where)
    return st


def _run_rollout(inv: Inventory, st: _Analysis, opts: dict[str, Any], d: Any, doc: Document,
                 scope: tuple[list[Any], Any, list[tuple[Any, Document]], tuple[int, str]], where: str) -> None:
    """Explore (or reuse) one rollout and record its findings and notes; ``where`` names the
    replica count for an autoscaled Deployment (empty otherwise). A check already found for this
    Deployment at another count is not repeated."""
    ns = d.metadata.namespace or "default"
    objects, canon, services, floor = scope
    key = repr((objects, floor))
    outcome = st.memo.get(key)
    budget = float(opts.get("explore_budget", BUDGET))
    if outcome is None and st.seconds >= budget:
        outcome = _Outcome(note=f"not explored: the exploration budget of {budget:g} s was spent")
    elif outcome is None:
        left = dict(opts, explore_timeout=min(float(opts.get("explore_timeout", TIMEOUT)), budget - st.seconds))
        try:
            outcome = _explore(objects, canon, [s for s, _ in services], floor, left)
        except Exception as exc:  # the model refused an object: not this check's finding
            from kmodel.errors import KmodelError

            if not isinstance(exc, KmodelError):
                raise
            outcome = _Outcome(note=f"not explored: the model refused it ({exc})")
        st.memo[key] = outcome
        st.explored += 1
        st.seconds += outcome.seconds
    else:
        st.reused += 1
    names = [(f"{_SERVICE}{i}", sdoc.name) for i, (_, sdoc) in sorted(enumerate(services), reverse=True)]
    names += [(_NS, ns), (_NAME, d.metadata.name)]
    if outcome.note:
        st.notes.append(f"rollout of Deployment/{ns}/{d.metadata.name}{where} {_rename(outcome.note, names)}")

    def add(check: Check, on: Document, hit: tuple[str, tuple[dict[str, Any], ...]], path: str) -> None:
        message, trace = _rename(hit, names)
        f = finding(check, on, f"{where.strip()}: {message}" if where else message, path)
        found = st.findings.setdefault(check.id, [])
        if all(g.object != f.object for g in found):  # the first count it happens at
            found.append(_with_trace(f, trace))

    if outcome.stuck:
        add(ROLLOUT_STUCK, doc, outcome.stuck, _strategy_field(doc))
    if outcome.unavailable:
        add(ROLLOUT_UNAVAILABLE, doc, outcome.unavailable, _strategy_field(doc))
    for i, (_, sdoc) in enumerate(services):
        hit = outcome.unreachable.get(f"{_SERVICE}{i}")
        if hit:
            add(SERVICE_UNREACHABLE, sdoc, hit, "spec.selector")


def _strategy_field(doc: Document) -> str:
    """The field a rollout finding points at: what to change to unblock or soften it."""
    for path in ("spec.strategy.rollingUpdate.maxUnavailable", "spec.strategy.type", "spec.strategy", "spec.replicas"):
        if doc.get(path) is not None:
            return path
    return "spec"


def _with_trace(f: Finding, trace: tuple[dict[str, Any], ...]) -> Finding:
    return Finding(f.check, f.severity, f.object, f.file, f.line, f.message, f.field, trace)


def _rollout_check(check_id: str) -> Any:
    def run(inv: Inventory, opts: dict[str, Any]) -> Iterable[Finding]:
        return list(_analysis(inv, opts).findings.get(check_id, ()))

    return run


def dynamics_notes(inv: Inventory) -> list[str]:
    """What the dynamic checks could not decide or explore (empty when they did not run)."""
    st = inv.cache.get(_CACHE_KEY)
    return (list(st.notes) if isinstance(st, _Analysis) else []) + list(inv.cache.get("dynamics-drain-notes", ()))


ROLLOUT_STUCK = Check(
    "rollout-stuck", "error", "explore",
    "A rolling update of a Deployment cannot finish on the given nodes.",
    "kmodel starts from the steady state where the Deployment's replicas run on the given nodes, "
    "runs `kubectl set image` on its first container, and explores every interleaving of the "
    "Deployment and ReplicaSet controllers, the scheduler and the kubelet. When some run reaches a "
    "state where nothing is left to do and the rollout is incomplete (typically a surge pod that "
    "fits no node while maxUnavailable is 0 forbids removing an old pod first: a full node, or "
    "required anti-affinity with every node occupied), the rollout hangs until its progress "
    "deadline. The finding gives the reason and the shortest trace to the stuck state. A "
    "Deployment scaled by a HorizontalPodAutoscaler is also explored at its maxReplicas (unless "
    "its pods always fit there), and the finding names the replica count.",
    "# 3 nodes; required podAntiAffinity on kubernetes.io/hostname\n"
    "kind: Deployment\nspec:\n  replicas: 3\n  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}",
    "# the same, with room to replace one pod at a time\n"
    "kind: Deployment\nspec:\n  replicas: 3\n  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}",
    _rollout_check("rollout-stuck"),
    ("Deployment",))

ROLLOUT_UNAVAILABLE = Check(
    "rollout-unavailable", "error", "explore",
    "A rollout takes a workload's ready pods below 1 or below its PodDisruptionBudget.",
    "Rollouts do not consult PodDisruptionBudgets: a Recreate strategy, or a maxUnavailable as "
    "large as the budget's slack, takes ready pods (the endpoints its Services route to) below "
    "what the budget promises, or to none. kmodel explores the rollout from the steady state and "
    "reports the first step where the ready pods fall below 1 or below the desiredHealthy of a "
    "PodDisruptionBudget that selects the workload, with the trace.",
    "kind: Deployment\nspec:\n  replicas: 4\n  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 2}}\n"
    "---\nkind: PodDisruptionBudget\nspec: {minAvailable: 3}",
    "kind: Deployment\nspec:\n  replicas: 4\n  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}\n"
    "---\nkind: PodDisruptionBudget\nspec: {minAvailable: 3}",
    _rollout_check("rollout-unavailable"),
    ("Deployment",))

SERVICE_UNREACHABLE = Check(
    "service-unreachable-during-rollout", "error", "explore",
    "Some step of a rollout leaves a Service with no ready endpoint.",
    "A Service routes only to ready endpoints. When a rollout can replace every pod behind it "
    "before a new one is ready (Recreate, or maxUnavailable equal to replicas, e.g. a single "
    "replica with maxSurge 0), clients of the Service get connection errors for the duration. "
    "kmodel explores the rollout and reports the Service, with the shortest trace to a state where "
    "none of its endpoints is ready although it had some before.",
    "kind: Deployment\nspec:\n  replicas: 1\n  strategy: {type: Recreate}\n---\nkind: Service\n"
    "spec: {selector: {app: web}}",
    "kind: Deployment\nspec:\n  replicas: 1\n  strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n"
    "---\nkind: Service\nspec: {selector: {app: web}}",
    _rollout_check("service-unreachable-during-rollout"),
    ("Service",))

DRAIN_BLOCKED = Check(
    "drain-blocked", "error", "arithmetic+explore",
    "A PodDisruptionBudget makes a node drain impossible at some replica count.",
    "The disruption controller sets disruptionsAllowed to the healthy pods beyond desiredHealthy "
    "(percentages round up), and the Eviction API refuses every eviction while it is 0: kubectl "
    "drain, cluster upgrades and autoscaler scale-downs then wait forever on a node that runs a "
    "selected pod. kmodel evaluates the budget at every replica count the selected workloads can "
    "have (spec.replicas and every count of their HPA's range), exactly, and names the smallest "
    "count at which no disruption is allowed even with every pod healthy. With nodes in the input, "
    "the drain of a node running one of the pods is explored at that count (disruption controller, "
    "Eviction API, kubectl drain) and its stuck trace is attached.",
    "kind: PodDisruptionBudget\nspec: {minAvailable: 2, selector: {matchLabels: {app: web}}}\n"
    "# the Deployment app=web has replicas: 2",
    "kind: PodDisruptionBudget\nspec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}",
    _drain_blocked,
    ("PodDisruptionBudget",))

HPA_REPLICAS_CONFLICT = Check(
    "hpa-replicas-conflict", "warning", "static+explore",
    "An HPA scales a workload whose manifest also sets spec.replicas.",
    "kubectl apply merges the manifest's spec.replicas into the live object, so every apply "
    "resets the count the HorizontalPodAutoscaler chose: pods the HPA added for load are deleted "
    "and recreated a sync later (or the reverse). Upstream's advice is to remove spec.replicas "
    "from the manifest of an autoscaled workload. A spec.replicas outside the HPA's range is "
    "reported with the count the HPA moves it back to. With nodes in the input, the apply is explored "
    "with the HPA controller holding the count, and its trace is attached.",
    "kind: Deployment\nspec: {replicas: 2}\n---\nkind: HorizontalPodAutoscaler\n"
    "spec: {scaleTargetRef: {kind: Deployment, name: web}, minReplicas: 2, maxReplicas: 5}",
    "kind: Deployment\nspec: {}   # no replicas: the HPA owns the count\n---\nkind: HorizontalPodAutoscaler\n"
    "spec: {scaleTargetRef: {kind: Deployment, name: web}, minReplicas: 2, maxReplicas: 5}",
    _hpa_replicas_conflict,
    ("Deployment", "ReplicaSet", "StatefulSet"))

CHECKS: tuple[Check, ...] = (ROLLOUT_STUCK, ROLLOUT_UNAVAILABLE, SERVICE_UNREACHABLE, DRAIN_BLOCKED,
                             HPA_REPLICAS_CONFLICT)
