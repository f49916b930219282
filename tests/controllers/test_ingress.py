"""The ALB ingress controller (group loading, rule ordering, path patterns, the deployed stack)
and the TargetGroupBinding reconciler, against the AWS Load Balancer Controller's own tests.

Upstream files (``kubernetes-sigs/aws-load-balancer-controller`` v2.17):

* ``pkg/ingress/model_build_listener_rules_test.go``: Test_defaultModelBuildTask_sortIngressPath,
  Test_defaultModelBuildTask_buildPathPatterns, ..._buildPathPatternsForExactPathType,
  ..._buildPathPatternsForPrefixPathType, ..._buildImplementationSpecificPathPatterns;
* ``pkg/ingress/group_loader_test.go``: Test_defaultGroupLoader_sortGroupMembers, Test_validateGroupName;
* ``pkg/backend/endpoint_utils_test.go``: TestIsNodeSuitableAsTrafficProxy;
* ``pkg/backend/endpoint_resolver_test.go``: Test_defaultEndpointResolver_ResolvePodEndpoints,
  Test_defaultEndpointResolver_ResolveNodePortEndpoints (rewritten on cluster states).
"""

from __future__ import annotations

import pytest

from kmodel.api import Create, apply, apply_all
from kmodel.controllers import ingress as alb
from kmodel.controllers import targetgroupbinding as tgbc
from kmodel.controllers.endpointslice import reconcile as slice_sync
from kmodel.objects.elbv2 import instance_id
from kmodel.objects.meta import Namespace, ObjectMeta, ObjectRef, labels_of, replace
from kmodel.objects.networking import (
    HTTPIngressPath,
    Ingress,
    IngressBackend,
    IngressClass,
    IngressRule,
    IngressServiceBackend,
    IngressSpec,
    Service,
    ServicePort,
    ServiceSpec,
)
from kmodel.objects.nodes import Node, NodeCondition, NodeSpec, NodeStatus, Taint
from kmodel.objects.workloads import Container, ContainerPort, Pod, PodCondition, PodSpec, PodStatus
from kmodel.state import ClusterState

B = IngressBackend(IngressServiceBackend("web", 80))


def p(path: str, kind: str) -> HTTPIngressPath:
    return HTTPIngressPath(path, kind, B)


SORT = [
    ("Exact path only", [p("", "Exact")], [""]),
    ("Prefix path only", [p("/abc", "Prefix"), p("/example", "Prefix"), p("/tea", "Prefix")],
     ["/example", "/abc", "/tea"]),
    ("ImplementationSpecific path only", [p("", "ImplementationSpecific"), p("/a", "ImplementationSpecific"),
                                          p("/test", "ImplementationSpecific")], ["", "/a", "/test"]),
    ("Exact and prefix paths", [p("/abc", "Prefix"), p("/aaa", "Exact"), p("/aaa/bbb", "Prefix"),
                                p("/abc/abc/abc", "Prefix")], ["/aaa", "/abc/abc/abc", "/aaa/bbb", "/abc"]),
    ("Prefix and ImplementationSpecific paths", [p("/b", "ImplementationSpecific"), p("/ccc", "ImplementationSpecific"),
                                                 p("/aaa", "Prefix"), p("/example", "Prefix")],
     ["/example", "/aaa", "/b", "/ccc"]),
    ("All three types", [p("/b", "ImplementationSpecific"), p("/ccc", "ImplementationSpecific"), p("/aaa", "Prefix"),
                         p("/example", "Prefix"), p("/test", "Exact")], ["/test", "/example", "/aaa", "/b", "/ccc"]),
]


@pytest.mark.parametrize("paths,want", [c[1:] for c in SORT],
                         ids=[f"Test_defaultModelBuildTask_sortIngressPath/{c[0]}" for c in SORT])
def test_sort_ingress_paths(paths, want):
    assert [x.path for x in alb.sort_ingress_paths(paths)] == want


