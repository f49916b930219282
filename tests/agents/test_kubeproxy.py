"""kube-proxy's endpoint selection and load balancing against upstream's tests.

``pkg/proxy/topology_test.go`` TestCategorizeEndpoints: every case without topology hints (the
model has none) and with ProxyTerminatingEndpoints on (GA since v1.28). Endpoint ``a`` is
``10.0.0.0:80``, ``b`` ``10.0.0.1:80``... ``pkg/proxy/iptables/proxier_test.go``'s
probability rule (``1/(n-i)``) gives each endpoint ``1/n``.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from kmodel.agents.kubeproxy import (
    ProxyEndpoint,
    categorize_endpoints,
    iptables_probabilities,
    node_routes,
    uses_cluster_endpoints,
    uses_local_endpoints,
)
from kmodel.api import Create, apply
from kmodel.objects.meta import Namespace, ObjectMeta, labels_of
from kmodel.objects.networking import (
    ENDPOINTSLICE_CONTROLLER,
    LABEL_MANAGED_BY,
    LABEL_SERVICE_NAME,
    Endpoint,
    EndpointPort,
    EndpointSlice,
    Service,
    ServicePort,
    ServiceSpec,
)
from kmodel.objects.nodes import Node
from kmodel.state import ClusterState

HERE = "node-a"


def ep(i: int, *, ready=True, serving=None, terminating=False, local=False) -> ProxyEndpoint:
    return ProxyEndpoint(f"10.0.0.{i}", 80, HERE if local else "node-z", ready,
                         ready if serving is None else serving, terminating)


def ips(eps) -> set[str] | None:
    return None if eps is None else {f"{e.ip}:{e.port}" for e in eps}


# name, (internalPolicyLocal, externalPolicyLocal, nodePort), endpoints, cluster, local, all, only_remote
CATEGORIZE = [
    ("internalTrafficPolicy: Local, with empty endpoints", (True, False, 0), [], None, set(), None, False),
    ("internalTrafficPolicy: Local, but all endpoints are remote", (True, False, 0), [ep(0), ep(1)],
     None, set(), None, True),
    ("internalTrafficPolicy: Local, all endpoints are local", (True, False, 0), [ep(0, local=True), ep(1, local=True)],
     None, {"10.0.0.0:80", "10.0.0.1:80"}, None, False),
    ("internalTrafficPolicy: Local, some endpoints are local", (True, False, 0), [ep(0, local=True), ep(1)],
     None, {"10.0.0.0:80"}, None, False),
    ("Cluster traffic policy, endpoints not Ready", (False, False, 0), [ep(0, ready=False), ep(1, ready=False)],
     set(), None, None, False),
    ("Cluster traffic policy, some endpoints are Ready", (False, False, 0), [ep(0, ready=False), ep(1)],
     {"10.0.0.1:80"}, None, None, False),
    ("Cluster traffic policy, PTE enabled, all endpoints are terminating", (False, False, 0),
     [ep(0, ready=False, serving=True, terminating=True, local=True), ep(1, ready=False, serving=True, terminating=True)],
     {"10.0.0.0:80", "10.0.0.1:80"}, None, None, False),
    ("iTP: Local, eTP: Cluster, some endpoints local", (True, False, 8080), [ep(0, local=True), ep(1)],
     {"10.0.0.0:80", "10.0.0.1:80"}, {"10.0.0.0:80"}, {"10.0.0.0:80", "10.0.0.1:80"}, False),
    ("iTP: Cluster, eTP: Local, some endpoints local", (False, True, 8080), [ep(0, local=True), ep(1)],
     {"10.0.0.0:80", "10.0.0.1:80"}, {"10.0.0.0:80"}, {"10.0.0.0:80", "10.0.0.1:80"}, False),
    ("iTP: Local, eTP: Local, some endpoints local", (True, True, 8080), [ep(0, local=True), ep(1)],
     {"10.0.0.0:80", "10.0.0.1:80"}, {"10.0.0.0:80"}, {"10.0.0.0:80", "10.0.0.1:80"}, False),
    ("iTP: Local, eTP: Local, all endpoints remote", (True, True, 8080), [ep(0), ep(1)],
     {"10.0.0.0:80", "10.0.0.1:80"}, set(), {"10.0.0.0:80", "10.0.0.1:80"}, False),
    ("iTP: Local, eTP: Local, PTE enabled, all endpoints remote and terminating", (True, True, 8080),
     [ep(0, ready=False, serving=True, terminating=True), ep(1, ready=False, serving=True, terminating=True)],
     {"10.0.0.0:80", "10.0.0.1:80"}, set(), {"10.0.0.0:80", "10.0.0.1:80"}, True),
    ("iTP: Cluster, eTP: Local, PTE enabled, with terminating endpoints", (False, True, 8080),
     [ep(0), ep(1, ready=False, serving=False, local=True), ep(2, ready=False, serving=True, terminating=True, local=True),
      ep(3, ready=False, serving=True, terminating=True)],
     {"10.0.0.0:80"}, {"10.0.0.2:80"}, {"10.0.0.0:80", "10.0.0.2:80"}, False),
    ("externalTrafficPolicy ignored if not externally accessible", (False, True, 0), [ep(0), ep(1, local=True)],
     {"10.0.0.0:80", "10.0.0.1:80"}, None, {"10.0.0.0:80", "10.0.0.1:80"}, False),
    ("no cluster endpoints for iTP:Local internal-only service", (True, False, 0), [ep(0), ep(1, local=True)],
     None, {"10.0.0.1:80"}, {"10.0.0.1:80"}, False),
]


@pytest.mark.parametrize("policy,endpoints,cluster,local,all_,only_remote", [c[1:] for c in CATEGORIZE],
                         ids=[f"TestCategorizeEndpoints/{c[0]}" for c in CATEGORIZE])
def test_categorize_endpoints(policy, endpoints, cluster, local, all_, only_remote):
    internal_local, external_local, node_port = policy
    external = node_port != 0
    uses_cluster = uses_cluster_endpoints(internal_local, external)
    uses_local = uses_local_endpoints(internal_local, external_local and external, external)
    got_cluster, got_local, got_all, has_any = categorize_endpoints(endpoints, uses_cluster=uses_cluster,
                                                                    uses_local=uses_local, node=HERE)
    if cluster is None:
        assert not got_cluster
    else:
        assert ips(got_cluster) == cluster
    if local is None:
        assert not got_local
    else:
        assert ips(got_local) == local
    expected_all = all_ if all_ is not None else (cluster if cluster is not None and local is None else local)
    assert ips(got_all) == (expected_all or set())
    assert has_any == (bool(expected_all) or only_remote)


def test_iptables_probabilities_give_each_endpoint_an_equal_share():
    for n in range(1, 7):
        probs = iptables_probabilities(n)
        left, shares = Fraction(1), []
        for p in probs:
            shares.append(left * p)
            left *= 1 - p
        assert shares == [Fraction(1, n)] * n and probs[-1] == 1


def _state(*services: Service, slices=()) -> ClusterState:
    s = ClusterState.of([Namespace(ObjectMeta("default")), Node(ObjectMeta("node-a")), Node(ObjectMeta("node-b"))])
    for svc in services:
        s, r = apply(s, Create(svc))
        assert r.ok, r
    for sl in slices:
        s = s.with_(sl)
    return s


def _slice(service: str, *endpoints: Endpoint, port=EndpointPort(8080, "http")) -> EndpointSlice:
    labels = labels_of({LABEL_SERVICE_NAME: service, LABEL_MANAGED_BY: ENDPOINTSLICE_CONTROLLER})
    return EndpointSlice(ObjectMeta(f"{service}-1", "default", labels=labels), endpoints, (port,))


def _e(ip: str, node: str, ready=True, serving=True, terminating=False) -> Endpoint:
    return Endpoint((ip,), ready, serving, terminating, None, node)


def test_node_routes_cluster_ip_node_port_and_local_policy():
    svc = Service(ObjectMeta("web", "default"),
                  ServiceSpec((("app", "web"),), (ServicePort(80, "http", target_port="http"),), type="NodePort",
                              external_traffic_policy="Local", session_affinity="ClientIP"))
    state = _state(svc, slices=[_slice("web", _e("192.168.0.1", "node-a"), _e("192.168.0.2", "node-a"))])
    a = {r.kind: r for r in node_routes(state, "node-a")}
    b = {r.kind: r for r in node_routes(state, "node-b")}
    assert a["ClusterIP"].verdict == "forward" and [str(p) for _, p in a["ClusterIP"].endpoints] == ["1/2", "1/2"]
    assert a["ClusterIP"].session_affinity and a["ClusterIP"].affinity_timeout == 10800
    assert a["NodePort"].verdict == "forward" and a["NodePort"].policy == "Local"
    assert b["NodePort"].verdict == "drop"  # endpoints exist, none on node-b
    assert b["ClusterIP"].verdict == "forward"  # internal traffic follows internalTrafficPolicy: Cluster


def test_no_endpoint_anywhere_rejects_and_headless_or_external_name_have_no_routes():
    web = Service(ObjectMeta("web", "default"), ServiceSpec((("app", "web"),), (ServicePort(80, "http"),)))
    headless = Service(ObjectMeta("db", "default"), ServiceSpec((("app", "db"),), (ServicePort(5432),), cluster_ip="None"))
    ext = Service(ObjectMeta("ext", "default"), ServiceSpec(type="ExternalName", external_name="db.example.com"))
    state = _state(web, headless, ext, slices=[_slice("web", _e("192.168.0.1", "node-a", False, False))])
    routes = node_routes(state, "node-a")
    assert [(r.service, r.kind, r.verdict) for r in routes] == [("Service/default/web", "ClusterIP", "reject")]


def test_terminating_fallback_when_no_endpoint_is_ready():
    web = Service(ObjectMeta("web", "default"), ServiceSpec((("app", "web"),), (ServicePort(80, "http"),)))
    state = _state(web, slices=[_slice("web", _e("192.168.0.1", "node-a", False, True, True),
                                       _e("192.168.0.2", "node-b", False, False, True))])
    (route,) = node_routes(state, "node-b")
    assert route.verdict == "forward" and [e.ip for e, _ in route.endpoints] == ["192.168.0.1"]
