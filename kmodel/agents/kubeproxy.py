"""kube-proxy: the routing each node programs for each Service port.

kube-proxy runs on every node, watches Services and EndpointSlices, and programs the node's
packet filter (iptables or nftables) so that a connection to a Service frontend goes to one of
its endpoints. :func:`node_routes` computes, for one node, the :class:`Route` of every frontend:

* the **ClusterIP** (``clusterIP:port``) of every Service that has one;
* the **NodePort** (``<node>:nodePort``) of NodePort and LoadBalancer Services;
* the **LoadBalancer** ingress points and **externalIPs** (``<address>:port``);

each with the endpoints a new connection may go to and the probability of each. A headless
Service has no frontend (DNS answers with its endpoints' addresses; see :mod:`kmodel.traffic`)
and an ExternalName Service is a DNS CNAME.

Which endpoints (``CategorizeEndpoints``, ``pkg/proxy/topology.go``):

* the Service port's endpoints are those of every EndpointSlice labelled with the Service's name
  (whoever manages it) whose port of the same name and protocol has a number
  (``endpointslicecache.go``); an endpoint whose ``ready`` is unset counts as ready, ``serving``
  likewise, ``terminating`` as false; one endpoint per address;
* **Cluster** policy uses the ready endpoints, or, when there is none, the serving and
  terminating ones (the terminating fallback, KEP-1669); **Local** policy the ready endpoints on
  this node, else the serving and terminating ones on this node; a port uses Cluster endpoints
  when its internal policy is Cluster or it is externally accessible at all
  (``UsesClusterEndpoints``), and Local ones when either policy that applies is Local;
* traffic to the ClusterIP follows ``internalTrafficPolicy``; traffic to the NodePort, the load
  balancer and external IPs follows ``externalTrafficPolicy``;
* a frontend with no usable endpoint **rejects** connections (ICMP unreachable) when the Service
  has no usable endpoint anywhere, and **drops** them when it has some on other nodes only
  (Local policy).

Load balancing: the iptables proxier picks rule *i* of *n* with probability ``1/(n-i)``, so each
endpoint gets ``1/n`` of new connections; nftables uses a ``numgen random mod n`` map, also
uniform. The model gives each usable endpoint ``1/n`` (a :class:`fractions.Fraction`).
``sessionAffinity: ClientIP`` pins a client to the endpoint it last used for
``sessionAffinityConfig.clientIP.timeoutSeconds``: each *new* client is spread uniformly, and
every later connection of that client within the timeout goes to the same endpoint
(:attr:`Route.session_affinity`).

**kube-proxy's own lag** (opt-in: the ``proxyLags`` fault budget, :class:`kmodel.cluster.Faults`).
kube-proxy programs its rules from its own informers, and a sync can be late (a slow or failed
``iptables-restore`` is retried; a broken watch relists). By default the model's kube-proxy is
in sync: its rules are those of the current EndpointSlices, and the lag modelled is the
EndpointSlice controller's. With ``faults: {proxyLags: N}`` the explorer may, up to ``N`` times,
let one node's kube-proxy fall behind (the fault ``proxy-lag Node/<n>``): the node keeps a
:class:`KubeProxyView`, the EndpointSlices as it last synced them, and routes by it
(:func:`service_port_endpoints` with ``node``), so a removed or not-ready endpoint still gets
new connections there, until that node's kube-proxy syncs (the actor ``kube-proxy``, weakly
fair, one step per lagging node whose machine reaches the API server: :func:`sync_proxy_rules`),
which drops the view. Services are read current (only EndpointSlice updates lag), and DNS
answers for headless Services come from the current slices. The view names pods and nodes, so
the symmetry reduction renames it with them (:mod:`kmodel.references`).

Abstracted: topology hints and ``trafficDistribution``, IPv6, ``loadBalancerSourceRanges``, the
short-circuit of in-cluster traffic to load balancer IPs, the healthcheck server, and how long a
lag lasts (the named assumption ``proxy-lag-within-sync-period``, :mod:`kmodel.traffic`: a
lagging kube-proxy catches up within its 30 s ``--iptables-sync-period``).

Upstream: ``pkg/proxy/topology.go`` (``CategorizeEndpoints``), ``pkg/proxy/endpointslicecache.go``
(``addEndpoints``), ``pkg/proxy/serviceport.go`` (``UsesClusterEndpoints``,
``UsesLocalEndpoints``, ``ExternallyAccessible``), ``pkg/proxy/iptables/proxier.go``
(``writeServiceToEndpointRules``, ``syncProxyRules``), ``pkg/proxy/nftables/proxier.go``.

Examples
--------
>>> e = [ProxyEndpoint("192.168.0.1", 8080, "a", ready=True), ProxyEndpoint("192.168.0.2", 8080, "b", ready=False,
...      serving=True, terminating=True)]
>>> cluster, local, reachable, has_any = categorize_endpoints(e, uses_cluster=True, uses_local=True, node="b")
>>> [x.ip for x in cluster], [x.ip for x in local], has_any
(['192.168.0.1'], ['192.168.0.2'], True)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from kmodel.objects.meta import ObjectMeta, ObjectRef, _hash_field, record, uid_for
from kmodel.objects.networking import EndpointSlice, Service, ServicePort
from kmodel.state import ClusterState

__all__ = ["ProxyEndpoint", "Route", "KubeProxyView", "service_port_endpoints", "categorize_endpoints",
           "service_routes", "node_routes", "iptables_probabilities", "externally_accessible",
           "uses_cluster_endpoints", "uses_local_endpoints", "lagging_view", "view_of", "lag_steps", "keys",
           "sync_proxy_rules", "PROXY_LAG_BUDGET"]

#: The fault budget's name in ``Env.faults`` (``spec.faults.proxyLags``).
PROXY_LAG_BUDGET = "proxyLags"


@record
class KubeProxyView:
    """The EndpointSlices a lagging kube-proxy last synced (named after its node).

    Not an API object: kube-proxy's programmed rules on one machine, kept in the store beside the
    API objects as the AWS resources are (the API server never serves it).
    """

    metadata: ObjectMeta
    slices: tuple[EndpointSlice, ...] = ()
    _hash: int = _hash_field()

    kind = "KubeProxyView"
    api_version = "kmodel.dev/v1alpha1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("KubeProxyView", "", self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def node(self) -> str:
        return self.metadata.name


@dataclass(frozen=True, order=True)
class ProxyEndpoint:
    """An endpoint as kube-proxy sees it: address, port, node and the three conditions."""

    ip: str
    port: int
    node: str = ""
    ready: bool = True
    serving: bool = True
    terminating: bool = False

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass(frozen=True)
class Route:
    """What a connection to one frontend on one node does.

    ``kind`` is ``ClusterIP``, ``NodePort``, ``LoadBalancer`` or ``ExternalIP``; ``address`` the
    frontend (``10.100.1.1:80``, ``worker-a:30080``); ``verdict`` ``forward``, ``reject`` or
    ``drop``; ``endpoints`` the endpoints a new connection may go to, each with its probability.
    """

    kind: str
    address: str
    node: str
    service: str
    port: ServicePort
    policy: str
    verdict: str
    endpoints: tuple[tuple[ProxyEndpoint, Fraction], ...] = ()
    session_affinity: bool = False
    affinity_timeout: int | None = None


def iptables_probabilities(n: int) -> list[Fraction]:
    """The ``--probability`` of each of the ``n`` endpoint rules kube-proxy writes (the last is
    unconditional), and, by composition, the share each endpoint gets.

    Examples
    --------
    >>> [str(p) for p in iptables_probabilities(3)]
    ['1/3', '1/2', '1']
    """
    return [Fraction(1, n - i) for i in range(n)]


def _share(rules: Sequence[Fraction]) -> list[Fraction]:
    out = []
    left = Fraction(1)
    for p in rules:
        out.append(left * p)
        left *= 1 - p
    return out


def view_of(state: ClusterState, node: str) -> KubeProxyView | None:
    """The lagging view of ``node``'s kube-proxy, or ``None`` when it is in sync."""
    return state.get(ObjectRef("KubeProxyView", "", node)) if node else None