PATTERNS = [
    ("buildPathPatterns", "/* with empty pathType", "/*", "", ["/*"]),
    ("buildPathPatterns", "/* with implementationSpecific pathType", "/*", "ImplementationSpecific", ["/*"]),
    ("buildPathPatterns", "/* with exact pathType", "/*", "Exact", "exact path shouldn't contain wildcards: /*"),
    ("buildPathPatterns", "/* with prefix pathType", "/*", "Prefix", "prefix path shouldn't contain wildcards: /*"),
    ("buildPathPatterns", "/abc/ with empty pathType", "/abc/", "", ["/abc/"]),
    ("buildPathPatterns", "/abc/ with implementationSpecific pathType", "/abc/", "ImplementationSpecific", ["/abc/"]),
    ("buildPathPatterns", "/abc/ with exact pathType", "/abc/", "Exact", ["/abc/"]),
    ("buildPathPatterns", "/abc/ with prefix pathType", "/abc/", "Prefix", ["/abc", "/abc/*"]),
    ("buildPathPatterns", "/abc/ with unknown pathType", "/abc/", "unknown", "unsupported pathType: unknown"),
    ("buildPathPatternsForExactPathType", "/ with exact pathType", "/", "Exact", ["/"]),
    ("buildPathPatternsForExactPathType", "/abc with exact pathType", "/abc", "Exact", ["/abc"]),
    ("buildPathPatternsForExactPathType", "/abc/def/ with exact pathType", "/abc/def/", "Exact", ["/abc/def/"]),
    ("buildPathPatternsForExactPathType", "/? with exact pathType", "/?", "Exact",
     "exact path shouldn't contain wildcards: /?"),
    ("buildPathPatternsForPrefixPathType", "/ with prefix pathType", "/", "Prefix", ["/*"]),
    ("buildPathPatternsForPrefixPathType", "/abc with prefix pathType", "/abc", "Prefix", ["/abc", "/abc/*"]),
    ("buildPathPatternsForPrefixPathType", "/abc/def with prefix pathType", "/abc/def", "Prefix",
     ["/abc/def", "/abc/def/*"]),
    ("buildPathPatternsForPrefixPathType", "/abc/def/ with prefix pathType", "/abc/def/", "Prefix",
     ["/abc/def", "/abc/def/*"]),
    ("buildPathPatternsForPrefixPathType", "/? with prefix pathType", "/?", "Prefix",
     "prefix path shouldn't contain wildcards: /?"),
    ("buildImplementationSpecificPathPatterns", "/abc/def/ with implementationSpecific Values pathType", "/abc/def/",
     "ImplementationSpecific", ["/abc/def/"]),
    ("buildImplementationSpecificPathPatterns", "/? with implementationSpecific Values pathType", "/?",
     "ImplementationSpecific", ["/?"]),
]


@pytest.mark.parametrize("path,kind,want", [c[2:] for c in PATTERNS],
                         ids=[f"Test_defaultModelBuildTask_{c[0]}/{c[1]}" for c in PATTERNS])
def test_build_path_patterns(path, kind, want):
    if isinstance(want, str):
        with pytest.raises(alb.BuildError, match=want.replace("*", r"\*").replace("?", r"\?")):
            alb.build_path_patterns(path, kind)
    else:
        assert alb.build_path_patterns(path, kind) == want


def ing(name: str, order: str | None = None, ns: str = "namespace", **annotations) -> Ingress:
    ann = dict(annotations)
    if order is not None:
        ann[alb.GROUP_ORDER] = order
    return Ingress(ObjectMeta(name, ns, annotations=labels_of(ann)), IngressSpec())


