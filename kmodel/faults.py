"""Faults: environment steps the explorer may take, bounded per scenario, and node recovery.

The machines under the nodes are part of the environment (:class:`kmodel.cluster.Env`,
``machines``: the nodes that are not healthy, as ``(node, state)`` pairs). A fault changes the
environment, never the API server's store directly: the control plane learns of it the way it
does upstream (the kubelet stops posting status; the node lifecycle controller's grace period
expires; :mod:`kmodel.controllers.nodelifecycle`).

Fault budgets (``spec.faults`` of a scenario, :class:`kmodel.cluster.Faults`):

* ``nodeFailures``: a node's machine stops (state ``down``): its kubelet stops posting status
  and running containers. It comes back (``node-recovery``, weakly fair: the named assumption
  ``crashed-nodes-recover``): the machine rebooted, so the kubelet (its memory, back-off
  entries included, wiped) restarts every container of its running pods at once; its report
  (restart count + 1) is collapsed into the recovery step, as is its node status (``Ready=True``
  again: a starting kubelet posts node status first).
* ``nodeLosses``: a node's machine is gone for good (state ``lost``: the VM was terminated). The
  cloud provider then reports the instance missing and the cloud node lifecycle controller
  deletes the Node object (:mod:`kmodel.controllers.podgc` then removes its pods).
* ``partitions``: one node is cut off from the control plane (state ``partitioned``): its kubelet
  and containers keep running but nothing it does reaches the API server and it sees no change.
  The partition heals (fair; the kubelet's node status reaches the API server again in the same
  step). ``controlPlanePartitions``: every node not labelled
  ``node-role.kubernetes.io/control-plane`` is cut off at once (the API server's side of the
  network keeps its control-plane nodes).
* ``staleViews``: a node's kubelet goes on acting on a stale view of the API server (its watch
  broke and its informer stopped updating; state ``stale``): it does not see pods bound to its
  node since (it does not start them) nor deletions since (it keeps a deleted pod's containers
  running and keeps reporting its status), while its own writes still go through. The watch is
  re-established (``resync``, fair) and the kubelet catches up. The model's stand-in for "the
  view at the time of the fault" is the pod's own state: a pod still Pending is one it has not
  seen; a deletion mark is one it has not seen.
* ``zoneOutages``: every node of one zone (``topology.kubernetes.io/zone``) goes ``down`` at once;
  each recovers (fair). ``zoneLosses``: every node of one zone is ``lost`` at once (the zone does
  not come back within the behaviour: what must heal, heals without it).
* ``podCrashes``: a running container of a pod on a healthy machine exits with an error (a crash
  loop is several crashes of the same pod): the kubelet reports it (collapsed into the step), and
  restarts it per ``restartPolicy`` under CrashLoopBackOff (:mod:`kmodel.agents.kubelet`).
* ``probeFailures``: a running container starts failing its probes (the application hangs): the
  kubelet's liveness probe kills it after ``failureThreshold`` failures, its readiness probe marks
  it not ready; without probes nothing notices.
* ``kubeletRestarts``: the kubelet process of a healthy node restarts (a crash, an upgrade, a
  config change; systemd starts it again) while the machine and its containers keep running. Its
  CrashLoopBackOff entries live in its memory only (``pkg/kubelet/kubelet.go``:
  ``klet.crashLoopBackOff = flowcontrol.NewBackOff(...)``), so they are gone: a container waiting
  in CrashLoopBackOff is restarted by the new kubelet's first sync, and the next exit of a
  running one restarts at once (``doBackOff`` finds no entry). Offered only on a node where some
  pod has an entry (elsewhere the restart changes nothing the model keeps); the rest of the
  restart (re-listing, re-probing) collapses into the step.
* ``proxyLags``: one node's kube-proxy falls behind (``proxy-lag``): it keeps routing by the
  EndpointSlices it last synced until its own sync step catches up (fair;
  :mod:`kmodel.agents.kubeproxy`, which generates the step).
* ``volumeLosses``: the disk behind a bound PersistentVolume is destroyed (``status.lost``, kept
  on the volume): containers using it fail, and the kubelet cannot start pods that mount it.

Each step is one environment event; which node, pod or volume is chosen is explored. The trace
prints them as ``fault node-crash Node/worker-a`` and so on.

Upstream (what the control plane does afterwards): ``pkg/controller/nodelifecycle``,
``pkg/controller/tainteviction``, ``pkg/controller/podgc``,
``staging/src/k8s.io/cloud-provider/controllers/nodelifecycle/node_lifecycle_controller.go``
(deleting nodes whose instance is gone), ``pkg/kubelet`` (restart after reboot, probes).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kmodel.api import UpdateStatus, apply, set_pod_conditions
from kmodel.objects.meta import ObjectRef, replace
from kmodel.objects.nodes import Node
from kmodel.objects.workloads import COMPLETED, RUNNING, TERMINATED, UNHEALTHY, Pod
from kmodel.state import ClusterState

__all__ = ["DOWN", "LOST", "PARTITIONED", "STALE", "CONTROL_PLANE_LABEL", "machine_state", "machine_up",
           "reachable", "steps", "crash_pod", "crashable_pods", "set_machines", "rename_machines"]

DOWN = "down"
LOST = "lost"
PARTITIONED = "partitioned"
STALE = "stale"
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"


def machine_state(env: Any, node: str) -> str:
    """``"up"``, ``"down"``, ``"lost"`` or ``"partitioned"``."""
    for name, st in env.machines:
        if name == node:
            return st
    return "up"


def machine_up(env: Any, node: str) -> bool:
    """The machine runs (``up``, ``partitioned`` or ``stale``): its containers run."""
    return machine_state(env, node) in ("up", PARTITIONED, STALE)


def reachable(env: Any, node: str) -> bool:
    """The node's kubelet runs and reaches the API server (its view may be stale)."""
    return machine_state(env, node) in ("up", STALE)


