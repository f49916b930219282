"""Built-in properties of a cluster model, by stable id.

* ``type-ok`` (always): the state is well formed. *Structurally*: every object is stored under
  its own key, once, with a name and a UID; no two objects share a UID; no object has more than one
  controller owner reference; replica counts are non-negative. *Referentially*: every controller
  owner reference names an existing object of that kind with that UID. The API server preserves
  the structural part for every request; like upstream, it breaks the referential part only when
  an owner is deleted while dependents remain, and the garbage collector repairs it. A pod bound
  to a node that does not exist is *not* a type error: upstream allows it (the API server does
  not cascade a Node's deletion, and binding does not check that the node exists), and pod GC's
  ``gcOrphaned`` exists to remove such pods after its quarantine (:mod:`kmodel.controllers.podgc`);
  the cloud node lifecycle controller creates them whenever it deletes the Node of a lost
  machine. That they do go away is a liveness matter: a ReplicaSet's pod on a deleted node
  counts as active until pod GC removes it, so ``pods-replaced`` and ``eventually-stable`` fail
  without pod GC. ``type_ok_errors(state, orphans=True)`` reports them.
* ``no-overcommit`` (always): on every node, the summed requests of the pods bound to it that are
  not terminal never exceed its allocatable resources (``pods`` included).
* ``replicas-bounded`` (always): a ReplicaSet whose controller has acted on its current spec
  (``status.observedGeneration == metadata.generation``) never has more active owned pods than
  ``spec.replicas``.
* ``pods-schedulable`` (eventually always): no pod stays pending (unbound, not being deleted)
  while a node passes every scheduler filter for it.
* ``eventually-stable`` (eventually always, Anvil's ESR): once faults and edits stop, every
  controlled object reaches its desired state and stays there. For a ReplicaSet: exactly
  ``spec.replicas`` active owned pods, all Running and Ready, and a status that says so
  (``replicas``, ``readyReplicas`` and ``availableReplicas`` equal ``spec.replicas``,
  ``observedGeneration`` current).

  For a Deployment (:func:`kmodel.rollout.deployment_unstable`): every replica updated and
  available, no old pod left, the new ReplicaSet at ``spec.replicas`` and the old ones at 0, and
  a current status (a paused Deployment: a current ``observedGeneration`` only).
* ``rollout-bounded`` (always), ``availability`` (always) and ``rollout-completes`` (eventually
  always): what a Deployment rollout promises; see :mod:`kmodel.rollout`. Not in the default
  set (:data:`DEFAULT_IDS`): specs with Deployments list them.
* ``drain-completes`` (eventually always): every started ``kubectl drain`` finishes; the
  PodDisruptionBudget half of ``availability`` (no eviction takes a budget's healthy pods below
  ``desiredHealthy``). See :mod:`kmodel.properties_disruption`. Not in the default set.
* ``hpa-within-bounds`` (always) and ``no-replica-oscillation`` (always): horizontal
  autoscaling; see :mod:`kmodel.properties_autoscaling`. Not in the default set.
* ``endpoints-correct`` (eventually always), ``no-traffic-to-unready`` (always),
  ``service-reachable`` (always) and ``ingress-routes`` (eventually always): service
  discovery and load balancing; see :mod:`kmodel.network_properties`. Not in the default set
  either: specs with Services and Ingresses list them.

Liveness is checked under weak fairness of controller steps and node recovery (see
:mod:`kmodel.cluster`).
"""

from __future__ import annotations

from collections.abc import Sequence

from kmodel import network_properties as _net
from kmodel import properties_disruption as _disruption
from kmodel import properties_autoscaling as _autoscaling
from kmodel import properties_lifecycle as _lifecycle
from kmodel.model import Property, always, eventually_always
from kmodel.objects.meta import ObjectRef
from kmodel.objects.nodes import resource_get
from kmodel.objects.workloads import is_pod_active, is_pod_ready, pod_requests
from kmodel.rollout import availability_violations, deployment_unstable, incomplete_rollouts, rollout_bound_violations
from kmodel.scheduler.framework import node_infos, schedule_one
from kmodel.state import CLUSTER_SCOPED_KINDS, ClusterState

__all__ = ["builtin", "BUILTIN_IDS", "DEFAULT_IDS", "by_id", "type_ok", "no_overcommit", "replicas_bounded",
           "pods_schedulable", "eventually_stable", "rollout_bounded", "availability", "rollout_completes",
           "endpoints_correct", "no_traffic_to_unready", "service_reachable", "ingress_routes"]


def _type_ok(world) -> bool:  # type: ignore[no-untyped-def]
    return not type_ok_errors(world.cluster)


