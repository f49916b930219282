"""Service admission: defaults, ClusterIP and NodePort allocation, and update rules.

The API server calls :func:`admit_create` and :func:`admit_update` for every Service write.

* **Defaults** (``SetDefaults_Service``, ``pkg/apis/core/v1/defaults.go``): ``type: ClusterIP``,
  ``sessionAffinity: None`` (``ClientIP`` gets a 10800 s timeout), each port's ``protocol: TCP``
  and ``targetPort`` equal to its ``port``, ``externalTrafficPolicy: Cluster`` for NodePort and
  LoadBalancer Services, ``internalTrafficPolicy: Cluster`` (not for ExternalName),
  ``allocateLoadBalancerNodePorts: true`` for LoadBalancer Services.
* **ClusterIP allocation** (``pkg/registry/core/service/ipallocator/ipallocator.go``, KEP-3070):
  the service CIDR (:data:`SERVICE_CIDR`, EKS's default ``10.100.0.0/16``) minus its network and
  broadcast addresses is split at :func:`calculate_range_offset` into a lower *static* band and
  an upper *dynamic* band. An automatic ``clusterIP`` is taken from the dynamic band, then from
  the static band. Upstream starts at a random address of each band; the model takes the
  **lowest free** one, one of upstream's choices. A requested ``clusterIP`` must be free; it
  may lie outside :data:`SERVICE_CIDR` (a ``kubectl get -o yaml`` dump carries its own
  cluster's range, which the input does not state), except the range's network and broadcast
  addresses. ExternalName Services and headless ones (``clusterIP: None``) get none.
* **NodePort allocation** (``pkg/registry/core/service/portallocator/allocator.go``,
  KEP-3668): the same two bands over ``--service-node-port-range`` (:data:`NODE_PORT_RANGE`,
  30000-32767: static band 30000-30085). NodePort Services get a node port per service port,
  LoadBalancer Services too unless ``allocateLoadBalancerNodePorts: false`` (explicit ones are
  always kept), and a LoadBalancer Service with ``externalTrafficPolicy: Local`` a
  ``healthCheckNodePort``. Ports of one Service that differ only in protocol may share a node
  port (``pkg/registry/core/service/storage/alloc.go``).
* **Conflicts**: an address or port outside the range, or already held by another Service, is
  rejected with 422 Invalid and upstream's message (``provided IP is already allocated``,
  ``provided port is already allocated``). What is allocated is read from the Services in the
  store (upstream keeps IPAddress objects and a bitmap; the repair loops keep them equal to
  the Services, so the model reads the Services directly).
* **Update** (``pkg/registry/core/service/storage/storage.go``: ``patchAllocatedValues``,
  ``dropTypeDependentFields``): an omitted ``clusterIP``, ``nodePort`` or
  ``healthCheckNodePort`` keeps the allocated one; a changed ``clusterIP`` is refused (immutable)
  unless the type moves to or from ExternalName; fields the new type does not use are dropped
  when the update left them as they were; new needs are allocated.

Abstracted: IPv6 and dual stack (``ipFamilies``, ``ipFamilyPolicy``), multiple ServiceCIDRs,
the IPAddress objects themselves, ``loadBalancerIP``, and validation the loader already does
(:mod:`kmodel.manifests`).

Examples
--------
>>> from kmodel.objects.meta import ObjectMeta
>>> from kmodel.objects.networking import Service, ServicePort, ServiceSpec
>>> from kmodel.state import ClusterState
>>> svc = Service(ObjectMeta("web", "default"), ServiceSpec(selector=(("app", "web"),),
...               type="NodePort", ports=(ServicePort(80),)))
>>> svc, error = admit_create(ClusterState.empty(), svc)
>>> svc.spec.cluster_ip, svc.spec.ports[0].node_port, svc.spec.ports[0].target_port, error
('10.100.1.1', 30086, 80, None)
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.networking import Service, ServicePort, ServiceSpec
from kmodel.state import ClusterState

__all__ = [
    "SERVICE_CIDR",
    "NODE_PORT_RANGE",
    "PortRange",
    "calculate_range_offset",
    "set_defaults_service",
    "admit_create",
    "admit_update",
    "needs_cluster_ip",
    "needs_node_ports",
    "needs_health_check_node_port",
    "allocate_next",
]

SERVICE_CIDR = ipaddress.IPv4Network("10.100.0.0/16")
DEFAULT_SESSION_AFFINITY_TIMEOUT = 10800


@dataclass(frozen=True)
class PortRange:
    """``k8s.io/apimachinery/pkg/util/net.PortRange``: ``size`` ports from ``base``."""

    base: int
    size: int

    def contains(self, port: int) -> bool:
        return self.base <= port < self.base + self.size

    def __str__(self) -> str:
        return f"{self.base}-{self.base + self.size - 1}"


NODE_PORT_RANGE = PortRange(30000, 2768)


def calculate_range_offset(r: PortRange | ipaddress.IPv4Network) -> int:
    """Size of the static band (``calculateRangeOffset`` of the port and IP allocators):
    ``min(max(min, size // step), max)``, 0 for small ranges.

    For node ports ``min, max, step = 16, 128, 32`` and the size is the number of ports; for
    service CIDRs ``16, 256, 16`` and the size is ``2**hostbits`` (both return 0 when the size
    is at most 16).

    Examples
    --------
    >>> calculate_range_offset(NODE_PORT_RANGE), calculate_range_offset(SERVICE_CIDR)
    (86, 256)
    """
    if isinstance(r, PortRange):
        low, high, step, size = 16, 128, 32, r.size
    else:
        low, high, step, size = 16, 256, 16, r.num_addresses
    if size <= low:
        return 0
    return min(max(low, size // step), high)


def allocate_next(size: int, offset: int, used: set[int]) -> int | None:
    """The lowest free offset of ``[0, size)``, in the dynamic band ``[offset, size)`` first and
    then the static band ``[0, offset)`` (``allocateNextService``, lowest instead of random).

    Examples
    --------
    >>> allocate_next(10, 4, {4, 5}), allocate_next(10, 4, set(range(4, 10))), allocate_next(3, 0, {0, 1, 2})
    (6, 0, None)
    """
    for lo, hi in ((offset, size), (0, offset)):
        for i in range(lo, hi):
            if i not in used:
                return i
    return None


# --- what is in use ---------------------------------------------------------------------------


def needs_cluster_ip(spec: ServiceSpec) -> bool:
    """A ClusterIP, NodePort or LoadBalancer Service that is not headless."""
    return spec.type != "ExternalName" and spec.cluster_ip != "None"


def needs_node_ports(spec: ServiceSpec) -> bool:
    """NodePort Services, and LoadBalancer Services that allocate node ports."""
    if spec.type == "NodePort":
        return True
    return spec.type == "LoadBalancer" and spec.allocate_load_balancer_node_ports is not False


def needs_health_check_node_port(spec: ServiceSpec) -> bool:
    """``needsHCNodePort``: a LoadBalancer Service with ``externalTrafficPolicy: Local``."""
    return spec.type == "LoadBalancer" and spec.external_traffic_policy == "Local"


def _others(state: ClusterState, ref: ObjectRef) -> list[Service]:
    return [s for s in state.list("Service") if s.ref != ref]


def _ips_in_use(state: ClusterState, ref: ObjectRef) -> set[str]:
    return {s.spec.cluster_ip for s in _others(state, ref) if s.spec.cluster_ip not in ("", "None")}


def _ports_in_use(state: ClusterState, ref: ObjectRef) -> set[int]:
    used = set()
    for s in _others(state, ref):
        used.update(p.node_port for p in s.spec.ports if p.node_port)
        if s.spec.health_check_node_port:
            used.add(s.spec.health_check_node_port)
    return used


# --- defaults -----------------------------------------------------------------------------------


def set_defaults_service(spec: ServiceSpec) -> ServiceSpec:
    """``SetDefaults_Service`` on a spec as the loader read it.

    Examples
    --------
    >>> s = set_defaults_service(ServiceSpec(ports=(ServicePort(8080),), session_affinity="ClientIP"))
    >>> s.type, s.session_affinity_timeout, s.ports[0].target_port, s.internal_traffic_policy
    ('ClusterIP', 10800, 8080, 'Cluster')
    """
    kind = spec.type or "ClusterIP"
    affinity = spec.session_affinity or "None"
    timeout = spec.session_affinity_timeout
    if affinity == "ClientIP" and timeout is None:
        timeout = DEFAULT_SESSION_AFFINITY_TIMEOUT
    ports = tuple(replace(p, protocol=p.protocol or "TCP",
                          target_port=p.port if p.target_port in (None, 0, "") else p.target_port)
                  for p in spec.ports)
    etp = spec.external_traffic_policy
    if kind in ("NodePort", "LoadBalancer") and not etp:
        etp = "Cluster"
    itp = spec.internal_traffic_policy
    if kind != "ExternalName" and not itp:
        itp = "Cluster"
    alloc = spec.allocate_load_balancer_node_ports
    if kind == "LoadBalancer" and alloc is None:
        alloc = True
    return replace(spec, type=kind, session_affinity=affinity, session_affinity_timeout=timeout,
                   ports=ports, external_traffic_policy=etp, internal_traffic_policy=itp,
                   allocate_load_balancer_node_ports=alloc)


# --- allocation ----------------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, field: str, value: object, detail: str) -> None:
        super().__init__(f"{field}: Invalid value: {value!r}: {detail}" if isinstance(value, str)
                         else f"{field}: Invalid value: {value}: {detail}")


def _ip_range() -> tuple[int, int, int]:
    """``(first address, number of addresses, static band size)`` of the service CIDR."""
    first = int(SERVICE_CIDR.network_address) + 1
    size = SERVICE_CIDR.num_addresses - 2
    return first, size, calculate_range_offset(SERVICE_CIDR)


def _allocate_cluster_ip(state: ClusterState, ref: ObjectRef, spec: ServiceSpec) -> ServiceSpec:
    if not needs_cluster_ip(spec):
        return spec
    used = _ips_in_use(state, ref)
    first, size, offset = _ip_range()
    if spec.cluster_ip:
        try:
            address = ipaddress.IPv4Address(spec.cluster_ip)
        except ValueError:
            raise _Invalid("spec.clusterIPs[0]", spec.cluster_ip, "must be a valid IP address") from None
        if address in (SERVICE_CIDR.network_address, SERVICE_CIDR.broadcast_address):
            raise _Invalid("spec.clusterIPs[0]", spec.cluster_ip,
                           f"failed to allocate IP {spec.cluster_ip}: the provided IP ({spec.cluster_ip}) is "
                           f"not in the valid range. The range of valid IPs is {SERVICE_CIDR}")
        if spec.cluster_ip in used:
            raise _Invalid("spec.clusterIPs[0]", spec.cluster_ip,
                           f"failed to allocate IP {spec.cluster_ip}: provided IP is already allocated")
        return spec
    taken = {int(ipaddress.IPv4Address(ip)) - first for ip in used if ipaddress.IPv4Address(ip) in SERVICE_CIDR}
    index = allocate_next(size, offset, taken)
    if index is None:
        raise _Invalid("spec.clusterIPs", "", "failed to allocate a serviceIP: range is full")
    return replace(spec, cluster_ip=str(ipaddress.IPv4Address(first + index)))


def _allocate_node_ports(state: ClusterState, ref: ObjectRef, spec: ServiceSpec) -> ServiceSpec:
    need_ports = needs_node_ports(spec)
    used = _ports_in_use(state, ref)
    r = NODE_PORT_RANGE
    offset = calculate_range_offset(r)
    mine: dict[int, str] = {}  # node port -> protocol of the first port using it
    ports = list(spec.ports)
    # Explicit node ports first (``initNodePorts``), then the missing ones.
    for i, p in enumerate(ports):
        if not p.node_port:
            continue
        if spec.type not in ("NodePort", "LoadBalancer"):
            raise _Invalid(f"spec.ports[{i}].nodePort", p.node_port,
                           f"may not be used when `type` is '{spec.type}'")
        if not r.contains(p.node_port):
            raise _Invalid(f"spec.ports[{i}].nodePort", p.node_port,
                           f"provided port is not in the valid range. The range of valid ports is {r}")
        if p.node_port in used:
            raise _Invalid(f"spec.ports[{i}].nodePort", p.node_port, "provided port is already allocated")
        if p.node_port in mine and mine[p.node_port] == p.protocol:
            raise _Invalid(f"spec.ports[{i}].nodePort", p.node_port, "provided port is already allocated")
        mine.setdefault(p.node_port, p.protocol)
    if need_ports:
        by_port: dict[int, int] = {}
        for i, p in enumerate(ports):
            if p.node_port:
                continue
            # Ports that differ only in protocol share one node port (alloc.go, initNodePorts).
            shared = next((q.node_port for q in ports if q.port == p.port and q.node_port
                           and q.protocol != p.protocol), 0) or by_port.get(p.port, 0)
            if not shared:
                taken = {n - r.base for n in used | set(mine)}
                index = allocate_next(r.size, offset, taken)
                if index is None:
                    raise _Invalid(f"spec.ports[{i}].nodePort", 0, "range is full")
                shared = r.base + index
                mine[shared] = p.protocol
            by_port[p.port] = shared
            ports[i] = replace(p, node_port=shared)
    hc = spec.health_check_node_port
    if needs_health_check_node_port(spec):
        if hc:
            if not r.contains(hc):
                raise _Invalid("spec.healthCheckNodePort", hc,
                               f"provided port is not in the valid range. The range of valid ports is {r}")
            if hc in used or hc in mine:
                raise _Invalid("spec.healthCheckNodePort", hc, "provided port is already allocated")
        else:
            taken = {n - r.base for n in used | set(mine)}
            index = allocate_next(r.size, offset, taken)
            if index is None:
                raise _Invalid("spec.healthCheckNodePort", 0, "range is full")
            hc = r.base + index
    elif hc:
        raise _Invalid("spec.healthCheckNodePort", hc,
                       "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'")
    return replace(spec, ports=tuple(ports), health_check_node_port=hc)


def _validate_type_fields(spec: ServiceSpec) -> None:
    if spec.type == "ExternalName":
        if spec.cluster_ip and spec.cluster_ip != "None":
            raise _Invalid("spec.clusterIPs", spec.cluster_ip, "may not be set for ExternalName services")
        if not spec.external_name:
            raise _Invalid("spec.externalName", "", "Required value")
    elif spec.headless and spec.type in ("NodePort", "LoadBalancer"):
        raise _Invalid("spec.clusterIPs[0]", "None", f"may not be set to 'None' for {spec.type} services")


def _fail(svc: Service, exc: _Invalid) -> str:
    return f'Service "{svc.metadata.name}" is invalid: {exc}'


def admit_create(state: ClusterState, svc: Service) -> tuple[Service, str | None]:
    """Default and allocate a Service being created; the error message when it is refused."""
    spec = set_defaults_service(svc.spec)
    try:
        _validate_type_fields(spec)
        spec = _allocate_cluster_ip(state, svc.ref, spec)
        spec = _allocate_node_ports(state, svc.ref, spec)
    except _Invalid as exc:
        return svc, _fail(svc, exc)
    return replace(svc, spec=spec), None


def _patch_allocated_values(old: ServiceSpec, new: ServiceSpec) -> ServiceSpec:
    """``patchAllocatedValues``: values the update omits keep what was allocated."""
    if needs_cluster_ip(old) and needs_cluster_ip(new) and not new.cluster_ip:
        new = replace(new, cluster_ip=old.cluster_ip)
    if needs_node_ports(old) and needs_node_ports(new):
        allocated = {(p.protocol, p.port): p.node_port for p in old.ports if p.node_port}
        new = replace(new, ports=tuple(replace(p, node_port=allocated.get((p.protocol, p.port), 0))
                                       if not p.node_port else p for p in new.ports))
    if needs_health_check_node_port(old) and needs_health_check_node_port(new) and not new.health_check_node_port:
        new = replace(new, health_check_node_port=old.health_check_node_port)
    return new


def _drop_type_dependent_fields(old: ServiceSpec, new: ServiceSpec) -> ServiceSpec:
    """``dropTypeDependentFields``: what the new type does not use is cleared when the update
    left it as it was (a value the user changed is kept, and validated)."""
    if needs_cluster_ip(old) and not needs_cluster_ip(new) and new.cluster_ip == old.cluster_ip \
            and new.cluster_ip != "None":
        new = replace(new, cluster_ip="")
    if needs_node_ports(old) and not needs_node_ports(new):
        old_ports = {(p.protocol, p.port): p.node_port for p in old.ports}
        new = replace(new, ports=tuple(replace(p, node_port=0)
                                       if p.node_port and old_ports.get((p.protocol, p.port)) == p.node_port
                                       else p for p in new.ports))
    if needs_health_check_node_port(old) and not needs_health_check_node_port(new) \
            and new.health_check_node_port == old.health_check_node_port:
        new = replace(new, health_check_node_port=0)
    return new


def admit_update(state: ClusterState, old: Service, new: Service) -> tuple[Service, str | None]:
    """Default, patch and allocate a Service being updated; the error message when refused."""
    spec = set_defaults_service(new.spec)
    spec = _patch_allocated_values(old.spec, spec)
    spec = _drop_type_dependent_fields(old.spec, spec)
    try:
        if spec.cluster_ip != old.spec.cluster_ip and needs_cluster_ip(old.spec) and needs_cluster_ip(spec):
            raise _Invalid("spec.clusterIPs[0]", spec.cluster_ip, "field is immutable")
        _validate_type_fields(spec)
        spec = _allocate_cluster_ip(state, old.ref, spec)
        spec = _allocate_node_ports(state, old.ref, spec)
    except _Invalid as exc:
        return new, _fail(new, exc)
    return replace(new, spec=spec), None
