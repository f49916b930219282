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
