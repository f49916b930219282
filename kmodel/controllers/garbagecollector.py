"""The garbage collector, for dependents whose owners are gone.

For an object with owner references (``attemptToDeleteItem``): an owner is *solid* when an
object of its kind and name exists with the same UID and is not being deleted, *dangling* when
none exists or the UID differs. With a solid owner the object stays, and dangling references are
patched away; with only dangling owners the object is deleted (background propagation).

Abstracted: foreground and orphan propagation (finalizers), owners being deleted
(``waitingForDependentsDeletion``), the uncached live lookup that upstream makes before it
trusts an absence (the model's state is the store itself, so the lookup agrees with it).

Upstream: ``pkg/controller/garbagecollector/garbagecollector.go`` (``attemptToDeleteItem``,
``classifyReferences``).
"""

from __future__ import annotations

from collections.abc import Iterator

from kmodel.api import Delete, Request, Update
from kmodel.objects.meta import ObjectRef, replace
from kmodel.state import CLUSTER_SCOPED_KINDS, ClusterState

__all__ = ["pending", "reconcile"]


def _classify(state: ClusterState, obj) -> tuple[list, list, list]:  # type: ignore[no-untyped-def]
    solid, dangling, deleting = [], [], []
    for ref in obj.metadata.owner_references:
        namespace = "" if ref.kind in CLUSTER_SCOPED_KINDS else obj.metadata.namespace
        owner = state.get(ObjectRef(ref.kind, namespace, ref.name))
        if owner is None or owner.metadata.uid != ref.uid:
            dangling.append(ref)
        elif owner.metadata.deleting:
            deleting.append(ref)
        else:
            solid.append(ref)
    return solid, dangling, deleting


def pending(state: ClusterState) -> Iterator[ObjectRef]:
    """Objects the collector has work on, in store order."""
    for obj in state.objects():
        if obj.metadata.owner_references and reconcile(state, obj.ref):
            yield obj.ref


def reconcile(state: ClusterState, key: ObjectRef) -> tuple[Request, ...]:
    """The requests ``attemptToDeleteItem(key)`` issues (empty when nothing is to be done)."""
    obj = state.get(key)
    if obj is None or not obj.metadata.owner_references or obj.metadata.deleting:
        return ()
    solid, dangling, deleting = _classify(state, obj)
    if solid:
        if dangling:
            kept = tuple(r for r in obj.metadata.owner_references if r not in dangling)
            return (Update(replace(obj, metadata=replace(obj.metadata, owner_references=kept))),)
        return ()
    if deleting:
        return ()
    return (Delete(key),)
