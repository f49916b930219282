"""References from networking objects to pods and nodes, for symmetry reduction.

:meth:`kmodel.cluster.ClusterModel.representative` renames template-made pods and
interchangeable nodes. EndpointSlices, Endpoints and AWS target groups name pods (an
endpoint's ``targetRef``, its address, an ``ip`` target) and nodes (``nodeName``, an
``instance`` target), PodDisruptionBudgets name pods (``status.disruptedPods``): they must be
renamed with them, or two states that differ in more than a renaming would share a
representative (and the explorer would miss one of them).

The rules, all of which keep the representative a faithful encoding of the renamed state:

* a reference to a **live pod** (by name, or by an address a live pod holds) becomes the pod's
  canonical name (``pods``), resp. ``ip-of:<canonical name>`` (``ips``);
* a reference to a **node** goes through the node renaming;
* a **dangling** reference (a pod that no longer exists, an address no live pod holds) is kept
  as written, and the caller then keeps every pod under its own name: pod names and addresses
  are reused (the lowest free name, :mod:`kmodel.agents.ipam`), so a dangling reference may
  come to name a new pod, and whether it does depends on the concrete names;
* the endpoints, addresses and targets of each object are sorted after renaming.

:func:`pod_signatures` tells the caller how each live pod is referred to, with the pod's own
identity left out, so that pods that look alike but are referred to differently are ordered by
that (more states share a representative); ties are then truly interchangeable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kmodel.objects.elbv2 import AWSTargetGroup, instance_id, node_of_instance
from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.networking import Endpoint, EndpointAddress, Endpoints, EndpointSlice, EndpointSubset
from kmodel.state import ClusterState

__all__ = ["REFERRING_KINDS", "pod_signatures", "rename"]

#: Kinds whose objects name pods or nodes outside a ``spec``.
#: (A PodDisruptionBudget names the pods the Eviction API let go in ``status.disruptedPods``.)
#: (A KubeProxyView holds the slices a lagging kube-proxy routes by, named after its node.)
REFERRING_KINDS = ("EndpointSlice", "Endpoints", "AWSTargetGroup", "PodDisruptionBudget", "KubeProxyView")


def _live(cluster: ClusterState) -> tuple[set[ObjectRef], dict[str, ObjectRef]]:
    pods = set()
    ips = {}
    for p in cluster.list("Pod"):
        pods.add(p.ref)
        if p.status.pod_ip:
            ips[p.status.pod_ip] = p.ref
    return pods, ips


def pod_signatures(cluster: ClusterState, node_map: Mapping[str, str]) -> tuple[dict[ObjectRef, tuple[Any, ...]], bool]:
    """How the referring objects mention each live pod, and whether any reference dangles.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> ep = Endpoint(("192.168.0.9",), True, True, False, ObjectRef("Pod", "default", "web-1"), "a")
    >>> s = ClusterState.of([EndpointSlice(ObjectMeta("web-x", "default"), (ep,))])
    >>> pod_signatures(s, {})[1]  # web-1 does not exist: the reference dangles
    True
    """
    pods, ips = _live(cluster)
    out: dict[ObjectRef, list[Any]] = {}
    dangling = False
    slices: list[tuple[tuple[Any, ...], EndpointSlice]] = [((), s) for s in cluster.list("EndpointSlice")]
    for view in cluster.list("KubeProxyView"):  # a lagging kube-proxy's slices, by its node
        slices += [(("view", node_map.get(view.name, view.name)), s) for s in view.slices]
    for where, s in slices:
        for e in s.endpoints:
            ctx = where + (s.ref, e.ready, e.serving, e.terminating, node_map.get(e.node_name, e.node_name), e.zone)
            target = e.target_ref
            if target is not None and target.kind == "Pod":
                if target in pods:
                    own = ips.get(e.addresses[0]) == target if e.addresses else False
                    out.setdefault(target, []).append(("targetRef", own) + ctx)
                else:
                    dangling = True
            for a in e.addresses:
                holder = ips.get(a)
                if holder is None:
                    dangling = True
                elif holder != target:
                    out.setdefault(holder, []).append(("address",) + ctx)
    for eps in cluster.list("Endpoints"):
        for i, sub in enumerate(eps.subsets):
            for ready, addresses in ((True, sub.addresses), (False, sub.not_ready_addresses)):
                for a in addresses:
                    ctx = (eps.ref, i, ready, node_map.get(a.node_name, a.node_name))
                    target = a.target_ref
                    if target is not None and target.kind == "Pod":
                        if target in pods:
                            out.setdefault(target, []).append(("targetRef", ips.get(a.ip) == target) + ctx)
                        else:
                            dangling = True
                    holder = ips.get(a.ip)
                    if holder is None:
                        dangling = True
                    elif holder != target:
                        out.setdefault(holder, []).append(("address",) + ctx)
    for tg in cluster.list("AWSTargetGroup"):
        if tg.target_type != "ip":
            continue
        for t in tg.targets:
            holder = ips.get(t.id)
            if holder is None:
                dangling = True
            else:
                out.setdefault(holder, []).append((tg.ref, t.port, t.health))
    for pdb in cluster.list("PodDisruptionBudget"):
        for name in pdb.status.disrupted_pods:
            target = ObjectRef("Pod", pdb.metadata.namespace, name)
            if target in pods:
                out.setdefault(target, []).append(("disrupted", pdb.ref))
            else:
                dangling = True
    return {ref: tuple(sorted(v, key=repr)) for ref, v in out.items()}, dangling


def rename(obj: Any, pods: Mapping[ObjectRef, str], ips: Mapping[str, str], nodes: Mapping[str, str]) -> Any:
    """``obj`` with its pod and node references renamed (see the module docstring).

    ``pods`` maps live pods to canonical names, ``ips`` live pods' addresses to canonical
    tokens, ``nodes`` node names to canonical names; anything else is kept as written.
    """
    def pod(ref: ObjectRef | None) -> ObjectRef | None:
        if ref is None or ref not in pods:
            return ref
        return ObjectRef(ref.kind, ref.namespace, pods[ref])

    def node(name: str) -> str:
        return nodes.get(name, name)

    if isinstance(obj, EndpointSlice):
        endpoints = tuple(sorted((replace(e, addresses=tuple(sorted(ips.get(a, a) for a in e.addresses)),
                                          target_ref=pod(e.target_ref), node_name=node(e.node_name))
                                  for e in obj.endpoints), key=repr))
        return replace(obj, endpoints=endpoints)
    if obj.kind == "KubeProxyView":  # named after its node; its slices as EndpointSlices
        return replace(obj, metadata=replace(obj.metadata, name=node(obj.name), uid=""),
                       slices=tuple(rename(s, pods, ips, nodes) for s in obj.slices))
    if isinstance(obj, Endpoints):
        def addr(a: EndpointAddress) -> EndpointAddress:
            return replace(a, ip=ips.get(a.ip, a.ip), target_ref=pod(a.target_ref), node_name=node(a.node_name))

        subsets = tuple(EndpointSubset(tuple(sorted((addr(a) for a in s.addresses), key=repr)),
                                       tuple(sorted((addr(a) for a in s.not_ready_addresses), key=repr)), s.ports)
                        for s in obj.subsets)
        return replace(obj, subsets=subsets)
    if isinstance(obj, AWSTargetGroup):
        def target_id(tid: str) -> str:
            n = node_of_instance(tid)
            return instance_id(node(n)) if n is not None else ips.get(tid, tid)

        targets = tuple(sorted((replace(t, id=target_id(t.id)) for t in obj.targets), key=repr))
        return replace(obj, targets=targets)
    if obj.kind == "PodDisruptionBudget" and obj.status.disrupted_pods:
        ns = obj.metadata.namespace
        names = tuple(sorted(pods.get(ObjectRef("Pod", ns, n), n) for n in obj.status.disrupted_pods))
        return replace(obj, status=replace(obj.status, disrupted_pods=names))
    return obj