def type_ok_errors(state: ClusterState, *, referential: bool = True, orphans: bool = False) -> list[str]:
    """Why ``state`` is not well formed (empty when it is); ``referential=False`` checks the
    structural part only; ``orphans=True`` also reports pods bound to a node that does not exist
    (which upstream allows until pod GC removes them: not part of ``type-ok``)."""
    errors = []
    uids: dict[str, ObjectRef] = {}
    seen: set[ObjectRef] = set()
    for obj in state.objects():
        ref = obj.ref
        m = obj.metadata
        if not m.name or not m.uid:
            errors.append(f"{ref} has no name or uid")
        if m.uid in uids:
            errors.append(f"{ref} and {uids[m.uid]} share uid {m.uid}")
        uids[m.uid] = ref
        if ref in seen:
            errors.append(f"{ref} is stored twice")
        seen.add(ref)
        owner = m.controller_ref()
        if owner is not None and referential:
            namespace = "" if owner.kind in CLUSTER_SCOPED_KINDS else m.namespace
            target = state.get(ObjectRef(owner.kind, namespace, owner.name))
            if target is None or target.metadata.uid != owner.uid:
                errors.append(f"{ref} is controlled by missing {owner.kind} {owner.name}")
        if sum(1 for r in m.owner_references if r.controller) > 1:
            errors.append(f"{ref} has more than one controller reference")
    for pod in state.list("Pod"):
        if orphans and pod.spec.node_name and state.get(ObjectRef("Node", "", pod.spec.node_name)) is None:
            errors.append(f"{pod.ref} is bound to missing node {pod.spec.node_name}")
    for rs in state.list("ReplicaSet"):
        if rs.replicas < 0 or rs.status.replicas < 0:
            errors.append(f"{rs.ref} has negative replicas")
    return errors


def overcommitted(state: ClusterState) -> list[tuple[str, str, int, int]]:
    """``(node, resource, requested, allocatable)`` for every overcommitted resource."""
    out = []
    for name, info in node_infos(state).items():
        requested = dict(info.requested)
        requested["pods"] = len(info.pods)
        for resource, amount in sorted(requested.items()):
            alloc = resource_get(info.allocatable, resource)
            if amount > alloc and (amount > 0):
                out.append((name, resource, amount, alloc))
    return out


def _owned_active(state: ClusterState, rs) -> list:  # type: ignore[no-untyped-def]
    return [p for p in state.list("Pod", rs.metadata.namespace)
            if is_pod_active(p) and (r := p.metadata.controller_ref()) is not None
            and r.uid == rs.metadata.uid]


def _replicas_bounded(world) -> bool:  # type: ignore[no-untyped-def]
    state = world.cluster
    for rs in state.list("ReplicaSet"):
        if rs.status.observed_generation == rs.metadata.generation:
            if len(_owned_active(state, rs)) > rs.replicas:
                return False
    return True


def stranded_pods(state: ClusterState) -> list[ObjectRef]:
    """Pending pods for which some node passes every filter."""
    pending = [p for p in state.list("Pod")
               if not p.spec.node_name and not p.metadata.deleting and p.status.phase == "Pending"]
    if not pending:
        return []
    infos = node_infos(state)
    return [p.ref for p in pending if schedule_one(p, infos).feasible]


def unstable(state: ClusterState) -> list[str]:
    """Why the controlled objects are not in their desired state (empty when they are)."""
    reasons = []
    for rs in state.list("ReplicaSet"):
        if rs.metadata.deleting:
            continue
        pods = _owned_active(state, rs)
        want = rs.replicas
        good = sum(1 for p in pods if p.status.phase == "Running" and is_pod_ready(p))
        st = rs.status
        if len(pods) != want:
            reasons.append(f"{rs.ref} has {len(pods)} active pods, wants {want}")
        elif good != want:
            reasons.append(f"{rs.ref} has {good} of {want} pods running and ready")
        elif (st.replicas, st.ready_replicas, st.available_replicas) != (want, want, want) or \
                st.observed_generation != rs.metadata.generation:
            reasons.append(f"{rs.ref} status is stale")
    reasons.extend(deployment_unstable(state))
    return reasons


def type_ok() -> Property:
    return always("type-ok", _type_ok, description="the state is well formed")


def no_overcommit() -> Property:
    return always("no-overcommit", lambda w: not overcommitted(w.cluster),
                  description="requests on a node never exceed its allocatable resources")


def replicas_bounded() -> Property:
    return always("replicas-bounded", _replicas_bounded,
                  description="a ReplicaSet never has more active pods than spec.replicas once synced")


def pods_schedulable() -> Property:
    return eventually_always("pods-schedulable", lambda w: not stranded_pods(w.cluster),
                             description="no pod stays pending while a feasible node exists")


def eventually_stable() -> Property:
    return eventually_always("eventually-stable", lambda w: not unstable(w.cluster),
                             description="every controlled object reaches its desired state and stays there")


def rollout_bounded() -> Property:
    return always("rollout-bounded", lambda w: not rollout_bound_violations(w.cluster),
                  description="a rolling update never wants more than replicas + maxSurge pods")


def availability() -> Property:
    return always("availability", lambda w: not availability_violations(w.cluster, w.env),
                  description="a rolling update never leaves fewer than replicas - maxUnavailable pods available")


def rollout_completes() -> Property:
    return eventually_always("rollout-completes", lambda w: not incomplete_rollouts(w.cluster),
                             description="every rollout ends with all replicas updated and available")


