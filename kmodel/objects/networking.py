"""Services, EndpointSlices, Endpoints, Ingresses and IngressClasses.

(``k8s.io/api/core/v1``, ``k8s.io/api/discovery/v1``, ``k8s.io/api/networking/v1``.)

What is kept is what the modelled controllers (EndpointSlice, Endpoints, the ALB ingress
controller), kube-proxy and the traffic graph read:

* **Service**: ``type``, ``selector`` (``None`` when the Service has none: its endpoints are
  managed out of band), ``ports`` (name, protocol, port, ``targetPort`` as a number or a name,
  ``nodePort``), ``clusterIP`` (``"None"`` for a headless Service), ``externalName``,
  ``externalIPs``, ``sessionAffinity`` and its timeout, ``externalTrafficPolicy``,
  ``internalTrafficPolicy``, ``publishNotReadyAddresses``, ``allocateLoadBalancerNodePorts``,
  ``loadBalancerClass``, ``healthCheckNodePort``; status: the load balancer's ingress points.
  As with other kinds, the loader keeps what the manifest says and :mod:`kmodel.registry.service`
  defaults and allocates on admission (``""``/``None`` means "not given").
* **EndpointSlice**: ``addressType``, ``endpoints`` (addresses, the three conditions, the target
  pod, node name, zone) and ``ports``.
* **Endpoints** (the legacy API, still written by the Endpoints controller in v1.35): subsets of
  ready and not-ready addresses with their ports.
* **Ingress**: ``ingressClassName``, ``defaultBackend``, ``rules`` (host, HTTP paths with their
  type and backend), ``tls``; status: load balancer ingress points. **IngressClass**: its
  ``controller`` and whether it is the default class (annotation
  ``ingressclass.kubernetes.io/is-default-class``).

Abstracted: IPv6 and dual stack (every address is IPv4, ``ipFamilies`` is not kept), topology
hints and ``trafficDistribution``, endpoint ``hostname``/``subdomain`` (DNS is not modelled),
``loadBalancerSourceRanges``, ``externalIPs`` beyond routing, Ingress ``resource`` backends
beyond recording them, and Ingress TLS beyond recording the hosts.

Upstream: ``staging/src/k8s.io/api/core/v1/types.go`` (Service, Endpoints),
``staging/src/k8s.io/api/discovery/v1/types.go`` (EndpointSlice),
``staging/src/k8s.io/api/networking/v1/types.go`` (Ingress, IngressClass).

Examples
--------
>>> from kmodel.objects.meta import ObjectMeta
>>> svc = Service(ObjectMeta("web", "default"), ServiceSpec(selector=(("app", "web"),),
...               ports=(ServicePort(port=80, target_port="http"),)))
>>> svc.ref, svc.spec.has_selector, svc.spec.headless
(Service/default/web, True, False)
>>> ep = Endpoint(("10.244.0.5",), ready=True, serving=True, terminating=False,
...               target_ref=ObjectRef("Pod", "default", "web-1"), node_name="worker-a")
>>> str(ep)
'10.244.0.5 (Pod/default/web-1 on worker-a, ready)'
"""

from __future__ import annotations

from kmodel.objects.meta import Labels, ObjectMeta, ObjectRef, _hash_field, record

__all__ = [
    "SERVICE_TYPES",
    "LABEL_SERVICE_NAME",
    "LABEL_MANAGED_BY",
    "LABEL_HEADLESS",
    "ENDPOINTSLICE_CONTROLLER",
    "DEFAULT_CLASS_ANNOTATION",
    "ServicePort",
    "ServiceSpec",
    "ServiceStatus",
    "Service",
    "EndpointPort",
    "Endpoint",
    "EndpointSlice",
    "EndpointAddress",
    "EndpointSubset",
    "Endpoints",
    "IngressServiceBackend",
    "IngressBackend",
    "HTTPIngressPath",
    "IngressRule",
    "IngressTLS",
    "IngressSpec",
    "IngressStatus",
    "Ingress",
    "IngressClass",
]

SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
#: ``discovery.k8s.io/v1`` well-known labels.
LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
LABEL_HEADLESS = "service.kubernetes.io/headless"
ENDPOINTSLICE_CONTROLLER = "endpointslice-controller.k8s.io"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"


@record
class ServicePort:
    """``spec.ports[]``. ``target_port`` is an int, a port name, or ``None`` until defaulted
    (to ``port``); ``node_port`` is 0 until allocated."""

    port: int
    name: str = ""
    protocol: str = "TCP"
    target_port: int | str | None = None
    node_port: int = 0
    app_protocol: str = ""
    _hash: int = _hash_field()

    def __str__(self) -> str:
        name = f"{self.name} " if self.name else ""
        node = f" nodePort {self.node_port}" if self.node_port else ""
        return f"{name}{self.port}->{self.target_port}/{self.protocol}{node}"


@record
class ServiceSpec:
    """``spec`` of a Service. ``selector`` is ``None`` for a Service without a selector."""

    selector: Labels | None = None
    ports: tuple[ServicePort, ...] = ()
    type: str = ""
    cluster_ip: str = ""
    external_name: str = ""
    external_ips: tuple[str, ...] = ()
    session_affinity: str = ""
    session_affinity_timeout: int | None = None
    external_traffic_policy: str = ""
    internal_traffic_policy: str = ""
    publish_not_ready_addresses: bool = False
    allocate_load_balancer_node_ports: bool | None = None
    load_balancer_class: str = ""
    health_check_node_port: int = 0
    _hash: int = _hash_field()

    @property
    def has_selector(self) -> bool:
        """Whether the controllers manage this Service's endpoints (a non-empty selector).

        An empty ``selector: {}`` is stored as no selector (protobuf drops empty maps), so
        upstream's controllers treat it as none."""
        return bool(self.selector)

    @property
    def headless(self) -> bool:
        return self.cluster_ip == "None"

    def port_named(self, name: str) -> ServicePort | None:
        for p in self.ports:
            if p.name == name:
                return p
        return None

    def port_numbered(self, number: int) -> ServicePort | None:
        for p in self.ports:
            if p.port == number:
                return p
        return None


@record
class ServiceStatus:
    """``status.loadBalancer.ingress[]``: hostnames or IPs of the provisioned load balancer."""

    load_balancer_ingress: tuple[str, ...] = ()
    _hash: int = _hash_field()


@record
class Service:
    metadata: ObjectMeta
    spec: ServiceSpec
    status: ServiceStatus = ServiceStatus()
    _hash: int = _hash_field()

    kind = "Service"
    api_version = "v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("Service", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name


@record
class EndpointPort:
    """``EndpointSlice.ports[]`` and ``EndpointSubset.ports[]``."""

    port: int
    name: str = ""
    protocol: str = "TCP"
    app_protocol: str = ""
    _hash: int = _hash_field()

    def __str__(self) -> str:
        return f"{self.name + ' ' if self.name else ''}{self.port}/{self.protocol}"

    __repr__ = __str__


@record
class Endpoint:
    """``EndpointSlice.endpoints[]``. Conditions are ``None`` when unknown (as nil pointers)."""

    addresses: tuple[str, ...]
    ready: bool | None = None
    serving: bool | None = None
    terminating: bool | None = None
    target_ref: ObjectRef | None = None
    node_name: str = ""
    zone: str = ""
    hostname: str = ""
    _hash: int = _hash_field()

    def __str__(self) -> str:
        where = str(self.target_ref) if self.target_ref is not None else "no target"
        if self.node_name:
            where += f" on {self.node_name}"
        flags = [name for name, value in (("ready", self.ready), ("serving", self.serving and not self.ready),
                                          ("terminating", self.terminating)) if value]
        if not self.ready and not self.serving:
            flags.insert(0, "not ready")
        return f"{','.join(self.addresses) or '-'} ({where}, {', '.join(flags)})"

    __repr__ = __str__


