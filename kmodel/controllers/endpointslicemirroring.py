"""The EndpointSliceMirroring controller as a pure function of the cluster state.

A Service without a selector has its endpoints written out of band: a user (or another
controller) writes an ``Endpoints`` object of the Service's name. kube-proxy and every other
consumer read EndpointSlices, so kube-controller-manager mirrors such an Endpoints object into
EndpointSlices labelled ``endpointslice.kubernetes.io/managed-by:
endpointslicemirroring-controller.k8s.io``. ``reconcile(state, key)`` returns the requests of one
``syncEndpoints(key)`` for the Endpoints object at ``key``:

1. **Clean-up** (``deleteMirroredSlices``): when the Endpoints object is gone, when it should not
   be mirrored (:func:`should_mirror`: the ``endpointslice.kubernetes.io/skip-mirror: "true"``
   label, or the leader-election annotation ``control-plane.alpha.kubernetes.io/leader``), when
   its Service is gone, or when the Service has a selector (then the Endpoints object is the
   Endpoints controller's and the EndpointSlice controller writes the slices), every slice
   mirrored for it is deleted.
2. **Desired state** (:func:`desired_endpoints`, upstream's ``desiredCalc``): the subsets are
   put in canonical form (``RepackSubsets``, :func:`kmodel.controllers.endpoints.repack_subsets`);
   each subset's ports (:func:`ep_ports_to_eps_ports`) and address type make a port-map key
   (one per address type, :func:`new_addr_type_port_map_key`); each address becomes an
   endpoint (:func:`address_to_endpoint`: ``ready`` true for ``addresses``, false for
   ``notReadyAddresses``; ``serving`` and ``terminating`` unset; its target, node and
   hostname kept) under the key of its address type (IPv4 or IPv6; an address that is not an
   IP is skipped), the ready ones first, at most ``maxEndpointsPerSubset``
   (:data:`MAX_ENDPOINTS_PER_SUBSET`, 1000) per subset: the rest are skipped.
3. **Per key** (:func:`reconcile_by_port_mapping`): no desired endpoint deletes the key's
   slices; otherwise every slice but the first is deleted, and the first is left alone when it
   already holds exactly the desired endpoints (:func:`total_changes`) with the Endpoints'
   labels and annotations, else rewritten under its name (a new slice when there is none)
   with the desired endpoints, up to ``maxEndpointsPerSubset``. Slices of a key no subset has
   any more are deleted.
4. **Finalize**: a slice to be created takes the name of a slice to be deleted of the same
   address type instead (:func:`recycle_slices`); creates are skipped while the Endpoints
   object is being deleted.

Slices carry the Endpoints' labels with ``kubernetes.io/service-name: <name>`` and the
managed-by label set, its annotations but ``endpoints.kubernetes.io/last-change-trigger-time``
and ``kubectl.kubernetes.io/last-applied-configuration``, a controller owner reference to the
Endpoints object, and ``generateName: <name>-`` (:func:`new_endpoint_slice`).

Abstracted: the informers, the EndpointSliceTracker's stale-cache check and the batching delay
(the controller acts on the current state in one atomic step; lag is the interleaving of its
steps with others'), events and metrics. Where upstream takes from a set or a map in random
order (``PopAny``, Go map iteration), the model takes sorted order, one of upstream's choices:
it matters only when a subset holds more than 1000 addresses (which ones are mirrored) and for
which deleted slice a new one recycles. The model admits IPv4 Services only (the loader refuses
IPv6 addresses); the helpers keep the address-type split for upstream's table cases.

Upstream: ``pkg/controller/endpointslicemirroring/endpointslicemirroring_controller.go``
(``syncEndpoints``, ``shouldMirror``, ``deleteMirroredSlices``,
``endpointSlicesMirroredForService``), ``reconciler.go`` (``reconcile``,
``reconcileByPortMapping``, ``finalize``, ``totalChanges``, ``endpointSlicesByKey``),
``reconciler_helpers.go`` (``desiredCalc``, ``initPorts``, ``addAddress``, ``recycleSlices``),
``utils.go`` (``newEndpointSlice``, ``getEndpointSlicePrefix``, ``addressToEndpoint``,
``epPortsToEpsPorts``, ``skipMirror``, ``hasLeaderElection``, ``cloneAndRemoveKeys``),
``pkg/api/v1/endpoints/util.go`` (``RepackSubsets``).

Examples
--------
>>> from kmodel.api import Create, apply
>>> from kmodel.objects.meta import Namespace, ObjectMeta
>>> from kmodel.objects.networking import EndpointAddress, EndpointPort, EndpointSubset, Service, ServicePort, ServiceSpec
>>> state = ClusterState.empty()
>>> for obj in (Namespace(ObjectMeta("default")), Service(ObjectMeta("db", "default"), ServiceSpec(ports=(ServicePort(5432),))),
...             Endpoints(ObjectMeta("db", "default"), (EndpointSubset((EndpointAddress("10.0.3.7"),), (), (EndpointPort(5432),)),))):
...     state, _ = apply(state, Create(obj))
>>> requests = reconcile(state, ObjectRef("Endpoints", "default", "db"))
>>> [str(r) for r in requests]
['create EndpointSlice/default/db-<generated>']
>>> s = requests[0].obj
>>> s.endpoints, s.ports, s.managed_by
((10.0.3.7 (no target, ready),), (5432/TCP,), 'endpointslicemirroring-controller.k8s.io')
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kmodel.api import Create, Delete, Request, Update
from kmodel.controllers.endpoints import repack_subsets
from kmodel.controllers.endpointslice import endpoints_equal_beyond_hash
from kmodel.objects.meta import ObjectMeta, ObjectRef, OwnerReference, labels_of, replace
from kmodel.objects.networking import (
    LABEL_MANAGED_BY,
    LABEL_SERVICE_NAME,
    Endpoint,
    EndpointAddress,
    EndpointPort,
    Endpoints,
    EndpointSlice,
    EndpointSubset,
)
from kmodel.state import ClusterState

__all__ = [
    "CONTROLLER_NAME",
    "LABEL_SKIP_MIRROR",
    "LEADER_ELECTION_ANNOTATION",
    "MAX_ENDPOINTS_PER_SUBSET",
    "keys",
    "reconcile",
    "should_mirror",
    "skip_mirror",
    "has_leader_election",
    "get_address_type",
    "address_to_endpoint",
    "ep_ports_to_eps_ports",
    "new_addr_type_port_map_key",
    "get_endpoint_slice_prefix",
    "new_endpoint_slice",
    "clone_and_remove_keys",
    "desired_endpoints",
    "total_changes",
    "reconcile_by_port_mapping",
    "recycle_slices",
    "mirror",
    "mirrored_slices",
]

#: ``endpointslicemirroring-controller.k8s.io``: the managed-by value of mirrored slices.
CONTROLLER_NAME = "endpointslicemirroring-controller.k8s.io"
#: ``discovery.LabelSkipMirror``: an Endpoints object labelled ``"true"`` is not mirrored.
LABEL_SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"
#: ``resourcelock.LeaderElectionRecordAnnotationKey``: leader-election Endpoints are not mirrored.
LEADER_ELECTION_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"
#: ``--mirroring-max-endpoints-per-subset`` (kube-controller-manager's default).
MAX_ENDPOINTS_PER_SUBSET = 1000
_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
_LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

#: A port-map key: the address type and the ports in canonical order.
PortMapKey = tuple[str, tuple[EndpointPort, ...]]
#: Desired endpoints of one key, by their identity (``hashEndpoint``), in insertion order.
EndpointSet = dict[tuple[Any, ...], Endpoint]


# --- utils.go -------------------------------------------------------------------------------


def skip_mirror(labels: Iterable[tuple[str, str]]) -> bool:
    """``skipMirror``: the skip-mirror label is ``"true"``.

    Examples
    --------
    >>> skip_mirror(((LABEL_SKIP_MIRROR, "true"),)), skip_mirror(((LABEL_SKIP_MIRROR, "false"),)), skip_mirror(())
    (True, False, False)
    """
    return dict(labels).get(LABEL_SKIP_MIRROR) == "true"


def has_leader_election(annotations: Iterable[tuple[str, str]]) -> bool:
    """``hasLeaderElection``: the leader-election annotation is set (to anything)."""
    return LEADER_ELECTION_ANNOTATION in dict(annotations)


def should_mirror(endpoints: Endpoints | None) -> bool:
    """``shouldMirror``: an Endpoints object without the skip-mirror label or the leader-election
    annotation (whether its Service exists without a selector is checked separately)."""
    return (endpoints is not None and not skip_mirror(endpoints.metadata.labels)
            and not has_leader_election(endpoints.metadata.annotations))


def _parse_ip_sloppy(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``netutils.ParseIPSloppy`` (Go 1.16's ``net.ParseIP``) as ``addressToEndpoint`` reads it:
    dotted IPv4 fields may carry leading zeros (read as decimal), an IPv4-mapped IPv6 address
    (``::ffff:a.b.c.d``) is the IPv4 address (Go's ``To4``), and a zone (``%eth0``) is no IP."""
    if "%" in ip:
        return None
    fields = ip.split(".")
    if len(fields) == 4 and all(f.isdigit() and f.isascii() for f in fields):
        values = [int(f) for f in fields]
        return ipaddress.IPv4Address(".".join(map(str, values))) if max(values) <= 255 else None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def get_address_type(ip: str) -> str | None:
    """The address type ``addressToEndpoint`` gives an Endpoints address: ``"IPv4"``,
    ``"IPv6"``, or ``None`` for a string that is no IP (parsed as :func:`_parse_ip_sloppy`).

    Examples
    --------
    >>> get_address_type("10.0.0.1"), get_address_type("2001:db8::1"), get_address_type("this-is-not-an-ip")
    ('IPv4', 'IPv6', None)
    >>> get_address_type("010.000.000.001"), get_address_type("::ffff:10.0.0.1"), get_address_type("fe80::1%eth0")
    ('IPv4', 'IPv4', None)
    """
    address = _parse_ip_sloppy(ip)
    if address is None:
        return None
    return "IPv4" if address.version == 4 else "IPv6"


