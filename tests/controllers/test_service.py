"""The cloud provider's service controller (``service-lb-controller``) against upstream's tests.

Upstream file: ``staging/src/k8s.io/cloud-provider/controllers/service/controller_test.go``,
TestSyncLoadBalancerIfNeeded (each case id starts with it). Upstream counts cloud calls and
patches; the model checks the operation and the status the sync leaves, and whether it writes
(a status patch). The cleanup finalizer is not modelled: "this controller's load balancer is in
the status" stands for it (the finalizer cases are rewritten that way), and the finalizer patch
itself is not a write in the model.
"""

from __future__ import annotations

import pytest

from kmodel.api import Create, Update, UpdateStatus, apply, apply_all
from kmodel.cluster import DEFAULT_CONTROLLERS, ClusterModel
from kmodel.controllers.service import (
    DELETE_LOAD_BALANCER,
    ENSURE_LOAD_BALANCER,
    keys,
    load_balancer_hostname,
    reconcile,
    sync_load_balancer_if_needed,
)
from kmodel.objects.meta import Namespace, ObjectMeta, ObjectRef, replace
from kmodel.objects.networking import Service, ServicePort, ServiceSpec, ServiceStatus
from kmodel.objects.nodes import Node
from kmodel.state import ClusterState
from kmodel.traffic import INTERNET, traffic_graph


def new_service(name: str, type_: str, *, protocol: str = "TCP", lb_class: str = "", ingress=None) -> Service:
    """upstream ``newService``: one port 80 (``tweakAddPorts`` changes the protocol)."""
    svc = Service(ObjectMeta(name, "default", uid=f"Service/default/{name}"),
                  ServiceSpec(ports=(ServicePort(80, protocol=protocol),), type=type_, load_balancer_class=lb_class))
    if ingress == "ours":
        ingress = (load_balancer_hostname(svc),)
    return replace(svc, status=ServiceStatus(tuple(ingress or ())))


# desc, service, expected operation, a status write, expected status ("ours": this controller's LB)
CASES = [
    ("service doesn't want LB", new_service("no-external-balancer", "ClusterIP"), DELETE_LOAD_BALANCER, False, ()),
    ("udp service that wants LB", new_service("udp-service", "LoadBalancer", protocol="UDP"), ENSURE_LOAD_BALANCER,
     True, "ours"),
    ("tcp service that wants LB", new_service("basic-service1", "LoadBalancer"), ENSURE_LOAD_BALANCER, True, "ours"),
    ("sctp service that wants LB", new_service("sctp-service", "LoadBalancer", protocol="SCTP"), ENSURE_LOAD_BALANCER,
     True, "ours"),
    ("service specifies loadBalancerClass",
     new_service("with-external-balancer", "LoadBalancer", lb_class="custom-loadbalancer"), DELETE_LOAD_BALANCER,
     False, ()),
    ("service with finalizer that no longer wants LB", new_service("no-external-balancer", "ClusterIP", ingress="ours"),
     DELETE_LOAD_BALANCER, True, ()),
    ("service with finalizer that wants LB", new_service("basic-service1", "LoadBalancer"), ENSURE_LOAD_BALANCER, True,
     "ours"),
    # Not an upstream case: a dump's Service whose load balancer exists keeps its address.
    ("service whose load balancer exists", new_service("basic-service1", "LoadBalancer", ingress=("8.8.8.8",)),
     ENSURE_LOAD_BALANCER, False, ("8.8.8.8",)),
]


@pytest.mark.parametrize("desc, service, op, writes, status", CASES,
                         ids=[f"TestSyncLoadBalancerIfNeeded/{c[0]}" for c in CASES])
def test_sync_load_balancer_if_needed(desc, service, op, writes, status):
    want = (load_balancer_hostname(service),) if status == "ours" else status
    assert sync_load_balancer_if_needed(service) == (op, want)
    state = ClusterState.of([Namespace(ObjectMeta("default")), service])
    requests = reconcile(state, service.ref)
    assert bool(requests) is writes
    if writes:
        (req,) = requests
        assert isinstance(req, UpdateStatus) and req.obj.status.load_balancer_ingress == want


def test_not_queued_unless_it_wants_or_holds_a_load_balancer():
    services = [new_service("a", "ClusterIP"), new_service("b", "LoadBalancer"),
                new_service("c", "LoadBalancer", lb_class="x"), new_service("d", "NodePort", ingress="ours"),
                new_service("e", "ClusterIP", ingress=("8.8.8.8",))]
    assert keys(ClusterState.of(services)) == [ObjectRef("Service", "default", n) for n in ("b", "d")]


def test_type_change_provisions_then_cleans_up_and_the_graph_follows():
    state = ClusterState.empty()
    for obj in (Namespace(ObjectMeta("default")), Node(ObjectMeta("n1")),
                Service(ObjectMeta("web", "default"), ServiceSpec((("app", "web"),), (ServicePort(80),),
                                                                  type="LoadBalancer"))):
        state, resp = apply(state, Create(obj))
        assert resp.ok
    ref = ObjectRef("Service", "default", "web")
    assert "lb:default/web" not in traffic_graph(state)
    state, _ = apply_all(state, reconcile(state, ref))
    assert state.get(ref).status.load_balancer_ingress == (load_balancer_hostname(state.get(ref)),)
    assert INTERNET in traffic_graph(state).predecessors("lb:default/web")
    assert reconcile(state, ref) == ()  # converged
    svc = state.get(ref)
    state, resp = apply(state, Update(replace(svc, spec=replace(svc.spec, type="ClusterIP"))))
    assert resp.ok
    state, _ = apply_all(state, reconcile(state, ref))
    assert state.get(ref).status.load_balancer_ingress == () and keys(state) == []


def test_inert_without_load_balancer_services():
    controller = next(c for c in DEFAULT_CONTROLLERS if c.name == "service-lb-controller")
    model = ClusterModel([Namespace(ObjectMeta("default")),
                          Service(ObjectMeta("web", "default"), ServiceSpec((("app", "web"),), (ServicePort(80),)))],
                         controllers=[controller], properties=[])
    assert list(model.successors(model.initial)) == []
