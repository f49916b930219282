"""--view traffic, drawn from a hand-built traffic-flow graph (the documented interface)."""

from __future__ import annotations

import networkx as nx
import pytest

from kmodel.errors import KmodelError
from kmodel.render.traffic import flow_graph, traffic


def _graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_node("client", type="client", label="clients")
    g.add_node("alb", type="loadbalancer", label="ALB shop")
    for n in ("a", "b"):
        g.add_node(f"np:{n}", type="node:nodeport", label=f"worker-{n}:30080")
    g.add_node("svc", type="service", label="Service shop/web", namespace="shop", externalTrafficPolicy="Local")
    g.add_node("ep1", type="endpoint", ready=True, namespace="shop")
    g.add_node("ep2", type="endpoint", ready=False, serving=True, terminating=True, namespace="shop")
    g.add_node("pod1", type="pod:port", label="web-1:8080", namespace="shop")
    g.add_node("pod2", type="pod:port", label="web-2:8080", namespace="shop")
    g.add_edge("client", "alb")
    g.add_edge("alb", "np:a", share=0.5)
    g.add_edge("alb", "np:b", share=0.5)
    g.add_edge("np:a", "svc", share=1.0, policy="Local")
    g.add_edge("np:b", "svc", dropped=True, reason="no local endpoint")
    g.add_edge("svc", "ep1", share=1.0, port=8080)
    g.add_edge("svc", "ep2", share=0.0)
    g.add_edge("ep1", "pod1")
    g.add_edge("ep2", "pod2")
    return g


def test_columns_shares_and_marks():
    d = traffic(_graph())
    assert d.rankdir == "LR"
    assert d.node("np:a").kind == "nodeport" and d.node("svc").kind == "Service"
    assert d.edge("alb", "np:a").label == "50%"
    assert d.edge("np:a", "svc").label == "100% Local"
    assert d.edge("np:b", "svc").marks == ("dropped",) and "dropped: no local endpoint" in d.edge("np:b", "svc").label
    assert d.edge("svc", "ep1").label == "100% :8080"
    assert d.node("ep2").marks == ("terminating",)
    assert "100% of Service shop/web" in d.node("pod1").badges  # the label given wins: "Service shop/web"
    assert "0% of Service shop/web" in d.node("pod2").badges
    assert d.ancestors("svc") == ["cluster:ns=shop"]
    assert ("client",) not in d.same_rank and ("np:a", "np:b") in d.same_rank


def test_service_without_ready_endpoint_is_marked():
    g = _graph()
    g.nodes["ep1"]["ready"] = False
    d = traffic(g)
    assert d.marked("no-ready-endpoints") == ["svc"]


def test_flow_graph_says_when_the_traffic_model_is_missing(monkeypatch):
    import sys

    import kmodel

    monkeypatch.setitem(sys.modules, "kmodel.traffic", None)
    monkeypatch.delattr(kmodel, "traffic", raising=False)
    with pytest.raises(KmodelError, match="traffic-flow graph"):
        flow_graph(None)


def test_the_real_traffic_graph_of_a_spec():
    """kmodel.traffic's graph of a settled spec: ALB rule -> target group -> endpoints -> pods."""
    from pathlib import Path

    from kmodel.render.inputs import load_inputs

    root = Path(__file__).resolve().parents[2]
    inputs = load_inputs([str(root / "specs/alb-ip-target-prestop")], settle_state=True)
    d = traffic(flow_graph(inputs.state))
    kinds = {n.kind for n in d.nodes}
    assert {"client", "loadbalancer", "lbpart", "Service", "endpoint", "Pod"} <= kinds
    pods = [n for n in d.nodes if n.kind == "Pod"]
    assert pods and all(any(b.endswith("%") is False and "% of " in b for b in p.badges) for p in pods)


# -- the share each node and each endpoint receives (externalTrafficPolicy) -------------------------

_THREE_NODES = "".join(f"""
---
apiVersion: v1
kind: Node
metadata: {{name: {n}, labels: {{kubernetes.io/hostname: {n}}}}}
status: {{allocatable: {{cpu: "2", memory: 4Gi, pods: "10"}}}}
""" for n in ("n1", "n2", "n3"))
_PODS = "".join(f"""
---
apiVersion: v1
kind: Pod
metadata: {{name: {p}, labels: {{app: web}}}}
spec:
  nodeName: {n}
  containers: [{{name: web, image: nginx, ports: [{{name: http, containerPort: 8080}}]}}]
""" for p, n in (("a", "n1"), ("b", "n2"), ("c", "n2")))


def _service(kind: str, policy: str) -> str:
    return f"""
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  type: {kind}
  externalTrafficPolicy: {policy}
  selector: {{app: web}}
  ports: [{{name: http, port: 80, targetPort: http, nodePort: 30080}}]
"""


