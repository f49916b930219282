"""Loading and validating Services, Endpoints, EndpointSlices, Ingresses and IngressClasses.

:mod:`kmodel.manifests` hands each document of these kinds to a reader here; errors name the
file, line, document and field as for every other kind. Defaults and allocation (ClusterIP,
node ports) are the API server's (:mod:`kmodel.registry.service`), not the loader's.

What is read
------------
Service (``v1``)
    ``spec.type``, ``selector`` (an empty or absent selector means none: the Service's
    endpoints are managed out of band), ``ports`` (``name``, ``protocol``, ``port``,
    ``targetPort`` as a number or a name, ``nodePort``, ``appProtocol``), ``clusterIP`` (and
    ``clusterIPs``, which must agree with it), ``externalName``, ``externalIPs``,
    ``sessionAffinity`` with ``sessionAffinityConfig.clientIP.timeoutSeconds``,
    ``externalTrafficPolicy``, ``internalTrafficPolicy``, ``publishNotReadyAddresses``,
    ``allocateLoadBalancerNodePorts``, ``loadBalancerClass``, ``healthCheckNodePort``;
    ``status.loadBalancer.ingress`` (hostnames or IPs). Accepted and ignored:
    ``loadBalancerIP``, ``loadBalancerSourceRanges``, ``trafficDistribution``,
    ``status.conditions``. ``ipFamilies`` must be ``[IPv4]`` and ``ipFamilyPolicy``
    ``SingleStack`` if given (kmodel models IPv4 only; anything else is an error, not ignored).
EndpointSlice (``discovery.k8s.io/v1``)
    ``addressType`` (``IPv4`` only), ``endpoints`` (``addresses``, ``conditions``,
    ``targetRef`` to a Pod, ``nodeName``, ``zone``, ``hostname``; ``hints`` ignored) and
    ``ports``. Labels such as ``kubernetes.io/service-name`` come with metadata.
Endpoints (``v1``)
    ``subsets`` with ``addresses``, ``notReadyAddresses`` (``ip``, ``hostname``, ``nodeName``,
    ``targetRef``) and ``ports``.
Ingress (``networking.k8s.io/v1``)
    ``spec.ingressClassName``, ``defaultBackend``, ``rules`` (``host``, ``http.paths`` with
    ``path``, ``pathType``, ``backend``), ``tls`` (``hosts``, ``secretName``),
    ``status.loadBalancer.ingress``.
IngressClass (``networking.k8s.io/v1``)
    ``spec.controller``; ``spec.parameters`` is accepted and ignored.

Validation (``pkg/apis/core/validation/validation.go`` ``ValidateService``,
``pkg/apis/discovery/validation``, ``pkg/apis/networking/validation/validation.go``): required
fields; enumerations (type, protocol, session affinity, traffic policies, path type); port
numbers 1-65535; ``targetPort`` names are IANA service names (at most 15 lowercase letters,
digits and dashes, with a letter); port names are required when a Service has more than one
port and unique; ``(port, protocol)`` pairs unique; ``nodePort`` only for NodePort and
LoadBalancer Services; ``sessionAffinityConfig`` only with ``ClientIP``, timeout 1-86400;
``externalTrafficPolicy`` only for externally reachable Services; ``allocateLoadBalancerNodePorts``
only for LoadBalancer; an ExternalName Service needs ``externalName`` (a DNS name) and no
cluster IP; a headless NodePort or LoadBalancer Service is invalid; ``clusterIP`` is ``None`` or
an IPv4 address. Ingress: a default backend or rules; paths absolute for ``Exact`` and
``Prefix``; a backend is a service or a resource, not both; a service port by name or number,
not both; hosts are DNS names (a leading ``*.`` allowed), not IPs. EndpointSlice: at most 1000
endpoints and 100 ports, each endpoint with 1-100 addresses.

Examples
--------
>>> import io
>>> from kmodel.manifests import load
>>> text = '''
... apiVersion: v1
... kind: Service
... metadata: {name: web}
... spec:
...   type: NodePort
...   selector: {app: web}
...   ports: [{port: 80, targetPort: http, nodePort: 30080}]
... '''
>>> svc = load(["-"], stdin=io.StringIO(text)).objects[0]
>>> svc.spec.type, svc.spec.ports[0].target_port, svc.spec.ports[0].node_port, svc.spec.cluster_ip
('NodePort', 'http', 30080, '')
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from kmodel.objects.meta import ObjectRef
from kmodel.objects.networking import (
    SERVICE_TYPES,
    Endpoint,
    EndpointAddress,
    EndpointPort,
    Endpoints,
    EndpointSlice,
    EndpointSubset,
    HTTPIngressPath,
    Ingress,
    IngressBackend,
    IngressClass,
    IngressRule,
    IngressServiceBackend,
    IngressSpec,
    IngressStatus,
    IngressTLS,
    Service,
    ServicePort,
    ServiceSpec,
    ServiceStatus,
)

if TYPE_CHECKING:
    from kmodel.manifests import _Obj

__all__ = ["READERS", "ROOT_FIELDS", "ipv4", "is_iana_svc_name"]

_PROTOCOLS = ("TCP", "UDP", "SCTP")
_AFFINITIES = ("None", "ClientIP")
_TRAFFIC_POLICIES = ("Cluster", "Local")
_PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
_IANA = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = re.compile(rf"{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*")
_MAX_AFFINITY_TIMEOUT = 86400

_SERVICE_SPEC_FIELDS = (
    "ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity",
    "loadBalancerIP", "loadBalancerSourceRanges", "externalName", "externalTrafficPolicy",
    "healthCheckNodePort", "publishNotReadyAddresses", "sessionAffinityConfig", "ipFamilies",
    "ipFamilyPolicy", "allocateLoadBalancerNodePorts", "loadBalancerClass", "internalTrafficPolicy",
    "trafficDistribution")
_SERVICE_PORT_FIELDS = ("name", "protocol", "appProtocol", "port", "targetPort", "nodePort")
_LB_INGRESS_FIELDS = ("ip", "hostname", "ipMode", "ports")
_SLICE_FIELDS = ("apiVersion", "kind", "metadata", "addressType", "endpoints", "ports")
_ENDPOINT_FIELDS = ("addresses", "conditions", "hostname", "targetRef", "deprecatedTopology", "nodeName",
                    "zone", "hints")
_TARGET_REF_FIELDS = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
_ENDPOINT_PORT_FIELDS = ("name", "protocol", "port", "appProtocol")
_ENDPOINTS_FIELDS = ("apiVersion", "kind", "metadata", "subsets")
_SUBSET_FIELDS = ("addresses", "notReadyAddresses", "ports")
_ADDRESS_FIELDS = ("ip", "hostname", "nodeName", "targetRef")
_INGRESS_SPEC_FIELDS = ("ingressClassName", "defaultBackend", "tls", "rules")
_BACKEND_FIELDS = ("service", "resource")
_SERVICE_BACKEND_FIELDS = ("name", "port")
_BACKEND_PORT_FIELDS = ("name", "number")
_RESOURCE_FIELDS = ("apiGroup", "kind", "name")
_RULE_FIELDS = ("host", "http")
_PATH_FIELDS = ("path", "pathType", "backend")
_TLS_FIELDS = ("hosts", "secretName")
_CLASS_SPEC_FIELDS = ("controller", "parameters")


def _manifests() -> Any:
    from kmodel import manifests

    return manifests


def ipv4(o: _Obj, key: str, *, allow_none: bool = False) -> str:
    """An IPv4 address at ``key`` (``""`` when absent; ``"None"`` too if ``allow_none``)."""
    value = o.str(key)
    if not value or (allow_none and value == "None"):
        return value
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        o.fail(f"must be a valid IP address, (e.g. 10.9.8.7), got {value!r}", key)
    if address.version != 4:
        o.fail(f"IPv6 address {value!r}: kmodel models IPv4 only", key)
    return value


def is_iana_svc_name(name: str) -> bool:
    """``validation.IsValidPortName``: 1-15 lowercase letters, digits and dashes, with a letter,
    no dash at either end and no two dashes in a row.

    Examples
    --------
    >>> [is_iana_svc_name(n) for n in ("http", "h2c-web", "8080", "-a", "a--b", "HTTP", "abcdefghijklmnop")]
    [True, True, False, False, False, False, False]
    """
    return (0 < len(name) <= 15 and bool(_IANA.fullmatch(name)) and "--" not in name
            and any(c.isalpha() for c in name))


def _port_number(o: _Obj, key: str, *, required: bool = False) -> int:
    value = o.int(key, 0, required=required)
    assert value is not None
    if (required or value) and not 1 <= value <= 65535:
        o.fail(f"must be between 1 and 65535, inclusive, got {value}", key)
    return value


def _target_port(o: _Obj) -> int | str | None:
    raw = o.raw("targetPort")
    if raw is None:
        return None
    if isinstance(raw, str):
        if raw.isdigit():
            o.fail(f"a port name must contain a letter; write the number {raw} without quotes", "targetPort")
        if not is_iana_svc_name(raw):
            o.fail(f"{raw!r} is not a valid port name: at most 15 lowercase letters, digits and '-', with "
                   "at least one letter, not starting or ending with '-'", "targetPort")
        return raw
    return _port_number(o, "targetPort", required=True)


def _lb_ingress(status: _Obj) -> tuple[str, ...]:
    lb = status.map("loadBalancer")
    lb.known(("ingress",))
    out = []
    for item in lb.objs("ingress"):
        item.known(_LB_INGRESS_FIELDS)
        point = item.str("hostname") or ipv4(item, "ip")
        if point:
            out.append(point)
    return tuple(out)


def _read_service(o: _Obj) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _manifests()._metadata(o, "Service")
    s = o.map("spec")
    s.known(_SERVICE_SPEC_FIELDS)
    kind = s.enum("type", SERVICE_TYPES, "")
    effective = kind or "ClusterIP"
    cluster_ip = ipv4(s, "clusterIP", allow_none=True)
    ips = s.strings("clusterIPs")
    if ips:
        if cluster_ip and ips[0] != cluster_ip:
            s.fail(f"must agree with spec.clusterIP ({cluster_ip})", "clusterIPs")
        if len(ips) > 1:
            s.fail("dual-stack cluster IPs: kmodel models IPv4 only", "clusterIPs")
        cluster_ip = cluster_ip or ips[0]
    families = s.strings("ipFamilies")
    if any(f != "IPv4" for f in families):
        s.fail(f"ipFamilies {list(families)}: kmodel models IPv4 only", "ipFamilies")
    policy = s.str("ipFamilyPolicy")
    if policy and policy != "SingleStack":
        s.fail(f"ipFamilyPolicy {policy!r}: kmodel models single-stack IPv4 only", "ipFamilyPolicy")
    selector = s.str_map("selector") or None
    headless = cluster_ip == "None"
    ports: list[ServicePort] = []
    seen_names: dict[str, str] = {}
    seen_ports: dict[tuple[int, str], str] = {}
    items = s.objs("ports")
    for p in items:
        p.known(_SERVICE_PORT_FIELDS)
        name = p.str("name")
        if len(items) > 1 and not name:
            p.fail("required when a Service has more than one port", "name")
        if name:
            if not is_iana_svc_name(name):
                p.fail(f"{name!r} is not a valid port name (lowercase letters, digits and '-', at most 15, "
                       "with a letter)", "name")
            if name in seen_names:
                p.fail(f"duplicate port name {name!r} (also {seen_names[name]})", "name")
            seen_names[name] = p.path
        protocol = p.enum("protocol", _PROTOCOLS, "TCP")
        number = _port_number(p, "port", required=True)
        if (number, protocol) in seen_ports:
            p.fail(f"duplicate port {number}/{protocol} (also {seen_ports[(number, protocol)]})", "port")
        seen_ports[(number, protocol)] = p.path
        node_port = _port_number(p, "nodePort")
        if node_port and effective not in ("NodePort", "LoadBalancer"):
            p.fail(f"may not be used when `type` is '{effective}'", "nodePort")
        ports.append(ServicePort(number, name, protocol, _target_port(p), node_port, p.str("appProtocol")))
    if not ports and not headless and effective != "ExternalName":
        s.fail("required value: a Service needs at least one port (unless it is headless or ExternalName)",
               "ports")
    external_name = s.str("externalName")
    if effective == "ExternalName":
        if not external_name:
            s.fail("required when `type` is 'ExternalName'", "externalName")
        if not _DNS1123_SUBDOMAIN.fullmatch(external_name.rstrip(".")) or len(external_name) > 253:
            s.fail(f"{external_name!r} must be a valid DNS name (lowercase letters, digits, '-' and '.')",
                   "externalName")
        if cluster_ip and cluster_ip != "None":
            s.fail("may not be set when `type` is 'ExternalName'", "clusterIP")
    elif headless and effective in ("NodePort", "LoadBalancer"):
        s.fail(f"may not be set to 'None' for {effective} services", "clusterIP")
    affinity = s.enum("sessionAffinity", _AFFINITIES, "")
    timeout = None
    config = s.map("sessionAffinityConfig")
    config.known(("clientIP",))
    if config.has("clientIP"):
        client = config.map("clientIP")
        client.known(("timeoutSeconds",))
        if affinity != "ClientIP":
            s.fail("must not be set when `sessionAffinity` is not 'ClientIP'", "sessionAffinityConfig")
        timeout = client.int("timeoutSeconds", None)
        if timeout is not None and not 0 < timeout <= _MAX_AFFINITY_TIMEOUT:
            client.fail(f"must be greater than 0 and less than {_MAX_AFFINITY_TIMEOUT}, got {timeout}",
                        "timeoutSeconds")
    external_ips = tuple(s.strings("externalIPs"))
    etp = s.enum("externalTrafficPolicy", _TRAFFIC_POLICIES, "")
    if etp and effective not in ("NodePort", "LoadBalancer") and not external_ips:
        s.fail("may only be set for externally-accessible services (NodePort, LoadBalancer or with "
               "externalIPs)", "externalTrafficPolicy")
    allocate = s.raw("allocateLoadBalancerNodePorts")
    if allocate is not None and effective != "LoadBalancer":
        s.fail("may only be used when `type` is 'LoadBalancer'", "allocateLoadBalancerNodePorts")
    health = _port_number(s, "healthCheckNodePort")
    spec = ServiceSpec(
        selector=selector,
        ports=tuple(ports),
        type=kind,
        cluster_ip=cluster_ip,
        external_name=external_name,
        external_ips=external_ips,
        session_affinity=affinity,
        session_affinity_timeout=timeout,
        external_traffic_policy=etp,
        internal_traffic_policy=s.enum("internalTrafficPolicy", _TRAFFIC_POLICIES, ""),
        publish_not_ready_addresses=s.bool("publishNotReadyAddresses"),
        allocate_load_balancer_node_ports=None if allocate is None else s.bool("allocateLoadBalancerNodePorts"),
        load_balancer_class=s.str("loadBalancerClass"),
        health_check_node_port=health,
    )
    status = o.map("status")
    status.known(("loadBalancer", "conditions"))
    return Service(meta, spec, ServiceStatus(_lb_ingress(status))), uid, owners


def _target_ref(o: _Obj) -> ObjectRef | None:
    if not o.has("targetRef"):
        return None
    r = o.map("targetRef")
    r.known(_TARGET_REF_FIELDS)
    return ObjectRef(r.str("kind", required=True), r.str("namespace"), r.str("name", required=True))


def _endpoint_ports(o: _Obj, limit: int) -> tuple[EndpointPort, ...]:
    ports = []
    items = o.objs("ports")
    if len(items) > limit:
        o.fail(f"must have at most {limit} items", "ports")
    for p in items:
        p.known(_ENDPOINT_PORT_FIELDS)
        ports.append(EndpointPort(_port_number(p, "port", required=True), p.str("name"),
                                  p.enum("protocol", _PROTOCOLS, "TCP"), p.str("appProtocol")))
    return tuple(ports)


def _optional_bool(o: _Obj, key: str) -> bool | None:
    return o.bool(key) if o.raw(key) is not None else None


def _read_endpointslice(o: _Obj) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _manifests()._metadata(o, "EndpointSlice")
    o.known(_SLICE_FIELDS)
    address_type = o.str("addressType", required=True)
    if address_type != "IPv4":
        o.fail(f"addressType {address_type!r}: kmodel models IPv4 only", "addressType")
    endpoints = []
    items = o.objs("endpoints")
    if len(items) > 1000:
        o.fail("must have at most 1000 items", "endpoints")
    for e in items:
        e.known(_ENDPOINT_FIELDS)
        addresses = []
        for item, path, line in e.list("addresses"):
            if not isinstance(item, str):
                e.ctx.fail("expected a string (an IPv4 address)", path, line)
            try:
                ok = ipaddress.ip_address(item).version == 4
            except ValueError:
                ok = False
            if not ok:
                e.ctx.fail(f"{item!r} is not an IPv4 address", path, line)
            addresses.append(item)
        if not 1 <= len(addresses) <= 100:
            e.fail("must have between 1 and 100 addresses", "addresses")
        c = e.map("conditions")
        c.known(("ready", "serving", "terminating"))
        endpoints.append(Endpoint(tuple(addresses), _optional_bool(c, "ready"), _optional_bool(c, "serving"),
                                  _optional_bool(c, "terminating"), _target_ref(e), e.str("nodeName"),
                                  e.str("zone"), e.str("hostname")))
    return EndpointSlice(meta, tuple(endpoints), _endpoint_ports(o, 100), address_type), uid, owners


def _addresses(s: _Obj, key: str) -> tuple[EndpointAddress, ...]:
    out = []
    for a in s.objs(key):
        a.known(_ADDRESS_FIELDS)
        ip = ipv4(a, "ip")
        if not ip:
            a.fail("required field is missing", "ip")
        out.append(EndpointAddress(ip, _target_ref(a), a.str("nodeName"), a.str("hostname")))
    return tuple(out)


def _read_endpoints(o: _Obj) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _manifests()._metadata(o, "Endpoints")
    o.known(_ENDPOINTS_FIELDS)
    subsets = []
    for s in o.objs("subsets"):
        s.known(_SUBSET_FIELDS)
        subsets.append(EndpointSubset(_addresses(s, "addresses"), _addresses(s, "notReadyAddresses"),
                                      _endpoint_ports(s, 1 << 30)))
    return Endpoints(meta, tuple(subsets)), uid, owners


def _host(o: _Obj, key: str) -> str:
    host = o.str(key)
    if not host:
        return host
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        o.fail(f"must be a DNS name, not an IP address: {host!r}", key)
    bare = host[2:] if host.startswith("*.") else host
    if not _DNS1123_SUBDOMAIN.fullmatch(bare) or len(host) > 253:
        o.fail(f"{host!r} must be a DNS name (lowercase letters, digits, '-' and '.', optionally starting "
               "with '*.')", key)
    return host


def _backend(o: _Obj, key: str, *, required: bool) -> IngressBackend | None:
    if not o.has(key):
        if required:
            o.fail("required field is missing", key)
        return None
    b = o.map(key)
    b.known(_BACKEND_FIELDS)
    if b.has("service") == b.has("resource"):
        b.fail("exactly one of `service` or `resource` must be specified")
    if b.has("resource"):
        r = b.map("resource")
        r.known(_RESOURCE_FIELDS)
        return IngressBackend(resource=(r.str("apiGroup"), r.str("kind", required=True), r.str("name", required=True)))
    s = b.map("service")
    s.known(_SERVICE_BACKEND_FIELDS)
    name = s.str("name", required=True)
    port = s.map("port", required=True)
    port.known(_BACKEND_PORT_FIELDS)
    if port.has("name") == port.has("number"):
        port.fail("exactly one of `name` or `number` must be specified")
    port_name = port.str("name")
    if port_name and not is_iana_svc_name(port_name):
        port.fail(f"{port_name!r} is not a valid port name", "name")
    number = _port_number(port, "number", required=not port_name)
    return IngressBackend(service=IngressServiceBackend(name, number, port_name))


def _read_ingress(o: _Obj) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _manifests()._metadata(o, "Ingress")
    s = o.map("spec")
    s.known(_INGRESS_SPEC_FIELDS)
    class_name = s.str("ingressClassName") if s.has("ingressClassName") else None
    default = _backend(s, "defaultBackend", required=False)
    rules = []
    for r in s.objs("rules"):
        r.known(_RULE_FIELDS)
        host = _host(r, "host")
        paths = None
        if r.has("http"):
            h = r.map("http")
            h.known(("paths",))
            items = h.objs("paths")
            if not items:
                h.fail("required value: at least one path", "paths")
            paths = []
            for p in items:
                p.known(_PATH_FIELDS)
                path_type = p.enum("pathType", _PATH_TYPES, "", required=True)
                path = p.str("path")
                if path_type in ("Exact", "Prefix") and not path.startswith("/"):
                    p.fail(f"must be an absolute path, got {path!r}", "path")
                if path and not path.startswith("/"):
                    p.fail(f"must be an absolute path, got {path!r}", "path")
                paths.append(HTTPIngressPath(path, path_type, _backend(p, "backend", required=True)))  # type: ignore[arg-type]
            paths = tuple(paths)
        rules.append(IngressRule(host, paths))
    if default is None and not rules:
        s.fail("either `defaultBackend` or `rules` must be specified")
    tls = []
    for t in s.objs("tls"):
        t.known(_TLS_FIELDS)
        tls.append(IngressTLS(t.strings("hosts"), t.str("secretName")))
    status = o.map("status")
    status.known(("loadBalancer",))
    spec = IngressSpec(class_name, default, tuple(rules), tuple(tls))
    return Ingress(meta, spec, IngressStatus(_lb_ingress(status))), uid, owners


def _read_ingress_class(o: _Obj) -> tuple[Any, str, tuple[str, ...]]:
    meta, uid, owners = _manifests()._metadata(o, "IngressClass")
    s = o.map("spec")
    s.known(_CLASS_SPEC_FIELDS)
    return IngressClass(meta, s.str("controller", required=True)), uid, owners


#: Top-level fields of the kinds that have no ``spec``.
ROOT_FIELDS = {"EndpointSlice": _SLICE_FIELDS, "Endpoints": _ENDPOINTS_FIELDS}

#: kind -> reader, merged into the loader's table.
READERS = {
    "Service": _read_service,
    "EndpointSlice": _read_endpointslice,
    "Endpoints": _read_endpoints,
    "Ingress": _read_ingress,
    "IngressClass": _read_ingress_class,
}
