"""``kubectl drain``: cordon a node, then evict its pods through the Eviction API, retrying.

A scenario event ``{drain: {node: worker-a}}`` (optionally ``force: true``) is :func:`drain`:
in one user step it cordons the node (``spec.unschedulable: true``, as ``kubectl cordon``)
and starts the drain, a :class:`Drain` record kept in the store under the node's name. kubectl
is a client, not an API object: like the AWS objects (:mod:`kmodel.objects.elbv2`), the record
lives in the store under a kind the API server does not serve, so the drain's progress is part
of the model state.

Then each eviction is a step of the ``kubectl-drain`` actor (:data:`kmodel.cluster.DEFAULT_CONTROLLERS`),
one per pod still to evict, enabled while the pod is on the node, selected by the filters and
not yet being deleted. The step issues :class:`kmodel.api.Evict`; a refused eviction (429 while
a PodDisruptionBudget allows no disruption, 500 for a pod under two budgets) changes nothing, so
it is not a step: kubectl's retry every 5 s on 429 is the step becoming enabled again when the
budget allows it (on a 500 kubectl gives up on the pod; either way the pod stays and the drain
does not complete). A drain blocked for good is a state from which no eviction is ever enabled:
:func:`incomplete_drains` (the ``drain-completes`` property, :mod:`kmodel.properties_disruption`)
says which pods remain and why each eviction is refused. kubectl waits for every evicted pod to
be gone (``waitForDelete``), so a pod being deleted still counts as remaining.

Pod selection (``GetPodsForDeletion``, ``filters.go``), as ``kubectl drain NODE
--ignore-daemonsets --delete-emptydir-data`` with ``--force`` as given:

* pods controlled by a DaemonSet are skipped (the DaemonSet controller would recreate them on
  the cordoned node anyway; its pods tolerate ``unschedulable``), unless finished;
* mirror (static) pods (annotation ``kubernetes.io/config.mirror``) are skipped: the kubelet
  owns them;
* finished pods (Succeeded, Failed) are deleted through the same eviction (the Eviction API
  ignores budgets for them);
* a pod without a controller (a *bare* pod) is refused without ``force``: kubectl stops with
  ``cannot delete Pods that declare no controller (use --force to override)`` after
  cordoning and evicts nothing (the drain record carries the error and never completes); with
  ``force`` it is evicted like the others (nothing recreates it).

Abstracted away: the ``--timeout`` (default: none, kubectl waits forever, as here), the
``--pod-selector``, ``--disable-eviction`` (delete instead of evict), ``--grace-period``,
``--skip-wait-for-delete-timeout`` (default 0: no pod is skipped), emptyDir volumes (the model
keeps no volume source: ``--delete-emptydir-data`` is assumed), the DaemonSet existence check.
kubectl lists the pods once when the drain starts; here the selection is re-evaluated in every
state, which differs only for pods bound to the cordoned node after the drain began (a pod
naming the node in ``spec.nodeName``; the scheduler places nothing on a cordoned node).
kubectl also sends one eviction for a pod that was already terminating when it listed the pods
(``skipDeletedFilter`` skips none at the default timeout 0); the Eviction API lets it through
(``canIgnorePDB``) and only adds the ``DisruptionTarget`` condition, which nothing in the model
reads: that eviction is left out (a terminating pod is only waited for).

Upstream: ``staging/src/k8s.io/kubectl/pkg/drain/drain.go`` (``RunNodeDrain``,
``GetPodsForDeletion``, ``evictPods``), ``filters.go`` (``daemonSetFilter``,
``mirrorPodFilter``, ``localStorageFilter``, ``unreplicatedFilter``),
``staging/src/k8s.io/kubectl/pkg/drain/cordon.go``.

Examples
--------
>>> from kmodel.objects.meta import Namespace, ObjectMeta
>>> from kmodel.objects.nodes import Node
>>> from kmodel.objects.workloads import Container, Pod, PodSpec
>>> s = ClusterState.of([Namespace(ObjectMeta("default")), Node(ObjectMeta("a")),
...                      Pod(ObjectMeta("bare", "default"), PodSpec((Container("c"),), node_name="a"))])
>>> s2 = start_drain(s, "a")
>>> s2.get(ObjectRef("Node", "", "a")).spec.unschedulable
True
>>> print(incomplete_drains(s2)[0])
kubectl drain a failed: cannot delete Pods that declare no controller (use --force to override): default/bare
>>> incomplete_drains(start_drain(s, "a", force=True))
['drain of a: 1 pod left: default/bare (eviction not yet attempted)']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kmodel.api import Evict, Request, Update, apply
from kmodel.objects.meta import ObjectMeta, ObjectRef, _hash_field, record, replace, uid_for
from kmodel.objects.workloads import Pod
from kmodel.state import ClusterState

__all__ = ["Drain", "drain", "start_drain", "pods_to_evict", "remaining_pods", "incomplete_drains", "keys",
           "reconcile", "check_event", "MIRROR_ANNOTATION", "EVENT_FIELDS"]

#: ``corev1.MirrorPodAnnotationKey``.
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
#: The scenario event's fields.
EVENT_FIELDS = ("node", "force")
_UNREPLICATED = "cannot delete Pods that declare no controller (use --force to override)"


@record
class Drain:
    """A ``kubectl drain`` in progress on the node ``metadata.name`` (client state, see the
    module docstring); ``error`` is set when kubectl refused to start evicting."""

    metadata: ObjectMeta
    force: bool = False
    error: str = ""
    _hash: int = _hash_field()

    kind = "Drain"
    api_version = "kmodel.dev/v1alpha1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("Drain", "", self.metadata.name)

    @property
    def node(self) -> str:
        return self.metadata.name


def _finished(pod: Pod) -> bool:
    return pod.status.phase in ("Succeeded", "Failed")


def _filter(pod: Pod, force: bool) -> str:
    """``"delete"``, ``"skip"`` or ``"error"`` for one pod, the filters in kubectl's order."""
    owner = pod.metadata.controller_ref()
    if owner is not None and owner.kind == "DaemonSet" and not _finished(pod):
        return "skip"  # daemonSetFilter with --ignore-daemonsets
    if pod.metadata.annotation(MIRROR_ANNOTATION) is not None:
        return "skip"  # mirrorPodFilter
    if _finished(pod) or owner is not None or force:
        return "delete"  # unreplicatedFilter
    return "error"