def stale(env: Any, node: str) -> bool:
    """The node's kubelet acts on a stale view of the API server (the ``staleViews`` fault)."""
    return env is not None and machine_state(env, node) == STALE


def set_machines(env: Any, changes: dict[str, str]) -> Any:
    """``env`` with the machine states in ``changes`` (``"up"`` removes the entry)."""
    states = dict(env.machines)
    for name, st in changes.items():
        if st == "up":
            states.pop(name, None)
        else:
            states[name] = st
    return replace(env, machines=tuple(sorted(states.items())))


def rename_machines(env: Any, node_map: dict[str, str]) -> Any:
    """``env`` with node names renamed (symmetry: see :meth:`kmodel.cluster.ClusterModel.representative`)."""
    if not env.machines or not node_map:
        return env
    return replace(env, machines=tuple(sorted((node_map.get(n, n), s) for n, s in env.machines)))


def _used(env: Any, name: str) -> int:
    for k, v in env.faults:
        if k == name:
            return v
    return 0


def _spend(env: Any, name: str) -> Any:
    counts = dict(env.faults)
    counts[name] = counts.get(name, 0) + 1
    return replace(env, faults=tuple(sorted(counts.items())))


def crashable_pods(state: ClusterState, env: Any = None) -> list[Pod]:
    """Pods whose container is running on a healthy machine."""
    return [p for p in state.list("Pod")
            if p.spec.node_name and (env is None or reachable(env, p.spec.node_name))
            and p.status.phase == "Running" and p.status.containers in (RUNNING, UNHEALTHY)
            and not p.metadata.deleting]


def crash_pod(state: ClusterState, ref: ObjectRef) -> ClusterState:
    """A container of the pod exits with an error; the kubelet reports it (not ready)."""
    pod = state.get(ref)
    assert pod is not None
    status = replace(pod.status, containers=TERMINATED,
                     conditions=set_pod_conditions(pod.status.conditions, ContainersReady="False", Ready="False"))
    state, _ = apply(state, UpdateStatus(replace(pod, status=status)))
    return state


def _rebooted(state: ClusterState, node: str) -> ClusterState:
    """After a reboot the kubelet (its back-off memory wiped) finds its pods' containers exited
    and restarts them at once (restart count + 1, a fresh back-off entry): its first report."""
    from kmodel.agents.kubelet import INITIAL_BACKOFF

    for pod in state.list("Pod"):
        if pod.spec.node_name == node and pod.status.phase == "Running" and not pod.metadata.deleting:
            status = replace(pod.status, restart_count=pod.status.restart_count + 1, backoff=INITIAL_BACKOFF,
                             backoff_earned=INITIAL_BACKOFF,  # a reboot starts every back-off series anew
                             containers=RUNNING if pod.status.containers != COMPLETED else COMPLETED)
            state, _ = apply(state, UpdateStatus(replace(pod, status=status)))
    return state


def _heartbeat(state: ClusterState, name: str) -> ClusterState:
    """The kubelet's first act once it runs and reaches the API server: post node status."""
    from kmodel.agents.kubelet import reconcile as kubelet_reconcile

    from kmodel.api import apply_all

    state, _ = apply_all(state, kubelet_reconcile(state, ObjectRef("Node", "", name)))
    return state


def _zone(node: Node) -> str:
    return node.zone or ""