def _slices_seen(state: ClusterState, namespace: str, node: str | None) -> Sequence[EndpointSlice]:
    view = view_of(state, node) if node else None
    if view is None:
        return state.list("EndpointSlice", namespace)
    return [s for s in view.slices if s.metadata.namespace == namespace]


def service_port_endpoints(state: ClusterState, service: Service, port: ServicePort,
                           node: str | None = None) -> list[ProxyEndpoint]:
    """The endpoints of one Service port, from every EndpointSlice of the Service
    (``endpointslicecache.go``): one per address, a ready copy preferred over a not-ready one.
    With ``node``, as that node's kube-proxy sees them (its lagging view, if it has one)."""
    by_ip: dict[str, ProxyEndpoint] = {}
    for s in _slices_seen(state, service.metadata.namespace, node):
        if s.service_name != service.metadata.name or s.metadata.deleting:
            continue
        for p in s.ports:
            if p.name != port.name or p.protocol != port.protocol or not p.port:
                continue
            for e in s.endpoints:
                if not e.addresses:
                    continue
                ready = e.ready is None or e.ready
                serving = e.serving is None or e.serving
                ep = ProxyEndpoint(e.addresses[0], p.port, e.node_name, ready, serving, bool(e.terminating))
                old = by_ip.get(ep.ip)
                if old is None or (ep.ready and not old.ready):
                    by_ip[ep.ip] = ep
    return sorted(by_ip.values())


