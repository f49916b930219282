"""The AWS Load Balancer Controller's Ingress reconciler (an ALB per IngressGroup).

``reconcile(state, key)`` handles one IngressGroup (``key`` is ``IngressGroup/<ns>/<name>`` for
the implicit group of one Ingress, ``IngressGroup/<name>`` for an explicit group): it loads the
group's members, builds the stack upstream builds (a load balancer, its listeners, their rules
and default actions, a target group and a TargetGroupBinding per backend) and deploys it: the
AWS resources (:mod:`kmodel.objects.elbv2`, kept beside the cluster) are created, updated or
deleted to match, the TargetGroupBindings likewise, and the members' ``status.loadBalancer``
gets the load balancer's DNS name. Targets are registered by the second reconciler
(:mod:`kmodel.controllers.targetgroupbinding`), and AWS's health checks are a third actor
(:mod:`kmodel.aws`): the ALB path has three lags.

Group membership (``pkg/ingress/group_loader.go``, ``class_loader.go``): an Ingress is managed
when its ``kubernetes.io/ingress.class`` annotation is ``alb``, or (without that annotation)
its IngressClass (``spec.ingressClassName``, else the one default class) has controller
``ingress.k8s.aws/alb``; an Ingress naming a missing class is not a member. It belongs to the
group ``alb.ingress.kubernetes.io/group.name`` (validated by :func:`validate_group_name`; an
invalid name leaves the group), else to its own implicit group; an Ingress being deleted
belongs to none. Members are ordered by ``alb.ingress.kubernetes.io/group.order`` (-1000..1000,
default 0), then by ``namespace/name`` (:func:`sort_group_members`).

The stack (``pkg/ingress/model_build_*.go``):

* listeners: the union of the members' ``alb.ingress.kubernetes.io/listen-ports`` (a JSON list
  such as ``[{"HTTP": 80}, {"HTTPS": 443}]``, default HTTP 80), each listener holding the
  members that listen on its port (:func:`compute_ingress_listen_ports`);
* rules: for each member in order, each rule with ``http``, each path in the order of
  :func:`sort_ingress_paths` (Exact, then Prefix by decreasing length, then the rest as
  written): conditions ``host-header`` (the rule's host) and ``path-pattern``
  (:func:`build_path_patterns`; ``/*`` when there is none), action forward to the backend's
  target group; priorities 1, 2, 3... in that order;
* default action: the one member's ``defaultBackend`` (two are an error), else a fixed 404;
* target groups: one per member, Service and port (:func:`build_target_group_name`); target
  type from ``alb.ingress.kubernetes.io/target-type`` on the Service, else the Ingress, default
  ``instance``; port the Service port's ``nodePort`` for ``instance`` (a ClusterIP Service is an
  error), its numeric ``targetPort`` (or 1 for a named one) for ``ip``
  (:func:`build_target_group_port`);
* scheme ``alb.ingress.kubernetes.io/scheme`` (default ``internal``).

A group whose stack cannot be built (a missing Service or Service port, a resource backend, a
bad annotation, two default backends) is left as it is: upstream reports an event and retries,
so one broken Ingress blocks its whole group. A group without members has its resources
deleted.

Abstracted: IngressClassParams, certificates, TLS and SSL redirects, custom actions and
conditions from annotations (so the rule optimizer has nothing to do), security groups,
subnets, WAF, Shield, tags beyond the stack, finalizers (an Ingress is removed at once and its
group then cleaned up), the frontend NLB, and AWS API errors and throttling.

Upstream: ``kubernetes-sigs/aws-load-balancer-controller`` v2.17: ``pkg/ingress/group_loader.go``
(``Load``, ``sortGroupMembers``, ``validateGroupName``, ``loadGroupID``, ``classifyIngress``),
``pkg/ingress/class_loader.go``, ``pkg/ingress/model_builder.go`` (``run``),
``pkg/ingress/model_build_listener.go`` (``computeIngressListenPorts``,
``buildListenerDefaultActions``), ``pkg/ingress/model_build_listener_rules.go``
(``buildListenerRules``, ``sortIngressPaths``, ``buildPathPatterns``...),
``pkg/ingress/model_build_target_group.go`` (``buildTargetGroupName``,
``buildTargetGroupTargetType``, ``buildTargetGroupPort``), ``pkg/k8s/service_utils.go``
(``LookupServicePort``), ``pkg/ingress/model_build_load_balancer.go``.

Examples
--------
>>> build_path_patterns("/api/", "Prefix"), build_path_patterns("/", "Prefix"), build_path_patterns("/x", "Exact")
(['/api', '/api/*'], ['/*'], ['/x'])
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kmodel.api import Create, Delete, Request, Update, UpdateStatus
from kmodel.objects.elbv2 import (
    Action,
    AWSLoadBalancer,
    AWSTargetGroup,
    Listener,
    ListenerRule,
    TargetGroupBinding,
    TargetGroupBindingSpec,
)
from kmodel.objects.meta import ObjectMeta, ObjectRef, replace
from kmodel.objects.networking import HTTPIngressPath, Ingress, IngressBackend, Service, ServicePort
from kmodel.state import ClusterState

__all__ = [
    "CONTROLLER",
    "INGRESS_CLASS_ANNOTATION",
    "GROUP_NAME",
    "GROUP_ORDER",
    "TARGET_TYPE",
    "LISTEN_PORTS",
    "SCHEME",
    "STACK_LABEL",
    "BuildError",
    "keys",
    "reconcile",
    "group_id",
    "group_members",
    "sort_group_members",
    "validate_group_name",
    "sort_ingress_paths",
    "build_path_patterns",
    "compute_ingress_listen_ports",
    "lookup_service_port",
    "build_target_group_name",
    "build_target_group_port",
    "target_type_of",
    "build_stack",
    "Stack",
]

#: ``IngressClass.spec.controller`` of the AWS Load Balancer Controller.
CONTROLLER = "ingress.k8s.aws/alb"
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
_PREFIX = "alb.ingress.kubernetes.io/"
GROUP_NAME = _PREFIX + "group.name"
GROUP_ORDER = _PREFIX + "group.order"
TARGET_TYPE = _PREFIX + "target-type"
LISTEN_PORTS = _PREFIX + "listen-ports"
SCHEME = _PREFIX + "scheme"
#: The label the model puts on TargetGroupBindings (upstream: the ``ingress.k8s.aws/stack`` tag).
STACK_LABEL = "ingress.k8s.aws/stack"
_CLUSTER_NAME = "kmodel"
_GROUP_NAME_RE = re.compile(r"^([a-z0-9][-a-z0-9.]*)?[a-z0-9]$")
_MIN_ORDER, _MAX_ORDER = -1000, 1000


class BuildError(Exception):
    """The group's stack cannot be built (upstream reports an event and retries)."""


