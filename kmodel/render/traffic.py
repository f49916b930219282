"""``--view traffic``: the path of a request, from the traffic-flow graph.

Draws the ``networkx`` graph :func:`kmodel.traffic.traffic_graph` builds from a state (every path a
request can take: client → ALB → listener → rule → target group → node:NodePort or endpoint →
Service port → endpoint → pod → container port, with the share of connections on each edge), or
any directed graph of the same shape. A node's kind is its ``kind`` (or ``type``) attribute:

=====================================================  ============================  ======
kind                                                   drawn as                      column
=====================================================  ============================  ======
``client``                                             client                        0
``alb``, ``load-balancer`` (``loadbalancer``)          load balancer                 1
``listener``, ``rule``, ``fixed-response``,            load-balancer parts           2-4
``target-group``
``node-port`` (``nodeport``, ``node:nodeport``)        a NodePort on one node        5
``service-port``, ``headless``, ``external-name``      Service                       6
(``service``)
``endpoint``                                           endpoint (address:port)       7
``pod`` (``pod:port``)                                 pod                           8
``container-port``                                     the pod's port                9
``sink`` (``reject``, ``drop``, ``missing:<ip>``,      where traffic is lost, red    10
``down:<node>``)
=====================================================  ============================  ======

A client with no edge (the internet when nothing is exposed) is not drawn.
Attributes read where present: ``label``; ``ready``, ``serves``, ``terminating``, ``node`` on
pods and endpoints; ``declared`` on container ports; ``policy`` on node ports; ``target_type``
and ``missing`` on target groups; ``hosts``, ``paths``, ``priority`` on rules; ``status_code``;
``reason`` on sinks; on edges ``share`` (the fraction of the source's new connections that take
the edge; a ``Fraction`` or float), ``policy``, ``port``, ``dropped`` and ``reason``.

Edge labels give the share as a percentage. Each pod shows the share it gets of each entry point
that reaches it (a Service port, a load balancer, an ALB rule): the product of the shares along
every path, summed. **Per node**: a machine's NodePorts are drawn in a box for the machine that
says what share of each external entry point it receives: a load balancer's (with
``externalTrafficPolicy: Local`` only the nodes with a usable local endpoint get any, the others
0%), and a NodePort Service's, whose clients are taken to pick a node evenly. Each endpoint
says which node its pod is on and what share of each external entry point it gets, so the
imbalance of ``Local`` shows (a node's share is split among its own endpoints only); a sink
says what share of each entry point ends there; and the legend has one line per external
entry point with every node's and every endpoint's share and the share dropped or refused.
Marks: ``not-ready`` and ``terminating`` on endpoints and pods, ``dropped``
on sinks and dropped edges, ``missing`` on a target group no ALB rule's target exists for,
``port-unresolved`` on a container port no container declares, ``no-ready-endpoints`` on a
Service port none of whose endpoints reaches a ready pod.

Upstream: the shares are those of the rules kube-proxy writes (``pkg/proxy/iptables/proxier.go``:
one ``--probability`` rule per endpoint; ``pkg/proxy/topology.go`` ``CategorizeEndpoints`` for
the Local/Cluster choice) as :mod:`kmodel.agents.kubeproxy` models them, and the cloud load
balancer's health check of ``service.spec.healthCheckNodePort`` (nodes without a local endpoint
fail it under ``Local``). Abstracted: how clients pick a node for a NodePort (evenly), the
health check's delay, connection reuse (shares are of new connections).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx

from kmodel.errors import KmodelError
from kmodel.render.diagram import Diagram, DiagramBuilder

__all__ = ["traffic", "flow_graph", "KINDS"]

#: Traffic-graph node kind -> (diagram node kind, column).
KINDS = {
    "client": ("client", 0), "loadbalancer": ("loadbalancer", 1), "listener": ("lbpart", 2),
    "rule": ("lbpart", 3), "fixed-response": ("lbpart", 4), "target-group": ("lbpart", 4),
    "nodeport": ("nodeport", 5), "service": ("Service", 6), "endpoint": ("endpoint", 7), "pod": ("Pod", 8),
    "container-port": ("containerport", 9), "sink": ("ghost", 10),
}
_ALIASES = {"node:nodeport": "nodeport", "node-port": "nodeport", "pod:port": "pod", "lb": "loadbalancer",
            "alb": "loadbalancer", "load-balancer": "loadbalancer", "service-port": "service",
            "headless": "service", "external-name": "service"}
_ENTRIES = ("service", "loadbalancer", "rule")
_PREFIXES = ("client:", "clusterip:", "pod:", "port:", "addr:", "nodeport:", "tg:", "alb:", "lb:", "dns:",
             "external:", "listener:", "rule:", "default:", "fixed:")


def _kind(data: dict[str, Any]) -> str:
    raw = str(data.get("kind") or data.get("type") or "").lower()
    return _ALIASES.get(raw, raw)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if abs(100 * x - round(100 * x)) < 0.05 else f"{100 * x:.1f}%"


def _short(node: Any) -> str:
    text = str(node)
    for p in _PREFIXES:
        if text.startswith(p):
            return text[len(p):]
    return text


def _namespace(node: Any, kind: str) -> str:
    text = _short(node)
    if kind in ("service", "pod", "container-port") and "/" in text:
        return text.split("/", 1)[0]
    return ""


def _label_and_badges(node: Any, d: dict[str, Any], kind: str) -> tuple[str, list[str]]:
    if d.get("label"):
        return str(d["label"]), []
    raw = str(d.get("kind") or d.get("type") or "")
    short = _short(node)
    badges: list[str] = []
    if raw == "alb":
        return f"ALB {short}", [x for x in (d.get("scheme"),) if x]
    if raw == "load-balancer":
        return f"load balancer {short}", []
    if raw == "listener":
        return f"listener :{d.get('port', short)}", [str(d["protocol"])] if d.get("protocol") else []
    if raw == "rule":
        if d.get("priority") is None and not d.get("paths"):
            return "default action", []
        hosts = ", ".join(d.get("hosts") or ()) or "*"
        paths = ", ".join(d.get("paths") or ()) or "/*"
        return f"rule {d.get('priority')}: {hosts} {paths}", [f"Ingress {d['ingress']}"] if d.get("ingress") else []
    if raw == "fixed-response":
        return f"fixed response {d.get('status_code', short)}", []
    if raw == "target-group":
        return f"target group {short}", [f"target type {d['target_type']}"] if d.get("target_type") else []
    if kind == "nodeport":
        if d.get("policy"):
            badges.append(f"externalTrafficPolicy {d['policy']}")
        return f"{d.get('node', '')}:{d.get('port', '')}" if d.get("node") else short, badges
    if raw == "service-port":
        if d.get("cluster_ip"):
            badges.append(f"ClusterIP {d['cluster_ip']}")
        if d.get("session_affinity"):
            badges.append("sessionAffinity ClientIP")
        return f"Service {short}", badges
    if raw == "headless":
        return f"Service {short} (headless DNS)", badges
    if raw == "sink":
        return short, [str(d["reason"])] if d.get("reason") else []
    return short, badges


def _propagate(g: nx.DiGraph, order: list[Any], start: dict[Any, float]) -> dict[Any, float]:
    """The share of the connections entering at ``start`` that reaches each node, over edges with
    a share (an edge without one counts when it is its source's only way on; dropped edges carry
    nothing)."""
    share: dict[Any, float] = defaultdict(float, start)
    for n in order:
        if n not in share:
            continue
        outs = list(g.out_edges(n, data=True))
        for _, v, e in outs:
            fraction = e.get("share")
            if fraction is None and len(outs) == 1:
                fraction = 1  # the only way on
            if fraction is not None and not e.get("dropped"):
                share[v] += share[n] * float(fraction)
    return dict(share)


def _service_name(text: Any) -> str:
    return str(text or "").removeprefix("Service/")


def _entries(g: nx.DiGraph, order: list[Any]) -> list[tuple[str, bool, dict[Any, float]]]:
    """``(label, external, shares)`` for each entry point: a Service port, a load balancer, an
    ALB rule (``_ENTRIES``), and each Service's NodePort that clients reach directly, with the
    clients spread evenly over the nodes (a client picks a node; kube-proxy on that node does
    the rest). ``external``: traffic from outside the cluster, which enters at a node."""
    out: list[tuple[str, bool, dict[Any, float]]] = []
    for entry in order:
        d = g.nodes[entry]
        kind = _kind(d)
        if kind not in _ENTRIES or (d.get("kind") == "rule" and d.get("priority") is None):
            continue
        label, _ = _label_and_badges(entry, d, kind)
        external = kind != "service"
        policy = next((g.nodes[v].get("policy") for v in g.successors(entry) if g.nodes[v].get("policy")), None)
        if policy and kind == "loadbalancer":
            label += f" (externalTrafficPolicy {policy})"
        shares = _propagate(g, order, {entry: 1.0})
        if d.get("kind") == "load-balancer" and d.get("service"):  # the nodes it does not send to: 0%
            for n in order:
                if _kind(g.nodes[n]) == "nodeport" and g.nodes[n].get("service") == d["service"]:
                    shares.setdefault(n, 0.0)
        out.append((label, external, shares))
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for n in order:
        d = g.nodes[n]
        if _kind(d) == "nodeport" and any(_kind(g.nodes[u]) == "client" for u in g.predecessors(n)):
            groups[(_service_name(d.get("service")), str(d.get("port", "")))].append(n)
    for (service, port), ports in sorted(groups.items()):
        policy = next((g.nodes[n].get("policy") for n in ports if g.nodes[n].get("policy")), None)
        label = f"NodePort {service}:{port}" if service else f"NodePort {port}"
        label += f" (externalTrafficPolicy {policy})" if policy else ""
        out.append((label, True, _propagate(g, order, {n: 1.0 / len(ports) for n in ports})))
    return out


def _entry_shares(g: nx.DiGraph) -> tuple[dict[Any, list[tuple[str, float]]], list[tuple[str, dict[Any, float]]]]:
    """For each node, ``(entry label, share)`` for every entry point that reaches it; and the
    external entry points with their shares (acyclic graphs only: otherwise nothing)."""
    if not nx.is_directed_acyclic_graph(g):
        return {}, []
    order = list(nx.topological_sort(g))
    per_node: dict[Any, list[tuple[str, float]]] = defaultdict(list)
    external = []
    for label, outside, shares in _entries(g, order):
        for n, s in shares.items():
            per_node[n].append((label, s))
        if outside:
            external.append((label, shares))
    return per_node, external


def _host(g: nx.DiGraph, n: Any) -> str:
    """The node (machine) a NodePort, pod or endpoint is on, or ``""``."""
    d = g.nodes[n]
    if d.get("node"):
        return str(d["node"])
    for v in g.successors(n):
        if _kind(g.nodes[v]) == "pod" and g.nodes[v].get("node"):
            return str(g.nodes[v]["node"])
    return ""


def _share_notes(g: nx.DiGraph, external: list[tuple[str, dict[Any, float]]], limit: int = 8) -> list[str]:
    """One legend line per external entry point: the share each node receives (where the
    connections enter the cluster) and each endpoint, and what is dropped."""
    lines = []
    for label, shares in external:
        nodes: dict[str, float] = defaultdict(float)
        endpoints: list[tuple[str, float]] = []
        lost = 0.0
        for n, s in shares.items():
            kind = _kind(g.nodes[n])
            if kind == "nodeport" and _host(g, n):
                nodes[_host(g, n)] += s
            elif kind == "endpoint":
                host = _host(g, n)
                endpoints.append((_short(n) + (f" on {host}" if host else ""), s))
            elif kind == "sink":
                lost += s
        if not nodes and not endpoints:
            continue
        parts = []
        if nodes:
            parts.append("nodes " + ", ".join(f"{k} {_pct(v)}" for k, v in sorted(nodes.items())))
        if endpoints:
            shown = sorted(endpoints)[:limit]
            more = f", ... {len(endpoints) - limit} more" if len(endpoints) > limit else ""
            parts.append("endpoints " + ", ".join(f"{k} {_pct(v)}" for k, v in shown) + more)
        if lost > 1e-9:
            parts.append(f"{_pct(lost)} dropped or refused")
        lines.append(f"share of {label}: " + "; ".join(parts))
    return lines


def traffic(graph: nx.DiGraph, *, title: str = "traffic") -> Diagram:
    """The traffic diagram of a traffic-flow graph (see the module docstring).

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> g.add_node("client", type="client")
    >>> g.add_node("Service/shop/web", type="service", namespace="shop")
    >>> g.add_node("ep-1", type="endpoint", ready=True, namespace="shop")
    >>> g.add_node("ep-2", type="endpoint", ready=False, namespace="shop")
    >>> g.add_edge("client", "Service/shop/web")
    >>> g.add_edge("Service/shop/web", "ep-1", share=1.0)
    >>> g.add_edge("Service/shop/web", "ep-2", share=0.0)
    >>> d = traffic(g)
    >>> d.node("ep-2").marks, d.edge("Service/shop/web", "ep-1").label
    (('not-ready',), '100%')
    """
    b = DiagramBuilder("traffic", title, rankdir="LR")
    shares, external = _entry_shares(graph)
    outside = {label for label, _ in external}
    columns: dict[int, list[str]] = defaultdict(list)
    for n, d in sorted(graph.nodes(data=True), key=lambda nd: str(nd[0])):
        kind = _kind(d)
        if kind == "client" and graph.degree(n) == 0:
            continue  # no way in from there (the internet, with nothing exposed): nothing to draw
        shape, column = KINDS.get(kind, ("step", 6))
        nid = str(n)
        ns = d.get("namespace") or _namespace(n, str(d.get("kind") or kind))
        cluster = ""
        if ns and kind in ("service", "endpoint", "pod", "container-port"):
            cluster = f"cluster:ns={ns}"
            b.cluster(cluster, f"namespace {ns}", "namespace")
        label, badges = _label_and_badges(n, d, kind)
        if kind == "nodeport" and d.get("node"):  # a machine's NodePorts together, with its share
            cluster = f"cluster:node={d['node']}"
            received = [(e, s) for e, s in shares.get(n, []) if e in outside]
            b.cluster(cluster, f"node {d['node']}", "worker",
                      badges=[f"receives {_pct(s)} of {e}" for e, s in sorted(received)])
            label = f":{d.get('port', '')}" + (f" {_service_name(d.get('service'))}" if d.get("service") else "")
        if kind == "endpoint":
            host = _host(graph, n)
            if host:
                badges.append(f"on {host}")
            badges += [f"{_pct(s)} of {e}" for e, s in sorted(shares.get(n, [])) if e in outside][:4]
        if kind == "sink":
            badges += [f"{_pct(s)} of {e}" for e, s in sorted(shares.get(n, [])) if e in outside and s > 1e-9][:4]
        marks: list[str] = []
        if kind in ("endpoint", "pod"):
            if d.get("terminating"):
                marks.append("terminating")
            elif d.get("ready") is False or d.get("serves") is False:
                marks.append("not-ready")
            if kind == "pod":
                state = [w for w, flag in (("ready", d.get("ready")), ("serves", d.get("serves"))) if flag is not None]
                if state:
                    badges.append(", ".join(("" if d.get(w) else "not ") + w for w in state))
                if d.get("node"):
                    badges.append(f"on {d['node']}")
                for entry, s in sorted(shares.get(n, []))[:4]:
                    badges.append(f"{_pct(s)} of {entry}")
        if kind == "container-port" and d.get("declared") is False:
            marks.append("port-unresolved")
            badges.append("no container declares this port")
        if kind == "lbpart" or str(d.get("kind")) == "target-group":
            if d.get("missing"):
                marks.append("missing")
        if kind == "sink":
            marks.append("dropped")
            b.finding("dropped", nid, f"traffic ends at {label}" + (f": {d['reason']}" if d.get("reason") else ""))
        b.node(nid, label, shape, cluster=cluster, badges=badges, marks=marks)
        columns[column].append(nid)
    for u, v, d in sorted(graph.edges(data=True), key=lambda e: (str(e[0]), str(e[1]))):
        parts = []
        if d.get("share") is not None:
            parts.append(_pct(float(d["share"])))
        for key in ("policy", "label"):
            if d.get(key):
                parts.append(str(d[key]))
        if d.get("port") is not None:
            parts.append(f":{d['port']}" + (f"/{d['protocol']}" if d.get("protocol") not in (None, "TCP") else ""))
        marks: tuple[str, ...] = ()
        if d.get("dropped") or _kind(graph.nodes[v]) == "sink":
            marks = ("dropped",)
            if d.get("dropped"):
                parts.append(f"dropped: {d.get('reason', '')}".rstrip(": "))
        b.edge(str(u), str(v), " ".join(parts), "routes", marks=marks)
    for n, d in graph.nodes(data=True):
        if _kind(d) != "service" or str(d.get("kind")) == "external-name":
            continue
        pods = [p for p in nx.descendants(graph, n) if _kind(graph.nodes[p]) == "pod"]
        if not any(graph.nodes[p].get("ready") and graph.nodes[p].get("serves", True) for p in pods):
            label, _ = _label_and_badges(n, d, "service")
            b.mark(str(n), "no-ready-endpoints", f"{label} has no ready endpoint")
    for column in sorted(columns):
        b.same_rank(columns[column])
    b.notes.append("left to right: clients, load balancers (listeners, rules, target groups), node:NodePort, "
                   "Service ports, endpoints, pods, container ports; percentages are the share of the new "
                   "connections at each hop")
    b.notes.extend(_share_notes(graph, external))
    return b.build()


def flow_graph(state: Any) -> nx.DiGraph:
    """The traffic-flow graph of a state, from :func:`kmodel.traffic.traffic_graph`.

    Raises
    ------
    KmodelError
        When ``kmodel.traffic`` is not there.
    """
    try:
        from kmodel.traffic import traffic_graph
    except ImportError:
        raise KmodelError("--view traffic needs the traffic-flow graph (kmodel.traffic), which is not part of "
                          "this kmodel; the other views work") from None
    return traffic_graph(state)
