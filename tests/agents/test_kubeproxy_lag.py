"""kube-proxy's own lag (the ``proxyLags`` fault): a node's kube-proxy routes by the
EndpointSlices it last synced until its sync step catches up.

No upstream table covers this (kube-proxy's informer lag is timing, not a function); the tests
check the model's rules: the fault's budget and enabledness, routing by the view on the lagging
node only, the sync step, the ``preStop`` assumption ``proxy-lag-within-sync-period``, the
guard of ``service-reachable``, the symmetry renaming of views, and that specs without the
fault are unchanged (their pinned counts, in ``tests/specs``).
"""

from __future__ import annotations

import io

import pytest

from kmodel.agents.kubeproxy import (
    KubeProxyView,
    lag_steps,
    lagging_view,
    node_routes,
    service_port_endpoints,
    sync_proxy_rules,
    view_of,
)
from kmodel.agents.kubeproxy import keys as proxy_keys
from kmodel.api import Create, apply
from kmodel.cluster import DEFAULT_CONTROLLERS, ClusterModel, Env, Faults, World
from kmodel.errors import InvalidArgument, InvalidManifest
from kmodel.faults import PARTITIONED, set_machines
from kmodel.network_properties import unreachable_services, unready_routes
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef, labels_of, replace
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
from kmodel.objects.nodes import Node, NodeStatus
from kmodel.objects.workloads import (
    RUNNING,
    Container,
    ContainerPort,
    Pod,
    PodCondition,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetSpec,
)
from kmodel.state import ClusterState
from kmodel.traffic import PROXY_LAG_SECONDS, still_routed, traffic_graph

LABELS = (("app", "web"),)


def _pod(name: str, ip: str, node: str, *, pre_stop: int | None = None, deleting: bool = False) -> Pod:
    return Pod(ObjectMeta(name, "default", labels=LABELS, deleting=deleting),
               PodSpec((Container("web", ports=(ContainerPort(8080, "http"),), pre_stop_sleep=pre_stop),),
                       node_name=node),
               PodStatus("Running", (PodCondition("Ready", "True"),), containers=RUNNING, pod_ip=ip))


def _slice(*endpoints: Endpoint) -> EndpointSlice:
    labels = labels_of({LABEL_SERVICE_NAME: "web", LABEL_MANAGED_BY: ENDPOINTSLICE_CONTROLLER})
    return EndpointSlice(ObjectMeta("web-1", "default", labels=labels), endpoints, (EndpointPort(8080, "http"),))


def _ep(pod: str, ip: str, node: str, ready: bool = True) -> Endpoint:
    return Endpoint((ip,), ready, True, not ready, ObjectRef("Pod", "default", pod), node)


def _store(*pods: Pod) -> ClusterState:
    state = ClusterState.empty()
    for obj in (Namespace(ObjectMeta("default")), Node(ObjectMeta("a")), Node(ObjectMeta("b")),
                Service(ObjectMeta("web", "default"), ServiceSpec(LABELS, (ServicePort(80, "http", target_port="http"),)))):
        state, resp = apply(state, Create(obj))
        assert resp.ok, resp
    for pod in pods:  # as they run (the API server would clear a created pod's status)
        state = state.with_(pod)
    return state


def _with_slice(state: ClusterState, *endpoints: Endpoint) -> ClusterState:
    old = state.list("EndpointSlice")
    return state.with_(replace(old[0], endpoints=endpoints) if old else _slice(*endpoints))


