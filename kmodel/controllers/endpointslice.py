"""The EndpointSlice controller as a pure function of the cluster state.

``reconcile(state, key)`` returns the API requests one ``syncService(key)`` issues for the
Service at ``key``:

1. Nothing for a Service that is gone (its slices are owned by it: the garbage collector
   deletes them), of type ExternalName, or without a selector (its slices are written out of
   band, by a user or the EndpointSliceMirroring controller). Slices the controller wrote
   before a Service became ExternalName stay, as upstream (issue 105986).
2. The Service's pods: every pod of its namespace whose labels match its selector, kept when
   :func:`should_pod_be_in_endpoints` (not terminal, has an IP; terminating pods stay, marked
   terminating). A pod whose node does not exist is skipped (unless the Service publishes
   not-ready addresses). Each pod becomes an :class:`Endpoint` (:func:`pod_to_endpoint`: ready
   = ``publishNotReadyAddresses or (serving and not terminating)``, serving = the pod's Ready
   condition, terminating = being deleted) under the ports it resolves
   (:func:`get_endpoint_ports`, :func:`find_port`: a named ``targetPort`` is looked up per pod
   among its containers' ports with the same protocol, then its sidecars'; a port that does
   not resolve is left out for that pod). Pods are grouped by their resolved ports.
3. Per port mapping (:func:`reconcile_by_port_mapping`): existing slices keep the endpoints still
   wanted (updated in place when their conditions, node or zone changed), drop the others, and
   are deleted when nothing is left; remaining endpoints fill the slices already being updated
   (fullest first), then the unchanged slice that ends closest to full
   (:func:`get_slice_to_fill`), then new slices, each holding at most
   :data:`MAX_ENDPOINTS_PER_SLICE` (100) endpoints.
4. Slices of a port mapping no pod has any more, and slices not owned by the Service, are
   deleted; a slice about to be deleted is reused (updated under its name) for a slice about
   to be created (``finalize``); when no slice would be left, a placeholder slice with no
   endpoints and no ports is kept or created.

Slices carry the Service's labels plus ``kubernetes.io/service-name``,
``endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`` and, for a
headless Service, ``service.kubernetes.io/headless``; a controller owner reference to the
Service; ``generateName: <service>-``.

Abstracted: the informer and the EndpointSliceTracker (the controller acts on the current state
in one atomic step, so its view is never stale; lag is the interleaving of its steps with
others'), the batching and retry delays, the ``endpoints.kubernetes.io/last-change-trigger-time``
annotation (time is abstract), topology hints and traffic distribution, endpoint hostnames
(``spec.hostname``/``subdomain`` are not modelled, so :func:`should_set_hostname` is never
true), IPv6 (every Service is single-stack IPv4), and metrics. Where upstream takes endpoints
from a set in random order (``PopAny``), the model takes them sorted by address, one of its
choices; it matters only above 100 endpoints.

Upstream: ``kubernetes/endpointslice`` ``reconciler.go`` (``Reconcile``,
``reconcileByAddressType``, ``reconcileByPortMapping``, ``finalize``), ``utils.go``
(``podToEndpoint``, ``getEndpointPorts``, ``newEndpointSlice``, ``ownedBy``,
``getSliceToFill``, ``setEndpointSliceLabels``, ``FindPort``),
``util/controller_utils.go`` (``ShouldPodBeInEndpoints``, ``ShouldSetHostname``,
``EndpointsEqualBeyondHash``), ``util/endpointset.go`` (``hashEndpoint``);
``pkg/controller/endpointslice/endpointslice_controller.go`` (``syncService``).

Examples
--------
>>> from kmodel.api import Create, apply
>>> from kmodel.objects.meta import Namespace, ObjectMeta, replace
>>> from kmodel.objects.networking import Service, ServicePort, ServiceSpec
>>> from kmodel.objects.nodes import Node
>>> from kmodel.objects.workloads import Container, ContainerPort, Pod, PodSpec, PodStatus, PodCondition
>>> state = ClusterState.empty()
>>> for obj in (Namespace(ObjectMeta("default")), Node(ObjectMeta("worker-a")),
...             Service(ObjectMeta("web", "default"), ServiceSpec((("app", "web"),), (ServicePort(80, target_port="http"),)))):
...     state, _ = apply(state, Create(obj))
>>> pod = Pod(ObjectMeta("web-1", "default", labels=(("app", "web"),)),
...           PodSpec((Container("c", ports=(ContainerPort(8080, "http"),)),), node_name="worker-a"),
...           PodStatus("Running", (PodCondition("Ready", "True"),), pod_ip="192.168.0.7"))
>>> state = state.with_(pod)
>>> requests = reconcile(state, ObjectRef("Service", "default", "web"))
>>> [str(r) for r in requests]
['create EndpointSlice/default/web-<generated>']
>>> requests[0].obj.endpoints, requests[0].obj.ports
((192.168.0.7 (Pod/default/web-1 on worker-a, ready),), (8080/TCP,))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kmodel.api import Create, Delete, Request, Update
from kmodel.objects.meta import ObjectMeta, ObjectRef, OwnerReference, labels_of, replace
from kmodel.objects.networking import (
    ENDPOINTSLICE_CONTROLLER,
    LABEL_HEADLESS,
    LABEL_MANAGED_BY,
    LABEL_SERVICE_NAME,
    Endpoint,
    EndpointPort,
    EndpointSlice,
    Service,
    ServicePort,
)
from kmodel.objects.nodes import ZONE_LABEL, Node
from kmodel.objects.workloads import Pod, is_pod_ready
from kmodel.state import ClusterState

__all__ = [
    "MAX_ENDPOINTS_PER_SLICE",
    "reconcile",
    "keys",
    "should_pod_be_in_endpoints",
    "should_set_hostname",
    "pod_to_endpoint",
    "find_port",
    "get_endpoint_ports",
    "get_slice_to_fill",
    "endpoints_equal_beyond_hash",
    "new_endpoint_slice",
    "set_endpoint_slice_labels",
    "owned_by",
    "reconcile_by_port_mapping",
    "service_pods",
    "is_service_ip_set",
    "managed_slices",
]

#: ``--max-endpoints-per-slice`` (kube-controller-manager's default).
MAX_ENDPOINTS_PER_SLICE = 100

PortMap = tuple[EndpointPort, ...]


# --- helpers named after upstream ----------------------------------------------------------


def should_pod_be_in_endpoints(pod: Pod, include_terminating: bool) -> bool:
    """``ShouldPodBeInEndpoints``: not terminal, has an IP, and (if asked) not terminating.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.workloads import Container, PodSpec, PodStatus
    >>> pod = Pod(ObjectMeta("p", "default", deleting=True), PodSpec((Container("c"),)),
    ...           PodStatus("Running", pod_ip="192.168.0.1"))
    >>> should_pod_be_in_endpoints(pod, True), should_pod_be_in_endpoints(pod, False)
    (True, False)
    """
    if pod.status.phase in ("Succeeded", "Failed"):
        return False
    if not pod.status.pod_ip:
        return False
    if not include_terminating and pod.metadata.deleting:
        return False
    return True


def should_set_hostname(pod: Pod, service: Service) -> bool:
    """``ShouldSetHostname``: the pod sets ``spec.hostname`` and its ``subdomain`` is the
    Service's name in the same namespace. The model keeps neither field: never true."""
    return False


