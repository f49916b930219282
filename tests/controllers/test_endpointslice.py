"""The EndpointSlice and Endpoints controllers against upstream's own tests.

Every table case is an upstream case rewritten against the model; its id starts with the
upstream test function. Upstream files:

* ``kubernetes/endpointslice`` ``util/controller_utils_test.go``: TestShouldPodBeInEndpoints,
  TestEndpointsEqualBeyondHash;
* ``kubernetes/endpointslice`` ``utils_test.go``: TestPodToEndpoint, TestGetEndpointPorts,
  TestFindPort;
* ``kubernetes/endpointslice`` ``reconciler_test.go``: TestReconcileEmpty, TestReconcileManyPods,
  TestReconcileEndpointSlicesSomePreexisting, TestReconcileEndpointSlicesSomePreexistingWorseAllocation,
  TestReconcileEndpointSlicesRecycling, TestReconcileEndpointSlicesUpdatePacking,
  TestReconcileEndpointSlicesNamedPorts, TestReconcileMaxEndpointsPerSlice,
  TestReconcile1EndpointSlicePublishNotReadyAddresses, TestReconcilerPodMissingNode;
* ``pkg/api/v1/endpoints/util_test.go``: TestPackSubsets.

Upstream's fixtures: ``newPod(n, ns, ready, nPorts, terminating)`` is ``pod<n>`` with label
``foo=bar`` on ``node-1`` with IP ``1.2.3.<4+n>``; ``newServiceAndEndpointMeta("foo", ns)`` a
Service selecting ``foo=bar`` with one port (target 80, TCP, named ``foo``).
"""

from __future__ import annotations

from collections import Counter

import pytest

from kmodel.api import Create, Delete, Update, apply, apply_all
from kmodel.controllers import endpoints as legacy
from kmodel.controllers.endpointslice import (
    MAX_ENDPOINTS_PER_SLICE,
    endpoints_equal_beyond_hash,
    find_port,
    get_endpoint_ports,
    pod_to_endpoint,
    reconcile,
    should_pod_be_in_endpoints,
)
from kmodel.objects.meta import Namespace, ObjectMeta, ObjectRef, OwnerReference, labels_of, replace, uid_for
from kmodel.objects.networking import (
    ENDPOINTSLICE_CONTROLLER,
    LABEL_MANAGED_BY,
    LABEL_SERVICE_NAME,
    Endpoint,
    EndpointAddress,
    EndpointPort,
    EndpointSlice,
    EndpointSubset,
    Service,
    ServicePort,
    ServiceSpec,
)
from kmodel.objects.nodes import ZONE_LABEL, Node
from kmodel.objects.workloads import Container, ContainerPort, Pod, PodCondition, PodSpec, PodStatus
from kmodel.state import ClusterState

NS = "test"


def new_pod(n: int, *, ready: bool = True, terminating: bool = False, phase: str = "Running",
            ip: str | None = None, ports=(), init=(), node: str = "node-1") -> Pod:
    """Upstream ``newPod`` (a Running pod with a Ready condition)."""
    meta = ObjectMeta(f"pod{n}", NS, uid=uid_for("Pod", NS, f"pod{n}"), labels=(("foo", "bar"),),
                      deleting=terminating)
    spec = PodSpec((Container("container-1", ports=tuple(ports)),), init_containers=tuple(init), node_name=node)
    status = PodStatus(phase, (PodCondition("Ready", "True" if ready else "False"),),
                       pod_ip=f"1.2.3.{4 + n}" if ip is None else ip)
    return Pod(meta, spec, status)


def new_service(name: str = "foo", *, target: int | str = 80, port_name: str | None = None,
                publish: bool = False) -> Service:
    """Upstream ``newServiceAndEndpointMeta`` (through admission it gets a cluster IP)."""
    port = ServicePort(80, name if port_name is None else port_name, "TCP", target)
    return Service(ObjectMeta(name, NS, uid=uid_for("Service", NS, name)),
                   ServiceSpec((("foo", "bar"),), (port,), publish_not_ready_addresses=publish))


def base(*objs, nodes=("node-1",)) -> ClusterState:
    s = ClusterState.empty()
    for o in [Namespace(ObjectMeta(NS))] + [Node(ObjectMeta(n)) for n in nodes]:
        s, r = apply(s, Create(o))
        assert r.ok, r
    for o in objs:
        if isinstance(o, Service):
            s, r = apply(s, Create(o))
            assert r.ok, r
        else:
            s = s.with_(o)
    return s