def categorize_endpoints(endpoints: Sequence[ProxyEndpoint], *, uses_cluster: bool, uses_local: bool,
                         node: str) -> tuple[list[ProxyEndpoint], list[ProxyEndpoint], list[ProxyEndpoint], bool]:
    """``CategorizeEndpoints`` without topology hints: the Cluster-policy endpoints, the
    Local-policy endpoints on ``node``, all reachable from ``node``, and whether the Service has
    a usable endpoint anywhere."""
    cluster: list[ProxyEndpoint] = []
    local: list[ProxyEndpoint] = []
    has_any = False
    if not endpoints:
        return cluster, local, [], False
    if uses_cluster:
        cluster = [e for e in endpoints if e.ready]
        if not cluster:
            cluster = [e for e in endpoints if e.serving and e.terminating]
        has_any = bool(cluster)
    if not uses_local:
        return cluster, local, cluster, has_any
    local_ready = local_terminating = False
    for e in endpoints:
        if e.ready:
            has_any = True
            local_ready = local_ready or e.node == node
        elif e.serving and e.terminating:
            has_any = True
            local_terminating = local_terminating or e.node == node
    if local_ready:
        local = [e for e in endpoints if e.node == node and e.ready]
    elif local_terminating:
        local = [e for e in endpoints if e.node == node and e.serving and e.terminating]
    if not uses_cluster:
        return cluster, local, local, has_any
    reachable = sorted(set(cluster) | set(local))
    return cluster, local, reachable, has_any


def externally_accessible(service: Service, port: ServicePort) -> bool:
    """``ExternallyAccessible``: a node port, a load balancer ingress point or external IPs."""
    return bool(port.node_port) or bool(service.status.load_balancer_ingress) or bool(service.spec.external_ips)


def uses_cluster_endpoints(internal_local: bool, external: bool) -> bool:
    """``UsesClusterEndpoints``: internal policy Cluster, or externally accessible at all (even
    with an external policy of Local, Cluster endpoints serve short-circuited traffic)."""
    return not internal_local or external


def uses_local_endpoints(internal_local: bool, external_local: bool, external: bool) -> bool:
    """``UsesLocalEndpoints``."""
    return internal_local or (external_local and external)


def _route(kind: str, address: str, node: str, service: Service, port: ServicePort, policy: str,
           usable: list[ProxyEndpoint], has_any: bool) -> Route:
    spec = service.spec
    affinity = spec.session_affinity == "ClientIP"
    if not usable:
        verdict = "drop" if has_any else "reject"
        return Route(kind, address, node, str(service.ref), port, policy, verdict, (), affinity,
                     spec.session_affinity_timeout)
    shares = _share(iptables_probabilities(len(usable)))
    return Route(kind, address, node, str(service.ref), port, policy, "forward",
                 tuple(zip(usable, shares, strict=True)), affinity, spec.session_affinity_timeout)


