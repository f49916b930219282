"""NodeAffinity (full) and NodePorts against upstream's tables.

Sources (kubernetes/kubernetes): ``pkg/scheduler/framework/plugins/nodeaffinity/node_affinity_test.go``
(TestNodeAffinity, TestNodeAffinityPriority) and
``pkg/scheduler/framework/plugins/nodeports/node_ports_test.go`` (TestNodePorts, TestFits).
Cases about the scheduler profile's ``addedAffinity`` argument are not modelled (no profile sets it).
"""

from __future__ import annotations

import pytest
from schedtest import OK, SKIP, UU, U, node, node_affinity, pod, req, term

from kmodel.objects.affinity import PreferredSchedulingTerm
from kmodel.objects.workloads import Container, ContainerPort
from kmodel.scheduler.framework import CycleState, schedule_one
from kmodel.scheduler.plugins import NodeAffinity, NodePorts
from kmodel.scheduler.plugins.node_ports import fits_ports, get_container_ports
from schedtest import snapshot

NAME_IN = lambda *v: req("metadata.name", "In", *v)  # noqa: E731


def _na(name, p, labels, node_name="node1", want=OK, pre=OK, pre_names=None):
    return pytest.param(p, labels, node_name, want, pre, pre_names, id=f"TestNodeAffinity-{name}")


NODE_AFFINITY = [
    _na("missing labels", pod(selector={"foo": "bar"}), {}, want=UU),
    _na("same labels", pod(selector={"foo": "bar"}), {"foo": "bar"}),
    _na("node labels are superset", pod(selector={"foo": "bar"}), {"foo": "bar", "baz": "blah"}),
    _na("node labels are subset", pod(selector={"foo": "bar", "baz": "blah"}), {"foo": "bar"}, want=UU),
    _na("Pod with matchExpressions using In operator that matches the existing node",
        pod(affinity=node_affinity(term(req("foo", "In", "bar", "value2")))), {"foo": "bar"}),
    _na("Pod with matchExpressions using Gt operator that matches the existing node",
        pod(affinity=node_affinity(term(req("kernel-version", "Gt", "0204")))), {"kernel-version": "0206"}),
    _na("Pod with matchExpressions using NotIn operator that matches the existing node",
        pod(affinity=node_affinity(term(req("mem-type", "NotIn", "DDR", "DDR2")))), {"mem-type": "DDR3"}),
    _na("Pod with matchExpressions using Exists operator that matches the existing node",
        pod(affinity=node_affinity(term(req("GPU", "Exists")))), {"GPU": "NVIDIA-GRID-K1"}),
    _na("Pod with affinity that don't match node's labels won't schedule onto the node",
        pod(affinity=node_affinity(term(req("foo", "In", "value1", "value2")))), {"foo": "bar"}, want=UU),
    _na("Pod with empty MatchExpressions is not a valid value will match no objects",
        pod(affinity=node_affinity(term())), {"foo": "bar"}, want=UU),
    _na("Pod with no Affinity will schedule onto a node", pod(), {"foo": "bar"}, pre=SKIP),
    _na("Pod with Affinity but nil NodeSelector will schedule onto a node",
        pod(affinity=node_affinity(required=False)), {"foo": "bar"}, pre=SKIP),
    _na("Pod with multiple matchExpressions ANDed that matches the existing node",
        pod(affinity=node_affinity(term(req("GPU", "Exists"), req("GPU", "NotIn", "AMD", "INTER")))),
        {"GPU": "NVIDIA-GRID-K1"}),
    _na("Pod with multiple matchExpressions ANDed that doesn't match the existing node",
        pod(affinity=node_affinity(term(req("GPU", "Exists"), req("GPU", "In", "AMD", "INTER")))),
        {"GPU": "NVIDIA-GRID-K1"}, want=UU),
    _na("Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels",
        pod(affinity=node_affinity(term(req("foo", "In", "bar", "value2")), term(req("diffkey", "In", "wrong", "value2")))),
        {"foo": "bar"}),
    _na("Pod with an Affinity and a PodSpec.NodeSelector both are satisfied",
        pod(selector={"foo": "bar"}, affinity=node_affinity(term(req("foo", "Exists")))), {"foo": "bar"}),
    _na("Pod with an Affinity matches node's labels but the PodSpec.NodeSelector is not satisfied",
        pod(selector={"foo": "bar"}, affinity=node_affinity(term(req("foo", "Exists")))), {"foo": "barrrrrr"}, want=UU),
    _na("Pod with an invalid value in Affinity term won't be scheduled onto the node",
        pod(affinity=node_affinity(term(req("foo", "NotIn", "invalid value: ___@#$%^")))), {"foo": "bar"}, want=UU),
    _na("Pod with matchFields using In operator that matches the existing node",
        pod(affinity=node_affinity(term(fields=(NAME_IN("node1"),)))), {}, "node1", pre_names={"node1"}),
    _na("Pod with matchFields using In operator that does not match the existing node",
        pod(affinity=node_affinity(term(fields=(NAME_IN("node1"),)))), {}, "node2", want=UU, pre_names={"node1"}),
    _na("Pod with two terms: matchFields does not match, but matchExpressions matches",
        pod(affinity=node_affinity(term(fields=(NAME_IN("node1"),)), term(req("foo", "In", "bar")))),
        {"foo": "bar"}, "node2"),
    _na("Pod with one term: matchFields does not match, but matchExpressions matches",
        pod(affinity=node_affinity(term(req("foo", "In", "bar"), fields=(NAME_IN("node1"),)))),
        {"foo": "bar"}, "node2", want=UU, pre_names={"node1"}),
    _na("Pod with one term: both matchFields and matchExpressions match",
        pod(affinity=node_affinity(term(req("foo", "In", "bar"), fields=(NAME_IN("node1"),)))),
        {"foo": "bar"}, "node1", pre_names={"node1"}),
    _na("Pod with two terms: both matchFields and matchExpressions do not match",
        pod(affinity=node_affinity(term(fields=(NAME_IN("node1"),)), term(req("foo", "In", "not-match-to-bar")))),
        {"foo": "bar"}, "node2", want=UU),
    _na("Pod with two terms of node.Name affinity",
        pod(affinity=node_affinity(term(fields=(NAME_IN("node1"),)), term(fields=(NAME_IN("node2"),)))),
        {}, "node2", pre_names={"node1", "node2"}),
    _na("Pod with two conflicting mach field requirements",
        pod(affinity=node_affinity(term(fields=(NAME_IN("node1"), NAME_IN("node2"))))),
        {"foo": "bar"}, "node2", want=UU, pre=UU),
]