def sync(state: ClusterState, name: str = "foo", **kw) -> tuple[ClusterState, tuple]:
    reqs = reconcile(state, ObjectRef("Service", NS, name), **kw)
    new, responses = apply_all(state, reqs)
    assert all(r.ok for r in responses), responses
    return new, reqs


def slice_lengths(state: ClusterState) -> list[int]:
    return sorted(len(s.endpoints) for s in state.list("EndpointSlice", NS))


# --- ShouldPodBeInEndpoints ----------------------------------------------------------------

SHOULD = [
    ("Failed pod with Never RestartPolicy", dict(phase="Failed"), False, False),
    ("Succeeded pod with Never RestartPolicy", dict(phase="Succeeded"), False, False),
    ("Succeeded pod with OnFailure RestartPolicy", dict(phase="Succeeded"), False, False),
    ("Empty Pod IPs, Running pod with OnFailure RestartPolicy", dict(ip=""), False, False),
    ("Terminating Pod with includeTerminating=false", dict(terminating=True), False, False),
    ("Failed pod with Always RestartPolicy", dict(phase="Failed"), False, False),
    ("Pending pod with Never RestartPolicy", dict(phase="Pending"), False, True),
    ("Unknown pod with OnFailure RestartPolicy", dict(phase="Unknown"), False, True),
    ("Running pod with Never RestartPolicy", dict(), False, True),
    ("Multiple Pod IPs, Running pod with OnFailure RestartPolicy", dict(ip="1.2.3.4"), False, True),
    ("Terminating Pod with includeTerminating=true", dict(terminating=True), True, True),
]


@pytest.mark.parametrize("kw,include,expected", [c[1:] for c in SHOULD],
                         ids=[f"TestShouldPodBeInEndpoints/{c[0]}" for c in SHOULD])
def test_should_pod_be_in_endpoints(kw, include, expected):
    assert should_pod_be_in_endpoints(new_pod(1, **kw), include) is expected


# --- podToEndpoint ------------------------------------------------------------------------------

ZONED = Node(ObjectMeta("node-1", labels=labels_of({ZONE_LABEL: "us-central1-a",
                                                      "topology.kubernetes.io/region": "us-central1"})))
POD_TO_ENDPOINT = [
    # name, pod kwargs, node, publish, (address, ready, serving, terminating, zone)
    ("Ready pod", dict(), None, False, ("1.2.3.5", True, True, False, "")),
    ("Ready pod + publishNotReadyAddresses", dict(), None, True, ("1.2.3.5", True, True, False, "")),
    ("Unready pod", dict(ready=False), None, False, ("1.2.3.5", False, False, False, "")),
    ("Unready pod + publishNotReadyAddresses", dict(ready=False), None, True, ("1.2.3.5", True, False, False, "")),
    ("Ready pod + node labels", dict(), ZONED, False, ("1.2.3.5", True, True, False, "us-central1-a")),
    ("Multi IP Ready pod + node labels", dict(ip="1.2.3.4"), ZONED, False,
     ("1.2.3.4", True, True, False, "us-central1-a")),
    ("Ready terminating pod", dict(terminating=True), None, False, ("1.2.3.5", False, True, True, "")),
    ("Not ready terminating pod", dict(ready=False, terminating=True), None, False,
     ("1.2.3.5", False, False, True, "")),
]


@pytest.mark.parametrize("kw,node,publish,expected", [c[1:] for c in POD_TO_ENDPOINT],
                         ids=[f"TestPodToEndpoint/{c[0]}" for c in POD_TO_ENDPOINT])
def test_pod_to_endpoint(kw, node, publish, expected):
    pod = new_pod(1, **kw)
    e = pod_to_endpoint(pod, node, new_service(publish=publish))
    assert (e.addresses[0], e.ready, e.serving, e.terminating, e.zone) == expected
    assert e.target_ref == ObjectRef("Pod", NS, "pod1") and e.node_name == "node-1" and e.hostname == ""


def test_pod_to_endpoint_hostname_is_not_modelled():
    """TestPodToEndpoint/Ready pod + hostname: ``spec.hostname``/``subdomain`` are not in the
    model, so the endpoint never carries a hostname (documented abstraction)."""
    assert pod_to_endpoint(new_pod(1), ZONED, new_service()).hostname == ""