# --- group loading --------------------------------------------------------------------------


def validate_group_name(name: str) -> str | None:
    """``validateGroupName``: the problem with a group name, ``None`` when it is valid.

    Examples
    --------
    >>> validate_group_name("shop"), validate_group_name("Shop") is not None, validate_group_name("a" * 64) is not None
    (None, True, True)
    """
    if not _GROUP_NAME_RE.match(name):
        return ("groupName must consist of lower case alphanumeric characters, '-' or '.', and must start "
                "and end with an alphanumeric character")
    if len(name) > 63:
        return "groupName must be no more than 63 characters"
    return None


def _default_class(state: ClusterState) -> str | None:
    defaults = [c for c in state.list("IngressClass") if c.is_default]
    if len(defaults) > 1:
        raise BuildError(f"multiple default IngressClasses: {', '.join(c.name for c in defaults)}")
    return defaults[0].name if defaults else None


def _managed(state: ClusterState, ing: Ingress) -> bool:
    """``classifyIngress``: the annotation first, then the IngressClass (or the default one)."""
    annotation = ing.metadata.annotation(INGRESS_CLASS_ANNOTATION)
    if annotation is not None:
        return annotation == "alb"
    name = ing.spec.ingress_class_name
    if name is None:
        try:
            name = _default_class(state)
        except BuildError:
            return False
        if name is None:
            return False  # --manage-ingresses-without-ingress-class is false by default
    cls = state.get(ObjectRef("IngressClass", "", name))
    return cls is not None and cls.controller == CONTROLLER


