"""The EndpointSliceMirroring controller against upstream's own tests.

Each table case is an upstream case rewritten against the model; its id starts with the upstream
test function. Upstream files (``pkg/controller/endpointslicemirroring/``):

* ``reconciler_test.go``: TestReconcile (every case; the metrics upstream also checks are not
  modelled, the client actions and the resulting slices are);
* ``endpointslicemirroring_controller_test.go``: TestSyncEndpoints, TestShouldMirror,
  TestEndpointSlicesMirroredForService;
* ``utils_test.go``: TestNewEndpointSlice, TestAddressToEndpoint.

Upstream's fixtures: TestReconcile mirrors ``Endpoints test/test-ep``; TestSyncEndpoints
``default/testing-sync-endpoints`` with a Service of the same name (none for "missing Service").
The model admits IPv4 Services only; the IPv6 and invalid-address cases run against the
controller's functions directly (the loader would refuse those manifests).
"""

from __future__ import annotations

import pytest

from kmodel.api import Create, Delete, Update, apply, apply_all
from kmodel.controllers import endpointslicemirroring as esm
from kmodel.controllers.endpointslicemirroring import (
    CONTROLLER_NAME,
    LABEL_SKIP_MIRROR,
    LEADER_ELECTION_ANNOTATION,
    address_to_endpoint,
    mirrored_slices,
    new_endpoint_slice,
    reconcile,
    should_mirror,
)
from kmodel.objects.meta import Namespace, ObjectMeta, ObjectRef, labels_of
from kmodel.objects.networking import (
    LABEL_MANAGED_BY,
    LABEL_SERVICE_NAME,
    Endpoint,
    EndpointAddress,
    EndpointPort,
    Endpoints,
    EndpointSlice,
    EndpointSubset,
    Service,
    ServicePort,
    ServiceSpec,
)
from kmodel.state import ClusterState


def addr(ip: str, host: str = "", node: str = "") -> EndpointAddress:
    return EndpointAddress(ip, None, node, host)


HTTP_HTTPS = (EndpointPort(80, "http", "TCP"), EndpointPort(443, "https", "UDP"))
HTTP_HTTPS_3000 = (EndpointPort(3000, "http", "TCP"), EndpointPort(3001, "https", "UDP"))
TWO = (addr("10.0.0.1", "pod-1", "node-1"), addr("10.0.0.2", "pod-2", "node-2"))
THREE = (addr("10.0.1.1", "pod-11", "node-1"), addr("10.0.1.2", "pod-12", "node-2"),
         addr("10.0.1.3", "pod-13", "node-3"))


def slice_(name: str, ports=HTTP_HTTPS, endpoints=(), ns="test", service="test-ep",
           managed_by=CONTROLLER_NAME) -> EndpointSlice:
    labels = {LABEL_SERVICE_NAME: service} if service else {}
    if managed_by:
        labels[LABEL_MANAGED_BY] = managed_by
    return EndpointSlice(ObjectMeta(name, ns, labels=labels_of(labels)), tuple(endpoints), tuple(ports), "IPv4")


def world(endpoints: Endpoints, slices=(), *, service: Service | None | bool = True) -> ClusterState:
    """A store with the namespace, the Service (selectorless unless given), the Endpoints
    object and the existing slices, as the test's informers hold them."""
    ns = endpoints.metadata.namespace
    state = ClusterState.empty()
    objects: list = [Namespace(ObjectMeta(ns))]
    if service is True:
        objects.append(Service(ObjectMeta(endpoints.metadata.name, ns), ServiceSpec(ports=(ServicePort(80),))))
    elif service:
        objects.append(service)
    objects += [endpoints, *slices]
    for obj in objects:
        state, resp = apply(state, Create(obj))
        assert resp.ok, resp
    return state


def run(state: ClusterState, key: ObjectRef, **kw):
    requests = reconcile(state, key, **kw)
    new, responses = apply_all(state, requests)
    assert all(r.ok for r in responses), responses
    return requests, mirrored_slices(new, key.namespace, key.name)


