"""A ReplicaSet on crashing nodes, as a compact generic :class:`kmodel.model.Model`.

This is the benchmark model that kmodel's explorer and Spin both explore (the Promela twin is
written by :mod:`benchmarks.rs_crash.promela`). It is *not* :class:`kmodel.cluster.ClusterModel`:
it keeps only what a ReplicaSet, the scheduler, the node lifecycle controller and the kubelet do
with pods when nodes crash, encoded as a flat tuple of small integers so that hashing is cheap
and the same state space can be written down exactly in Promela.

Parameters: ``R`` replicas (``spec.replicas``), ``N`` nodes, ``F`` node-crash budget.

State
-----
A tuple ``(used, down[0..N-1], pod[0..S-1])`` with ``S = R * (F + 1)`` pod slots:

* ``used``: node crashes so far (``0..F``);
* ``down[j]``: 1 when node ``j`` is down (Ready ``Unknown``, tainted unreachable), else 0;
* ``pod[i]``: the pod in slot ``i`` (a pod name):

  - ``0`` (:data:`ABSENT`): no pod object;
  - ``1`` (:data:`PENDING`): created, not yet bound (``spec.nodeName`` empty);
  - ``2 + j``: bound to node ``j`` and running; it is Ready exactly when node ``j`` is up;
  - ``2 + N + j``: terminating on node ``j`` (``deletionTimestamp`` set), not yet removed.

A pod is *active* (counted by the ReplicaSet controller) when it is pending or bound and not
terminating, whether or not it is Ready: a pod on a crashed node still counts until evicted,
as upstream (``controller.FilterActivePods``).

Actions (each one atomic step, in this order)
---------------------------------------------
* ``("create", i)``: the ReplicaSet controller sees fewer than ``R`` active pods and creates one
  pending pod, in the lowest free slot ``i`` (one pod per step: a slow-start batch of one);
* ``("bind", i, j)``: the scheduler binds pending pod ``i`` to node ``j``, any node that is up
  (a nondeterministic choice among feasible nodes; nodes have room for every pod);
* ``("crash", j)``: a fault, while ``used < F``: up node ``j`` goes down; its pods stop being
  Ready (derived: nothing else changes yet);
* ``("evict", i)``: taint-based eviction by the node lifecycle controller: a pod bound to a down
  node gets a deletion timestamp (it is terminating and no longer active, so the ReplicaSet
  controller will replace it);
* ``("recover", j)``: down node ``j`` comes back (its kubelet posts Ready); pods still bound to
  it are Ready again;
* ``("remove", i)``: the kubelet of an up node finishes terminating pod ``i`` on it and the API
  server removes the object (a terminating pod on a down node stays until its node recovers,
  as with no forced deletion).

Every crash catches at most ``R`` active pods, and a terminating pod is one caught by some crash,
so at most ``R + R * F = S`` pods exist at once: ``create`` never lacks a slot, and the state
space is finite (crashes are bounded; recoveries are not, but only undo crashes).

Property: the invariant ``at-most-R-active`` (never more than ``R`` active pods).

Symmetry: nodes are interchangeable and so are pod slots. :meth:`RSCrash.representative` maps
a state to ``(used, pending pods, sorted (down, bound, terminating) per node)``, a complete
invariant of the renaming orbit.

Examples
--------
>>> m = RSCrash(1, 1, 1)
>>> m.init_states()
[(0, 0, 0, 0)]
>>> r = m.checker().symmetry(False).progress(False).bfs()
>>> r.verdict, r.stats.states
('holds', 16)
>>> RSCrash(2, 2, 1).checker().symmetry(False).progress(False).bfs().stats.states
263
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from typing import Any

from kmodel.model import Model, Property, always

__all__ = ["RSCrash", "ABSENT", "PENDING", "slots"]

ABSENT = 0
PENDING = 1

State = tuple[int, ...]
Action = tuple[Any, ...]


def slots(replicas: int, crashes: int) -> int:
    """Pod slots needed: at most ``R`` active pods plus ``R`` caught by each crash."""
    return replicas * (crashes + 1)


class RSCrash(Model[State, Action]):
    """A ReplicaSet of ``replicas`` pods on ``nodes`` nodes with ``crashes`` node crashes."""

    def __init__(self, replicas: int, nodes: int, crashes: int) -> None:
        for name, value, low in (("replicas", replicas, 1), ("nodes", nodes, 1), ("crashes", crashes, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        self.R, self.N, self.F = replicas, nodes, crashes
        self.S = slots(replicas, crashes)

    # -- encoding helpers --------------------------------------------------------------------
    def bound(self, node: int) -> int:
        """The slot value of a pod bound to ``node``."""
        return 2 + node

    def terminating(self, node: int) -> int:
        """The slot value of a terminating pod on ``node``."""
        return 2 + self.N + node

    def active(self, state: State) -> int:
        """Pods counted by the ReplicaSet controller: pending or bound, not terminating."""
        last = self.N + 1
        return sum(1 for p in state[1 + self.N:] if 1 <= p <= last)

    # -- Model protocol ----------------------------------------------------------------------
    def init_states(self) -> Sequence[State]:
        return [(0,) * (1 + self.N + self.S)]

    def properties(self) -> Sequence[Property[State]]:
        R = self.R
        return [always("at-most-R-active", lambda s: self.active(s) <= R,
                       description="the ReplicaSet never has more than spec.replicas active pods")]

    def actions(self, state: State) -> list[Action]:
        return [a for a, _ in self.successors(state)]

    def next_state(self, state: State, action: Action) -> State | None:
        for a, nxt in self.successors(state):
            if a == action:
                return nxt
        return None

    def successors(self, state: State) -> Iterator[tuple[Action, State]]:
        N, base = self.N, 1 + self.N
        used = state[0]
        down = state[1:base]
        pods = state[base:]
        last_bound = N + 1
        active = 0
        free = -1
        for i, p in enumerate(pods):
            if p == 0:
                if free < 0:
                    free = i
            elif p <= last_bound:
                active += 1
        if active < self.R and free >= 0:
            s = list(state)
            s[base + free] = PENDING
            yield ("create", free), tuple(s)
        for i, p in enumerate(pods):
            if p == PENDING:
                for j in range(N):
                    if not down[j]:
                        s = list(state)
                        s[base + i] = 2 + j
                        yield ("bind", i, j), tuple(s)
        for i, p in enumerate(pods):
            if 2 <= p <= last_bound and down[p - 2]:
                s = list(state)
                s[base + i] = p + N
                yield ("evict", i), tuple(s)
        for j in range(N):
            if down[j]:
                s = list(state)
                s[1 + j] = 0
                yield ("recover", j), tuple(s)
            elif used < self.F:
                s = list(state)
                s[0] = used + 1
                s[1 + j] = 1
                yield ("crash", j), tuple(s)
        for i, p in enumerate(pods):
            if p > last_bound and not down[p - N - 2]:
                s = list(state)
                s[base + i] = ABSENT
                yield ("remove", i), tuple(s)

    def fairness(self, action: Action) -> Hashable | None:
        return None if action[0] == "crash" else action[0]

    def representative(self, state: State) -> Hashable:
        N, base = self.N, 1 + self.N
        bound = [0] * N
        term = [0] * N
        pending = 0
        for p in state[base:]:
            if p == PENDING:
                pending += 1
            elif p >= 2:
                if p <= N + 1:
                    bound[p - 2] += 1
                else:
                    term[p - N - 2] += 1
        return (state[0], pending, tuple(sorted(zip(state[1:base], bound, term))))

    def describe_action(self, action: Action) -> str:
        kind = action[0]
        if kind == "create":
            return f"replicaset-controller creates pod-{action[1]}"
        if kind == "bind":
            return f"scheduler binds pod-{action[1]} to node-{action[2]}"
        if kind == "evict":
            return f"node-lifecycle-controller evicts pod-{action[1]}"
        if kind == "remove":
            return f"kubelet removes terminated pod-{action[1]}"
        if kind == "crash":
            return f"fault: node-{action[1]} crashes"
        return f"node-{action[1]} recovers"

    def describe_state(self, state: State) -> str:
        N, base = self.N, 1 + self.N
        nodes = " ".join(f"node-{j}:{'down' if d else 'up'}" for j, d in enumerate(state[1:base]))
        pods = []
        for i, p in enumerate(state[base:]):
            if p == PENDING:
                pods.append(f"pod-{i}:pending")
            elif 2 <= p <= N + 1:
                pods.append(f"pod-{i}:node-{p - 2}")
            elif p > N + 1:
                pods.append(f"pod-{i}:terminating@node-{p - N - 2}")
        return f"crashes={state[0]} {nodes} | {' '.join(pods) or 'no pods'}"
