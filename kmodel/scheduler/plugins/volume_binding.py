"""VolumeBinding (``pkg/scheduler/framework/plugins/volumebinding/volume_binding.go``,
``binder.go``: ``FindPodVolumes``, ``AssumePodVolumes``, ``BindPodVolumes``), with the zone check
of VolumeZone (``pkg/scheduler/framework/plugins/volumezone``) folded in.

PreFilter: a pod whose claim does not exist is unschedulable (``persistentvolumeclaim "x" not
found``); a pod with an unbound claim of ``Immediate`` binding is unschedulable (``pod has
unbound immediate PersistentVolumeClaims``). Filter, per node: a bound claim's volume must be
reachable from the node (its node affinity: zones, or the node of a local volume), else
``node(s) had volume node affinity conflict``; a delayed (``WaitForFirstConsumer``) claim needs
an Available matching volume reachable from the node, or a class with a dynamic provisioner
that may provision in the node's zone, else ``node(s) didn't find available persistent volumes
to bind``. PreBind (:func:`pre_bind`, called by :mod:`kmodel.scheduler.scheduler` with the pod's
binding): for each delayed claim, the chosen static volume is bound to it, or the claim is
annotated ``volume.kubernetes.io/selected-node`` for the provisioner.

Abstracted: storage capacity tracking, volume limits (NodeVolumeLimits), ReadWriteOncePod
(VolumeRestrictions), the bind timeout, scoring.
"""

from __future__ import annotations

from typing import Any

from kmodel.objects.meta import ObjectRef, replace
from kmodel.scheduler.framework import SUCCESS, Code, CycleState, NodeInfo, Status

__all__ = ["VolumeBinding", "pre_bind"]


def _claims(state: Any, pod: Any) -> list[tuple[str, Any]]:
    return [(v.claim_name, state.get(ObjectRef("PersistentVolumeClaim", pod.metadata.namespace, v.claim_name)))
            for v in pod.spec.volumes if v.claim_name]


class VolumeBinding:
    name = "VolumeBinding"

    def pre_filter(self, pod: Any, snapshot: Any, cycle: CycleState) -> tuple[Status, Any]:
        from kmodel.controllers.persistentvolume import is_delayed_binding

        state = getattr(snapshot, "state", None)
        if state is None or not pod.spec.volumes:
            return Status(Code.SKIP), None
        claims = _claims(state, pod)
        if not claims:
            return Status(Code.SKIP), None
        for name, claim in claims:
            if claim is None:
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                              (f'persistentvolumeclaim "{name}" not found',), self.name), None
            if not claim.spec.volume_name and not is_delayed_binding(state, claim):
                return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                              ("pod has unbound immediate PersistentVolumeClaims",), self.name), None
        cycle[self.name] = (state, claims)
        return SUCCESS, None

    def filter(self, pod: Any, info: NodeInfo, cycle: CycleState | None = None) -> Status:
        from kmodel.controllers.persistentvolume import find_matching_volume, storage_class_of

        data = (cycle or {}).get(self.name)
        if data is None:
            return SUCCESS
        state, claims = data
        node = info.node
        for _name, claim in claims:
            if claim.spec.volume_name:
                pv = state.get(ObjectRef("PersistentVolume", "", claim.spec.volume_name))
                if pv is not None and not pv.reachable_from(node.zone, node.name):
                    return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                                  ("node(s) had volume node affinity conflict",), self.name)
                continue
            if find_matching_volume(claim, state.list("PersistentVolume"), node=node) is not None:
                continue
            sc = storage_class_of(state, claim)
            if sc is not None and sc.dynamic and (not sc.allowed_zones or node.zone in sc.allowed_zones):
                continue
            return Status(Code.UNSCHEDULABLE, ("node(s) didn't find available persistent volumes to bind",),
                          self.name)
        return SUCCESS


def pre_bind(state: Any, pod: Any, node_name: str) -> tuple[Any, ...]:
    """The API writes VolumeBinding's PreBind makes before the pod is bound to ``node_name``."""
    from kmodel.api import Update, UpdateStatus
    from kmodel.controllers.persistentvolume import find_matching_volume, is_delayed_binding
    from kmodel.objects.storage import SELECTED_NODE_ANNOTATION

    reqs: list[Any] = []
    if not pod.spec.volumes:
        return ()
    node = state.get(ObjectRef("Node", "", node_name))
    for _name, claim in _claims(state, pod):
        if claim is None or claim.spec.volume_name or not is_delayed_binding(state, claim):
            continue
        pv = find_matching_volume(claim, state.list("PersistentVolume"), node=node)
        if pv is not None:
            key = f"{claim.metadata.namespace}/{claim.metadata.name}"
            bound = replace(pv, spec=replace(pv.spec, claim_ref=key))
            reqs.append(Update(bound))
            reqs.append(UpdateStatus(replace(bound, status=replace(pv.status, phase="Bound"))))
            reqs.append(Update(replace(claim, spec=replace(claim.spec, volume_name=pv.metadata.name))))
            continue
        if claim.metadata.annotation(SELECTED_NODE_ANNOTATION) != node_name:
            annotations = dict(claim.metadata.annotations)
            annotations[SELECTED_NODE_ANNOTATION] = node_name
            reqs.append(Update(replace(claim, metadata=replace(
                claim.metadata, annotations=tuple(sorted(annotations.items()))))))
    return tuple(reqs)
