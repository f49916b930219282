"""The service-discovery and load-balancing properties, as plain functions of a state.

:mod:`kmodel.properties` wraps them as the built-in properties:

* ``endpoints-correct`` (eventually always): a Service's endpoints are exactly the pods that
  should be in them, with the right ports and conditions (:func:`endpoint_errors`). Stated
  from the API's rules, independently of the controller's code: for every Service with a
  selector (not ExternalName), the endpoints of the EndpointSlices managed for it by the
  EndpointSlice controller are, as a multiset, one per selected pod that is not terminal, has an
  IP and is on an existing node (or the Service publishes not-ready addresses), with
  ``serving`` = the pod is Ready, ``terminating`` = it is being deleted, ``ready`` =
  ``publishNotReadyAddresses or (serving and not terminating)``, its node and zone, under the
  Service ports the pod resolves; those slices are owned by the Service and hold at most 100
  endpoints each. An Endpoints object, when there is one, lists the same pods (terminating ones
  only with ``publishNotReadyAddresses``) in ``addresses`` or ``notReadyAddresses``. For a
  Service without a selector, the EndpointSlices mirrored from its Endpoints object list
  exactly that object's addresses, each under its subset's ports and ready as listed (none
  when the object is missing or labelled ``endpointslice.kubernetes.io/skip-mirror: "true"``,
  or the Service has a selector). It is a liveness property: controllers lag, so endpoints are
  wrong for a while after every change.
* ``no-traffic-to-unready`` (always): no route of the traffic graph
  (:func:`kmodel.traffic.traffic_graph`) ends at an address no pod holds, at a node that is
  down, or at a pod that does not serve (not Running, containers not running, or on a node that
  is down), unless the route comes through a Service that publishes not-ready addresses to a
  pod that exists (:func:`unready_routes`). A terminating pod that still runs may receive
  traffic (that is graceful termination); one that is gone may not.
* ``service-reachable`` (always): every Service with a selector routes to a serving pod
  whenever one of its pods serves and the control plane has caught up: in every state where the
  Service's endpoints are what they should be (the ``endpoints-correct`` condition, for that
  Service) and one of its selected pods serves, every port of the Service has a route from its
  cluster IP (or, headless, its DNS name) to a selected pod that serves
  (:func:`unreachable_services`). A kube-proxy that lags (the ``proxyLags`` fault) is a
  component that has not acted yet too: while one does, the property is not checked. The guard leaves out the moments when a controller simply has
  not acted yet (``endpoints-correct`` covers those); what remains is a Service that is dark by
  design while its pods run: a named ``targetPort`` no pod declares, endpoints emptied by a
  control-plane partition, a Local traffic policy with no local endpoint.
* ``ingress-routes`` (eventually always): every Ingress backend names an existing Service and
  port that has a ready endpoint, and for an Ingress the ALB controller manages, its group's
  load balancer exists with the listeners and rules built from the Ingresses, and every target
  group registers exactly the targets its binding resolves (:func:`ingress_errors`).

Each function returns sentences saying what is wrong (an empty list when the property holds).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from kmodel.objects.meta import ObjectRef
from kmodel.objects.networking import ENDPOINTSLICE_CONTROLLER, Service, ServicePort
from kmodel.objects.nodes import ZONE_LABEL
from kmodel.objects.workloads import Pod, is_pod_ready
from kmodel.state import ClusterState

__all__ = ["endpoint_errors", "service_endpoint_errors", "unready_routes", "unreachable_services", "ingress_errors",
           "selected_pods"]


def _cluster(state: Any) -> ClusterState:
    return getattr(state, "cluster", state)


def selected_pods(state: ClusterState, service: Service) -> list[Pod]:
    """Pods of the Service's namespace whose labels include its selector."""
    want = dict(service.spec.selector or ())
    return [p for p in state.list("Pod", service.metadata.namespace)
            if all(dict(p.metadata.labels).get(k) == v for k, v in want.items())]


