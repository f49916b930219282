"""The Eviction API (``POST pods/<name>/eviction``) as a pure function of the store.

:func:`evict` is what :func:`kmodel.api.apply` does with an :class:`kmodel.api.Evict` request,
as upstream's ``EvictionREST.Create``:

1. The pod is read; a missing pod is 404.
2. ``canIgnorePDB``: a pod that is Succeeded, Failed or Pending, or already being deleted, is
   deleted without looking at budgets.
3. The PDBs of the pod's namespace whose selector matches the pod (a nil selector matches
   nothing; in ``policy/v1`` an empty one matches every pod of the namespace, as upstream's
   ``TestEviction`` "empty selector" case requires). More than one: 500. None: the pod is
   deleted.
4. A pod that is not Ready: with ``unhealthyPodEvictionPolicy: AlwaysAllow`` it is deleted
   without touching the budget; with ``IfHealthyBudget`` (or unset) likewise when
   ``currentHealthy >= desiredHealthy > 0`` in the PDB's status; otherwise it goes through the
   budget like a Ready pod.
5. ``checkAndDecrement``: 429 TooManyRequests while the status is stale
   (``observedGeneration < generation``: "still being processed"), 403 when
   ``disruptionsAllowed`` is negative or ``disruptedPods`` holds more than 2000 entries, 429 when
   ``disruptionsAllowed`` is 0 ("needs N healthy pods and has M currently"); otherwise the
   status is written with ``disruptionsAllowed - 1`` (the condition recomputed when it reaches
   0) and the pod added to ``disruptedPods``.
6. ``addConditionAndDeletePod``: the pod gets the ``DisruptionTarget=True``
   (``EvictionByEvictionAPI``) condition and is deleted gracefully (:mod:`kmodel.api`); a pod
   already being deleted (step 2) gets the condition too, as upstream's update precedes every
   delete.

Everything happens in one step (one atomic change of the store), so the budget write and the
deletion are never seen apart, and the resourceVersion preconditions upstream puts on the delete
(so a pod that turned Ready meanwhile is not deleted on a stale reading) always hold. A refused
eviction changes nothing: a client retrying on 429 is a step that is not enabled until the
budget allows it (:mod:`kmodel.drain`).

Abstracted away: dry runs, ``DeleteOptions`` (grace period, preconditions the client sets),
conflict retries (atomic here), the ``Retry-After`` hint, time in ``disruptedPods``
(:mod:`kmodel.objects.policy`).

Upstream: ``pkg/registry/core/pod/storage/eviction.go`` (``EvictionREST.Create``,
``canIgnorePDB``, ``checkAndDecrement``, ``getPodDisruptionBudgets``,
``addConditionAndDeletePod``).

Examples
--------
>>> from kmodel.api import Create, apply
>>> from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta
>>> from kmodel.objects.policy import PodDisruptionBudget, PodDisruptionBudgetSpec
>>> from kmodel.objects.workloads import Container, Pod, PodCondition, PodSpec, PodStatus
>>> pod = Pod(ObjectMeta("web-1", "default", labels=(("app", "web"),)), PodSpec((Container("c"),), node_name="a"),
...           PodStatus("Running", (PodCondition("Ready", "True"),)))
>>> pdb = PodDisruptionBudget(ObjectMeta("web", "default"),
...                           PodDisruptionBudgetSpec(LabelSelector((("app", "web"),)), min_available=1))
>>> s = ClusterState.of([Namespace(ObjectMeta("default")), pod])
>>> s, _ = apply(s, Create(pdb))
>>> s, r = evict(s, pod.ref)
>>> r.code, r.reason
(429, 'TooManyRequests')
"""

from __future__ import annotations

from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.policy import ALWAYS_ALLOW, PodDisruptionBudget, update_disruption_allowed_condition
from kmodel.objects.workloads import Pod, is_pod_ready
from kmodel.state import ClusterState

__all__ = ["evict", "matching_pdbs", "can_ignore_pdb", "MAX_DISRUPTED_POD_SIZE", "EVICTION_REASON"]

#: ``MaxDisruptedPodSize``.
MAX_DISRUPTED_POD_SIZE = 2000
#: The reason of the ``DisruptionTarget`` condition the Eviction API sets.
EVICTION_REASON = "EvictionByEvictionAPI"


