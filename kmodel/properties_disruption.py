"""Properties of voluntary disruptions: drains and PodDisruptionBudgets.

* ``drain-completes`` (eventually always): every ``kubectl drain`` the scenario starts
  (:mod:`kmodel.drain`) eventually leaves no pod it must evict on its node, and stays so. A
  budget that allows no disruption while the evicted pods cannot be replaced keeps the drain
  retrying forever: the checker reports the state where it is stuck, and :func:`explain` says
  which pods remain and the Eviction API's answer for each (``429 ... needs 3 healthy pods and
  has 3 currently``). A drain kubectl refused to start (bare pods without ``--force``) never
  completes either.
* The PodDisruptionBudget half of ``availability`` (:func:`eviction_violations`, called by
  :func:`kmodel.rollout.availability_violations`): an eviction never takes a budget's healthy
  pods below its ``desiredHealthy``. A pod the Eviction API let go carries the
  ``DisruptionTarget=True`` condition with reason ``EvictionByEvictionAPI`` and is being
  deleted (:mod:`kmodel.registry.eviction`); when such a pod was still Ready (it counted as
  healthy when evicted), the budget's pods that are Ready and not being deleted must number at
  least ``desiredHealthy`` as :func:`kmodel.controllers.disruption.get_expected_pod_count`
  computes it from the spec and the current controllers. Not checked after a fault (a crashed
  node or container takes pods away whatever the budget says, and would be blamed on an
  earlier eviction still terminating), like the Deployment half.

Upstream: ``pkg/controller/disruption/disruption.go``,
``pkg/registry/core/pod/storage/eviction.go``, ``staging/src/k8s.io/kubectl/pkg/drain/drain.go``;
the guarantee is the one the PodDisruptionBudget documentation states ("the number of
available pods ... never falls below minAvailable because of voluntary disruptions").

Examples
--------
>>> from kmodel.state import ClusterState
>>> eviction_violations(ClusterState.empty()), incomplete_drains(ClusterState.empty())
([], [])
"""

from __future__ import annotations

from typing import Any

from kmodel.controllers.disruption import ExpectedCountError, count_healthy_pods, get_expected_pod_count, get_pods_for_pdb
from kmodel.drain import incomplete_drains
from kmodel.model import Property, eventually_always
from kmodel.objects.workloads import is_pod_ready
from kmodel.registry.eviction import EVICTION_REASON
from kmodel.state import ClusterState

__all__ = ["CONSTRUCTORS", "explain", "drain_completes", "eviction_violations", "incomplete_drains"]


def _faulted(env: Any) -> bool:
    return env is not None and bool(env.node_failures or env.pod_crashes or any(n for _, n in env.faults))


def _evicted_healthy(pod: Any) -> bool:
    cond = pod.status.condition("DisruptionTarget")
    return (pod.metadata.deleting and cond is not None and cond.status == "True" and cond.reason == EVICTION_REASON
            and is_pod_ready(pod))


def eviction_violations(state: ClusterState, env: Any = None) -> list[str]:
    """Why the PodDisruptionBudget half of ``availability`` fails (empty when it holds)."""
    if _faulted(env):
        return []
    out = []
    for pdb in state.list("PodDisruptionBudget"):
        pods = get_pods_for_pdb(state, pdb)
        evicted = [p for p in pods if _evicted_healthy(p)]
        if not evicted:
            continue
        try:
            _, desired, _ = get_expected_pod_count(state, pdb, pods)
        except ExpectedCountError:
            continue
        healthy = count_healthy_pods(pods)
        if healthy < desired:
            names = ", ".join(p.name for p in evicted)
            out.append(f"{pdb.ref} has {healthy} healthy pods, fewer than desiredHealthy {desired}, after the "
                       f"eviction of {names}")
    return out


def drain_completes() -> Property:
    return eventually_always("drain-completes", lambda w: not incomplete_drains(w.cluster),
                             description="every started kubectl drain eventually evicts every pod it must")


CONSTRUCTORS = {"drain-completes": drain_completes}


def explain(property_id: str, world: Any) -> list[str]:
    """Sentences saying why ``drain-completes`` fails in ``world`` (empty for other ids)."""
    if property_id == "drain-completes":
        return incomplete_drains(world.cluster)
    return []
