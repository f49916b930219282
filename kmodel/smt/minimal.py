"""Minimal configurations: the smallest parameters under which a property fails.

Explicit-state tools find the smallest failing cluster by enumerating sizes; here Z3's optimiser
is asked directly. The question "is there a violation of ``property`` within ``depth`` steps"
is encoded as bounded model checking with idle steps allowed and the violation at any step (so
one unrolling covers every shorter path), and the open parameters named in ``minimize`` are minimised lexicographically,
in the order given (``z3.Optimize`` with ``priority=lex``). The witness path is decoded, its
idle steps dropped, and replayed through the explicit model with the parameters fixed to the
minimal values before it is returned.

Examples
--------
>>> from kmodel.smt.models.disruption import DisruptionBudget
>>> m = DisruptionBudget(replicas=(0, 1000), pdb_kind=0, pdb_value=(0, 1000), max_failures=(0, 10))
>>> r = smallest(m, "eviction-respects-budget", minimize=["replicas", "max_failures"], depth=4)
>>> r.params["replicas"], r.params["max_failures"], len(r.path)
(2, 1, 3)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import z3

from kmodel.check.path import Path
from kmodel.errors import InvalidArgument
from kmodel.model import Expectation
from kmodel.smt.bmc import encodable, replay

__all__ = ["smallest", "Minimal"]


@dataclass(frozen=True)
class Minimal:
    """The smallest parameters (lexicographically, in ``order``) under which ``property`` fails,
    with a replayed counterexample."""

    property: str
    params: dict[str, int]
    order: tuple[str, ...]
    path: Path[Any, Any]
    seconds: float


def smallest(model: Any, prop: str, *, minimize: Sequence[str], depth: int = 10,
             timeout: float | None = 30.0, width: int | None | str = "default") -> Minimal | None:
    """The lexicographically smallest values of ``minimize`` for which ``prop`` (an invariant) is
    violated within ``depth`` steps, or ``None`` when there is no violation within ``depth`` steps
    (or the solver gives up)."""
    model = encodable(model)
    f = model.formula(prop)
    if f.expectation is not Expectation.ALWAYS:
        raise InvalidArgument(f"{model.name}: minimal configurations are for invariants; {prop!r} is "
                              f"{f.expectation.value}")
    for name in minimize:
        if name not in model.param_names:
            raise InvalidArgument(f"{model.name}: {name!r} is not a parameter (parameters: "
                                  f"{', '.join(model.param_names)})")
    start = time.monotonic()
    enc = model.smt(width=width)
    opt = z3.Optimize(ctx=enc.ctx)
    opt.set(priority="lex")
    if timeout is not None:
        opt.set("timeout", max(1, int(timeout * 1000)))
    opt.add(enc.base(), enc.init(0))
    for t in range(depth):
        s, nxt = enc.state(t), enc.state(t + 1)
        idle = z3.And(*[getattr(nxt, n) == getattr(s, n) for n in model.var_names], enc.o.true)
        opt.add(z3.Or(enc.trans(t, t + 1), idle))
    opt.add(z3.Or(*[z3.Not(enc.o.lift(enc.prop(prop, t))) for t in range(depth + 1)], enc.o.false))
    for name in minimize:
        term = enc.params[name]
        if not isinstance(term, int):
            opt.minimize(term)
    if opt.check() != z3.sat:
        return None
    zm = opt.model()
    states, actions = [enc.decode_state(zm, 0)], []
    violated = _violates(f, states[0])
    for t in range(depth):
        if violated:
            break
        nxt = enc.decode_state(zm, t + 1)
        if nxt != states[-1]:
            actions.append(enc.decode_step(zm, t, t + 1))
            states.append(nxt)
            violated = _violates(f, nxt)
    path = replay(model, states, actions, prop=f)
    params = model.params_of(states[0])
    return Minimal(prop, params, tuple(minimize), path, time.monotonic() - start)


def _violates(f: Any, state: Any) -> bool:
    from kmodel.smt.ops import CONCRETE

    return not f.condition(CONCRETE, state)
