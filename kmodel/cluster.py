"""``ClusterModel``: the cluster as a model the generic checker explores.

A model state is a :class:`World`: the store (:class:`~kmodel.state.ClusterState`) and the
environment's counters (faults used, user events done). A step (:class:`Step`) is one of:

* a **controller** reconciling one key: ``replicaset-controller`` (per ReplicaSet),
  ``garbage-collector`` (per dependent), ``scheduler`` (per pending pod; one step per top-scored
  node), ``kubelet`` (per pod on a live node). Each reconcile is one atomic step: it reads the
  current state and its requests are applied together by :func:`kmodel.api.apply_all`;
* a **fault** (``node-crash``, ``pod-crash``), bounded by :class:`Faults`;
* a **node recovery** (fair: crashed nodes eventually recover);
* a **user event** from the scenario, in order, each enabled at any point after the previous.

Controller steps and node recovery are weakly fair: a behaviour that keeps one enabled must take
it. Fairness classes are per controller and key for the ReplicaSet controller, and per component
for the scheduler, kubelet, garbage collector and node recovery, so they are invariant under the
symmetry reduction below (which renames pods and nodes). A step that changes nothing is not a
step (a controller whose sync writes nothing is idle).

**Symmetry.** Pods created from a controller's template (``generateName`` and a controller owner
reference) are interchangeable within their owner; nodes are interchangeable within a class of
nodes that look alike (same labels apart from ``kubernetes.io/hostname``, same taints, capacity,
allocatable and conditions at the start) and whose names no input object mentions (a pinned
``nodeName``, a hostname selector, an event). :meth:`ClusterModel.representative` renames both
canonically: nodes sorted by their state and the states of the pods on them, pods sorted by
their state within their owner. Properties and fairness classes do not depend on those names.

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
('holds', 102)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from kmodel import faults as _faults
from kmodel.api import Bind, Create, Delete, Request, Update, UpdateStatus, apply, apply_all
from kmodel.check import CheckerBuilder
from kmodel.controllers import garbagecollector, replicaset
from kmodel.agents import kubelet
from kmodel.errors import InvalidArgument, InvalidModel
from kmodel.model import Model, Property
from kmodel.objects.meta import ObjectRef, _hash_field, record, replace
from kmodel.objects.nodes import HOSTNAME_LABEL, Node
from kmodel.objects.workloads import Pod, PodCondition
from kmodel.scheduler.framework import node_infos, schedule_one
from kmodel.state import ClusterState

__all__ = ["World", "Env", "Step", "Faults", "Controller", "Event", "ClusterModel",
           "DEFAULT_CONTROLLERS", "scale"]


@record
class Env:
    """The environment's counters: faults used and user events done."""

    node_failures: int = 0
    pod_crashes: int = 0
    events: int = 0
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

    def __post_init__(self) -> None:
        for name in ("node_failures", "pod_crashes"):
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

    def alternatives(self, state: ClusterState, key: ObjectRef) -> tuple[tuple[Request, ...], ...]:
        result = self.reconcile(state, key)
        if not result:
            return ()
        if isinstance(result[0], tuple):
            return tuple(result)
        return (tuple(result),)


def _scheduler_keys(state: ClusterState) -> list[ObjectRef]:
    return [p.ref for p in state.list("Pod")
            if not p.spec.node_name and not p.metadata.deleting and p.status.phase == "Pending"
            and p.spec.scheduler_name == "default-scheduler"]


def _schedule(state: ClusterState, key: ObjectRef) -> tuple[tuple[Request, ...], ...]:
    """One scheduling cycle for a pod: a bind per top-scored node, or the Unschedulable condition."""
    pod = state.get(key)
    if pod is None:
        return ()
    infos = node_infos(state)
    result = schedule_one(pod, infos)
    if result.feasible:
        return tuple((Bind(key, node),) for node in result.candidates)
    cond = pod.status.condition("PodScheduled")
    if cond is not None and cond.status == "False" and cond.reason == "Unschedulable":
        return ()
    conditions = tuple(c for c in pod.status.conditions if c.type != "PodScheduled")
    conditions = (PodCondition("PodScheduled", "False", "Unschedulable"),) + conditions
    return ((UpdateStatus(replace(pod, status=replace(pod.status, conditions=conditions))),),)


DEFAULT_CONTROLLERS: tuple[Controller, ...] = (
    Controller("replicaset-controller", lambda s: [rs.ref for rs in s.list("ReplicaSet")],
               replicaset.reconcile),
    Controller("garbage-collector", garbagecollector.pending, garbagecollector.reconcile, "controller"),
    Controller("scheduler", _scheduler_keys, _schedule, "controller"),
    Controller("kubelet", lambda s: [p.ref for p in s.list("Pod") if p.spec.node_name],
               kubelet.reconcile, "controller"),
)


