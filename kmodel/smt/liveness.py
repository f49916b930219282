"""Bounded liveness with Z3: fair lassos and stuck states, replayed through the explicit model.

The explicit checker decides ``eventually p`` and ``eventually always p`` on the explored graph
under weak fairness (:mod:`kmodel.check.liveness`): a behaviour is fair when no fair action
class (a :class:`~kmodel.smt.symbolic.SymbolicModel` action with ``fair=True``; all its choices
are one class) stays enabled forever without being taken; environment steps have no class.
This module searches for the same counterexamples symbolically, by unrolling the transition
relation ``k`` steps (``k = 0..depth``) and asking for

* a **stuck state**: a path ``s0 .. sk`` where no fair class is enabled in ``sk`` (the fair
  behaviour may stay there forever); for ``eventually p``, ``p`` is false in every state of the
  path; for ``eventually always p``, in ``sk``;
* a **fair lasso**: a path ``s0 .. sk`` with ``sk = sj`` for some ``j < k`` whose loop
  ``sj .. sk`` takes, for every fair class enabled in all its states, a step of that class; for
  ``eventually p``, ``p`` is false in every state; for ``eventually always p``, in some state of
  the loop.

"Enabled" means as in the explicit checker: some choice of the action's inputs satisfies its
guard and changes the state (stutters are not steps); over actions with choices that is an
existential formula: a disjunction over the choices when they are few, Z3's quantifier otherwise. Stuck states are tried before lassos of
the same length, as the explicit checker reports stuck states first.

Every counterexample is decoded and **replayed**: the steps through ``next_state`` of the model
with its parameters fixed, the loop closure, the property's value in the states that matter,
and (when the actions' choices can be enumerated, at most 10,000 per action) the fairness of the
loop or the stuckness of the last state, each recomputed from the explicit ``successors``. A
counterexample that does not replay raises :class:`~kmodel.smt.bmc.ReplayMismatch`.

Verdicts: ``violated`` (with a :class:`~kmodel.check.path.Path` whose ``loop_start`` is set for a
lasso, ``kind`` ``"stuck"`` or ``"cycle"``), ``incomplete`` (a bounded search proves no liveness
property: a fair cycle may need more steps than the bound), or ``holds`` when the caller knows
the bound covers every counterexample (``complete=True``; see :func:`complete_depth`: bounded
model checking passes it when it exhausted the state space).

Examples
--------
>>> from kmodel.smt.models import RollingUpdate
>>> m = RollingUpdate(replicas=(1, 50), max_surge=1, max_unavailable=0, nodes=(1, 60))
>>> r = lasso(m, depth=3)["rollout-finishes"]
>>> r.verdict, r.kind, r.path.states[0].nodes == r.path.states[0].replicas
('violated', 'stuck', True)
>>> lasso(m.with_params(nodes=(51, 60)), depth=3)["rollout-finishes"].verdict
'incomplete'
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from typing import Any

import z3

from kmodel.check.path import Path
from kmodel.check.result import HOLDS, INCOMPLETE, VIOLATED, PropertyResult
from kmodel.errors import InvalidArgument
from kmodel.model import Expectation, Property
from kmodel.smt.bmc import ReplayMismatch, encodable, replay
from kmodel.smt.ops import CONCRETE
from kmodel.smt.symbolic import Action, SymbolicModel, _Namespace

__all__ = ["lasso", "complete_depth", "LIVENESS", "MAX_COMPLETE_DEPTH"]

#: The expectations this engine searches counterexamples for.
LIVENESS = (Expectation.EVENTUALLY, Expectation.EVENTUALLY_ALWAYS)
#: The most choice combinations per action for which replay re-checks fairness explicitly.
_MAX_ENUMERATED = 10_000
#: The most choice combinations per action that "enabled" spells out as a disjunction.
_MAX_EXPANDED = 64
#: The deepest lasso search :func:`complete_depth` asks for (beyond it: ``incomplete``).
MAX_COMPLETE_DEPTH = 40


def complete_depth(model: SymbolicModel, diameter: int, *, acyclic: bool = False) -> int | None:
    """A depth within which every stuck state and some fair lasso of every fair cycle lie, when
    no path of pairwise distinct states is longer than ``diameter`` steps (``None`` when that
    depth exceeds :data:`MAX_COMPLETE_DEPTH`).

    Stuck states lie within ``diameter`` steps; when no behaviour cycles (``acyclic``) there is
    nothing else. Otherwise a fair strongly connected component is entered within ``diameter``
    steps, and a fair loop through it needs, for each of the ``C`` fair classes, at most one
    detour of ``diameter + 1`` steps (to an edge of the class, or to a state where it is
    disabled) and ``diameter`` steps back: ``2 * diameter + C * (diameter + 1)`` in all.
    """
    if acyclic:
        return diameter
    classes = sum(1 for a in model.actions_list() if a.fair)
    bound = 2 * diameter + classes * (diameter + 1)
    return bound if bound <= MAX_COMPLETE_DEPTH else None


def _enabled(enc: Any, action: Action, t: Any) -> Any:
    """``action`` is enabled in the state of step ``t``: some choice satisfies the guard and
    changes the state (a disjunction over the choices when there are at most
    :data:`_MAX_EXPANDED` of them, an existential quantifier otherwise)."""
    o = enc.o
    s = enc.state(t)
    names = [c.name for c in action.choices]
    combos = 1
    for c in action.choices:
        combos *= c.hi - c.lo + 1

    def body(chosen: dict[str, Any], ranges: list[Any]) -> Any:
        guard, updates = action.effect(o, s, _Namespace(chosen))
        changed = o.or_(*[o.lift(v) != getattr(s, n) for n, v in updates.items() if n in enc.model.var_names])
        out = o.and_(guard, *ranges, changed)
        return o.lift(out) if isinstance(out, bool) else out

    if not names:
        return body({}, [])
    if combos <= _MAX_EXPANDED:
        cases = []
        for values in itertools.product(*[range(c.lo, c.hi + 1) for c in action.choices]):
            cases.append(body({n: o.const(v) for n, v in zip(names, values, strict=True)}, []))
        return z3.Or(*cases)
    chosen = {n: o.var(f"{enc.prefix}__en.{action.name}.{n}@{t}") for n in names}
    ranges = [o.and_(chosen[c.name] >= c.lo, chosen[c.name] <= c.hi) for c in action.choices]
    return z3.Exists([chosen[n] for n in names], body(chosen, ranges))


def lasso(model: Any, *, depth: int, properties: Sequence[str] | None = None, timeout: float | None = None,
          width: int | None | str = "default", complete: bool = False) -> dict[str, PropertyResult]:
    """Search stuck states and fair lassos of at most ``depth`` steps for the liveness
    properties of ``model`` (those named in ``properties``, default all); see the module
    docstring. Returns a result per liveness property (other properties are ignored).
    ``complete``: ``depth`` covers every counterexample, so finding none means ``holds``."""
    model = encodable(model)
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise InvalidArgument(f"lasso depth must be a non-negative integer, got {depth!r}")
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    wanted = [f for f in model.all_formulas() if f.expectation in LIVENESS
              and (properties is None or f.name in properties)]
    results: dict[str, PropertyResult] = {}
    if not wanted:
        return results
    enc = model.smt(width=width)
    fair = [(i, a) for i, a in enumerate(model.actions_list()) if a.fair]
    solver = enc.solver()
    solver.add(enc.base(), enc.init(0))
    pending = list(wanted)
    cut = ""
    # per property: literal "p is false at t", per class: literal "class enabled at t"
    notp: dict[tuple[str, int], Any] = {}
    enabled: dict[tuple[str, int], Any] = {}

    def define(t: int) -> None:
        for f in wanted:
            lit = enc.bool(f"__live_not_{f.name}@{t}")
            solver.add(lit == z3.Not(enc.o.lift(f.condition(enc.o, enc.state(t)))))
            notp[(f.name, t)] = lit
        for _i, a in fair:
            lit = enc.bool(f"__live_en_{a.name}@{t}")
            solver.add(lit == _enabled(enc, a, t))
            enabled[(a.name, t)] = lit

    def check(*assumptions: Any) -> Any:
        if deadline is not None:
            solver.set("timeout", max(1, int((deadline - time.monotonic()) * 1000)))
        return solver.check(*assumptions)

    reached = 0
    for k in range(depth + 1):
        if k > 0:
            solver.add(enc.trans(k - 1, k))
        define(k)
        reached = k
        stuck = z3.And(*[z3.Not(enabled[(a.name, k)]) for _i, a in fair], enc.o.true)
        for f in list(pending):
            # stuck at k
            if f.expectation is Expectation.EVENTUALLY:
                bad = [notp[(f.name, t)] for t in range(k + 1)]
            else:
                bad = [notp[(f.name, k)]]
            goal = enc.bool(f"__live_stuck_{f.name}@{k}")
            solver.add(z3.Implies(goal, z3.And(stuck, *bad)))
            verdict = check(goal)
            if verdict == z3.sat:
                results[f.name] = _report(model, enc, solver.model(), f, k, None)
                pending.remove(f)
                continue
            if verdict == z3.unknown:
                cut = f"solver gave up at depth {k} ({solver.reason_unknown()})"
                break
            # a fair loop closing at k
            loops = []
            for j in range(k):
                same = z3.And(*[a == b for a, b in zip(enc.variables(j), enc.variables(k), strict=True)], enc.o.true)
                fairness = []
                for i, a in fair:
                    always_on = z3.And(*[enabled[(a.name, t)] for t in range(j, k)])
                    taken = z3.Or(*[enc.selector(t) == i for t in range(j, k)])
                    fairness.append(z3.Implies(always_on, taken))
                if f.expectation is Expectation.EVENTUALLY:
                    loop_bad = z3.And(*[notp[(f.name, t)] for t in range(k + 1)])
                else:
                    loop_bad = z3.Or(*[notp[(f.name, t)] for t in range(j, k)])
                loops.append(z3.And(same, *fairness, loop_bad))
            if not loops:
                continue
            goal = enc.bool(f"__live_loop_{f.name}@{k}")
            solver.add(z3.Implies(goal, z3.Or(*loops)))
            verdict = check(goal)
            if verdict == z3.sat:
                zm = solver.model()
                j = next(j for j in range(k) if all(
                    enc.value(zm, a) == enc.value(zm, b) for a, b in zip(enc.variables(j), enc.variables(k), strict=True)))
                results[f.name] = _report(model, enc, zm, f, k, j)
                pending.remove(f)
            elif verdict == z3.unknown:
                cut = f"solver gave up at depth {k} ({solver.reason_unknown()})"
                break
        if cut or not pending:
            break
        if deadline is not None and time.monotonic() > deadline:
            cut = f"timeout at depth {k}"
            break
    for f in pending:
        if complete and not cut and reached == depth:
            results[f.name] = PropertyResult(f.name, f.expectation, HOLDS,
                                             reason=f"no stuck state or fair lasso within {depth} steps, which "
                                                    "cover every one (the state space was exhausted)")
            continue
        why = cut or f"no stuck state or fair lasso within {reached} steps"
        results[f.name] = PropertyResult(
            f.name, f.expectation, INCOMPLETE,
            reason=f"{why} (bounded: the SMT engine proves no liveness property; use bfs on a finite instance)")
    return {f.name: results[f.name] for f in wanted}


def _report(model: SymbolicModel, enc: Any, zm: Any, prop: Property[Any], k: int, loop: int | None) -> PropertyResult:
    states, actions = enc.decode(zm, k)
    path = replay(model, states, actions)
    fixed = model.fix(states[0])
    _check_lasso(fixed, prop, path, loop)
    return PropertyResult(prop.name, prop.expectation, VIOLATED,
                          Path(path.states, path.actions, loop_start=loop), "stuck" if loop is None else "cycle")


def _fair_classes(model: SymbolicModel, state: Any) -> set[str] | None:
    """The fair classes enabled in ``state``, or ``None`` when the choices are too many to list."""
    out: set[str] = set()
    for a in model.actions_list():
        if not a.fair:
            continue
        combos = 1
        for c in a.choices:
            combos *= c.hi - c.lo + 1
        if combos > _MAX_ENUMERATED:
            return None
        names = [c.name for c in a.choices]
        for values in itertools.product(*[range(c.lo, c.hi + 1) for c in a.choices]):
            if model._apply(a, state, dict(zip(names, values, strict=True))) is not None:
                out.add(a.name)
                break
    return out


def _check_lasso(model: SymbolicModel, prop: Property[Any], path: Path[Any, Any], loop: int | None) -> None:
    """Recompute, in the explicit reading, what makes ``path`` a counterexample to ``prop``."""
    states = path.states

    def false_in(i: int) -> bool:
        return not prop.condition(CONCRETE, states[i])

    def fail(what: str) -> None:
        raise ReplayMismatch(f"internal error: the SMT liveness counterexample of {model.name} for "
                             f"{prop.name!r} does not hold when replayed: {what} (a bug in the encoding)")

    last = len(states) - 1
    if prop.expectation is Expectation.EVENTUALLY and not all(false_in(i) for i in range(last + 1)):
        fail("the property holds in one of its states")
    if loop is None:
        if prop.expectation is Expectation.EVENTUALLY_ALWAYS and not false_in(last):
            fail("the property holds in the stuck state")
        classes = _fair_classes(model, states[last])
        if classes:
            fail(f"fair steps are enabled in the last state ({', '.join(sorted(classes))})")
        return
    if states[loop] != states[last]:
        fail(f"the last state is not state {loop}")
    if prop.expectation is Expectation.EVENTUALLY_ALWAYS and not any(false_in(i) for i in range(loop, last)):
        fail("the property holds throughout the loop")
    per_state = [_fair_classes(model, states[i]) for i in range(loop, last)]
    if any(c is None for c in per_state):
        return  # too many choices to re-check fairness explicitly; the solver's word stands
    always_on = set.intersection(*per_state) if per_state else set()  # type: ignore[arg-type]
    taken = {a.name for a in path.actions[loop:]}
    if always_on - taken:
        fail(f"the loop is unfair to {', '.join(sorted(always_on - taken))}")
