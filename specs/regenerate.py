"""Regenerate ``specs/*/expected.json`` after an intended change of the model.

    python specs/regenerate.py            # every spec
    python specs/regenerate.py NAME...    # some

Review the diff before committing: a changed verdict or state count must be explained.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import kmodel

HERE = Path(__file__).resolve().parent


def expected_for(spec: Path) -> dict:
    loaded = kmodel.load_spec([str(spec)])
    sc = loaded.scenario
    doc: dict = {"spec": spec.name}
    results = {}
    for key, symmetry in (("symmetry", True), ("no_symmetry", False)):
        r = (loaded.model.checker().symmetry(symmetry).max_depth(sc.max_depth).max_states(sc.max_states)
             .progress(False).bfs())
        results[key] = r
        doc[key] = {"states": r.stats.states, "transitions": r.stats.transitions, "depth": r.stats.depth}
    reduced = results["symmetry"]
    doc["verdicts"] = {k: v.verdict for k, v in reduced.properties.items()}
    doc["trace_length"] = {k: len(v.path) for k, v in reduced.properties.items() if v.verdict == "violated"}
    doc["reduction"] = round(results["no_symmetry"].stats.states / reduced.stats.states, 2)
    return doc


def schedule_expected_for(spec: Path) -> dict:
    """What ``kmodel schedule`` pins for a spec that has a ``schedule.json``: the verdict, the
    finding ids, the pods the greedy scheduler strands, the node and zone losses that fail."""
    from kmodel.smt.placement import problem_from_objects
    from kmodel.smt.scheduling import schedule_analysis

    from kmodel.scenario import _spec_files

    loaded = kmodel.load(_spec_files([str(spec)]))
    analysis = schedule_analysis(problem_from_objects(loaded.objects))
    tol = analysis.tolerance
    return {
        "spec": spec.name,
        "verdict": analysis.result.status,
        "findings": [f.id for f in analysis.findings],
        "greedy_pending": [p.metadata.name for p in analysis.greedy.greedy.pending] if analysis.greedy else [],
        "node_loss_failing": [r.name for r in tol.failing("node")] if tol else [],
        "zone_loss_failing": [r.name for r in tol.failing("zone")] if tol else [],
    }


def main(names: list[str]) -> None:
    specs = [HERE / n for n in names] if names else sorted(p for p in HERE.iterdir() if p.is_dir())
    for spec in specs:
        doc = expected_for(spec)
        (spec / "expected.json").write_text(json.dumps(doc, indent=2) + "\n")
        print(f"{spec.name}: {doc['verdicts']} states {doc['symmetry']['states']} / "
              f"{doc['no_symmetry']['states']} (x{doc['reduction']})")
        if (spec / "schedule.json").exists():  # specs about placement also pin `kmodel schedule`
            sched = schedule_expected_for(spec)
            (spec / "schedule.json").write_text(json.dumps(sched, indent=2) + "\n")
            print(f"{spec.name}: schedule {sched['verdict']} {sched['findings']}")


if __name__ == "__main__":
    main(sys.argv[1:])