def is_service_ip_set(service: Service) -> bool:
    """``isServiceIPSet``: a cluster IP other than ``None``."""
    return service.spec.cluster_ip not in ("", "None")


def find_port(pod: Pod, port: ServicePort) -> int | None:
    """``FindPort``: a numeric ``targetPort`` as is; a named one is the first container port
    with that name and the Service port's protocol, among the containers then the sidecars
    (init containers with ``restartPolicy: Always``); ``None`` when there is none.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.workloads import Container, ContainerPort, PodSpec
    >>> pod = Pod(ObjectMeta("p", "default"), PodSpec((Container("c", ports=(ContainerPort(8080, "http"),)),)))
    >>> find_port(pod, ServicePort(80, target_port="http")), find_port(pod, ServicePort(80, target_port="web"))
    (8080, None)
    >>> find_port(pod, ServicePort(80, protocol="UDP", target_port="http")), find_port(pod, ServicePort(80, target_port=9000))
    (None, 9000)
    """
    target = port.target_port
    if isinstance(target, int):
        return target
    if not target:
        return None
    for container in pod.spec.containers:
        for p in container.ports:
            if p.name == target and p.protocol == port.protocol:
                return p.container_port
    for container in pod.spec.init_containers:
        if container.restart_policy != "Always":
            continue
        for p in container.ports:
            if p.name == target and p.protocol == port.protocol:
                return p.container_port
    return None