MEMBERS = [
    ("sort implicitly sorted Ingresses", [ing("ingress-c"), ing("ingress-b"), ing("ingress-a")],
     ["ingress-a", "ingress-b", "ingress-c"]),
    ("sort explicitly sorted Ingresses", [ing("ingress-a", "3"), ing("ingress-b", "2"), ing("ingress-c", "1")],
     ["ingress-c", "ingress-b", "ingress-a"]),
    ("sort explicitly & implicitly sorted Ingresses", [ing("ingress-a", "1"), ing("ingress-b"), ing("ingress-c")],
     ["ingress-b", "ingress-c", "ingress-a"]),
    ("sort single Ingress", [ing("ingress")], ["ingress"]),
    ("invalid group order format", [ing("ingress", "x")], "failed to load Ingress group order"),
    ("two ingress with the same order should be sorted lexically", [ing("ingress-b", "42"), ing("ingress-a", "42")],
     ["ingress-a", "ingress-b"]),
    ("negative orders are allow", [ing("ingress-b", "0"), ing("ingress-a", "-1")], ["ingress-a", "ingress-b"]),
    ("order out of range", [ing("ingress", "1001")], r"must be within \[-1000:1000\]"),
]


@pytest.mark.parametrize("members,want", [c[1:] for c in MEMBERS],
                         ids=[f"Test_defaultGroupLoader_sortGroupMembers/{c[0]}" for c in MEMBERS])
def test_sort_group_members(members, want):
    if isinstance(want, str):
        with pytest.raises(alb.BuildError, match=want):
            alb.sort_group_members(members)
    else:
        assert [m.name for m in alb.sort_group_members(members)] == want


GROUP_NAMES = [
    ("pure lower case letters", "group", True), ("pure numbers", "42", True),
    ("lower case letters and numbers", "m00nf1sh", True), ("lower case letters and numbers and dash", "group-m00nf1sh", True),
    ("upper case letters", "GROUP", False), ("all possible character sets", "aaaa-.cc-c.c", True),
    ("starting with dash", "-abcdef", False), ("63 character length", "a" * 63, True),
    ("64 character length", "a" * 64, False),
]


@pytest.mark.parametrize("name,ok", [c[1:] for c in GROUP_NAMES],
                         ids=[f"Test_validateGroupName/{c[0]}" for c in GROUP_NAMES])
def test_validate_group_name(name, ok):
    assert (alb.validate_group_name(name) is None) is ok


def _node(name: str, ready: str = "True", taints=(), labels=None) -> Node:
    return Node(ObjectMeta(name, labels=labels_of(labels or {})), NodeSpec(taints=tuple(taints)),
                NodeStatus(conditions=(NodeCondition("Ready", ready),)))


@pytest.mark.parametrize("taints,want", [((), True), ((Taint("ToBeDeletedByClusterAutoscaler", "NoSchedule"),), False),
                                         ((Taint("karpenter.sh/disrupted", "NoSchedule"),), False)],
                         ids=["TestIsNodeSuitableAsTrafficProxy/node is ready and suitable for traffic",
                              "TestIsNodeSuitableAsTrafficProxy/node is ready but tainted with ToBeDeletedByClusterAutoscaler",
                              "TestIsNodeSuitableAsTrafficProxy/node is ready but tainted with karpenter.sh/disrupted"])
def test_is_node_suitable_as_traffic_proxy(taints, want):
    assert tgbc.is_node_suitable_as_traffic_proxy(_node("a", taints=taints)) is want


# --- the controller on cluster states ---------------------------------------------------------


def _pod(name: str, ip: str, node: str, ready: bool = True, terminating: bool = False) -> Pod:
    cond = (PodCondition("ContainersReady", "True" if ready else "False"), PodCondition("Ready", "True" if ready else "False"))
    return Pod(ObjectMeta(name, "default", labels=(("app", "web"),), deleting=terminating),
               PodSpec((Container("web", ports=(ContainerPort(8080, "http"),)),), node_name=node),
               PodStatus("Running", cond, pod_ip=ip))


def cluster(*objs, nodes=(("node-a", "True"), ("node-b", "True")), svc_type="NodePort", target_type="ip") -> ClusterState:
    s = ClusterState.empty()
    base = [Namespace(ObjectMeta("default"))] + [_node(n, r) for n, r in nodes] + [
        IngressClass(ObjectMeta("alb"), alb.CONTROLLER),
        Service(ObjectMeta("web", "default", annotations=((alb.TARGET_TYPE, target_type),)),
                ServiceSpec((("app", "web"),), (ServicePort(80, "http", target_port="http"),), type=svc_type))]
    for o in base:
        s, r = apply(s, Create(o))
        assert r.ok, r
    for o in objs:
        if isinstance(o, Ingress):
            s, r = apply(s, Create(o))
            assert r.ok, r
        else:
            s = s.with_(o)
    s, _ = apply_all(s, slice_sync(s, ObjectRef("Service", "default", "web")))
    return s


