"""The diagram model and its emitters: ids, merging, ghosts, sorting, DOT and Mermaid text."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from kmodel.errors import InvalidArgument
from kmodel.render.diagram import DiagramBuilder, ghost_id
from kmodel.render.dot import to_dot
from kmodel.render.mermaid import to_mermaid

GOLDEN = Path(__file__).parent / "golden"


def _sample() -> DiagramBuilder:
    b = DiagramBuilder("workload", "golden <sample> & \"quotes\"", rankdir="LR")
    b.cluster("cluster:ns=shop", "namespace shop", "namespace")
    b.cluster("cluster:ns=shop/app=web", "web", "app", parent="cluster:ns=shop", badges=("app",))
    b.node("Deployment/shop/web", "web", "Deployment", cluster="cluster:ns=shop/app=web", badges=("×3 replicas",))
    b.node("pods:shop/ReplicaSet/web-1/running", "pods ×3", "Pod", cluster="cluster:ns=shop/app=web",
           badges=("Running, ready",), count=3)
    b.node("Service/shop/web", "web", "Service", cluster="cluster:ns=shop/app=web", marks=("no-ready-endpoints",))
    b.node("Ingress/shop/shop", "shop", "Ingress", cluster="cluster:ns=shop")
    b.edge("Deployment/shop/web", "pods:shop/ReplicaSet/web-1/running", "×3", "owns")
    b.edge("Service/shop/web", "pods:shop/ReplicaSet/web-1/running", "app=web 80→http (8080)", "selects")
    b.edge("Ingress/shop/shop", "Service/shop/web", "/", "routes")
    b.ghost("Ingress/shop/shop", "Service", "shop", "api", label="/api", cluster="cluster:ns=shop",
            message="Ingress shop/shop: backend Service api does not exist")
    b.mark("Service/shop/web", "no-ready-endpoints", "Service shop/web has no ready endpoint")
    b.notes.append("a note")
    return b


def test_ghost_is_a_red_dashed_edge_to_a_missing_node():
    d = _sample().build()
    ghost = d.node("missing:Service/shop/api")
    assert ghost.kind == "ghost" and ghost.label == "missing: Service/api" and ghost.marks == ("missing",)
    edge = d.edge("Ingress/shop/shop", "missing:Service/shop/api")
    assert edge.marks == ("missing",) and edge.alert and edge.label == "/api"
    text = to_dot(d)
    assert '"Ingress/shop/shop" -> "missing:Service/shop/api" [color="#c62828", style=dashed' in text
    assert ghost_id("Node", "", "n1") == "missing:Node/n1"


def test_builder_merges_badges_and_marks_and_refuses_dangling_edges():
    b = DiagramBuilder("t", "t")
    b.node("a", "a", "Pod", badges=("x",))
    b.node("a", "ignored", "Service", badges=("y", "x"), marks=("not-ready",))
    assert b.build().node("a").badges == ("x", "y") and b.build().node("a").label == "a"
    with pytest.raises(InvalidArgument):
        b.edge("a", "nowhere")
    with pytest.raises(InvalidArgument):
        b.node("b", "b", "Pod", cluster="cluster:none")
    with pytest.raises(InvalidArgument):
        b.mark("nowhere", "missing")


def test_golden_dot_and_mermaid():
    """Byte-for-byte: guards determinism of the emitters (regenerate the files on purpose only)."""
    d = _sample().build()
    assert to_dot(d) == (GOLDEN / "sample.dot").read_text()
    assert to_mermaid(d) == (GOLDEN / "sample.mmd").read_text()


def test_labels_are_escaped_in_dot_and_mermaid():
    d = _sample().build()
    assert "golden &lt;sample&gt; &amp; &quot;quotes&quot;" in to_dot(d)
    b = DiagramBuilder("t", "t")
    b.node("Pod/a/b", 'say "hi" <now>', "Pod")
    assert '<b>say #quot;hi#quot; &lt;now&gt;</b>' in to_mermaid(b.build())


def test_mermaid_ids_are_words_and_unique():
    b = DiagramBuilder("t", "t")
    b.node("Pod/a/b-c", "x", "Pod")
    b.node("Pod/a-b/c", "y", "Pod")
    text = to_mermaid(b.build())
    assert 'Pod_a_b_c["' in text and 'Pod_a_b_c_1["' in text


_ops = st.lists(st.tuples(st.sampled_from(["n", "e"]), st.integers(0, 6), st.integers(0, 6),
                          st.sampled_from(["", "x", "y"])), max_size=25)


@settings(max_examples=60, deadline=None)
@given(_ops, st.randoms(use_true_random=False))
def test_dot_does_not_depend_on_the_order_things_were_added(ops, rnd):
    """The same nodes, edges and marks added in any order give the same DOT text."""
    nodes = sorted({f"Pod/ns/p{i}" for op, i, j, _ in ops for i in (i, j)})
    edges = [(f"Pod/ns/p{i}", f"Pod/ns/p{j}", lab) for op, i, j, lab in ops if op == "e"]

    def build(order_nodes, order_edges):
        b = DiagramBuilder("t", "t")
        for n in order_nodes:
            b.node(n, n.rsplit("/", 1)[1], "Pod", marks=("not-ready",) if n.endswith("3") else ())
        for s, t, lab in order_edges:
            b.edge(s, t, lab, "owns")
        return to_dot(b.build())

    shuffled_nodes, shuffled_edges = list(nodes), list(edges)
    rnd.shuffle(shuffled_nodes)
    rnd.shuffle(shuffled_edges)
    assert build(nodes, edges) == build(shuffled_nodes, shuffled_edges)