def group_id(state: ClusterState, ing: Ingress) -> ObjectRef | None:
    """``loadGroupIDIfAny``: the Ingress's group, ``None`` when the controller does not manage
    it, it is being deleted, or its group name is invalid."""
    if ing.metadata.deleting or not _managed(state, ing):
        return None
    name = ing.metadata.annotation(GROUP_NAME)
    if name is not None:
        if validate_group_name(name) is not None:
            return None
        return ObjectRef("IngressGroup", "", name)
    return ObjectRef("IngressGroup", ing.metadata.namespace, ing.metadata.name)


def _order(ing: Ingress) -> int:
    raw = ing.metadata.annotation(GROUP_ORDER)
    if raw is None:
        return 0
    try:
        order = int(raw)
    except ValueError:
        raise BuildError(f"failed to load Ingress group order for ingress: {ing.ref}: {raw!r} is not an integer") from None
    if not _MIN_ORDER <= order <= _MAX_ORDER:
        raise BuildError(f"explicit Ingress group order must be within [{_MIN_ORDER}:{_MAX_ORDER}], Ingress: "
                         f"{ing.metadata.namespace}/{ing.metadata.name}, order: {order}")
    return order


def sort_group_members(members: Sequence[Ingress]) -> list[Ingress]:
    """``sortGroupMembers``: by ``group.order``, then by ``namespace/name``.

    Examples
    --------
    >>> from kmodel.objects.networking import IngressSpec
    >>> def ing(name, order=None):
    ...     ann = ((GROUP_ORDER, str(order)),) if order is not None else ()
    ...     return Ingress(ObjectMeta(name, "default", annotations=ann), IngressSpec())
    >>> [i.name for i in sort_group_members([ing("b"), ing("a"), ing("c", -1)])]
    ['c', 'a', 'b']
    """
    return sorted(members, key=lambda i: (_order(i), f"{i.metadata.namespace}/{i.metadata.name}"))


def group_members(state: ClusterState, key: ObjectRef) -> list[Ingress]:
    """The group's active members, in order (``Load``)."""
    return sort_group_members([i for i in state.list("Ingress") if group_id(state, i) == key])


def keys(state: ClusterState) -> list[ObjectRef]:
    """Every group with a member or with AWS resources left."""
    out = set()
    for ing in state.list("Ingress"):
        gid = group_id(state, ing)
        if gid is not None:
            out.add(gid)
    for lb in state.list("AWSLoadBalancer"):
        out.add(_group_of_stack(lb.stack))
    for tg in state.list("AWSTargetGroup"):
        out.add(_group_of_stack(tg.stack))
    return sorted(out)


def _stack(key: ObjectRef) -> str:
    return f"{key.namespace}/{key.name}" if key.namespace else key.name


def _group_of_stack(stack: str) -> ObjectRef:
    ns, _, name = stack.rpartition("/")
    return ObjectRef("IngressGroup", ns, name)


# --- paths and rules ---------------------------------------------------------------------------


def sort_ingress_paths(paths: Sequence[HTTPIngressPath]) -> list[HTTPIngressPath]:
    """``sortIngressPaths``: Exact paths first (as written), then Prefix paths by decreasing
    length (stable), then ImplementationSpecific ones as written.

    Examples
    --------
    >>> from kmodel.objects.networking import IngressBackend
    >>> b = IngressBackend()
    >>> ps = [HTTPIngressPath("/a", "Prefix", b), HTTPIngressPath("/x", "ImplementationSpecific", b),
    ...       HTTPIngressPath("/abc", "Prefix", b), HTTPIngressPath("/e", "Exact", b)]
    >>> [p.path for p in sort_ingress_paths(ps)]
    ['/e', '/abc', '/a', '/x']
    """
    exact = [p for p in paths if p.path_type == "Exact"]
    prefix = [p for p in paths if p.path_type == "Prefix"]
    rest = [p for p in paths if p.path_type not in ("Exact", "Prefix")]
    for p in rest:
        if p.path_type not in ("ImplementationSpecific", ""):
            raise BuildError(f"unknown pathType for path {p.path}")
    return exact + sorted(prefix, key=lambda p: -len(p.path)) + rest