def web_ingress(name: str = "web", group: str | None = None, order: str | None = None, paths=("/",),
                port: int | str = 80, **annotations) -> Ingress:
    ann = dict(annotations)
    if group:
        ann[alb.GROUP_NAME] = group
    if order:
        ann[alb.GROUP_ORDER] = order
    backend = IngressBackend(IngressServiceBackend("web", port if isinstance(port, int) else 0,
                                                   port if isinstance(port, str) else ""))
    rules = (IngressRule("", tuple(HTTPIngressPath(x, "Prefix", backend) for x in paths)),)
    return Ingress(ObjectMeta(name, "default", annotations=labels_of(ann)), IngressSpec("alb", None, rules))


def deploy(state: ClusterState, key: ObjectRef) -> ClusterState:
    state, resp = apply_all(state, alb.reconcile(state, key))
    assert all(r.ok for r in resp), resp
    return state


def test_group_rules_follow_member_order_then_path_order():
    a = web_ingress("a", group="shop", order="2", paths=("/a", "/aa/bb"))
    b = web_ingress("b", group="shop", order="1", paths=("/b",))
    state = cluster(a, b)
    key = ObjectRef("IngressGroup", "", "shop")
    assert alb.keys(state) == [key]
    state = deploy(state, key)
    (lb,) = state.list("AWSLoadBalancer")
    (listener,) = lb.listeners
    assert [(r.priority, r.paths, r.ingress) for r in listener.rules] == [
        (1, ("/b", "/b/*"), "default/b"), (2, ("/aa/bb", "/aa/bb/*"), "default/a"), (3, ("/a", "/a/*"), "default/a")]
    assert listener.default_action.type == "fixed-response" and listener.default_action.status_code == 404
    assert len(state.list("AWSTargetGroup")) == 2 and len(state.list("TargetGroupBinding")) == 2  # one per Ingress
    assert all(i.status.load_balancer_ingress == (lb.dns_name,) for i in state.list("Ingress"))
    assert alb.reconcile(state, key) == ()  # deployed: idle


def test_a_missing_service_port_blocks_the_whole_group_and_an_empty_group_is_cleaned_up():
    good = web_ingress("good", group="shop")
    state = deploy(cluster(good), ObjectRef("IngressGroup", "", "shop"))
    broken = web_ingress("broken", group="shop", port=8080)
    state, _ = apply(state, Create(broken))
    assert alb.reconcile(state, ObjectRef("IngressGroup", "", "shop")) == ()  # cannot build: nothing changes
    state = state.without(broken.ref).without(good.ref)
    state = deploy(state, ObjectRef("IngressGroup", "", "shop"))
    assert not state.list("AWSLoadBalancer") and not state.list("AWSTargetGroup") and not state.list("TargetGroupBinding")


def test_ingress_class_selection():
    other = replace(web_ingress("x"), spec=replace(web_ingress("x").spec, ingress_class_name="nginx"))
    annotated = Ingress(ObjectMeta("y", "default", annotations=((alb.INGRESS_CLASS_ANNOTATION, "alb"),)),
                        web_ingress("y").spec)
    state = cluster(other, annotated)
    assert alb.keys(state) == [ObjectRef("IngressGroup", "default", "y")]


def _tgb_state(pods, nodes=(("node-a", "True"), ("node-b", "True")), target_type="ip", svc_type="NodePort"):
    state = cluster(web_ingress(), *pods, nodes=nodes, target_type=target_type, svc_type=svc_type)
    state = deploy(state, ObjectRef("IngressGroup", "default", "web"))
    (tgb,) = state.list("TargetGroupBinding")
    return state, tgb


