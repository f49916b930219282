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


def main(names: list[str]) -> None:
    specs = [HERE / n for n in names] if names else sorted(p for p in HERE.iterdir() if p.is_dir())
    for spec in specs:
        doc = expected_for(spec)
        (spec / "expected.json").write_text(json.dumps(doc, indent=2) + "\n")
        print(f"{spec.name}: {doc['verdicts']} states {doc['symmetry']['states']} / "
              f"{doc['no_symmetry']['states']} (x{doc['reduction']})")


if __name__ == "__main__":
    main(sys.argv[1:])