def get_endpoint_ports(service: Service, pod: Pod) -> PortMap:
    """``getEndpointPorts``: the Service's ports as this pod resolves them, in the Service's
    order (unresolved ones left out)."""
    if not service.spec.ports and service.spec.headless:
        return ()
    out = []
    for port in service.spec.ports:
        number = find_port(pod, port)
        if number is None:
            continue
        out.append(EndpointPort(number, port.name, port.protocol, port.app_protocol))
    return tuple(out)


def _port_map_key(ports: Sequence[EndpointPort]) -> PortMap:
    """``NewPortMapKey``: the ports in a canonical order (upstream sorts them by a hash)."""
    return tuple(sorted(ports, key=lambda p: (p.name, p.port, p.protocol, p.app_protocol)))


def pod_to_endpoint(pod: Pod, node: Node | None, service: Service) -> Endpoint:
    """``podToEndpoint``: the endpoint for ``pod`` (``node`` for its zone).

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.networking import ServiceSpec
    >>> from kmodel.objects.workloads import Container, PodCondition, PodSpec, PodStatus
    >>> ready = PodStatus("Running", (PodCondition("Ready", "True"),), pod_ip="192.168.0.1")
    >>> pod = Pod(ObjectMeta("p", "default", deleting=True), PodSpec((Container("c"),), node_name="n"), ready)
    >>> svc = Service(ObjectMeta("s", "default"), ServiceSpec())
    >>> e = pod_to_endpoint(pod, None, svc)
    >>> e.ready, e.serving, e.terminating, e.node_name
    (False, True, True, 'n')
    """
    serving = is_pod_ready(pod)
    terminating = pod.metadata.deleting
    ready = service.spec.publish_not_ready_addresses or (serving and not terminating)
    zone = (node.metadata.label(ZONE_LABEL) or "") if node is not None else ""
    hostname = ""
    return Endpoint(
        addresses=(pod.status.pod_ip,) if pod.status.pod_ip else (),
        ready=ready,
        serving=serving,
        terminating=terminating,
        target_ref=pod.ref,
        node_name=pod.spec.node_name,
        zone=zone,
        hostname=hostname,
    )


def _hash_endpoint(e: Endpoint) -> tuple[Any, ...]:
    """``hashEndpoint``: an endpoint's identity is its addresses, hostname and target."""
    target = e.target_ref
    return (tuple(sorted(e.addresses)), e.hostname,
            target.namespace if target else "", target.name if target else "")


def endpoints_equal_beyond_hash(a: Endpoint, b: Endpoint) -> bool:
    """``EndpointsEqualBeyondHash``: same node, zone, conditions and target."""
    return (a.node_name == b.node_name and a.zone == b.zone and a.ready == b.ready
            and a.serving == b.serving and a.terminating == b.terminating and a.target_ref == b.target_ref)


def owned_by(slice_: EndpointSlice, service: Service) -> bool:
    """``ownedBy``: an owner reference to this Service (by UID)."""
    return any(o.uid == service.metadata.uid and o.kind == "Service" and o.api_version == "v1"
               for o in slice_.metadata.owner_references)


def _reserved(key: str) -> bool:
    return key in (LABEL_SERVICE_NAME, LABEL_MANAGED_BY, LABEL_HEADLESS)


def set_endpoint_slice_labels(slice_labels: Iterable[tuple[str, str]], service: Service,
                              controller: str = ENDPOINTSLICE_CONTROLLER) -> tuple[tuple[tuple[str, str], ...], bool]:
    """``setEndpointSliceLabels``: the Service's labels plus the reserved ones, and whether the
    non-reserved labels differ from the slice's."""
    ours = {k: v for k, v in slice_labels if not _reserved(k)}
    theirs = {k: v for k, v in service.metadata.labels if not _reserved(k)}
    updated = ours != theirs
    labels = dict(theirs)
    if not is_service_ip_set(service):
        labels[LABEL_HEADLESS] = ""
    labels[LABEL_SERVICE_NAME] = service.metadata.name
    labels[LABEL_MANAGED_BY] = controller
    return labels_of(labels), updated


def _controller_ref(service: Service) -> OwnerReference:
    return OwnerReference("v1", "Service", service.metadata.name, service.metadata.uid,
                          controller=True, block_owner_deletion=True)


def new_endpoint_slice(service: Service, ports: PortMap, controller: str = ENDPOINTSLICE_CONTROLLER) -> EndpointSlice:
    """``newEndpointSlice``: an unnamed slice (``generateName: <service>-``) for these ports."""
    labels, _ = set_endpoint_slice_labels((), service, controller)
    meta = ObjectMeta("", service.metadata.namespace, generate_name=f"{service.metadata.name}-",
                      labels=labels, owner_references=(_controller_ref(service),))
    return EndpointSlice(meta, (), ports, "IPv4")


