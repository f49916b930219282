"""``--view trace``: a counterexample as a sequence of steps, each showing only what it changed.

Reads a :class:`~kmodel.check.Path` through :func:`kmodel.report.trace.trace_entries` (the same
entries ``kmodel explore`` prints): one box per step, top to bottom, titled with the step number
and who took it (a controller, the scheduler, the kubelet, a fault, node recovery or a user
edit: each family has its colour), then the action and the object changes, field by field
(``Pod/default/api-3 status.phase: Pending -> Running``; at most ``max_changes`` lines, then a
count; a line longer than :data:`MAX_CHANGE_CHARS` is cut, and a word longer than a box's width
is broken). The first box is the initial state (its objects counted by kind); the last box is the
violation, red, with the property and why it fails there (the model's explanation). A liveness
counterexample that cycles gets a dashed edge back to the step its loop returns to. Marks:
``violated`` on the last box, ``stuck`` when no fair step is left.

Works for any model: actors and changes are read from ``Step`` and cluster states when the model
has them, else from ``describe_action``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from kmodel.check import Path
from kmodel.render.diagram import Diagram, DiagramBuilder
from kmodel.report.trace import trace_entries

__all__ = ["trace", "ACTOR_COLOURS"]

#: Fill per kind of actor.
ACTOR_COLOURS = {"controller": "#e3ecff", "fault": "#ffe1e1", "user": "#efe3ff", "node-recovery": "#e1f5e6",
                 "other": "#f4f4f4"}

_KIND_TEXT = {
    "state": "reached a state that violates it",
    "stuck": "stuck: no controller has anything left to do, and it does not hold",
    "cycle": "a fair cycle in which it never holds",
    "example": "an example",
}


def _actor_family(actor: str, controllers: Sequence[str]) -> str:
    if actor in ("fault", "user", "node-recovery"):
        return actor
    return "controller" if actor in controllers or actor else "other"


#: A change line longer than this is cut (an annotation holding a whole manifest says nothing
#: readable in a box).
MAX_CHANGE_CHARS = 240


def _clip(line: str) -> str:
    """``line``, cut to :data:`MAX_CHANGE_CHARS` with the number of characters left out.

    >>> _clip("x" * 300)[-26:]
    'xxx … (60 more characters)'
    """
    if len(line) <= MAX_CHANGE_CHARS:
        return line
    return f"{line[:MAX_CHANGE_CHARS]} … ({len(line) - MAX_CHANGE_CHARS} more characters)"


def _change_lines(entry: dict[str, Any]) -> list[str]:
    lines = []
    for ch in entry.get("changes", []):
        if ch["change"] != "updated":
            lines.append(f"{ch['object']} {ch['change']}")
        else:
            lines.extend(f"{ch['object']} {f}" for f in ch["fields"])
    return lines


def _summary(state: Any) -> str:
    cluster = getattr(state, "cluster", state)
    if not hasattr(cluster, "objects"):
        return str(state)[:80]
    counts = Counter(o.kind for o in cluster.objects())
    return ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in sorted(counts.items())) or "empty"


def trace(model: Any, path: Path[Any, Any], *, property_name: str, kind: str | None = None,
          explanation: Sequence[str] = (), title: str = "", max_changes: int = 10) -> Diagram:
    """The trace diagram of ``path``, a counterexample to ``property_name`` (see module docstring).

    Examples
    --------
    >>> from kmodel.model import Model, always
    >>> class Counter(Model):
    ...     def init_states(self): return [0]
    ...     def actions(self, s): return ["inc"]
    ...     def next_state(self, s, a): return s + 1 if s < 3 else None
    ...     def properties(self): return [always("below two", lambda s: s < 2)]
    >>> m = Counter()
    >>> p = m.checker().bfs()["below two"].path
    >>> d = trace(m, p, property_name="below two", kind="state")
    >>> [n.id for n in d.nodes], d.marked("violated")
    (['step:000', 'step:001', 'step:002', 'step:violation'], ['step:violation'])
    """
    controllers = [c.name for c in getattr(model, "controllers", ())]
    kind_text = _KIND_TEXT.get(kind or "", "")
    b = DiagramBuilder("trace", title or f"{property_name} violated: {kind_text} after {len(path)} steps")
    entries = trace_entries(model, path)
    b.node("step:000", "initial state", "step", badges=(_summary(path.states[0]),), color=ACTOR_COLOURS["other"])
    prev = "step:000"
    for entry in entries:
        i = entry["step"]
        sid = f"step:{i:03d}"
        actor = entry.get("actor") or ""
        family = _actor_family(actor, controllers)
        action = entry["action"]
        if actor and action.startswith(actor + " "):
            action = action[len(actor) + 1:]
        lines = [_clip(line) for line in _change_lines(entry)]
        if len(lines) > max_changes:
            lines = lines[:max_changes] + [f"... and {len(lines) - max_changes} more changes"]
        b.node(sid, f"{i}. {actor or 'step'}", "step", badges=(action,), detail=lines, color=ACTOR_COLOURS[family],
               marks=("fault",) if family == "fault" else ())
        b.edge(prev, sid, "", "step", weight=10)
        prev = sid
    last = prev
    why = list(explanation)
    end = "step:violation"
    marks = ("violated", "stuck") if kind == "stuck" else ("violated",)
    b.node(end, f"{property_name} violated", "step", badges=(kind_text,) if kind_text else (),
           detail=[f"=> {w}" for w in why], marks=marks)
    b.edge(last, end, "", "step", weight=10)
    b.finding("violated", end, f"{property_name}: " + ("; ".join(why) if why else kind_text or "violated"))
    if path.loop_start is not None and entries:
        target = f"step:{path.loop_start:03d}"
        b.edge(last, target, "loops back (up to renaming of interchangeable pods and nodes)", "loop",
               constraint=False)
    b.notes.append("each box lists only what its step changed; colours: controllers blue, faults red, "
                   "user edits violet, node recovery green")
    return b.build()