# --- getEndpointPorts and FindPort ----------------------------------------------------------


def _pod_with(containers=(), init=()) -> Pod:
    return Pod(ObjectMeta("p", NS), PodSpec(tuple(containers), init_containers=tuple(init)))


def _svc(*ports: ServicePort) -> Service:
    return Service(ObjectMeta("s", NS), ServiceSpec((("a", "b"),), ports))


GET_PORTS = [
    ("service with AppProtocol on one port",
     _svc(ServicePort(80, "http", "TCP", 80, app_protocol="example.com/custom-protocol")),
     _pod_with([Container("c")]),
     [EndpointPort(80, "http", "TCP", "example.com/custom-protocol")]),
    ("service with named port and AppProtocol on one port",
     _svc(ServicePort(80, "http", "TCP", 80), ServicePort(0, "https", "TCP", "https", app_protocol="https")),
     _pod_with([Container("c", ports=(ContainerPort(443, "https"),))]),
     [EndpointPort(80, "http", "TCP"), EndpointPort(443, "https", "TCP", "https")]),
    ("service with named port for restartable init container",
     _svc(ServicePort(8080, "http-sidecar", "TCP", 8080), ServicePort(8090, "http", "TCP", "http")),
     _pod_with([Container("c", ports=(ContainerPort(8090, "http"),))],
               [Container("s", ports=(ContainerPort(8080, "http-sidecar"),), restart_policy="Always")]),
     [EndpointPort(8080, "http-sidecar", "TCP"), EndpointPort(8090, "http", "TCP")]),
    ("service with same named port for regular and restartable init container",
     _svc(ServicePort(80, "http", "TCP", "http")),
     _pod_with([Container("c", ports=(ContainerPort(8090, "http"),))],
               [Container("s", ports=(ContainerPort(8080, "http"),), restart_policy="Always")]),
     [EndpointPort(8090, "http", "TCP")]),
]


@pytest.mark.parametrize("svc,pod,expected", [c[1:] for c in GET_PORTS],
                         ids=[f"TestGetEndpointPorts/{c[0]}" for c in GET_PORTS])
def test_get_endpoint_ports(svc, pod, expected):
    assert list(get_endpoint_ports(svc, pod)) == expected


def _c(*ports: tuple[str, int, str]) -> Container:
    return Container("c", ports=tuple(ContainerPort(n, name, proto) for name, n, proto in ports))


FIND_PORT = [
    ("valid int, no ports", [Container("c")], [], 93, 93),
    ("valid int, with ports", [_c(("", 11, "TCP"), ("p", 22, "TCP"))], [], 93, 93),
    ("valid str, no ports", [Container("c")], [], "p", None),
    ("valid str, one ctr with ports", [_c(("", 11, "UDP"), ("p", 22, "TCP"), ("q", 33, "TCP"))], [], "q", 33),
    ("valid str, two ctr with ports", [Container("a"), _c(("", 11, "UDP"), ("p", 22, "TCP"), ("q", 33, "TCP"))],
     [], "q", 33),
    ("valid str, two ctr with same port", [Container("a"), _c(("", 11, "UDP"), ("p", 22, "TCP"), ("q", 22, "TCP"))],
     [], "q", 22),
    ("valid str, invalid protocol", [Container("a"), _c(("a", 11, "snmp"))], [], "a", None),
    ("valid hostPort", [Container("a"), Container("c", ports=(ContainerPort(11, "a", "TCP", 81),))], [], "a", 11),
    ("HostIP Address", [Container("a"), Container("c", ports=(ContainerPort(11, "a", "TCP", 0, "192.168.1.1"),))],
     [], "a", 11),
    ("Sidecar initContainer named port", [],
     [Container("s", ports=(ContainerPort(80, "a"),), restart_policy="Always")], "a", 80),
    ("Invalid(restartPolicy != Always) initContainer named port", [],
     [Container("s", ports=(ContainerPort(80, "a"),))], "a", None),
    ("App and sidecar containers have the same named port, first app container port will be used",
     [_c(("a", 81, "TCP")), _c(("a", 82, "TCP"))],
     [Container("s", ports=(ContainerPort(80, "a"),), restart_policy="Always")], "a", 81),
]