def get_slice_to_fill(slices: Sequence[EndpointSlice], num_endpoints: int, max_endpoints: int) -> EndpointSlice | None:
    """``getSliceToFill``: the slice that would end closest to full with ``num_endpoints`` more
    (the first such in ``slices`` on a tie), ``None`` if none has room.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> def sl(name, n): return EndpointSlice(ObjectMeta(name, "default"), tuple(Endpoint((f"10.0.0.{i}",)) for i in range(n)))
    >>> get_slice_to_fill([sl("a", 50), sl("b", 80), sl("c", 95)], 15, 100).name
    'b'
    >>> get_slice_to_fill([sl("a", 95)], 15, 100) is None
    True
    """
    closest_diff = max_endpoints
    closest = None
    for s in slices:
        diff = max_endpoints - (num_endpoints + len(s.endpoints))
        if 0 <= diff < closest_diff:
            closest_diff = diff
            closest = s
            if closest_diff == 0:
                return closest
    return closest


def reconcile_by_port_mapping(
    service: Service,
    existing: Sequence[EndpointSlice],
    desired: dict[tuple[Any, ...], Endpoint],
    ports: PortMap,
    max_endpoints: int = MAX_ENDPOINTS_PER_SLICE,
) -> tuple[list[EndpointSlice], list[EndpointSlice], list[EndpointSlice]]:
    """``reconcileByPortMapping``: slices to create, update and delete for one port mapping.

    ``desired`` maps :func:`_hash_endpoint` keys to endpoints; it is consumed as upstream
    consumes its set, in sorted order where upstream's order is random.
    """
    desired = dict(desired)
    by_name: dict[str, EndpointSlice] = {}
    unchanged: list[str] = []
    to_update: list[str] = []
    to_delete: list[str] = []
    # 1. Keep what is still desired in the existing slices.
    for s in existing:
        by_name[s.name] = s
        kept = []
        changed = False
        for e in s.endpoints:
            key = _hash_endpoint(e)
            got = desired.get(key)
            if got is not None:
                kept.append(got)
                if not endpoints_equal_beyond_hash(got, e):
                    changed = True
                del desired[key]
        labels, labels_changed = set_endpoint_slice_labels(s.metadata.labels, service)
        if changed or len(kept) != len(s.endpoints):
            if not kept:
                to_delete.append(s.name)
            else:
                by_name[s.name] = replace(s, endpoints=tuple(kept), metadata=replace(s.metadata, labels=labels))
                to_update.append(s.name)
        elif labels_changed:
            by_name[s.name] = replace(s, metadata=replace(s.metadata, labels=labels))
            to_update.append(s.name)
        else:
            unchanged.append(s.name)
    remaining = [desired[k] for k in sorted(desired)]
    # 2. Fill the slices being updated, fullest first (a stable sort by length).
    if remaining and to_update:
        for name in sorted(to_update, key=lambda n: -len(by_name[n].endpoints)):
            s = by_name[name]
            room = max_endpoints - len(s.endpoints)
            if room > 0 and remaining:
                by_name[name] = replace(s, endpoints=s.endpoints + tuple(remaining[:room]))
                remaining = remaining[room:]
    # 3. Then one unchanged slice that fits the rest, else new slices.
    to_create: list[EndpointSlice] = []
    while remaining:
        fill = None
        if len(remaining) < max_endpoints and unchanged:
            fill = get_slice_to_fill([by_name[n] for n in unchanged], len(remaining), max_endpoints)
        if fill is None:
            fill = new_endpoint_slice(service, ports)
        room = max_endpoints - len(fill.endpoints)
        fill = replace(fill, endpoints=fill.endpoints + tuple(remaining[:room]))
        remaining = remaining[room:]
        if fill.name:
            by_name[fill.name] = fill
            to_update.append(fill.name)
            unchanged.remove(fill.name)
        else:
            to_create.append(fill)
    return to_create, [by_name[n] for n in to_update], [by_name[n] for n in to_delete]


def _is_placeholder(s: EndpointSlice, placeholder: EndpointSlice) -> bool:
    """``placeholderSliceCompare``: namespace, labels, owners and content as the placeholder's."""
    return (s.metadata.namespace == placeholder.metadata.namespace
            and dict(s.metadata.labels) == dict(placeholder.metadata.labels)
            and s.metadata.owner_references == placeholder.metadata.owner_references
            and not s.endpoints and not s.ports and s.address_type == placeholder.address_type)