@record
class EndpointSlice:
    """An EndpointSlice (``discovery.k8s.io/v1``)."""

    metadata: ObjectMeta
    endpoints: tuple[Endpoint, ...] = ()
    ports: tuple[EndpointPort, ...] = ()
    address_type: str = "IPv4"
    _hash: int = _hash_field()

    kind = "EndpointSlice"
    api_version = "discovery.k8s.io/v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("EndpointSlice", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def service_name(self) -> str | None:
        return self.metadata.label(LABEL_SERVICE_NAME)

    @property
    def managed_by(self) -> str | None:
        return self.metadata.label(LABEL_MANAGED_BY)


@record
class EndpointAddress:
    """``Endpoints.subsets[].addresses[]`` (and ``notReadyAddresses[]``)."""

    ip: str
    target_ref: ObjectRef | None = None
    node_name: str = ""
    hostname: str = ""
    _hash: int = _hash_field()

    def __str__(self) -> str:
        return f"{self.ip} ({self.target_ref})" if self.target_ref is not None else self.ip

    __repr__ = __str__


@record
class EndpointSubset:
    addresses: tuple[EndpointAddress, ...] = ()
    not_ready_addresses: tuple[EndpointAddress, ...] = ()
    ports: tuple[EndpointPort, ...] = ()
    _hash: int = _hash_field()


@record
class Endpoints:
    """An Endpoints object (``v1``, deprecated since v1.33 but still maintained)."""

    metadata: ObjectMeta
    subsets: tuple[EndpointSubset, ...] = ()
    _hash: int = _hash_field()

    kind = "Endpoints"
    api_version = "v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("Endpoints", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name


@record
class IngressServiceBackend:
    """``backend.service``: a Service and its port by number or by name."""

    name: str
    port_number: int = 0
    port_name: str = ""
    _hash: int = _hash_field()

    @property
    def port(self) -> int | str:
        return self.port_name or self.port_number

    def __str__(self) -> str:
        return f"{self.name}:{self.port}"


@record
class IngressBackend:
    """An Ingress backend: a Service port, or a resource (``apiGroup/kind/name``)."""

    service: IngressServiceBackend | None = None
    resource: tuple[str, str, str] | None = None
    _hash: int = _hash_field()

    def __str__(self) -> str:
        if self.service is not None:
            return f"service {self.service}"
        return f"resource {'/'.join(self.resource or ())}"


@record
class HTTPIngressPath:
    path: str
    path_type: str
    backend: IngressBackend
    _hash: int = _hash_field()


@record
class IngressRule:
    """``rules[]``: ``host`` (``""`` for any) and the HTTP paths (``None`` when ``http`` is absent)."""

    host: str = ""
    paths: tuple[HTTPIngressPath, ...] | None = None
    _hash: int = _hash_field()


@record
class IngressTLS:
    hosts: tuple[str, ...] = ()
    secret_name: str = ""
    _hash: int = _hash_field()


@record
class IngressSpec:
    ingress_class_name: str | None = None
    default_backend: IngressBackend | None = None
    rules: tuple[IngressRule, ...] = ()
    tls: tuple[IngressTLS, ...] = ()
    _hash: int = _hash_field()

    def backends(self) -> tuple[IngressBackend, ...]:
        """Every backend: the default one, then each path's, in manifest order."""
        out = [self.default_backend] if self.default_backend is not None else []
        for rule in self.rules:
            for path in rule.paths or ():
                out.append(path.backend)
        return tuple(out)


@record
class IngressStatus:
    load_balancer_ingress: tuple[str, ...] = ()
    _hash: int = _hash_field()


@record
class Ingress:
    metadata: ObjectMeta
    spec: IngressSpec
    status: IngressStatus = IngressStatus()
    _hash: int = _hash_field()

    kind = "Ingress"
    api_version = "networking.k8s.io/v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("Ingress", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name


@record
class IngressClass:
    """An IngressClass (cluster-scoped): the controller that implements it."""

    metadata: ObjectMeta
    controller: str = ""
    _hash: int = _hash_field()

    kind = "IngressClass"
    api_version = "networking.k8s.io/v1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("IngressClass", "", self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def is_default(self) -> bool:
        return self.metadata.annotation(DEFAULT_CLASS_ANNOTATION) == "true"