def address_to_endpoint(address: EndpointAddress, ready: bool) -> tuple[Endpoint | None, str | None]:
    """``addressToEndpoint``: the endpoint for an Endpoints address, and its address type
    (``(None, None)`` when the address is not an IP). The address is parsed as
    ``ParseIPSloppy`` does and re-written in canonical form (``010.0.0.1`` becomes
    ``10.0.0.1``, ``::ffff:10.0.0.1`` the IPv4 ``10.0.0.1``); only ``ready`` is set among the
    conditions.

    Examples
    --------
    >>> e, kind = address_to_endpoint(EndpointAddress("10.0.0.1", node_name="node-1", hostname="pod-1"), False)
    >>> e.addresses, e.ready, e.serving, e.node_name, e.hostname, kind
    (('10.0.0.1',), False, None, 'node-1', 'pod-1', 'IPv4')
    """
    parsed = _parse_ip_sloppy(address.ip)
    if parsed is None:
        return None, None
    kind = "IPv4" if parsed.version == 4 else "IPv6"
    return Endpoint((str(parsed),), ready=ready, target_ref=address.target_ref,
                    node_name=address.node_name, hostname=address.hostname), kind


def ep_ports_to_eps_ports(ports: Iterable[EndpointPort]) -> tuple[EndpointPort, ...]:
    """``epPortsToEpsPorts``: an Endpoints subset's ports as EndpointSlice ports (same fields)."""
    return tuple(ports)