@dataclass(frozen=True)
class Event:
    """A user edit: ``apply(state) -> state`` or ``None`` when it cannot happen (yet)."""

    name: str
    apply: Callable[[ClusterState], ClusterState | None]
    description: str = ""
    mentions: tuple[str, ...] = ()


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
    """

    def __init__(
        self,
        init: ClusterState | Iterable[Any],
        *,
        controllers: Sequence[Controller] = DEFAULT_CONTROLLERS,
        faults: Faults = Faults(),
        events: Sequence[Event] = (),
        properties: Sequence[Property[World]] | None = None,
    ) -> None:
        from kmodel import properties as _props

        self.controllers = tuple(controllers)
        names = [c.name for c in self.controllers]
        if len(set(names)) != len(names):
            raise InvalidArgument(f"controller names must be unique: {names}")
        self.faults = faults
        self.events = tuple(events)
        objects = list(init.objects()) if isinstance(init, ClusterState) else list(init)
        self.initial = World(_admit(objects))
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
        return str(action)

    def checker(self) -> CheckerBuilder:
        return CheckerBuilder(self)

    # -- steps -----------------------------------------------------------------------------
    def requests(self, state: World, step: Step) -> tuple[Request, ...]:
        """The API requests a controller step issues (for traces); empty for other steps."""
        for c in self.controllers:
            if c.name == step.actor and step.target is not None:
                alts = c.alternatives(state.cluster, step.target)
                return alts[step.choice] if step.choice < len(alts) else ()
        return ()

    def _steps(self, world: World, only: Step | None) -> Iterator[tuple[Step, World]]:
        cluster, env = world.cluster, world.env
        for c in self.controllers:
            if only is not None and only.actor != c.name:
                continue
            keys = [only.target] if only is not None else c.keys(cluster)
            for key in keys:
                for i, reqs in enumerate(c.alternatives(cluster, key)):
                    if not reqs:
                        continue
                    new, _ = apply_all(cluster, reqs)
                    if new == cluster:
                        continue
                    yield Step(c.name, "sync", key, i), World(new, env)
        if only is None or only.actor == "node-recovery":
            for node in _faults.recoverable_nodes(cluster):
                yield Step("node-recovery", "recover", node.ref), World(_faults.recover_node(cluster, node.name), env)
        if only is None or only.actor == "fault":
            if env.node_failures < self.faults.node_failures:
                env2 = replace(env, node_failures=env.node_failures + 1)
                for node in _faults.crashable_nodes(cluster):
                    yield Step("fault", "node-crash", node.ref), World(_faults.crash_node(cluster, node.name), env2)
            if env.pod_crashes < self.faults.pod_crashes:
                env2 = replace(env, pod_crashes=env.pod_crashes + 1)
                for pod in _faults.crashable_pods(cluster):
                    yield Step("fault", "pod-crash", pod.ref), World(_faults.crash_pod(cluster, pod.ref), env2)
        if (only is None or only.actor == "user") and env.events < len(self.events):
            event = self.events[env.events]
            new = event.apply(cluster)
            if new is not None:
                yield Step("user", event.name, None, env.events), World(new, replace(env, events=env.events + 1))

    # -- symmetry --------------------------------------------------------------------------
    def representative(self, state: World) -> Hashable:
        cluster = state.cluster
        pods = cluster.list("Pod")
        generated = [p for p in pods if _is_generated(p)]
        node_map: dict[str, str] = {}
        if self._node_class:
            on_node: dict[str, list[str]] = {}
            for p in generated:
                if p.spec.node_name:
                    on_node.setdefault(p.spec.node_name, []).append(_pod_body(p))
            classes: dict[int, list[Node]] = {}
            for node in cluster.list("Node"):
                cls = self._node_class.get(node.name)
                if cls is not None:
                    classes.setdefault(cls, []).append(node)
            for members in classes.values():
                names = sorted(n.name for n in members)
                ranked = sorted(members, key=lambda n: (_node_body(n), sorted(on_node.get(n.name, ()))))
                for name, node in zip(names, ranked, strict=True):
                    node_map[node.name] = name
        canon_nodes = tuple(sorted((node_map.get(n.name, n.name), _node_body(n) if n.name in node_map else n)
                                   for n in cluster.list("Node")))
        groups: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
        fixed = []
        for p in pods:
            if _is_generated(p):
                owner = p.metadata.controller_ref()
                key = (p.metadata.namespace, p.metadata.generate_name, owner.uid if owner else "")
                node = node_map.get(p.spec.node_name, p.spec.node_name)
                groups.setdefault(key, []).append((node, _pod_body(p)))
            else:
                fixed.append(p)
        canon_pods = tuple((k, tuple(sorted(v))) for k, v in sorted(groups.items()))
        others = tuple(o for kind in cluster.kinds() if kind not in ("Pod", "Node") for o in cluster.list(kind))
        return (others, canon_nodes, canon_pods, tuple(fixed), state.env)


def _is_generated(pod: Pod) -> bool:
    m = pod.metadata
    return bool(m.generate_name) and m.name.startswith(m.generate_name) and m.controller_ref() is not None


def _pod_body(pod: Pod) -> str:
    key = pod._skey
    if key is None:
        m = pod.metadata
        blank = replace(pod, metadata=replace(m, name="", uid=""), spec=replace(pod.spec, node_name=""))
        key = repr(blank)
        object.__setattr__(pod, "_skey", key)
    return key  # type: ignore[no-any-return]


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
