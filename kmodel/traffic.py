"""The traffic-flow graph: every path a request can take, from a client to a container port.

:func:`traffic_graph` builds a :class:`networkx.DiGraph` from any state (a
:class:`~kmodel.state.ClusterState` or a model state :class:`~kmodel.cluster.World`). Graph
nodes are strings ``<kind>:<name>`` with a ``kind`` attribute:

=================  =================================================================  =======================
kind               what                                                               id
=================  =================================================================  =======================
``client``         the internet, and pods inside the cluster                          ``client:internet``,
                                                                                      ``client:in-cluster``
``alb``            an Application Load Balancer (AWS)                                 ``alb:<name>``
``listener``       one of its listeners                                               ``listener:<alb>:<port>``
``rule``           a listener rule (``hosts``, ``paths``, ``priority``) or the        ``rule:<alb>:<port>:<n>``,
                   default action                                                     ``default:<alb>:<port>``
``fixed-response`` a fixed response (404 when no rule matches)                        ``fixed:<code>``
``target-group``   an AWS target group (``target_type``)                              ``tg:<name>``
``load-balancer``  the cloud load balancer of a ``type: LoadBalancer`` Service        ``lb:<ns>/<svc>``
``node-port``      a Service's node port on one node                                  ``nodeport:<node>:<port>``
``service-port``   a Service port's cluster IP                                        ``clusterip:<ns>/<svc>:<port>``
``headless``       a headless Service (DNS answers with its endpoints)                ``dns:<ns>/<svc>``
``external-name`` an ExternalName Service's CNAME target                             ``external:<host>``
``endpoint``       an address and port traffic is sent to (``pod`` if a pod has it;    ``addr:<ip>:<port>``
                   ``external``: an address outside the pod network that no slice
                   ties to a pod, e.g. a selectorless Service's database: a route end)
``pod``            a pod (``serves``, ``ready``, ``terminating``, ``node``)           ``pod:<ns>/<name>``
``container-port`` the port on the pod (``declared``: a container lists it)          ``port:<ns>/<name>:<port>``
``sink``           ``reject`` (no endpoint anywhere), ``drop`` (none on this node),   ``reject``, ``drop``,
                   ``missing:<ip>`` (no pod has the address), ``down:<node>``         ``missing:<ip>``,
                   (the node is down)                                                 ``down:<node>``
=================  =================================================================  =======================

Edges carry ``share``: the fraction of new connections from the source that take the edge (a
:class:`fractions.Fraction`; kube-proxy and ALB spread uniformly), and, out of a cluster IP,
``per_node``: the share from clients on each node (they differ under ``internalTrafficPolicy:
Local``); ``share`` is then the share from a client on a node picked uniformly. Edges into an
endpoint carry ``service`` and ``allow_not_ready`` (the Service publishes not-ready addresses).
Under ``sessionAffinity: ClientIP`` (a cluster IP's ``session_affinity``, with
``affinity_timeout`` in seconds) ``share`` is the share of *new clients*: kube-proxy's
``recent`` match sends a client's later connections, within the timeout, to the endpoint its
first one took, while that endpoint is still usable (an endpoint that drops out of the rules
takes its affinity with it).

What is *true* on the data plane, which the control plane may not know yet:

* a node is **up** when its machine runs (:func:`kmodel.faults.machine_up`: healthy, or cut off
  from the control plane by a partition; not crashed or lost). Given a bare
  :class:`~kmodel.state.ClusterState` (no environment), a node is taken to be up when its Ready
  condition is True;
* a pod **serves** when it exists, is Running with its containers running, on a node that is up.

The routing of each hop is the component's: kube-proxy's rules on each node
(:mod:`kmodel.agents.kubeproxy`), the ALB's rules and its choice of targets (healthy targets;
all of them when none is healthy, as ALB fails open), and the cloud load balancer of a
LoadBalancer Service once it is provisioned (its address is in ``status.loadBalancer.ingress``,
written by :mod:`kmodel.controllers.service` or read from a dump): it sends to the nodes that
are up (with ``externalTrafficPolicy: Local``, to those with a usable local endpoint); which
nodes it targets is not modelled as state, so it follows the nodes without lag.

Examples
--------
>>> sorted(traffic_graph(ClusterState.empty()).nodes)
['client:in-cluster', 'client:internet']
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import networkx as nx

from kmodel.agents.kubeproxy import service_routes
from kmodel.objects.elbv2 import AWSTargetGroup, Target, node_of_instance
from kmodel.objects.meta import ObjectRef
from kmodel.objects.workloads import RUNNING, Pod, is_pod_ready
from kmodel.state import ClusterState

__all__ = ["traffic_graph", "node_up", "pod_serves", "targets_in_use", "still_routed", "pods_by_ip",
           "route_ends", "INTERNET", "IN_CLUSTER", "ENDPOINTS_DRAIN_SECONDS", "ALB_DRAIN_SECONDS",
           "PROXY_LAG_SECONDS"]

INTERNET = "client:internet"
IN_CLUSTER = "client:in-cluster"


def _cluster(state: Any) -> ClusterState:
    return getattr(state, "cluster", state)


def node_up(state: Any, name: str) -> bool:
    """The node exists and its machine runs (see the module docstring); ``state`` is a
    :class:`~kmodel.cluster.World` or a :class:`~kmodel.state.ClusterState`."""
    node = _cluster(state).get(ObjectRef("Node", "", name))
    if node is None:
        return False
    env = getattr(state, "env", None)
    if env is None:
        return bool(node.ready)
    from kmodel.faults import machine_up

    return machine_up(env, name)


def pod_serves(state: Any, pod: Pod | None) -> bool:
    """The pod exists, is Running with its containers running, on a node that is up."""
    return (pod is not None and pod.status.phase == "Running" and pod.status.containers == RUNNING
            and bool(pod.spec.node_name) and node_up(state, pod.spec.node_name))


def pods_by_ip(state: ClusterState) -> dict[str, Pod]:
    return {p.status.pod_ip: p for p in state.list("Pod") if p.status.pod_ip}


def targets_in_use(tg: AWSTargetGroup) -> tuple[Target, ...]:
    """The targets the ALB sends new requests to: the healthy ones, or every one when none is
    healthy (fail-open)."""
    healthy = tuple(t for t in tg.targets if t.health == "healthy")
    return healthy or tg.targets


#: The ``preStop`` sleep (seconds) the model assumes outlasts the propagation of a pod's removal
#: to kube-proxy (EndpointSlice controller, then kube-proxy's resync: about a second upstream).
ENDPOINTS_DRAIN_SECONDS = 5
#: ... and to an ALB: the TargetGroupBinding reconcile, ``DeregisterTargets`` and the ALB's own
#: propagation (tens of seconds; AWS advises a ``preStop`` sleep longer than that).
ALB_DRAIN_SECONDS = 30
#: ... and to a kube-proxy that fell behind (the ``proxyLags`` fault): a failed or slow sync is
#: retried and a full resync runs at least every ``--iptables-sync-period`` (30 s by default), the
#: named assumption ``proxy-lag-within-sync-period``.
PROXY_LAG_SECONDS = 30


def still_routed(state: ClusterState, pod: Pod) -> bool:
    """Whether the pod's ``preStop`` sleep is still running, under the named assumption
    ``prestop-outlasts-propagation``: time is abstract, so the model says which propagation a
    sleep outlasts. A sleep of at least :data:`ENDPOINTS_DRAIN_SECONDS` lasts while an
    EndpointSlice lists the pod as a ready endpoint; one of at least :data:`ALB_DRAIN_SECONDS`
    also while an ALB target group sends it new requests, and one of at least
    :data:`PROXY_LAG_SECONDS` also while a lagging kube-proxy's view
    (:class:`~kmodel.agents.kubeproxy.KubeProxyView`) lists it as a ready endpoint. A shorter
    sleep (or none) waits for nothing.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.workloads import Container, PodSpec
    >>> pod = Pod(ObjectMeta("p", "default"), PodSpec((Container("c", pre_stop_sleep=10),)))
    >>> still_routed(ClusterState.empty(), pod)
    False
    """
    seconds = max((c.pre_stop_sleep or 0 for c in pod.spec.containers), default=0)
    ip = pod.status.pod_ip
    slices = list(state.list("EndpointSlice", pod.metadata.namespace)) if seconds >= ENDPOINTS_DRAIN_SECONDS else []
    if seconds >= PROXY_LAG_SECONDS:
        slices += [s for view in state.list("KubeProxyView") for s in view.slices]
    for s in slices:
        if s.metadata.namespace != pod.metadata.namespace:
            continue
        for e in s.endpoints:
            if (e.target_ref == pod.ref or (ip and ip in e.addresses)) and (e.ready is None or e.ready):
                return True
    if ip and seconds >= ALB_DRAIN_SECONDS:
        for tg in state.list("AWSTargetGroup"):
            if tg.target_type == "ip" and any(t.id == ip for t in targets_in_use(tg)):
                return True
    return False


def _share_edges(g: nx.DiGraph, source: str, targets: list[tuple[str, Fraction]], **attrs: Any) -> None:
    for target, share in targets:
        if g.has_edge(source, target):
            g[source][target]["share"] += share
        else:
            g.add_edge(source, target, share=share, **attrs)


def _external(cluster: ClusterState, ip: str) -> bool:
    """An address outside the pod network (:data:`kmodel.agents.ipam.POD_CIDR`) that no
    EndpointSlice ties to a pod: a server outside the cluster, which a Service without a
    selector may name in its Endpoints (mirrored into EndpointSlices). An address in the pod
    network, or one a slice lists for a pod, is a pod's, gone if no pod holds it now."""
    from kmodel.agents.ipam import POD_CIDR

    try:
        if ipaddress.ip_address(ip) in POD_CIDR:
            return False
    except ValueError:
        return False
    slices = list(cluster.list("EndpointSlice"))
    slices += [s for view in cluster.list("KubeProxyView") for s in view.slices]  # a lagging kube-proxy's
    return not any(ip in e.addresses and e.target_ref is not None and e.target_ref.kind == "Pod"
                   for s in slices for e in s.endpoints)


