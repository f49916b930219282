"""``--view states``: the explored state graph of a small model, or a summary of a big one.

:func:`explore_graph` explores breadth-first through the model's ``successors`` (identifying
states by ``representative`` when symmetry is on, as the checker does) and keeps the graph as a
``networkx.DiGraph``: node ``i`` is the i-th state in BFS order, with its depth and the names of
the invariants it violates; edges carry the actor and the fairness class. :func:`states` draws it:

* up to :data:`DOT_LIMIT` states with ``dot``, each state a small circle with its number and a
  one-line summary (pods running/pending, nodes down), each edge labelled with its actor;
* up to :data:`SFDP_LIMIT` states with ``sfdp`` (``dot`` does not finish on a few hundred
  states), unlabelled;
* beyond that, only the counterexample's neighbourhood (its states and their direct
  successors), with the totals, the number of strongly connected components and the size of the
  largest in the legend.

Marks: ``initial``; ``violated`` on states that break an invariant; the counterexample path
(when one is given) is drawn in red, its last state marked ``stuck`` when it is a stuck state.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Hashable
from typing import Any

import networkx as nx

from kmodel.model import _hook
from kmodel.render.diagram import Diagram, DiagramBuilder

__all__ = ["explore_graph", "states", "DOT_LIMIT", "SFDP_LIMIT"]

#: Largest graph laid out with ``dot`` (with labels).
DOT_LIMIT = 80
#: Largest graph drawn whole (with ``sfdp``); bigger ones are summarised.
SFDP_LIMIT = 1500


def explore_graph(model: Any, *, max_states: int = 5000, symmetry: bool = True) -> tuple[nx.DiGraph, bool]:
    """The reachable state graph, breadth-first, cut at ``max_states``: ``(graph, complete)``."""
    successors = _hook(model, "successors")
    fairness = _hook(model, "fairness")
    rep = _hook(model, "representative") if symmetry else (lambda s: s)
    invariants = [p for p in model.properties() if not p.expectation.is_liveness]
    graph = nx.DiGraph()
    index: dict[Hashable, int] = {}
    queue: deque[tuple[Any, int]] = deque()
    for s in model.init_states():
        key = rep(s)
        if key not in index:
            index[key] = len(index)
            graph.add_node(index[key], state=s, depth=0, initial=True,
                           violated=tuple(p.name for p in invariants if not p.condition(s)))
            queue.append((s, index[key]))
    complete = True
    while queue:
        state, i = queue.popleft()
        for action, nxt in successors(state):
            key = rep(nxt)
            j = index.get(key)
            if j is None:
                if len(index) >= max_states:
                    complete = False
                    continue
                j = index[key] = len(index)
                graph.add_node(j, state=nxt, depth=graph.nodes[i]["depth"] + 1, initial=False,
                               violated=tuple(p.name for p in invariants if not p.condition(nxt)))
                queue.append((nxt, j))
            if i != j and not graph.has_edge(i, j):
                graph.add_edge(i, j, actor=str(getattr(action, "actor", action)), fair=fairness(action) is not None)
        graph.nodes[i]["stuck"] = not any(d["fair"] for _, _, d in graph.out_edges(i, data=True))
    return graph, complete


def _summary(state: Any) -> str:
    cluster = getattr(state, "cluster", None)
    if cluster is None or not hasattr(cluster, "list"):
        text = str(state)
        return text if len(text) <= 24 else text[:21] + "..."
    pods = [p for p in cluster.list("Pod") if not p.metadata.deleting]
    running = sum(1 for p in pods if p.status.phase == "Running")
    pending = sum(1 for p in pods if not p.spec.node_name)
    down = sum(1 for n in cluster.list("Node") if not n.ready)
    parts = [f"{running}/{len(pods)} running"]
    if pending:
        parts.append(f"{pending} pending")
    if down:
        parts.append(f"{down} node{'s' if down > 1 else ''} down")
    return ", ".join(parts)


def _path_ids(graph: nx.DiGraph, path: Any, model: Any, symmetry: bool) -> list[int]:
    if path is None:
        return []
    rep = _hook(model, "representative") if symmetry else (lambda s: s)
    by_key = {rep(d["state"]): n for n, d in graph.nodes(data=True)}
    return [by_key[k] for k in (rep(s) for s in path.states) if k in by_key]


def states(model: Any, *, path: Any = None, stuck_end: bool = False, title: str = "", max_states: int = 5000,
           symmetry: bool = True, graph: tuple[nx.DiGraph, bool] | None = None) -> Diagram:
    """The state-graph diagram (see the module docstring); ``path`` is drawn in red, its last
    state marked ``stuck`` when ``stuck_end``.

    Examples
    --------
    >>> from kmodel.model import Model, always
    >>> class Counter(Model):
    ...     def init_states(self): return [0]
    ...     def actions(self, s): return ["inc", "reset"]
    ...     def next_state(self, s, a):
    ...         if a == "inc": return s + 1 if s < 2 else None
    ...         return 0 if s else None
    ...     def properties(self): return [always("small", lambda s: s < 2)]
    >>> d = states(Counter())
    >>> [n.label for n in d.nodes], d.marked("violated"), d.engine
    (['0', '1', '2'], ['state:2'], 'dot')
    """
    g, complete = graph if graph is not None else explore_graph(model, max_states=max_states, symmetry=symmetry)
    on_path = _path_ids(g, path, model, symmetry)
    path_edges = set(zip(on_path, on_path[1:]))
    n = g.number_of_nodes()
    big = n > DOT_LIMIT
    b = DiagramBuilder("states", title or "explored states", engine="sfdp" if big else "dot")
    keep = set(g.nodes)
    if n > SFDP_LIMIT:
        keep = set(on_path) | {v for u in on_path for v in g.successors(u)} | {u for u, d in g.nodes(data=True)
                                                                             if d["initial"]}
        sccs = list(nx.strongly_connected_components(g))
        b.notes.append(f"{n:,} states, {g.number_of_edges():,} transitions, {len(sccs):,} strongly connected "
                       f"components (largest {max(len(c) for c in sccs):,} states): showing the counterexample's "
                       f"{len(keep):,} states and their successors")
    else:
        b.notes.append(f"{n:,} states, {g.number_of_edges():,} transitions" + ("" if complete else
                       f" (cut at {max_states:,} states)") + (", symmetry reduction on" if symmetry else ""))
    bad: dict[str, list[int]] = defaultdict(list)
    for i in sorted(keep):
        d = g.nodes[i]
        marks = []
        if d["initial"]:
            marks.append("initial")
        if d["violated"]:
            marks.append("violated")
        if stuck_end and on_path and i == on_path[-1]:
            marks.append("stuck")
        label = str(i)
        badges = () if big else (_summary(d["state"]),)
        b.node(f"state:{i}", label, "state" if big else "statebox", badges=badges, marks=marks,
               tooltip=f"depth {d['depth']}" + (f"; violates {', '.join(d['violated'])}" if d["violated"] else ""))
        for name in d["violated"]:
            bad[name].append(i)
    for u, v, d in sorted(g.edges(data=True)):
        if u in keep and v in keep:
            marks = ("violated",) if (u, v) in path_edges else ()
            b.edge(f"state:{u}", f"state:{v}", "" if big else d["actor"], "step", marks=marks)
    for name, ids in sorted(bad.items()):
        shown = ", ".join(map(str, ids[:12])) + (", ..." if len(ids) > 12 else "")
        b.finding("violated", f"state:{ids[0]}", f"{name} is violated in {len(ids)} state{'s' if len(ids) > 1 else ''} "
                  f"({shown})")
    return b.build()
