"""The ``informerLag`` fault: the ReplicaSet controller acting on a pod cache that lags the store.

Upstream's controllers read pods from an informer cache fed by a watch, so a pod a controller
has just created is invisible to it until the pod's add event arrives. The ReplicaSet controller
bridges the gap with *expectations* (:mod:`kmodel.controllers.expectations`): before its
creations it records ``ExpectCreations(key, n)``, each add event calls ``CreationObserved``, and
``syncReplicaSet`` skips ``manageReplicas`` while ``SatisfiedExpectations`` is false, unless the
record is older than ``ExpectationsTimeout`` (5 minutes). If the watch lags longer than that, the
controller counts its pods without the ones it made and creates them again: the over-creation of
``specs/replicaset-informer-lag-expiry``.

This module keeps the controller's memory in the environment (``World.env.memory``, under the
controller's name), never in the API store: :class:`ReplicaSetMemory` holds the expectations and
the pods whose add event the informer has not delivered (``unseen``). The fault budgets
(``spec.faults`` of a scenario, :class:`kmodel.cluster.Faults`):

* ``informerLag``: at most this many ReplicaSet syncs whose new pods reach the controller's cache
  late. A sync that creates pods is then two steps the explorer may take: ``replicaset-controller
  sync`` (the add events arrive at once, as without the fault) and ``replicaset-controller sync
  (informer lags)`` (they do not: each is delivered by its own step, ``replicaset-informer
  observe-add Pod/...``, weakly fair: a watch delivers eventually). Until then the controller's
  view of the pods is the store without those pods (claiming, ``manageReplicas`` and the status it
  writes all read that view), and its expectations hold it back.
* ``informerLagPastExpiry``: at most this many times the lag outlasts ``ExpectationsTimeout``: the
  timer of a pending record fires (``fault expectations-expire ReplicaSet/...``) while its add
  events are still undelivered, and the next sync acts on its lagging view. With 0 (the default)
  every lag is shorter than the expiry: the timer never fires before the events arrive, and
  ``replicas-bounded`` holds (``specs/replicaset-informer-lag``). Without ``informerLag`` there is
  no pending record, so this budget is never used.

Without the fault the ReplicaSet controller runs as :data:`kmodel.cluster.DEFAULT_CONTROLLERS`
has it (the events of its creations and deletions are delivered in its own step, so its
expectations are fulfilled as soon as they are set and the memory stays empty): no new state.

Deletions are observed in the step that makes them (``ExpectDeletions`` then ``DeletionObserved``
for each victim: the deletion event, or the failed call), so their records never outlive a step;
the helpers are those of upstream and are tested on their own.

Symmetry: ``unseen`` names template-made pods, which :meth:`kmodel.cluster.ClusterModel.representative`
renames; it marks those pods (:func:`marks`) and drops their names from the environment
(:func:`canonical_env`), so two states that differ only in which of two interchangeable pods is
unseen share a representative, and no state is identified with one that differs in more.

Abstracted away:

* only the ReplicaSet controller's pod informer lags, and only for the add events of pods it
  created (a real watch is a FIFO: every later event of the stream waits too; the other
  controllers of kube-controller-manager share that informer). Other events reach it at once.
* an unseen pod is identified by name: a pod deleted and re-created under the same name before
  the add event of the first is delivered would stay hidden with it (nothing in the bundled
  specs deletes a pod the controller has not seen).
* a ReplicaSet's record is dropped (``DeleteExpectations``) at the next step of this module
  after the ReplicaSet is gone, not in the step that deleted it;
* the 5-minute timer is an abstract step; ``minReadySeconds`` and the periodic resync are as in
  :mod:`kmodel.controllers.replicaset`.

Upstream: ``pkg/controller/replicaset/replica_set.go`` (``syncReplicaSet``: ``rsNeedsSync :=
rsc.expectations.SatisfiedExpectations(key)``; ``manageReplicas``: ``ExpectCreations``, the
skipped creations' ``CreationObserved``, ``ExpectDeletions``, failed deletions'
``DeletionObserved``; ``addPod``, ``updatePod``, ``deletePod``), ``pkg/controller/controller_utils.go``
(expectations), ``staging/src/k8s.io/client-go/tools/cache`` (the informer), v1.35.

Examples
--------
A ReplicaSet of 2 on one node, its controller alone, the lag allowed to outlast the expiry:

>>> from kmodel.cluster import DEFAULT_CONTROLLERS, ClusterModel, Faults
>>> from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta
>>> from kmodel.objects.nodes import Node, NodeStatus
>>> from kmodel.objects.workloads import Container, PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetSpec
>>> alloc = (("cpu", 2000), ("memory", 4 << 30), ("pods", 110))
>>> labels = (("app", "web"),)
>>> rs = ReplicaSet(ObjectMeta("web", "default"), ReplicaSetSpec(LabelSelector(labels),
...      PodTemplateSpec(labels, PodSpec((Container("web"),))), replicas=2))
>>> objs = [Namespace(ObjectMeta("default")), Node(ObjectMeta("a"), status=NodeStatus(alloc, alloc)), rs]
>>> only_rs = [c for c in DEFAULT_CONTROLLERS if c.name == CONTROLLER]
>>> model = ClusterModel(objs, controllers=only_rs, faults=Faults(informer_lag=1, informer_lag_past_expiry=1))
>>> r = model.checker().bfs()
>>> r["replicas-bounded"].verdict, [str(a) for a in r["replicas-bounded"].path.actions]
('violated', ['replicaset-controller sync (informer lags) ReplicaSet/default/web', 'fault expectations-expire ReplicaSet/default/web', 'replicaset-controller sync ReplicaSet/default/web'])
>>> model = ClusterModel(objs, controllers=only_rs, faults=Faults(informer_lag=1))
>>> model.checker().bfs()["replicas-bounded"].verdict
'holds'
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kmodel.api import Create, Delete, apply_all
from kmodel.controllers import replicaset
from kmodel.controllers.expectations import (
    Expectations,
    creation_observed,
    delete_expectations,
    deletion_observed,
    expect_creations,
    expect_deletions,
    expire,
    satisfied_expectations,
)
from kmodel.objects.meta import ObjectRef, _hash_field, record, replace
from kmodel.state import ClusterState

__all__ = ["CONTROLLER", "INFORMER", "ReplicaSetMemory", "memory", "enabled", "controller_steps", "steps",
           "requests", "marks", "canonical_env", "view"]

CONTROLLER = "replicaset-controller"
INFORMER = "replicaset-informer"
_LAG = "informerLag"
_PAST_EXPIRY = "informerLagPastExpiry"
_LAGGING_VERB = "sync (informer lags)"


@record
class ReplicaSetMemory:
    """What the ReplicaSet controller remembers beyond the store: its expectations, and the pods
    it created whose add event its informer has not delivered, as sorted ``(pod, ReplicaSet)``
    pairs (the ReplicaSet whose ``CreationObserved`` the event will call)."""

    expectations: Expectations = ()
    unseen: tuple[tuple[ObjectRef, ObjectRef], ...] = ()
    _hash: int = _hash_field()

    @property
    def empty(self) -> bool:
        return not self.expectations and not self.unseen


def enabled(model: Any) -> bool:
    """The model explores informer lag (``informerLag`` > 0)."""
    return bool(getattr(model.faults, "informer_lag", 0))


def memory(env: Any) -> ReplicaSetMemory:
    """The ReplicaSet controller's memory in ``env`` (empty when it has none)."""
    for name, value in getattr(env, "memory", ()):
        if name == CONTROLLER:
            return value  # type: ignore[no-any-return]
    return ReplicaSetMemory()