@pytest.mark.parametrize("containers,init,port,expected", [c[1:] for c in FIND_PORT],
                         ids=[f"TestFindPort/{c[0]}" for c in FIND_PORT])
def test_find_port(containers, init, port, expected):
    pod = _pod_with(containers, init)
    assert find_port(pod, ServicePort(80, protocol="TCP", target_port=port)) == expected


# --- EndpointsEqualBeyondHash -----------------------------------------------------------------

_E = Endpoint(("10.0.0.1",), True, True, False, ObjectRef("Pod", NS, "pod0"), "node-1", "zone-a")
EQUAL_BEYOND_HASH = [
    ("equal", _E, True),
    ("node name changed", replace(_E, node_name="node-2"), False),
    ("zone changed", replace(_E, zone="zone-b"), False),
    ("ready condition changed", replace(_E, ready=False), False),
    ("serving condition changed", replace(_E, serving=False), False),
    ("terminating condition changed", replace(_E, terminating=True), False),
    ("target ref changed", replace(_E, target_ref=ObjectRef("Pod", NS, "pod1")), False),
    ("ready from true to nil", replace(_E, ready=None), False),
]


@pytest.mark.parametrize("other,expected", [c[1:] for c in EQUAL_BEYOND_HASH],
                         ids=[f"TestEndpointsEqualBeyondHash/{c[0]}" for c in EQUAL_BEYOND_HASH])
def test_endpoints_equal_beyond_hash(other, expected):
    assert endpoints_equal_beyond_hash(_E, other) is expected


# --- the reconciler ----------------------------------------------------------------------------


def _slice(n: int, pods, svc: Service, ports=(EndpointPort(80, "foo", "TCP"),)) -> EndpointSlice:
    """Upstream ``newEmptyEndpointSlice`` filled with ``podToEndpoint`` of ``pods`` (plus the
    labels the controller's lister selects on)."""
    owner = OwnerReference("v1", "Service", svc.metadata.name, svc.metadata.uid, True, True)
    labels = labels_of({LABEL_SERVICE_NAME: svc.metadata.name, LABEL_MANAGED_BY: ENDPOINTSLICE_CONTROLLER})
    meta = ObjectMeta(f"{svc.metadata.name}-{n}", NS, uid=uid_for("EndpointSlice", NS, f"{svc.metadata.name}-{n}"),
                      labels=labels, owner_references=(owner,))
    return EndpointSlice(meta, tuple(pod_to_endpoint(p, Node(ObjectMeta("node-1")), svc) for p in pods), ports)


def _admitted(state: ClusterState) -> Service:
    return state.get(ObjectRef("Service", NS, "foo"))


def test_reconcile_empty_creates_a_placeholder():
    """TestReconcileEmpty: no pods: one placeholder slice without ports or endpoints."""
    state, reqs = sync(base(new_service()))
    (s,) = state.list("EndpointSlice", NS)
    assert s.name.startswith("foo") and s.service_name == "foo" and s.ports == () and s.endpoints == ()
    assert [type(r).__name__ for r in reqs] == ["Create"]
    assert reconcile(state, ObjectRef("Service", NS, "foo")) == ()  # the placeholder is kept


def test_reconcile_many_pods():
    """TestReconcileManyPods: 250 pods give slices of 100, 100 and 50, all creates."""
    pods = [new_pod(i, ready=i % 3 != 0) for i in range(250)]
    state, reqs = sync(base(new_service(), *pods))
    assert [type(r).__name__ for r in reqs] == ["Create"] * 3
    assert slice_lengths(state) == [50, 100, 100]


def _preexisting(total: int) -> tuple[ClusterState, list[Pod]]:
    pods = [new_pod(i, ready=i % 3 != 0) for i in range(total)]
    state = base(new_service(), *pods)
    svc = _admitted(state)
    s1 = _slice(1, [pods[i] for i in range(1, total - 4, 4)], svc)
    s2 = _slice(2, [pods[i] for i in range(3, total - 4, 4)], svc)
    return state.with_(s1).with_(s2), pods


def test_reconcile_endpoint_slices_some_preexisting():
    """TestReconcileEndpointSlicesSomePreexisting: 62 + 61 existing, 127 to add: one new slice of
    100 and 27 into the 62-slice (closest to full): 89, 61, 100; a create and an update."""
    state, _ = _preexisting(250)
    state, reqs = sync(state)
    assert [type(r).__name__ for r in reqs] == ["Create", "Update"]
    assert slice_lengths(state) == [61, 89, 100]