# --- the controller -----------------------------------------------------------------------------


def service_pods(state: ClusterState, service: Service) -> list[Pod]:
    """The pods the Service selects: its namespace, labels matching its selector."""
    selector = dict(service.spec.selector or ())
    out = []
    for p in state.list("Pod", service.metadata.namespace):
        labels = dict(p.metadata.labels)
        if all(labels.get(k) == v for k, v in selector.items()):
            out.append(p)
    return out


def managed_slices(state: ClusterState, service: Service) -> list[EndpointSlice]:
    """The Service's slices this controller manages (by label), not being deleted."""
    return [s for s in state.list("EndpointSlice", service.metadata.namespace)
            if s.service_name == service.metadata.name and s.managed_by == ENDPOINTSLICE_CONTROLLER
            and not s.metadata.deleting]


def desired_endpoints(state: ClusterState, service: Service) -> tuple[dict[PortMap, dict[tuple[Any, ...], Endpoint]],
                                                                       dict[PortMap, PortMap]]:
    """Endpoints by port mapping, as ``reconcileByAddressType`` computes them, and each
    mapping's ports as the first pod listed them (the slices' ``ports``)."""
    out: dict[PortMap, dict[tuple[Any, ...], Endpoint]] = {}
    metas: dict[PortMap, PortMap] = {}
    for pod in service_pods(state, service):
        if not should_pod_be_in_endpoints(pod, True):
            continue
        ports = get_endpoint_ports(service, pod)
        key = _port_map_key(ports)
        metas.setdefault(key, ports)
        group = out.setdefault(key, {})
        node = state.get(ObjectRef("Node", "", pod.spec.node_name)) if pod.spec.node_name else None
        if node is None and not service.spec.publish_not_ready_addresses:
            continue  # "skipping Pod for Service, Node not found" (an error: retried)
        endpoint = pod_to_endpoint(pod, node, service)
        if endpoint.addresses:
            group[_hash_endpoint(endpoint)] = endpoint
    return out, metas


def keys(state: ClusterState) -> list[ObjectRef]:
    """The controller's work queue: every Service."""
    return [s.ref for s in state.list("Service")]


def reconcile(state: ClusterState, key: ObjectRef, *,
              max_endpoints: int = MAX_ENDPOINTS_PER_SLICE) -> tuple[Request, ...]:
    """The requests of one ``syncService(key)`` (empty when everything is as it should be)."""
    service = state.get(key)
    if service is None or service.spec.type == "ExternalName" or not service.spec.has_selector:
        return ()
    slices = managed_slices(state, service)
    to_delete: list[EndpointSlice] = [s for s in slices if s.address_type != "IPv4"]
    existing = [s for s in slices if s.address_type == "IPv4"]
    by_ports: dict[PortMap, list[EndpointSlice]] = {}
    for s in existing:
        if owned_by(s, service):
            by_ports.setdefault(_port_map_key(s.ports), []).append(s)
        else:
            to_delete.append(s)
    desired, metas = desired_endpoints(state, service)
    to_create: list[EndpointSlice] = []
    to_update: list[EndpointSlice] = []
    for ports in sorted(desired, key=repr):
        c, u, d = reconcile_by_port_mapping(service, by_ports.get(ports, []), desired[ports], metas[ports],
                                            max_endpoints)
        to_create += c
        to_update += u
        to_delete += d
    for ports in sorted(by_ports, key=repr):
        if ports not in desired:
            to_delete += by_ports[ports]
    if len(existing) == len([s for s in to_delete if s.address_type == "IPv4"]) and not to_create:
        placeholder = new_endpoint_slice(service, ())
        deleting = [s for s in to_delete if s.address_type == "IPv4"]
        if len(deleting) == 1 and _is_placeholder(deleting[0], placeholder):
            to_delete = [s for s in to_delete if s is not deleting[0]]
        else:
            to_create.append(placeholder)
    # finalize: reuse the name of a slice being deleted for a slice being created.
    i = 0
    while i < len(to_delete) and to_create:
        old = to_delete[i]
        if old.address_type == "IPv4" and owned_by(old, service):
            new = to_create.pop()
            to_update.append(replace(new, metadata=replace(new.metadata, name=old.name, generate_name=old.metadata.generate_name)))
            del to_delete[i]
        else:
            i += 1
    requests: list[Request] = []
    if not service.metadata.deleting:
        requests += [Create(s) for s in to_create]
    requests += [Update(s) for s in to_update]
    requests += [Delete(s.ref) for s in to_delete]
    return tuple(requests)