@pytest.mark.parametrize("p, labels, node_name, want, pre, pre_names", NODE_AFFINITY)
def test_node_affinity_filter(p, labels, node_name, want, pre, pre_names):
    plugin = NodeAffinity()
    snap = snapshot([node(node_name, labels)])
    cycle = CycleState()
    status, names = plugin.pre_filter(p, snap, cycle)
    assert status.code is pre
    assert names == (frozenset(pre_names) if pre_names else None)
    assert plugin.filter(p, snap[node_name], cycle).code is want
    # Filter gives the same answer without PreFilter ("... even if PreFilter is not called")
    assert plugin.filter(p, snap[node_name]).code is want


L1, L2, L3, L4, L5 = ({"foo": "bar"}, {"key": "value"}, {"az": "az1"}, {"abc": "az11", "def": "az22"},
                      {"foo": "bar", "key": "value", "az": "az1"})
AFF1 = (PreferredSchedulingTerm(2, term(req("foo", "In", "bar"))),)
AFF2 = (PreferredSchedulingTerm(2, term(req("foo", "In", "bar"))),
        PreferredSchedulingTerm(4, term(req("key", "In", "value"))),
        PreferredSchedulingTerm(5, term(req("foo", "In", "bar"), req("key", "In", "value"), req("az", "In", "az1"))))


@pytest.mark.parametrize("preferred, nodes, want", [
    pytest.param((), [("node1", L1), ("node2", L2), ("node3", L3)], {"node1": 0, "node2": 0, "node3": 0},
                 id="TestNodeAffinityPriority-all nodes are same priority as NodeAffinity is nil"),
    pytest.param(AFF1, [("node1", L4), ("node2", L2), ("node3", L3)], {"node1": 0, "node2": 0, "node3": 0},
                 id="TestNodeAffinityPriority-no node matches preferred scheduling requirements"),
    pytest.param(AFF1, [("node1", L1), ("node2", L2), ("node3", L3)], {"node1": 100, "node2": 0, "node3": 0},
                 id="TestNodeAffinityPriority-only node1 matches the preferred scheduling requirements of pod"),
    pytest.param(AFF2, [("node1", L1), ("node5", L5), ("node2", L2)], {"node1": 18, "node5": 100, "node2": 36},
                 id="TestNodeAffinityPriority-all nodes matches the preferred scheduling requirements but with different priorities"),
])
def test_node_affinity_score(preferred, nodes, want):
    plugin = NodeAffinity()
    p = pod(affinity=node_affinity(preferred=preferred, required=False)) if preferred else pod()
    snap = snapshot([node(n, labels) for n, labels in nodes])
    raw = {n: plugin.score(p, info) for n, info in snap.items()}
    assert plugin.normalize(raw) == want


def _port(spec):
    proto, ip, number = spec.split("/")
    return ContainerPort(int(number), protocol=proto, host_ip=ip, host_port=int(number))


def ported(*specs, on=""):
    return pod(ports=tuple(_port(s) for s in specs), node=on)


def _np(name, p, existing, want=OK, pre=OK):
    return pytest.param(p, existing, want, pre, id=f"TestNodePorts-{name}")