def expect_endpoint_slices(slices, n: int, max_per_subset: int, endpoints: Endpoints) -> None:
    """upstream ``expectEndpointSlices``: the count, names, the service-name label, and for every
    subset with addresses the matching slices hold its addresses (ready ones first, up to the
    cap) with their ready flag, hostname and node. The cap applies to the addresses in
    ``RepackSubsets`` order (``LessEndpointAddress``: by IP as a string): v1.35's ``reconcile``
    repacks the subsets before it applies the cap (the stored copy of upstream's helper counts
    in input order, which only matters for the 1001-address case)."""
    assert len(slices) == n
    if n == 0:
        return
    for s in slices:
        assert s.name.startswith(endpoints.metadata.name)
        assert s.service_name == endpoints.metadata.name
    for sub in endpoints.subsets:
        if not sub.addresses and not sub.not_ready_addresses:
            continue
        matching = {"IPv4": [], "IPv6": []}
        for s in slices:
            if sorted(s.ports, key=repr) == sorted(sub.ports, key=repr):
                matching[s.address_type] += s.endpoints
        assert matching["IPv4"] or matching["IPv6"], f"no slice matches {sub.ports}"
        for kind, found in matching.items():
            expected: dict[str, tuple[bool, EndpointAddress]] = {}
            for ready, addresses in ((True, sub.addresses), (False, sub.not_ready_addresses)):
                for a in sorted(addresses, key=lambda a: a.ip):
                    if esm.get_address_type(a.ip) == kind and len(expected) < max_per_subset:
                        expected[a.ip] = (ready, a)
            assert len(found) == len(expected)
            for e in found:
                assert len(e.addresses) == 1
                ready, a = expected[e.addresses[0]]
                assert (e.ready, e.hostname, e.node_name) == (ready, a.hostname, a.node_name)


