"""Unbounded proofs: k-induction with strengthening invariants, and Spacer (CHC/PDR).

Both engines prove that a set of invariants holds in every reachable state of a
:class:`~kmodel.smt.symbolic.SymbolicModel`, for every value of its open parameters and at every
depth. The claim is the conjunction of the properties asked about and any strengthening
invariants supplied (and ``type-ok``, the variables' declared ranges, when the encoding uses
bit-vectors, whose overflow the proof must then exclude; the default ``Int`` encoding has none);
a proof proves all of them.

* :func:`k_induction`: base case, bounded model checking to depth ``k - 1`` (a violation there
  is a real counterexample, replayed); step case, ``k`` consecutive states satisfying the claim
  followed by one that does not, with all states pairwise distinct (simple paths, which makes
  the method complete on finite state spaces). An unsatisfiable step case proves the claim.
  When the step case is satisfiable for every ``k`` tried, the result is ``unknown`` with the
  **counterexample to induction**: the states (not necessarily reachable) the claim does not
  exclude, so the user can add an invariant that excludes them.
* :func:`spacer`: the claim as constrained Horn clauses (``Init => Inv``,
  ``Inv /\\ T => Inv'``, ``Inv /\\ not P => false``) solved by Z3's Spacer engine, which
  synthesises the inductive invariant itself (DESIGN.md §5: it proved, unaided, an invariant on
  which plain k-induction failed for every k). ``sat`` proves the claim (the invariant found is
  returned); ``unsat`` means a counterexample exists, which is then found by bounded model
  checking and replayed.

Examples
--------
>>> from kmodel.smt.models.replicaset import ReplicaSetExpectations
>>> m = ReplicaSetExpectations(replicas=(0, 10_000), api_errors=1, max_losses=(0, 5))
>>> r = k_induction(m, ["replicas-bounded"], max_k=2)
>>> r.status, r.reason.startswith("not 2-inductive")
('unknown', True)
>>> r = k_induction(m, ["replicas-bounded"], invariants=m.invariants())
>>> r.status, r.k
('proved', 1)
>>> from kmodel.smt.models.disruption import DisruptionBudget
>>> spacer(DisruptionBudget(replicas=(0, 1000), pdb_value=(0, 1000)), ["eviction-respects-budget"]).status
'proved'
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3
from z3.z3util import get_vars

from kmodel.check.path import Path
from kmodel.errors import InvalidArgument
from kmodel.model import Expectation
from kmodel.smt.bmc import bmc, encodable, replay
from kmodel.smt.symbolic import TYPE_OK, SymbolicModel

__all__ = ["ProofResult", "k_induction", "spacer", "PROVED", "REFUTED", "UNKNOWN"]

PROVED = "proved"
REFUTED = "refuted"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ProofResult:
    """The outcome of a proof attempt.

    Attributes
    ----------
    status : str
        ``"proved"`` (for every depth and every open parameter value), ``"refuted"`` (``path``
        is a replayed counterexample from an initial state) or ``"unknown"`` (``reason`` says
        why; ``cti`` holds a counterexample to induction when there is one).
    method : str
        ``"k-induction"``, ``"spacer"`` or ``"bmc"``.
    k : int or None
        For k-induction, the ``k`` that proved the claim (or the last one tried).
    path : Path or None
        The counterexample of a refutation.
    violated : str
        The property the counterexample violates.
    cti : Path or None
        A counterexample to induction: states satisfying the claim, each a successor of the
        previous, ending in a state that violates it; the first state need not be reachable.
    invariant : str
        For Spacer, the inductive invariant it found (Z3 syntax).
    """

    status: str
    method: str
    seconds: float
    k: int | None = None
    path: Path[Any, Any] | None = None
    violated: str = ""
    cti: Path[Any, Any] | None = None
    invariant: str = ""
    reason: str = ""
    claim: tuple[str, ...] = field(default=())


def _width(model: SymbolicModel, width: int | None | str) -> int | None:
    return model.width if width == "default" else width  # type: ignore[return-value]


def _claim(model: SymbolicModel, properties: Sequence[str],
           invariants: Mapping[str, Callable[[Any, Any], Any]],
           width: int | None | str = "default") -> list[tuple[str, Callable[[Any, Any], Any]]]:
    out: list[tuple[str, Callable[[Any, Any], Any]]] = []
    if _width(model, width) is not None:  # bit-vectors: the proof must also show that nothing overflows
        out.append((TYPE_OK, model.formula(TYPE_OK).condition))
    for name in properties:
        f = model.formula(name)
        if f.expectation is not Expectation.ALWAYS:
            raise InvalidArgument(f"{model.name}: only invariants (always) can be proved by induction; "
                                  f"{name!r} is {f.expectation.value}")
        if name not in [n for n, _ in out]:
            out.append((name, f.condition))
    for name, fn in invariants.items():
        if not callable(fn):
            raise InvalidArgument(f"invariant {name!r} must be a function (o, s) -> condition")
        out.append((f"invariant {name}", fn))
    return out


def _base_case(model: SymbolicModel, properties: Sequence[str], invariants: Mapping[str, Any], depth: int,
               timeout: float | None, start: float, method: str,
               width: int | None | str = "default") -> ProofResult | None:
    """Bounded model checking of the claim to ``depth``: a refutation, or ``None``."""
    names = list(dict.fromkeys([*([TYPE_OK] if _width(model, width) is not None else []), *properties]))
    result = bmc(model, depth=depth, properties=names, timeout=timeout, exhaust=False, width=width)
    for name in names:
        res = result[name]
        if res.verdict == "violated":
            return ProofResult(REFUTED, method, time.monotonic() - start, path=res.path, violated=name,
                               claim=tuple(names))
    if invariants:
        enc = model.smt(width=width)
        s = enc.solver()
        if timeout is not None:
            s.set("timeout", max(1, int(timeout * 1000)))
        s.add(enc.base(), enc.init(0))
        for k in range(depth + 1):
            if k:
                s.add(enc.trans(k - 1, k))
            for name, fn in invariants.items():
                lit = enc.bool(f"__inv_{name}@{k}")
                s.add(z3.Implies(lit, z3.Not(enc.formula(fn, k))))
                if s.check(lit) == z3.sat:
                    states, actions = enc.decode(s.model(), k)
                    path = replay(model, states, actions)
                    return ProofResult(UNKNOWN, method, time.monotonic() - start, path=path,
                                       violated=f"invariant {name}",
                                       reason=f"the strengthening invariant {name!r} itself fails after {k} steps "
                                              "(see the path): it cannot help prove anything")
    return None


def k_induction(model: Any, properties: Sequence[str], *, invariants: Mapping[str, Any] | None = None,
                max_k: int = 4, timeout: float | None = None, simple_path: bool = True,
                width: int | None | str = "default") -> ProofResult:
    """Prove ``properties`` (with ``type-ok`` and ``invariants``) by k-induction, ``k = 1..max_k``.

    ``width``: the encoding (default: the model's; ``None`` for ``Int``, where the claim needs no
    ``type-ok`` because nothing overflows; Go's ``int32`` conversions are explicit in the models).
    """
    model = encodable(model)
    invariants = dict(invariants or {})
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    claim = _claim(model, properties, invariants, width)
    names = tuple(n for n, _ in claim)
    enc = model.smt(width=width)
    step = enc.solver()
    step.add(enc.base())

    def conj(t: Any) -> Any:
        return z3.And(*[enc.o.lift(v) for v in (enc.formula(fn, t) for _, fn in claim)], enc.o.true)

    tag = "__ind"
    cti: Path[Any, Any] | None = None
    for k in range(1, max_k + 1):
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return ProofResult(UNKNOWN, "k-induction", time.monotonic() - start, k=k - 1, cti=cti,
                               reason="timeout", claim=names)
        refuted = _base_case(model, properties, invariants, k - 1, left, start, "k-induction", width)
        if refuted is not None:
            return refuted
        # step case: claim at (tag, 0..k-1), transitions, claim fails at (tag, k)
        step.add(conj((tag, k - 1)))
        step.add(enc.trans((tag, k - 1), (tag, k)))
        if simple_path:
            for i in range(k):
                step.add(enc.distinct((tag, i), (tag, k)))
        lit = enc.bool(f"__step@{k}")
        step.add(z3.Implies(lit, z3.Not(conj((tag, k)))))
        if deadline is not None:
            step.set("timeout", max(1, int((deadline - time.monotonic()) * 1000)))
        verdict = step.check(lit)
        if verdict == z3.unsat:
            return ProofResult(PROVED, "k-induction", time.monotonic() - start, k=k, claim=names)
        if verdict == z3.unknown:
            return ProofResult(UNKNOWN, "k-induction", time.monotonic() - start, k=k, cti=cti,
                               reason=f"solver gave up ({step.reason_unknown()})", claim=names)
        zm = step.model()
        states, actions = enc.decode(zm, k, steps=[(tag, i) for i in range(k + 1)])
        cti = replay(model, states, actions, initial=False)
        last = states[-1]
        failing = [n for n, fn in claim if not fn(_concrete(), last)]
        if not failing:  # the solver's reading of the claim differs from the explicit one
            return ProofResult(UNKNOWN, "k-induction", time.monotonic() - start, k=k, cti=cti, claim=names,
                               reason=f"the encoding (width={enc.width}) and the explicit model disagree on the "
                                      "claim in the last state of the counterexample to induction (bit-vector "
                                      "overflow?): use a wider encoding or Int (width=None)")
        reason = (f"not {k}-inductive: from a state satisfying the claim, {k} step(s) reach a state violating "
                  f"{', '.join(failing)}; add an invariant that excludes the first state, or raise max_k")
    return ProofResult(UNKNOWN, "k-induction", time.monotonic() - start, k=max_k, cti=cti, reason=reason,
                       claim=names)


def _concrete() -> Any:
    from kmodel.smt.ops import CONCRETE

    return CONCRETE


def spacer(model: Any, properties: Sequence[str], *, invariants: Mapping[str, Any] | None = None,
           timeout: float | None = 30.0, cex_depth: int = 30) -> ProofResult:
    """Prove ``properties`` (with ``type-ok`` and ``invariants``) with Spacer over ``Int``.

    ``unsat`` from Spacer (the claim fails) is turned into a replayed counterexample by bounded
    model checking up to ``cex_depth`` steps; beyond that the result is ``unknown``.
    """
    model = encodable(model)
    invariants = dict(invariants or {})
    start = time.monotonic()
    claim = _claim(model, properties, invariants)
    names = tuple(n for n, _ in claim)
    enc = model.smt(width=None)
    params = enc.param_list()
    x, y = enc.variables(0), enc.variables(1)
    open_names = [n for n in model.param_names if not isinstance(enc.params[n], int)]
    sorts = [v.sort() for v in (*params, *x)]
    inv = z3.Function(f"inv_{model.name.replace('-', '_')}", *sorts, z3.BoolSort(enc.ctx))
    fp = enc.solver("HORN")
    fp.set("engine", "spacer")
    if timeout is not None:
        fp.set("timeout", max(1, int(timeout * 1000)))

    def closed(body: Any, head: Any) -> Any:
        formula = z3.Implies(body, head)
        vs = get_vars(formula)
        return z3.ForAll(vs, formula) if vs else formula

    fp.add(closed(z3.And(enc.base(), enc.init(0)), inv(*params, *x)))
    fp.add(closed(z3.And(inv(*params, *x), enc.trans(0, 1, stutter=True)), inv(*params, *y)))
    bad = z3.Or(*[z3.Not(enc.o.lift(enc.formula(fn, 0))) for _, fn in claim], enc.o.false)
    fp.add(closed(z3.And(inv(*params, *x), bad), enc.o.false))
    verdict = fp.check()
    if verdict == z3.sat:
        text = _invariant_text(fp.model()[inv], [*open_names, *model.var_names])
        return ProofResult(PROVED, "spacer", time.monotonic() - start, invariant=text, claim=names)
    if verdict == z3.unknown:
        return ProofResult(UNKNOWN, "spacer", time.monotonic() - start,
                           reason=f"Spacer gave up ({fp.reason_unknown()})", claim=names)
    left = None if timeout is None else max(1.0, timeout - (time.monotonic() - start))
    refuted = _base_case(model, properties, invariants, cex_depth, left, start, "spacer")
    if refuted is not None:
        return refuted
    return ProofResult(UNKNOWN, "spacer", time.monotonic() - start, claim=names,
                       reason=f"Spacer found the claim false but no counterexample within {cex_depth} steps")


def _invariant_text(interp: Any, names: Sequence[str]) -> str:
    """Spacer's interpretation of the invariant, with the model's names for its arguments."""
    if interp is None:
        return "true"
    body = interp.else_value() if isinstance(interp, z3.FuncInterp) else interp
    named = z3.substitute_vars(body, *[z3.Int(n, body.ctx) for n in names])
    return str(z3.simplify(named))
