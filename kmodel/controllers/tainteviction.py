"""The taint eviction controller (formerly the NoExecute taint manager).

Upstream: ``pkg/controller/tainteviction/taint_eviction.go`` (``processPodOnNode``,
``getMinTolerationTime``, ``addConditionAndDeletePod``), ``staging/src/k8s.io/component-helpers/
scheduling/corev1/helpers.go`` / ``pkg/apis/core/v1/helper`` (``GetMatchingTolerations``).

For a pod bound to a node with NoExecute taints: if some taint is not tolerated the pod is
deleted at once; otherwise the minimum ``tolerationSeconds`` of the tolerations used is the
time it may stay (none given: forever, never evicted). Eviction adds the
``DisruptionTarget=True`` condition (reason ``DeletionByTaintManager``) and deletes the pod
(gracefully: on an unreachable node it stays Terminating until its kubelet confirms, the pod
garbage collector removes it, or its node returns).

The scheduled deletion is an abstract timer: the eviction step is enabled while the taints
stay and the tolerations are finite, may be taken at any point (after ``tolerationSeconds``:
time is abstract), and must be taken eventually (weak fairness); when the taints go first the
timer is cancelled (the step is no longer enabled). Abstracted: the order in which timers of
different lengths fire (any order is explored), the workers' sharding and retries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kmodel.api import Delete, Request, UpdateStatus
from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.nodes import Taint, Toleration, tolerates_taint
from kmodel.objects.workloads import PodCondition
from kmodel.state import ClusterState

__all__ = ["reconcile", "keys", "get_min_toleration_time", "get_matching_tolerations", "get_no_execute_taints"]


def get_no_execute_taints(taints: Sequence[Taint]) -> list[Taint]:
    """``getNoExecuteTaints``."""
    return [t for t in taints if t.effect == "NoExecute"]


def get_matching_tolerations(taints: Sequence[Taint], tolerations: Sequence[Toleration]) -> tuple[bool, list[Toleration]]:
    """``GetMatchingTolerations``: whether every taint is tolerated, and the tolerations used
    (for each taint, every toleration that tolerates it).

    Examples
    --------
    >>> t = Taint("node.kubernetes.io/unreachable", "NoExecute")
    >>> get_matching_tolerations([t], [Toleration("node.kubernetes.io/unreachable", "Exists", "", "NoExecute", 300)])[0]
    True
    >>> get_matching_tolerations([t], [])
    (False, [])
    """
    if not taints:
        return True, []
    if not tolerations:
        return False, []
    used: list[Toleration] = []
    for taint in taints:
        matched = [tol for tol in tolerations if tolerates_taint(tol, taint)]
        if not matched:
            return False, []
        used.extend(matched)
    return True, used


def get_min_toleration_time(tolerations: Sequence[Toleration]) -> int:
    """``getMinTolerationTime`` in seconds: 0 without tolerations (or one of 0 s or less), -1 when
    none sets ``tolerationSeconds`` (forever), else the minimum.

    Examples
    --------
    >>> get_min_toleration_time([]), get_min_toleration_time([Toleration()])
    (0, -1)
    >>> get_min_toleration_time([Toleration(toleration_seconds=2), Toleration(toleration_seconds=1)])
    1
    """
    if not tolerations:
        return 0
    minimum: int | None = None
    for t in tolerations:
        if t.toleration_seconds is not None:
            if t.toleration_seconds <= 0:
                return 0
            if minimum is None or t.toleration_seconds < minimum:
                minimum = t.toleration_seconds
    return -1 if minimum is None else minimum


def keys(state: ClusterState) -> list[ObjectRef]:
    """Pods bound to a node with a NoExecute taint."""
    tainted = {n.name for n in state.list("Node") if any(t.effect == "NoExecute" for t in n.spec.taints)}
    return [p.ref for p in state.list("Pod") if p.spec.node_name in tainted]


def reconcile(state: ClusterState, key: ObjectRef) -> tuple[Request, ...]:
    """The eviction of the pod at ``key``, when its node's NoExecute taints call for it (now, or
    when its ``tolerationSeconds`` timer fires)."""
    pod = state.get(key)
    if pod is None or not pod.spec.node_name or pod.metadata.deleting:
        return ()
    node = state.get(ObjectRef("Node", "", pod.spec.node_name))
    if node is None:
        return ()
    taints = get_no_execute_taints(node.spec.taints)
    if not taints:
        return ()
    all_tolerated, used = get_matching_tolerations(taints, pod.spec.tolerations)
    if all_tolerated and get_min_toleration_time(used) < 0:
        return ()
    return _add_condition_and_delete(pod)


def _add_condition_and_delete(pod: Any) -> tuple[Request, ...]:
    """``addConditionAndDeletePod``."""
    reqs: list[Request] = []
    cond = pod.status.condition("DisruptionTarget")
    if cond is None or cond.status != "True":
        others = tuple(c for c in pod.status.conditions if c.type != "DisruptionTarget")
        status = replace(pod.status, conditions=others + (PodCondition("DisruptionTarget", "True", "DeletionByTaintManager"),))
        reqs.append(UpdateStatus(replace(pod, status=status)))
    reqs.append(Delete(pod.ref))
    return tuple(reqs)
