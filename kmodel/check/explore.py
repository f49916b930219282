"""Explicit-state exploration: breadth-first and depth-first search, and random simulation.

The visited set holds 64-bit fingerprints (Python's ``hash`` of the state, or of its canonical
representative under symmetry reduction), as TLC does; counterexamples are rebuilt by replay
(:func:`kmodel.check.path.concretize`). The probability of a fingerprint collision among ``n``
states is about ``n**2 / 2**65``: below 1e-8 for a million states.

When a liveness property is checked, the explored graph is kept (successor fingerprints and the
weak-fairness class of each edge) and analysed at the end by :mod:`kmodel.check.liveness`.
A search cut by ``max_depth``, ``max_states`` or ``timeout`` never reports ``holds`` for a
property it could not decide.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from kmodel.check import liveness
from kmodel.check.path import Path, concretize, fingerprint_function
from kmodel.check.progress import Progress
from kmodel.check.result import HOLDS, INCOMPLETE, VIOLATED, CheckResult, PropertyResult, Stats
from kmodel.errors import InvalidArgument, InvalidModel
from kmodel.model import Expectation, Property, _hook

__all__ = ["Config", "explore", "simulate"]


@dataclass(frozen=True)
class Config:
    """Checker settings; built by :class:`kmodel.check.CheckerBuilder`."""

    max_depth: int | None = None
    max_states: int | None = None
    timeout: float | None = None
    symmetry: bool = True
    progress: bool | None = None


def _properties(model: Any) -> list[Property[Any]]:
    props = list(model.properties())
    names = [p.name for p in props]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InvalidModel(f"property names must be unique; repeated: {', '.join(dupes)}")
    return props


def explore(model: Any, config: Config, *, strategy: str) -> CheckResult:
    """Explore the state graph of ``model`` by ``"bfs"`` or ``"dfs"``."""
    if strategy not in ("bfs", "dfs"):
        raise InvalidArgument(f"strategy must be 'bfs' or 'dfs', got {strategy!r}")
    props = _properties(model)
    fpf = fingerprint_function(model, config.symmetry)
    successors = _hook(model, "successors")
    fairness = _hook(model, "fairness")
    safety = [p for p in props if not p.expectation.is_liveness]
    live = [p for p in props if p.expectation.is_liveness]
    keep_graph = bool(live)

    found: dict[str, int] = {}  # property name -> fingerprint of the violating / example state
    parent: dict[int, int | None] = {}
    depth_of: dict[int, int] = {}
    edges: dict[int, list[tuple[int, Hashable | None]]] = {}
    truth: dict[int, int] = {}  # liveness property bits: bit i set when live[i] holds
    max_depth, max_states = config.max_depth, config.max_states
    deadline = None if config.timeout is None else time.monotonic() + config.timeout
    progress = Progress(config.progress)
    start = time.monotonic()
    cut = ""
    transitions = 0
    deepest = 0

    def visit(state: Any, fp: int) -> None:
        for prop in safety:
            name = prop.name
            if name in found:
                continue
            ok = bool(prop.condition(state))
            if prop.expectation is Expectation.ALWAYS and not ok:
                found[name] = fp
            elif prop.expectation is Expectation.SOMETIMES and ok:
                found[name] = fp
        if keep_graph:
            bits = 0
            for i, prop in enumerate(live):
                if prop.condition(state):
                    bits |= 1 << i
            truth[fp] = bits

    def decided() -> bool:
        return not live and len(found) == len(safety)

    init_states = list(model.init_states())
    if not init_states:
        raise InvalidModel("the model has no initial state")
    frontier: deque[tuple[Any, int, int]] = deque()
    for state in init_states:
        fp = fpf(state)
        if fp in parent:
            continue
        parent[fp] = None
        depth_of[fp] = 0
        visit(state, fp)
        frontier.append((state, fp, 0))
    pop = frontier.popleft if strategy == "bfs" else frontier.pop
    # With DFS and a depth bound, a state first reached deep may later be reached shallower;
    # it is then expanded again so that the bound is applied to its shortest known depth.
    redo_shallower = strategy == "dfs" and max_depth is not None
    count = 0
    while frontier and not decided():
        state, fp, depth = pop()
        if redo_shallower and depth_of.get(fp, depth) < depth:
            continue
        count += 1
        if count & 255 == 0:
            progress.update(len(parent), deepest, len(frontier))
            if deadline is not None and time.monotonic() > deadline:
                cut = f"timeout of {config.timeout:g} s"
                frontier.appendleft((state, fp, depth)) if strategy == "bfs" else frontier.append(
                    (state, fp, depth))
                break
        if depth > deepest:
            deepest = depth
        if max_depth is not None and depth >= max_depth:
            for _action, nxt in successors(state):
                if not (nxt is state or nxt == state):
                    cut = cut or f"max depth {max_depth}"
                    break
            continue
        out: list[tuple[int, Hashable | None]] = []
        stop = False
        for action, nxt in successors(state):
            nfp = fpf(nxt)
            if nfp == fp and (nxt is state or nxt == state):
                continue  # a stutter is not an edge
            transitions += 1
            if keep_graph:
                out.append((nfp, fairness(action)))
            known = depth_of.get(nfp)
            if known is not None:
                if redo_shallower and depth + 1 < known:
                    depth_of[nfp] = depth + 1
                    parent[nfp] = fp
                    frontier.append((nxt, nfp, depth + 1))
                continue
            if max_states is not None and len(parent) >= max_states:
                cut = f"max states {max_states:,}"
                stop = True
                break
            parent[nfp] = fp
            depth_of[nfp] = depth + 1
            visit(nxt, nfp)
            frontier.append((nxt, nfp, depth + 1))
        if stop:
            break
        if keep_graph:
            edges[fp] = out
    seconds = time.monotonic() - start
    progress.done()

    complete = not cut and not frontier
    if frontier and not cut:
        cut = "stopped early: every property decided"
    expanded = edges if keep_graph else None

    def path_to(fp: int) -> Path[Any, Any]:
        chain = []
        cur: int | None = fp
        while cur is not None:
            chain.append(cur)
            cur = parent[cur]
        chain.reverse()
        states, actions = concretize(model, fpf, chain, init_states)
        return Path(tuple(states), tuple(actions))

    results: dict[str, PropertyResult] = {}
    for prop in props:
        name = prop.name
        exp = prop.expectation
        if exp is Expectation.ALWAYS:
            if name in found:
                results[name] = PropertyResult(name, exp, VIOLATED, path_to(found[name]), "state")
            else:
                results[name] = PropertyResult(name, exp, HOLDS if complete else INCOMPLETE,
                                               reason="" if complete else cut)
        elif exp is Expectation.SOMETIMES:
            if name in found:
                results[name] = PropertyResult(name, exp, HOLDS, path_to(found[name]), "example")
            else:
                results[name] = PropertyResult(
                    name, exp, VIOLATED if complete else INCOMPLETE,
                    reason="no reachable state satisfies it" if complete else cut)
    if live:
        assert expanded is not None
        init_fps = [fp for fp, p in parent.items() if p is None]
        for i, prop in enumerate(live):
            results[prop.name] = liveness.check(
                prop, i, truth=truth, edges=expanded, init_fps=init_fps, parent=parent,
                complete=complete, cut=cut,
                build_path=lambda fps, loop: _lasso(model, fpf, fps, loop, init_states),
            )
    ordered = {p.name: results[p.name] for p in props}
    stats = Stats(states=len(parent), transitions=transitions, depth=deepest, seconds=seconds,
                  strategy=strategy, symmetry=config.symmetry, complete=complete, cut=cut)
    return CheckResult(ordered, stats)


def _lasso(model: Any, fpf: Callable[[Any], int], fps: Sequence[int], loop: int | None,
           init_states: Sequence[Any]) -> Path[Any, Any]:
    states, actions = concretize(model, fpf, fps, init_states)
    return Path(tuple(states), tuple(actions), loop_start=loop)


def simulate(model: Any, config: Config, *, seed: int, runs: int, steps: int) -> CheckResult:
    """Random walks: ``runs`` walks of at most ``steps`` steps, from a seeded generator.

    Simulation finds violations of invariants, examples of ``sometimes`` properties and stuck
    states violating ``eventually_always``; it never proves a property (``incomplete`` instead).
    """
    if runs < 1 or steps < 1:
        raise InvalidArgument(f"simulate needs runs >= 1 and steps >= 1, got {runs} and {steps}")
    props = _properties(model)
    rng = random.Random(seed)
    successors = _hook(model, "successors")
    fairness = _hook(model, "fairness")
    fpf = fingerprint_function(model, config.symmetry)
    init_states = list(model.init_states())
    found: dict[str, tuple[Path[Any, Any], str]] = {}
    seen: set[int] = set()
    transitions = 0
    deepest = 0
    start = time.monotonic()
    deadline = None if config.timeout is None else start + config.timeout
    progress = Progress(config.progress)
    cut = ""
    for _run in range(runs):
        if deadline is not None and time.monotonic() > deadline:
            cut = f"timeout of {config.timeout:g} s"
            break
        state = init_states[rng.randrange(len(init_states))]
        states, actions = [state], []
        for step in range(steps + 1):
            seen.add(fpf(state))
            for prop in props:
                if prop.name in found:
                    continue
                ok = bool(prop.condition(state))
                if prop.expectation is Expectation.ALWAYS and not ok:
                    found[prop.name] = (Path(tuple(states), tuple(actions)), "state")
                elif prop.expectation is Expectation.SOMETIMES and ok:
                    found[prop.name] = (Path(tuple(states), tuple(actions)), "example")
            if step == steps:
                break
            options = [(a, n) for a, n in successors(state) if not (n is state or n == state)]
            if not any(fairness(a) is not None for a, _ in options):
                for prop in props:
                    if (prop.name not in found
                            and prop.expectation is Expectation.EVENTUALLY_ALWAYS
                            and not prop.condition(state)):
                        found[prop.name] = (Path(tuple(states), tuple(actions)), "stuck")
                    elif (prop.name not in found and prop.expectation is Expectation.EVENTUALLY
                          and not any(prop.condition(s) for s in states)):
                        found[prop.name] = (Path(tuple(states), tuple(actions)), "stuck")
                if not options:
                    break
            action, state = options[rng.randrange(len(options))]
            transitions += 1
            states.append(state)
            actions.append(action)
            deepest = max(deepest, len(actions))
        progress.update(len(seen), deepest, 0)
    progress.done()
    results = {}
    for prop in props:
        if prop.name in found:
            path, kind = found[prop.name]
            verdict = HOLDS if kind == "example" else VIOLATED
            results[prop.name] = PropertyResult(prop.name, prop.expectation, verdict, path, kind)
        else:
            results[prop.name] = PropertyResult(prop.name, prop.expectation, INCOMPLETE,
                                                reason="simulation does not prove properties")
    stats = Stats(states=len(seen), transitions=transitions, depth=deepest,
                  seconds=time.monotonic() - start, strategy="simulate",
                  symmetry=config.symmetry, complete=False, cut=cut or "simulation")
    return CheckResult(results, stats)
