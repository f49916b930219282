"""The traffic-flow graph, the network properties, and the hypothesis check of the acceptance:
for random Services and pods, ``endpoints-correct`` holds after the EndpointSlice controller's
sync, and the traffic graph reaches exactly the ready endpoints."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmodel.api import Create, apply, apply_all
from kmodel.controllers.endpointslice import reconcile as slice_sync
from kmodel.network_properties import endpoint_errors, ingress_errors, unreachable_services, unready_routes
from kmodel.objects.elbv2 import AWSTargetGroup, Target
from kmodel.objects.meta import Namespace, ObjectMeta, ObjectRef, labels_of, replace
from kmodel.objects.networking import Service, ServicePort, ServiceSpec
from kmodel.objects.nodes import ZONE_LABEL, Node
from kmodel.objects.workloads import RUNNING, WAITING, Container, ContainerPort, Pod, PodCondition, PodSpec, PodStatus
from kmodel.state import ClusterState
from kmodel.traffic import INTERNET, IN_CLUSTER, route_ends, still_routed, traffic_graph

NODES = ("n1", "n2")


def _base() -> ClusterState:
    s = ClusterState.empty()
    for o in [Namespace(ObjectMeta("default"))] + [Node(ObjectMeta(n, labels=labels_of({ZONE_LABEL: f"z-{n}"})))
                                                     for n in NODES]:
        s, r = apply(s, Create(o))
        assert r.ok
    return s


@st.composite
def pods(draw, i: int) -> Pod:
    app = draw(st.sampled_from(["a", "b"]))
    phase = draw(st.sampled_from(["Pending", "Running", "Running", "Running", "Succeeded", "Failed"]))
    ready = draw(st.booleans())
    has_ip = draw(st.booleans()) or phase == "Running"
    node = draw(st.sampled_from(["n1", "n2", "gone"]))
    ports = draw(st.sampled_from([(), (ContainerPort(8080, "http"),), (ContainerPort(9090, "http"), ContainerPort(9100, "metrics"))]))
    conditions = (PodCondition("Ready", "True" if ready else "False"),)
    status = PodStatus(phase, conditions, containers=RUNNING if phase == "Running" else WAITING,
                       pod_ip=f"192.168.0.{i + 1}" if has_ip else "")
    meta = ObjectMeta(f"p{i}", "default", labels=(("app", app),), deleting=draw(st.booleans()))
    return Pod(meta, PodSpec((Container("c", ports=ports),), node_name=node), status)


@st.composite
def services(draw, i: int) -> Service:
    kind = draw(st.sampled_from(["ClusterIP", "ClusterIP", "NodePort", "headless"]))
    selector = draw(st.sampled_from([(("app", "a"),), (("app", "b"),)]))
    targets = draw(st.sampled_from([(80,), ("http",), ("http", "metrics"), (8080, "nope")]))
    ports = tuple(ServicePort(80 + j, f"p{j}", "TCP", t) for j, t in enumerate(targets))
    spec = ServiceSpec(selector, ports, type="ClusterIP" if kind == "headless" else kind,
                       cluster_ip="None" if kind == "headless" else "",
                       publish_not_ready_addresses=draw(st.booleans()),
                       internal_traffic_policy=draw(st.sampled_from(["", "Local"])))
    return Service(ObjectMeta(f"s{i}", "default"), spec)


@st.composite
def clusters(draw) -> ClusterState:
    state = _base()
    for i in range(draw(st.integers(0, 6))):
        state = state.with_(draw(pods(i)))
    for i in range(draw(st.integers(1, 3))):
        state, r = apply(state, Create(draw(services(i))))
        assert r.ok, r
    return state


def _sync_all(state: ClusterState) -> ClusterState:
    for svc in state.list("Service"):
        state, responses = apply_all(state, slice_sync(state, svc.ref))
        assert all(r.ok for r in responses)
    return state


def _ready_endpoint_pods(state: ClusterState, svc: Service, port: ServicePort) -> set[str]:
    """The pods kube-proxy should send new connections to, from the API's rules: the ready
    endpoints, else the serving and terminating ones (per node under ``internalTrafficPolicy:
    Local``, where only endpoints on the client's node count)."""
    ready: dict[str, set[str]] = {}
    fallback: dict[str, set[str]] = {}
    for p in state.list("Pod", "default"):
        if p.metadata.label("app") != dict(svc.spec.selector)["app"]:
            continue
        if p.status.phase in ("Succeeded", "Failed") or not p.status.pod_ip:
            continue
        if p.spec.node_name not in NODES and not svc.spec.publish_not_ready_addresses:
            continue  # the controller skips a pod whose node does not exist
        if isinstance(port.target_port, str) and not any(c.name == port.target_port for x in p.spec.containers
                                                         for c in x.ports):
            continue
        is_ready = p.status.condition("Ready").status == "True"
        if svc.spec.publish_not_ready_addresses or (is_ready and not p.metadata.deleting):
            ready.setdefault(p.spec.node_name, set()).add(f"pod:default/{p.name}")
        elif is_ready and p.metadata.deleting:
            fallback.setdefault(p.spec.node_name, set()).add(f"pod:default/{p.name}")
    if svc.spec.internal_traffic_policy == "Local":
        return set().union(*(ready.get(n) or fallback.get(n) or set() for n in NODES))
    return set().union(*ready.values()) or set().union(*fallback.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_after_a_sync_endpoints_are_correct_and_the_graph_reaches_exactly_the_ready_endpoints(state):
    state = _sync_all(state)
    assert endpoint_errors(state) == []
    for svc in state.list("Service"):
        assert slice_sync(state, svc.ref) == ()  # the controller is then idle
    g = traffic_graph(state)
    for svc in state.list("Service"):
        if svc.spec.headless:
            continue
        for port in svc.spec.ports:
            front = f"clusterip:default/{svc.name}:{port.port}"
            reached = {n for n in route_ends(g, [front]) if n.startswith("pod:")}
            assert reached == _ready_endpoint_pods(state, svc, port), (svc, port)


# --- unit tests of the graph and the properties -------------------------------------------------


def _pod(name: str, ip: str, node: str = "n1", *, ready=True, containers=RUNNING, deleting=False) -> Pod:
    return Pod(ObjectMeta(name, "default", labels=(("app", "web"),), deleting=deleting),
               PodSpec((Container("c", ports=(ContainerPort(8080, "http"),)),), node_name=node),
               PodStatus("Running", (PodCondition("Ready", "True" if ready else "False"),), containers=containers,
                         pod_ip=ip))


def _web(state: ClusterState, **spec) -> ClusterState:
    svc = Service(ObjectMeta("web", "default"), ServiceSpec((("app", "web"),), (ServicePort(80, "http", "TCP", "http"),),
                                                            **spec))
    state, r = apply(state, Create(svc))
    assert r.ok
    return state


def test_graph_shares_and_stale_routes_are_reported():
    state = _web(_base()).with_(_pod("a", "192.168.0.1")).with_(_pod("b", "192.168.0.2", "n2"))
    state = _sync_all(state)
    g = traffic_graph(state)
    vip = "clusterip:default/web:80"
    assert g[IN_CLUSTER][vip]["share"] == 1
    assert {v: d["share"] for v, d in g[vip].items()} == {"addr:192.168.0.1:8080": Fraction(1, 2),
                                                          "addr:192.168.0.2:8080": Fraction(1, 2)}
    assert unready_routes(state) == [] and unreachable_services(state) == []
    state = state.without(ObjectRef("Pod", "default", "a"))  # gone before the controller notices
    (msg,) = unready_routes(state)
    assert "192.168.0.1:8080, which no pod has" in msg and "1/2 of new connections" in msg


def test_node_port_and_load_balancer_frontends():
    from kmodel.controllers.service import reconcile as service_lb_sync

    state = _web(_base(), type="LoadBalancer", external_traffic_policy="Local")
    state = _sync_all(state.with_(_pod("a", "192.168.0.1", "n1")))
    assert "lb:default/web" not in traffic_graph(state)  # not provisioned yet
    state, _ = apply_all(state, service_lb_sync(state, ObjectRef("Service", "default", "web")))
    g = traffic_graph(state)
    node_port = state.get(ObjectRef("Service", "default", "web")).spec.ports[0].node_port
    assert set(g[f"lb:default/web"]) == {f"nodeport:n1:{node_port}"}  # Local: only the node with the endpoint
    assert "drop" in g[f"nodeport:n2:{node_port}"]
    assert INTERNET in g.predecessors("lb:default/web")


def test_not_serving_pod_is_a_bad_route_unless_the_service_publishes_not_ready():
    crashed = _pod("a", "192.168.0.1", containers="terminated", ready=False)
    state = _sync_all(_web(_base(), publish_not_ready_addresses=True).with_(crashed))
    assert unready_routes(state) == []
    state2 = _sync_all(_web(_base()).with_(_pod("a", "192.168.0.1")))
    state2 = state2.with_(replace(crashed, metadata=replace(crashed.metadata)))  # crashes after the sync
    (msg,) = unready_routes(state2)
    assert "does not serve" in msg


def test_alb_fail_open_and_ingress_errors():
    state = _sync_all(_web(_base()).with_(_pod("a", "192.168.0.1")))
    tg = AWSTargetGroup(ObjectMeta("tg"), "ip", 8080, targets=(Target("192.168.0.1", 8080, "unhealthy"),
                                                               Target("192.168.0.9", 8080, "unhealthy")),
                        service="Service/default/web", service_port="http")
    state, _ = apply(state, Create(tg))
    g = traffic_graph(state)
    assert set(g["tg:tg"]) == {"addr:192.168.0.1:8080", "addr:192.168.0.9:8080"}  # none healthy: fail open
    state3 = state.with_(replace(state.get(tg.ref), targets=(Target("192.168.0.1", 8080, "healthy"),
                                                             Target("192.168.0.9", 8080, "unhealthy"))))
    assert set(traffic_graph(state3)["tg:tg"]) == {"addr:192.168.0.1:8080"}
    assert ingress_errors(state) == []  # no Ingress


def test_still_routed_follows_the_pre_stop_sleep():
    state = _sync_all(_web(_base()).with_(_pod("a", "192.168.0.1")))
    pod = state.get(ObjectRef("Pod", "default", "a"))
    short = replace(pod, spec=replace(pod.spec, containers=(replace(pod.spec.containers[0], pre_stop_sleep=2),)))
    long = replace(pod, spec=replace(pod.spec, containers=(replace(pod.spec.containers[0], pre_stop_sleep=10),)))
    assert not still_routed(state, short) and still_routed(state, long)


def test_client_ip_affinity_shares_are_per_new_client():
    """``sessionAffinity: ClientIP``: the cluster IP carries the affinity and its timeout (the
    API server's default, 10800 s); shares stay those of new clients (uniform)."""
    state = _sync_all(_web(_base(), session_affinity="ClientIP").with_(_pod("a", "192.168.0.1"))
                      .with_(_pod("b", "192.168.0.2", "n2")))
    g = traffic_graph(state)
    vip = g.nodes["clusterip:default/web:80"]
    assert (vip["session_affinity"], vip["affinity_timeout"]) == (True, 10800)
    assert {d["share"] for d in g["clusterip:default/web:80"].values()} == {Fraction(1, 2)}
    plain = traffic_graph(_sync_all(_web(_base()).with_(_pod("a", "192.168.0.1"))))
    assert plain.nodes["clusterip:default/web:80"]["affinity_timeout"] is None