def service_routes(state: ClusterState, service: Service, node: str) -> list[Route]:
    """The routes kube-proxy on ``node`` programs for ``service``."""
    spec = service.spec
    if spec.type == "ExternalName" or spec.headless or not spec.cluster_ip:
        return []
    out = []
    for port in spec.ports:
        endpoints = service_port_endpoints(state, service, port, node)
        internal_local = spec.internal_traffic_policy == "Local"
        external = externally_accessible(service, port)
        external_local = external and spec.external_traffic_policy == "Local"
        uses_cluster = uses_cluster_endpoints(internal_local, external)
        uses_local = uses_local_endpoints(internal_local, external_local, external)
        cluster, local, _, has_any = categorize_endpoints(endpoints, uses_cluster=uses_cluster,
                                                          uses_local=uses_local, node=node)
        internal = local if internal_local else cluster
        out.append(_route("ClusterIP", f"{spec.cluster_ip}:{port.port}", node, service, port,
                          "Local" if internal_local else "Cluster", internal, has_any))
        if not external:
            continue
        outside = local if external_local else cluster
        policy = "Local" if external_local else "Cluster"
        if port.node_port:
            out.append(_route("NodePort", f"{node}:{port.node_port}", node, service, port, policy, outside, has_any))
        for point in service.status.load_balancer_ingress:
            out.append(_route("LoadBalancer", f"{point}:{port.port}", node, service, port, policy, outside, has_any))
        for ip in spec.external_ips:
            out.append(_route("ExternalIP", f"{ip}:{port.port}", node, service, port, policy, outside, has_any))
    return out


def node_routes(state: ClusterState, node: str) -> list[Route]:
    """Every route kube-proxy on ``node`` programs, by Service then port."""
    out = []
    for service in state.list("Service"):
        out.extend(service_routes(state, service, node))
    return out


# --- kube-proxy's lag (the proxyLags fault) ----------------------------------------------------


def lagging_view(state: ClusterState, node: str) -> KubeProxyView:
    """The view a kube-proxy that falls behind now keeps: the current EndpointSlices."""
    slices = tuple(s for s in state.list("EndpointSlice") if not s.metadata.deleting)
    return KubeProxyView(ObjectMeta(node, uid=uid_for("KubeProxyView", "", node)), slices)


def lag_steps(model: Any, world: Any, only: Any) -> Iterator[tuple[Any, Any]]:
    """The fault ``proxy-lag Node/<n>`` while the ``proxyLags`` budget lasts: a healthy node whose
    kube-proxy is in sync falls behind (only when some Service exists: otherwise there is nothing
    to program). Called from :func:`kmodel.faults.steps`."""
    from kmodel.cluster import Step, World
    from kmodel.faults import _spend, _used, machine_state

    budget = getattr(model.faults, "proxy_lags", 0)
    cluster, env = world.cluster, world.env
    if (only is not None and only.actor != "fault") or _used(env, PROXY_LAG_BUDGET) >= budget:
        return
    if not cluster.list("Service"):
        return
    env2 = _spend(env, PROXY_LAG_BUDGET)
    for node in cluster.list("Node"):
        if machine_state(env, node.name) == "up" and view_of(cluster, node.name) is None:
            yield Step("fault", "proxy-lag", node.ref), World(cluster.with_(lagging_view(cluster, node.name)), env2)


def keys(world: Any) -> list[ObjectRef]:
    """The lagging kube-proxies whose machine reaches the API server (they can sync)."""
    from kmodel.faults import reachable

    state = getattr(world, "cluster", world)
    env = getattr(world, "env", None)
    return [v.ref for v in state.list("KubeProxyView") if env is None or reachable(env, v.node)]


def sync_proxy_rules(world: Any, key: ObjectRef) -> tuple[Any, ...]:
    """``syncProxyRules`` of a lagging kube-proxy: it catches up with the current EndpointSlices
    (the view is dropped: the node routes by the store again)."""
    from kmodel.api import Delete

    state = getattr(world, "cluster", world)
    return (Delete(key),) if state.get(key) is not None else ()
