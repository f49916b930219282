"""Mermaid flowchart text for a :class:`~kmodel.render.diagram.Diagram` (for Markdown pages).

Clusters become nested ``subgraph`` blocks, nodes ``id["label"]`` with ``<br/>`` line breaks,
edges ``-->`` (``-.->`` for dashed kinds and alerts) with their label; styles are ``classDef``
classes per node kind plus ``alert`` and ``ghost``, and ``linkStyle`` colours alert edges red.
Mermaid ids must be plain words: each id is reduced to ``[A-Za-z0-9_]`` and, where two reduce
alike, numbered in sorted order, so the text is deterministic.

Examples
--------
>>> from kmodel.render.diagram import DiagramBuilder
>>> b = DiagramBuilder("demo", "demo")
>>> b.node("Ingress/shop/web", "web", "Ingress")
>>> _ = b.ghost("Ingress/shop/web", "Service", "shop", "api", label="/api")
>>> print(to_mermaid(b.build()), end="")  # doctest: +ELLIPSIS
%% demo
flowchart TB
  Ingress_shop_web["<small>Ingress</small><br/><b>web</b>"]
  missing_Service_shop_api["missing: Service/api<br/><small>namespace shop</small>"]
  Ingress_shop_web -.->|"/api"| missing_Service_shop_api
...
"""

from __future__ import annotations

import re

from kmodel.render.diagram import Cluster, Diagram, Node
from kmodel.render.dot import MARK_TEXT
from kmodel.render.style import CAPTIONS, RED, cluster_style, edge_style, node_style

__all__ = ["to_mermaid"]

_WORD = re.compile(r"[^A-Za-z0-9_]+")


def _text(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "#quot;").replace("<", "&lt;").replace(">", "&gt;")


def _ids(diagram: Diagram) -> dict[str, str]:
    raw = [n.id for n in diagram.nodes] + ["cluster_" + c.id for c in diagram.clusters]
    out: dict[str, str] = {}
    used: dict[str, int] = {}
    for ident in sorted(raw):
        base = _WORD.sub("_", ident).strip("_") or "n"
        if base[0].isdigit():
            base = "n" + base
        n = used.get(base, 0)
        used[base] = n + 1
        out[ident] = base if n == 0 else f"{base}_{n}"
    return out


def _label(node: Node) -> str:
    parts = []
    if node.kind in CAPTIONS:
        parts.append(f"<small>{_text(node.kind)}</small>")
    parts.append(_text(node.label) if node.kind in ("ghost", "state") else f"<b>{_text(node.label)}</b>")
    parts += [f"<small>{_text(b)}</small>" for b in node.badges]
    parts += [f"<small>{_text(MARK_TEXT[m])}</small>" for m in node.marks if m in MARK_TEXT]
    parts += [f"<small>{_text(d)}</small>" for d in node.detail]
    return "<br/>".join(parts)


def to_mermaid(diagram: Diagram) -> str:
    """The Mermaid ``flowchart`` text of ``diagram``."""
    ids = _ids(diagram)
    direction = diagram.rankdir if diagram.rankdir in ("TB", "LR", "BT", "RL") else "TB"
    out = [f"%% {diagram.title}", f"flowchart {direction}"]
    children: dict[str, list[Cluster]] = {}
    for c in diagram.clusters:
        children.setdefault(c.parent, []).append(c)
    members: dict[str, list[Node]] = {}
    for n in diagram.nodes:
        members.setdefault(n.cluster, []).append(n)

    def emit(parent: str, depth: int) -> None:
        indent = "  " * depth
        for c in children.get(parent, []):
            out.append(f'{indent}subgraph {ids["cluster_" + c.id]}["{_text(c.label)}"]')
            emit(c.id, depth + 1)
            out.append(f"{indent}end")
        for n in members.get(parent, []):
            out.append(f'{indent}{ids[n.id]}["{_label(n)}"]')

    emit("", 1)
    alert_links = []
    for i, e in enumerate(diagram.edges):
        _, style, _ = edge_style(e.kind, e.alert)
        arrow = "~~~" if style == "invis" else "-.->" if style in ("dashed", "dotted") else "-->"
        label = f'|"{_text(e.label)}"|' if e.label else ""
        out.append(f"  {ids[e.src]} {arrow}{label} {ids[e.dst]}")
        if e.alert:
            alert_links.append(str(i))
    classes: dict[str, list[str]] = {}
    for n in diagram.nodes:
        cls = "ghost" if n.kind == "ghost" else ("alert" if n.alert else _WORD.sub("_", n.kind))
        classes.setdefault(cls, []).append(ids[n.id])
    for cls in sorted(classes):
        if cls == "ghost":
            out.append(f"  classDef ghost fill:#ffffff,stroke:{RED},stroke-dasharray:4 3,color:{RED}")
        elif cls == "alert":
            out.append(f"  classDef alert fill:#ffe0e0,stroke:{RED},stroke-width:2px")
        else:
            kind = next(n.kind for n in diagram.nodes if _WORD.sub("_", n.kind) == cls and not n.alert)
            st = node_style(kind, (), False)
            out.append(f"  classDef {cls} fill:{st.fill},stroke:{st.border}")
        out.append(f"  class {','.join(classes[cls])} {cls}")
    for c in diagram.clusters:
        fill, border, _ = cluster_style(c.kind, c.alert)
        out.append(f"  style {ids['cluster_' + c.id]} fill:{fill},stroke:{border}")
    if alert_links:
        out.append(f"  linkStyle {','.join(alert_links)} stroke:{RED},stroke-dasharray:4 3,color:{RED}")
    for f in diagram.findings:
        out.append(f"  %% finding: {f.message}")
    return "\n".join(out) + "\n"

