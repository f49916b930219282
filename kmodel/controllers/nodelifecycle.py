"""The node lifecycle controller: node health, NoSchedule/NoExecute taints, disruption rules.

Upstream: ``pkg/controller/nodelifecycle/node_lifecycle_controller.go`` (``monitorNodeHealth``,
``tryUpdateNodeHealth``, ``processTaintBaseEviction``, ``markNodeForTainting``,
``markNodeAsReachable``, ``doNoScheduleTaintingPass``, ``doNoExecuteTaintingPass``,
``handleDisruption``, ``ComputeZoneState``, ``ReducedQPSFunc``), ``pkg/controller/util/node/
controller_utils.go`` (``MarkPodsNotReady``, ``SwapNodeControllerTaint``),
``staging/src/k8s.io/component-helpers/node/topology/helpers.go`` (``GetZoneKey``).

One step, the **monitor pass** (target ``Node/*``, controller ``node-lifecycle-controller``):

* the node-monitor grace period (50 s) has expired for
  every node whose kubelet stopped posting status (a crash, a loss, a partition: the
  environment's machine state, :mod:`kmodel.faults`, stands for the stale ``lastHeartbeatTime``
  and Lease ``renewTime``; the expiry is an abstract timer, so it is this step). Those nodes get
  ``Ready`` (and the pressure conditions) ``Unknown``, reason ``NodeStatusUnknown``, and their
  pods ``Ready=False`` (``MarkPodsNotReady``, on the transition). Nodes whose heartbeats stopped
  together expire in the same pass (their timers started together: a control-plane partition
  is seen whole), as upstream's 5 s monitor period against a 300 s eviction window makes them.
  The same pass keeps the condition taints (``doNoScheduleTaintingPass``: ``not-ready`` for
  Ready False, ``unreachable`` for Unknown, ``unschedulable`` for ``spec.unschedulable``, the
  pressure taints; all NoSchedule, added and removed), removes the NoExecute taints of nodes
  that are Ready again (``markNodeAsReachable``), swaps an existing NoExecute taint when Ready
  changes between False and Unknown, and applies ``handleDisruption``: when every zone is
  fully disrupted (no Ready node in it), the controller assumes the control plane is cut off
  ("master disruption mode"), removes the ``not-ready``/``unreachable`` NoExecute taints from
  every node and taints nothing more until some node is Ready again;
* **NoExecute tainting** (``doNoExecuteTaintingPass``): a node whose Ready is False or
  Unknown and that lacks the matching ``node.kubernetes.io/not-ready:NoExecute`` or
  ``node.kubernetes.io/unreachable:NoExecute`` taint is tainted through its zone's rate-limited
  queue, when the zone's limiter is positive. The limiter comes from the zone's state
  (:func:`compute_zone_state`): Normal 0.1 nodes/s, FullDisruption 0.1 (``HealthyQPSFunc``),
  PartialDisruption 0.01 above 50 nodes (``--large-cluster-size-threshold``) and 0 otherwise
  (``ReducedQPSFunc``); all zones fully disrupted: 0. The queue drains every 100 ms against a
  5 s monitor period and a 300 s eviction window, so the model drains it in the monitor pass
  (the rate itself, 10 s between two nodes of a zone, is abstract time; the per-node step
  :func:`reconcile` with a node key remains for callers that want it separate).

The taints then drive :mod:`kmodel.controllers.tainteviction` (eviction after
``tolerationSeconds``).

Abstracted: the controller's memory is level-based (a node is "in the taint queue" while it is
not Ready and lacks its taint; zone states are recomputed at every step, so the switch into and
out of master disruption mode happens at the step that sees it; upstream's one-pass lag between
observing Ready and queueing is not kept); the startup grace period (every modelled node has
posted status); leases as objects; ``node.kubernetes.io/exclude-disruption`` is honoured.
"""

from __future__ import annotations

from typing import Any

from kmodel.api import Request, Update, UpdateStatus, set_pod_conditions
from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.nodes import TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, Node, NodeCondition, Taint

__all__ = ["reconcile", "keys", "compute_zone_state", "get_zone_key", "zone_states", "tainting_allowed",
           "MONITOR", "NOT_READY_TAINT", "UNREACHABLE_TAINT", "STATE_NORMAL", "STATE_PARTIAL",
           "STATE_FULL", "UNHEALTHY_ZONE_THRESHOLD", "LARGE_CLUSTER_SIZE_THRESHOLD", "master_disruption"]