# testName, subsets, deletion pending, maxEndpointsPerSubset, existing slices, slices, client actions
RECONCILE = [
    ("Endpoints with no subsets", (), False, 0, (), 0, 0),
    ("Endpoints with no addresses", (EndpointSubset(ports=(EndpointPort(80, "http"),)),), False, 0, (), 0, 0),
    ("Endpoints with 1 subset, port, and address",
     (EndpointSubset((addr("10.0.0.1", "pod-1", "node-1"),), (), (EndpointPort(80, "http"),)),), False, 0, (), 1, 1),
    ("Endpoints with 1 subset, port, and address, pending deletion",
     (EndpointSubset((addr("10.0.0.1", "pod-1", "node-1"),), (), (EndpointPort(80, "http"),)),), True, 0, (), 0, 0),
    ("Endpoints with 1 subset, 2 ports, and 2 addresses", (EndpointSubset(TWO, (), HTTP_HTTPS),), False, 0, (), 1, 1),
    ("Endpoints with 2 subsets, multiple ports and addresses",
     (EndpointSubset(TWO, (), HTTP_HTTPS), EndpointSubset(THREE, (), HTTP_HTTPS_3000)), False, 0, (), 2, 2),
    ("Endpoints with 2 subsets, multiple ports and addresses, existing empty EndpointSlice",
     (EndpointSubset(TWO, (), HTTP_HTTPS), EndpointSubset(THREE, (), HTTP_HTTPS_3000)), False, 0,
     (slice_("test-ep-1"),), 2, 2),
    ("Endpoints with 2 subsets, multiple ports and addresses, existing EndpointSlice with some addresses",
     (EndpointSubset(TWO, (), HTTP_HTTPS), EndpointSubset(THREE, (), HTTP_HTTPS_3000)), False, 0,
     (slice_("test-ep-1", endpoints=(Endpoint(("10.0.0.2",), hostname="pod-2"),
                                     Endpoint(("10.0.0.1", "10.0.0.3"), hostname="pod-1"))),), 2, 2),
    ("Endpoints with 2 subsets, multiple ports and addresses, existing EndpointSlice identical to subset",
     (EndpointSubset(TWO, (), HTTP_HTTPS), EndpointSubset(THREE, (), HTTP_HTTPS_3000)), False, 0,
     (slice_("test-ep-1", endpoints=(Endpoint(("10.0.0.1",), ready=True, node_name="node-1", hostname="pod-1"),
                                     Endpoint(("10.0.0.2",), ready=True, node_name="node-2", hostname="pod-2"))),),
     2, 1),
    ("Endpoints with 2 subsets, multiple ports, and dual stack addresses",
     (EndpointSubset((addr("2001:db8:2222:3333:4444:5555:6666:7777", "pod-1", "node-1"),
                      addr("10.0.0.2", "pod-2", "node-2")), (), HTTP_HTTPS),
      EndpointSubset((addr("10.0.1.1", "pod-11", "node-1"), addr("10.0.1.2", "pod-12", "node-2"),
                      addr("2001:db8:3333:4444:5555:6666:7777:8888", "pod-13", "node-3")), (), HTTP_HTTPS_3000)),
     False, 0, (), 4, 4),
    ("Endpoints with 2 subsets, multiple ports, ipv6 only addresses",
     (EndpointSubset((addr("2001:db8:1111:3333:4444:5555:6666:7777", "pod-1", "node-1"),
                      addr("2001:db8:2222:3333:4444:5555:6666:7777", "pod-2", "node-2")), (), HTTP_HTTPS),
      EndpointSubset((addr("2001:db8:3333:3333:4444:5555:6666:7777", "pod-11", "node-1"),
                      addr("2001:db8:4444:3333:4444:5555:6666:7777", "pod-12", "node-2"),
                      addr("2001:db8:5555:3333:4444:5555:6666:7777", "pod-13", "node-3")), (), HTTP_HTTPS_3000)),
     False, 0, (), 2, 2),
    ("Endpoints with 2 subsets, multiple ports, some invalid addresses",
     (EndpointSubset((addr("2001:db8:1111:3333:4444:5555:6666:7777", "pod-1", "node-1"),
                      addr("this-is-not-an-ip", "pod-2", "node-2")), (), HTTP_HTTPS),
      EndpointSubset((addr("this-is-also-not-an-ip", "pod-11", "node-1"),
                      addr("2001:db8:4444:3333:4444:5555:6666:7777", "pod-12", "node-2"),
                      addr("2001:db8:5555:3333:4444:5555:6666:7777", "pod-13", "node-3")), (), HTTP_HTTPS_3000)),
     False, 0, (), 2, 2),
    ("Endpoints with 2 subsets, multiple ports, all invalid addresses",
     (EndpointSubset((addr("this-is-not-an-ip1", "pod-1", "node-1"), addr("this-is-not-an-ip12", "pod-2", "node-2")),
                     (), HTTP_HTTPS),
      EndpointSubset((addr("this-is-not-an-ip11", "pod-11", "node-1"), addr("this-is-not-an-ip12", "pod-12", "node-2"),
                      addr("this-is-not-an-ip3", "pod-13", "node-3")), (), HTTP_HTTPS_3000)),
     False, 0, (), 0, 0),
    ("Endpoints with 2 subsets, 1 exceeding maxEndpointsPerSubset",
     (EndpointSubset(TWO, (), HTTP_HTTPS), EndpointSubset(THREE, (), HTTP_HTTPS_3000)), False, 2, (), 2, 2),
]


@pytest.mark.parametrize("name, subsets, deleting, cap, existing, n_slices, n_actions", RECONCILE,
                         ids=[f"TestReconcile/{c[0]}" for c in RECONCILE])
def test_reconcile(name, subsets, deleting, cap, existing, n_slices, n_actions):
    endpoints = Endpoints(ObjectMeta("test-ep", "test"), subsets)
    state = world(endpoints, existing)
    if deleting:  # the API server removes Endpoints at once: stand in for a deletionTimestamp
        ref = endpoints.ref
        stored = state.get(ref)
        state = state.with_(type(stored)(type(stored.metadata)(**{
            **{f: getattr(stored.metadata, f) for f in stored.metadata._init_names}, "deleting": True}),
            stored.subsets))
    cap = cap or esm.MAX_ENDPOINTS_PER_SUBSET
    requests, slices = run(state, ObjectRef("Endpoints", "test", "test-ep"), max_endpoints_per_subset=cap)
    assert len(requests) == n_actions, [str(r) for r in requests]
    expect_endpoint_slices(slices, n_slices, cap, endpoints)


