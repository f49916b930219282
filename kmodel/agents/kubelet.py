"""The kubelet: node status, and each pod's lifecycle on its node, one pod per step.

Upstream: ``pkg/kubelet/kubelet.go`` (``HandlePodAdditions``, ``canAdmitPod``, ``SyncPod``),
``pkg/kubelet/lifecycle/predicate.go``, ``pkg/kubelet/kubelet_pods.go`` (``getPhase``,
``generateAPIPodStatus``), ``pkg/kubelet/kuberuntime/kuberuntime_manager.go``
(``computePodActions``, ``doBackOff``: CrashLoopBackOff), ``staging/src/k8s.io/client-go/util/
flowcontrol/backoff.go`` (``Backoff``), ``pkg/kubelet/prober/worker.go`` (``doProbe``),
``pkg/kubelet/status/status_manager.go`` (final deletion), ``pkg/kubelet/kubelet_node_status.go``.

A kubelet acts only while its machine runs and reaches the API server
(:func:`kmodel.faults.reachable`): a crashed, lost or partitioned node's kubelet does nothing the
control plane can see. When its machine is back it posts ``Ready=True`` again (the node status
heartbeat resumes). For each pod bound to its node it may:

* **admit and start** a pending pod: the admission check (``lifecycle.GeneralPredicates``)
  rejects a pod that does not fit the node's allocatable resources beside the pods running
  there, does not tolerate a NoExecute taint, or whose node selector does not match: the pod
  becomes ``Failed`` (reason ``OutOf<resource>``, ``NodeAffinity`` or ``Taint``). A pod whose
  claims are not bound, or whose volume is lost, waits (``ContainerCreating``), as does one whose
  projected volume cannot be filled: the ``kube-api-access-*`` volume needs a token from
  TokenRequest (``pkg/kubelet/token/token_manager.go``; refused while its ServiceAccount does not
  exist, :mod:`kmodel.registry.serviceaccount`) and the ``kube-root-ca.crt`` ConfigMap. Otherwise its
  containers start: ``Running`` with ``PodScheduled``, ``Initialized`` True, and
  ``ContainersReady``/``Ready`` True at once unless a container has a readiness (or startup)
  probe, which must first pass (a later step: the probe's ``successThreshold`` periods, a timer).
  Image pulls and init containers collapse into this step; the pod gets its IP
  (:mod:`kmodel.agents.ipam`).
* **probes**: a container that fails its probes (the ``probeFailures`` fault: ``unhealthy``) is
  killed once its liveness probe has failed ``failureThreshold`` times (a timer) and then
  restarted per ``restartPolicy``; with a readiness probe it is marked not ready; with neither,
  nothing notices. :func:`do_probe` is the prober worker's threshold rule.
* **restart** an exited container per ``restartPolicy`` (Always: any exit; OnFailure: a non-zero
  exit; Never: none, and the phase becomes terminal, :func:`get_phase`), under CrashLoopBackOff
  (:class:`Backoff`, initial 10 s doubling to 300 s; an entry older than 2 x 300 s counts as
  expired): an exit with no live back-off entry restarts at once and starts the entry at 10 s;
  an exit within the entry's window waits in ``CrashLoopBackOff`` (container state ``backoff``)
  until the window ends (a timer step), then restarts and doubles the entry. Whether more than
  2 x 300 s passed between the entry's last update and an exit (the entry then counts as
  expired: restart at once, entry back to 10 s) is decided at the exit, both ways (the timer
  is only read there). The entry is kubelet memory keyed by the pod's UID; the model keeps it
  in the pod's status (``status.backoff``), which dies with the pod as the key does; a reboot
  wipes the kubelet's memory (:mod:`kmodel.faults`), and so does a restart of the kubelet
  process alone (the ``kubeletRestarts`` fault: ``klet.crashLoopBackOff`` is built afresh in
  ``NewMainKubelet``): then an exit finds no entry and restarts at once (``doBackOff``), and a
  container waiting in CrashLoopBackOff is restarted by the new kubelet's first sync. The ghost
  ``status.backoffEarned`` follows the entry a kubelet that never forgot would hold, for
  ``restart-backoff`` (:mod:`kmodel.properties_lifecycle`); after a forgotten entry, an exit is
  read both ways (more than 10 minutes after the earned entry's last update: the same fresh
  start; less: a restart before the earned back-off ran out).
* **report ready** again a running pod whose Ready condition the node lifecycle controller set
  False while its node was unreachable;
* **finish terminating** a pod being deleted: containers are stopped and the kubelet deletes the
  pod with grace period 0. A container with a ``preStop`` sleep hook keeps the pod serving
  first; time is abstract, so the model states the assumption such a hook is written for,
  ``prestop-outlasts-propagation``: a sleep of at least 5 s ends only once no EndpointSlice
  lists the pod as a ready endpoint, one of at least 30 s also only once no ALB target group
  sends it new requests (:func:`kmodel.traffic.still_routed`);
* **assign the pod's IP** when it starts (:mod:`kmodel.agents.ipam`), or, for a running pod
  read from a manifest without ``status.podIP``, as its own step.

A kubelet acting on a stale view (the ``staleViews`` fault) neither starts pods bound since nor
sees deletions since: it keeps a deleted pod's containers running (and restarting) and keeps
reporting its status, until its watch is re-established.

Abstracted: one status for all of a pod's containers (they share fate: the restart count is the
largest), image pulls, init containers' individual runs, ``activeDeadlineSeconds``, eviction
under node pressure, static pods, and the probe periods themselves (a result is published
"eventually": each threshold is an abstract timer). The helpers :func:`get_phase`,
:class:`Backoff` and :func:`do_probe` keep upstream's full rules and are tested against
upstream's tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from kmodel.agents.ipam import pod_ip_for
from kmodel.api import Delete, Request, UpdateStatus, set_pod_conditions
from kmodel.objects.meta import ObjectRef, _hash_field, record, replace
from kmodel.objects.nodes import NodeCondition, find_untolerated_taint, resource_get
from kmodel.objects.workloads import (
    BACKOFF,
    COMPLETED,
    RUNNING,
    TERMINATED,
    UNHEALTHY,
    Pod,
    pod_requests,
)
from kmodel.state import ClusterState

__all__ = ["pending", "reconcile", "keys", "get_phase", "ContainerStatus", "Backoff", "do_probe",
           "INITIAL_BACKOFF", "MAX_BACKOFF", "backoff_delays"]

#: CrashLoopBackOff (``pkg/kubelet/kubelet.go``: ``backOffPeriod`` 10 s, ``MaxContainerBackOff`` 300 s).
INITIAL_BACKOFF = 10
MAX_BACKOFF = 300


def backoff_delays(initial: int = INITIAL_BACKOFF, maximum: int = MAX_BACKOFF) -> tuple[int, ...]:
    """The successive CrashLoopBackOff windows: ``(10, 20, 40, 80, 160, 300)`` by default.

    Examples
    --------
    >>> backoff_delays()
    (10, 20, 40, 80, 160, 300)
    """
    out = [initial]
    while out[-1] < maximum:
        out.append(min(out[-1] * 2, maximum))
    return tuple(out)


# --- getPhase -------------------------------------------------------------------------------


@record
class ContainerStatus:
    """A container status as ``getPhase`` reads it: ``state`` is ``"running"``, ``"waiting"``,
    ``"terminated"`` (with ``exit_code``) or ``""`` (none); ``last_exit_code`` is the exit code of
    ``lastTerminationState.terminated`` (``None``: none); ``started`` is ``status.started``."""

    name: str
    state: str = ""
    exit_code: int = 0
    last_exit_code: int | None = None
    started: bool | None = None
    _hash: int = _hash_field()


def _status_of(statuses: Sequence[ContainerStatus], name: str) -> ContainerStatus | None:
    for s in statuses:
        if s.name == name:
            return s
    return None


def get_phase(spec: Any, statuses: Sequence[ContainerStatus], pod_is_terminal: bool = False) -> str:
    """The pod phase from its containers' statuses (``getPhase``, ``pkg/kubelet/kubelet_pods.go``).

    Regular init containers that have not succeeded keep the pod Pending (a failed one makes it
    Failed under ``restartPolicy: Never``); restartable (sidecar) init containers count as running
    containers; then: any waiting container (or pending initialisation before any regular
    container started) -> Pending; some running and none unknown -> Running; all stopped -> Running
    under Always (unless ``pod_is_terminal``), Succeeded if all exited 0, Failed under Never,
    Running under OnFailure; otherwise Pending.

    Examples
    --------
    >>> from kmodel.objects.workloads import Container, PodSpec
    >>> spec = PodSpec((Container("a"), Container("b")), restart_policy="Never")
    >>> get_phase(spec, [ContainerStatus("a", "terminated", 0), ContainerStatus("b", "terminated", 1)])
    'Failed'
    """
    pending_init = failed_init = 0
    for c in spec.init_containers:
        if c.restart_policy == "Always":
            continue
        s = _status_of(statuses, c.name)
        if s is None:
            pending_init += 1
        elif s.state == "running":
            pending_init += 1
        elif s.state == "terminated":
            if s.exit_code != 0:
                failed_init += 1
        elif s.state == "waiting":
            if s.last_exit_code is not None:
                if s.last_exit_code != 0:
                    failed_init += 1
            else:
                pending_init += 1
        else:
            pending_init += 1
    unknown = running = waiting = stopped = succeeded = 0
    for c in spec.init_containers:
        if c.restart_policy != "Always":
            continue
        s = _status_of(statuses, c.name)
        if s is None:
            unknown += 1
        elif s.state == "running":
            if not s.started:
                pending_init += 1
            running += 1
        elif s.state == "terminated":
            pass
        elif s.state == "waiting":
            if s.last_exit_code is None:
                pending_init += 1
                waiting += 1
        else:
            pending_init += 1
            unknown += 1
    for c in spec.containers:
        s = _status_of(statuses, c.name)
        if s is None:
            unknown += 1
        elif s.state == "running":
            running += 1
        elif s.state == "terminated":
            stopped += 1
            if s.exit_code == 0:
                succeeded += 1
        elif s.state == "waiting":
            if s.last_exit_code is not None:
                stopped += 1
            else:
                waiting += 1
        else:
            unknown += 1
    if failed_init > 0 and spec.restart_policy == "Never":
        return "Failed"
    any_regular_started = any(
        (s := _status_of(statuses, c.name)) is not None
        and (s.state in ("running", "terminated") or s.last_exit_code is not None)
        for c in spec.containers)
    if (pending_init > 0 and not any_regular_started) or waiting > 0:
        return "Pending"
    if running > 0 and unknown == 0:
        return "Running"
    if running == 0 and stopped > 0 and unknown == 0:
        if pod_is_terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        if spec.restart_policy == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        if spec.restart_policy == "Never":
            return "Failed"
        return "Running"
    return "Pending"


# --- flowcontrol.Backoff ---------------------------------------------------------------------


@record
class Backoff:
    """``flowcontrol.Backoff`` as a value with an explicit clock: per-id entries
    ``(id, backoff, last_update)``; every method that changes it returns a new one.

    Examples
    --------
    >>> b = Backoff(1, 5)
    >>> for t in range(1, 5):
    ...     b = b.next("c", t)
    >>> b.get("c"), b.is_in_backoff_since("c", 4, now=6), b.is_in_backoff_since("c", 4, now=20)
    (5, True, False)
    """

    initial: int = INITIAL_BACKOFF
    maximum: int = MAX_BACKOFF
    entries: tuple[tuple[str, int, int], ...] = ()
    _hash: int = _hash_field()

    def _entry(self, id_: str) -> tuple[int, int] | None:
        for k, b, t in self.entries:
            if k == id_:
                return b, t
        return None

    def _with(self, id_: str, entry: tuple[int, int] | None) -> Backoff:
        rest = tuple(e for e in self.entries if e[0] != id_)
        if entry is not None:
            rest = tuple(sorted(rest + ((id_, *entry),)))
        return replace(self, entries=rest)

    def _expired(self, event_time: int, last_update: int) -> bool:
        return event_time - last_update > 2 * self.maximum

    def get(self, id_: str) -> int:
        """``Get``: the current back-off of ``id_`` (0 without an entry)."""
        e = self._entry(id_)
        return 0 if e is None else e[0]

    def next(self, id_: str, event_time: int, now: int | None = None) -> Backoff:
        """``Next``: start the entry at ``initial`` (none yet, or expired at ``event_time``), else
        double it up to ``maximum``; ``last_update`` becomes ``now`` (default ``event_time``)."""
        now = event_time if now is None else now
        e = self._entry(id_)
        if e is None or self._expired(event_time, e[1]):
            backoff = self.initial
        else:
            backoff = min(e[0] * 2, self.maximum)
        return self._with(id_, (backoff, now))

    def reset(self, id_: str) -> Backoff:
        """``Reset``: forget ``id_``."""
        return self._with(id_, None)

    def is_in_backoff_since(self, id_: str, event_time: int, *, now: int) -> bool:
        """``IsInBackOffSince``: less than the back-off has passed since ``event_time``."""
        e = self._entry(id_)
        if e is None or self._expired(event_time, e[1]):
            return False
        return now - event_time < e[0]

    def is_in_backoff_since_update(self, id_: str, event_time: int) -> bool:
        """``IsInBackOffSinceUpdate``: less than the back-off has passed since the last update."""
        e = self._entry(id_)
        if e is None or self._expired(event_time, e[1]):
            return False
        return event_time - e[1] < e[0]

    def gc(self, now: int) -> Backoff:
        """``GC``: drop entries not updated for more than ``2 * maximum``."""
        return replace(self, entries=tuple(e for e in self.entries if now - e[2] <= 2 * self.maximum))


# --- prober worker ---------------------------------------------------------------------------


def do_probe(result: str, last_result: str, result_run: int, *, success_threshold: int = 1,
             failure_threshold: int = 3) -> tuple[str | None, str, int]:
    """One probe result through the worker's thresholds (``worker.doProbe``).

    Returns ``(published, last_result, result_run)``: ``published`` is ``"Success"`` or
    ``"Failure"`` when the result manager is updated, ``None`` when the run is below its
    threshold.

    Examples
    --------
    >>> do_probe("Failure", "Success", 5)
    (None, 'Failure', 1)
    >>> do_probe("Failure", "Failure", 2)
    ('Failure', 'Failure', 3)
    """
    run = result_run + 1 if result == last_result else 1
    if (result == "Failure" and run < failure_threshold) or (result == "Success" and run < success_threshold):
        return None, result, run
    return result, result, run


# --- the model's kubelet ---------------------------------------------------------------------


def _split(view: Any) -> tuple[ClusterState, Any]:
    if isinstance(view, ClusterState):
        return view, None
    return view.cluster, view.env


def _reachable(env: Any, node: str) -> bool:
    if env is None:
        return True
    from kmodel.faults import reachable

    return reachable(env, node)


def _stale(env: Any, node: str) -> bool:
    if env is None:
        return False
    from kmodel.faults import stale

    return stale(env, node)


def keys(view: Any) -> list[ObjectRef]:
    """Pods on nodes whose kubelet is reachable, and such nodes whose status needs posting."""
    state, env = _split(view)
    out = [p.ref for p in state.list("Pod") if p.spec.node_name and _reachable(env, p.spec.node_name)]
    out += [n.ref for n in state.list("Node") if _reachable(env, n.name) and _needs_heartbeat(n)]
    return out


def pending(view: Any) -> Iterator[ObjectRef]:
    """Pods and nodes the kubelet has something to do for."""
    for ref in keys(view):
        if reconcile(view, ref):
            yield ref


def _needs_heartbeat(node: Any) -> bool:
    c = node.condition("Ready")
    return c is not None and c.status == "Unknown"


def _post_node_status(node: Any) -> tuple[Request, ...]:
    conditions = tuple(NodeCondition(c.type, "True", "KubeletReady") if c.type == "Ready"
                       else (replace(c, status="False", reason=f"KubeletHas{c.type}") if c.status == "Unknown" else c)
                       for c in node.status.conditions)
    return (UpdateStatus(replace(node, status=replace(node.status, conditions=conditions))),)


def _admission_failure(state: ClusterState, pod: Pod, node: Any) -> tuple[str, str] | None:
    if find_untolerated_taint(node.spec.taints, pod.spec.tolerations, ("NoExecute",)) is not None:
        return "Taint", "Pod was rejected: Predicate TaintToleration failed"
    labels = dict(node.metadata.labels)
    if any(labels.get(k) != v for k, v in pod.spec.node_selector):
        return "NodeAffinity", "Pod was rejected: Predicate NodeAffinity failed"
    used: dict[str, int] = {}
    count = 0
    for other in state.list("Pod"):
        if (other.spec.node_name == node.name and other.status.phase == "Running"
                and other.ref != pod.ref):
            count += 1
            for k, v in pod_requests(other.spec):
                used[k] = used.get(k, 0) + v
    allocatable = node.status.allocatable
    if count + 1 > resource_get(allocatable, "pods"):
        return "OutOfpods", "Pod was rejected: Node didn't have enough resource: pods"
    for name, amount in pod_requests(pod.spec):
        if name != "pods" and amount > 0 and amount > resource_get(allocatable, name) - used.get(name, 0):
            return f"OutOf{name}", f"Pod was rejected: Node didn't have enough resource: {name}"
    return None


def _volumes_ready(state: ClusterState, pod: Pod) -> bool:
    """Every claim the pod mounts is bound to a volume that is not lost, and every projected
    volume can be filled: its ServiceAccount token is granted (TokenRequest, bound to the pod:
    :func:`kmodel.registry.serviceaccount.token_request`) and its ConfigMaps exist (the volume
    manager's ``WaitForAttachAndMount``; ``projected.go`` ``collectData``)."""
    for v in pod.spec.volumes:
        if v.projected and not _projection_ready(state, pod, v.projected):
            return False
        if not v.claim_name:
            continue
        claim = state.get(ObjectRef("PersistentVolumeClaim", pod.metadata.namespace, v.claim_name))
        if claim is None or claim.status.phase != "Bound" or not claim.spec.volume_name:
            return False
        pv = state.get(ObjectRef("PersistentVolume", "", claim.spec.volume_name))
        if pv is None or pv.status.lost:
            return False
    return True


def _projection_ready(state: ClusterState, pod: Pod, sources: Sequence[tuple[str, str]]) -> bool:
    from kmodel.registry.serviceaccount import token_request

    ns = pod.metadata.namespace
    for kind, detail in sources:
        if kind == "configMap" and state.get(ObjectRef("ConfigMap", ns, detail)) is None:
            return False  # configmap "kube-root-ca.crt" not found: MountVolume.SetUp fails, retried
        if kind == "serviceAccountToken":
            _, error = token_request(state, ns, pod.spec.service_account_name or "default", pod=pod.metadata.name,
                                     pod_uid=pod.metadata.uid, expiration_seconds=int(detail))
            if error:
                return False  # the token manager's TokenRequest is refused: the mount is retried
    return True


def _pre_stop_holds(state: ClusterState, pod: Pod) -> bool:
    """A container's ``preStop`` sleep is still running: the pod is still a ready endpoint or a
    load balancer target (the assumption ``prestop-outlasts-propagation``, see the module doc)."""
    if not any(c.pre_stop_sleep for c in pod.spec.containers):
        return False
    from kmodel.traffic import still_routed  # the networking layer sits above the agents

    return still_routed(state, pod)


def _gated_by_probe(pod: Pod) -> bool:
    return any(c.readiness_probe is not None or c.startup_probe is not None for c in pod.spec.containers)


def _has_liveness(pod: Pod) -> bool:
    return any(c.liveness_probe is not None for c in pod.spec.containers)


def _has_readiness(pod: Pod) -> bool:
    return any(c.readiness_probe is not None for c in pod.spec.containers)


def _started(pod: Pod, status: Any, *, restart: bool) -> Any:
    """The status of a pod whose containers (re)start now."""
    ready = "False" if _gated_by_probe(pod) else "True"
    return replace(status, phase="Running", containers=RUNNING,
                   restart_count=status.restart_count + (1 if restart else 0),
                   conditions=set_pod_conditions(status.conditions, PodScheduled="True", Initialized="True",
                                                 ContainersReady=ready, Ready=ready))


def _not_ready(status: Any, reason: str = "") -> Any:
    conditions = set_pod_conditions(status.conditions, ContainersReady="False", Ready="False")
    if reason:
        conditions = tuple(replace(c, reason=reason) if c.type in ("Ready", "ContainersReady") else c
                           for c in conditions)
    return conditions


def _container_statuses(pod: Pod) -> list[ContainerStatus]:
    state = pod.status.containers
    out = []
    for c in pod.spec.containers:
        if state in (RUNNING, UNHEALTHY):
            out.append(ContainerStatus(c.name, "running", started=True))
        elif state == TERMINATED:
            out.append(ContainerStatus(c.name, "terminated", 1))
        elif state == COMPLETED:
            out.append(ContainerStatus(c.name, "terminated", 0))
        elif state == BACKOFF:
            out.append(ContainerStatus(c.name, "waiting", last_exit_code=1))
        else:
            out.append(ContainerStatus(c.name, "waiting"))
    return out


def reconcile(view: Any, key: ObjectRef) -> tuple[Any, ...]:
    """What the kubelet does next for the pod or node at ``key``: a tuple of requests, or of
    alternative request tuples when two of its timers may fire first (empty when nothing).
    ``view`` is a :class:`kmodel.cluster.World` (or a bare store: every machine up)."""
    state, env = _split(view)
    if key.kind == "Node":
        node = state.get(key)
        if node is None or not _reachable(env, node.name) or not _needs_heartbeat(node):
            return ()
        return _post_node_status(node)
    pod = state.get(key)
    if pod is None or not pod.spec.node_name or not _reachable(env, pod.spec.node_name):
        return ()
    node = state.get(ObjectRef("Node", "", pod.spec.node_name))
    if node is None:
        return ()
    status = pod.status
    behind = _stale(env, pod.spec.node_name)  # the staleViews fault (kmodel.faults)
    if pod.metadata.deleting and not behind:
        if _pre_stop_holds(state, pod):
            return ()
        return (Delete(key, grace_period=0),)
    if status.phase == "Pending":
        if behind:  # bound since its view went stale: not seen
            return ()
        failure = _admission_failure(state, pod, node)
        if failure is not None:
            reason, _message = failure
            new = replace(status, phase="Failed", conditions=set_pod_conditions(
                status.conditions, Ready="False", ContainersReady="False"))
            new = replace(new, conditions=tuple(replace(c, reason=reason) if c.type == "Ready" else c
                                                for c in new.conditions))
            return (UpdateStatus(replace(pod, status=new)),)
        if not _volumes_ready(state, pod):
            return ()
        new = replace(_started(pod, status, restart=False), pod_ip=status.pod_ip or pod_ip_for(state, pod))
        return (UpdateStatus(replace(pod, status=new)),)
    if status.phase != "Running":
        return ()
    if not status.pod_ip:  # a running pod read from a manifest without status.podIP
        return (UpdateStatus(replace(pod, status=replace(status, pod_ip=pod_ip_for(state, pod)))),)
    containers = status.containers
    if containers in (TERMINATED, COMPLETED):
        policy = pod.spec.restart_policy
        if policy == "Always" or (policy == "OnFailure" and containers == TERMINATED):
            if not _volumes_ready(state, pod):
                return ()
            fresh = replace(_started(pod, status, restart=True), backoff=INITIAL_BACKOFF,
                            backoff_earned=INITIAL_BACKOFF)
            now = (UpdateStatus(replace(pod, status=fresh)),)
            if status.backoff == 0:  # no back-off entry: restart now, start the entry (Next)
                if status.backoff_earned == 0:
                    return now
                # The kubelet restarted and lost the entry its restarts had earned: the exit came
                # more than 10 minutes after that entry's last update (it would have expired too:
                # the same restart), or inside its window: restarted too early.
                early = (UpdateStatus(replace(pod, status=replace(
                    fresh, backoff_earned=min(status.backoff_earned * 2, MAX_BACKOFF)))),)
                return (now, early)
            # An entry exists: the exit came within its window (wait in CrashLoopBackOff), or more
            # than 2 x MaxContainerBackOff after its last update (the entry expired: restart now,
            # and Next starts it again at the initial delay). The 10-minute timer is decided here,
            # where it matters.
            wait = (UpdateStatus(replace(pod, status=replace(status, containers=BACKOFF,
                                                             conditions=_not_ready(status)))),)
            return (wait, now)
        phase = get_phase(pod.spec, _container_statuses(pod))
        new = replace(status, phase=phase, conditions=_not_ready(status, "PodCompleted"))
        return (UpdateStatus(replace(pod, status=new)),) if new != status else ()
    if containers == BACKOFF:  # the back-off window ends (a timer): restart, double the entry
        if not _volumes_ready(state, pod):
            return ()
        # A kubelet that restarted during the wait has no entry: its first sync restarts the
        # container at once and Next starts a new entry (doBackOff), inside the earned window.
        backoff = min(status.backoff * 2, MAX_BACKOFF) if status.backoff else INITIAL_BACKOFF
        new = replace(_started(pod, status, restart=True), backoff=backoff,
                      backoff_earned=min(status.backoff_earned * 2, MAX_BACKOFF))
        return (UpdateStatus(replace(pod, status=new)),)
    if containers == UNHEALTHY:
        if _has_liveness(pod):  # failureThreshold liveness failures: kill (exit 137), restart per policy
            new = replace(status, containers=TERMINATED, conditions=_not_ready(status))
            return (UpdateStatus(replace(pod, status=new)),)
        ready = status.condition("Ready")
        if _has_readiness(pod) and ready is not None and ready.status == "True":
            return (UpdateStatus(replace(pod, status=replace(status, conditions=_not_ready(status)))),)
        return ()
    if containers != RUNNING:
        return ()
    ready = status.condition("Ready")
    if (ready is None or ready.status != "True") and node.ready:  # readiness passes / node back
        conditions = set_pod_conditions(status.conditions, ContainersReady="True", Ready="True")
        return (UpdateStatus(replace(pod, status=replace(status, conditions=conditions))),)
    return ()