def steps(model: Any, world: Any, only: Any) -> Iterator[tuple[Any, Any]]:
    """The environment's steps from ``world``: node recovery (fair) and every fault the budget
    still allows, as ``(Step, World)`` pairs (``only``: the step being replayed, or ``None``)."""
    from kmodel.cluster import Step, World

    cluster, env = world.cluster, world.env
    faults = model.faults
    nodes = cluster.list("Node")
    if only is None or only.actor == "node-recovery":
        for name, st in env.machines:
            if st in (DOWN, PARTITIONED):
                ref = ObjectRef("Node", "", name)
                new = cluster if st == PARTITIONED else _rebooted(cluster, name)
                new = _heartbeat(new, name)
                yield Step("node-recovery", "recover" if st == DOWN else "heal", ref), \
                    World(new, set_machines(env, {name: "up"}))
            elif st == STALE:  # the kubelet's watch is re-established: it sees the store again
                yield Step("node-recovery", "resync", ObjectRef("Node", "", name)), \
                    World(cluster, set_machines(env, {name: "up"}))
    if only is not None and only.actor != "fault":
        return
    healthy = [n for n in nodes if machine_state(env, n.name) == "up"]
    if env.node_failures < faults.node_failures:
        env2 = replace(env, node_failures=env.node_failures + 1)
        for node in healthy:
            yield Step("fault", "node-crash", node.ref), World(cluster, set_machines(env2, {node.name: DOWN}))
    # Faults that put one healthy machine into another state, each with its own budget (in order).
    for budget, limit, action, machine in (("nodeLosses", faults.node_losses, "node-loss", LOST),
                                           ("partitions", faults.partitions, "partition", PARTITIONED),
                                           ("staleViews", faults.stale_views, "stale-view", STALE)):
        if _used(env, budget) < limit:
            env2 = _spend(env, budget)
            for node in healthy:
                yield Step("fault", action, node.ref), World(cluster, set_machines(env2, {node.name: machine}))
    if _used(env, "kubeletRestarts") < faults.kubelet_restarts:
        env2 = _spend(env, "kubeletRestarts")
        for node in healthy:
            forgot = _kubelet_restarted(cluster, node.name)
            if forgot is not None:
                yield Step("fault", "kubelet-restart", node.ref), World(forgot, env2)
    if _used(env, "controlPlanePartitions") < faults.control_plane_partitions:
        cut = {n.name: PARTITIONED for n in healthy if n.metadata.label(CONTROL_PLANE_LABEL) is None}
        if cut:
            yield Step("fault", "control-plane-partition"), \
                World(cluster, set_machines(_spend(env, "controlPlanePartitions"), cut))
    for budget, limit, verb, st in (("zoneOutages", faults.zone_outages, "zone-outage", DOWN),
                                    ("zoneLosses", faults.zone_losses, "zone-loss", LOST)):
        if _used(env, budget) < limit:
            for zone in sorted({_zone(n) for n in healthy if n.zone}):
                down = {n.name: st for n in healthy if _zone(n) == zone}
                yield Step("fault", verb, ObjectRef("Zone", "", zone)), \
                    World(cluster, set_machines(_spend(env, budget), down))
    if env.pod_crashes < faults.pod_crashes:
        env2 = replace(env, pod_crashes=env.pod_crashes + 1)
        for pod in crashable_pods(cluster, env):
            yield Step("fault", "pod-crash", pod.ref), World(crash_pod(cluster, pod.ref), env2)
    if _used(env, "probeFailures") < faults.probe_failures:
        env2 = _spend(env, "probeFailures")
        for pod in crashable_pods(cluster, env):
            if pod.status.containers == RUNNING:
                new, _ = apply(cluster, UpdateStatus(replace(pod, status=replace(pod.status, containers=UNHEALTHY))))
                yield Step("fault", "probe-failure", pod.ref), World(new, env2)
    if _used(env, "volumeLosses") < faults.volume_losses:
        env2 = _spend(env, "volumeLosses")
        for pv in cluster.list("PersistentVolume"):
            if pv.status.phase == "Bound" and not pv.status.lost:
                new, _ = apply(cluster, UpdateStatus(replace(pv, status=replace(pv.status, lost=True))))
                new = _volume_lost(new, pv)
                yield Step("fault", "volume-loss", pv.ref), World(new, env2)
    from kmodel.agents.kubeproxy import lag_steps  # kube-proxy falls behind (proxyLags)

    yield from lag_steps(model, world, only)


def _kubelet_restarted(state: ClusterState, node: str) -> ClusterState | None:
    """The kubelet process on ``node`` restarts (the machine and its containers keep running):
    its in-memory CrashLoopBackOff entries (``klet.crashLoopBackOff``, a ``flowcontrol.Backoff``
    built in ``NewMainKubelet``) are gone. ``None`` when no pod there has an entry (the restart
    then changes nothing the model keeps)."""
    changed = False
    for pod in state.list("Pod"):
        if pod.spec.node_name == node and pod.status.backoff:
            state, _ = apply(state, UpdateStatus(replace(pod, status=replace(pod.status, backoff=0))))
            changed = True
    return state if changed else None


def _volume_lost(state: ClusterState, pv: Any) -> ClusterState:
    """Containers of running pods that mount the lost volume fail (I/O errors)."""
    claim = pv.spec.claim_ref
    if not claim:
        return state
    namespace, _, name = claim.partition("/")
    for pod in state.list("Pod", namespace):
        if any(v.claim_name == name for v in pod.spec.volumes) and pod.status.phase == "Running" \
                and pod.status.containers in (RUNNING, UNHEALTHY) and not pod.metadata.deleting:
            state = crash_pod(state, pod.ref)
    return state