def test_reconcile_endpoint_slices_some_preexisting_worse_allocation():
    """TestReconcileEndpointSlicesSomePreexistingWorseAllocation: 74 + 74 existing, 152 to add:
    two creates (100, 52) rather than two updates and a create."""
    state, _ = _preexisting(300)
    state, reqs = sync(state)
    assert [type(r).__name__ for r in reqs] == ["Create", "Create"]
    assert slice_lengths(state) == [52, 74, 74, 100]


def test_reconcile_endpoint_slices_recycling():
    """TestReconcileEndpointSlicesRecycling: 10 slices of 30; a no-op, then a target port change
    repacks into 3 full slices with 3 updates and 7 deletes."""
    pods = [new_pod(i, ready=i % 3 != 0) for i in range(300)]
    state = base(new_service(), *pods)
    svc = _admitted(state)
    for n in range(10):
        state = state.with_(_slice(n, pods[30 * n:30 * (n + 1)], svc))
    assert reconcile(state, ObjectRef("Service", NS, "foo")) == ()
    state, _ = apply(state, Update(replace(svc, spec=replace(svc.spec, ports=(replace(svc.spec.ports[0], target_port=81),)))))
    state, reqs = sync(state)
    kinds = Counter(type(r).__name__ for r in reqs)
    assert kinds == {"Update": 3, "Delete": 7}
    assert slice_lengths(state) == [100, 100, 100]


def test_reconcile_endpoint_slices_update_packing():
    """TestReconcileEndpointSlicesUpdatePacking: slices of 80 and 20 both need updates; the 15 new
    endpoints go to the fuller one: 95 and 20."""
    pods = [new_pod(i) for i in range(80)] + [new_pod(i) for i in range(100, 120)]
    state = base(new_service(), *pods)
    svc = _admitted(state)
    state = state.with_(_slice(1, pods[:80], svc)).with_(_slice(2, pods[80:], svc))
    for i, pod in enumerate(pods):
        if i % 10 == 0:
            state = state.with_(replace(pod, status=replace(pod.status, conditions=(PodCondition("Ready", "False"),))))
    for i in range(200, 215):
        state = state.with_(new_pod(i))
    state, reqs = sync(state)
    assert [type(r).__name__ for r in reqs] == ["Update", "Update"]
    assert slice_lengths(state) == [20, 95]


def test_reconcile_endpoint_slices_named_ports():
    """TestReconcileEndpointSlicesNamedPorts: a named target port resolving to 5 different
    container ports gives 5 slices of 60, one per port mapping."""
    pods = [new_pod(i, ready=i % 3 != 0, ports=(ContainerPort(8080 + i % 5, "http"),)) for i in range(300)]
    state, reqs = sync(base(new_service(target="http", port_name=""), *pods))
    assert [type(r).__name__ for r in reqs] == ["Create"] * 5
    assert slice_lengths(state) == [60] * 5
    assert sorted(s.ports[0].port for s in state.list("EndpointSlice", NS)) == list(range(8080, 8085))


@pytest.mark.parametrize("max_endpoints,lengths", [(50, [50] * 5), (80, [10, 80, 80, 80]), (150, [100, 150]),
                                                   (250, [250]), (500, [250])],
                         ids=[f"TestReconcileMaxEndpointsPerSlice/maxEndpointsPerSlice: {n}" for n in (50, 80, 150, 250, 500)])
def test_reconcile_max_endpoints_per_slice(max_endpoints, lengths):
    pods = [new_pod(i, ready=i % 3 != 0) for i in range(250)]
    state, _ = sync(base(new_service(), *pods), max_endpoints=max_endpoints)
    assert slice_lengths(state) == lengths


def test_reconcile_1_endpoint_slice_publish_not_ready_addresses():
    """TestReconcile1EndpointSlicePublishNotReadyAddresses: every endpoint is ready."""
    pods = [new_pod(i, ready=i % 3 != 0) for i in range(250)]
    state, _ = sync(base(new_service(publish=True), *pods))
    assert all(e.ready for s in state.list("EndpointSlice", NS) for e in s.endpoints)