def _resolve(pod: Pod, port: ServicePort) -> int | None:
    """The container port a Service port reaches on this pod (``FindPort``'s rule)."""
    if isinstance(port.target_port, int):
        return port.target_port
    sidecars = [c for c in pod.spec.init_containers if c.restart_policy == "Always"]
    for c in list(pod.spec.containers) + sidecars:
        for p in c.ports:
            if p.name == port.target_port and p.protocol == port.protocol:
                return p.container_port
    return None


def _pod_ports(service: Service, pod: Pod) -> tuple[tuple[str, int, str], ...]:
    out = []
    for port in service.spec.ports:
        number = _resolve(pod, port)
        if number is not None:
            out.append((port.name, number, port.protocol))
    return tuple(sorted(out))


def _expected_slice_endpoints(state: ClusterState, service: Service) -> Counter[tuple[Any, ...]]:
    out: Counter[tuple[Any, ...]] = Counter()
    publish = service.spec.publish_not_ready_addresses
    for pod in selected_pods(state, service):
        if pod.status.phase in ("Succeeded", "Failed") or not pod.status.pod_ip:
            continue
        node = state.get(ObjectRef("Node", "", pod.spec.node_name)) if pod.spec.node_name else None
        if node is None and not publish:
            continue
        serving = is_pod_ready(pod)
        terminating = pod.metadata.deleting
        zone = (node.metadata.label(ZONE_LABEL) or "") if node is not None else ""
        out[(pod.status.pod_ip, pod.ref, publish or (serving and not terminating), serving, terminating,
             pod.spec.node_name, zone, _pod_ports(service, pod))] += 1
    return out


def _describe(entry: tuple[Any, ...]) -> str:
    ip, ref, ready, serving, terminating, node, _zone, ports = entry
    state = "ready" if ready else ("serving, terminating" if serving and terminating else
                                   "terminating" if terminating else "not ready")
    port_text = ",".join(f"{p[1]}" for p in ports) or "no port"
    return f"{ip} ({ref} on {node or 'no node'}, {state}, ports {port_text})"


def endpoint_errors(state: Any) -> list[str]:
    """Why some Service's endpoints are not the ones it should have (see the module docstring)."""
    cluster = _cluster(state)
    errors = []
    for service in cluster.list("Service"):
        errors.extend(service_endpoint_errors(cluster, service))
    return errors


def service_endpoint_errors(cluster: ClusterState, service: Service) -> list[str]:
    """:func:`endpoint_errors` for one Service."""
    errors: list[str] = []
    if service.spec.type != "ExternalName" and service.spec.has_selector:
        name = f"Service {service.metadata.namespace}/{service.metadata.name}"
        actual: Counter[tuple[Any, ...]] = Counter()
        for s in cluster.list("EndpointSlice", service.metadata.namespace):
            if s.service_name != service.metadata.name or s.managed_by != ENDPOINTSLICE_CONTROLLER:
                continue
            if not any(o.uid == service.metadata.uid for o in s.metadata.owner_references):
                errors.append(f"{name}: {s.ref} is not owned by the Service")
            if len(s.endpoints) > 100:
                errors.append(f"{name}: {s.ref} holds {len(s.endpoints)} endpoints (at most 100)")
            ports = tuple(sorted((p.name, p.port, p.protocol) for p in s.ports))
            for e in s.endpoints:
                actual[(e.addresses[0] if e.addresses else "", e.target_ref, e.ready, e.serving, e.terminating,
                        e.node_name, e.zone, ports)] += 1
        expected = _expected_slice_endpoints(cluster, service)
        for entry in sorted((expected - actual).elements(), key=repr):
            errors.append(f"{name}: its EndpointSlices lack {_describe(entry)}")
        for entry in sorted((actual - expected).elements(), key=repr):
            errors.append(f"{name}: its EndpointSlices list {_describe(entry)}, which they should not")
        errors.extend(_legacy_endpoint_errors(cluster, service, name))
    errors.extend(_mirror_errors(cluster, service))  # mirroring ignores the type, as upstream
    return errors


def _mirrored(cluster: ClusterState, service: Service) -> list[Any]:
    from kmodel.controllers.endpointslicemirroring import mirrored_slices

    return mirrored_slices(cluster, service.metadata.namespace, service.metadata.name)