#: (case id, Service type, externalTrafficPolicy, share per node, share per pod, share dropped).
#: Pods a on n1, b and c on n2, none on n3. Upstream's kube-proxy tests check the rules that give
#: these shares: only local endpoints under Local (TestOnlyLocalLoadBalancing,
#: TestOnlyLocalNodePorts in pkg/proxy/iptables/proxier_test.go), every endpoint under Cluster
#: (TestLoadBalancer, TestNodePorts there).
SHARE_CASES = [
    ("TestOnlyLocalLoadBalancing/LoadBalancer Local: the nodes with a local endpoint, then their own pods",
     "LoadBalancer", "Local", {"n1": "50%", "n2": "50%", "n3": "0%"}, {"a": "50%", "b": "25%", "c": "25%"}, None),
    ("TestLoadBalancer/LoadBalancer Cluster: every node, then every endpoint",
     "LoadBalancer", "Cluster", {"n1": "33.3%", "n2": "33.3%", "n3": "33.3%"},
     {"a": "33.3%", "b": "33.3%", "c": "33.3%"}, None),
    ("TestOnlyLocalNodePorts/NodePort Local: a client on a node without a local endpoint is dropped",
     "NodePort", "Local", {"n1": "33.3%", "n2": "33.3%", "n3": "33.3%"},
     {"a": "33.3%", "b": "16.7%", "c": "16.7%"}, "33.3%"),
    ("TestNodePorts/NodePort Cluster: every endpoint from every node",
     "NodePort", "Cluster", {"n1": "33.3%", "n2": "33.3%", "n3": "33.3%"},
     {"a": "33.3%", "b": "33.3%", "c": "33.3%"}, None),
]


@pytest.mark.parametrize("kind,policy,nodes,pods,dropped", [c[1:] for c in SHARE_CASES],
                         ids=[c[0] for c in SHARE_CASES])
def test_share_each_node_and_endpoint_receives(manifests, kind, policy, nodes, pods, dropped):
    from kmodel.render.inputs import load_inputs

    folder = manifests(_THREE_NODES + _PODS + _service(kind, policy))
    d = traffic(flow_graph(load_inputs([folder], settle_state=True).state))
    entry = ("load balancer default/web" if kind == "LoadBalancer" else "NodePort default/web:30080") \
        + f" (externalTrafficPolicy {policy})"
    for node, share in nodes.items():  # each machine's box says what it receives
        assert f"receives {share} of {entry}" in d.cluster(f"cluster:node={node}").badges
    by_pod = {n.label.split("/")[-1]: n for n in d.nodes_of("Pod")}
    for pod, share in pods.items():
        assert f"{share} of {entry}" in by_pod[pod].badges
        (ep,) = [n for n in d.nodes_of("endpoint") if d.edge(n.id, by_pod[pod].id)]
        assert f"{share} of {entry}" in ep.badges and any(b.startswith("on n") for b in ep.badges)
    (line,) = [n for n in d.notes if n.startswith(f"share of {entry}")]
    assert "nodes " + ", ".join(f"{k} {v}" for k, v in sorted(nodes.items())) in line
    assert (f"{dropped} dropped or refused" in line) if dropped else "dropped" not in line
    if dropped:
        assert f"{dropped} of {entry}" in d.node("drop").badges


def test_shares_are_exact_fractions_of_the_hops():
    """Property: an entry's shares into endpoints and sinks add up to 100% (nothing is lost or
    made up between hops), whatever the pods' placement."""
    from hypothesis import given, settings, strategies as st

    from kmodel.render.traffic import _entries

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.sampled_from(["n1", "n2", "n3"]), min_size=0, max_size=5), st.sampled_from(["Local", "Cluster"]))
    def check(placement, policy):
        g = nx.DiGraph()
        g.add_node("client:internet", kind="client")
        eps = [(f"addr:10.0.0.{i}:80", node) for i, node in enumerate(placement)]
        for ep, node in eps:
            g.add_node(ep, kind="endpoint")
        for node in ("n1", "n2", "n3"):
            np = f"nodeport:{node}:30080"
            g.add_node(np, kind="node-port", node=node, service="Service/d/web", port=30080, policy=policy)
            g.add_edge("client:internet", np, share=1)
            usable = [ep for ep, n in eps if policy == "Cluster" or n == node]
            if not usable:
                g.add_node("drop", kind="sink")
                g.add_edge(np, "drop", share=1)
            for ep in usable:
                g.add_edge(np, ep, share=1 / len(usable))
        (entry,) = [e for e in _entries(g, list(nx.topological_sort(g))) if e[0].startswith("NodePort")]
        ends = sum(s for n, s in entry[2].items() if g.nodes[n]["kind"] in ("endpoint", "sink"))
        assert abs(ends - 1) < 1e-9

    check()