def _endpoint_node(g: nx.DiGraph, state: Any, by_ip: dict[str, Pod], ip: str, port: int) -> str:
    node = f"addr:{ip}:{port}"
    if node in g:
        return node
    pod = by_ip.get(ip)
    external = pod is None and _external(_cluster(state), ip)
    g.add_node(node, kind="endpoint", ip=ip, port=port, pod=str(pod.ref) if pod else None, external=external)
    if external:
        return node
    if pod is None:
        g.add_node(f"missing:{ip}", kind="sink", reason="no pod has this address")
        g.add_edge(node, f"missing:{ip}", share=Fraction(1))
        return node
    pid = f"pod:{pod.metadata.namespace}/{pod.metadata.name}"
    if pid not in g:
        g.add_node(pid, kind="pod", ref=str(pod.ref), serves=pod_serves(state, pod), ready=is_pod_ready(pod),
                   terminating=pod.metadata.deleting, phase=pod.status.phase, node=pod.spec.node_name)
    g.add_edge(node, pid, share=Fraction(1))
    cport = f"port:{pod.metadata.namespace}/{pod.metadata.name}:{port}"
    declared = any(p.container_port == port for c in pod.spec.containers + pod.spec.init_containers for p in c.ports)
    g.add_node(cport, kind="container-port", port=port, declared=declared)
    g.add_edge(pid, cport, share=Fraction(1))
    return node


