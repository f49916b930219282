"""What a Deployment rollout promises, as checkable predicates (used by :mod:`kmodel.properties`).

* :func:`rollout_bound_violations` (``rollout-bounded``, always): for a RollingUpdate Deployment
  whose ReplicaSets all record its current size (every active ReplicaSet's
  ``deployment.kubernetes.io/desired-replicas`` is ``spec.replicas`` and ``max-replicas`` is
  ``spec.replicas + maxSurge``), the ReplicaSets' ``spec.replicas`` add up to at most
  ``spec.replicas + maxSurge``. The guard is the "constant spec" of the promise: right after a
  resize or a change of ``maxSurge``, until the controller has rewritten the annotations (it
  does so with every scale), the old and new bounds legitimately disagree. The bound is on
  ``spec.replicas``; terminating pods are not counted (upstream's too).
* :func:`availability_violations` (``availability``, always): a RollingUpdate Deployment that
  its controller has observed (``observedGeneration`` current) and reports ``Available=True``
  has at least ``spec.replicas - maxUnavailable`` available pods (active, Running, Ready). Since
  the condition is only written by the controller, a state where the pods fall short while it
  still reads True is one where a scale-down (the controller's, then the ReplicaSet
  controller's deletions) took away more than ``maxUnavailable`` allows. Documented exceptions,
  where the predicate is not checked: after any fault (a crashed node or container makes pods
  unavailable whatever the controller does); after a user event that may resize a Deployment
  (``scale``, ``apply``: the floor moves with ``spec.replicas``, and a scale-up is short of
  pods until they start; :func:`bind_events` tells the property which events those are);
  Recreate Deployments (unavailable by design); Deployments being deleted. The
  PodDisruptionBudget half of the property (no eviction takes a budget's healthy pods below
  ``desiredHealthy``) is :func:`kmodel.properties_disruption.eviction_violations`.
* :func:`incomplete_rollouts` (``rollout-completes``, eventually always): every Deployment that
  is not paused has exactly ``spec.replicas`` active pods of its current template, all
  available, and no active pod of an older one.
* :func:`deployment_unstable` (part of ``eventually-stable``): the above, plus the ReplicaSets
  sized as the rollout leaves them (new at ``spec.replicas``, old at 0) and a status that says
  so; a paused Deployment only needs a current ``observedGeneration``.

"Available" means Running and Ready: ``minReadySeconds`` is abstract (see
:mod:`kmodel.controllers.deployment`).

Upstream: ``pkg/controller/deployment/util/deployment_util.go`` (``MaxSurge``,
``MaxUnavailable``, ``DeploymentComplete``), ``pkg/controller/deployment/rolling.go`` (what the
scale-down arithmetic guarantees), the Deployment documentation's "Rolling Update Deployment".

Examples
--------
>>> from kmodel.state import ClusterState
>>> rollout_bound_violations(ClusterState.empty()), incomplete_rollouts(ClusterState.empty())
([], [])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kmodel.controllers import deployment_util as du
from kmodel.objects.workloads import Deployment, Pod, ReplicaSet, is_pod_active, is_pod_ready
from kmodel.state import ClusterState

__all__ = ["owned_replica_sets", "rollout_bound_violations", "availability_violations",
           "incomplete_rollouts", "deployment_unstable", "bind_events", "RESIZING_EVENTS"]

#: Scenario events that may change a Deployment's ``spec.replicas``.
RESIZING_EVENTS = frozenset({"scale", "apply"})


def owned_replica_sets(state: ClusterState, d: Deployment) -> list[ReplicaSet]:
    """The ReplicaSets ``d`` controls (by owner UID)."""
    uid = d.metadata.uid
    return [rs for rs in state.list("ReplicaSet", d.metadata.namespace)
            if (r := rs.metadata.controller_ref()) is not None and r.uid == uid]


def _pods_by_owner(state: ClusterState, namespace: str) -> dict[str, list[Pod]]:
    out: dict[str, list[Pod]] = {}
    for p in state.list("Pod", namespace):
        if is_pod_active(p) and (r := p.metadata.controller_ref()) is not None:
            out.setdefault(r.uid, []).append(p)
    return out


def _available(pod: Pod) -> bool:
    return pod.status.phase == "Running" and is_pod_ready(pod)


def rollout_bound_violations(state: ClusterState) -> list[str]:
    """Why ``rollout-bounded`` fails (empty when it holds)."""
    out = []
    for d in state.list("Deployment"):
        if not du.is_rolling_update(d) or d.metadata.deleting:
            continue
        want, surge = du._replicas(d), du.max_surge(d)
        rss = owned_replica_sets(state, d)
        if any(du.replicas_annotations_need_update(rs, want, want + surge) for rs in du.filter_active_replica_sets(rss)):
            continue
        total = du.get_replica_count_for_replica_sets(rss)
        if total > want + surge:
            out.append(f"{d.ref}: its ReplicaSets want {total} pods, more than replicas + maxSurge = "
                       f"{want} + {surge}")
    return out


def availability_violations(state: ClusterState, env: Any = None, *, resized: bool = False) -> list[str]:
    """Why ``availability`` fails (empty when it holds); ``env`` is the world's environment
    (no check after a fault), ``resized`` whether a resizing user event has happened. Includes
    the PodDisruptionBudget half (:func:`kmodel.properties_disruption.eviction_violations`)."""
    from kmodel.properties_disruption import eviction_violations

    pdb_out = eviction_violations(state, env) if state.list("PodDisruptionBudget") else []
    if resized or (env is not None and (env.node_failures or env.pod_crashes)):
        return pdb_out
    out = pdb_out
    pods = None
    for d in state.list("Deployment"):
        if not du.is_rolling_update(d) or d.metadata.deleting:
            continue
        if d.status.observed_generation != d.metadata.generation:
            continue
        cond = du.get_deployment_condition(d.status, du.AVAILABLE)
        if cond is None or cond.status != "True":
            continue
        if pods is None:
            pods = {}
        ns = d.metadata.namespace
        if ns not in pods:
            pods[ns] = _pods_by_owner(state, ns)
        available = sum(1 for rs in owned_replica_sets(state, d) for p in pods[ns].get(rs.metadata.uid, ())
                        if _available(p))
        floor = du._replicas(d) - du.max_unavailable(d)
        if available < floor:
            out.append(f"{d.ref} reports Available but has {available} available pods, fewer than "
                       f"replicas - maxUnavailable = {du._replicas(d)} - {du.max_unavailable(d)}")
    return out


def _rollout_state(state: ClusterState, d: Deployment, pods: dict[str, list[Pod]]) -> tuple[ReplicaSet | None,
                                                                                             list[ReplicaSet], int, int, int]:
    """(new ReplicaSet, old ones, updated pods, available updated pods, old pods)."""
    rss = owned_replica_sets(state, d)
    new_rs = du.find_new_replica_set(d, rss)
    old = [rs for rs in rss if rs is not new_rs]
    updated = pods.get(new_rs.metadata.uid, []) if new_rs is not None else []
    old_pods = sum(len(pods.get(rs.metadata.uid, ())) for rs in old)
    return new_rs, old, len(updated), sum(1 for p in updated if _available(p)), old_pods


def incomplete_rollouts(state: ClusterState) -> list[str]:
    """Why ``rollout-completes`` fails (empty when every rollout is complete)."""
    out = []
    cache: dict[str, dict[str, list[Pod]]] = {}
    for d in state.list("Deployment"):
        if d.spec.paused or d.metadata.deleting:
            continue
        ns = d.metadata.namespace
        if ns not in cache:
            cache[ns] = _pods_by_owner(state, ns)
        new_rs, _, updated, available, old_pods = _rollout_state(state, d, cache[ns])
        want = du._replicas(d)
        if new_rs is None:
            out.append(f"{d.ref} has no ReplicaSet for its current template")
        elif (updated, available, old_pods) != (want, want, 0):
            out.append(f"{d.ref} rollout incomplete: {updated} of {want} pods updated, {available} available, "
                       f"{old_pods} old pods left")
    return out


def deployment_unstable(state: ClusterState) -> list[str]:
    """Why the Deployments are not in their desired state (for ``eventually-stable``)."""
    out = []
    cache: dict[str, dict[str, list[Pod]]] = {}
    for d in state.list("Deployment"):
        if d.metadata.deleting:
            continue
        st = d.status
        if st.observed_generation != d.metadata.generation:
            out.append(f"{d.ref} status is stale (observedGeneration {st.observed_generation}, "
                       f"generation {d.metadata.generation})")
            continue
        if d.spec.paused:
            continue
        ns = d.metadata.namespace
        if ns not in cache:
            cache[ns] = _pods_by_owner(state, ns)
        new_rs, old, updated, available, old_pods = _rollout_state(state, d, cache[ns])
        want = du._replicas(d)
        if new_rs is None:
            out.append(f"{d.ref} has no ReplicaSet for its current template")
            continue
        if (updated, available, old_pods) != (want, want, 0):
            out.append(f"{d.ref} rollout incomplete: {updated} of {want} pods updated, {available} available, "
                       f"{old_pods} old pods left")
        elif du._replicas(new_rs) != want or any(du._replicas(rs) for rs in old):
            out.append(f"{d.ref} ReplicaSets not scaled as the rollout leaves them")
        elif (st.replicas, st.updated_replicas, st.ready_replicas, st.available_replicas,
              st.unavailable_replicas) != (want, want, want, want, 0):
            out.append(f"{d.ref} status is stale")
    return out


def bind_events(properties: Sequence[Any], events: Sequence[Any]) -> tuple[Any, ...]:
    """``properties`` with ``availability`` told which of ``events`` may resize a Deployment
    (by name, :data:`RESIZING_EVENTS`): its check stops once one of them has happened. The
    other properties are returned as they are.

    >>> from kmodel.properties import by_id
    >>> [p.name for p in bind_events(by_id(["type-ok", "availability"]), [])]
    ['type-ok', 'availability']
    """
    from kmodel.model import always

    first = next((i for i, e in enumerate(events) if e.name in RESIZING_EVENTS), None)
    if first is None:
        return tuple(properties)
    out = []
    for p in properties:
        if p.name == "availability":
            def condition(w: Any, first: int = first) -> bool:
                return not availability_violations(w.cluster, w.env, resized=w.env.events > first)
            p = always(p.name, condition, description=p.description)
        out.append(p)
    return tuple(out)
