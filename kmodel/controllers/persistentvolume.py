"""The PersistentVolume controller (binder) with dynamic provisioning collapsed in.

Upstream: ``pkg/controller/volume/persistentvolume/pv_controller.go`` (``syncClaim``,
``syncUnboundClaim``, ``syncBoundClaim``, ``syncVolume``, ``bind``, ``provisionClaim``),
``pkg/controller/volume/persistentvolume/index.go`` and ``util/util.go`` (``findMatchingVolume``:
the smallest volume that matches), ``pkg/scheduler/framework/plugins/volumebinding/binder.go``.

For an unbound claim (``syncUnboundClaim``):

* a ``WaitForFirstConsumer`` claim is left alone until the scheduler has chosen a node for a
  pod using it (``volume.kubernetes.io/selected-node``; :mod:`kmodel.scheduler.plugins.volume_binding`);
* otherwise the smallest Available volume of the claim's class with enough capacity and the
  access modes (and, for a delayed claim, reachable from the selected node) is bound: the
  volume gets ``claimRef`` and phase Bound, the claim ``volumeName`` and phase Bound;
* otherwise, if the class has a dynamic provisioner, a volume is provisioned and bound in one
  step (the external provisioner creates it already bound to the claim; the model collapses
  the provisioner's and the binder's writes): in the selected node's zone for a delayed claim;
  for an ``Immediate`` claim in a zone the provisioner picks (one alternative per zone the
  class allows, or per zone of the cluster's nodes when it names none: upstream's choice is the
  driver's). A ``kubernetes.io/no-provisioner`` class never provisions: the claim stays Pending.

For a bound volume whose claim is gone (``syncVolume``): ``Delete`` reclaim removes it,
``Retain`` leaves it ``Released``.

Abstracted: label selectors, volume modes, pre-bound volumes and claims beyond ``volumeName``,
the ``pv.kubernetes.io/bind-completed`` handshake (kept as an annotation), recycling, provisioning
failures and retries.
"""

from __future__ import annotations

from typing import Any

from kmodel.api import Create, Delete, Request, Update, UpdateStatus
from kmodel.objects.meta import ObjectMeta, ObjectRef, replace
from kmodel.objects.storage import (
    BIND_COMPLETED_ANNOTATION,
    SELECTED_NODE_ANNOTATION,
    WAIT_FOR_FIRST_CONSUMER,
    PersistentVolume,
    PersistentVolumeSpec,
    PersistentVolumeStatus,
)

__all__ = ["keys", "reconcile", "find_matching_volume", "storage_class_of", "is_delayed_binding"]


def storage_class_of(state: Any, claim: Any) -> Any:
    name = claim.spec.storage_class_name
    return state.get(ObjectRef("StorageClass", "", name)) if name else None


def is_delayed_binding(state: Any, claim: Any) -> bool:
    """``IsDelayBindingMode``: the claim's class binds ``WaitForFirstConsumer``."""
    sc = storage_class_of(state, claim)
    return sc is not None and sc.volume_binding_mode == WAIT_FOR_FIRST_CONSUMER


def _claim_key(claim: Any) -> str:
    return f"{claim.metadata.namespace}/{claim.metadata.name}"


def find_matching_volume(claim: Any, volumes: Any, *, node: Any = None) -> Any:
    """``findMatchingVolume``: the smallest volume (ties by name) of the claim's class that is
    unclaimed (or pre-bound to it), large enough, offers the access modes, is not lost, and is
    reachable from ``node`` when given.

    Examples
    --------
    >>> from kmodel.objects.storage import PersistentVolumeClaim, PersistentVolumeClaimSpec
    >>> claim = PersistentVolumeClaim(ObjectMeta("data", "default"), PersistentVolumeClaimSpec(5, storage_class_name="local"))
    >>> vols = [PersistentVolume(ObjectMeta(n), PersistentVolumeSpec(c, storage_class_name="local")) for n, c in
    ...         (("big", 50), ("small", 8), ("tiny", 2))]
    >>> find_matching_volume(claim, vols).metadata.name
    'small'
    """
    want = claim.spec.storage_class_name or ""
    best = None
    for pv in sorted(volumes, key=lambda v: (v.spec.capacity, v.metadata.name)):
        if pv.spec.storage_class_name != want or pv.status.lost or pv.metadata.deleting:
            continue
        if pv.spec.claim_ref and pv.spec.claim_ref != _claim_key(claim):
            continue
        if pv.status.phase not in ("Available", "Pending", "Bound") or \
                (pv.status.phase == "Bound" and pv.spec.claim_ref != _claim_key(claim)):
            continue
        if pv.spec.capacity < claim.spec.request or not set(claim.spec.access_modes) <= set(pv.spec.access_modes):
            continue
        if node is not None and not pv.reachable_from(node.zone, node.name):
            continue
        best = pv
        break
    return best