def new_addr_type_port_map_key(ports: Iterable[EndpointPort], address_type: str) -> PortMapKey:
    """``newAddrTypePortMapKey``: the address type and the ports in a canonical order (upstream
    hashes the sorted ports)."""
    return (address_type, tuple(sorted(ports, key=lambda p: (p.name, p.port, p.protocol, p.app_protocol))))


def get_endpoint_slice_prefix(name: str) -> str:
    """``getEndpointSlicePrefix``: ``<name>-``, or ``<name>`` when the dash would make the
    prefix longer than a DNS subdomain may be (253).

    Examples
    --------
    >>> get_endpoint_slice_prefix("db"), len(get_endpoint_slice_prefix("a" * 253))
    ('db-', 253)
    """
    prefix = f"{name}-"
    return prefix if len(prefix) <= 253 else name


def clone_and_remove_keys(mapping: Mapping[str, str] | Iterable[tuple[str, str]], *keys: str) -> dict[str, str]:
    """``cloneAndRemoveKeys``: a copy of the labels or annotations without ``keys``."""
    out = dict(mapping.items() if isinstance(mapping, Mapping) else mapping)
    for key in keys:
        out.pop(key, None)
    return out


def _owner(endpoints: Endpoints) -> OwnerReference:
    return OwnerReference("v1", "Endpoints", endpoints.metadata.name, endpoints.metadata.uid,
                          controller=True, block_owner_deletion=True)