def can_ignore_pdb(pod: Pod) -> bool:
    """``canIgnorePDB``: terminal, pending or already terminating pods skip the budget."""
    return pod.status.phase in ("Succeeded", "Failed", "Pending") or pod.metadata.deleting


def matching_pdbs(state: ClusterState, pod: Pod) -> list[PodDisruptionBudget]:
    """``getPodDisruptionBudgets``: the PDBs whose selector matches ``pod`` (nil: none; empty:
    every pod of the namespace)."""
    out = []
    for pdb in state.list("PodDisruptionBudget", pod.metadata.namespace):
        sel = pdb.spec.selector
        if sel is None or not sel.matches(pod.metadata.labels):
            continue
        out.append(pdb)
    return out


def _delete(state: ClusterState, pod: Pod) -> tuple[ClusterState, object]:
    """``addConditionAndDeletePod``: ``DisruptionTarget=True`` then a graceful delete."""
    from kmodel.api import Delete, Response, apply, set_pod_conditions

    # Upstream updates every pod it evicts, a terminating one included (the update succeeds on
    # a pod being deleted), before the delete.
    conditions = set_pod_conditions(pod.status.conditions, DisruptionTarget="True")
    conditions = tuple(replace(c, reason=EVICTION_REASON) if c.type == "DisruptionTarget" else c
                       for c in conditions)
    if conditions != pod.status.conditions:
        marked = replace(pod, status=replace(pod.status, conditions=conditions),
                         metadata=replace(pod.metadata, resource_version=state.revision + 1))
        state = state.with_(marked)
    state, resp = apply(state, Delete(pod.ref))
    if not resp.ok:
        return state, resp
    return state, Response(201, "Created", "evicted", pod.ref)


def evict(state: ClusterState, ref: ObjectRef):  # type: ignore[no-untyped-def]
    """Evict the pod at ``ref``: ``(new state, Response)`` (see the module docstring)."""
    from kmodel.api import Response, UpdateStatus, apply

    pod = state.get(ref)
    if pod is None or not isinstance(pod, Pod):
        return state, Response(404, "NotFound", f'pods "{ref.name}" not found', ref)
    if can_ignore_pdb(pod):
        return _delete(state, pod)
    pdbs = matching_pdbs(state, pod)
    if len(pdbs) > 1:
        return state, Response(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the "
                               "eviction subresource does not support.", ref)
    if not pdbs:
        return _delete(state, pod)
    pdb = pdbs[0]
    st = pdb.status
    if not is_pod_ready(pod):
        if pdb.spec.unhealthy_pod_eviction_policy == ALWAYS_ALLOW:
            return _delete(state, pod)
        if st.current_healthy >= st.desired_healthy and st.desired_healthy > 0:
            return _delete(state, pod)  # IfHealthyBudget (and unset)
    # checkAndDecrement
    if st.observed_generation < pdb.metadata.generation:
        return state, Response(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption "
                               f"budget. The disruption budget {pdb.name} is still being processed by the server.",
                               ref)
    if st.disruptions_allowed < 0:
        return state, Response(403, "Forbidden", f'poddisruptionbudget.policy "{pdb.name}" is forbidden: pdb '
                               "disruptions allowed is negative", ref)
    if len(st.disrupted_pods) > MAX_DISRUPTED_POD_SIZE:
        return state, Response(403, "Forbidden", f'poddisruptionbudget.policy "{pdb.name}" is forbidden: '
                               "DisruptedPods map too big - too many evictions not confirmed by PDB controller", ref)
    if st.disruptions_allowed == 0:
        return state, Response(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption "
                               f"budget. The disruption budget {pdb.name} needs {st.desired_healthy} healthy pods "
                               f"and has {st.current_healthy} currently", ref)
    new_status = replace(st, disruptions_allowed=st.disruptions_allowed - 1,
                         disrupted_pods=tuple(sorted(set(st.disrupted_pods) | {pod.metadata.name})))
    if new_status.disruptions_allowed == 0:
        new_status = update_disruption_allowed_condition(new_status)
    state, resp = apply(state, UpdateStatus(replace(pdb, status=new_status)))
    if not resp.ok:
        return state, resp
    return _delete(state, state.get(ref))
