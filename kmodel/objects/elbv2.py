"""The AWS side of an EKS cluster's ingress path, and the TargetGroupBinding custom resource.

The AWS Load Balancer Controller turns Ingresses into an Application Load Balancer with
listeners, listener rules and target groups (AWS resources, outside the cluster), and records
each target group in a **TargetGroupBinding** (``elbv2.k8s.aws/v1beta1``, a Kubernetes custom
resource) from which its second reconciler registers targets.

The model keeps the AWS resources as an *external system* inside the same store, under kinds
the Kubernetes API server does not serve (``AWSLoadBalancer``, ``AWSTargetGroup``,
cluster-scoped): the controller's writes to them stand for ELBv2 API calls
(``CreateLoadBalancer``, ``CreateRule``, ``RegisterTargets``...), and AWS's own health checks
are a separate actor that updates each target's health. Keeping them in the state lets the
explorer interleave Ingress edits, pod churn, controller lag and health checks, as Anvil keeps
external state beside the cluster.

* :class:`AWSLoadBalancer`: one per IngressGroup (``stack``: the group id, ``ns/name`` for an
  implicit group or the group name), with its listeners; a listener has rules in priority
  order (conditions ``host-header`` and ``path-pattern``, a forward action to a target group)
  and a default action (forward, or a fixed 404 response).
* :class:`AWSTargetGroup`: target type ``instance`` (an EC2 instance on the Service's NodePort;
  the model's instance id of node ``n`` is ``i-n``) or ``ip`` (a pod IP on the container port);
  each registered :class:`Target` has a health state (``initial`` after registration, then
  ``healthy`` or ``unhealthy`` as AWS's health checks decide).

Abstracted: security groups, subnets, certificates and TLS listeners, attributes, tags beyond
the stack, deregistration delay (a deregistered target takes no new connections at once),
health-check thresholds and intervals (a health check is one step that observes the target),
slow start, stickiness and weighted forwarding.

Upstream: ``kubernetes-sigs/aws-load-balancer-controller`` ``pkg/model/elbv2/*.go``
(the stack model), ``apis/elbv2/v1beta1/targetgroupbinding_types.go``.

Examples
--------
>>> from kmodel.objects.meta import ObjectMeta
>>> tg = AWSTargetGroup(ObjectMeta("k8s-default-web-80"), target_type="ip", port=8080,
...                     targets=(Target("10.244.3.7", 8080, "healthy"),))
>>> tg.ref, [str(t) for t in tg.targets]
(AWSTargetGroup/k8s-default-web-80, ['10.244.3.7:8080 healthy'])
>>> instance_id("worker-a"), node_of_instance("i-worker-a")
('i-worker-a', 'worker-a')
"""

from __future__ import annotations

from kmodel.objects.meta import ObjectMeta, ObjectRef, _hash_field, record

__all__ = [
    "TargetGroupBindingSpec",
    "TargetGroupBinding",
    "Action",
    "ListenerRule",
    "Listener",
    "AWSLoadBalancer",
    "Target",
    "AWSTargetGroup",
    "instance_id",
    "node_of_instance",
    "HEALTH_STATES",
]

HEALTH_STATES = ("initial", "healthy", "unhealthy")


def instance_id(node: str) -> str:
    """The model's EC2 instance id of a node (upstream reads it from ``spec.providerID``)."""
    return f"i-{node}"


def node_of_instance(target_id: str) -> str | None:
    """The node an instance id names, ``None`` for an IP target."""
    return target_id[2:] if target_id.startswith("i-") else None


@record
class TargetGroupBindingSpec:
    """``spec``: the target group, its target type, and the Service port it serves."""

    target_group_name: str
    target_type: str
    service_name: str
    service_port: int | str
    _hash: int = _hash_field()


@record
class TargetGroupBinding:
    metadata: ObjectMeta
    spec: TargetGroupBindingSpec
    _hash: int = _hash_field()

    kind = "TargetGroupBinding"
    api_version = "elbv2.k8s.aws/v1beta1"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("TargetGroupBinding", self.metadata.namespace, self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name


@record
class Action:
    """A listener or rule action: ``forward`` to a target group, or ``fixed-response``."""

    type: str
    target_group: str = ""
    status_code: int = 0
    _hash: int = _hash_field()

    def __str__(self) -> str:
        if self.type == "forward":
            return f"forward to {self.target_group}"
        return f"fixed-response {self.status_code}"

    __repr__ = __str__


@record
class ListenerRule:
    """A listener rule: conditions (hosts, path patterns; empty means any) and its action.

    ``ingress`` names the Ingress (``namespace/name``) the rule was built from."""

    priority: int
    hosts: tuple[str, ...]
    paths: tuple[str, ...]
    action: Action
    ingress: str = ""
    _hash: int = _hash_field()

    def __str__(self) -> str:
        cond = []
        if self.hosts:
            cond.append("host " + "|".join(self.hosts))
        if self.paths:
            cond.append("path " + "|".join(self.paths))
        return f"#{self.priority} {' '.join(cond) or 'any'} -> {self.action}"

    __repr__ = __str__


@record
class Listener:
    port: int
    protocol: str = "HTTP"
    rules: tuple[ListenerRule, ...] = ()
    default_action: Action = Action("fixed-response", status_code=404)
    _hash: int = _hash_field()


@record
class AWSLoadBalancer:
    """An Application Load Balancer (an AWS resource the model keeps beside the cluster)."""

    metadata: ObjectMeta
    stack: str
    dns_name: str
    scheme: str = "internal"
    listeners: tuple[Listener, ...] = ()
    _hash: int = _hash_field()

    kind = "AWSLoadBalancer"
    api_version = "elasticloadbalancing.amazonaws.com/2015-12-01"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("AWSLoadBalancer", "", self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name


@record
class Target:
    """A registered target: an IP or an instance id, a port, and its health."""

    id: str
    port: int
    health: str = "initial"
    _hash: int = _hash_field()

    def __str__(self) -> str:
        return f"{self.id}:{self.port} {self.health}"

    __repr__ = __str__


@record
class AWSTargetGroup:
    """A target group (AWS). ``stack`` is the IngressGroup that owns it; ``service`` and
    ``service_port`` the backend it was built for (AWS tags upstream)."""

    metadata: ObjectMeta
    target_type: str = "instance"
    port: int = 0
    protocol: str = "HTTP"
    targets: tuple[Target, ...] = ()
    stack: str = ""
    service: str = ""
    service_port: int | str = 0
    _hash: int = _hash_field()

    kind = "AWSTargetGroup"
    api_version = "elasticloadbalancing.amazonaws.com/2015-12-01"

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef("AWSTargetGroup", "", self.metadata.name)

    @property
    def name(self) -> str:
        return self.metadata.name
