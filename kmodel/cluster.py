"""``ClusterModel``: the cluster as a model the generic checker explores.

A model state is a :class:`World`: the store (:class:`~kmodel.state.ClusterState`) and the
environment: faults used, user events done, and the machines that are down, lost or cut off
from the control plane (:mod:`kmodel.faults`). A step (:class:`Step`) is one of:

* a **controller** reconciling one key: ``deployment-controller`` (per Deployment; a sync
  whose outcome depends on the abstract progress deadline is two steps),
  ``replicaset-controller`` (per ReplicaSet),
  ``garbage-collector`` (per dependent), ``scheduler`` (per pending pod; one step per top-scored
  node), ``kubelet`` (per pod or node whose machine reaches the API server), the node lifecycle,
  taint eviction, pod GC and cloud node lifecycle controllers, the ServiceAccount, root-CA and
  token controllers, the PV binder (one per component), the ``disruption-controller`` (per
  PodDisruptionBudget) and ``kubectl-drain`` (one eviction attempt per pod of a started drain,
  :mod:`kmodel.drain`; fair per component). Each reconcile is one atomic step: it
  reads the current state and its requests are applied together by :func:`kmodel.api.apply_all`;
* a **fault** (``node-crash``, ``node-loss``, ``partition``, ``control-plane-partition``,
  ``zone-outage``, ``zone-loss``, ``pod-crash``, ``probe-failure``, ``volume-loss``,
  ``stale-view``, ``kubelet-restart``, ``proxy-lag``), bounded by
  :class:`Faults` (:mod:`kmodel.faults`);
* a **node recovery** (fair: crashed and cut-off nodes eventually come back);
* with the ``informerLag`` fault (:mod:`kmodel.informer`), the ReplicaSet controller's lagging
  informer delivering a pod's add event (``replicaset-informer observe-add``, fair) and the
  expiry of its expectations (``fault expectations-expire``);
* a **user event** from the scenario, in order, each enabled at any point after the previous.

Controller steps and node recovery are weakly fair: a behaviour that keeps one enabled must take
it. Fairness classes are per controller and key for the Deployment and ReplicaSet controllers
(user-named objects; the ReplicaSets a Deployment creates are named by its template hash), and per
component
for the scheduler, kubelet, garbage collector and node recovery, so they are invariant under the
symmetry reduction below (which renames pods and nodes). A step that changes nothing is not a
step (a controller whose sync writes nothing is idle).

**Symmetry.** Pods created from a controller's template (``generateName`` and a controller owner
reference) are interchangeable within their owner; nodes are interchangeable within a class of
nodes that look alike (same labels apart from ``kubernetes.io/hostname``, same taints, capacity,
allocatable and conditions at the start) and whose names no input object mentions (a pinned
``nodeName``, a hostname selector, an event). :meth:`ClusterModel.representative` renames both
canonically: nodes sorted by their state, their machine's state and the states of the pods on
them, pods sorted by their state within their owner; the environment's machine states, a
claim's ``selected-node`` annotation and a local volume's node are renamed with the nodes. Properties and fairness classes do not depend on those names.
Objects that name pods or nodes outside a ``spec`` (EndpointSlices, Endpoints, AWS target groups)
are renamed with them, and a reference to a pod that is gone keeps every pod under its own name
(:mod:`kmodel.references`); a pod's IP, derived from its name, is blanked with the name.

Examples
--------
>>> from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta
>>> from kmodel.objects.nodes import Node, NodeStatus
>>> from kmodel.objects.workloads import Container, PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetSpec
>>> alloc = (("cpu", 2000), ("memory", 4 << 30), ("pods", 110))
>>> nodes = [Node(ObjectMeta(n), status=NodeStatus(capacity=alloc, allocatable=alloc)) for n in ("a", "b")]
>>> labels = (("app", "web"),)
>>> rs = ReplicaSet(ObjectMeta("web", "default"), ReplicaSetSpec(LabelSelector(labels),
...      PodTemplateSpec(labels, PodSpec((Container("web", requests=(("cpu", 500),)),))), replicas=2))
>>> model = ClusterModel([Namespace(ObjectMeta("default")), *nodes, rs], faults=Faults(node_failures=1))
>>> result = model.checker().bfs()
>>> result.verdict, result.stats.states
('holds', 674)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kmodel import faults as _faults
from kmodel import informer as _informer
from kmodel import references as _references
from kmodel.agents.ipam import default_pod_ip
from kmodel.api import Bind, Create, Delete, Request, Update, UpdateStatus, apply, apply_all
from kmodel.check import CheckerBuilder
from kmodel.controllers import deployment, garbagecollector, replicaset
from kmodel.controllers import disruption
from kmodel import drain as _drain
from kmodel.controllers import nodelifecycle, persistentvolume, podgc, serviceaccount, tainteviction
from kmodel.controllers import podautoscaler
from kmodel.controllers import endpoints, endpointslice, endpointslicemirroring, ingress, targetgroupbinding
from kmodel.controllers import service as service_lb
from kmodel.agents import kubeproxy
from kmodel import aws as _aws
from kmodel.agents import kubelet
from kmodel.errors import InvalidArgument, InvalidModel
from kmodel.model import Model, Property
from kmodel.objects.meta import ObjectRef, _hash_field, record, replace
from kmodel.objects.nodes import HOSTNAME_LABEL, Node
from kmodel.objects.workloads import Pod, PodCondition
from kmodel.scheduler.scheduler import pending_pods, scheduling_cycle
from operator import itemgetter
from kmodel.state import ClusterState

__all__ = ["World", "Env", "Step", "Faults", "Controller", "Event", "ClusterModel",
           "DEFAULT_CONTROLLERS", "scale"]


@record
class Env:
    """The environment's counters: faults used and user events done."""

    node_failures: int = 0
    pod_crashes: int = 0
    events: int = 0
    #: Machines that are not healthy: sorted ``(node name, "down" | "lost" | "partitioned")``
    #: pairs (:mod:`kmodel.faults`); renamed with their nodes under symmetry.
    machines: tuple[tuple[str, str], ...] = ()
    #: Faults used beyond the two counters above: sorted ``(budget name, count)`` pairs.
    faults: tuple[tuple[str, int], ...] = ()
    #: Load, a scenario input: sorted ``("namespace/workload", percent)`` pairs, the CPU
    #: utilization of the workload's pods (:mod:`kmodel.controllers.podautoscaler`).
    cpu_utilization: tuple[tuple[str, int], ...] = ()
    #: Controllers' memory beyond the store: sorted ``(controller name, memory)`` pairs; the
    #: ReplicaSet controller's expectations and lagging pod cache (:mod:`kmodel.informer`).
    memory: tuple[tuple[str, Any], ...] = ()
    _hash: int = _hash_field()


