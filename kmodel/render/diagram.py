"""A diagram as data: nodes, edges, nested clusters and findings, independent of any layout.

Every view (:mod:`kmodel.render.architecture`, :mod:`~kmodel.render.workload`,
:mod:`~kmodel.render.traffic`, :mod:`~kmodel.render.trace`, :mod:`~kmodel.render.stategraph`)
builds a :class:`Diagram`; emitters turn it into DOT (:mod:`kmodel.render.dot`) or Mermaid
(:mod:`kmodel.render.mermaid`), and :mod:`kmodel.render.output` into SVG or PNG. Tests assert on
the diagram itself (which nodes, edges, labels and marks), so they do not depend on graphviz's
layout.

* **Ids** come from what a node stands for: ``Kind/namespace/name`` for an object (as
  :class:`~kmodel.objects.meta.ObjectRef` prints it), ``missing:Kind/namespace/name`` for a ghost
  (something referenced that does not exist), ``cluster:...`` for clusters. No id holds a path or
  anything that varies between runs.
* **Marks** are findings drawn on a node or edge: ``missing`` (a ghost, red dashed),
  ``unschedulable``, ``no-ready-endpoints``, ``overcommitted``, ``not-ready``, ``terminating``,
  ``pdb-blocked``, ``violated``, ``finding`` (any ``kmodel check`` finding) and a few more; each
  view's docstring lists those it uses. :data:`ALERT_MARKS` are drawn in red.
* **Sorted**: :meth:`DiagramBuilder.build` sorts nodes, edges and clusters by id, so the same
  input gives the same diagram whatever order it was built in.

Examples
--------
>>> b = DiagramBuilder("workload", "shop")
>>> b.cluster("cluster:ns/shop", "namespace shop", "namespace")
>>> b.node("Service/shop/web", "web", "Service", cluster="cluster:ns/shop")
>>> b.ghost("Service/shop/web", "Service", "shop", "api", label="backend /api")
'missing:Service/shop/api'
>>> d = b.build()
>>> [n.id for n in d.nodes], d.node("missing:Service/shop/api").label
(['Service/shop/web', 'missing:Service/shop/api'], 'missing: Service/api')
>>> [(e.src, e.dst, e.marks) for e in d.edges]
[('Service/shop/web', 'missing:Service/shop/api', ('missing',))]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from kmodel.errors import InvalidArgument

__all__ = ["Node", "Edge", "Cluster", "Finding", "Diagram", "DiagramBuilder", "ALERT_MARKS", "ghost_id"]

#: Marks drawn in red: something is wrong there.
ALERT_MARKS = frozenset({
    "missing", "unschedulable", "no-ready-endpoints", "overcommitted", "violated", "pdb-blocked",
    "selects-nothing", "port-unresolved", "finding", "dropped", "not-ready-node",
})


@dataclass(frozen=True)
class Node:
    """A box (or ellipse, or point) on the diagram.

    ``kind`` selects the style (an object kind such as ``"Deployment"``, or ``"component"``,
    ``"agent"``, ``"ghost"``, ``"state"``, ``"step"``, ``"client"``, ``"loadbalancer"``...).
    ``badges`` are short facts shown under the label (``"×3 replicas"``); ``detail`` longer
    left-aligned lines (a trace step's changes); ``count`` the number of objects a collapsed
    node stands for.
    """

    id: str
    label: str
    kind: str
    cluster: str = ""
    badges: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()
    detail: tuple[str, ...] = ()
    count: int = 1
    tooltip: str = ""
    color: str = ""

    @property
    def alert(self) -> bool:
        return any(m in ALERT_MARKS for m in self.marks)


@dataclass(frozen=True)
class Edge:
    """An arrow; ``kind`` is its meaning (``owns``, ``selects``, ``routes``, ``references``,
    ``targets``, ``step``, ``watches``...), which selects the style. Edges of kind ``layout``
    are invisible: they only order boxes (a worker node's pods in rows, workloads below nodes).
    ``minlen`` is the least number of ranks ``dot`` puts between its ends; ``lhead`` a cluster
    whose border the arrow stops at (so it does not run over the cluster's label)."""

    src: str
    dst: str
    label: str = ""
    kind: str = ""
    marks: tuple[str, ...] = ()
    weight: int = 1
    constraint: bool = True
    minlen: int = 1
    lhead: str = ""

    @property
    def alert(self) -> bool:
        return any(m in ALERT_MARKS for m in self.marks)


@dataclass(frozen=True)
class Cluster:
    """A box around nodes and other clusters (namespace, zone, subnet, worker node...)."""

    id: str
    label: str
    kind: str
    parent: str = ""
    badges: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()

    @property
    def alert(self) -> bool:
        return any(m in ALERT_MARKS for m in self.marks)


@dataclass(frozen=True, order=True)
class Finding:
    """Something wrong, drawn on ``subject`` (a node id) and listed in the legend."""

    mark: str
    subject: str
    message: str


@dataclass(frozen=True)
class Diagram:
    """A built diagram: everything sorted, ready to emit.

    ``engine`` is the graphviz layout program (``dot`` or ``sfdp``), ``rankdir`` the direction
    of ``dot``'s ranks, ``notes`` lines for the legend (what was collapsed or summarised),
    ``icons`` whether boxes carry the icon of their kind (:mod:`kmodel.render.icons`).
    """

    view: str
    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...]
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    rankdir: str = "TB"
    engine: str = "dot"
    same_rank: tuple[tuple[str, ...], ...] = ()
    icons: bool = False
    _index: dict[str, Node] = field(default_factory=dict, repr=False, compare=False, init=False)

    def __post_init__(self) -> None:
        self._index.update({n.id: n for n in self.nodes})

    def node(self, node_id: str) -> Node | None:
        """The node with ``node_id``, or ``None``."""
        return self._index.get(node_id)

    def cluster(self, cluster_id: str) -> Cluster | None:
        return next((c for c in self.clusters if c.id == cluster_id), None)

    def nodes_of(self, kind: str) -> list[Node]:
        return [n for n in self.nodes if n.kind == kind]

    def edges_from(self, src: str) -> list[Edge]:
        return [e for e in self.edges if e.src == src]

    def edges_to(self, dst: str) -> list[Edge]:
        return [e for e in self.edges if e.dst == dst]

    def edge(self, src: str, dst: str) -> Edge | None:
        return next((e for e in self.edges if e.src == src and e.dst == dst), None)

    def marked(self, mark: str) -> list[str]:
        """Ids of nodes and clusters carrying ``mark``."""
        out = [n.id for n in self.nodes if mark in n.marks]
        out += [c.id for c in self.clusters if mark in c.marks]
        return sorted(out)

    def ancestors(self, node_id: str) -> list[str]:
        """Cluster ids around a node, innermost first."""
        node = self.node(node_id)
        out: list[str] = []
        cur = node.cluster if node is not None else ""
        by_id = {c.id: c for c in self.clusters}
        while cur:
            out.append(cur)
            cur = by_id[cur].parent if cur in by_id else ""
        return out


def ghost_id(kind: str, namespace: str, name: str) -> str:
    """The id of the ghost node standing for a missing object.

    >>> ghost_id("Service", "shop", "api")
    'missing:Service/shop/api'
    """
    return f"missing:{kind}/{namespace}/{name}" if namespace else f"missing:{kind}/{name}"


def _merge(a: tuple[str, ...], b: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(a) | set(b)))


class DiagramBuilder:
    """Collects nodes, edges, clusters and findings; :meth:`build` sorts them into a Diagram.

    Adding a node twice merges its badges and marks (the label of the first stays); an edge
    between the same two nodes with the same kind and label is kept once.
    """

    def __init__(self, view: str, title: str, *, rankdir: str = "TB", engine: str = "dot") -> None:
        self.view = view
        self.title = title
        self.rankdir = rankdir
        self.engine = engine
        self._nodes: dict[str, Node] = {}
        self._edges: dict[tuple[str, str, str, str], Edge] = {}
        self._clusters: dict[str, Cluster] = {}
        self._findings: set[Finding] = set()
        self._ranks: list[tuple[str, ...]] = []
        self.notes: list[str] = []

    def same_rank(self, ids: Iterable[str]) -> None:
        """Lay ``ids`` out on one rank (``dot`` only; ignored by other layouts)."""
        group = tuple(sorted(set(ids)))
        if len(group) > 1:
            self._ranks.append(group)

    def has(self, node_id: str) -> bool:
        return node_id in self._nodes

    def get(self, node_id: str) -> Node | None:
        return self._nodes.get(node_id)

    def grid(self, ids: list[str], columns: int) -> None:
        """Invisible edges that stack ``ids`` in rows of ``columns`` (``dot`` ranks them)."""
        for i in range(len(ids) - columns):
            self.edge(ids[i], ids[i + columns], "", "layout")

    def findings(self) -> list[Finding]:
        return sorted(self._findings)

    def nodes(self) -> list[Node]:
        """The nodes added so far, sorted by id."""
        return sorted(self._nodes.values(), key=lambda n: n.id)

    def has_cluster(self, cluster_id: str) -> bool:
        return cluster_id in self._clusters

    def cluster(self, cluster_id: str, label: str, kind: str, *, parent: str = "",
                badges: Iterable[str] = (), marks: Iterable[str] = ()) -> None:
        if parent and parent not in self._clusters:
            raise InvalidArgument(f"cluster {cluster_id!r}: parent {parent!r} is not a cluster")
        old = self._clusters.get(cluster_id)
        if old is not None:
            self._clusters[cluster_id] = replace(old, badges=old.badges + tuple(b for b in badges if b not in old.badges),
                                                 marks=_merge(old.marks, marks))
            return
        self._clusters[cluster_id] = Cluster(cluster_id, label, kind, parent, tuple(badges), _merge((), marks))

    def node(self, node_id: str, label: str, kind: str, *, cluster: str = "", badges: Iterable[str] = (),
             marks: Iterable[str] = (), detail: Iterable[str] = (), count: int = 1, tooltip: str = "",
             color: str = "") -> None:
        if cluster and cluster not in self._clusters:
            raise InvalidArgument(f"node {node_id!r}: {cluster!r} is not a cluster")
        old = self._nodes.get(node_id)
        if old is not None:
            self._nodes[node_id] = replace(old, badges=old.badges + tuple(b for b in badges if b not in old.badges),
                                           marks=_merge(old.marks, marks))
            return
        self._nodes[node_id] = Node(node_id, label, kind, cluster, tuple(badges), _merge((), marks), tuple(detail),
                                    count, tooltip, color)

    def mark(self, node_id: str, mark: str, message: str = "") -> None:
        """Put ``mark`` on a node (or cluster) and, with a message, list it as a finding."""
        if node_id in self._nodes:
            old = self._nodes[node_id]
            self._nodes[node_id] = replace(old, marks=_merge(old.marks, (mark,)))
        elif node_id in self._clusters:
            old_c = self._clusters[node_id]
            self._clusters[node_id] = replace(old_c, marks=_merge(old_c.marks, (mark,)))
        else:
            raise InvalidArgument(f"mark {mark!r}: no node or cluster {node_id!r}")
        if message:
            self._findings.add(Finding(mark, node_id, message))

    def edge(self, src: str, dst: str, label: str = "", kind: str = "", *, marks: Iterable[str] = (),
             weight: int = 1, constraint: bool = True, minlen: int = 1, lhead: str = "") -> None:
        for end in (src, dst):
            if end not in self._nodes:
                raise InvalidArgument(f"edge {src!r} -> {dst!r}: no node {end!r}")
        key = (src, dst, kind, label)
        old = self._edges.get(key)
        if old is not None:
            self._edges[key] = replace(old, marks=_merge(old.marks, marks))
            return
        self._edges[key] = Edge(src, dst, label, kind, _merge((), marks), weight, constraint, minlen, lhead)

    def ghost(self, src: str, kind: str, namespace: str, name: str, *, label: str = "", cluster: str = "",
              message: str = "") -> str:
        """A red dashed edge from ``src`` to a ghost node "missing: Kind/name"; returns its id."""
        gid = ghost_id(kind, namespace, name)
        self.node(gid, f"missing: {kind}/{name}", "ghost", cluster=cluster, marks=("missing",),
                  badges=(f"namespace {namespace}",) if namespace and not cluster else ())
        self.edge(src, gid, label, "references", marks=("missing",))
        self._findings.add(Finding("missing", gid, message or f"{src} refers to {kind}/{name}, which does not exist"))
        return gid

    def finding(self, mark: str, subject: str, message: str) -> None:
        self._findings.add(Finding(mark, subject, message))

    def build(self) -> Diagram:
        return Diagram(
            view=self.view,
            title=self.title,
            nodes=tuple(sorted(self._nodes.values(), key=lambda n: n.id)),
            edges=tuple(sorted(self._edges.values(), key=lambda e: (e.src, e.dst, e.kind, e.label))),
            clusters=tuple(sorted(self._clusters.values(), key=lambda c: c.id)),
            findings=tuple(sorted(self._findings)),
            notes=tuple(self.notes),
            rankdir=self.rankdir,
            engine=self.engine,
            same_rank=tuple(sorted(self._ranks)),
        )
