"""``kubectl delete``: a user event that deletes one object (``spec.events[].delete`` of a
scenario), for the kinds whose deletion the service-account model reacts to: ServiceAccount,
Secret and ConfigMap.

Upstream: ``staging/src/k8s.io/kubectl/pkg/cmd/delete/delete.go`` (``DeleteOptions.RunDelete``:
a DELETE with the default background propagation). The event is enabled while the object exists
(kubectl reports ``NotFound`` otherwise, and changes nothing). What follows is the controllers'
business: the ServiceAccount controller re-creates a deleted ``default`` account, the root CA
publisher a deleted ``kube-root-ca.crt``, the tokens controller deletes the token Secrets of a
deleted account (:mod:`kmodel.controllers.serviceaccount`), and the pods of a deleted account keep
running with a token the authenticator rejects (:mod:`kmodel.registry.serviceaccount`).

Examples
--------
>>> from kmodel.objects.access import ServiceAccount
>>> from kmodel.objects.meta import Namespace, ObjectMeta
>>> from kmodel.state import ClusterState
>>> ev = delete("ServiceAccount", "shop", "web")
>>> s = ClusterState.of([Namespace(ObjectMeta("shop", uid="ns")), ServiceAccount(ObjectMeta("web", "shop", uid="sa"))])
>>> ev.description, ev.apply(s).list("ServiceAccount"), ev.apply(ev.apply(s))
('kubectl delete serviceaccount/web -n shop', (), None)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kmodel.api import Delete, apply
from kmodel.objects.meta import ObjectRef
from kmodel.state import ClusterState

__all__ = ["delete", "check_event", "DELETABLE_KINDS"]

#: The kinds a ``delete`` event may name.
DELETABLE_KINDS = ("ServiceAccount", "Secret", "ConfigMap")


def delete(kind: str, namespace: str, name: str) -> Any:
    """The :class:`kmodel.cluster.Event` ``kubectl delete KIND/NAME -n NAMESPACE``."""
    from kmodel.cluster import Event

    ref = ObjectRef(kind, namespace, name)

    def run(state: ClusterState) -> ClusterState | None:
        if state.get(ref) is None:
            return None
        new, resp = apply(state, Delete(ref))
        return new if resp.ok else None

    return Event("delete", run, f"kubectl delete {kind.lower()}/{name} -n {namespace}")


def check_event(body: Any, fail: Callable[[str, str], Exception], path: str) -> None:
    """Validate ``{kind, name, namespace}`` of a ``delete`` event; ``fail(message, field)`` builds
    the error to raise."""
    where = f"{path}.delete"
    if not isinstance(body, dict):
        raise fail("expected a mapping with kind, name and namespace", where)
    for key in body:
        if key not in ("kind", "name", "namespace"):
            raise fail(f"unknown field {key!r} (known: kind, name, namespace)", f"{where}.{key}")
    if body.get("kind") not in DELETABLE_KINDS:
        raise fail(f"delete takes kind {', '.join(DELETABLE_KINDS)}, got {body.get('kind')!r}", f"{where}.kind")
    if not isinstance(body.get("name"), str) or not body["name"]:
        raise fail("delete needs a name", f"{where}.name")
    if "namespace" in body and (not isinstance(body["namespace"], str) or not body["namespace"]):
        raise fail("expected a namespace name", f"{where}.namespace")