def build_path_patterns(path: str, path_type: str) -> list[str]:
    """``buildPathPatterns``: ELBv2 path patterns for an Ingress path.

    Exact ``p`` gives ``[p]``; Prefix ``/`` gives ``["/*"]`` and Prefix ``p`` gives ``[p', p'/*]``
    (``p'`` without a trailing ``/``); ImplementationSpecific passes through (ALB wildcards).
    ``*`` or ``?`` in an Exact or Prefix path is an error.
    """
    if path_type in ("ImplementationSpecific", ""):
        return [path]
    if path_type == "Exact":
        if any(c in path for c in "*?"):
            raise BuildError(f"exact path shouldn't contain wildcards: {path}")
        return [path]
    if path_type == "Prefix":
        if path == "/":
            return ["/*"]
        if any(c in path for c in "*?"):
            raise BuildError(f"prefix path shouldn't contain wildcards: {path}")
        trimmed = path.removesuffix("/")
        return [trimmed, trimmed + "/*"]
    raise BuildError(f"unsupported pathType: {path_type}")


def compute_ingress_listen_ports(ing: Ingress) -> dict[int, str]:
    """``computeIngressListenPorts``: ``port -> protocol`` from ``listen-ports`` (default HTTP 80).

    Examples
    --------
    >>> from kmodel.objects.networking import IngressSpec
    >>> ing = Ingress(ObjectMeta("a", "default", annotations=((LISTEN_PORTS, '[{"HTTP": 80}, {"HTTPS": 443}]'),)), IngressSpec())
    >>> compute_ingress_listen_ports(ing)
    {80: 'HTTP', 443: 'HTTPS'}
    """
    raw = ing.metadata.annotation(LISTEN_PORTS)
    if raw is None:
        return {80: "HTTP"}
    try:
        entries = json.loads(raw)
    except ValueError:
        raise BuildError(f"failed to parse listen-ports configuration: `{raw}`") from None
    if not isinstance(entries, list) or not entries:
        raise BuildError(f"empty listen-ports configuration: `{raw}`")
    out: dict[int, str] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise BuildError(f"failed to parse listen-ports configuration: `{raw}`")
        for protocol, port in entry.items():
            if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
                raise BuildError(f"listen port must be within [1, 65535]: {port}")
            if protocol not in ("HTTP", "HTTPS"):
                raise BuildError(f"listen protocol must be within [HTTP, HTTPS]: {protocol}")
            out[port] = protocol
    return dict(sorted(out.items()))


# --- target groups -------------------------------------------------------------------------------


def lookup_service_port(service: Service, port: int | str) -> ServicePort:
    """``LookupServicePort``: the Service port with this name (a string) or number (an int)."""
    found = service.spec.port_named(port) if isinstance(port, str) else service.spec.port_numbered(port)
    if found is None:
        raise BuildError(f"unable to find port {port} on service {service.metadata.namespace}/{service.metadata.name}")
    return found


def target_type_of(service: Service, ing: Ingress) -> str:
    """``buildTargetGroupTargetType``: the Service's annotation, else the Ingress's, else instance."""
    raw = service.metadata.annotation(TARGET_TYPE) or ing.metadata.annotation(TARGET_TYPE) or "instance"
    if raw not in ("instance", "ip"):
        raise BuildError(f"unknown targetType: {raw}")
    return raw


def build_target_group_port(target_type: str, port: ServicePort) -> int:
    """``buildTargetGroupPort``: the node port for instance targets; for ip targets the numeric
    target port, or 1 for a named one (the port is not in the data path then)."""
    if target_type == "instance":
        return port.node_port
    return port.target_port if isinstance(port.target_port, int) else 1


def build_target_group_name(group: ObjectRef, ing: Ingress, service: Service, port: int | str, tg_port: int,
                            target_type: str, protocol: str = "HTTP") -> str:
    """``buildTargetGroupName``: ``k8s-<ns:8>-<svc:8>-<hash:10>`` over the group, Ingress, Service,
    port and target settings."""
    h = hashlib.sha256()
    for part in (_CLUSTER_NAME, _stack(group), ing.metadata.namespace, ing.metadata.name, service.metadata.uid,
                 str(port), str(tg_port), target_type, protocol, "HTTP1"):
        h.update(part.encode())
    ns = re.sub(r"[^A-Za-z0-9]", "", service.metadata.namespace)[:8]
    name = re.sub(r"[^A-Za-z0-9]", "", service.metadata.name)[:8]
    return f"k8s-{ns}-{name}-{h.hexdigest()[:10]}"