def test_reconcile_some_addresses_rewrites_the_first_slice_under_its_name():
    """TestReconcile "existing EndpointSlice with some addresses": one update (the existing slice,
    recycled under its name) and one create."""
    endpoints = Endpoints(ObjectMeta("test-ep", "test"),
                          (EndpointSubset(TWO, (), HTTP_HTTPS), EndpointSubset(THREE, (), HTTP_HTTPS_3000)))
    state = world(endpoints, (slice_("test-ep-1", endpoints=(Endpoint(("10.0.0.2",), hostname="pod-2"),)),))
    requests = reconcile(state, endpoints.ref)
    assert sorted(type(r).__name__ for r in requests) == ["Create", "Update"]
    assert next(r for r in requests if isinstance(r, Update)).obj.name == "test-ep-1"


def _generate_addresses(n: int) -> tuple[EndpointAddress, ...]:
    return tuple(EndpointAddress(f"10.0.{i // 255}.{i % 255}") for i in range(n))


NAME = "testing-sync-endpoints"
# testName, service (True: selectorless, None: missing, else a Service), endpoints labels/annotations,
# subsets, existing slices, expected actions (upstream's event excluded), expected slices
SYNC = [
    ("Endpoints with no addresses", True, {}, {}, (EndpointSubset(ports=(EndpointPort(80),)),), (), 0, 0),
    ("Endpoints with skip label true", True, {LABEL_SKIP_MIRROR: "true"}, {},
     (EndpointSubset((EndpointAddress("10.0.0.1"),), (), (EndpointPort(80),)),), (), 0, 0),
    ("Endpoints with skip label false", True, {LABEL_SKIP_MIRROR: "false"}, {},
     (EndpointSubset((EndpointAddress("10.0.0.1"),), (), (EndpointPort(80),)),), (), 1, 1),
    ("Endpoints with missing Service", None, {}, {},
     (EndpointSubset((EndpointAddress("10.0.0.1"),), (), (EndpointPort(80),)),), (), 0, 0),
    ("Endpoints with Service with selector specified",
     Service(ObjectMeta(NAME, "default"), ServiceSpec((("foo", "bar"),), (ServicePort(80),))), {}, {},
     (EndpointSubset((EndpointAddress("10.0.0.1"),), (), (EndpointPort(80),)),), (), 0, 0),
    ("Existing EndpointSlices that need to be cleaned up", True, {}, {}, (EndpointSubset(ports=(EndpointPort(80),)),),
     (slice_(NAME + "-1", (), ns="default", service=NAME),), 1, 0),
    ("Existing EndpointSlices managed by a different controller, no addresses to sync", True, {}, {},
     (EndpointSubset(ports=(EndpointPort(80),)),),
     (slice_(NAME + "-1", (), ns="default", service="", managed_by="something-else"),), 0, 0),
    ("Endpoints with 1000 addresses", True, {}, {}, (EndpointSubset(_generate_addresses(1000), (), (EndpointPort(80),)),),
     (), 1, 1),
    ("Endpoints with 1001 addresses - 1 should not be mirrored", True, {}, {},
     (EndpointSubset(_generate_addresses(1001), (), (EndpointPort(80),)),), (), 1, 1),
    # Not an upstream case: the leader-election annotation is checked by shouldMirror in the sync too.
    ("Endpoints with leader election annotation", True, {}, {LEADER_ELECTION_ANNOTATION: ""},
     (EndpointSubset((EndpointAddress("10.0.0.1"),), (), (EndpointPort(80),)),), (), 0, 0),
]


@pytest.mark.parametrize("name, service, labels, annotations, subsets, existing, n_actions, n_slices", SYNC,
                         ids=[f"TestSyncEndpoints/{c[0]}" for c in SYNC])