@record
class World:
    """A model state: the store and the environment."""

    cluster: ClusterState
    env: Env = Env()
    _hash: int = _hash_field()


@record
class Step:
    """One step: ``actor`` (a controller, ``fault``, ``node-recovery`` or ``user``), ``verb``,
    the ``target`` object, and ``choice`` among the actor's allowed outcomes."""

    actor: str
    verb: str
    target: ObjectRef | None = None
    choice: int = 0
    _hash: int = _hash_field()

    def __str__(self) -> str:
        target = f" {self.target}" if self.target is not None else ""
        return f"{self.actor} {self.verb}{target}" + (f" (choice {self.choice + 1})" if self.choice else "")


@dataclass(frozen=True)
class Faults:
    """Fault budgets for one exploration (``spec.faults`` of a scenario)."""

    node_failures: int = 0
    pod_crashes: int = 0
    node_losses: int = 0
    partitions: int = 0
    control_plane_partitions: int = 0
    zone_outages: int = 0
    zone_losses: int = 0
    probe_failures: int = 0
    volume_losses: int = 0
    informer_lag: int = 0  # the ReplicaSet controller's informer lags (kmodel.informer)
    informer_lag_past_expiry: int = 0  # ... longer than ExpectationsTimeout (kmodel.informer)
    stale_views: int = 0
    kubelet_restarts: int = 0
    proxy_lags: int = 0

    def __post_init__(self) -> None:
        for name in ("node_failures", "pod_crashes", "node_losses", "partitions", "control_plane_partitions",
                     "zone_outages", "zone_losses", "probe_failures", "volume_losses", "stale_views",
                     "kubelet_restarts", "proxy_lags", "informer_lag", "informer_lag_past_expiry"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidArgument(f"faults.{name} must be a non-negative integer, got {value!r}")


Reconcile = Callable[[ClusterState, ObjectRef], Any]


@dataclass(frozen=True)
class Controller:
    """A level-based controller: ``keys(state)`` lists what it may reconcile, ``reconcile(state,
    key)`` returns the API requests of one sync, or a tuple of alternative request tuples when
    upstream's choice is arbitrary.

    ``fairness`` is ``"key"`` (weakly fair per key) or ``"controller"`` (per controller).
    ``world=True``: ``keys`` and ``reconcile`` get the whole :class:`World` (the store and the
    environment) instead of the store: for node agents that must know whether their machine
    runs, and for the node lifecycle controller's heartbeat timers (:mod:`kmodel.faults`).

    Examples
    --------
    A controller that labels every unlabelled pod ``seen=yes``:

    >>> from kmodel.api import Update
    >>> from kmodel.objects.meta import replace
    >>> def label_pods(state, key):
    ...     pod = state.get(key)
    ...     if pod is None or pod.metadata.label("seen"):
    ...         return ()
    ...     labels = tuple(sorted(pod.metadata.labels + (("seen", "yes"),)))
    ...     return (Update(replace(pod, metadata=replace(pod.metadata, labels=labels))),)
    >>> labeller = Controller("labeller", keys=lambda s: [p.ref for p in s.list("Pod")], reconcile=label_pods)
    """

    name: str
    keys: Callable[[ClusterState], Iterable[ObjectRef]]
    reconcile: Reconcile
    fairness: str = "key"
    world: bool = False

    def alternatives(self, state: Any, key: ObjectRef) -> tuple[tuple[Request, ...], ...]:
        result = self.reconcile(state, key)
        if not result:
            return ()
        if isinstance(result[0], tuple):
            return tuple(result)
        return (tuple(result),)


def _scheduler_keys(state: ClusterState) -> list[ObjectRef]:
    return pending_pods(state)


def _schedule(state: ClusterState, key: ObjectRef) -> tuple[tuple[Request, ...], ...]:
    """One scheduling cycle for a pod (:func:`kmodel.scheduler.scheduler.scheduling_cycle`): a bind
    per top-scored node, else preemption (one alternative per tied candidate node), else the
    Unschedulable condition."""
    return scheduling_cycle(state, key)


DEFAULT_CONTROLLERS: tuple[Controller, ...] = (
    Controller("deployment-controller", lambda s: [d.ref for d in s.list("Deployment")],
               deployment.reconcile),
    Controller("replicaset-controller", lambda s: [rs.ref for rs in s.list("ReplicaSet")],
               replicaset.reconcile),
    Controller("garbage-collector", garbagecollector.pending, garbagecollector.reconcile, "controller"),
    Controller("scheduler", _scheduler_keys, _schedule, "controller"),
    Controller("kubelet", kubelet.keys, kubelet.reconcile, "controller", world=True),
    # Service discovery and load balancing (kmodel.controllers.endpointslice, ...).
    Controller("endpointslice-controller", endpointslice.keys, endpointslice.reconcile),
    Controller("endpoints-controller", endpoints.keys, endpoints.reconcile),
    Controller("endpointslicemirroring-controller", endpointslicemirroring.keys, endpointslicemirroring.reconcile),
    Controller("kube-proxy", kubeproxy.keys, kubeproxy.sync_proxy_rules, "controller", world=True),  # proxyLags only
    Controller("service-lb-controller", service_lb.keys, service_lb.reconcile),
    Controller("alb-ingress-controller", ingress.keys, ingress.reconcile),
    Controller("alb-targetgroupbinding-controller", targetgroupbinding.keys, targetgroupbinding.reconcile),
    Controller("aws-health-checks", _aws.keys, _aws.reconcile, world=True),
    # Self-healing, service accounts and storage (kmodel.controllers.*, kmodel.faults).
    Controller("node-lifecycle-controller", nodelifecycle.keys, nodelifecycle.reconcile, "controller", world=True),
    Controller("taint-eviction-controller", tainteviction.keys, tainteviction.reconcile, "controller"),
    Controller("pod-garbage-collector", podgc.keys, podgc.reconcile, "controller"),
    Controller("cloud-node-lifecycle-controller", podgc.cloud_keys, podgc.cloud_reconcile, "controller", world=True),
    Controller("serviceaccount-controller", serviceaccount.sa_keys, serviceaccount.sync_service_accounts, "controller"),
    Controller("root-ca-cert-publisher", serviceaccount.ca_keys, serviceaccount.sync_root_ca, "controller"),
    Controller("serviceaccount-token-controller", serviceaccount.token_keys, serviceaccount.sync_secret, "controller"),
    Controller("persistentvolume-binder", persistentvolume.keys, persistentvolume.reconcile, "controller"),
    # Voluntary disruptions: PDB status and kubectl drain's evictions (idle without PDBs and drains).
    Controller("disruption-controller", disruption.keys, disruption.reconcile),
    Controller("kubectl-drain", _drain.keys, _drain.reconcile, "controller"),
    # Autoscaling (kmodel.controllers.podautoscaler): the HPA sync and its windows passing.
    Controller("horizontal-pod-autoscaler", podautoscaler.keys, podautoscaler.reconcile, world=True),
    Controller("horizontal-pod-autoscaler-window", podautoscaler.window_keys, podautoscaler.window_expires),
)


@dataclass(frozen=True)
class Event:
    """A user edit: ``apply(state) -> state`` or ``None`` when it cannot happen (yet)."""

    name: str
    apply: Callable[[ClusterState], ClusterState | None]
    description: str = ""
    mentions: tuple[str, ...] = ()
    #: An event that changes the environment (a change of load): ``env -> env``.
    env: Callable[[Env], Env] | None = None


def scale(kind: str, namespace: str, name: str, replicas: int) -> Event:
    """``kubectl scale``: set ``spec.replicas`` of a ReplicaSet or Deployment."""
    ref = ObjectRef(kind, namespace, name)

    def run(state: ClusterState) -> ClusterState | None:
        obj = state.get(ref)
        if obj is None:
            return None
        new, resp = apply(state, Update(replace(obj, spec=replace(obj.spec, replicas=replicas))))
        return new if resp.ok else None

    return Event("scale", run, f"kubectl scale {kind.lower()}/{name} --replicas={replicas}")


class ClusterModel(Model[World, Step]):
    """A cluster, its control plane, faults and properties, as a :class:`kmodel.model.Model`.

    Parameters
    ----------
    init : ClusterState or iterable of objects
        The starting objects. Each is created through the API server (admission and defaults
        apply); a rejected object is an :class:`InvalidModel` error.
    controllers : sequence of Controller
        Default :data:`DEFAULT_CONTROLLERS`.
    faults : Faults
        Fault budgets (default: none).
    events : sequence of Event
        User edits, in order.
    properties : sequence of Property or None
        Default: every built-in property (:func:`kmodel.properties.builtin`).
    new_namespaces : sequence of str
        Namespaces created just now: the others are taken to be those of a running cluster, and
        get their ``default`` ServiceAccount and ``kube-root-ca.crt`` ConfigMap at the start
        when the input has none (:mod:`kmodel.controllers.serviceaccount`); new ones get them
        when those controllers run.
    cpu_utilization : mapping of str to int
        The load at the start: ``"namespace/workload"`` to the CPU utilization (percent of the
        request) of that workload's pods, read by the HPA controller
        (:mod:`kmodel.controllers.podautoscaler`); changed by ``cpuUtilization`` events.
    """

    def __init__(
        self,
        init: ClusterState | Iterable[Any],
        *,
        controllers: Sequence[Controller] = DEFAULT_CONTROLLERS,
        faults: Faults = Faults(),
        events: Sequence[Event] = (),
        properties: Sequence[Property[World]] | None = None,
        new_namespaces: Sequence[str] = (),
        cpu_utilization: Mapping[str, int] | None = None,
    ) -> None:
        from kmodel import properties as _props

        self.controllers = tuple(controllers)
        names = [c.name for c in self.controllers]
        if len(set(names)) != len(names):
            raise InvalidArgument(f"controller names must be unique: {names}")
        self.faults = faults
        self.events = tuple(events)
        objects = list(init.objects()) if isinstance(init, ClusterState) else list(init)
        objects += _bootstrap(objects, set(new_namespaces))
        self.initial = World(_admit(objects), Env(cpu_utilization=tuple(sorted((cpu_utilization or {}).items()))))
        self._properties = tuple(_props.builtin() if properties is None else properties)
        self._node_class = _node_classes(self.initial.cluster, self.events)

    # -- Model protocol --------------------------------------------------------------------
    def init_states(self) -> Sequence[World]:
        return (self.initial,)

    def properties(self) -> Sequence[Property[World]]:
        return self._properties

    def actions(self, state: World) -> Iterable[Step]:
        return [step for step, _ in self.successors(state)]

    def next_state(self, state: World, action: Step) -> World | None:
        for step, nxt in self._steps(state, only=action):
            if step == action:
                return nxt
        return None

    def successors(self, state: World) -> Iterator[tuple[Step, World]]:
        return self._steps(state, only=None)

    def fairness(self, action: Step) -> Hashable | None:
        if action.actor in ("fault", "user"):
            return None
        if action.actor == "node-recovery":
            return ("node-recovery",)
        for c in self.controllers:
            if c.name == action.actor:
                return (c.name, action.target) if c.fairness == "key" else (c.name,)
        return (action.actor,)

    def describe_action(self, action: Step) -> str:
        if action.actor == "user" and action.choice < len(self.events) and self.events[action.choice].description:
            return f"user: {self.events[action.choice].description}"  # the kubectl command
        return str(action)

    def checker(self) -> CheckerBuilder:
        return CheckerBuilder(self)

    # -- steps -----------------------------------------------------------------------------
    def requests(self, state: World, step: Step) -> tuple[Request, ...]:
        """The API requests a controller step issues (for traces); empty for other steps."""
        if step.actor == _informer.CONTROLLER and _informer.enabled(self):
            return _informer.requests(state, step)
        for c in self.controllers:
            if c.name == step.actor and step.target is not None:
                alts = c.alternatives(state if c.world else state.cluster, step.target)
                return alts[step.choice] if step.choice < len(alts) else ()
        return ()

    def _steps(self, world: World, only: Step | None) -> Iterator[tuple[Step, World]]:
        cluster, env = world.cluster, world.env
        for c in self.controllers:
            if only is not None and only.actor != c.name:
                continue
            if c.name == _informer.CONTROLLER and _informer.enabled(self):  # informerLag (kmodel.informer)
                yield from _informer.controller_steps(self, world, c, only)
                continue
            view = world if c.world else cluster
            keys = [only.target] if only is not None else c.keys(view)
            for key in keys:
                for i, reqs in enumerate(c.alternatives(view, key)):
                    if not reqs:
                        continue
                    new, _ = apply_all(cluster, reqs)
                    if new == cluster:
                        continue
                    yield Step(c.name, "sync", key, i), World(new, env)
        if only is None or only.actor in ("node-recovery", "fault"):
            yield from _faults.steps(self, world, only)  # faults and node recovery (kmodel.faults)
        if _informer.enabled(self) and (only is None or only.actor in (_informer.INFORMER, "fault")):
            yield from _informer.steps(self, world, only)  # lagging add events, expectations' expiry
        if (only is None or only.actor == "user") and env.events < len(self.events):
            event = self.events[env.events]
            new = event.apply(cluster)
            if new is not None:
                after = replace(env, events=env.events + 1)
                yield Step("user", event.name, None, env.events), World(new, event.env(after) if event.env else after)

    # -- symmetry --------------------------------------------------------------------------
    def representative(self, state: World) -> Hashable:
        cluster = state.cluster
        pods = cluster.list("Pod")
        infos = [_pod_info(p) for p in pods]  # (owner group if template-made, body), cached per pod
        # Pods a lagging informer has not delivered (kmodel.informer); none without controller memory.
        unseen = _informer.marks(state.env) if state.env.memory else frozenset()
        if unseen:
            bodies = [b + " [unseen]" if p.ref in unseen else b for p, (_, b) in zip(pods, infos)]
        else:
            bodies = [b for _, b in infos]
        node_map: dict[str, str] = {}
        if self._node_class:
            on_node: dict[str, list[str]] = {}
            for p, info, body in zip(pods, infos, bodies):
                if info[0] is not None and p.spec.node_name:
                    on_node.setdefault(p.spec.node_name, []).append(body)
            classes: dict[int, list[Node]] = {}
            for node in cluster.list("Node"):
                cls = self._node_class.get(node.name)
                if cls is not None:
                    classes.setdefault(cls, []).append(node)
            machines = dict(state.env.machines)  # a down or partitioned machine (kmodel.faults)
            lagging = {v.name for v in cluster.list("KubeProxyView")}  # kmodel.agents.kubeproxy
            for members in classes.values():
                names = sorted(n.name for n in members)
                ranked = sorted(members, key=lambda n: (_node_body(n), machines.get(n.name, ""),
                                                        sorted(on_node.get(n.name, ())), n.name in lagging))
                for name, node in zip(names, ranked, strict=True):
                    node_map[node.name] = name
        canon_nodes = tuple(sorted((node_map.get(n.name, n.name), _node_body(n) if n.name in node_map else n)
                                   for n in cluster.list("Node")))
        groups: dict[tuple[str, str, str], list[tuple[Any, ...]]] = {}
        fixed = []
        kinds = cluster.kinds()
        # EndpointSlices, Endpoints and AWS target groups name pods and nodes (kmodel.references).
        referring = [k for k in _references.REFERRING_KINDS if k in kinds]
        signatures, dangling = _references.pod_signatures(cluster, node_map) if referring else ({}, False)
        if not node_map and not signatures and not dangling:  # the common case: nothing to rename
            self._group_pods(pods, infos, bodies, groups, fixed)
        else:
            self._rename_pods(pods, infos, bodies, node_map, signatures, dangling, groups, fixed)
        pod_map: dict[ObjectRef, str] = {}
        ip_map: dict[str, str] = {}
        canon_groups = []
        for key, members in sorted(groups.items()):
            if referring:
                members.sort(key=lambda m: (m[0], m[1], m[2], repr(m[3])))  # ties are interchangeable
            else:  # every signature is (): the same order
                members.sort(key=_FIRST_THREE)
            canon_groups.append((key, tuple([m[:4] for m in members])))
            if referring:
                for i, m in enumerate(members):
                    pod_map[m[4].ref] = name = f"{key[1]}~{key[2]}~{i}"
                    if m[4].status.pod_ip:
                        ip_map[m[4].status.pod_ip] = f"ip-of:{name}"
        canon_pods = tuple(canon_groups)
        others: list[Any] = []
        for kind in kinds:
            if kind == "Pod" or kind == "Node":
                continue
            if kind in referring:
                others.extend(_references.rename(o, pod_map, ip_map, node_map) for o in cluster.list(kind))
            elif kind in _STORAGE_KINDS:
                others.extend(_storage_rename(o, node_map) for o in cluster.list(kind))
            else:
                others.extend(cluster.list(kind))
        env = _faults.rename_machines(state.env, node_map)
        if unseen:  # the marked pods' names leave the environment (kmodel.informer)
            env = _informer.canonical_env(env, frozenset(m[4].ref for members in groups.values() for m in members))
        return (tuple(others), canon_nodes, canon_pods, tuple(fixed), env)

    @staticmethod
    def _group_pods(pods: Sequence[Pod], infos: Sequence[tuple[Any, str]], bodies: Sequence[str],
                    groups: dict[tuple[str, str, str], list[tuple[Any, ...]]], fixed: list[Any]) -> None:
        """:meth:`_rename_pods` when no node is renamed and no object refers to a pod (faster)."""
        for p, info, body in zip(pods, infos, bodies):
            group = info[0]
            if group is not None:
                groups.setdefault(group, []).append((p.spec.node_name, p.status.nominated_node_name, body, (), p))
            else:
                fixed.append(p)

    @staticmethod
    def _rename_pods(pods: Sequence[Pod], infos: Sequence[tuple[Any, str]], bodies: Sequence[str],
                     node_map: dict[str, str], signatures: Mapping[ObjectRef, tuple[Any, ...]], dangling: bool,
                     groups: dict[tuple[str, str, str], list[tuple[Any, ...]]], fixed: list[Any]) -> None:
        """:meth:`representative`'s sorting of pods into symmetry groups and fixed pods, renaming nodes."""
        for p, info, body in zip(pods, infos, bodies):
            nominated = p.status.nominated_node_name
            group = info[0]
            if group is not None and not dangling:
                node = node_map.get(p.spec.node_name, p.spec.node_name)
                groups.setdefault(group, []).append((node, node_map.get(nominated, nominated), body,
                                                     signatures.get(p.ref, ()) if signatures else (), p))
            elif p.spec.node_name in node_map or nominated in node_map:
                # Every reference to a renamed node is renamed, or states that differ in more
                # than a renaming would share a representative.
                fixed.append(replace(p, spec=replace(p.spec, node_name=node_map.get(p.spec.node_name, p.spec.node_name)),
                                     status=replace(p.status, nominated_node_name=node_map.get(nominated, nominated))))
            else:
                fixed.append(p)


def _is_generated(pod: Pod) -> bool:
    m = pod.metadata
    return bool(m.generate_name) and m.name.startswith(m.generate_name) and m.controller_ref() is not None


def _marked_body(pod: Pod, unseen: frozenset[ObjectRef]) -> str:
    """:func:`_pod_body`, marked when the ReplicaSet controller's informer has not delivered the pod."""
    return _pod_body(pod) + " [unseen]" if pod.ref in unseen else _pod_body(pod)


def _pod_body(pod: Pod) -> str:
    return _pod_info(pod)[1]  # type: ignore[no-any-return]


def _pod_info(pod: Pod) -> tuple[tuple[str, str, str] | None, str]:
    """The pod's symmetry group ``(namespace, generateName, owner UID)`` when it is template-made
    (:func:`_is_generated`), else ``None``; and its body without its name and node. A pure
    function of the pod's value: cached on the pod object, and in :data:`_POD_INFO` for equal pods
    built on other paths (printing the blanked pod is the representative's main cost)."""
    info = pod._skey
    if info is None:
        info = _POD_INFO.get(pod)  # an equal pod seen before (a pure function of the value)
        if info is not None:
            object.__setattr__(pod, "_skey", info)
            return info
        m = pod.metadata
        owner = m.controller_ref()
        group = (m.namespace, m.generate_name, owner.uid) if _is_generated(pod) and owner is not None else None
        # The pod's IP is derived from its name (kmodel.agents.ipam) unless taken: blanked then.
        ip = "*" if pod.status.pod_ip == default_pod_ip(m.namespace, m.name) else pod.status.pod_ip
        blank = replace(pod, metadata=replace(m, name="", uid=""), spec=replace(pod.spec, node_name=""),
                        status=replace(pod.status, nominated_node_name="", pod_ip=ip))
        info = (group, repr(blank))
        object.__setattr__(pod, "_skey", info)
        if len(_POD_INFO) >= _POD_INFO_ENTRIES:
            _POD_INFO.clear()
        _POD_INFO[pod] = info
    return info  # type: ignore[no-any-return]


#: A bounded per-process cache of :func:`_pod_info` by pod value (equal pods, built on different
#: paths, have equal infos): a cache of a pure function of a frozen value, invisible in results.
_POD_INFO: dict[Pod, tuple[tuple[str, str, str] | None, str]] = {}
_POD_INFO_ENTRIES = 1 << 14


_FIRST_THREE = itemgetter(0, 1, 2)

_STORAGE_KINDS = frozenset({"PersistentVolumeClaim", "PersistentVolume"})


def _storage_rename(obj: Any, node_map: dict[str, str]) -> Any:
    """A claim's ``selected-node`` annotation and a local volume's node, renamed with the nodes."""
    if not node_map:
        return obj
    from kmodel.objects.storage import SELECTED_NODE_ANNOTATION

    if obj.kind == "PersistentVolume":
        node = obj.spec.node
        return replace(obj, spec=replace(obj.spec, node=node_map[node])) if node in node_map else obj
    selected = obj.metadata.annotation(SELECTED_NODE_ANNOTATION)
    if selected in node_map:
        annotations = tuple((k, node_map[v] if k == SELECTED_NODE_ANNOTATION else v) for k, v in obj.metadata.annotations)
        return replace(obj, metadata=replace(obj.metadata, annotations=annotations))
    return obj


def _node_body(node: Node) -> str:
    key = node._skey
    if key is None:
        m = node.metadata
        labels = tuple((k, "" if k == HOSTNAME_LABEL else v) for k, v in m.labels)
        key = repr(replace(node, metadata=replace(m, name="", uid="", labels=labels)))
        object.__setattr__(node, "_skey", key)
    return key  # type: ignore[no-any-return]


def _strings(value: Any, out: set[str]) -> None:
    """Every string inside ``value`` (records, tuples), for the reference scan."""
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, tuple):
        for v in value:
            _strings(v, out)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            if not name.startswith("_"):
                _strings(getattr(value, name), out)


