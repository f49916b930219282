"""The ReplicaSet controller as a pure function of the cluster state.

``reconcile(state, key)`` returns the API requests one ``syncReplicaSet`` issues, as a tuple of
*alternatives*: upstream sorts deletion candidates with an unstable sort and breaks remaining
ties by random UIDs or by informer-cache order, so when several sets of victims are equally
ranked each one is an alternative the explorer tries (identical ones collapse under symmetry).

What one sync does, as upstream:

1. Claim (``ClaimPods``, ``controller_ref_manager.go``): among *active* pods of the namespace,
   keep those controlled by this ReplicaSet that still match its selector; release (patch away
   the owner reference of) controlled pods that no longer match; adopt orphans that match,
   unless the ReplicaSet or the pod is being deleted.
2. ``manage_replicas``: with ``diff = len(claimed) - replicas``, create ``min(-diff, 500)`` pods
   from the template in slow-start batches of 1, 2, 4, ... or delete ``min(diff, 500)`` pods
   chosen by ``get_pods_to_delete``. Skipped while the ReplicaSet is being deleted.
3. ``calculate_status`` from the claimed pods *as read before* manage (so a status that reflects
   new pods needs another sync, as upstream), written when it differs.

Victims are ordered by ``ActivePodsWithRanks.Less`` in full (:mod:`kmodel.controllers.controller_utils`:
unassigned, phase, readiness, pod-deletion-cost, rank, ready time with logarithmic buckets,
restarts, creation time). In an explored cluster time is abstract: which of two ready pods
became ready last is unknown, so that rule (and those after it) decide nothing and every
resulting choice is an alternative; pods' creation times are all unset (equal).

Expectations and informer lag: by default the informer is exact (this function reads the
current state; the events of a sync's own creations and deletions are observed in its step, so
its expectations are always satisfied). The ``informerLag`` fault (:mod:`kmodel.informer`) gives
the controller a lagging view, passed in as ``state``, and its expectations (``needs_sync``).

Abstracted: ``minReadySeconds`` (a ready pod is available at once: time is abstract).

Upstream: ``pkg/controller/replicaset/replica_set.go`` (``syncReplicaSet``, ``manageReplicas``,
``getPodsToDelete``, ``getPodsRankedByRelatedPodsOnSameNode``, ``slowStartBatch``),
``replica_set_utils.go`` (``calculateStatus``), ``pkg/controller/controller_utils.go``
(``FilterActivePods``, ``GetPodFromTemplate``; ``ActivePodsWithRanks`` in
:mod:`kmodel.controllers.controller_utils`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

from kmodel.api import Create, Delete, Request, Update, UpdateStatus, apply_all, new_pod
from kmodel.controllers.controller_utils import POD_DELETION_COST, ActivePodsWithRanks
from kmodel.objects.meta import ObjectRef, OwnerReference, replace
from kmodel.objects.workloads import (
    Pod,
    ReplicaSet,
    ReplicaSetCondition,
    ReplicaSetStatus,
    is_pod_active,
    is_pod_ready,
)
from kmodel.state import ClusterState

__all__ = ["reconcile", "sync", "get_pods_to_delete", "get_pods_ranked_by_related_pods_on_same_node",
           "calculate_status", "slow_start_batches", "BURST_REPLICAS", "POD_DELETION_COST"]

BURST_REPLICAS = 500
SLOW_START_INITIAL_BATCH_SIZE = 1
#: Alternatives beyond this many equally ranked victim sets are not enumerated; the first (by
#: name) is taken. Reported by :func:`reconcile` callers through ``truncated_ties``.
MAX_TIE_ALTERNATIVES = 64

def controller_owner(rs: ReplicaSet) -> OwnerReference:
    return OwnerReference("apps/v1", "ReplicaSet", rs.metadata.name, rs.metadata.uid,
                          controller=True, block_owner_deletion=True)


def _is_controlled_by(pod: Pod, rs: ReplicaSet) -> bool:
    ref = pod.metadata.controller_ref()
    return ref is not None and ref.uid == rs.metadata.uid


def slow_start_batches(count: int, initial: int = SLOW_START_INITIAL_BATCH_SIZE) -> list[int]:
    """Batch sizes ``slowStartBatch`` uses for ``count`` calls: 1, 2, 4, ... capped by what is left.

    Examples
    --------
    >>> slow_start_batches(10)
    [1, 2, 4, 3]
    >>> slow_start_batches(0)
    []
    """
    sizes = []
    remaining = count
    batch = min(remaining, initial)
    while batch > 0:
        sizes.append(batch)
        remaining -= batch
        batch = min(2 * batch, remaining)
    return sizes


def get_pods_ranked_by_related_pods_on_same_node(pods: Sequence[Pod], related: Sequence[Pod], *,
                                                  now: int | None = None) -> ActivePodsWithRanks:
    """``getPodsRankedByRelatedPodsOnSameNode``: each pod ranked by the number of active related
    pods on its node (an unassigned pod counts the unassigned ones, as upstream's map keyed by
    ``""`` does)."""
    per_node: dict[str, int] = {}
    for p in related:
        if is_pod_active(p):
            per_node[p.spec.node_name] = per_node.get(p.spec.node_name, 0) + 1
    return ActivePodsWithRanks(tuple(pods), tuple(per_node.get(p.spec.node_name, 0) for p in pods), now)


def get_pods_to_delete(filtered: Sequence[Pod], related: Sequence[Pod], diff: int, *,
                       now: int | None = None) -> list[list[Pod]]:
    """The pods to delete, as every equally ranked choice (``getPodsToDelete``).

    ``filtered`` are the ReplicaSet's active pods; ``related`` the pods selected by every
    ReplicaSet with the same controller (the rank of a pod is how many active related pods share
    its node). When ``diff >= len(filtered)`` all are deleted, no ranking.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.workloads import Container, PodSpec, PodStatus
    >>> def pod(name, node, phase="Running"):
    ...     return Pod(ObjectMeta(name, "default"), PodSpec((Container("c"),), node_name=node),
    ...                PodStatus(phase=phase))
    >>> a, b, c = pod("a", "n1"), pod("b", ""), pod("c", "n1", "Pending")
    >>> [[p.name for p in choice] for choice in get_pods_to_delete([a, b, c], [a, b, c], 2)]
    [['b', 'c']]
    """
    if diff >= len(filtered):
        return [list(filtered[:diff])]
    ranked = get_pods_ranked_by_related_pods_on_same_node(filtered, related, now=now)
    by_name = sorted(range(len(filtered)), key=lambda i: filtered[i].metadata.name)
    order = sorted(by_name, key=functools.cmp_to_key(ranked.compare))  # stable: equals stay by name
    cut = order[diff - 1]
    sure = [filtered[i] for i in order[:diff] if ranked.compare(i, cut) < 0]
    tied = [filtered[i] for i in order if ranked.compare(i, cut) == 0]
    need = diff - len(sure)
    choices = []
    for combo in itertools.combinations(tied, need):
        choices.append(sure + list(combo))
        if len(choices) >= MAX_TIE_ALTERNATIVES:
            break
    return choices


def calculate_status(rs: ReplicaSet, pods: Sequence[Pod], manage_error: str = "") -> ReplicaSetStatus:
    """``calculateStatus`` over the claimed active pods (ready pods are available at once).

    ``manage_error`` is the error ``manageReplicas`` returned (``""``: none): with one and no
    ReplicaFailure condition yet, the condition is set (reason ``FailedCreate`` when pods were
    missing, ``FailedDelete`` when there were too many); without one it is removed.
    """
    template_labels = dict(rs.spec.template.labels)
    fully = ready = 0
    for p in pods:
        labels = dict(p.metadata.labels)
        if all(labels.get(k) == v for k, v in template_labels.items()):
            fully += 1
        if is_pod_ready(p):
            ready += 1
    # ``calculateStatus`` (pkg/controller/replicaset/replica_set_utils.go): a create refused by
    # admission (a missing ServiceAccount, kmodel.admission) is a manageReplicas error.
    failure = next((c for c in rs.status.conditions if c.type == "ReplicaFailure"), None)
    conditions = rs.status.conditions
    if manage_error and failure is None:
        diff = len(pods) - rs.replicas
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        conditions = conditions + (ReplicaSetCondition("ReplicaFailure", "True", reason),)
    elif not manage_error and failure is not None:
        conditions = tuple(c for c in conditions if c.type != "ReplicaFailure")
    return replace(rs.status, replicas=len(pods), fully_labeled_replicas=fully, ready_replicas=ready,
                   available_replicas=ready, observed_generation=rs.metadata.generation,
                   conditions=conditions)


def reconcile(state: ClusterState, key: ObjectRef, *, needs_sync: bool = True) -> tuple[tuple[Request, ...], ...]:
    """Every allowed outcome of one ``syncReplicaSet(key)`` (usually one).

    ``state`` is what the controller's informer caches hold; ``needs_sync`` is
    ``SatisfiedExpectations(key)``: when ``False`` the sync claims pods and writes status but does
    not call ``manageReplicas`` (:mod:`kmodel.informer` keeps the expectations).
    """
    rs = state.get(key)
    if rs is None:
        return ((),)
    namespace = rs.metadata.namespace
    selector = rs.spec.selector
    deleting = rs.metadata.deleting
    owner = controller_owner(rs)
    claimed: list[Pod] = []
    patches: list[Request] = []
    for pod in state.list("Pod", namespace):
        if not is_pod_active(pod):
            continue
        matches = selector.matches(pod.metadata.labels)
        ref = pod.metadata.controller_ref()
        if ref is not None:
            if ref.uid != rs.metadata.uid:
                continue
            if matches:
                claimed.append(pod)
            elif not deleting:
                kept = tuple(r for r in pod.metadata.owner_references if r.uid != rs.metadata.uid)
                patches.append(Update(replace(pod, metadata=replace(pod.metadata, owner_references=kept))))
            continue
        if deleting or not matches or pod.metadata.deleting:
            continue
        adopted = replace(pod, metadata=replace(
            pod.metadata, owner_references=pod.metadata.owner_references + (owner,)))
        patches.append(Update(adopted))
        claimed.append(adopted)

    alternatives: list[list[Request]] = [[]]
    if needs_sync and not deleting:
        diff = len(claimed) - rs.replicas
        if diff < 0:
            creates: list[Request] = []
            template = rs.spec.template
            pod = new_pod(namespace, f"{rs.metadata.name}-", template.spec, template.labels, (owner,))
            if template.annotations:
                pod = replace(pod, metadata=replace(pod.metadata, annotations=template.annotations))
            for batch, size in enumerate(slow_start_batches(min(-diff, BURST_REPLICAS))):
                creates.extend(Create(pod, batch) for _ in range(size))
            alternatives = [creates]
        elif diff > 0:
            related = _related_pods(state, rs)
            choices = get_pods_to_delete(claimed, related, min(diff, BURST_REPLICAS))
            alternatives = [[Delete(p.ref) for p in choice] for choice in choices]

    out = []
    for alt in alternatives:
        status = calculate_status(rs, claimed, _manage_error(state, patches, alt))
        tail: list[Request] = []
        if status != rs.status:
            tail.append(UpdateStatus(replace(rs, status=status)))
        out.append(tuple(patches + alt + tail))
    return tuple(out)


def _manage_error(state: ClusterState, patches: list[Request], manage: list[Request]) -> str:
    """The first error the API server gives ``manageReplicas``' creates and deletes (a deleted
    pod that is already gone is not an error)."""
    if not manage:
        return ""
    _, responses = apply_all(state, tuple(patches + manage))
    for req, resp in zip(patches + manage, responses):
        if isinstance(req, (Create, Delete)) and resp.code and not resp.ok and resp.code != 404:
            return resp.message or resp.reason
    return ""


def sync(state: ClusterState, key: ObjectRef) -> tuple[Request, ...]:
    """The first outcome of :func:`reconcile` (the deterministic reading)."""
    return reconcile(state, key)[0]


def _related_pods(state: ClusterState, rs: ReplicaSet) -> list[Pod]:
    """Active pods selected by any ReplicaSet sharing ``rs``'s controller (``getIndirectlyRelatedPods``).

    As upstream's code does (``pkg/controller/replicaset/replica_set.go``), not as its doc comment
    says: each related ReplicaSet's pods are listed by its *selector*, whoever owns them (each
    pod once), and ``getReplicaSetsWithSameController`` returns nil for a ReplicaSet without a
    controller, so such a ReplicaSet has no related pods and every rank is 0.
    """
    owner = rs.metadata.controller_ref()
    if owner is None:
        return []
    sets = [other for other in state.list("ReplicaSet", rs.metadata.namespace)
            if (r := other.metadata.controller_ref()) is not None and r.uid == owner.uid]
    return [p for p in state.list("Pod", rs.metadata.namespace)
            if is_pod_active(p) and any(s.spec.selector.matches(p.metadata.labels) for s in sets)]