def test_a_lagging_node_routes_by_its_view_the_others_by_the_store():
    state = _with_slice(_store(_pod("web-1", "192.168.0.1", "a")), _ep("web-1", "192.168.0.1", "a"), _ep("web-2", "192.168.0.2", "a"))
    state = state.with_(lagging_view(state, "a"))
    state = _with_slice(state, _ep("web-1", "192.168.0.1", "a"))  # web-2 removed since
    svc = state.get(ObjectRef("Service", "default", "web"))
    port = svc.spec.ports[0]
    assert [e.ip for e in service_port_endpoints(state, svc, port, "a")] == ["192.168.0.1", "192.168.0.2"]
    assert [e.ip for e in service_port_endpoints(state, svc, port, "b")] == ["192.168.0.1"]
    assert [e.ip for e in service_port_endpoints(state, svc, port)] == ["192.168.0.1"]  # the control plane's view
    (route_a,) = node_routes(state, "a")
    assert [str(e) for e, _ in route_a.endpoints] == ["192.168.0.1:8080", "192.168.0.2:8080"]
    g = traffic_graph(state)
    assert g["clusterip:default/web:80"]["addr:192.168.0.2:8080"]["per_node"] == {"a": pytest.approx(0.5)}
    # web-2 is gone: the lagging node still sends it half of its new connections.
    (problem,) = unready_routes(state)
    assert "through the lagging kube-proxy on a" in problem and "192.168.0.2:8080, which no pod has" in problem


def _model(**faults) -> ClusterModel:
    alloc = (("cpu", 2000), ("memory", 4 << 30), ("pods", 110))
    nodes = [Node(ObjectMeta(n, labels=labels_of({"kubernetes.io/hostname": n})),
                  status=NodeStatus(capacity=alloc, allocatable=alloc)) for n in ("a", "b")]
    rs = ReplicaSet(ObjectMeta("web", "default"), ReplicaSetSpec(LabelSelector(LABELS), PodTemplateSpec(
        LABELS, PodSpec((Container("web", ports=(ContainerPort(8080, "http"),)),))), replicas=1))
    svc = Service(ObjectMeta("web", "default"), ServiceSpec(LABELS, (ServicePort(80, "http", target_port="http"),)))
    controllers = [c for c in DEFAULT_CONTROLLERS if c.name in
                   ("replicaset-controller", "scheduler", "kubelet", "endpointslice-controller", "kube-proxy")]
    from kmodel.properties import by_id

    return ClusterModel([Namespace(ObjectMeta("default")), *nodes, rs, svc], controllers=controllers,
                        faults=Faults(**faults),
                        properties=by_id(["type-ok", "endpoints-correct", "no-traffic-to-unready", "service-reachable"]))


def test_the_fault_is_bounded_and_offered_once_per_healthy_node_in_sync():
    model = _model(proxy_lags=1)
    world = model.initial
    steps = list(lag_steps(model, world, None))
    assert sorted(str(s) for s, _ in steps) == ["fault proxy-lag Node/a", "fault proxy-lag Node/b"]
    _, lagged = steps[0]
    assert view_of(lagged.cluster, "a") is not None and dict(lagged.env.faults) == {"proxyLags": 1}
    assert list(lag_steps(model, lagged, None)) == []  # budget spent
    two = _model(proxy_lags=2)
    again = [str(s) for s, _ in lag_steps(two, World(lagged.cluster, Env()), None)]
    assert again == ["fault proxy-lag Node/b"]  # a lags already
    down = World(model.initial.cluster, set_machines(Env(), {"a": PARTITIONED}))
    assert [str(s) for s, _ in lag_steps(model, down, None)] == ["fault proxy-lag Node/b"]
    assert list(lag_steps(_model(), world, None)) == []  # no budget: inert


def test_sync_catches_up_only_where_the_machine_reaches_the_api_server():
    state = _store()
    state = state.with_(lagging_view(state, "a"))
    ref = ObjectRef("KubeProxyView", "", "a")
    assert proxy_keys(World(state, Env())) == [ref]
    assert proxy_keys(World(state, set_machines(Env(), {"a": PARTITIONED}))) == []
    (req,) = sync_proxy_rules(World(state, Env()), ref)
    new, resp = apply(state, req)
    assert resp.ok and view_of(new, "a") is None
    assert sync_proxy_rules(World(new, Env()), ref) == ()


@pytest.mark.parametrize("seconds, routed", [(None, False), (5, False), (PROXY_LAG_SECONDS - 1, False),
                                             (PROXY_LAG_SECONDS, True), (40, True)])