def test_sync_endpoints(name, service, labels, annotations, subsets, existing, n_actions, n_slices):
    endpoints = Endpoints(ObjectMeta(NAME, "default", labels=labels_of(labels), annotations=labels_of(annotations)),
                          subsets)
    state = world(endpoints, existing, service=service)
    requests, slices = run(state, ObjectRef("Endpoints", "default", NAME))
    assert len(requests) == n_actions, [str(r) for r in requests]
    expect_endpoint_slices(slices, n_slices, esm.MAX_ENDPOINTS_PER_SUBSET, endpoints)
    if n_slices:
        assert sum(len(s.endpoints) for s in slices) == min(1000, sum(len(s.addresses) for s in subsets))


SHOULD_MIRROR = [
    ("Standard Endpoints", {}, {}, True),
    ("Endpoints with skip-mirror=true", {LABEL_SKIP_MIRROR: "true"}, {}, False),
    ("Endpoints with skip-mirror=invalid", {LABEL_SKIP_MIRROR: "invalid"}, {}, True),
    ("Endpoints with leader election annotation", {}, {LEADER_ELECTION_ANNOTATION: ""}, False),
]


@pytest.mark.parametrize("name, labels, annotations, expected", SHOULD_MIRROR,
                         ids=[f"TestShouldMirror/{c[0]}" for c in SHOULD_MIRROR])
def test_should_mirror(name, labels, annotations, expected):
    eps = Endpoints(ObjectMeta("test-endpoints", labels=labels_of(labels), annotations=labels_of(annotations)))
    assert should_mirror(eps) is expected


MIRRORED_FOR_SERVICE = [
    ("Service with matching EndpointSlice", "ns1", "svc1", CONTROLLER_NAME, True),
    ("Service with EndpointSlice that has different namespace", "ns2", "svc1", CONTROLLER_NAME, False),
    ("Service with EndpointSlice that has different service name", "ns1", "svc2", CONTROLLER_NAME, False),
    ("Service with EndpointSlice that has different controller name", "ns1", "svc1", CONTROLLER_NAME + "foo", False),
    ("Service with EndpointSlice that has missing controller name", "ns1", "svc1", "", False),
    ("Service with EndpointSlice that has missing service name", "ns1", "", CONTROLLER_NAME, False),
]


@pytest.mark.parametrize("name, ns, service, managed_by, expected", MIRRORED_FOR_SERVICE,
                         ids=[f"TestEndpointSlicesMirroredForService/{c[0]}" for c in MIRRORED_FOR_SERVICE])
def test_endpoint_slices_mirrored_for_service(name, ns, service, managed_by, expected):
    state = ClusterState.of([slice_("example-1", (), ns=ns, service=service, managed_by=managed_by)])
    found = mirrored_slices(state, "ns1", "svc1")
    assert [s.name for s in found] == (["example-1"] if expected else [])


NEW_SLICE = [
    ("create slice from endpoints", {}, {}, {}),
    ("create slice from endpoints with annotations", {}, {"foo": "bar"}, {"foo": "bar"}),
    ("create slice from endpoints with labels", {"foo": "bar"}, {}, {}),
    ("create slice from endpoints with labels and annotations", {"foo": "bar"}, {"foo2": "bar2"}, {"foo2": "bar2"}),
    ("create slice from endpoints with labels and annotations triggertime", {"foo": "bar"},
     {"foo2": "bar2", "endpoints.kubernetes.io/last-change-trigger-time": "date"}, {"foo2": "bar2"}),
]


@pytest.mark.parametrize("name, labels, annotations, expected_annotations", NEW_SLICE,
                         ids=[f"TestNewEndpointSlice/{c[0]}" for c in NEW_SLICE])