def _mirrored_annotations(endpoints: Endpoints) -> dict[str, str]:
    return clone_and_remove_keys(endpoints.metadata.annotations, _TRIGGER_TIME, _LAST_APPLIED)


def new_endpoint_slice(endpoints: Endpoints, ports: Sequence[EndpointPort], address_type: str,
                       slice_name: str = "") -> EndpointSlice:
    """``newEndpointSlice``: an empty slice for ``endpoints`` with these ports, named
    ``slice_name`` or, when that is empty, to be named from ``generateName``.

    Examples
    --------
    >>> eps = Endpoints(ObjectMeta("db", "default", uid="u", labels=(("team", "a"),)))
    >>> s = new_endpoint_slice(eps, (EndpointPort(5432),), "IPv4")
    >>> s.metadata.generate_name, dict(s.metadata.labels)[LABEL_SERVICE_NAME], s.managed_by, s.metadata.owner_references[0].kind
    ('db-', 'db', 'endpointslicemirroring-controller.k8s.io', 'Endpoints')
    """
    labels = dict(endpoints.metadata.labels)
    labels[LABEL_SERVICE_NAME] = endpoints.metadata.name
    labels[LABEL_MANAGED_BY] = CONTROLLER_NAME
    meta = ObjectMeta(slice_name, endpoints.metadata.namespace,
                      generate_name="" if slice_name else get_endpoint_slice_prefix(endpoints.metadata.name),
                      labels=labels_of(labels), annotations=labels_of(_mirrored_annotations(endpoints)),
                      owner_references=(_owner(endpoints),))
    return EndpointSlice(meta, (), tuple(ports), address_type)


# --- reconciler_helpers.go: desiredCalc ---------------------------------------------------------

_SENTINEL = EndpointPort(-1)


def _repack(subsets: Sequence[EndpointSubset]) -> tuple[EndpointSubset, ...]:
    """``RepackSubsets``, keeping the addresses of a subset without ports under a sentinel port
    as upstream does (:func:`kmodel.controllers.endpoints.repack_subsets` drops them)."""
    marked = [s if s.ports else replace(s, ports=(_SENTINEL,)) for s in subsets]
    return tuple(replace(s, ports=tuple(p for p in s.ports if p != _SENTINEL)) for s in repack_subsets(marked))



def _hash_endpoint(e: Endpoint) -> tuple[Any, ...]:
    """``hashEndpoint``: addresses, hostname and target identify an endpoint."""
    target = e.target_ref
    return (tuple(sorted(e.addresses)), e.hostname, target.namespace if target else "", target.name if target else "")


