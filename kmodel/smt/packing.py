"""The placement encoding and its two solver backends.

:func:`encode` turns one independent component of an :class:`~kmodel.smt.placement.Analysis`
into a small integer program (:class:`IntModel`): one integer per (group, node) counting the
group's pods on the node, and linear constraints, each optionally *enforced* by Boolean
literals and tagged with the rule it comes from (a *group label* such as ``demand:0`` or
``capacity:node-a:cpu``). Rules:

* demand: a group's pods all placed (or, for :func:`encode` with ``demand="at_most"``, at most
  all, maximising the number placed);
* capacity: per node and requested resource, the group's requests times counts fit the free
  amount; the pods count fits the free pod slots;
* host ports: conflicting groups share no node (a group with host ports has at most one pod per
  node);
* anti-affinity (between groups, or of a group with itself): per topology domain, a Boolean says
  whether the first group is there; if so the second is not (self: at most one pod per domain);
* topology spread: per domain ``d`` the count of matching pods ``f_d`` (bound and placed); a
  variable ``mn <= f_d`` for every domain stands for the global minimum; where the group has
  pods, ``bound(d) + placed(d) - mn <= maxSkew`` (``mn`` replaced by 0 with fewer domains than
  ``minDomains``). This final-state condition is necessary, and exact for one constraint whose
  selector counts only its own group (placing into the least-filled domain first works);
* required affinity: where the group has pods, in every term's domain some other matching pod
  (bound, or of another matching group), or the group's *seed*: one pod the first-pod exception
  lets in anywhere when nothing matches yet;
* symmetry (Z3 only): interchangeable nodes carry non-increasing pod counts (any solution can be
  sorted so). CP-SAT finds its own symmetries, and the added ordering made it slower: on the
  1000-pod ``full`` instances it answered nothing in 30 s with it and in 2-17 s without.

Order-dependent rules are checked afterwards by replaying the placement through the explicit
Filter plugins (:mod:`kmodel.smt.scheduling`); a placement no order admits is excluded and the
solver asked again.

Backends: **Z3** (``z3.Solver``/``z3.Optimize`` over linear integer arithmetic; rule labels become
tracked assumptions, so an infeasible model yields an unsat core of rules) and **OR-tools CP-SAT**
(the same model with enforcement literals; cores from ``sufficient_assumptions_for_infeasibility``).
Measured (``benchmarks/scheduling.py``): CP-SAT decides 1000 pods x 100 nodes in well under a
second where Z3's arithmetic solver answers nothing in 30 s (nor at 200 x 30 with 168 count
variables), so ``backend="auto"`` uses Z3 for components up to :data:`Z3_MAX_VARIABLES` count
variables for at most :data:`Z3_FIRST_SECONDS` and then hands over to CP-SAT, and CP-SAT
directly above; Z3 alone when OR-tools is missing. Unsat cores come from Z3 (small components)
whatever backend decided.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kmodel.smt.placement import Analysis

__all__ = ["IntModel", "Encoding", "SolveResult", "encode", "solve", "pick_backend", "Z3_MAX_VARIABLES",
           "cpsat_available"]

Z3_MAX_VARIABLES = 600
Z3_FIRST_SECONDS = 2.0
Lit = tuple[int, bool]


@dataclass
class Linear:
    terms: list[tuple[int, int]]  # (coefficient, variable)
    op: str  # "<=", ">=", "=="
    rhs: int
    when: tuple[Lit, ...] = ()
    group: str = ""


@dataclass
class IntModel:
    """Integer variables with bounds (Booleans are 0/1 variables), enforced linear constraints,
    an optional objective, all tagged with rule labels."""

    names: list[str] = field(default_factory=list)
    lb: list[int] = field(default_factory=list)
    ub: list[int] = field(default_factory=list)
    boolean: list[bool] = field(default_factory=list)
    constraints: list[Linear] = field(default_factory=list)
    minimize: list[tuple[int, int]] | None = None
    maximize: list[tuple[int, int]] | None = None

    def int_var(self, name: str, lb: int, ub: int) -> int:
        self.names.append(name)
        self.lb.append(lb)
        self.ub.append(ub)
        self.boolean.append(False)
        return len(self.names) - 1

    def bool_var(self, name: str) -> int:
        self.names.append(name)
        self.lb.append(0)
        self.ub.append(1)
        self.boolean.append(True)
        return len(self.names) - 1

    def add(self, terms: Sequence[tuple[int, int]], op: str, rhs: int, *, when: tuple[Lit, ...] = (),
            group: str = "") -> None:
        terms = [(c, v) for c, v in terms if c != 0]
        if not terms and not when:
            ok = {"<=": 0 <= rhs, ">=": 0 >= rhs, "==": rhs == 0}[op]
            if ok:
                return
        self.constraints.append(Linear(list(terms), op, rhs, when, group))


@dataclass
class Encoding:
    """An :class:`IntModel` and what its variables mean."""

    model: IntModel
    x: dict[tuple[int, str], int]
    groups: list[int]
    nodes: list[str]


def _sum_ub(model: IntModel, terms: Sequence[tuple[int, int]]) -> int:
    return sum(c * model.ub[v] for c, v in terms if c > 0)


def encode(a: Analysis, groups: Sequence[int], nodes: Sequence[str], *, demand: str = "exact",
           objective: str | None = None, symmetry: bool = True,
           blocked: Sequence[dict[tuple[int, str], int]] = (), explain: bool = False) -> Encoding:
    """The integer program of one component (see the module docstring).

    ``objective``: ``None`` (feasibility), ``"fewest-nodes"``, ``"balanced"`` or, with
    ``demand="at_most"``, ``"max-placed"`` (implied). ``blocked`` lists placements to exclude.
    ``explain``: bound each count by the group's size only and state every capacity and
    one-per-node rule as a labelled constraint, so that an unsat core names them.
    """
    m = IntModel()
    problem = a.problem
    gset = set(groups)
    nset = set(nodes)
    x: dict[tuple[int, str], int] = {}
    for g in groups:
        for n in nodes:
            u = a.ub.get((g, n), 0)
            if u > 0:
                x[(g, n)] = m.int_var(f"x[{problem.groups[g].label},{n}]", 0,
                                      problem.groups[g].count if explain else u)
    # demand
    for g in groups:
        terms = [(1, x[(g, n)]) for n in nodes if (g, n) in x]
        count = problem.groups[g].count
        m.add(terms, "==" if demand == "exact" else "<=", count, group=f"demand:{g}")
    # capacity
    for n in nodes:
        here = [g for g in groups if (g, n) in x]
        if not here:
            continue
        resources = sorted({r for g in here for r in a.requests[g]})
        for r in resources:
            terms = [(a.requests[g].get(r, 0), x[(g, n)]) for g in here if a.requests[g].get(r, 0) > 0]
            if explain or _sum_ub(m, terms) > a.free[n].get(r, 0):
                m.add(terms, "<=", a.free[n].get(r, 0), group=f"capacity:{n}:{r}")
        terms = [(1, x[(g, n)]) for g in here]
        if explain or _sum_ub(m, terms) > a.pods_free[n]:
            m.add(terms, "<=", a.pods_free[n], group=f"capacity:{n}:pods")
    # host ports
    for g1, g2 in a.port_conflicts:
        if g1 not in gset or g2 not in gset:
            continue
        if g1 == g2:
            if explain:
                for n in nodes:
                    if (g1, n) in x:
                        m.add([(1, x[(g1, n)])], "<=", 1, group=f"ports:{g1}:{g2}")
            continue
        for n in nodes:
            if (g1, n) in x and (g2, n) in x:
                m.add([(1, x[(g1, n)]), (1, x[(g2, n)])], "<=", 1, group=f"ports:{g1}:{g2}")
    labels = {n: dict(a.snapshot[n].node.metadata.labels) for n in nodes}
    # anti-affinity
    for g1, g2, key in a.anti_pairs:
        if g1 not in gset or g2 not in gset:
            continue
        domains: dict[str, list[str]] = {}
        for n in nodes:
            if key in labels[n]:
                domains.setdefault(labels[n][key], []).append(n)
        label = f"anti:{g1}:{g2}:{key}"
        for d, members in sorted(domains.items()):
            p1 = [(1, x[(g1, n)]) for n in members if (g1, n) in x]
            if g1 == g2:
                if _sum_ub(m, p1) > 1:
                    m.add(p1, "<=", 1, group=label)
                continue
            p2 = [(1, x[(g2, n)]) for n in members if (g2, n) in x]
            if not p1 or not p2:
                continue
            u = m.bool_var(f"in[{g1},{key}={d}]")
            m.add(p1, "<=", 0, when=((u, False),), group=label)
            m.add(p2, "<=", 0, when=((u, True),), group=label)
    # topology spread
    for i, rule in enumerate(a.spread):
        if rule.group not in gset:
            continue
        label = f"spread:{i}"
        nodes_of: dict[str, list[str]] = {}
        for n, d in rule.domain_of.items():
            nodes_of.setdefault(d, []).append(n)
        f_terms: dict[str, list[tuple[int, int]]] = {}
        for d in rule.domains:
            f_terms[d] = [(1, x[(h, n)]) for h in rule.matching for n in nodes_of.get(d, ()) if (h, n) in x]
        few = len(rule.domains) < rule.min_domains
        mn = None
        if not few:
            top = max((rule.existing[d] + _sum_ub(m, f_terms[d]) for d in rule.domains), default=0)
            mn = m.int_var(f"min[{label}]", 0, top)
            for d in rule.domains:
                m.add([(1, mn)] + [(-c, v) for c, v in f_terms[d]], "<=", rule.existing[d], group=label)
        for d in rule.domains:
            p = [(1, x[(rule.group, n)]) for n in nodes_of.get(d, ()) if (rule.group, n) in x]
            if not p:
                continue
            own = p if rule.self_match else []
            u = m.bool_var(f"in[{label},{d}]")
            m.add(p, "<=", 0, when=((u, False),), group=label)
            # existing(d) + own(d) - mn <= maxSkew
            terms = list(own) + ([(-1, mn)] if mn is not None else [])
            m.add(terms, "<=", rule.max_skew - rule.existing[d], when=((u, True),), group=label)
    # required affinity
    for rule in a.affinity:
        g = rule.group
        if g not in gset:
            continue
        label = f"affinity:{g}"
        elig = [n for n in nodes if (g, n) in x]
        z: dict[str, int] = {}
        if rule.seed_allowed and elig:
            for n in elig:
                z[n] = m.bool_var(f"seed[{g},{n}]")
                m.add([(1, x[(g, n)])], ">=", 1, when=((z[n], True),), group=label)
            m.add([(1, v) for v in z.values()], "<=", 1, group=label)
        others = [h for h in rule.matching if h != g and h in gset]
        for ti, term in enumerate(rule.terms):
            key = term.topology_key
            by_domain: dict[str, list[str]] = {}
            for n in nodes:
                if key in labels[n]:
                    by_domain.setdefault(labels[n][key], []).append(n)
            for d, members in sorted(by_domain.items()):
                p = [(1, x[(g, n)]) for n in members if (g, n) in x]
                if not p:
                    continue
                existing = rule.existing.get((ti, d), 0)
                if existing > 0:
                    continue
                avail = [(1, x[(h, n)]) for h in others for n in members if (h, n) in x]
                avail += [(1, z[n]) for n in members if n in z]
                if not avail:
                    m.add(p, "<=", 0, group=label)
                    continue
                u = m.bool_var(f"in[{label},{ti},{d}]")
                m.add(p, "<=", 0, when=((u, False),), group=label)
                m.add(avail, ">=", 1, when=((u, True),), group=label)
    # symmetry between interchangeable nodes
    if symmetry:
        for members in a.node_classes:
            live = [n for n in members if n in nset]
            for n1, n2 in zip(live, live[1:]):
                t1 = [(1, x[(g, n1)]) for g in groups if (g, n1) in x]
                t2 = [(-1, x[(g, n2)]) for g in groups if (g, n2) in x]
                if t1:
                    m.add(t1 + t2, ">=", 0, group="symmetry")
    # excluded placements
    for k, placement in enumerate(blocked):
        lits = []
        for key, v in sorted(x.items()):
            want = placement.get(key, 0)
            b = m.bool_var(f"differs[{k},{key}]")
            # b -> x != want, as: b -> (x <= want-1) or (x >= want+1), with a second literal
            up = m.bool_var(f"above[{k},{key}]")
            m.add([(1, v)], ">=", want + 1, when=((b, True), (up, True)), group="blocked")
            m.add([(1, v)], "<=", want - 1, when=((b, True), (up, False)), group="blocked")
            lits.append((1, b))
        m.add(lits, ">=", 1, group="blocked")
    # objectives
    if demand != "exact":
        m.maximize = [(1, v) for v in x.values()]
    elif objective == "fewest-nodes":
        used_terms = []
        for n in nodes:
            if a.snapshot[n].pods:
                continue
            here = [(1, x[(g, n)]) for g in groups if (g, n) in x]
            if not here:
                continue
            used = m.bool_var(f"used[{n}]")
            m.add(here, "<=", 0, when=((used, False),), group="objective")
            used_terms.append((1, used))
        m.minimize = used_terms
    elif objective == "balanced":
        level = m.int_var("max-utilisation-permille", 0, 1000)
        for n in nodes:
            here = [g for g in groups if (g, n) in x]
            if not here:
                continue
            info = a.snapshot[n]
            for r in ("cpu", "memory"):
                alloc = dict(info.allocatable).get(r, 0)
                if alloc <= 0:
                    continue
                terms = [(1000 * a.requests[g].get(r, 0), x[(g, n)]) for g in here if a.requests[g].get(r, 0)]
                if not terms:
                    continue
                used = info.requested.get(r, 0)
                m.add(terms + [(-alloc, level)], "<=", -1000 * used, group="objective")
        m.minimize = [(1, level)]
    elif objective is not None:
        raise ValueError(f"unknown objective {objective!r}")
    return Encoding(m, x, list(groups), list(nodes))


@dataclass
class SolveResult:
    """``status`` is ``sat``, ``unsat`` or ``unknown``; ``values`` the variable values;
    ``core`` the rule labels of an unsat core (when asked for)."""

    status: str
    values: list[int] = field(default_factory=list)
    core: list[str] = field(default_factory=list)
    backend: str = ""
    seconds: float = 0.0
    optimal: bool = True


def cpsat_available() -> bool:
    try:
        import ortools.sat.python.cp_model  # noqa: F401
    except ImportError:
        return False
    return True


def pick_backend(backend: str, variables: int, *, optimise: bool = False) -> str:
    """The backend ``"auto"`` stands for: Z3 for small models, CP-SAT (when installed) for large
    ones and for optimisation beyond a quarter of that size."""
    if backend != "auto":
        return backend
    small = variables <= (Z3_MAX_VARIABLES // 4 if optimise else Z3_MAX_VARIABLES)
    return "z3" if small or not cpsat_available() else "cpsat"


def solve(enc: Encoding, *, backend: str = "auto", timeout: float = 30.0, core: bool = False,
          workers: int = 2) -> SolveResult:
    """Solve ``enc`` with ``backend`` (``"z3"``, ``"cpsat"`` or ``"auto"``).

    ``"auto"`` on a small model tries Z3 for :data:`Z3_FIRST_SECONDS` and hands over to CP-SAT
    (when installed) if Z3 has no answer by then: Z3 alone gave no answer in 30 s on 200 pods x
    30 nodes at 80% and 95% (168 count variables), CP-SAT answered in under 2 s.
    """
    model = enc.model
    optimise = model.minimize is not None or model.maximize is not None
    chosen = pick_backend(backend, len(enc.x), optimise=optimise)
    start = time.perf_counter()
    if chosen == "z3":
        handover = backend == "auto" and cpsat_available()
        result = _solve_z3(model, min(timeout, Z3_FIRST_SECONDS) if handover else timeout, core)
        if result.status == "unknown" and handover:
            left = max(timeout - (time.perf_counter() - start), 1.0)
            # CP-SAT does better without the node-ordering constraints (see the module docstring)
            plain = IntModel(model.names, model.lb, model.ub, model.boolean,
                             [c for c in model.constraints if c.group != "symmetry"], model.minimize, model.maximize)
            result = _solve_cpsat(plain, left, core, workers)
            chosen = "z3>cpsat"
    elif chosen == "cpsat":
        result = _solve_cpsat(model, timeout, core, workers)
    else:
        raise ValueError(f"unknown backend {backend!r}")
    result.backend = chosen
    result.seconds = time.perf_counter() - start
    return result


def _solve_z3(model: IntModel, timeout: float, want_core: bool) -> SolveResult:
    import z3

    # A fresh context per call: Z3's answers depend on the terms created before (design note "a
    # fresh Z3 context per engine run"); with the global context the same query found different
    # placements on a second run in one process.
    ctx = z3.Context()
    vars_: list[Any] = []
    for i, name in enumerate(model.names):
        vars_.append(z3.Bool(f"v{i}", ctx) if model.boolean[i] else z3.Int(f"v{i}", ctx))

    def term(c: int, v: int) -> Any:
        var = vars_[v]
        return (z3.If(var, c, 0) if c != 1 else z3.If(var, 1, 0)) if model.boolean[v] else c * var

    optimise = model.minimize is not None or model.maximize is not None
    solver: Any = z3.SolverFor("QF_LIA", ctx=ctx)
    deadline = time.perf_counter() + timeout
    solver.set("timeout", max(1, int(timeout * 1000)))
    assumptions: dict[str, Any] = {}

    def guard(group: str) -> Any:
        if not want_core or optimise:
            return None
        if group not in assumptions:
            assumptions[group] = z3.Bool(f"rule:{group}", ctx)
        return assumptions[group]

    for i in range(len(model.names)):
        if not model.boolean[i]:
            solver.add(vars_[i] >= model.lb[i], vars_[i] <= model.ub[i])
    for c in model.constraints:
        expr = z3.Sum([term(k, v) for k, v in c.terms]) if c.terms else z3.IntVal(0, ctx)
        atom = {"<=": expr <= c.rhs, ">=": expr >= c.rhs, "==": expr == c.rhs}[c.op]
        if c.when:
            lits = [vars_[v] if pol else z3.Not(vars_[v]) for v, pol in c.when]
            atom = z3.Implies(z3.And(*lits), atom)
        g = guard(c.group)
        solver.add(z3.Implies(g, atom) if g is not None else atom)
    def read(mdl: Any) -> list[int]:
        values = []
        for i, v in enumerate(vars_):
            val = mdl.eval(v, model_completion=True)
            values.append(int(z3.is_true(val)) if model.boolean[i] else val.as_long())
        return values

    if assumptions:
        status = solver.check(*assumptions.values())
    else:
        status = solver.check()
    if status == z3.sat:
        values = read(solver.model())
        if optimise:
            # Binary search on the objective with an incremental solver (push/pop): Z3's
            # Optimize proves packing bounds far too slowly (see the module docstring).
            terms = model.minimize if model.minimize is not None else model.maximize
            sign = 1 if model.minimize is not None else -1
            expr = z3.Sum([term(k, v) for k, v in terms]) if terms else z3.IntVal(0, ctx)
            best = sum(k * values[v] for k, v in terms)
            bound = sum(k * (model.lb[v] if (k > 0) == (sign > 0) else model.ub[v]) for k, v in terms)
            lo, hi = (bound, best) if sign > 0 else (best, bound)
            optimal = True
            while lo < hi:
                mid = (lo + hi) // 2 if sign > 0 else (lo + hi + 1) // 2
                left = deadline - time.perf_counter()
                if left <= 0:
                    optimal = False
                    break
                solver.push()
                solver.set("timeout", max(1, int(left * 1000)))
                solver.add(expr <= mid if sign > 0 else expr >= mid)
                st = solver.check()
                if st == z3.sat:
                    values = read(solver.model())
                    best = sum(k * values[v] for k, v in terms)
                    if sign > 0:
                        hi = best
                    else:
                        lo = best
                elif st == z3.unsat:
                    if sign > 0:
                        lo = mid + 1
                    else:
                        hi = mid - 1
                else:
                    optimal = False
                    solver.pop()
                    break
                solver.pop()
            return SolveResult("sat", values, optimal=optimal)
        return SolveResult("sat", values)
    if status == z3.unsat:
        core = []
        if assumptions:
            names = {str(v): k for k, v in assumptions.items()}
            core = sorted(names[str(a)] for a in solver.unsat_core())
        return SolveResult("unsat", core=core)
    return SolveResult("unknown")


def _solve_cpsat(model: IntModel, timeout: float, want_core: bool, workers: int) -> SolveResult:
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    vars_: list[Any] = []
    for i, name in enumerate(model.names):
        vars_.append(m.new_bool_var(name) if model.boolean[i] else m.new_int_var(model.lb[i], model.ub[i], name))
    rules: dict[str, Any] = {}
    for c in model.constraints:
        expr = sum(k * vars_[v] for k, v in c.terms) if c.terms else 0
        if c.op == "<=":
            ct = m.add(expr <= c.rhs)
        elif c.op == ">=":
            ct = m.add(expr >= c.rhs)
        else:
            ct = m.add(expr == c.rhs)
        lits = [vars_[v] if pol else vars_[v].Not() for v, pol in c.when]
        if want_core:
            if c.group not in rules:
                rules[c.group] = m.new_bool_var(f"rule:{c.group}")
            lits.append(rules[c.group])
        if lits:
            ct.only_enforce_if(lits)
    if model.minimize is not None:
        m.minimize(sum(k * vars_[v] for k, v in model.minimize))
    if model.maximize is not None:
        m.maximize(sum(k * vars_[v] for k, v in model.maximize))
    if want_core and rules:
        m.add_assumptions(list(rules.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(timeout)
    solver.parameters.num_workers = 1 if want_core else workers
    solver.parameters.random_seed = 0
    status = solver.solve(m)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = [int(solver.boolean_value(v)) if model.boolean[i] else int(solver.value(v))
                  for i, v in enumerate(vars_)]
        return SolveResult("sat", values, optimal=status == cp_model.OPTIMAL)
    if status == cp_model.INFEASIBLE:
        core = []
        if want_core and rules:
            by_index = {v.index: k for k, v in rules.items()}
            core = sorted(by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index)
        return SolveResult("unsat", core=core)
    return SolveResult("unknown")