def test_new_endpoint_slice(name, labels, annotations, expected_annotations):
    eps = Endpoints(ObjectMeta("foo", "test", uid="Endpoints/test/foo", labels=labels_of(labels),
                               annotations=labels_of(annotations)), (EndpointSubset(ports=(EndpointPort(80),)),))
    ports = (EndpointPort(0, "foo", "TCP"),)
    s = new_endpoint_slice(eps, ports, "IPv4")
    assert dict(s.metadata.labels) == {**labels, LABEL_SERVICE_NAME: "foo", LABEL_MANAGED_BY: CONTROLLER_NAME}
    assert dict(s.metadata.annotations) == expected_annotations
    assert (s.metadata.generate_name, s.metadata.name, s.metadata.namespace) == ("foo-", "", "test")
    (owner,) = s.metadata.owner_references
    assert (owner.kind, owner.name, owner.uid, owner.controller) == ("Endpoints", "foo", "Endpoints/test/foo", True)
    assert (s.ports, s.address_type, s.endpoints) == (ports, "IPv4", ())
    assert dict(eps.metadata.labels) == labels  # the Endpoints object is not modified


def test_address_to_endpoint():
    """TestAddressToEndpoint ("simple + gate enabled")."""
    target = ObjectRef("Pod", "default", "foo")
    e, kind = address_to_endpoint(EndpointAddress("10.1.2.3", target, "node-abc", "foo"), True)
    assert e == Endpoint(("10.1.2.3",), ready=True, target_ref=target, node_name="node-abc", hostname="foo")
    assert kind == "IPv4"


@pytest.mark.parametrize("ip,address,kind", [
    ("010.001.002.003", "10.1.2.3", "IPv4"),        # Go 1.16 ParseIP: leading zeros are decimal
    ("::ffff:10.1.2.3", "10.1.2.3", "IPv4"),        # IPv4-mapped: To4() != nil
    ("2001:DB8::0001", "2001:db8::1", "IPv6"),      # re-stringified in canonical form
    ("fe80::1%eth0", None, None),                   # a zone is no IP for ParseIP
    ("256.1.2.3", None, None),
], ids=["addressToEndpoint/ParseIPSloppy leading zeros", "addressToEndpoint/IPv4-mapped IPv6",
        "addressToEndpoint/canonical IPv6", "addressToEndpoint/zone refused", "addressToEndpoint/out of range"])
def test_address_to_endpoint_parses_sloppily(ip, address, kind):
    """``addressToEndpoint`` parses with ``netutils.ParseIPSloppy`` and writes ``ip.String()``."""
    e, got = address_to_endpoint(EndpointAddress(ip), True)
    assert (e.addresses[0] if e else None, got) == (address, kind)


# --- behaviour in the model ------------------------------------------------------------------


def test_inert_without_selectorless_endpoints():
    """Endpoints written by the Endpoints controller (its Service has a selector) are not mirrored."""
    eps = Endpoints(ObjectMeta("web", "default"), (EndpointSubset((EndpointAddress("10.0.0.1"),), (), (EndpointPort(80),)),))
    svc = Service(ObjectMeta("web", "default"), ServiceSpec((("app", "web"),), (ServicePort(80),)))
    state = world(eps, service=svc)
    assert reconcile(state, eps.ref) == ()


def test_mirrored_slices_follow_edits_and_deletion():
    eps = Endpoints(ObjectMeta("db", "default"), (EndpointSubset((EndpointAddress("10.0.3.7"),), (), (EndpointPort(5432),)),))
    state = world(eps)
    state, _ = apply_all(state, reconcile(state, eps.ref))
    assert reconcile(state, eps.ref) == ()  # converged
    (s,) = mirrored_slices(state, "default", "db")
    # A second address, then not ready: the slice is rewritten under its name.
    stored = state.get(eps.ref)
    edited = type(stored)(stored.metadata, (EndpointSubset((EndpointAddress("10.0.3.7"),), (EndpointAddress("10.0.3.8"),),
                                                           (EndpointPort(5432),)),))
    state, _ = apply(state, Update(edited))
    (req,) = reconcile(state, eps.ref)
    assert isinstance(req, Update) and req.obj.name == s.name
    assert sorted((e.addresses[0], e.ready) for e in req.obj.endpoints) == [("10.0.3.7", True), ("10.0.3.8", False)]
    state, _ = apply(state, req)
    # The Endpoints object is deleted: its slices go (the key stays in the queue through them).
    state, _ = apply(state, Delete(eps.ref))
    assert eps.ref in esm.keys(state)
    assert [str(r) for r in reconcile(state, eps.ref)] == [f"delete EndpointSlice/default/{s.name}"]