def desired_endpoints(subsets: Sequence[EndpointSubset], max_endpoints_per_subset: int = MAX_ENDPOINTS_PER_SUBSET
                      ) -> tuple[dict[PortMapKey, EndpointSet], dict[PortMapKey, tuple[EndpointPort, ...]], int, int]:
    """``desiredCalc`` over the repacked subsets: the desired endpoints and the slice ports by
    port-map key, the number of addresses skipped (invalid or over the cap) and of invalid ones.

    Every subset registers its key for both address types (so slices of a type the subset no
    longer has are deleted), as ``initPorts`` does.

    Examples
    --------
    >>> sub = EndpointSubset((EndpointAddress("10.0.0.1"), EndpointAddress("2001:db8::1")),
    ...                      (EndpointAddress("not-an-ip"),), (EndpointPort(80, "http"),))
    >>> by_key, ports, skipped, invalid = desired_endpoints((sub,))
    >>> sorted((k[0], len(v)) for k, v in by_key.items()), skipped, invalid
    ([('IPv4', 1), ('IPv6', 1)], 1, 1)
    """
    by_key: dict[PortMapKey, EndpointSet] = {}
    ports_by_key: dict[PortMapKey, tuple[EndpointPort, ...]] = {}
    skipped = invalid = 0
    for subset in _repack(subsets):
        ports = ep_ports_to_eps_ports(subset.ports)
        multi = {}
        for kind in ("IPv4", "IPv6"):
            multi[kind] = key = new_addr_type_port_map_key(ports, kind)
            by_key.setdefault(key, {})
            ports_by_key[key] = ports
        total = len(subset.addresses) + len(subset.not_ready_addresses)
        added = 0
        for ready, addresses in ((True, subset.addresses), (False, subset.not_ready_addresses)):
            for address in addresses:
                if added >= max_endpoints_per_subset:
                    break
                endpoint, kind = address_to_endpoint(address, ready)
                if endpoint is None or kind is None:
                    invalid += 1
                    continue
                by_key[multi[kind]][_hash_endpoint(endpoint)] = endpoint
                added += 1
        skipped += total - added
    return by_key, ports_by_key, skipped, invalid


# --- reconciler.go ---------------------------------------------------------------------------


def total_changes(existing: EndpointSlice, desired: EndpointSet) -> tuple[int, int, int]:
    """``totalChanges``: endpoints to add, update and remove to turn ``existing`` into ``desired``.

    Examples
    --------
    >>> a, b = Endpoint(("10.0.0.1",), ready=True), Endpoint(("10.0.0.2",), ready=True)
    >>> s = EndpointSlice(ObjectMeta("s", "default"), (a, Endpoint(("10.0.0.3",), ready=True)))
    >>> total_changes(s, {_hash_endpoint(a): a, _hash_endpoint(b): b})
    (1, 0, 1)
    """
    added = updated = removed = matches = 0
    for e in existing.endpoints:
        got = desired.get(_hash_endpoint(e))
        if got is None:
            removed += 1
        else:
            matches += 1
            if not endpoints_equal_beyond_hash(got, e):
                updated += 1
    added = len(desired) - matches
    return added, updated, removed


def reconcile_by_port_mapping(endpoints: Endpoints, existing: Sequence[EndpointSlice], desired: EndpointSet,
                              ports: Sequence[EndpointPort], address_type: str,
                              max_endpoints_per_subset: int = MAX_ENDPOINTS_PER_SUBSET
                              ) -> tuple[list[EndpointSlice], list[EndpointSlice], list[EndpointSlice]]:
    """``reconcileByPortMapping``: slices to create, update and delete for one port-map key."""
    if not desired:
        return [], [], list(existing)
    to_delete: list[EndpointSlice] = []
    name = ""
    if existing:
        to_delete = list(existing[1:])
        first = existing[0]
        compare_labels = clone_and_remove_keys(first.metadata.labels, LABEL_MANAGED_BY, LABEL_SERVICE_NAME)
        if (total_changes(first, desired) == (0, 0, 0) and dict(endpoints.metadata.labels) == compare_labels
                and _mirrored_annotations(endpoints) == dict(first.metadata.annotations)):
            return [], [], to_delete
        name = first.name
    new = new_endpoint_slice(endpoints, ports, address_type, name)
    new = replace(new, endpoints=tuple(desired[k] for k in list(desired)[:max_endpoints_per_subset]))
    return ([], [new], to_delete) if name else ([new], [], to_delete)


def recycle_slices(to_create: list[EndpointSlice], to_update: list[EndpointSlice], to_delete: list[EndpointSlice]
                   ) -> tuple[list[EndpointSlice], list[EndpointSlice], list[EndpointSlice]]:
    """``recycleSlices``: per address type, each slice to create takes the name of a slice to
    delete instead (an update), pairing them in order.

    Examples
    --------
    >>> new = EndpointSlice(ObjectMeta("", "default", generate_name="db-"))
    >>> old = EndpointSlice(ObjectMeta("db-1", "default"))
    >>> c, u, d = recycle_slices([new], [], [old])
    >>> c, [s.name for s in u], d
    ([], ['db-1'], [])
    """
    create, update, delete = list(to_create), list(to_update), list(to_delete)
    for kind in sorted({s.address_type for s in to_create}):
        creating = [s for s in to_create if s.address_type == kind]
        deleting = [s for s in to_delete if s.address_type == kind]
        for new, old in zip(creating, deleting):
            create.remove(new)
            delete.remove(old)
            update.append(replace(new, metadata=replace(new.metadata, name=old.name, generate_name="")))
    return create, update, delete


