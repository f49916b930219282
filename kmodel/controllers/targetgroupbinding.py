"""The AWS Load Balancer Controller's TargetGroupBinding reconciler: targets from endpoints.

``reconcile(state, key)`` handles one TargetGroupBinding: it resolves the targets its Service
port should have and registers and deregisters targets of the AWS target group to match
(``RegisterTargets``/``DeregisterTargets``: newly registered targets start ``initial`` until
AWS's health checks decide, :mod:`kmodel.aws`).

* **ip** targets (``ResolvePodEndpoints``, ``pkg/backend/endpoint_resolver.go``): from every
  EndpointSlice of the Service, the endpoints under the slice port named like the Service port
  (any port if the Service port has no name), at that port, whose target pod exists: an
  endpoint that is ready (or whose ``ready`` is unset); or a not-ready one whose pod's
  containers are ready (it waits only for its readiness gate), whose node is Ready and which is
  not terminating. When none qualifies, endpoints on nodes whose Ready is Unknown are used
  (``EndpointsFailOpen``, on by default). Only the first address of an endpoint is a target.
* **instance** targets (``ResolveNodePortEndpoints``): every node suitable as a traffic proxy
  (not labelled ``node-role.kubernetes.io/master``,
  ``node.kubernetes.io/exclude-from-external-load-balancers`` or
  ``alpha.service-controller.kubernetes.io/exclude-balancer``, not ``eks.amazonaws.com/compute-type:
  fargate``, not tainted ``ToBeDeletedByClusterAutoscaler`` or ``karpenter.sh/disrupted:NoSchedule``)
  whose Ready condition is True (else, fail-open, Unknown), on the Service port's node port; the
  Service must be NodePort or LoadBalancer.
* A Service or Service port that does not exist deregisters every target (``Cleanup``).

Abstracted: the reconcile checkpoint (a sync that changes nothing is idle anyway), pod readiness
gates and the ``target-health`` pod condition, multi-cluster target groups, AZ overrides,
``maxTargetsPerTargetGroup``, networking (security group) reconciliation.

Upstream: ``kubernetes-sigs/aws-load-balancer-controller`` v2.17:
``pkg/targetgroupbinding/resource_manager.go`` (``reconcileWithIPTargetType``,
``reconcileWithInstanceTargetType``), ``pkg/backend/endpoint_resolver.go``,
``pkg/backend/endpoint_utils.go`` (``IsNodeSuitableAsTrafficProxy``, the default node selector).
"""

from __future__ import annotations

from kmodel.api import Request, Update
from kmodel.objects.elbv2 import AWSTargetGroup, Target, TargetGroupBinding, instance_id
from kmodel.objects.meta import LabelSelector, LabelSelectorRequirement, ObjectRef, replace
from kmodel.objects.nodes import Node
from kmodel.objects.workloads import Pod
from kmodel.state import ClusterState

__all__ = ["keys", "reconcile", "resolve_pod_endpoints", "resolve_node_port_endpoints",
           "is_node_suitable_as_traffic_proxy", "desired_targets", "target_group_of"]

_DEFAULT_NODE_SELECTOR = LabelSelector(match_expressions=(
    LabelSelectorRequirement("node-role.kubernetes.io/master", "DoesNotExist"),
    LabelSelectorRequirement("node.kubernetes.io/exclude-from-external-load-balancers", "DoesNotExist"),
    LabelSelectorRequirement("alpha.service-controller.kubernetes.io/exclude-balancer", "DoesNotExist"),
    LabelSelectorRequirement("eks.amazonaws.com/compute-type", "NotIn", ("fargate",)),
))


class _NotFound(Exception):
    pass


def is_node_suitable_as_traffic_proxy(node: Node) -> bool:
    """``IsNodeSuitableAsTrafficProxy``: not being removed by the cluster autoscaler or Karpenter.

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> from kmodel.objects.nodes import NodeSpec, Taint
    >>> is_node_suitable_as_traffic_proxy(Node(ObjectMeta("a"), NodeSpec(taints=(Taint("karpenter.sh/disrupted", "NoSchedule"),))))
    False
    """
    for taint in node.spec.taints:
        if taint.key == "ToBeDeletedByClusterAutoscaler":
            return False
        if taint.key == "karpenter.sh/disrupted" and taint.effect == "NoSchedule":
            return False
    return True