def test_resolve_pod_endpoints_ready_pods_only():
    """Test_defaultEndpointResolver_ResolvePodEndpoints/[with endpointSlices][with failOpen] choose
    every ready pod only when there are ready pods."""
    state, tgb = _tgb_state([_pod("a", "192.168.0.1", "node-a"), _pod("b", "192.168.0.2", "node-b", ready=False)])
    assert tgbc.resolve_pod_endpoints(state, tgb) == [("192.168.0.1", 8080)]


def test_resolve_pod_endpoints_unknown_nodes_when_no_ready_pod():
    """...[with endpointSlices][with failOpen] choose every unknown pod when there are no ready pods:
    a not-ready endpoint whose containers are ready, on a node whose Ready is Unknown."""
    pod = _pod("a", "192.168.0.1", "node-a", ready=False)
    pod = replace(pod, status=replace(pod.status, conditions=(PodCondition("ContainersReady", "True"),
                                                              PodCondition("Ready", "False"))))
    state, tgb = _tgb_state([pod], nodes=(("node-a", "Unknown"),))
    assert tgbc.resolve_pod_endpoints(state, tgb) == [("192.168.0.1", 8080)]


def test_resolve_node_port_endpoints():
    """Test_defaultEndpointResolver_ResolveNodePortEndpoints: ready nodes, else (fail-open)
    Unknown ones; a ClusterIP Service is an error (nothing registered, retried)."""
    state, tgb = _tgb_state([], nodes=(("node-a", "True"), ("node-b", "Unknown")), target_type="instance")
    port = state.get(ObjectRef("Service", "default", "web")).spec.ports[0].node_port
    assert tgbc.resolve_node_port_endpoints(state, tgb) == [(instance_id("node-a"), port)]
    state2, tgb2 = _tgb_state([], nodes=(("node-a", "Unknown"),), target_type="instance")
    assert [t for t, _ in tgbc.resolve_node_port_endpoints(state2, tgb2)] == [instance_id("node-a")]


def test_service_not_found_deregisters_everything():
    state, tgb = _tgb_state([_pod("a", "192.168.0.1", "node-a")])
    state, _ = apply_all(state, tgbc.reconcile(state, tgb.ref))
    assert [t.id for t in state.list("AWSTargetGroup")[0].targets] == ["192.168.0.1"]
    state = state.without(ObjectRef("Service", "default", "web"))
    state, _ = apply_all(state, tgbc.reconcile(state, tgb.ref))
    assert state.list("AWSTargetGroup")[0].targets == ()


def test_an_ingress_edit_interleaves_with_the_controllers(tmp_path):
    """``kubectl apply`` of a fixed Ingress (a scenario event) interleaves with the controllers:
    some behaviour reaches an ALB whose target group registers the pod."""
    import shutil
    from pathlib import Path

    import kmodel
    from kmodel.model import sometimes

    root = Path(__file__).resolve().parents[2] / "specs" / "ingress-missing-service-port"
    shutil.copy(root / "cluster.yaml", tmp_path / "cluster.yaml")
    text = (root / "cluster.yaml").read_text()
    fixed = text[text.index("apiVersion: networking.k8s.io/v1\nkind: Ingress\n"):]
    (tmp_path / "ingress-v2.yml.txt").write_text(fixed.replace("{number: 8080}}", "{number: 80}}"))
    (tmp_path / "scenario.yaml").write_text(
        (root / "scenario.yaml").read_text().split("  properties:")[0]
        + "  events:\n    - apply: {file: ingress-v2.yml.txt}\n  properties: [ingress-routes]\n")
    spec = kmodel.load_spec([str(tmp_path)])

    def served(world):
        return any(t.health == "healthy" for tg in world.cluster.list("AWSTargetGroup") for t in tg.targets)

    from kmodel.cluster import ClusterModel

    model = ClusterModel(spec.model.initial.cluster, controllers=spec.model.controllers, events=spec.model.events,
                         properties=[sometimes("alb-serves", served)])
    result = model.checker().progress(False).bfs()
    assert result.properties["alb-serves"].verdict == "holds"