def test_prestop_outlasts_a_lagging_kube_proxy_from_30_seconds(seconds, routed):
    pod = _pod("web-2", "192.168.0.2", "a", pre_stop=seconds, deleting=True)
    state = _with_slice(_store(pod), _ep("web-2", "192.168.0.2", "a"))
    state = state.with_(lagging_view(state, "a"))
    state = _with_slice(state, _ep("web-2", "192.168.0.2", "a", ready=False))  # readiness-gated removal
    assert still_routed(state, state.get(pod.ref)) is routed


def test_service_reachable_is_not_checked_while_a_kube_proxy_lags():
    pod = _pod("web-1", "192.168.0.1", "a")
    state = _store(pod)
    # Both kube-proxies synced before the pod had an endpoint: no route reaches it yet.
    lagging = state.with_(lagging_view(state, "a")).with_(lagging_view(state, "b"))
    lagging = _with_slice(lagging, _ep("web-1", "192.168.0.1", "a"))
    g = traffic_graph(World(lagging, Env()))
    assert set(g.successors("clusterip:default/web:80")) == {"reject"}
    assert unreachable_services(World(lagging, Env())) == []
    synced = lagging.without(ObjectRef("KubeProxyView", "", "a")).without(ObjectRef("KubeProxyView", "", "b"))
    assert unreachable_services(World(synced, Env())) == []
    assert unreachable_services(World(synced.without(synced.list("EndpointSlice")[0].ref), Env())) == []  # guarded too


def test_symmetry_agrees_with_the_full_search_and_renames_views():
    model = _model(proxy_lags=1)
    full = model.checker().symmetry(False).bfs()
    reduced = model.checker().symmetry(True).bfs()
    assert {k: v.verdict for k, v in full.properties.items()} == {k: v.verdict for k, v in reduced.properties.items()}
    assert reduced.stats.states < full.stats.states
    # A view on node a and the same view on node b (pods mirrored) share a representative.
    state = model.initial.cluster
    assert model.representative(World(state.with_(lagging_view(state, "a")))) == \
        model.representative(World(state.with_(lagging_view(state, "b"))))


def test_without_the_fault_the_controller_is_inert():
    model = _model()
    assert not any(s.actor == "kube-proxy" or s.verb == "proxy-lag"
                   for w in [model.initial] for s, _ in model.successors(w))
    assert isinstance(lagging_view(ClusterState.empty(), "a"), KubeProxyView)


def test_scenario_reads_proxy_lags():
    from kmodel.scenario import load_spec

    text = """
apiVersion: kmodel.dev/v1alpha1
kind: Scenario
metadata: {name: s}
spec:
  faults: {proxyLags: 2}
"""
    spec = load_spec(["-"], stdin=io.StringIO(text))
    assert spec.model.faults.proxy_lags == 2
    with pytest.raises(InvalidManifest, match="spec.faults.proxyLags"):
        load_spec(["-"], stdin=io.StringIO(text.replace("2}", "-1}")))
    with pytest.raises(InvalidArgument):
        Faults(proxy_lags=-1)


def test_a_gone_pods_address_outside_the_pod_network_is_not_external_while_a_view_lists_it():
    """An address outside the pod network is a server outside the cluster only when no slice
    (nor a lagging kube-proxy's view) ties it to a pod (a dump's pods may have VPC addresses)."""
    state = _with_slice(_store(), _ep("web-2", "10.0.0.2", "a"))
    state = state.with_(lagging_view(state, "a"))
    state = state.without(state.list("EndpointSlice")[0].ref)
    g = traffic_graph(state)
    assert g.nodes["addr:10.0.0.2:8080"]["external"] is False
    (problem,) = unready_routes(state)
    assert "10.0.0.2:8080, which no pod has" in problem and "lagging kube-proxy on a" in problem


def test_scenario_refuses_proxy_lags_without_the_kube_proxy_controller():
    from kmodel.scenario import load_spec

    text = """
apiVersion: kmodel.dev/v1alpha1
kind: Scenario
metadata: {name: s}
spec:
  controllers: [endpointslice-controller]
  faults: {proxyLags: 1}
"""
    with pytest.raises(InvalidManifest, match="proxyLags needs the kube-proxy controller") as err:
        load_spec(["-"], stdin=io.StringIO(text))
    assert err.value.field == "spec.faults.proxyLags"