def _load_balancer_name(group: ObjectRef, scheme: str) -> str:
    h = hashlib.sha256()
    for part in (_CLUSTER_NAME, _stack(group), scheme):
        h.update(part.encode())
    ns = re.sub(r"[^A-Za-z0-9]", "", group.namespace)[:8]
    name = re.sub(r"[^A-Za-z0-9]", "", group.name)[:8]
    return f"k8s-{ns}-{name}-{h.hexdigest()[:10]}" if ns else f"k8s-{name}-{h.hexdigest()[:10]}"


# --- the stack ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stack:
    """What a group should have in AWS and in the cluster."""

    load_balancer: AWSLoadBalancer
    target_groups: tuple[AWSTargetGroup, ...]
    bindings: tuple[TargetGroupBinding, ...]


class _Builder:
    def __init__(self, state: ClusterState, group: ObjectRef) -> None:
        self.state = state
        self.group = group
        self.tgs: dict[str, AWSTargetGroup] = {}
        self.tgbs: dict[tuple[str, str], TargetGroupBinding] = {}

    def forward(self, ing: Ingress, backend: IngressBackend) -> Action:
        if backend.service is None:
            raise BuildError(f"ingress: {ing.metadata.namespace}/{ing.metadata.name}: resource backends are not "
                             "supported")
        ref = ObjectRef("Service", ing.metadata.namespace, backend.service.name)
        service = self.state.get(ref)
        if service is None:
            raise BuildError(f"ingress: {ing.metadata.namespace}/{ing.metadata.name}: Service \"{ref.name}\" not found")
        port = lookup_service_port(service, backend.service.port)
        target_type = target_type_of(service, ing)
        tg_port = build_target_group_port(target_type, port)
        if not tg_port:
            if target_type == "ip":
                raise BuildError("TargetGroup port is empty. Are you using the correct service type?")
            raise BuildError("TargetGroup port is empty. When using Instance targets, your service be must of type "
                             "'NodePort' or 'LoadBalancer'")
        name = build_target_group_name(self.group, ing, service, backend.service.port, tg_port, target_type)
        self.tgs[name] = AWSTargetGroup(ObjectMeta(name), target_type, tg_port, "HTTP", (), _stack(self.group),
                                        str(ref), backend.service.port)
        labels = ((STACK_LABEL, _stack(self.group).replace("/", ".")),)
        self.tgbs[(service.metadata.namespace, name)] = TargetGroupBinding(
            ObjectMeta(name, service.metadata.namespace, labels=labels),
            TargetGroupBindingSpec(name, target_type, service.metadata.name, backend.service.port))
        return Action("forward", target_group=name)


