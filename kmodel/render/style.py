"""How each kind of node, edge and cluster looks: one table shared by the DOT and Mermaid emitters.

Colours are soft fills with a darker border per family (workloads blue, pods green, Services
amber, Ingresses violet, autoscaling and budgets pink, configuration grey); anything carrying an
alert mark (:data:`kmodel.render.diagram.ALERT_MARKS`) gets a red border and red text, a ghost
(a missing object) a red dashed border on white. No icons: nothing has to be shipped or fetched.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NodeStyle", "node_style", "edge_style", "cluster_style", "RED", "FONT", "PALETTE", "CAPTIONS"]

RED = "#c62828"
FONT = "Helvetica"

#: Colours given to workloads in turn, so that their pods are recognisable on worker nodes.
PALETTE = ("#cfe2ff", "#d1f2d8", "#ffe8b3", "#e8dcff", "#fde2f0", "#d7f0f7", "#f6e3c8", "#e3e8c8",
           "#f0d9d9", "#dfe7f7")


@dataclass(frozen=True)
class NodeStyle:
    shape: str = "box"
    fill: str = "#ffffff"
    border: str = "#666666"
    style: str = "rounded,filled"
    font: str = "#222222"
    penwidth: str = "1"


_WORKLOAD = NodeStyle(fill="#cfe2ff", border="#4a6fa5")
_CONFIG = NodeStyle(shape="note", fill="#f1f1f1", border="#888888", style="filled")
_NODES: dict[str, NodeStyle] = {
    "Deployment": _WORKLOAD, "ReplicaSet": _WORKLOAD, "StatefulSet": _WORKLOAD, "DaemonSet": _WORKLOAD,
    "Job": _WORKLOAD, "CronJob": _WORKLOAD, "ReplicationController": _WORKLOAD,
    "Pod": NodeStyle(fill="#d1f2d8", border="#2f855a"),
    "PodTemplate": NodeStyle(fill="#f2fbf4", border="#2f855a", style="rounded,filled,dashed"),
    "Service": NodeStyle(fill="#ffe8b3", border="#b7791f"),
    "Ingress": NodeStyle(fill="#e8dcff", border="#6b46c1"),
    "HorizontalPodAutoscaler": NodeStyle(fill="#fde2f0", border="#b83280"),
    "PodDisruptionBudget": NodeStyle(fill="#fde2f0", border="#b83280"),
    "NetworkPolicy": NodeStyle(fill="#d7f0f0", border="#2c7a7b"),
    "ConfigMap": _CONFIG, "Secret": _CONFIG, "PersistentVolumeClaim": _CONFIG, "ServiceAccount": _CONFIG,
    "ghost": NodeStyle(fill="#ffffff", border=RED, style="rounded,filled,dashed", font=RED, penwidth="1.5"),
    "component": NodeStyle(fill="#dbe4ff", border="#4c6ef5"),
    "agent": NodeStyle(fill="#eeeeee", border="#999999"),
    "client": NodeStyle(shape="ellipse", fill="#ffffff", border="#444444", style="filled"),
    "loadbalancer": NodeStyle(fill="#ffd8b1", border="#c05621"),
    "host": NodeStyle(fill="#f5f5f5", border="#777777"),
    "nodeport": NodeStyle(fill="#eeeeee", border="#666666"),
    "lbpart": NodeStyle(fill="#fff0e0", border="#c05621"),
    "containerport": NodeStyle(fill="#eef9f0", border="#2f855a"),
    "endpoint": NodeStyle(shape="box", fill="#fff7e0", border="#b7791f", style="filled"),
    "state": NodeStyle(shape="circle", fill="#e9eef5", border="#4a6fa5", style="filled"),
    "statebox": NodeStyle(fill="#e9eef5", border="#4a6fa5"),
    "step": NodeStyle(fill="#ffffff", border="#555555"),
    "summary": NodeStyle(shape="note", fill="#fffdf2", border="#999999", style="filled"),
}
_DEFAULT = NodeStyle()

_MARK_FILL = {
    "unschedulable": "#ffd6d6", "violated": "#ffd6d6", "not-ready": "#fff4c2", "terminating": "#eeeeee",
    "no-ready-endpoints": "#ffe0e0", "overcommitted": "#ffd6d6", "changed": "#fffbe6", "stuck": "#ffd6d6",
}

#: Kinds printed as a small caption above a node's name.
CAPTIONS = frozenset(k for k in _NODES if k[:1].isupper() and k != "PodTemplate")


def node_style(kind: str, marks: tuple[str, ...], alert: bool, color: str = "") -> NodeStyle:
    """The style of a node of ``kind`` with ``marks``; ``color`` overrides the fill."""
    base = _NODES.get(kind, _DEFAULT)
    fill = color or base.fill
    for mark in marks:
        if mark in _MARK_FILL:
            fill = _MARK_FILL[mark]
            break
    style = base.style
    if "terminating" in marks and "dashed" not in style:
        style += ",dashed"
    if alert and kind != "ghost":
        return NodeStyle(base.shape, fill, RED, style, base.font, "2")
    if "initial" in marks:
        return NodeStyle("doublecircle" if base.shape == "circle" else base.shape, fill, base.border, style,
                         base.font, "2")
    return NodeStyle(base.shape, fill, base.border, style, base.font, base.penwidth)


_EDGES: dict[str, tuple[str, str, str]] = {  # kind -> (colour, style, arrowhead)
    "owns": ("#4a6fa5", "solid", "normal"),
    "selects": ("#b7791f", "solid", "normal"),
    "routes": ("#2f855a", "solid", "normal"),
    "references": ("#777777", "dashed", "normal"),
    "targets": ("#b83280", "dotted", "normal"),
    "watches": ("#8aa2e8", "dashed", "none"),
    "stores": ("#8aa2e8", "solid", "none"),
    "step": ("#333333", "solid", "normal"),
    "loop": ("#6b46c1", "dashed", "normal"),
    "hosts": ("#999999", "dotted", "none"),
    "layout": ("#ffffff", "invis", "none"),
    "reconciles": ("#8aa2e8", "dashed", "none"),
}


def edge_style(kind: str, alert: bool) -> tuple[str, str, str]:
    """``(colour, style, arrowhead)`` for an edge."""
    colour, style, head = _EDGES.get(kind, ("#555555", "solid", "normal"))
    if alert:
        return RED, "dashed", head
    return colour, style, head


_CLUSTERS: dict[str, tuple[str, str, str]] = {  # kind -> (fill, border, style)
    "control-plane": ("#f3f6ff", "#8aa2e8", "rounded,filled"),
    "vpc": ("#fbfbfb", "#9e9e9e", "rounded,filled"),
    "zone": ("#f7fbff", "#6c8ebf", "rounded,filled,dashed"),
    "subnet-public": ("#eef8ee", "#5a9e5a", "rounded,filled"),
    "subnet-private": ("#eef3fb", "#6c8ebf", "rounded,filled"),
    "worker": ("#ffffff", "#555555", "rounded,filled"),
    "namespace": ("#fcfcfc", "#888888", "rounded,filled"),
    "app": ("#f6f9ff", "#a0b4d0", "rounded,filled,dashed"),
    "pending": ("#fff5f5", "#d98c8c", "rounded,filled"),
    "edge": ("#fff9f2", "#d69e2e", "rounded,filled"),
    "workloads": ("#fafafa", "#aaaaaa", "rounded,filled"),
    "step": ("#ffffff", "#bbbbbb", "rounded,filled"),
}


def cluster_style(kind: str, alert: bool) -> tuple[str, str, str]:
    """``(fill, border, style)`` for a cluster."""
    fill, border, style = _CLUSTERS.get(kind, ("#ffffff", "#aaaaaa", "rounded"))
    return fill, (RED if alert else border), style