@pytest.mark.parametrize("publish,expected", [(False, 1), (True, 2)],
                         ids=["TestReconcilerPodMissingNode/Create and publishNotReadyAddresses is false",
                              "TestReconcilerPodMissingNode/Create and publishNotReadyAddresses is true"])
def test_reconciler_pod_missing_node(publish, expected):
    """A pod whose node does not exist is left out, unless the Service publishes not-ready
    addresses."""
    pods = [new_pod(0), new_pod(1, node="node-2")]
    state, _ = sync(base(new_service(publish=publish), *pods))
    assert sum(len(s.endpoints) for s in state.list("EndpointSlice", NS)) == expected


def test_max_endpoints_default_is_100():
    assert MAX_ENDPOINTS_PER_SLICE == 100


def test_external_name_and_selectorless_services_are_left_alone():
    ext = Service(ObjectMeta("ext", NS), ServiceSpec(type="ExternalName", external_name="db.example.com"))
    bare = Service(ObjectMeta("bare", NS), ServiceSpec(None, (ServicePort(80),)))
    state = base(ext, bare, new_pod(1))
    assert reconcile(state, ObjectRef("Service", NS, "ext")) == ()
    assert reconcile(state, ObjectRef("Service", NS, "bare")) == ()


def test_a_slice_not_owned_by_the_service_is_deleted_and_its_name_reused():
    state = base(new_service(), new_pod(1))
    stranger = _slice(7, [], replace(_admitted(state), metadata=replace(_admitted(state).metadata, uid="other")))
    state = state.with_(stranger)
    state, reqs = sync(state)
    assert [type(r).__name__ for r in reqs] == ["Create", "Delete"]


def test_converged_controller_is_idle_and_terminating_pods_stay_as_serving():
    state, _ = sync(base(new_service(), new_pod(1), new_pod(2)))
    assert reconcile(state, ObjectRef("Service", NS, "foo")) == ()
    pod = state.get(ObjectRef("Pod", NS, "pod1"))
    state = state.with_(replace(pod, metadata=replace(pod.metadata, deleting=True)))
    state, reqs = sync(state)
    (s,) = state.list("EndpointSlice", NS)
    e = next(e for e in s.endpoints if e.target_ref.name == "pod1")
    assert (e.ready, e.serving, e.terminating) == (False, True, True)
    state = state.without(pod.ref)
    state, _ = sync(state)
    assert [e.target_ref.name for s in state.list("EndpointSlice", NS) for e in s.endpoints] == ["pod2"]


# --- the Endpoints controller ---------------------------------------------------------------

def _ip(ip: str, uid: str | None = None) -> EndpointAddress:
    """An address; ``uid`` stands for upstream's ``podRef(uid)`` (the model's UIDs are names)."""
    return EndpointAddress(ip, ObjectRef("Pod", "", uid) if uid is not None else None)


def _ss(ready=(), not_ready=(), ports=()) -> EndpointSubset:
    return EndpointSubset(tuple(ready), tuple(not_ready), tuple(EndpointPort(p) for p in ports))