def build_stack(state: ClusterState, group: ObjectRef, members: Sequence[Ingress]) -> Stack:
    """``defaultModelBuildTask.run``: the group's load balancer, target groups and bindings."""
    b = _Builder(state, group)
    by_port: dict[int, list[Ingress]] = {}
    protocols: dict[int, str] = {}
    for ing in members:
        for port, protocol in compute_ingress_listen_ports(ing).items():
            if protocols.setdefault(port, protocol) != protocol:
                raise BuildError(f"conflicting protocol for listen port {port}")
            by_port.setdefault(port, []).append(ing)
    schemes = {ing.metadata.annotation(SCHEME) or "internal" for ing in members}
    if len(schemes) > 1:
        raise BuildError(f"conflicting scheme: {sorted(schemes)}")
    scheme = schemes.pop()
    if scheme not in ("internal", "internet-facing"):
        raise BuildError(f"unknown scheme: {scheme}")
    listeners = []
    for port in sorted(by_port):
        ing_list = by_port[port]
        with_default = [i for i in ing_list if i.spec.default_backend is not None]
        if len(with_default) > 1:
            raise BuildError("multiple ingress defined default backend: "
                             + ", ".join(f"{i.metadata.namespace}/{i.metadata.name}" for i in with_default))
        default = (b.forward(with_default[0], with_default[0].spec.default_backend)  # type: ignore[arg-type]
                   if with_default else Action("fixed-response", status_code=404))
        rules = []
        for ing in ing_list:
            for rule in ing.spec.rules:
                if rule.paths is None:
                    continue
                for path in sort_ingress_paths(rule.paths):
                    patterns = build_path_patterns(path.path, path.path_type) if path.path else []
                    hosts = (rule.host,) if rule.host else ()
                    if not hosts and not patterns:
                        patterns = ["/*"]
                    action = b.forward(ing, path.backend)
                    rules.append(ListenerRule(len(rules) + 1, hosts, tuple(patterns), action,
                                              f"{ing.metadata.namespace}/{ing.metadata.name}"))
        listeners.append(Listener(port, protocols[port], tuple(rules), default))
    name = _load_balancer_name(group, scheme)
    lb = AWSLoadBalancer(ObjectMeta(name), _stack(group), f"{name}.us-east-1.elb.amazonaws.com", scheme,
                         tuple(listeners))
    return Stack(lb, tuple(b.tgs[n] for n in sorted(b.tgs)), tuple(b.tgbs[k] for k in sorted(b.tgbs)))


def _bindings_of(state: ClusterState, group: ObjectRef) -> list[TargetGroupBinding]:
    label = _stack(group).replace("/", ".")
    return [t for t in state.list("TargetGroupBinding") if t.metadata.label(STACK_LABEL) == label]


def reconcile(state: ClusterState, key: ObjectRef) -> tuple[Request, ...]:
    """Deploy the group's stack (empty when it is deployed, or cannot be built)."""
    stack_name = _stack(key)
    existing_lbs = [lb for lb in state.list("AWSLoadBalancer") if lb.stack == stack_name]
    existing_tgs = {tg.name: tg for tg in state.list("AWSTargetGroup") if tg.stack == stack_name}
    existing_tgbs = {t.ref: t for t in _bindings_of(state, key)}
    try:
        members = group_members(state, key)
        stack = build_stack(state, key, members) if members else None
    except BuildError:
        return ()
    requests: list[Request] = []
    # Target groups (and their bindings) first, so that rules never forward to a missing group.
    wanted_tgs = {tg.name: tg for tg in stack.target_groups} if stack else {}
    for name, tg in wanted_tgs.items():
        old = existing_tgs.get(name)
        if old is None:
            requests.append(Create(tg))
        else:
            new = replace(tg, metadata=old.metadata, targets=old.targets)
            if new != old:
                requests.append(Update(new))
    wanted_tgbs = {t.ref: t for t in stack.bindings} if stack else {}
    for ref, tgb in wanted_tgbs.items():
        old = existing_tgbs.get(ref)
        if old is None:
            requests.append(Create(tgb))
        elif (old.spec, old.metadata.labels) != (tgb.spec, tgb.metadata.labels):
            requests.append(Update(replace(old, spec=tgb.spec, metadata=replace(old.metadata, labels=tgb.metadata.labels))))
    if stack is not None:
        lb = stack.load_balancer
        same = [x for x in existing_lbs if x.name == lb.name]
        if not same:
            requests.append(Create(lb))
        elif replace(lb, metadata=same[0].metadata) != same[0]:
            requests.append(Update(replace(lb, metadata=same[0].metadata)))
        for old_lb in existing_lbs:
            if old_lb.name != lb.name:
                requests.append(Delete(old_lb.ref))
        for ing in members:
            if ing.status.load_balancer_ingress != (lb.dns_name,):
                requests.append(UpdateStatus(replace(ing, status=replace(ing.status, load_balancer_ingress=(lb.dns_name,)))))
    else:
        requests += [Delete(x.ref) for x in existing_lbs]
    requests += [Delete(ref) for ref in sorted(existing_tgbs) if ref not in wanted_tgbs]
    requests += [Delete(tg.ref) for name, tg in sorted(existing_tgs.items()) if name not in wanted_tgs]
    return tuple(requests)
