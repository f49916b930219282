"""``kmodel schedule`` reports: text and JSON. Deterministic (timings only under ``stats``).

JSON schema (stable; additions only)::

    {"kmodel": VERSION, "verdict": "feasible" | "infeasible" | "unknown",
     "summary": {"pods", "workloads", "nodes", "zones"},
     "findings": [{"id", "severity", "message", "objects": [{"kind", "namespace", "name"}],
                   "details": {...}}],
     "placement": [{"pod", "namespace", "workload", "node"}],   # in a binding order that passes
                                                               # every Filter plugin
     "greedy": {"bound": [[pod, node]], "pending": [pod]} | null,
     "tolerance": {"nodes": [{"lost", "verdict", "placeable", "pending"}], "zones": [...]} | null,
     "notes": [text], "stats": {...}}
"""

from __future__ import annotations

import json
from typing import Any

from kmodel.objects.meta import ObjectRef
from kmodel.objects.nodes import ZONE_LABEL

__all__ = ["schedule_text", "schedule_json", "VERSION"]

VERSION = "0.1.0"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _ref(ref: ObjectRef) -> dict[str, str]:
    return {"kind": ref.kind, "namespace": ref.namespace, "name": ref.name}


def _zones(analysis: Any) -> list[str]:
    return sorted({z for n in analysis.problem.state.list("Node") if (z := n.metadata.label(ZONE_LABEL))})


def _placement(analysis: Any) -> list[dict[str, str]]:
    by_name = {p.metadata.name: (g, p) for g in analysis.problem.groups for p in g.pods}
    out = []
    for pod, node in analysis.result.order:
        g, p = by_name[pod]
        out.append({"pod": pod, "namespace": p.metadata.namespace,
                    "workload": g.label if g.workload is not None else "", "node": node})
    return out


def schedule_json(analysis: Any, *, name: str = "") -> str:
    r = analysis.result
    problem = analysis.problem
    doc: dict[str, Any] = {
        "kmodel": VERSION,
        "input": name,
        "verdict": r.status,
        "summary": {"pods": problem.pending, "workloads": len(problem.groups),
                    "nodes": len(problem.state.list("Node")), "zones": len(_zones(analysis))},
        "findings": [{"id": f.id, "severity": f.severity, "message": f.message,
                      "objects": [_ref(o) for o in f.objects], "details": f.details}
                     for f in analysis.findings],
        "placement": _placement(analysis),
        "greedy": None,
        "tolerance": None,
        "notes": list(analysis.notes),
        "stats": dict(r.stats),
    }
    if analysis.greedy is not None:
        run = analysis.greedy.greedy
        doc["greedy"] = {"bound": [[p.metadata.name, n] for p, n in run.bound],
                         "pending": [p.metadata.name for p in run.pending]}
    if analysis.tolerance is not None:
        def rows(items: Any) -> list[dict[str, Any]]:
            return [{"lost": list(x.lost), "name": x.name, "verdict": x.result.status,
                     "placeable": x.result.placeable if not x.result.feasible else x.result.pending,
                     "pending": x.result.pending} for x in items]
        doc["tolerance"] = {"nodes": rows(analysis.tolerance.nodes), "zones": rows(analysis.tolerance.zones)}
    return json.dumps(doc, indent=2) + "\n"


def schedule_text(analysis: Any, *, name: str = "") -> str:
    r = analysis.result
    problem = analysis.problem
    zones = _zones(analysis)
    lines = [f"schedule {name}".rstrip()]
    n_nodes = len(problem.state.list("Node"))
    where = _plural(n_nodes, "node") + (f" in {_plural(len(zones), 'zone')}" if zones else "")
    workloads = len({g.label for g in problem.groups})
    lines.append(f"  {_plural(problem.pending, 'pending pod')} of {_plural(workloads, 'workload')} on {where}: "
                 f"{r.status.upper()}")
    if r.feasible and r.order:
        per_node: dict[str, list[str]] = {}
        for pod, node in r.order:
            per_node.setdefault(node, []).append(pod)
        lines.append("  placement (a binding order that passes every filter; pods per node):")
        for node in sorted(per_node):
            lines.append(f"    {node}: {', '.join(per_node[node])}")
    if analysis.greedy is not None:
        run = analysis.greedy.greedy
        if run.pending:
            lines.append(f"  greedy: the default scheduler leaves {_plural(len(run.pending), 'pod')} pending: "
                         f"{', '.join(p.metadata.name for p in run.pending)}")
        else:
            lines.append("  greedy: the default scheduler places every pod")
    if analysis.tolerance is not None:
        tol = analysis.tolerance
        bad = tol.failing("node")
        lines.append("  node loss: " + ("survives the loss of any single node" if not bad else
                                         "cannot lose " + ", ".join(x.name for x in bad)))
        if tol.zones:
            badz = tol.failing("zone")
            lines.append(f"  zone loss: {'survives the loss of any single zone' if not badz else 'cannot lose zone ' + ', '.join(z.name for z in badz)}")
    if analysis.findings:
        lines.append("")
        for f in analysis.findings:
            lines.append(f"{f.severity} {f.id}: {f.message}")
    for note in analysis.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"