def _with_memory(env: Any, mem: ReplicaSetMemory, cluster: ClusterState) -> Any:
    """``env`` holding ``mem``; the records of ReplicaSets that are gone are dropped
    (``DeleteExpectations``, which upstream runs on the ReplicaSet's delete event)."""
    gone = [k for k, _ in mem.expectations
            if cluster.get(ObjectRef("ReplicaSet", *k.split("/", 1))) is None]
    for k in gone:
        mem = ReplicaSetMemory(delete_expectations(mem.expectations, k), mem.unseen)
    rest = tuple((n, v) for n, v in env.memory if n != CONTROLLER)
    if not mem.empty:
        rest = tuple(sorted(rest + ((CONTROLLER, mem),), key=lambda nv: nv[0]))
    return replace(env, memory=rest)


def _used(env: Any, name: str) -> int:
    return dict(env.faults).get(name, 0)


def _spend(env: Any, name: str) -> Any:
    counts = dict(env.faults)
    counts[name] = counts.get(name, 0) + 1
    return replace(env, faults=tuple(sorted(counts.items())))


def _key(ref: ObjectRef) -> str:
    """``controller.KeyFunc``: ``namespace/name``."""
    return f"{ref.namespace}/{ref.name}"


def view(state: ClusterState, mem: ReplicaSetMemory) -> ClusterState:
    """The controller's informer caches: the store without the pods it has not seen yet."""
    for pod, _ in mem.unseen:
        state = state.without(pod)
    return state


def _outcome(store: ClusterState, key: ObjectRef, reqs: tuple[Any, ...], mem: ReplicaSetMemory,
             lag: bool) -> tuple[ClusterState, ReplicaSetMemory, int]:
    """Apply one sync's requests to the store; the memory after its expectations and events, and
    how many pods it created. ``lag``: the add events of the new pods are not delivered."""
    new, responses = apply_all(store, reqs)
    exp = mem.expectations
    k = _key(key)
    creates = [(r, resp) for r, resp in zip(reqs, responses, strict=True) if isinstance(r, Create)]
    deletes = [(r, resp) for r, resp in zip(reqs, responses, strict=True) if isinstance(r, Delete)]
    created = [resp.ref for _, resp in creates if resp.ok and resp.ref is not None]
    unseen = mem.unseen
    if creates:
        exp = expect_creations(exp, k, len(creates))
        for _ in range(len(creates) - len(created)):  # skipped or failed: never observed
            exp = creation_observed(exp, k)
        if lag:
            unseen = tuple(sorted(unseen + tuple((ref, key) for ref in created)))
        else:
            for _ in created:  # addPod, at once
                exp = creation_observed(exp, k)
    if deletes:
        exp = expect_deletions(exp, k, (_key(r.ref) for r, _ in deletes))
        for r, _ in deletes:  # the deletion event (or the failed call), at once
            exp = deletion_observed(exp, k, _key(r.ref))
    return new, ReplicaSetMemory(exp, unseen), len(created)