def _mirror_errors(cluster: ClusterState, service: Service) -> list[str]:
    """The slices mirrored for a Service without a selector list exactly the addresses of its
    Endpoints object, once each under the ports of its (repacked) subset, ready as listed, owned
    by the Endpoints object; a Service with a selector, or an Endpoints object labelled
    ``skip-mirror`` or missing, has none (:mod:`kmodel.controllers.endpointslicemirroring`)."""
    from kmodel.controllers.endpoints import repack_subsets
    from kmodel.controllers.endpointslicemirroring import MAX_ENDPOINTS_PER_SUBSET, should_mirror

    name = f"Service {service.metadata.namespace}/{service.metadata.name}"
    eps = cluster.get(ObjectRef("Endpoints", service.metadata.namespace, service.metadata.name))
    mirrored = _mirrored(cluster, service)
    expected: Counter[tuple[Any, ...]] = Counter()
    if eps is not None and should_mirror(eps) and not service.spec.has_selector:
        subsets = list(repack_subsets([s for s in eps.subsets if s.ports]))
        subsets += [s for s in eps.subsets if not s.ports]
        if any(len(s.addresses) + len(s.not_ready_addresses) > MAX_ENDPOINTS_PER_SUBSET for s in subsets):
            return []  # which addresses are mirrored is the controller's choice
        for sub in subsets:
            ports = tuple(sorted((p.name, p.port, p.protocol) for p in sub.ports))
            for ready, addresses in ((True, sub.addresses), (False, sub.not_ready_addresses)):
                for a in addresses:
                    expected[(a.ip, a.target_ref, ready, a.node_name, a.hostname, ports)] += 1
    errors = []
    actual: Counter[tuple[Any, ...]] = Counter()
    for s in mirrored:
        if eps is not None and not any(o.uid == eps.metadata.uid and o.kind == "Endpoints"
                                       for o in s.metadata.owner_references):
            errors.append(f"{name}: mirrored {s.ref} is not owned by its Endpoints object")
        ports = tuple(sorted((p.name, p.port, p.protocol) for p in s.ports))
        for e in s.endpoints:
            actual[(e.addresses[0] if e.addresses else "", e.target_ref, e.ready, e.node_name, e.hostname, ports)] += 1
    for entry in sorted((expected - actual).elements(), key=repr):
        errors.append(f"{name}: its mirrored EndpointSlices lack {entry[0]} ({'ready' if entry[2] else 'not ready'}, "
                      f"ports {','.join(str(p[1]) for p in entry[5]) or 'none'}) of its Endpoints object")
    for entry in sorted((actual - expected).elements(), key=repr):
        errors.append(f"{name}: its mirrored EndpointSlices list {entry[0]} ({'ready' if entry[2] else 'not ready'}, "
                      f"ports {','.join(str(p[1]) for p in entry[5]) or 'none'}), which its Endpoints object does not")
    return errors


def _legacy_endpoint_errors(state: ClusterState, service: Service, name: str) -> list[str]:
    eps = state.get(ObjectRef("Endpoints", service.metadata.namespace, service.metadata.name))
    if eps is None or eps.metadata.annotation("endpoints.kubernetes.io/over-capacity"):
        return []
    publish = service.spec.publish_not_ready_addresses
    expected: Counter[tuple[Any, ...]] = Counter()
    for pod in selected_pods(state, service):
        if pod.status.phase in ("Succeeded", "Failed") or not pod.status.pod_ip:
            continue
        if pod.metadata.deleting and not publish:
            continue
        ready = publish or is_pod_ready(pod)
        ports = _pod_ports(service, pod) if service.spec.ports else (("", 0, ""),)
        for port in ports:
            expected[(pod.status.pod_ip, pod.ref, ready) + port] += 1
    actual: Counter[tuple[Any, ...]] = Counter()
    for sub in eps.subsets:
        ports = [(p.name, p.port, p.protocol) for p in sub.ports] or [("", 0, "")]
        for ready, addresses in ((True, sub.addresses), (False, sub.not_ready_addresses)):
            for a in addresses:
                for port in ports:
                    actual[(a.ip, a.target_ref, ready) + port] += 1
    out = []
    for entry in sorted((expected - actual).elements(), key=repr):
        out.append(f"{name}: its Endpoints lack {entry[0]} ({entry[1]}, {'ready' if entry[2] else 'not ready'}, "
                   f"port {entry[4]})")
    for entry in sorted((actual - expected).elements(), key=repr):
        out.append(f"{name}: its Endpoints list {entry[0]} ({entry[1]}, {'ready' if entry[2] else 'not ready'}, "
                   f"port {entry[4]}), which they should not")
    return out


