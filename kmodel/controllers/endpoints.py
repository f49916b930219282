"""The Endpoints controller (the legacy ``v1`` Endpoints API) as a pure function of the state.

The Endpoints API is deprecated since v1.33 but kube-controller-manager v1.35 still runs this
controller by default; kube-proxy and the ALB controller read EndpointSlices instead
(:mod:`kmodel.controllers.endpointslice`). ``reconcile(state, key)`` returns the requests of one
``syncService(key)``:

* a Service that is gone: delete the Endpoints object of its name;
* ExternalName or no selector: nothing (such Endpoints are written out of band);
* otherwise the pods the Service selects, kept when ``ShouldPodBeInEndpoints(pod,
  publishNotReadyAddresses)`` (so terminating pods are left out unless the Service publishes
  not-ready addresses); each becomes an address (IP, node, target pod) under each Service port
  it resolves (:func:`~kmodel.controllers.endpointslice.find_port`), in ``addresses`` when the
  Service publishes not-ready addresses or the pod is Ready, else in ``notReadyAddresses``; a
  headless Service without ports gets portless subsets. The subsets are put in canonical form
  (:func:`repack_subsets`), at most :data:`MAX_CAPACITY` addresses are kept
  (:func:`truncate_endpoints`, with the ``endpoints.kubernetes.io/over-capacity: truncated``
  annotation), the object carries the Service's labels (plus ``service.kubernetes.io/headless``
  for a headless Service) and is created or updated when it differs.

Abstracted: as for the EndpointSlice controller (no informer lag or stale-cache tracking, no
trigger-time annotation, no hostnames, IPv4 only). ``RepackSubsets`` sorts ports and subsets
by an MD5 hash of their printed form; the model sorts them by value (the order carries no
meaning; both are canonical).

Upstream: ``pkg/controller/endpoint/endpoints_controller.go`` (``syncService``,
``addEndpointSubset``, ``truncateEndpoints``), ``pkg/api/v1/endpoints/util.go``
(``RepackSubsets``, ``SortSubsets``, ``LessEndpointAddress``).

Examples
--------
>>> from kmodel.objects.networking import EndpointAddress, EndpointPort, EndpointSubset
>>> a, b = EndpointAddress("192.168.0.2"), EndpointAddress("192.168.0.1")
>>> p80 = EndpointPort(80)
>>> repack_subsets((EndpointSubset((a,), (), (p80,)), EndpointSubset((b,), (), (p80,))))
(EndpointSubset(addresses=(192.168.0.1, 192.168.0.2), not_ready_addresses=(), ports=(80/TCP,)),)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from kmodel.api import Create, Delete, Request, Update
from kmodel.controllers.endpointslice import find_port, is_service_ip_set, service_pods, should_pod_be_in_endpoints
from kmodel.objects.meta import ObjectMeta, ObjectRef, labels_of, replace
from kmodel.objects.networking import LABEL_HEADLESS, EndpointAddress, EndpointPort, Endpoints, EndpointSubset
from kmodel.objects.workloads import is_pod_ready
from kmodel.state import ClusterState

__all__ = ["MAX_CAPACITY", "OVER_CAPACITY", "reconcile", "keys", "repack_subsets", "truncate_endpoints",
           "desired_subsets"]

#: ``maxCapacity``: addresses kept in one Endpoints object.
MAX_CAPACITY = 1000
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"


def _address_key(a: EndpointAddress) -> tuple[str, str]:
    """``LessEndpointAddress``: by IP, then by target UID (the model's UID is the target's path)."""
    target = a.target_ref
    return (a.ip, f"{target.kind}/{target.namespace}/{target.name}" if target is not None else "")


def repack_subsets(subsets: Sequence[EndpointSubset]) -> tuple[EndpointSubset, ...]:
    """``RepackSubsets``: one subset per distinct set of addresses, holding every port those
    addresses serve; an address that is not ready for a port stays not ready for it.

    Examples
    --------
    >>> p80, p443 = EndpointPort(80, "http"), EndpointPort(443, "https")
    >>> a = EndpointAddress("192.168.0.1")
    >>> out = repack_subsets((EndpointSubset((a,), (), (p80,)), EndpointSubset((), (a,), (p443,))))
    >>> [(s.addresses, s.not_ready_addresses, s.ports) for s in out]
    [((), (192.168.0.1,), (https 443/TCP,)), ((192.168.0.1,), (), (http 80/TCP,))]
    """
    all_addrs: dict[tuple[str, str], EndpointAddress] = {}
    by_port: dict[EndpointPort, dict[tuple[str, str], bool]] = {}
    for s in subsets:
        for port in s.ports:
            for ready, addresses in ((True, s.addresses), (False, s.not_ready_addresses)):
                for addr in addresses:
                    key = _address_key(addr)
                    all_addrs.setdefault(key, addr)
                    seen = by_port.setdefault(port, {})
                    if key not in seen or seen[key]:
                        seen[key] = ready  # not ready trumps ready
    groups: dict[tuple[tuple[tuple[str, str], bool], ...], list[EndpointPort]] = {}
    for port, addrs in by_port.items():
        groups.setdefault(tuple(sorted(addrs.items())), []).append(port)
    final = []
    for addrs, ports in groups.items():
        ready = tuple(all_addrs[k] for k, r in addrs if r)
        not_ready = tuple(all_addrs[k] for k, r in addrs if not r)
        final.append(EndpointSubset(tuple(sorted(ready, key=_address_key)), tuple(sorted(not_ready, key=_address_key)),
                                    tuple(sorted(ports, key=repr))))
    return tuple(sorted(final, key=repr))


def truncate_endpoints(subsets: tuple[EndpointSubset, ...]) -> tuple[tuple[EndpointSubset, ...], bool]:
    """``truncateEndpoints``: keep at most :data:`MAX_CAPACITY` addresses, ready ones first,
    shared among subsets in proportion (rounded up); whether anything was cut.

    Examples
    --------
    >>> subs = (EndpointSubset(tuple(EndpointAddress(f"10.0.{i // 250}.{i % 250}") for i in range(1200)), (), ()),)
    >>> out, cut = truncate_endpoints(subs)
    >>> len(out[0].addresses), cut
    (1000, True)
    """
    total_ready = sum(len(s.addresses) for s in subsets)
    total_not_ready = sum(len(s.not_ready_addresses) for s in subsets)
    if total_ready + total_not_ready <= MAX_CAPACITY:
        return subsets, False
    truncate_ready = total_ready > MAX_CAPACITY
    limit = MAX_CAPACITY if truncate_ready else MAX_CAPACITY - total_ready
    total = total_ready if truncate_ready else total_not_ready
    can_add = limit
    out = []
    for s in subsets:
        n = len(s.addresses) if truncate_ready else len(s.not_ready_addresses)
        add = min(math.ceil(n / total * limit), can_add)
        if truncate_ready:
            s = replace(s, addresses=s.addresses[:add], not_ready_addresses=())
            can_add -= len(s.addresses)
        else:
            s = replace(s, not_ready_addresses=s.not_ready_addresses[:add])
            can_add -= len(s.not_ready_addresses)
        out.append(s)
    return tuple(out), True


def desired_subsets(state: ClusterState, service) -> tuple[EndpointSubset, ...]:  # type: ignore[no-untyped-def]
    """The repacked subsets ``syncService`` computes for ``service``."""
    publish = service.spec.publish_not_ready_addresses
    subsets: list[EndpointSubset] = []
    for pod in service_pods(state, service):
        if not should_pod_be_in_endpoints(pod, publish):
            continue
        addr = EndpointAddress(pod.status.pod_ip, pod.ref, pod.spec.node_name)
        ready = publish or is_pod_ready(pod)
        if not service.spec.ports:
            if service.spec.headless:
                subsets.append(EndpointSubset((addr,) if ready else (), () if ready else (addr,), ()))
            continue
        for port in service.spec.ports:
            number = find_port(pod, port)
            if number is None:
                continue
            epp = EndpointPort(number, port.name, port.protocol, port.app_protocol)
            subsets.append(EndpointSubset((addr,) if ready else (), () if ready else (addr,), (epp,)))
    if not service.spec.ports and service.spec.headless:
        # No need to repack portless subsets (upstream keeps them as added).
        return tuple(subsets)
    return repack_subsets(subsets)


def keys(state: ClusterState) -> list[ObjectRef]:
    """Every Service, and every Endpoints object whose Service is gone."""
    out = {s.ref for s in state.list("Service")}
    out.update(ObjectRef("Service", e.metadata.namespace, e.metadata.name) for e in state.list("Endpoints"))
    return sorted(out)


def reconcile(state: ClusterState, key: ObjectRef) -> tuple[Request, ...]:
    """The requests of one ``syncService(key)`` (empty when nothing changes)."""
    ref = ObjectRef("Endpoints", key.namespace, key.name)
    current = state.get(ref)
    service = state.get(key)
    if service is None:
        return (Delete(ref),) if current is not None else ()
    if service.spec.type == "ExternalName" or not service.spec.has_selector:
        return ()
    subsets, truncated = truncate_endpoints(desired_subsets(state, service))
    labels = dict(service.metadata.labels)
    if not is_service_ip_set(service):
        labels[LABEL_HEADLESS] = ""
    else:
        labels.pop(LABEL_HEADLESS, None)
    annotations = dict(current.metadata.annotations) if current is not None else {}
    if truncated:
        annotations[OVER_CAPACITY] = "truncated"
    else:
        annotations.pop(OVER_CAPACITY, None)
    if current is None:
        meta = ObjectMeta(service.metadata.name, service.metadata.namespace, labels=labels_of(labels),
                          annotations=labels_of(annotations))
        return (Create(Endpoints(meta, subsets)),)
    new = replace(current, subsets=subsets, metadata=replace(current.metadata, labels=labels_of(labels),
                                                             annotations=labels_of(annotations)))
    if new == current:
        return ()
    return (Update(new),)
