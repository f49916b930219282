"""DOT text for a :class:`~kmodel.render.diagram.Diagram`: deterministic, sorted, self-contained.

Labels are graphviz HTML-like labels (a small grey kind caption, the name in bold, badges and
marks in small type, detail lines left-aligned); the graph label carries the title, the notes
and the findings (at most :data:`MAX_LEGEND` lines, then a count of the rest). Clusters nest as
``subgraph "cluster_<id>"``; within each, nodes are emitted sorted by id, and edges are emitted
last, sorted by (source, target, kind, label). Nothing in the text depends on the machine, the
time or the order objects were read in. With ``Diagram.icons`` a box has its kind's icon on
its left, named relative to the package's render folder (:mod:`kmodel.render.icons`).

Examples
--------
>>> from kmodel.render.diagram import DiagramBuilder
>>> b = DiagramBuilder("demo", "two boxes")
>>> b.node("Pod/default/a", "a", "Pod")
>>> b.node("Pod/default/b", "b", "Pod", marks=("unschedulable",))
>>> b.edge("Pod/default/a", "Pod/default/b", "x")
>>> text = to_dot(b.build())
>>> text.splitlines()[0], '"Pod/default/a" -> "Pod/default/b"' in text
('digraph "kmodel" {', True)
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from kmodel.render.diagram import ALERT_MARKS, Cluster, Diagram, Edge, Node
from kmodel.render.icons import ICON_PX, icon_for
from kmodel.render.style import CAPTIONS, FONT, RED, cluster_style, edge_style, node_style

__all__ = ["to_dot", "MAX_LEGEND", "MARK_TEXT", "html", "wrap"]

#: Findings listed in the legend before "... and N more".
MAX_LEGEND = 14

#: How a mark is written on a node (marks not listed are not written: the style shows them).
MARK_TEXT = {
    "unschedulable": "⚠ unschedulable",
    "no-ready-endpoints": "⚠ no ready endpoints",
    "overcommitted": "⚠ overcommitted",
    "pdb-blocked": "⚠ blocks every eviction",
    "selects-nothing": "⚠ selects nothing",
    "port-unresolved": "⚠ port does not resolve",
    "not-ready": "not ready",
    "not-ready-node": "⚠ node not Ready",
    "terminating": "terminating",
    "violated": "⚠ property violated",
    "stuck": "stuck: nothing left to do",
    "dropped": "⚠ dropped",
}


def html(text: str) -> str:
    """Escape ``text`` for an HTML-like label.

    >>> html('a<b> & "c"')
    'a&lt;b&gt; &amp; &quot;c&quot;'
    """
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", " "))


def wrap(text: str, width: int = 56) -> list[str]:
    """Break a long line at spaces (labels wider than this make boxes hard to read), and a word
    longer than a whole line (a JSON value, a long address) wherever it must.

    >>> wrap("a bb ccc", 4), wrap("x" * 10, 4)
    (['a bb', 'ccc'], ['xxxx', 'xxxx', 'xx'])
    """
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _small(text: str, color: str = "#444444") -> str:
    return f'<font point-size="8" color="{color}">{html(text)}</font>'


def _node_label(node: Node, icons: bool = False) -> str:
    parts: list[str] = []
    if node.kind in CAPTIONS:
        parts.append(_small(node.kind, "#666666"))
    for i, line in enumerate(wrap(node.label, 40)):
        parts.append(html(line) if node.kind in ("ghost", "state", "statebox") else f"<b>{html(line)}</b>")
    for badge in node.badges:
        parts.extend(_small(line) for line in wrap(badge, 80 if node.kind == "component" else 48))
    for mark in node.marks if node.kind not in ("state", "statebox") else ():  # states: colour only
        if mark in MARK_TEXT:
            parts.append(_small(MARK_TEXT[mark], RED if mark in ALERT_MARKS else "#7a5d00"))
    label = "<br/>".join(parts)
    if node.detail:
        lines = [_small(line, "#222222") for text in node.detail for line in wrap(text, 72)]
        label += "<br/>" + '<br align="left"/>'.join(lines) + '<br align="left"/>'
    icon = icon_for(node) if icons else None
    if icon is not None:  # the icon left of the text, in a square cell
        label = ('<table border="0" cellborder="0" cellspacing="0" cellpadding="0"><tr>'
                 f'<td fixedsize="true" width="{ICON_PX}" height="{ICON_PX}" valign="middle">'
                 f'<img src="{icon}" scale="true"/></td><td width="10"></td><td>{label}</td></tr></table>')
    return f"<{label}>"


def _node_stmt(node: Node, indent: str, icons: bool = False) -> str:
    st = node_style(node.kind, node.marks, node.alert, node.color)
    attrs = [f"label={_node_label(node, icons)}", f"shape={st.shape}", f'style="{st.style}"', f'fillcolor="{st.fill}"',
             f'color="{st.border}"', f'fontcolor="{st.font}"']
    if st.penwidth != "1":
        attrs.append(f"penwidth={st.penwidth}")
    if node.kind == "state":
        attrs += ["fixedsize=false", "margin=0.02"]
    if node.tooltip:
        attrs.append(f"tooltip={_quote(node.tooltip)}")
    return f"{indent}{_quote(node.id)} [{', '.join(attrs)}];"


def _edge_stmt(edge: Edge) -> str:
    colour, style, head = edge_style(edge.kind, edge.alert)
    attrs = [f'color="{colour}"', f"style={style}", f"arrowhead={head}"]
    if edge.label:
        text = "<br/>".join(html(line) for line in wrap(edge.label, 36))
        attrs.append(f'label=<{text}>')
        attrs.append(f'fontcolor="{RED if edge.alert else "#333333"}"')
    if edge.kind in ("step", "routes") or edge.alert:
        attrs.append("penwidth=1.5")
    if edge.weight != 1:
        attrs.append(f"weight={edge.weight}")
    if not edge.constraint:
        attrs.append("constraint=false")
    if edge.minlen != 1:
        attrs.append(f"minlen={edge.minlen}")
    if edge.lhead:
        attrs.append(f"lhead={_quote('cluster_' + edge.lhead)}")
    return f"  {_quote(edge.src)} -> {_quote(edge.dst)} [{', '.join(attrs)}];"


def _cluster_label(cluster: Cluster) -> str:
    parts = [f"<b>{html(cluster.label)}</b>"]
    parts += [_small(b) for b in cluster.badges]
    for mark in cluster.marks:
        if mark in MARK_TEXT:
            parts.append(_small(MARK_TEXT[mark], RED if mark in ALERT_MARKS else "#7a5d00"))
    return "<" + "<br/>".join(parts) + ">"


def _legend(diagram: Diagram) -> str:
    parts = [f'<font point-size="14"><b>{html(line)}</b></font>' for line in wrap(diagram.title, 100)]
    parts += [_small(line, "#444444") for note in diagram.notes for line in wrap(note, 110)]
    findings = diagram.findings
    if findings:
        parts.append(_small(f"{len(findings)} finding{'s' if len(findings) != 1 else ''}:", RED))
        for f in findings[:MAX_LEGEND]:
            text = f.message if len(f.message) <= 220 else f.message[:217] + "..."
            parts += [_small(line, RED) for line in wrap(f"• {text}", 120)]
        if len(findings) > MAX_LEGEND:
            parts.append(_small(f"... and {len(findings) - MAX_LEGEND} more", RED))
    return "<" + '<br align="left"/>'.join(parts) + '<br align="left"/>>'


def _emit_cluster(cluster: Cluster, children: dict[str, list[Cluster]], members: dict[str, list[Node]],
                  out: list[str], depth: int, icons: bool = False) -> None:
    indent = "  " * depth
    fill, border, style = cluster_style(cluster.kind, cluster.alert)
    out.append(f"{indent}subgraph {_quote('cluster_' + cluster.id)} {{")
    out.append(f'{indent}  label={_cluster_label(cluster)}; style="{style}"; fillcolor="{fill}"; color="{border}";'
               f' labeljust=l; fontsize=11;')
    if cluster.alert:
        out.append(f"{indent}  penwidth=2;")
    for child in children.get(cluster.id, []):
        _emit_cluster(child, children, members, out, depth + 1, icons)
    for node in members.get(cluster.id, []):
        out.append(_node_stmt(node, indent + "  ", icons))
    out.append(f"{indent}}}")


def _graph_attrs(diagram: Diagram) -> Iterable[str]:
    yield f'  graph [fontname="{FONT}", fontsize=11, labelloc=t, labeljust=l, bgcolor="white", pad=0.3,'
    if diagram.engine == "dot":
        yield f"         rankdir={diagram.rankdir}, newrank=true, compound=true, nodesep=0.25, ranksep=0.45,"
    else:
        yield "         overlap=false, splines=false, outputorder=edgesfirst, K=0.6,"
    yield f"         label={_legend(diagram)}];"
    yield f'  node [fontname="{FONT}", fontsize=10, margin="0.12,0.05"];'
    yield f'  edge [fontname="{FONT}", fontsize=8, arrowsize=0.7];'


def to_dot(diagram: Diagram) -> str:
    """The DOT text of ``diagram`` (UTF-8, ``\\n`` line ends, a final newline)."""
    out = ['digraph "kmodel" {', f"  // kmodel {diagram.view} view"]
    out.extend(_graph_attrs(diagram))
    children: dict[str, list[Cluster]] = {}
    for c in diagram.clusters:
        children.setdefault(c.parent, []).append(c)
    members: dict[str, list[Node]] = {}
    for n in diagram.nodes:
        members.setdefault(n.cluster, []).append(n)
    for top in children.get("", []):
        _emit_cluster(top, children, members, out, 1, diagram.icons)
    for node in members.get("", []):
        out.append(_node_stmt(node, "  ", diagram.icons))
    if diagram.engine == "dot":
        for group in diagram.same_rank:
            out.append("  { rank=same; " + " ".join(_quote(i) + ";" for i in group) + " }")
    for edge in diagram.edges:
        out.append(_edge_stmt(edge))
    out.append("}")
    return "\n".join(out) + "\n"