def _has_traffic(cluster: ClusterState) -> bool:
    return bool(cluster.list("Service")) or bool(cluster.list("AWSTargetGroup"))


def _label(g: Any, node: str) -> str:
    data = g.nodes[node]
    kind = data.get("kind")
    if kind == "service-port":
        return f"ClusterIP {data['cluster_ip']}:{data['port']} of {data['service']}"
    if kind == "node-port":
        return f"NodePort {data['port']} on {data['node']}" + (f" ({data['service']})" if data.get("service") else "")
    if kind == "target-group":
        return f"ALB target group {node[3:]}"
    if kind == "headless":
        return f"DNS of headless {data['service']}"
    if kind == "load-balancer":
        return f"load balancer of {data['service']}"
    return node


def _lagging(cluster: ClusterState, g: Any, source: str, edge: dict[str, Any]) -> str:
    """Names the lagging kube-proxies (the ``proxyLags`` fault) a route goes through, when it
    goes through no other (the lag is then what makes the route)."""
    if not cluster.list("KubeProxyView"):
        return ""
    nodes = sorted(n for n, share in edge.get("per_node", {}).items() if share) or [g.nodes[source].get("node")]
    if not nodes or not all(n and cluster.get(ObjectRef("KubeProxyView", "", n)) is not None for n in nodes):
        return ""
    return f", through the lagging kube-proxy on {', '.join(nodes)}"


def unready_routes(state: Any) -> list[str]:
    """Routes that end at something that cannot serve (see the module docstring)."""
    from kmodel.traffic import route_ends, traffic_graph

    cluster = _cluster(state)
    if not _has_traffic(cluster):
        return []
    g = traffic_graph(state)
    reached = route_ends(g)
    out = []
    for node in sorted(reached):
        data = g.nodes[node]
        if data.get("kind") != "endpoint":
            continue
        sources = [(u, d) for u, _, d in g.in_edges(node, data=True) if u in reached and d.get("share", 1) != 0]
        if not sources:
            continue
        pod_node = f"pod:{data['pod'].split('/', 1)[1]}" if data.get("pod") else None
        if pod_node is None and data.get("external"):
            continue  # a server outside the cluster (a Service without a selector)
        if pod_node is None:
            problem = "which no pod has (its pod is gone)"
        elif g.nodes[pod_node]["serves"]:
            continue
        else:
            if all(d.get("allow_not_ready") for _, d in sources):
                continue
            p = g.nodes[pod_node]
            problem = (f"where {p['ref']} does not serve ({p['phase']}"
                       + (", terminating" if p["terminating"] else "") + ")")
        via = ", ".join(f"{_label(g, u)} ({d['share']} of new connections{_lagging(cluster, g, u, d)})"
                        for u, d in sorted(sources, key=lambda x: x[0]))
        out.append(f"{via} -> {data['ip']}:{data['port']}, {problem}")
    for node in sorted(reached):
        if node.startswith("down:"):
            sources = [u for u, _ in g.in_edges(node) if u in reached]
            via = ", ".join(_label(g, u) for u in sorted(sources))
            out.append(f"{via}: traffic goes to node {node[5:]}, which is down")
    return out