def _service_port(state: ClusterState, tgb: TargetGroupBinding):  # type: ignore[no-untyped-def]
    service = state.get(ObjectRef("Service", tgb.metadata.namespace, tgb.spec.service_name))
    if service is None:
        raise _NotFound
    port = tgb.spec.service_port
    found = service.spec.port_named(port) if isinstance(port, str) else service.spec.port_numbered(port)
    if found is None:
        raise _NotFound
    return service, found


def _node_ready_status(state: ClusterState, name: str) -> str:
    node = state.get(ObjectRef("Node", "", name))
    if node is None:
        return ""
    c = node.condition("Ready")
    return c.status if c is not None else "False"


def resolve_pod_endpoints(state: ClusterState, tgb: TargetGroupBinding) -> list[tuple[str, int]]:
    """``ResolvePodEndpoints``: ``(ip, port)`` of the pods to register (see the module docstring)."""
    service, port = _service_port(state, tgb)
    ready: list[tuple[str, int]] = []
    unknown: list[tuple[str, int]] = []
    for s in state.list("EndpointSlice", service.metadata.namespace):
        if s.service_name != service.metadata.name:
            continue
        for p in s.ports:
            if port.name and port.name != p.name:
                continue
            for e in s.endpoints:
                if e.target_ref is None or e.target_ref.kind != "Pod" or not e.addresses:
                    continue
                pod: Pod | None = state.get(ObjectRef("Pod", e.target_ref.namespace or service.metadata.namespace,
                                                      e.target_ref.name))
                if pod is None:
                    continue  # not in the pod cache yet: retried
                target = (e.addresses[0], p.port)
                if e.ready is None or e.ready:
                    ready.append(target)
                    continue
                containers = pod.status.condition("ContainersReady")
                if containers is None or containers.status != "True":
                    continue
                status = _node_ready_status(state, pod.spec.node_name)
                if status == "True":
                    if not e.terminating:
                        ready.append(target)
                elif status == "Unknown":
                    unknown.append(target)
    chosen = ready or unknown
    return sorted(set(chosen))


def resolve_node_port_endpoints(state: ClusterState, tgb: TargetGroupBinding) -> list[tuple[str, int]]:
    """``ResolveNodePortEndpoints``: ``(instance id, node port)`` of the nodes to register."""
    service, port = _service_port(state, tgb)
    if service.spec.type not in ("NodePort", "LoadBalancer"):
        raise ValueError(f"service type must be either 'NodePort' or 'LoadBalancer': {service.ref}")
    candidates = [n for n in state.list("Node") if _DEFAULT_NODE_SELECTOR.matches(n.metadata.labels)
                  and is_node_suitable_as_traffic_proxy(n)]
    ready = [n for n in candidates if _node_ready_status(state, n.name) == "True"]
    chosen = ready or [n for n in candidates if _node_ready_status(state, n.name) == "Unknown"]
    return sorted((instance_id(n.name), port.node_port) for n in chosen)


def target_group_of(state: ClusterState, tgb: TargetGroupBinding) -> AWSTargetGroup | None:
    return state.get(ObjectRef("AWSTargetGroup", "", tgb.spec.target_group_name))


def desired_targets(state: ClusterState, tgb: TargetGroupBinding) -> list[tuple[str, int]] | None:
    """The targets the binding should have; ``None`` when resolving fails with an error other
    than a missing backend (upstream retries)."""
    try:
        if tgb.spec.target_type == "ip":
            return resolve_pod_endpoints(state, tgb)
        return resolve_node_port_endpoints(state, tgb)
    except _NotFound:
        return []  # Cleanup: deregister everything
    except ValueError:
        return None


def keys(state: ClusterState) -> list[ObjectRef]:
    return [t.ref for t in state.list("TargetGroupBinding")]


def reconcile(state: ClusterState, key: ObjectRef) -> tuple[Request, ...]:
    """Register and deregister targets (one ``Update`` of the AWS target group)."""
    tgb = state.get(key)
    if tgb is None:
        return ()
    tg = target_group_of(state, tgb)
    if tg is None:
        return ()
    wanted = desired_targets(state, tgb)
    if wanted is None:
        return ()
    have = {(t.id, t.port): t for t in tg.targets}
    targets = tuple(have.get(w) or Target(w[0], w[1], "initial") for w in wanted)
    if targets == tg.targets:
        return ()
    return (Update(replace(tg, targets=targets)),)
