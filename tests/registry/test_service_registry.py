"""Service admission: defaults, ClusterIP and NodePort allocation, conflicts, updates.

Table cases from upstream (``kubernetes/kubernetes``):

* ``pkg/registry/core/service/portallocator/allocator_test.go``: Test_calculateRangeOffset,
  TestAllocateReserved, TestAllocate;
* ``pkg/registry/core/service/ipallocator/ipallocator_test.go`` (and ``bitmap_test.go``):
  Test_calculateRangeOffset, TestAllocateReserved.

The rest drives :func:`kmodel.api.apply` with Services as upstream's storage tests do
(``pkg/registry/core/service/storage/storage_test.go``: allocation on create, conflicts,
keeping allocated values on update, type changes).
"""

from __future__ import annotations

import ipaddress

import pytest

from kmodel.api import Create, Update, apply
from kmodel.objects.meta import Namespace, ObjectMeta, ObjectRef, replace
from kmodel.objects.networking import Service, ServicePort, ServiceSpec
from kmodel.registry.service import (
    NODE_PORT_RANGE,
    SERVICE_CIDR,
    PortRange,
    allocate_next,
    calculate_range_offset,
    set_defaults_service,
)
from kmodel.state import ClusterState

PORT_OFFSETS = [
    ("default node port range", 2768, 86),
    ("very small node port range", 10, 0),
    ("small node port range (lower boundary)", 16, 0),
    ("small node port range", 128, 16),
    ("medium node port range", 2048, 64),
    ("large node port range (upper boundary)", 4096, 128),
    ("large node port range", 8192, 128),
]


@pytest.mark.parametrize("size,want", [c[1:] for c in PORT_OFFSETS],
                         ids=[f"portallocator/Test_calculateRangeOffset/{c[0]}" for c in PORT_OFFSETS])
def test_port_range_offset(size, want):
    assert calculate_range_offset(PortRange(30000, size)) == want


IP_OFFSETS = [
    ("full mask IPv4", "192.168.1.1/32", 0),
    ("very small mask IPv4", "192.168.1.1/30", 0),
    ("small mask IPv4", "192.168.1.1/28", 0),
    ("small mask IPv4", "192.168.1.1/27", 16),
    ("medium mask IPv4", "192.168.1.1/22", 64),
    ("large mask IPv4", "192.168.1.1/8", 256),
]


@pytest.mark.parametrize("cidr,want", [c[1:] for c in IP_OFFSETS],
                         ids=[f"ipallocator/Test_calculateRangeOffset/{c[0]} {c[1]}" for c in IP_OFFSETS])
def test_ip_range_offset(cidr, want):
    assert calculate_range_offset(ipaddress.IPv4Network(cidr, strict=False)) == want


def test_port_allocate_reserved():
    """portallocator TestAllocateReserved: 30000-30128; dynamic allocation fills the upper
    block first (16 static ports left), then the static block."""
    r = PortRange(30000, 129)
    offset = calculate_range_offset(r)
    used: set[int] = set()
    for _ in range(r.size - offset):
        used.add(allocate_next(r.size, offset, used))  # type: ignore[arg-type]
    assert used == set(range(offset, r.size)) and offset == 16
    nxt = allocate_next(r.size, offset, used)
    assert nxt == 0  # the static block, lowest first (upstream: a random one of it)
    used |= set(range(offset))
    assert allocate_next(r.size, offset, used) is None  # ErrFull


def test_ip_allocate_reserved():
    """ipallocator TestAllocateReserved: 192.168.1.0/25 has 126 addresses, a static block of 16."""
    cidr = ipaddress.IPv4Network("192.168.1.0/25")
    size, offset = cidr.num_addresses - 2, calculate_range_offset(cidr)
    used: set[int] = set()
    for _ in range(size - offset):
        used.add(allocate_next(size, offset, used))  # type: ignore[arg-type]
    assert offset == 16 and used == set(range(16, size))
    assert allocate_next(size, offset, used) == 0


def test_port_allocate_full_range_then_reuse():
    """portallocator TestAllocate: every port once, then full; a released port comes back."""
    size = 201
    used: set[int] = set()
    while (p := allocate_next(size, 0, used)) is not None:
        assert p not in used
        used.add(p)
    assert len(used) == size
    used.discard(5)
    assert allocate_next(size, 0, used) == 5


# --- admission through the API server ---------------------------------------------------------


def state(*services: Service) -> ClusterState:
    s = ClusterState.of([Namespace(ObjectMeta("default"))])
    for svc in services:
        s, r = apply(s, Create(svc))
        assert r.ok, r
    return s


def svc(name: str, type_: str = "", *ports: ServicePort, **spec) -> Service:
    return Service(ObjectMeta(name, "default"), ServiceSpec((("app", name),), ports or (ServicePort(80),),
                                                            type=type_, **spec))


def get(s: ClusterState, name: str) -> Service:
    return s.get(ObjectRef("Service", "default", name))