def _node_classes(state: ClusterState, events: Sequence[Event]) -> dict[str, int]:
    """Interchangeable nodes: alike at the start and never named by an input object.

    A node is named when its name is a string anywhere in the spec of a non-node object other
    than a template-made pod (a pinned ``nodeName``, a hostname selector, ...) or in an event.
    """
    mentioned: set[str] = set()
    for obj in state.objects():
        if obj.kind == "Node" or (obj.kind == "Pod" and _is_generated(obj)):
            continue
        _strings(getattr(obj, "spec", None), mentioned)
    for event in events:
        mentioned.update(event.mentions)
    by_body: dict[str, list[str]] = {}
    for node in state.list("Node"):
        if node.name not in mentioned:
            by_body.setdefault(_node_body(node), []).append(node.name)
    classes = {}
    for i, body in enumerate(sorted(by_body)):
        members = by_body[body]
        if len(members) > 1:
            for name in members:
                classes[name] = i
    return classes


def _bootstrap(objects: list[Any], new: set[str]) -> list[Any]:
    """The ``default`` ServiceAccount and root CA ConfigMap of every namespace of a running
    cluster that the input lacks (:func:`kmodel.controllers.serviceaccount.bootstrap_objects`)."""
    from kmodel.controllers.serviceaccount import bootstrap_objects

    have = {o.ref for o in objects}
    namespaces = [o.metadata.name for o in objects if o.kind == "Namespace" and o.metadata.name not in new
                  and o.phase == "Active" and not o.metadata.deleting]
    return [o for o in bootstrap_objects(namespaces) if o.ref not in have]


def _admit(objects: list[Any]) -> ClusterState:
    """Create every object through the API server, namespaces and nodes first."""
    order = {"Namespace": 0, "Node": 1}
    state = ClusterState.empty()
    for obj in sorted(objects, key=lambda o: order.get(o.kind, 2)):
        status = getattr(obj, "status", None)
        state, resp = apply(state, Create(obj))
        if not resp.ok:
            err = InvalidModel(f"the API server rejected {obj.kind} {obj.metadata.name!r}: "
                               f"{resp.code} {resp.reason}: {resp.message}")
            err.ref = obj.ref  # type: ignore[attr-defined]
            raise err
        if status is not None and resp.ref is not None:
            created = state.get(resp.ref)
            if created.status != status:
                state, _ = apply(state, UpdateStatus(replace(created, status=status)))
        if obj.metadata.deleting and resp.ref is not None:
            state, _ = apply(state, Delete(resp.ref))  # a dump of an object being deleted
    return state