NODE_PORTS = [
    _np("skip filter", pod(), None, pre=SKIP),
    _np("other port", ported("UDP/127.0.0.1/8080"), ported("UDP/127.0.0.1/9090", on="m1")),
    _np("same udp port", ported("UDP/127.0.0.1/8080"), ported("UDP/127.0.0.1/8080", on="m1"), want=U),
    _np("same tcp port", ported("TCP/127.0.0.1/8080"), ported("TCP/127.0.0.1/8080", on="m1"), want=U),
    _np("different host ip", ported("TCP/127.0.0.1/8080"), ported("TCP/127.0.0.2/8080", on="m1")),
    _np("different protocol", ported("UDP/127.0.0.1/8080"), ported("TCP/127.0.0.1/8080", on="m1")),
    _np("second udp port conflict", ported("UDP/127.0.0.1/8000", "UDP/127.0.0.1/8080"),
        ported("UDP/127.0.0.1/8080", on="m1"), want=U),
    _np("first tcp port conflict", ported("TCP/127.0.0.1/8001", "UDP/127.0.0.1/8080"),
        ported("TCP/127.0.0.1/8001", "UDP/127.0.0.1/8081", on="m1"), want=U),
    _np("first tcp port conflict due to 0.0.0.0 hostIP", ported("TCP/0.0.0.0/8001"),
        ported("TCP/127.0.0.1/8001", on="m1"), want=U),
    _np("TCP hostPort conflict due to 0.0.0.0 hostIP", ported("TCP/10.0.10.10/8001", "TCP/0.0.0.0/8001"),
        ported("TCP/127.0.0.1/8001", on="m1"), want=U),
    _np("second tcp port conflict to 0.0.0.0 hostIP", ported("TCP/127.0.0.1/8001"),
        ported("TCP/0.0.0.0/8001", on="m1"), want=U),
    _np("second different protocol", ported("UDP/127.0.0.1/8001"), ported("TCP/0.0.0.0/8001", on="m1")),
    _np("UDP hostPort conflict due to 0.0.0.0 hostIP", ported("UDP/127.0.0.1/8001"),
        ported("TCP/0.0.0.0/8001", "UDP/0.0.0.0/8001", on="m1"), want=U),
    _np("non-sidecar initContainer using hostPort",
        pod(init=(Container("init", ports=(ContainerPort(8001, host_port=8001),)),)),
        ported("TCP/0.0.0.0/8001", on="m1"), pre=SKIP),
    _np("TCP hostPort conflict from sidecar initContainer",
        pod(init=(Container("side", ports=(ContainerPort(8001, host_port=8001),), restart_policy="Always"),)),
        ported("TCP/0.0.0.0/8001", on="m1"), want=U),
]


@pytest.mark.parametrize("p, existing, want, pre", NODE_PORTS)
def test_node_ports(p, existing, want, pre):
    plugin = NodePorts()
    snap = snapshot([node("m1")], [existing] if existing is not None else [])
    cycle = CycleState()
    status, _ = plugin.pre_filter(p, snap, cycle)
    assert status.code is pre
    if pre is OK:
        assert plugin.filter(p, snap["m1"], cycle).code is want


@pytest.mark.parametrize("wanted, existing, fits", [
    pytest.param(("TCP/127.0.0.1/80",), ("TCP/127.0.0.1/9090",), True, id="TestFits-non-conflicting ports"),
    pytest.param(("TCP/127.0.0.1/80", "TCP/127.0.1.1/80", "TCP/127.0.1.1/90", "TCP/127.0.1.1/100"),
                 ("TCP/127.0.0.1/9090", "TCP/127.0.0.1/9191", "TCP/127.0.1.1/8080"), True,
                 id="TestFits-multiple non-conflicting ports"),
    pytest.param(("TCP/127.0.0.1/80",), ("UDP/127.0.0.1/80",), True, id="TestFits-same ports on different protocols"),
    pytest.param(("TCP/127.0.0.1/80",), ("TCP/127.0.0.1/80",), False, id="TestFits-conflicting ports"),
    pytest.param(("TCP/127.0.0.1/80", "TCP/127.0.1.1/80", "TCP/127.0.1.1/90", "TCP/127.0.1.1/100"),
                 ("TCP/127.0.0.1/9090", "TCP/127.0.1.1/90", "TCP/127.0.1.1/8080"), False,
                 id="TestFits-multiple ports, some conflicting"),
])
def test_fits(wanted, existing, fits):
    snap = snapshot([node("p")], [ported(*existing, on="p")])
    assert fits_ports(get_container_ports(ported(*wanted)), snap["p"]) is fits


def test_node_ports_in_schedule_one_message():
    snap = snapshot([node("a", pods=10), node("b", pods=10)],
                    [ported("TCP/0.0.0.0/80", on="a"), ported("TCP/0.0.0.0/80", on="b")])
    r = schedule_one(ported("TCP/0.0.0.0/80"), snap)
    assert r.message(2) == "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports."