#: The monitor pass's key (every node).
MONITOR = ObjectRef("Node", "", "*")
NOT_READY_TAINT = Taint(TAINT_NOT_READY, "NoExecute")
UNREACHABLE_TAINT = Taint(TAINT_UNREACHABLE, "NoExecute")
STATE_NORMAL = "Normal"
STATE_PARTIAL = "PartialDisruption"
STATE_FULL = "FullDisruption"
UNHEALTHY_ZONE_THRESHOLD = 0.55
LARGE_CLUSTER_SIZE_THRESHOLD = 50
EXCLUDE_DISRUPTION_LABEL = "node.kubernetes.io/exclude-disruption"
REGION_LABEL = "topology.kubernetes.io/region"
ZONE_LABEL = "topology.kubernetes.io/zone"

#: ``nodeConditionToTaintKeyStatusMap``: condition type -> status -> NoSchedule taint key.
_CONDITION_TAINTS = {
    "Ready": {"False": TAINT_NOT_READY, "Unknown": TAINT_UNREACHABLE},
    "MemoryPressure": {"True": "node.kubernetes.io/memory-pressure"},
    "DiskPressure": {"True": "node.kubernetes.io/disk-pressure"},
    "NetworkUnavailable": {"True": "node.kubernetes.io/network-unavailable"},
    "PIDPressure": {"True": "node.kubernetes.io/pid-pressure"},
}
_CONDITION_TAINT_KEYS = frozenset(k for m in _CONDITION_TAINTS.values() for k in m.values())
_UNKNOWN_ON_EXPIRY = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")


def get_zone_key(node: Node) -> str:
    """``GetZoneKey``: ``region:\\x00:zone`` from the topology labels (``""`` without either).

    Examples
    --------
    >>> from kmodel.objects.meta import ObjectMeta
    >>> get_zone_key(Node(ObjectMeta("n", labels=((ZONE_LABEL, "eu-1a"),))))
    ':\\x00:eu-1a'
    """
    region = node.metadata.label(REGION_LABEL, "") or ""
    zone = node.metadata.label(ZONE_LABEL, "") or ""
    if not region and not zone:
        return ""
    return f"{region}:\x00:{zone}"


def compute_zone_state(ready_statuses: list[str | None]) -> tuple[int, str]:
    """``ComputeZoneState``: ``(not ready count, state)`` from the zone's Ready statuses.

    FullDisruption when no node is Ready and some is not; PartialDisruption when more than 2 are
    not Ready and they are at least 55 %; Normal otherwise.

    Examples
    --------
    >>> compute_zone_state(["True", "Unknown"]), compute_zone_state(["Unknown", "False"])
    ((1, 'Normal'), (2, 'FullDisruption'))
    >>> compute_zone_state(["True", "Unknown", "Unknown", "Unknown"])
    (3, 'PartialDisruption')
    """
    ready = sum(1 for s in ready_statuses if s == "True")
    not_ready = len(ready_statuses) - ready
    if ready == 0 and not_ready > 0:
        return not_ready, STATE_FULL
    if not_ready > 2 and not_ready / (not_ready + ready) >= UNHEALTHY_ZONE_THRESHOLD:
        return not_ready, STATE_PARTIAL
    return not_ready, STATE_NORMAL


def _ready_status(node: Node) -> str | None:
    c = node.condition("Ready")
    return None if c is None else c.status


def zone_states(nodes: Any) -> dict[str, tuple[int, str]]:
    """Zone key -> ``(size, state)`` over the nodes not excluded from disruption checks."""
    by_zone: dict[str, list[str | None]] = {}
    for n in nodes:
        if n.metadata.label(EXCLUDE_DISRUPTION_LABEL) is None:
            by_zone.setdefault(get_zone_key(n), []).append(_ready_status(n))
    return {z: (len(v), compute_zone_state(v)[1]) for z, v in sorted(by_zone.items())}


def master_disruption(nodes: Any) -> bool:
    """Every zone is fully disrupted (``handleDisruption``'s ``allAreFullyDisrupted``; with no
    zone at all upstream changes nothing, and neither does the model)."""
    states = zone_states(nodes)
    return bool(states) and all(st == STATE_FULL for _, st in states.values())


def tainting_allowed(nodes: Any, zone: str) -> bool:
    """The zone's NoExecute tainting limiter is positive (``setLimiterInZone``)."""
    states = zone_states(nodes)
    if states and all(st == STATE_FULL for _, st in states.values()):
        return False
    size, st = states.get(zone, (0, STATE_NORMAL))
    if st == STATE_PARTIAL:
        return size > LARGE_CLUSTER_SIZE_THRESHOLD
    return True


def _stopped(env: Any, node: str) -> bool:
    from kmodel.faults import reachable

    return env is not None and not reachable(env, node)