A, B = _ip("1.2.3.4"), _ip("5.6.7.8")
A1, B1, A2 = _ip("1.2.3.4", "uid-1"), _ip("5.6.7.8", "uid-1"), _ip("1.2.3.4", "uid-2")
PACK = [
    ("empty everything", [_ss()], []),
    ("empty addresses", [_ss(ports=[111])], []),
    ("empty ports", [_ss([A])], []),
    ("one set, one ip, one port", [_ss([A], ports=[111])], [_ss([A], ports=[111])]),
    ("one set, one notReady ip, one port", [_ss(not_ready=[A], ports=[111])], [_ss(not_ready=[A], ports=[111])]),
    ("one set, one ip, one UID, one port", [_ss([A1], ports=[111])], [_ss([A1], ports=[111])]),
    ("one set, one notReady ip, one UID, one port", [_ss(not_ready=[A1], ports=[111])],
     [_ss(not_ready=[A1], ports=[111])]),
    ("one set, two ips, one port", [_ss([A, B], ports=[111])], [_ss([A, B], ports=[111])]),
    ("one set, two mixed ips, one port", [_ss([A], [B], [111])], [_ss([A], [B], [111])]),
    ("one set, two duplicate ips, one port, notReady is covered by ready", [_ss([A], [A], [111])],
     [_ss(not_ready=[A], ports=[111])]),
    ("one set, one ip, two ports", [_ss([A], ports=[111, 222])], [_ss([A], ports=[111, 222])]),
    ("one set, dup ips, one port", [_ss([A, A], ports=[111])], [_ss([A], ports=[111])]),
    ("one set, one ip, dup ports", [_ss([A], ports=[111, 111])], [_ss([A], ports=[111])]),
    ("two sets, dup ip, dup port", [_ss([A], ports=[111]), _ss([A], ports=[111])], [_ss([A], ports=[111])]),
    ("two sets, dup mixed ip, dup port", [_ss([A], ports=[111]), _ss(not_ready=[A], ports=[111])],
     [_ss(not_ready=[A], ports=[111])]),
    ("two sets, dup ip, two ports", [_ss([A], ports=[111]), _ss([A], ports=[222])], [_ss([A], ports=[111, 222])]),
    ("two sets, dup ip, dup uids, two ports", [_ss([A1], ports=[111]), _ss([A1], ports=[222])],
     [_ss([A1], ports=[111, 222])]),
    ("two sets, dup mixed ip, dup uids, two ports", [_ss([A1], ports=[111]), _ss(not_ready=[A1], ports=[222])],
     [_ss([A1], ports=[111]), _ss(not_ready=[A1], ports=[222])]),
    ("two sets, two ips, dup port", [_ss([A], ports=[111]), _ss([B], ports=[111])], [_ss([A, B], ports=[111])]),
    ("two set, dup ip, two uids, dup ports", [_ss([A1], ports=[111]), _ss([A2], ports=[111])],
     [_ss([A1, A2], ports=[111])]),
    ("two set, dup ip, with and without uid, dup ports", [_ss([A], ports=[111]), _ss([A2], ports=[111])],
     [_ss([A, A2], ports=[111])]),
    ("two sets, two ips, two dup ip with uid, dup port, wrong order",
     [_ss([B], ports=[111]), _ss([B1], ports=[111]), _ss([A1], ports=[111]), _ss([A], ports=[111])],
     [_ss([A, A1, B, B1], ports=[111])]),
    ("two sets, two mixed ips, two dup ip with uid, dup port, wrong order, ends up with split addresses",
     [_ss([B], ports=[111]), _ss(not_ready=[B1], ports=[111]), _ss(not_ready=[A1], ports=[111]),
      _ss(not_ready=[A], ports=[111])],
     [_ss([B], [A, A1, B1], [111])]),
    ("two sets, two ips, two ports", [_ss([A], ports=[111]), _ss([B], ports=[222])],
     [_ss([A], ports=[111]), _ss([B], ports=[222])]),
    ("four sets, three ips, three ports, jumbled",
     [_ss([A], ports=[111]), _ss([_ip("1.2.3.5")], ports=[222]), _ss([_ip("1.2.3.6")], ports=[111]),
      _ss([_ip("1.2.3.5")], ports=[333])],
     [_ss([A, _ip("1.2.3.6")], ports=[111]), _ss([_ip("1.2.3.5")], ports=[222, 333])]),
]


@pytest.mark.parametrize("given,expected", [c[1:] for c in PACK], ids=[f"TestPackSubsets/{c[0]}" for c in PACK])
def test_repack_subsets(given, expected):
    assert sorted(legacy.repack_subsets(given), key=repr) == sorted(expected, key=repr)


def test_endpoints_controller_splits_ready_and_not_ready_and_deletes_with_the_service():
    state = base(new_service(), new_pod(1), new_pod(2, ready=False), new_pod(3, terminating=True))
    reqs = legacy.reconcile(state, ObjectRef("Service", NS, "foo"))
    state, _ = apply_all(state, reqs)
    (eps,) = state.list("Endpoints", NS)
    (sub,) = eps.subsets
    assert [a.ip for a in sub.addresses] == ["1.2.3.5"] and [a.ip for a in sub.not_ready_addresses] == ["1.2.3.6"]
    assert legacy.reconcile(state, ObjectRef("Service", NS, "foo")) == ()
    state, _ = apply(state, Delete(ObjectRef("Service", NS, "foo")))
    assert ObjectRef("Service", NS, "foo") in legacy.keys(state)
    assert [str(r) for r in legacy.reconcile(state, ObjectRef("Service", NS, "foo"))] == ["delete Endpoints/test/foo"]