def endpoints_correct() -> Property:
    return eventually_always("endpoints-correct", lambda w: not _net.endpoint_errors(w.cluster),
                             description="a Service's endpoints are exactly the pods that should be in them")


def no_traffic_to_unready() -> Property:
    return always("no-traffic-to-unready", lambda w: not _net.unready_routes(w),
                  description="no route ends at a pod that cannot serve, a missing address or a down node")


def service_reachable() -> Property:
    return always("service-reachable", lambda w: not _net.unreachable_services(w),
                  description="once its endpoints are up to date, a Service routes to a serving pod whenever one serves")


def ingress_routes() -> Property:
    return eventually_always("ingress-routes", lambda w: not _net.ingress_errors(w.cluster),
                             description="Ingress backends resolve to endpoints and the ALB agrees with them")


_CONSTRUCTORS = {
    "type-ok": type_ok,
    "no-overcommit": no_overcommit,
    "replicas-bounded": replicas_bounded,
    "pods-schedulable": pods_schedulable,
    "eventually-stable": eventually_stable,
    "rollout-bounded": rollout_bounded,
    "availability": availability,
    "rollout-completes": rollout_completes,
    "endpoints-correct": endpoints_correct,
    "no-traffic-to-unready": no_traffic_to_unready,
    "service-reachable": service_reachable,
    "ingress-routes": ingress_routes,
    **_lifecycle.CONSTRUCTORS,  # pods-replaced, no-mass-eviction, ... (kmodel.properties_lifecycle)
    **_disruption.CONSTRUCTORS,  # drain-completes (kmodel.properties_disruption)
    **_autoscaling.CONSTRUCTORS,  # hpa-within-bounds, no-replica-oscillation (kmodel.properties_autoscaling)
}
BUILTIN_IDS: tuple[str, ...] = tuple(_CONSTRUCTORS)
#: The properties checked when a scenario lists none: the cluster-wide five. The rollout
#: properties are opt-in (a spec with Deployments lists them): they say nothing without one, and
#: ``rollout-completes`` is a liveness check with its own cost.
DEFAULT_IDS: tuple[str, ...] = ("type-ok", "no-overcommit", "replicas-bounded", "pods-schedulable",
                                "eventually-stable")


def by_id(ids: Sequence[str]) -> tuple[Property, ...]:
    """Built-in properties by id; an unknown id is a ``KeyError`` naming the known ones."""
    out = []
    for i in ids:
        if i not in _CONSTRUCTORS:
            raise KeyError(f"unknown property {i!r}; known: {', '.join(BUILTIN_IDS)}")
        out.append(_CONSTRUCTORS[i]())
    return tuple(out)


def builtin() -> tuple[Property, ...]:
    """The default built-in properties (:data:`DEFAULT_IDS`)."""
    return by_id(DEFAULT_IDS)


def explain(property_id: str, world) -> list[str]:  # type: ignore[no-untyped-def]
    """Plain sentences saying why a built-in property fails in ``world`` (empty if unknown)."""
    state = world.cluster
    if property_id == "type-ok":
        return type_ok_errors(state)
    if property_id == "no-overcommit":
        from kmodel.objects.nodes import format_resource
        return [f"node {n} has {format_resource(r, req)} {r} requested of {format_resource(r, alloc)} allocatable"
                for n, r, req, alloc in overcommitted(state)]
    if property_id == "replicas-bounded":
        out = []
        for rs in state.list("ReplicaSet"):
            n = len(_owned_active(state, rs))
            if rs.status.observed_generation == rs.metadata.generation and n > rs.replicas:
                out.append(f"{rs.ref} has {n} active pods, spec.replicas is {rs.replicas}")
        return out
    if property_id == "pods-schedulable":
        return [f"{ref} is pending although a node fits it" for ref in stranded_pods(state)]
    if property_id == "rollout-bounded":
        return rollout_bound_violations(state)
    if property_id == "availability":
        return availability_violations(state, getattr(world, "env", None))
    if property_id == "rollout-completes":
        return incomplete_rollouts(state)
    if property_id == "endpoints-correct":
        return _net.endpoint_errors(state)
    if property_id == "no-traffic-to-unready":
        return _net.unready_routes(world)
    if property_id == "service-reachable":
        return _net.unreachable_services(world)
    if property_id == "ingress-routes":
        return _net.ingress_errors(state)
    if property_id == "rollout-bounded":
        return rollout_bound_violations(state)
    if property_id == "availability":
        return availability_violations(state, getattr(world, "env", None))
    if property_id == "rollout-completes":
        return incomplete_rollouts(state)
    if property_id == "eventually-stable":
        reasons = unstable(state)
        infos = None
        for pod in state.list("Pod"):
            if not pod.spec.node_name and pod.status.phase == "Pending" and not pod.metadata.deleting:
                infos = infos or node_infos(state)
                r = schedule_one(pod, infos)
                if not r.feasible:
                    reasons.append(f"{pod.ref} is unschedulable: {r.message(len(infos))}")
        return reasons
    return (_lifecycle.explain(property_id, world) or _disruption.explain(property_id, world)
            or _autoscaling.explain(property_id, world))