def _route_edges(g: nx.DiGraph, state: Any, by_ip: dict[str, Pod], route: Any) -> list[tuple[str, Fraction]]:
    if route.verdict != "forward":
        g.add_node(route.verdict, kind="sink",
                   reason="no usable endpoint" if route.verdict == "reject" else "no usable endpoint on this node")
        return [(route.verdict, Fraction(1))]
    return [(_endpoint_node(g, state, by_ip, ep.ip, ep.port), share) for ep, share in route.endpoints]


def traffic_graph(state: Any) -> nx.DiGraph:
    """The traffic-flow graph of a state (see the module docstring)."""
    cluster = _cluster(state)
    g = nx.DiGraph()
    g.add_node(INTERNET, kind="client")
    g.add_node(IN_CLUSTER, kind="client")
    by_ip = pods_by_ip(cluster)
    nodes = [n.name for n in cluster.list("Node")]
    up = {n: node_up(state, n) for n in nodes}
    services = {s.ref: s for s in cluster.list("Service")}
    node_ports: dict[tuple[str, int], str] = {}
    # Services: cluster IPs, node ports, cloud load balancers, headless DNS, ExternalName.
    for svc in services.values():
        spec = svc.spec
        sid = f"{svc.metadata.namespace}/{svc.metadata.name}"
        allow = spec.publish_not_ready_addresses
        if spec.type == "ExternalName":
            ext = f"external:{spec.external_name}"
            g.add_node(ext, kind="external-name", service=str(svc.ref))
            g.add_edge(IN_CLUSTER, ext, share=Fraction(1))
            continue
        if spec.headless:
            dns = f"dns:{sid}"
            g.add_node(dns, kind="headless", service=str(svc.ref))
            g.add_edge(IN_CLUSTER, dns, share=Fraction(1))
            answers = []
            for s in cluster.list("EndpointSlice", svc.metadata.namespace):
                if s.service_name != svc.metadata.name:
                    continue
                for e in s.endpoints:
                    if e.addresses and (allow or e.ready is None or e.ready):
                        for p in s.ports or (None,):  # a headless Service may have no ports
                            answers.append((e.addresses[0], p.port if p is not None else 0))
            answers = sorted(set(answers))
            _share_edges(g, dns, [(_endpoint_node(g, state, by_ip, ip, port), Fraction(1, len(answers)))
                                  for ip, port in answers], service=str(svc.ref), allow_not_ready=allow)
            continue
        if not spec.cluster_ip:
            continue
        per_port: dict[int, dict[str, list[Any]]] = {}
        for node in nodes:
            for route in service_routes(cluster, svc, node):
                per_port.setdefault(route.port.port, {}).setdefault(route.kind, []).append(route)
        for port in spec.ports:
            routes = per_port.get(port.port, {})
            vip = f"clusterip:{sid}:{port.port}"
            g.add_node(vip, kind="service-port", service=str(svc.ref), port=port.port, name=port.name,
                       cluster_ip=spec.cluster_ip, session_affinity=spec.session_affinity == "ClientIP",
                       affinity_timeout=spec.session_affinity_timeout if spec.session_affinity == "ClientIP" else None)
            g.add_edge(IN_CLUSTER, vip, share=Fraction(1))
            live = [r for r in routes.get("ClusterIP", []) if up.get(r.node)]
            for r in live:
                for target, share in _route_edges(g, state, by_ip, r):
                    if not g.has_edge(vip, target):
                        g.add_edge(vip, target, share=Fraction(0), per_node={}, service=str(svc.ref),
                                   allow_not_ready=allow)
                    g[vip][target]["per_node"][r.node] = share
                    g[vip][target]["share"] += share / len(live)
            for r in routes.get("NodePort", []):
                np_id = f"nodeport:{r.node}:{port.node_port}"
                g.add_node(np_id, kind="node-port", node=r.node, service=str(svc.ref), port=port.node_port,
                           policy=r.policy)
                node_ports[(r.node, port.node_port)] = np_id
                if not up.get(r.node):
                    g.add_node(f"down:{r.node}", kind="sink", reason="the node is down")
                    g.add_edge(np_id, f"down:{r.node}", share=Fraction(1))
                else:
                    _share_edges(g, np_id, _route_edges(g, state, by_ip, r),
                                 service=str(svc.ref), allow_not_ready=allow)
                if spec.type == "NodePort":
                    g.add_edge(INTERNET, np_id, share=Fraction(1))
            if spec.type == "LoadBalancer" and port.node_port and svc.status.load_balancer_ingress:
                lb = f"lb:{sid}"
                g.add_node(lb, kind="load-balancer", service=str(svc.ref),
                           ingress=tuple(svc.status.load_balancer_ingress))
                g.add_edge(INTERNET, lb, share=Fraction(1))
                eligible = [r.node for r in routes.get("NodePort", [])
                            if up.get(r.node) and (r.policy == "Cluster" or r.verdict == "forward")]
                for n in eligible:
                    _share_edges(g, lb, [(f"nodeport:{n}:{port.node_port}", Fraction(1, len(eligible)))])
    # The AWS side: load balancers, listeners, rules, target groups.
    for tg in cluster.list("AWSTargetGroup"):
        tid = f"tg:{tg.name}"
        g.add_node(tid, kind="target-group", target_type=tg.target_type, port=tg.port, service=tg.service,
                   targets=tuple(str(t) for t in tg.targets))
        used = targets_in_use(tg)
        service = services.get(_service_ref(tg.service))
        allow = bool(service and service.spec.publish_not_ready_addresses)
        for t in used:
            share = Fraction(1, len(used))
            node = node_of_instance(t.id)
            if node is not None:
                np_id = node_ports.get((node, t.port))
                if np_id is None:
                    np_id = f"nodeport:{node}:{t.port}"
                    g.add_node(np_id, kind="node-port", node=node, service=None, port=t.port)
                    sink = f"down:{node}" if not up.get(node) else "reject"
                    g.add_node(sink, kind="sink", reason="the node is down" if sink != "reject" else "no such node port")
                    g.add_edge(np_id, sink, share=Fraction(1))
                _share_edges(g, tid, [(np_id, share)])
            else:
                _share_edges(g, tid, [(_endpoint_node(g, state, by_ip, t.id, t.port), share)],
                             service=tg.service, allow_not_ready=allow)
    for lb in cluster.list("AWSLoadBalancer"):
        aid = f"alb:{lb.name}"
        g.add_node(aid, kind="alb", dns=lb.dns_name, scheme=lb.scheme, stack=lb.stack)
        g.add_edge(INTERNET, aid, share=Fraction(1))
        for ls in lb.listeners:
            lid = f"listener:{lb.name}:{ls.port}"
            g.add_node(lid, kind="listener", port=ls.port, protocol=ls.protocol)
            g.add_edge(aid, lid, share=Fraction(1))
            for rule in ls.rules:
                rid = f"rule:{lb.name}:{ls.port}:{rule.priority}"
                g.add_node(rid, kind="rule", priority=rule.priority, hosts=rule.hosts, paths=rule.paths,
                           ingress=rule.ingress)
                g.add_edge(lid, rid)
                _action_edge(g, rid, rule.action)
            did = f"default:{lb.name}:{ls.port}"
            g.add_node(did, kind="rule", priority=None, hosts=(), paths=(), ingress="")
            g.add_edge(lid, did)
            _action_edge(g, did, ls.default_action)
    return g


def _service_ref(text: str) -> ObjectRef | None:
    parts = text.split("/")
    return ObjectRef(*parts) if len(parts) == 3 else None


def _action_edge(g: nx.DiGraph, source: str, action: Any) -> None:
    if action.type == "forward":
        target = f"tg:{action.target_group}"
        if target not in g:
            g.add_node(target, kind="target-group", target_type=None, missing=True)
        g.add_edge(source, target, share=Fraction(1))
    else:
        target = f"fixed:{action.status_code}"
        g.add_node(target, kind="fixed-response", status_code=action.status_code)
        g.add_edge(source, target, share=Fraction(1))


def route_ends(g: nx.DiGraph, sources: Iterable[str] = (INTERNET, IN_CLUSTER)) -> set[str]:
    """Graph nodes reachable from ``sources`` over edges some connection takes (``share`` > 0)."""
    out: set[str] = set()
    todo = [s for s in sources if s in g]
    seen = set(todo)
    while todo:
        node = todo.pop()
        for nxt, data in g.adj[node].items():
            if nxt not in seen and data.get("share", 1) != 0:
                seen.add(nxt)
                out.add(nxt)
                todo.append(nxt)
    return out