def test_selector_added_cleans_up():
    """onServiceUpdate: a Service that gains a selector has its mirrored slices deleted."""
    eps = Endpoints(ObjectMeta("db", "default"), (EndpointSubset((EndpointAddress("10.0.3.7"),), (), (EndpointPort(5432),)),))
    state = world(eps)
    state, _ = apply_all(state, reconcile(state, eps.ref))
    svc = state.get(ObjectRef("Service", "default", "db"))
    state, resp = apply(state, Update(type(svc)(svc.metadata, type(svc.spec)(
        (("app", "db"),), svc.spec.ports, cluster_ip=svc.spec.cluster_ip))))
    assert resp.ok
    assert [type(r).__name__ for r in reconcile(state, eps.ref)] == ["Delete"]


def test_portless_subset_is_mirrored():
    """RepackSubsets keeps a subset without ports (under a sentinel); so does the mirror."""
    eps = Endpoints(ObjectMeta("ext", "default"), (EndpointSubset((EndpointAddress("10.0.3.7"),)),))
    (req,) = reconcile(world(eps), eps.ref)
    assert isinstance(req, Create) and req.obj.ports == () and req.obj.endpoints[0].addresses == ("10.0.3.7",)


def test_model_routes_a_selectorless_service_through_the_mirrored_slices():
    """kube-proxy and the traffic graph route a Service without a selector through the slices
    mirrored from its Endpoints object; ``endpoints-correct`` holds once they are mirrored, and
    an address outside the pod network (a database outside the cluster) is a route end."""
    from kmodel.cluster import DEFAULT_CONTROLLERS, ClusterModel
    from kmodel.network_properties import endpoint_errors, unready_routes
    from kmodel.properties import by_id
    from kmodel.traffic import route_ends, traffic_graph

    svc = Service(ObjectMeta("db", "default"), ServiceSpec(ports=(ServicePort(5432, target_port=5432),)))
    eps = Endpoints(ObjectMeta("db", "default"),
                    (EndpointSubset((EndpointAddress("10.0.3.7"),), (EndpointAddress("10.0.3.8"),), (EndpointPort(5432),)),))
    controllers = [c for c in DEFAULT_CONTROLLERS if c.name in ("endpointslicemirroring-controller", "endpointslice-controller",
                                                                "endpoints-controller")]
    from kmodel.objects.nodes import Node

    node = Node(ObjectMeta("worker-a"))  # kube-proxy runs on nodes
    model = ClusterModel([Namespace(ObjectMeta("default")), node, svc, eps], controllers=controllers,
                         properties=by_id(["type-ok", "endpoints-correct", "no-traffic-to-unready"]))
    start = model.initial
    assert endpoint_errors(start) == ["Service default/db: its mirrored EndpointSlices lack 10.0.3.7 (ready, ports 5432) "
                                      "of its Endpoints object",
                                      "Service default/db: its mirrored EndpointSlices lack 10.0.3.8 (not ready, ports 5432) "
                                      "of its Endpoints object"]
    result = model.checker().bfs()
    assert result.verdict == "holds" and result.stats.states == 2
    ((step, end),) = list(model.successors(start))
    assert step.actor == "endpointslicemirroring-controller"
    assert endpoint_errors(end) == [] and unready_routes(end) == []
    g = traffic_graph(end)
    assert g.nodes["addr:10.0.3.7:5432"]["external"] is True
    assert "addr:10.0.3.7:5432" in route_ends(g, ["clusterip:default/db:5432"])
    assert "addr:10.0.3.8:5432" not in route_ends(g, ["clusterip:default/db:5432"])  # not ready