def _on_node(state: ClusterState, node: str) -> list[Pod]:
    return [p for p in state.list("Pod") if p.spec.node_name == node]


def remaining_pods(state: ClusterState, drain: Drain) -> list[Pod]:
    """The pods the drain still waits for: on the node and selected (being deleted or not)."""
    return [p for p in _on_node(state, drain.node) if _filter(p, drain.force) == "delete"]


def pods_to_evict(state: ClusterState, drain: Drain) -> list[Pod]:
    """The pods an eviction may be attempted for: remaining and not yet being deleted."""
    if drain.error:
        return []
    return [p for p in remaining_pods(state, drain) if not p.metadata.deleting]


def start_drain(state: ClusterState, node: str, *, force: bool = False) -> ClusterState | None:
    """Cordon ``node`` and record the drain; ``None`` when the node does not exist."""
    obj = state.get(ObjectRef("Node", "", node))
    if obj is None:
        return None
    if not obj.spec.unschedulable:
        state, resp = apply(state, Update(replace(obj, spec=replace(obj.spec, unschedulable=True))))
        if not resp.ok:
            return None
    refused = [p for p in _on_node(state, node) if _filter(p, force) == "error"]
    error = f"{_UNREPLICATED}: {', '.join(f'{p.metadata.namespace}/{p.name}' for p in refused)}" if refused else ""
    return state.with_(Drain(ObjectMeta(node, uid=uid_for("Drain", "", node)), force, error))


def drain(node: str, *, force: bool = False) -> Any:
    """The scenario event ``{drain: {node: NODE, force: false}}``: a :class:`kmodel.cluster.Event`."""
    from kmodel.cluster import Event

    def run(state: ClusterState) -> ClusterState | None:
        return start_drain(state, node, force=force)

    flags = " --force" if force else ""
    return Event("drain", run, f"kubectl drain {node} --ignore-daemonsets --delete-emptydir-data{flags}",
                 mentions=(node,))


def check_event(body: dict[str, Any], fail: Callable[[str, str], Exception], path: str) -> None:
    """Validate a scenario ``drain`` event; ``fail(message, field)`` builds the error."""
    where = f"{path}.drain"
    for key in body:
        if key not in EVENT_FIELDS:
            raise fail(f"unknown field {key!r} (known: {', '.join(EVENT_FIELDS)})", f"{where}.{key}")
    if not isinstance(body.get("node"), str) or not body["node"]:
        raise fail("drain needs a node", f"{where}.node")
    if not isinstance(body.get("force", False), bool):
        raise fail(f"expected true or false, got {body['force']!r}", f"{where}.force")


def keys(state: ClusterState) -> list[ObjectRef]:
    """Pods an eviction may be attempted for, over every drain (none without a drain)."""
    out: set[ObjectRef] = set()
    for d in state.list("Drain"):
        out.update(p.ref for p in pods_to_evict(state, d))
    return sorted(out)


def reconcile(state: ClusterState, key: ObjectRef) -> tuple[Request, ...]:
    """One eviction attempt of the pod at ``key`` (``evictPods``)."""
    return (Evict(key),) if key in keys(state) else ()


def incomplete_drains(state: ClusterState) -> list[str]:
    """Why a started drain is not complete: its remaining pods and why their evictions are
    refused (empty when every drain is done)."""
    from kmodel.registry.eviction import evict

    out = []
    for d in state.list("Drain"):
        left = remaining_pods(state, d)
        if d.error:
            out.append(f"kubectl drain {d.node} failed: {d.error}")
            continue
        if not left:
            continue
        reasons = []
        for p in left:
            name = f"{p.metadata.namespace}/{p.name}"
            if p.metadata.deleting:
                reasons.append(f"{name} (being deleted)")
                continue
            _, resp = evict(state, p.ref)
            reasons.append(f"{name} (eviction not yet attempted)" if resp.ok
                           else f"{name} (eviction refused: {resp.code} {resp.reason}: {resp.message})")
        out.append(f"drain of {d.node}: {len(left)} pod{'s' if len(left) != 1 else ''} left: {'; '.join(reasons)}")
    return out