def _slices_by_key(slices: Iterable[EndpointSlice]) -> dict[PortMapKey, list[EndpointSlice]]:
    """``endpointSlicesByKey``."""
    out: dict[PortMapKey, list[EndpointSlice]] = {}
    for s in slices:
        out.setdefault(new_addr_type_port_map_key(s.ports, s.address_type), []).append(s)
    return out


def mirror(endpoints: Endpoints, existing: Sequence[EndpointSlice],
           max_endpoints_per_subset: int = MAX_ENDPOINTS_PER_SUBSET
           ) -> tuple[list[EndpointSlice], list[EndpointSlice], list[EndpointSlice]]:
    """``reconciler.reconcile`` up to ``finalize``: the slices to create, update and delete so
    that ``existing`` (the slices mirrored for ``endpoints``) mirror it; creates are already
    recycled (:func:`recycle_slices`)."""
    desired, ports_by_key, _, _ = desired_endpoints(endpoints.subsets, max_endpoints_per_subset)
    existing_by_key = _slices_by_key(existing)
    create: list[EndpointSlice] = []
    update: list[EndpointSlice] = []
    delete: list[EndpointSlice] = []
    for key in sorted(desired, key=repr):
        c, u, d = reconcile_by_port_mapping(endpoints, existing_by_key.get(key, []), desired[key], ports_by_key[key],
                                            key[0], max_endpoints_per_subset)
        create += c
        update += u
        delete += d
    for key in sorted(existing_by_key, key=repr):
        if key not in desired:
            delete += existing_by_key[key]
    return recycle_slices(create, update, delete)


# --- endpointslicemirroring_controller.go -------------------------------------------------------


def mirrored_slices(state: ClusterState, namespace: str, name: str) -> list[EndpointSlice]:
    """``endpointSlicesMirroredForService``: the slices labelled with the Service's name and
    managed by this controller."""
    return [s for s in state.list("EndpointSlice", namespace)
            if s.service_name == name and s.managed_by == CONTROLLER_NAME]


def keys(state: ClusterState) -> list[ObjectRef]:
    """The work queue: every Endpoints object, and the Endpoints named by mirrored slices (so
    slices whose Endpoints object is gone are cleaned up)."""
    out = {e.ref for e in state.list("Endpoints")}
    for s in state.list("EndpointSlice"):
        if s.managed_by == CONTROLLER_NAME and s.service_name:
            out.add(ObjectRef("Endpoints", s.metadata.namespace, s.service_name))
    return sorted(out)


def _delete_all(slices: Iterable[EndpointSlice]) -> tuple[Request, ...]:
    return tuple(Delete(s.ref) for s in slices)


def reconcile(state: ClusterState, key: ObjectRef, *,
              max_endpoints_per_subset: int = MAX_ENDPOINTS_PER_SUBSET) -> tuple[Request, ...]:
    """The requests of one ``syncEndpoints(key)`` (empty when the mirrored slices are right)."""
    existing = mirrored_slices(state, key.namespace, key.name)
    endpoints = state.get(ObjectRef("Endpoints", key.namespace, key.name))
    service = state.get(ObjectRef("Service", key.namespace, key.name))
    if endpoints is None or not should_mirror(endpoints) or service is None or service.spec.has_selector:
        return _delete_all(existing)
    create, update, delete = mirror(endpoints, existing, max_endpoints_per_subset)
    requests: list[Request] = []
    if not endpoints.metadata.deleting:
        requests += [Create(s) for s in create]
    requests += [Update(s) for s in update]
    requests += [Delete(s.ref) for s in delete]
    return tuple(requests)