def _alternatives(world: Any, key: ObjectRef) -> tuple[tuple[Any, ...], ...]:
    mem = memory(world.env)
    needs_sync = satisfied_expectations(mem.expectations, _key(key))
    return replicaset.reconcile(view(world.cluster, mem), key, needs_sync=needs_sync)


def controller_steps(model: Any, world: Any, controller: Any, only: Any) -> Iterator[tuple[Any, Any]]:
    """The ReplicaSet controller's steps under the fault, as ``(Step, World)`` pairs: each sync
    reads its lagging view and its expectations; a sync that creates pods may also leave their
    add events undelivered while the ``informerLag`` budget lasts."""
    from kmodel.cluster import Step, World

    cluster, env = world.cluster, world.env
    mem = memory(env)
    can_lag = _used(env, _LAG) < model.faults.informer_lag
    keys = [only.target] if only is not None else controller.keys(cluster)
    for key in keys:
        if cluster.get(key) is None:
            continue
        for i, reqs in enumerate(_alternatives(world, key)):
            if not reqs:
                continue
            if only is None or only.verb == "sync":
                new, mem2, _ = _outcome(cluster, key, reqs, mem, lag=False)
                if new != cluster or mem2 != mem:
                    yield Step(CONTROLLER, "sync", key, i), World(new, _with_memory(env, mem2, new))
            if can_lag and (only is None or only.verb == _LAGGING_VERB):
                new, mem2, created = _outcome(cluster, key, reqs, mem, lag=True)
                if created:
                    yield Step(CONTROLLER, _LAGGING_VERB, key, i), World(new, _with_memory(_spend(env, _LAG), mem2, new))


def requests(world: Any, step: Any) -> tuple[Any, ...]:
    """The API requests of a ReplicaSet controller step under the fault (for traces)."""
    if step.target is None:
        return ()
    alts = _alternatives(world, step.target)
    return alts[step.choice] if step.choice < len(alts) else ()


def steps(model: Any, world: Any, only: Any) -> Iterator[tuple[Any, Any]]:
    """The informer's deliveries (fair) and the expectations' expiry (a fault) from ``world``."""
    from kmodel.cluster import Step, World

    cluster, env = world.cluster, world.env
    mem = memory(env)
    if only is None or only.actor == INFORMER:
        for pod, owner in mem.unseen:
            if only is not None and only.target != pod:
                continue
            exp = mem.expectations
            rs = cluster.get(owner)
            if rs is not None:  # addPod: resolveControllerRef finds the ReplicaSet
                exp = creation_observed(exp, _key(owner))
            unseen = tuple(u for u in mem.unseen if u[0] != pod)
            yield Step(INFORMER, "observe-add", pod), World(cluster, _with_memory(env, ReplicaSetMemory(exp, unseen), cluster))
    if (only is None or only.actor == "fault") and _used(env, _PAST_EXPIRY) < model.faults.informer_lag_past_expiry:
        for k, rec in mem.expectations:
            if rec.fulfilled() or rec.expired:
                continue
            namespace, _, name = k.partition("/")
            ref = ObjectRef("ReplicaSet", namespace, name)
            if only is not None and only.target != ref:
                continue
            mem2 = ReplicaSetMemory(expire(mem.expectations, k), mem.unseen)
            yield Step("fault", "expectations-expire", ref), World(cluster, _with_memory(_spend(env, _PAST_EXPIRY), mem2, cluster))


def marks(env: Any) -> frozenset[ObjectRef]:
    """The pods the ReplicaSet controller has not seen (marked in the representative)."""
    return frozenset(pod for pod, _ in memory(env).unseen)


def canonical_env(env: Any, present: frozenset[ObjectRef]) -> Any:
    """``env`` without the names of unseen pods that are in the store (the representative marks
    those pods instead; see the module docstring). Unseen pods that are gone keep their names."""
    mem = memory(env)
    if not mem.unseen:
        return env
    kept = tuple((p, o) for p, o in mem.unseen if p not in present)
    hidden = tuple(sorted(o for p, o in mem.unseen if p in present))
    rest = tuple((n, v) for n, v in env.memory if n != CONTROLLER)
    return replace(env, memory=rest + ((CONTROLLER, (mem.expectations, kept, hidden)),))