def test_defaults():
    spec = set_defaults_service(ServiceSpec(ports=(ServicePort(80, target_port=None),), type="LoadBalancer"))
    assert (spec.type, spec.session_affinity, spec.external_traffic_policy, spec.internal_traffic_policy,
            spec.allocate_load_balancer_node_ports, spec.ports[0].target_port, spec.ports[0].protocol) == \
        ("LoadBalancer", "None", "Cluster", "Cluster", True, 80, "TCP")
    ext = set_defaults_service(ServiceSpec(type="ExternalName", external_name="db.example.com"))
    assert ext.internal_traffic_policy == "" and ext.external_traffic_policy == ""


def test_cluster_ips_come_from_the_dynamic_band_lowest_first():
    s = state(svc("a"), svc("b"), svc("c", cluster_ip="10.100.0.10"))
    first = int(SERVICE_CIDR.network_address) + 1 + calculate_range_offset(SERVICE_CIDR)
    assert [get(s, n).spec.cluster_ip for n in "abc"] == [str(ipaddress.IPv4Address(first)),
                                                          str(ipaddress.IPv4Address(first + 1)), "10.100.0.10"]


def test_a_requested_cluster_ip_that_is_taken_is_refused():
    s = state(svc("a", cluster_ip="10.100.0.10"))
    _, r = apply(s, Create(svc("b", cluster_ip="10.100.0.10")))
    assert r.code == 422 and "provided IP is already allocated" in r.message and "spec.clusterIPs[0]" in r.message


def test_headless_and_external_name_services_get_no_cluster_ip():
    s = state(svc("h", cluster_ip="None"), Service(ObjectMeta("x", "default"),
                                                  ServiceSpec(type="ExternalName", external_name="db.example.com")))
    assert get(s, "h").spec.cluster_ip == "None" and get(s, "x").spec.cluster_ip == ""


def test_node_ports_from_the_dynamic_band_and_conflicts_refused():
    s = state(svc("a", "NodePort"), svc("b", "NodePort", ServicePort(80, node_port=30080)))
    assert get(s, "a").spec.ports[0].node_port == NODE_PORT_RANGE.base + calculate_range_offset(NODE_PORT_RANGE)
    assert get(s, "b").spec.ports[0].node_port == 30080
    _, r = apply(s, Create(svc("c", "NodePort", ServicePort(80, node_port=30080))))
    assert r.code == 422 and "spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated" in r.message
    _, r = apply(s, Create(svc("d", "NodePort", ServicePort(80, node_port=8080))))
    assert r.code == 422 and "not in the valid range. The range of valid ports is 30000-32767" in r.message


def test_ports_differing_only_in_protocol_share_a_node_port():
    s = state(svc("dns", "NodePort", ServicePort(53, "udp", "UDP"), ServicePort(53, "tcp", "TCP")))
    ports = get(s, "dns").spec.ports
    assert ports[0].node_port == ports[1].node_port != 0


def test_load_balancer_allocates_node_ports_and_a_health_check_port_for_local():
    s = state(svc("lb", "LoadBalancer", external_traffic_policy="Local"),
              svc("nolb", "LoadBalancer", allocate_load_balancer_node_ports=False))
    lb = get(s, "lb").spec
    assert lb.ports[0].node_port and lb.health_check_node_port and lb.health_check_node_port != lb.ports[0].node_port
    assert get(s, "nolb").spec.ports[0].node_port == 0 and get(s, "nolb").spec.cluster_ip


def test_node_port_on_a_cluster_ip_service_is_refused():
    _, r = apply(state(), Create(svc("a", "ClusterIP", ServicePort(80, node_port=30001))))
    assert r.code == 422 and "may not be used when `type` is 'ClusterIP'" in r.message


def test_update_keeps_allocated_values_and_refuses_a_changed_cluster_ip():
    s = state(svc("a", "NodePort"))
    old = get(s, "a")
    omitted = replace(old, spec=replace(old.spec, cluster_ip="", ports=(replace(old.spec.ports[0], node_port=0),)))
    s2, r = apply(s, Update(omitted))
    assert r.ok and get(s2, "a").spec == old.spec
    s3, r = apply(s, Update(replace(old, spec=replace(old.spec, cluster_ip="10.100.0.99"))))
    assert r.code == 422 and "field is immutable" in r.message


def test_type_change_to_cluster_ip_drops_node_ports_and_to_external_name_the_cluster_ip():
    s = state(svc("a", "NodePort"))
    old = get(s, "a")
    s, r = apply(s, Update(replace(old, spec=replace(old.spec, type="ClusterIP", external_traffic_policy=""))))
    assert r.ok and get(s, "a").spec.ports[0].node_port == 0 and get(s, "a").spec.cluster_ip == old.spec.cluster_ip
    cur = get(s, "a")
    s, r = apply(s, Update(replace(cur, spec=replace(cur.spec, type="ExternalName", external_name="x.example.com",
                                                     internal_traffic_policy=""))))
    assert r.ok and get(s, "a").spec.cluster_ip == ""
    # the freed node port is allocated again to the next NodePort Service
    s, _ = apply(s, Create(svc("b", "NodePort")))
    assert get(s, "b").spec.ports[0].node_port == old.spec.ports[0].node_port