def test_model_mirrored_address_of_a_gone_pod_is_flagged():
    """An Endpoints object naming a pod's address after the pod is gone: the mirrored slice
    routes to an address in the pod network that no pod holds, which ``no-traffic-to-unready``
    reports."""
    from kmodel.network_properties import unready_routes

    eps = Endpoints(ObjectMeta("db", "default"), (EndpointSubset(
        (EndpointAddress("192.168.9.9", ObjectRef("Pod", "default", "db-0")),), (), (EndpointPort(5432),)),))
    from kmodel.objects.nodes import Node

    state = world(eps).with_(Node(ObjectMeta("worker-a")))
    state, _ = apply_all(state, reconcile(state, eps.ref))
    (problem,) = unready_routes(state)
    assert "192.168.9.9:5432, which no pod has" in problem


# --- hypothesis: random Endpoints objects ----------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_POOL = ("192.168.0.1", "192.168.0.2", "10.0.3.7", "10.0.3.8", "172.16.0.9")
_PORTS = (EndpointPort(5432, "pg"), EndpointPort(9187, "metrics"), EndpointPort(53, "dns", "UDP"))


@st.composite
def _subsets(draw) -> tuple[EndpointSubset, ...]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        ports = tuple(draw(st.lists(st.sampled_from(_PORTS), min_size=1, max_size=2, unique=True)))
        ips = draw(st.lists(st.sampled_from(_POOL), max_size=4, unique=True))
        ready = draw(st.lists(st.booleans(), min_size=len(ips), max_size=len(ips)))
        out.append(EndpointSubset(tuple(EndpointAddress(ip) for ip, r in zip(ips, ready) if r),
                                  tuple(EndpointAddress(ip) for ip, r in zip(ips, ready) if not r), ports))
    return tuple(out)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_subsets(), _subsets())
def test_mirror_converges_in_one_sync_and_the_graph_reaches_exactly_the_ready_addresses(before, after):
    """For random Endpoints objects (and an edit of one into another): one sync leaves the
    mirrored slices exactly right (``endpoints-correct``'s mirror clause), a second sync has
    nothing to do, and kube-proxy routes each Service port to exactly the addresses listed ready
    for it (an address listed both ready and not ready for a port is not ready, as
    ``RepackSubsets`` has it; no address outside the pod network is taken for a gone pod)."""
    from kmodel.network_properties import endpoint_errors, unready_routes
    from kmodel.objects.nodes import Node
    from kmodel.traffic import route_ends, traffic_graph

    svc = Service(ObjectMeta("db", "default"), ServiceSpec(ports=tuple(
        ServicePort(p.port, p.name, p.protocol, p.port) for p in _PORTS)))
    pods = []
    for ip in ("192.168.0.1", "192.168.0.2"):  # the pod-network addresses belong to running pods
        from kmodel.objects.workloads import RUNNING, Container, Pod, PodCondition, PodSpec, PodStatus

        pods.append(Pod(ObjectMeta(f"db-{ip[-1]}", "default"), PodSpec((Container("c"),), node_name="n1"),
                        PodStatus("Running", (PodCondition("Ready", "True"),), containers=RUNNING, pod_ip=ip)))
    state = world(Endpoints(ObjectMeta("db", "default"), before), service=svc)
    state = state.with_(Node(ObjectMeta("n1")))
    for p in pods:
        state = state.with_(p)
    ref = ObjectRef("Endpoints", "default", "db")
    for subsets in (before, after):
        stored = state.get(ref)
        state, resp = apply(state, Update(Endpoints(stored.metadata, subsets)))
        assert resp.ok
        state, responses = apply_all(state, reconcile(state, ref))
        assert all(r.ok for r in responses)
        assert reconcile(state, ref) == ()
        assert endpoint_errors(state) == []
        g = traffic_graph(state)
        for port in svc.spec.ports:
            has = [s for s in subsets if any(p.name == port.name and p.protocol == port.protocol for p in s.ports)]
            not_ready = {a.ip for s in has for a in s.not_ready_addresses}  # RepackSubsets: not ready wins
            want = {f"addr:{a.ip}:{port.port}" for s in has for a in s.addresses if a.ip not in not_ready}
            got = {n for n in route_ends(g, [f"clusterip:default/db:{port.port}"]) if n.startswith("addr:")}
            assert got == want
        # the pods' addresses serve only on a bare store whose node is Ready: not flagged as gone
        assert not [p for p in unready_routes(state) if "which no pod has" in p]
