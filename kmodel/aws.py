"""AWS as an external system: the ELBv2 health checks of target groups.

An Application Load Balancer health-checks every registered target on the traffic port and
sends new requests to the healthy ones only (to every target when none is healthy: it fails
open). A target starts ``initial`` when registered (:mod:`kmodel.controllers.targetgroupbinding`);
AWS then marks it ``healthy`` or ``unhealthy``. In the model a health-check round of one target
group is one step of the actor ``aws-elbv2`` that sets each target's health to what is true on
the data plane (:func:`target_healthy`); thresholds and intervals are abstract, so a round may
come at any point after the facts changed (health lags reality, as the controllers do).

* an **ip** target is healthy when a pod holds its address and serves (:func:`kmodel.traffic.pod_serves`):
  AWS probes the pod directly and knows nothing of Kubernetes readiness;
* an **instance** target is healthy when its node is up and kube-proxy there forwards the node
  port to an endpoint whose pod serves (with ``externalTrafficPolicy: Local`` a node without a
  local endpoint drops the probe, so it is unhealthy: that is how Local works behind an ALB).

Upstream behaviour: AWS Elastic Load Balancing, "Health checks for Application Load Balancer
target groups" (target states ``initial``, ``healthy``, ``unhealthy``, ``unused``,
``draining``; fail-open when all targets are unhealthy).
"""

from __future__ import annotations

from typing import Any

from kmodel.agents.kubeproxy import service_routes
from kmodel.api import Request, Update
from kmodel.objects.elbv2 import AWSTargetGroup, Target, node_of_instance
from kmodel.objects.meta import ObjectRef, replace
from kmodel.state import ClusterState

__all__ = ["keys", "reconcile", "target_healthy"]


def target_healthy(world: Any, tg: AWSTargetGroup, target: Target) -> bool:
    """What a health check of ``target`` finds now (``world``: a :class:`~kmodel.cluster.World`,
    whose environment says which machines run, or a bare store)."""
    from kmodel.traffic import node_up, pod_serves, pods_by_ip

    state: ClusterState = getattr(world, "cluster", world)
    by_ip = pods_by_ip(state)
    node = node_of_instance(target.id)
    if node is None:
        return pod_serves(world, by_ip.get(target.id))
    if not node_up(world, node):
        return False
    parts = tg.service.split("/")
    service = state.get(ObjectRef(*parts)) if len(parts) == 3 else None
    if service is None:
        return False
    for route in service_routes(state, service, node):
        if route.kind == "NodePort" and route.port.node_port == target.port and route.verdict == "forward":
            if any(pod_serves(world, by_ip.get(ep.ip)) for ep, _ in route.endpoints):
                return True
    return False


def keys(world: Any) -> list[ObjectRef]:
    state = getattr(world, "cluster", world)
    return [tg.ref for tg in state.list("AWSTargetGroup") if tg.targets]


def reconcile(world: Any, key: ObjectRef) -> tuple[Request, ...]:
    """One health-check round of a target group (the actor sees the whole world: AWS probes
    the machines, not the API server)."""
    state = getattr(world, "cluster", world)
    tg = state.get(key)
    if tg is None:
        return ()
    targets = tuple(replace(t, health="healthy" if target_healthy(world, tg, t) else "unhealthy")
                    for t in tg.targets)
    if targets == tg.targets:
        return ()
    return (Update(replace(tg, targets=targets)),)
