"""Liveness on the explored state graph, under weak fairness.

A behaviour is *fair* when no fair action class stays enabled forever without being taken.
Environment steps (faults, user edits) have no class: they may simply stop happening, which is
how "once faults stop" enters eventual stable reconciliation. A state in which no fair class is
enabled is *stuck*: the fair behaviour may stay there forever.

* ``eventually p`` (``<>p``) fails when, from an initial state and through states violating ``p``
  only, a behaviour can reach a stuck state, or a strongly connected component (SCC) that holds a
  fair cycle.
* ``eventually always p`` (``<>[]p``) fails when a reachable stuck state violates ``p``, or a
  reachable SCC with a fair cycle contains a state violating ``p``.

Under weak fairness an SCC holds a fair cycle exactly when every class enabled in *all* of its
states is taken on some edge inside it (a cycle through every state and edge of the SCC is then
fair; otherwise no cycle in it is). The counterexample cycle is built to pass those edges.

Soundness with bounds: a state that was never expanded has unknown successors, so stuck states
and SCCs are only reported when all their states were expanded; if the search was cut and no
counterexample lies within the expanded part, the verdict is ``incomplete``. For ``<>p`` the
verdict is ``holds`` when every state reachable through states violating ``p`` was expanded, even
if the search was cut elsewhere.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import networkx as nx

from kmodel.check.result import HOLDS, INCOMPLETE, VIOLATED, PropertyResult
from kmodel.model import Expectation, Property

Edges = dict[int, list[tuple[int, Hashable | None]]]


def check(
    prop: Property[Any],
    bit: int,
    *,
    truth: dict[int, int],
    edges: Edges,
    init_fps: Sequence[int],
    parent: dict[int, int | None],
    complete: bool,
    cut: str,
    build_path: Callable[[list[int], int | None], Any],
) -> PropertyResult:
    mask = 1 << bit

    def holds(fp: int) -> bool:
        return bool(truth[fp] & mask)

    if prop.expectation is Expectation.EVENTUALLY:
        region = _reach(init_fps, edges, lambda fp: not holds(fp))
        violating = region
    else:
        region = set(parent)
        violating = {fp for fp in region if not holds(fp)}

    # Stuck states first: they give the shorter, plainer counterexample.
    order = _bfs_order(init_fps, edges, region)
    for fp in order:
        if fp in violating and fp in edges and not any(c is not None for _, c in edges[fp]):
            prefix = _shortest(init_fps, edges, region, fp)
            return PropertyResult(prop.name, prop.expectation, VIOLATED,
                                  build_path(prefix, None), "stuck")

    graph = nx.DiGraph()
    for fp in region:
        if fp not in edges:
            continue
        graph.add_node(fp)
        for nfp, _ in edges[fp]:
            if nfp in region:
                graph.add_edge(fp, nfp)
    rank = {fp: i for i, fp in enumerate(order)}
    candidates = []
    for component in nx.strongly_connected_components(graph):
        if len(component) == 1:
            (only,) = component
            if not graph.has_edge(only, only):
                continue
        if any(fp not in edges for fp in component):
            continue
        bad = [fp for fp in component if fp in violating]
        if not bad:
            continue
        needed = _unfair_classes(component, edges, rank)
        if needed is None:
            continue
        entry = min(bad, key=lambda fp: rank.get(fp, len(rank)))
        candidates.append((rank.get(entry, len(rank)), entry, component, needed))
    if candidates:
        candidates.sort(key=lambda c: c[0])
        _, entry, component, needed = candidates[0]
        prefix = _shortest(init_fps, edges, region, entry)
        cycle = _fair_cycle(entry, component, edges, needed)
        return PropertyResult(prop.name, prop.expectation, VIOLATED,
                              build_path(prefix + cycle[1:], len(prefix) - 1), "cycle")

    unexpanded = any(fp not in edges for fp in region)
    if prop.expectation is Expectation.EVENTUALLY and not unexpanded:
        return PropertyResult(prop.name, prop.expectation, HOLDS)
    if complete:
        return PropertyResult(prop.name, prop.expectation, HOLDS)
    return PropertyResult(prop.name, prop.expectation, INCOMPLETE, reason=cut)


def _reach(init_fps: Sequence[int], edges: Edges, inside: Callable[[int], bool]) -> set[int]:
    seen = {fp for fp in init_fps if inside(fp)}
    queue = deque(sorted(seen, key=list(init_fps).index))
    while queue:
        fp = queue.popleft()
        for nfp, _ in edges.get(fp, ()):
            if nfp not in seen and inside(nfp):
                seen.add(nfp)
                queue.append(nfp)
    return seen


def _bfs_order(init_fps: Sequence[int], edges: Edges, region: set[int]) -> list[int]:
    order = [fp for fp in init_fps if fp in region]
    seen = set(order)
    i = 0
    while i < len(order):
        for nfp, _ in edges.get(order[i], ()):
            if nfp in region and nfp not in seen:
                seen.add(nfp)
                order.append(nfp)
        i += 1
    return order


def _shortest(init_fps: Sequence[int], edges: Edges, region: set[int], target: int) -> list[int]:
    """Shortest fingerprint path from an initial state to ``target`` inside ``region``."""
    back: dict[int, int | None] = {}
    queue: deque[int] = deque()
    for fp in init_fps:
        if fp in region and fp not in back:
            back[fp] = None
            queue.append(fp)
    while queue:
        fp = queue.popleft()
        if fp == target:
            break
        for nfp, _ in edges.get(fp, ()):
            if nfp in region and nfp not in back:
                back[nfp] = fp
                queue.append(nfp)
    chain = []
    cur: int | None = target
    while cur is not None:
        chain.append(cur)
        cur = back[cur]
    return chain[::-1]


def _unfair_classes(component: set[int], edges: Edges, rank: dict[int, int]) -> list[tuple[int, int]] | None:
    """Edges that make a cycle through ``component`` fair, or ``None`` when none is fair.

    Returns one witnessing edge per class that is enabled in every state of the component.
    """
    always_enabled: set[Hashable] | None = None
    for fp in component:
        classes = {c for _, c in edges[fp] if c is not None}
        always_enabled = classes if always_enabled is None else always_enabled & classes
    witnesses: dict[Hashable, tuple[int, int]] = {}
    # In BFS order, not by fingerprint value: fingerprints vary with PYTHONHASHSEED, traces must not.
    for fp in sorted(component, key=lambda f: rank.get(f, len(rank))):
        for nfp, c in edges[fp]:
            if c in (always_enabled or ()) and nfp in component and c not in witnesses:
                witnesses[c] = (fp, nfp)
    if always_enabled and len(witnesses) < len(always_enabled):
        return None
    return [witnesses[c] for c in sorted(witnesses, key=repr)]


def _fair_cycle(entry: int, component: set[int], edges: Edges,
                needed: list[tuple[int, int]]) -> list[int]:
    """A cycle from ``entry`` back to ``entry`` inside ``component`` passing every needed edge."""
    def route(src: int, dst: int) -> list[int]:
        """Shortest path of at least one step from ``src`` to ``dst`` inside the component."""
        back: dict[int, int] = {}
        queue: deque[int] = deque([src])
        while queue and dst not in back:
            fp = queue.popleft()
            for nfp, _ in edges[fp]:
                if nfp in component and nfp not in back:
                    back[nfp] = fp
                    queue.append(nfp)
        chain = [dst]
        cur = back[dst]
        while cur != src:
            chain.append(cur)
            cur = back[cur]
        chain.append(src)
        return chain[::-1]

    cycle = [entry]
    for u, v in needed:
        if cycle[-1] != u:
            cycle += route(cycle[-1], u)[1:]
        cycle.append(v)
    if cycle[-1] != entry or len(cycle) == 1:
        cycle += route(cycle[-1], entry)[1:]
    return cycle