def _split(view: Any) -> tuple[Any, Any]:
    from kmodel.state import ClusterState

    if isinstance(view, ClusterState):
        return view, None
    return view.cluster, view.env


def keys(view: Any) -> list[ObjectRef]:
    """The monitor pass (it also drains the tainting queues, see the module docstring)."""
    return [MONITOR]


def _wanted_taint(node: Node) -> Taint | None:
    st = _ready_status(node)
    if st == "False":
        return NOT_READY_TAINT
    if st == "Unknown":
        return UNREACHABLE_TAINT
    return None


def _no_schedule_taints(node: Node) -> tuple[Taint, ...]:
    """``doNoScheduleTaintingPass``: the node's taints with the condition taints brought in line."""
    wanted = []
    for c in node.status.conditions:
        key = _CONDITION_TAINTS.get(c.type, {}).get(c.status)
        if key:
            wanted.append(Taint(key, "NoSchedule"))
    if node.spec.unschedulable:
        wanted.append(Taint(TAINT_UNSCHEDULABLE, "NoSchedule"))
    kept = [t for t in node.spec.taints
            if not (t.effect == "NoSchedule" and (t.key == TAINT_UNSCHEDULABLE or t.key in _CONDITION_TAINT_KEYS))
            or t in wanted]
    for t in wanted:
        if t not in kept:
            kept.append(t)
    return tuple(kept)


def _with_taints(node: Node, taints: tuple[Taint, ...]) -> Node:
    return replace(node, spec=replace(node.spec, taints=taints))


def _expired(node: Node) -> Node:
    """``tryUpdateNodeHealth`` after the grace period: Ready and pressure conditions Unknown."""
    conditions = list(node.status.conditions)
    have = {c.type for c in conditions}
    out = []
    for c in conditions:
        if c.type in _UNKNOWN_ON_EXPIRY and c.status != "Unknown":
            c = NodeCondition(c.type, "Unknown", "NodeStatusUnknown")
        out.append(c)
    if "Ready" not in have:
        out.insert(0, NodeCondition("Ready", "Unknown", "NodeStatusNeverUpdated"))
    return replace(node, status=replace(node.status, conditions=tuple(out)))


def _monitor(state: Any, env: Any) -> tuple[Request, ...]:
    nodes = list(state.list("Node"))
    reqs: list[Request] = []
    current: list[Node] = []
    for node in nodes:
        new = node
        if _stopped(env, node.name) and _ready_status(node) != "Unknown":
            new = _expired(node)
            reqs.append(UpdateStatus(new))
            if _ready_status(node) == "True":  # MarkPodsNotReady on the transition
                for pod in state.list("Pod"):
                    if pod.spec.node_name == node.name and pod.status.phase not in ("Succeeded", "Failed"):
                        ready = pod.status.condition("Ready")
                        if ready is not None and ready.status != "False":
                            st = replace(pod.status, conditions=set_pod_conditions(pod.status.conditions, Ready="False"))
                            reqs.append(UpdateStatus(replace(pod, status=st)))
        current.append(new)
    master = master_disruption(current)
    for node, new in zip(nodes, current, strict=True):
        taints = _no_schedule_taints(new)
        wanted = _wanted_taint(new)
        if master or wanted is None:  # markNodeAsReachable
            taints = tuple(t for t in taints if t not in (NOT_READY_TAINT, UNREACHABLE_TAINT))
        else:  # swapped at once (processTaintBaseEviction), or tainted through the zone's queue
            opposite = NOT_READY_TAINT if wanted == UNREACHABLE_TAINT else UNREACHABLE_TAINT
            if opposite in taints:
                taints = tuple(wanted if t == opposite else t for t in taints)
            elif wanted not in taints and tainting_allowed(current, get_zone_key(new)):
                taints = taints + (wanted,)
        if taints != node.spec.taints:
            reqs.append(Update(_with_taints(new, taints)))
    return tuple(reqs)


def reconcile(view: Any, key: ObjectRef) -> tuple[Request, ...]:
    """The requests of the monitor pass (``key == MONITOR``) or of tainting node ``key``."""
    state, env = _split(view)
    if key == MONITOR:
        return _monitor(state, env)
    node = state.get(key)
    if node is None:
        return ()
    wanted = _wanted_taint(node)
    if wanted is None or wanted in node.spec.taints:
        return ()
    if not tainting_allowed(state.list("Node"), get_zone_key(node)):
        return ()
    opposite = NOT_READY_TAINT if wanted == UNREACHABLE_TAINT else UNREACHABLE_TAINT
    taints = tuple(t for t in node.spec.taints if t != opposite) + (wanted,)
    return (Update(_with_taints(node, taints)),)
