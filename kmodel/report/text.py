"""Plain-text and JSON renderings of an exploration result."""

from __future__ import annotations

import json
from typing import Any

from kmodel.check import CheckResult
from kmodel.report.trace import trace_entries

__all__ = ["explore_text", "explore_json", "explore_dict"]

_KIND_TEXT = {
    "state": "reached a state that violates it",
    "stuck": "reached a state where no controller has anything left to do, and it does not hold there",
    "cycle": "a fair cycle in which it never settles",
    "example": "an example",
}


def explore_dict(model: Any, result: CheckResult, *, name: str = "", expect: dict[str, str] | None = None,
                 unstable: Any = None) -> dict[str, Any]:
    """The JSON document of ``kmodel explore --format json``."""
    props: dict[str, Any] = {}
    for pname, r in result.properties.items():
        entry: dict[str, Any] = {"verdict": r.verdict, "expectation": r.expectation.value}
        if r.kind:
            entry["kind"] = r.kind
        if r.reason:
            entry["reason"] = r.reason
        if r.path is not None:
            entry["trace"] = trace_entries(model, r.path)
            if r.path.loop_start is not None:
                entry["loop_start"] = r.path.loop_start
            if unstable is not None and r.kind in ("stuck", "state", "cycle"):
                why = unstable(pname, r.path.last_state)
                if why:
                    entry["why"] = why
        if expect and pname in expect:
            entry["expected"] = expect[pname]
        props[pname] = entry
    s = result.stats
    doc: dict[str, Any] = {
        "verdict": result.verdict,
        "properties": props,
        "stats": {
            "states": s.states,
            "transitions": s.transitions,
            "depth": s.depth,
            "seconds": round(s.seconds, 3),
            "states_per_second": round(s.states_per_second),
            "strategy": s.strategy,
            "symmetry": s.symmetry,
            "complete": s.complete,
        },
    }
    if s.cut:
        doc["stats"]["cut"] = s.cut
    if name:
        doc = {"spec": name, **doc}
    return doc


def explore_json(model: Any, result: CheckResult, **kw: Any) -> str:
    return json.dumps(explore_dict(model, result, **kw), indent=2, sort_keys=False) + "\n"


def explore_text(model: Any, result: CheckResult, **kw: Any) -> str:
    doc = explore_dict(model, result, **kw)
    lines = []
    if "spec" in doc:
        lines.append(f"spec {doc['spec']}")
    for pname, entry in doc["properties"].items():
        verdict = entry["verdict"]
        line = f"  {verdict.upper():<10} {pname} ({entry['expectation']})"
        if "expected" in entry and entry["expected"] != verdict:
            line += f"  [expected {entry['expected']}]"
        if entry.get("reason") and verdict == "incomplete":
            line += f": {entry['reason']}"
        lines.append(line)
    for pname, entry in doc["properties"].items():
        if "trace" not in entry or entry["verdict"] == "holds":
            continue
        lines.append("")
        kind = _KIND_TEXT.get(entry.get("kind", ""), "")
        lines.append(f"{pname}: {kind} after {len(entry['trace'])} steps:")
        lines.extend(_trace_lines(entry["trace"], entry.get("loop_start")))
        for why in entry.get("why", []):
            lines.append(f"  => {why}")
    s = doc["stats"]
    lines.append("")
    complete = "complete" if s["complete"] else f"INCOMPLETE ({s.get('cut', 'bounded')})"
    lines.append(f"{s['states']:,} states, {s['transitions']:,} transitions, depth {s['depth']}, "
                 f"{s['seconds']:.2f} s ({s['states_per_second']:,} states/s), {s['strategy']}, "
                 f"symmetry {'on' if s['symmetry'] else 'off'}, {complete}")
    lines.append(f"verdict: {doc['verdict']}" + (
        " (a bound cut the search: nothing is claimed to hold)" if doc["verdict"] == "incomplete" else ""))
    return "\n".join(lines) + "\n"


def _trace_lines(trace: list[dict[str, Any]], loop_start: int | None) -> list[str]:
    lines = []
    for entry in trace:
        if loop_start is not None and entry["step"] == loop_start + 1:
            lines.append("  -- cycle starts here --")
        lines.append(f"  {entry['step']:>3}. {entry['action']}")
        for ch in entry.get("changes", []):
            if ch["change"] != "updated":
                lines.append(f"         {ch['object']} {ch['change']}")
            else:
                for f in ch["fields"]:
                    lines.append(f"         {ch['object']} {f}")
    if loop_start is not None:
        lines.append(f"  -- back to the state after step {loop_start} (up to renaming of interchangeable pods and nodes) --")
    return lines