def unreachable_services(state: Any) -> list[str]:
    """Service ports with a serving pod that no route reaches (see the module docstring)."""
    from kmodel.traffic import pod_serves, route_ends, traffic_graph

    cluster = _cluster(state)
    services = [s for s in cluster.list("Service") if s.spec.has_selector and s.spec.type != "ExternalName"]
    if not services or cluster.list("KubeProxyView"):  # a kube-proxy has not caught up yet
        return []
    g = None
    out = []
    for service in services:
        serving = [p for p in selected_pods(cluster, service) if pod_serves(state, p)]
        if not serving or service_endpoint_errors(cluster, service):
            continue
        g = g if g is not None else traffic_graph(state)
        sid = f"{service.metadata.namespace}/{service.metadata.name}"
        want = {f"pod:{p.metadata.namespace}/{p.metadata.name}" for p in serving}
        fronts = ([f"dns:{sid}"] if service.spec.headless else
                  [f"clusterip:{sid}:{p.port}" for p in service.spec.ports])
        for front in fronts:
            if front not in g or not (route_ends(g, [front]) & want):
                where = "its DNS name" if front.startswith("dns:") else f"port {front.rsplit(':', 1)[1]}"
                why = ""
                port = None if front.startswith("dns:") else service.spec.port_numbered(int(front.rsplit(":", 1)[1]))
                if port is not None and isinstance(port.target_port, str) and \
                        all(_resolve(p, port) is None for p in serving):
                    why = (f" (its targetPort {port.target_port!r} names no {port.protocol} container port of "
                           "those pods)")
                elif front in g and any(v in ("reject", "drop") for v in g.successors(front)):
                    why = " (kube-proxy has no usable endpoint for it: they are not ready)"
                out.append(f"Service {sid}: {where} reaches no serving pod, though "
                           f"{', '.join(str(p.ref) for p in serving)} serve{'s' if len(serving) == 1 else ''}{why}")
    return out


def ingress_errors(state: Any) -> list[str]:
    """Ingress backends that do not resolve, and ALBs that disagree with their Ingresses."""
    from kmodel.agents.kubeproxy import service_port_endpoints
    from kmodel.controllers import ingress as alb
    from kmodel.controllers.targetgroupbinding import desired_targets

    cluster = _cluster(state)
    out = []
    groups = set()
    for ing in cluster.list("Ingress"):
        name = f"Ingress {ing.metadata.namespace}/{ing.metadata.name}"
        for backend in ing.spec.backends():
            if backend.service is None:
                continue
            b = backend.service
            service = cluster.get(ObjectRef("Service", ing.metadata.namespace, b.name))
            if service is None:
                out.append(f"{name}: backend {b}: Service {ing.metadata.namespace}/{b.name} does not exist")
                continue
            port = service.spec.port_named(b.port_name) if b.port_name else service.spec.port_numbered(b.port_number)
            if port is None:
                have = ", ".join(f"{p.port} ({p.name})" if p.name else str(p.port) for p in service.spec.ports)
                out.append(f"{name}: backend {b}: Service {ing.metadata.namespace}/{b.name} has no port "
                           f"{b.port} (it has {have or 'none'})")
                continue
            if not any(e.ready for e in service_port_endpoints(cluster, service, port)):
                out.append(f"{name}: backend {b}: the Service port has no ready endpoint")
        gid = alb.group_id(cluster, ing)
        if gid is not None:
            groups.add(gid)
    for gid in sorted(groups):
        members = alb.group_members(cluster, gid)
        try:
            stack = alb.build_stack(cluster, gid, members)
        except alb.BuildError as exc:
            out.append(f"ALB of IngressGroup {alb._stack(gid)}: the controller cannot build it: {exc}")
            continue
        lb = cluster.get(stack.load_balancer.ref)
        if lb is None:
            out.append(f"ALB of IngressGroup {alb._stack(gid)}: not provisioned yet")
            continue
        if lb.listeners != stack.load_balancer.listeners:
            out.append(f"ALB {lb.name}: its listener rules differ from the Ingresses'")
        for tgb in stack.bindings:
            tg = cluster.get(ObjectRef("AWSTargetGroup", "", tgb.spec.target_group_name))
            if tg is None:
                out.append(f"ALB {lb.name}: target group {tgb.spec.target_group_name} does not exist")
                continue
            want = desired_targets(cluster, tgb)
            have = sorted((t.id, t.port) for t in tg.targets)
            if want is not None and have != want:
                out.append(f"ALB target group {tg.name} ({tg.service} port {tgb.spec.service_port}) registers "
                           f"{_targets(have)}, its endpoints are {_targets(want)}")
    return out


def _targets(items: list[tuple[str, int]]) -> str:
    return "[" + ", ".join(f"{a}:{p}" for a, p in items) + "]" if items else "nothing"