def keys(state: Any) -> list[ObjectRef]:
    out = [c.ref for c in state.list("PersistentVolumeClaim") if reconcile(state, c.ref)]
    out += [v.ref for v in state.list("PersistentVolume") if reconcile(state, v.ref)]
    return out


def _bind(claim: Any, pv: Any) -> tuple[Request, ...]:
    bound_pv = replace(pv, spec=replace(pv.spec, claim_ref=_claim_key(claim)))
    annotations = dict(claim.metadata.annotations)
    annotations[BIND_COMPLETED_ANNOTATION] = "yes"
    bound_claim = replace(claim, spec=replace(claim.spec, volume_name=pv.metadata.name),
                          metadata=replace(claim.metadata, annotations=tuple(sorted(annotations.items()))))
    reqs: list[Request] = []
    if pv.spec.claim_ref != bound_pv.spec.claim_ref:
        reqs.append(Update(bound_pv))
    if pv.status.phase != "Bound":
        reqs.append(UpdateStatus(replace(bound_pv, status=replace(pv.status, phase="Bound"))))
    reqs.append(Update(bound_claim))
    reqs.append(UpdateStatus(replace(bound_claim, status=replace(claim.status, phase="Bound"))))
    return tuple(reqs)


def _provisioned(claim: Any, sc: Any, zones: tuple[str, ...]) -> Any:
    name = f"pvc-{claim.metadata.namespace}-{claim.metadata.name}"
    return PersistentVolume(ObjectMeta(name), PersistentVolumeSpec(
        claim.spec.request, claim.spec.access_modes, sc.metadata.name, zones=zones,
        claim_ref=_claim_key(claim), reclaim_policy=sc.reclaim_policy), PersistentVolumeStatus("Bound"))


def _provision(state: Any, claim: Any, sc: Any, node: Any) -> tuple[tuple[Request, ...], ...]:
    if node is not None:
        if sc.allowed_zones and node.zone not in sc.allowed_zones:
            return ()
        choices: list[tuple[str, ...]] = [(node.zone,) if node.zone else ()]
    else:
        zones = sc.allowed_zones or tuple(sorted({n.zone for n in state.list("Node") if n.zone}))
        choices = [(z,) for z in zones] or [()]
    out = []
    for zones in choices:
        pv = _provisioned(claim, sc, zones)
        out.append((Create(pv),) + _bind(claim, pv)[-2:])
    return tuple(out)


def reconcile(state: Any, key: ObjectRef) -> tuple[Any, ...]:
    """One ``syncClaim`` or ``syncVolume``: requests, or alternative request tuples (zones)."""
    obj = state.get(key)
    if obj is None:
        return ()
    if key.kind == "PersistentVolume":
        pv = obj
        if pv.status.phase != "Bound" or not pv.spec.claim_ref:
            return ()
        namespace, _, name = pv.spec.claim_ref.partition("/")
        claim = state.get(ObjectRef("PersistentVolumeClaim", namespace, name))
        if claim is not None:
            return ()
        if pv.spec.reclaim_policy == "Delete":
            return (Delete(key),)
        return (UpdateStatus(replace(pv, status=replace(pv.status, phase="Released"))),)
    claim = obj
    if claim.metadata.deleting:
        return ()
    if claim.spec.volume_name:
        pv = state.get(ObjectRef("PersistentVolume", "", claim.spec.volume_name))
        if pv is None:
            if claim.status.phase != "Lost":
                return (UpdateStatus(replace(claim, status=replace(claim.status, phase="Lost"))),)
            return ()
        if claim.status.phase != "Bound" or pv.spec.claim_ref != _claim_key(claim) or pv.status.phase != "Bound":
            return _bind(claim, pv)
        return ()
    node = None
    if is_delayed_binding(state, claim):
        selected = claim.metadata.annotation(SELECTED_NODE_ANNOTATION)
        if not selected:
            return ()
        node = state.get(ObjectRef("Node", "", selected))
        if node is None:
            return ()
    pv = find_matching_volume(claim, state.list("PersistentVolume"), node=node)
    if pv is not None:
        return _bind(claim, pv)
    sc = storage_class_of(state, claim)
    if sc is not None and sc.dynamic:
        return _provision(state, claim, sc, node)
    return ()
