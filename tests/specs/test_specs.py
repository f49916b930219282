"""Every bundled spec gives its pinned verdicts and state counts (``specs/*/expected.json``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import kmodel
from kmodel.properties import explain

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted(p for p in (ROOT / "specs").iterdir() if (p / "expected.json").exists())


def _run(spec: Path, symmetry: bool):
    loaded = kmodel.load_spec([str(spec)])
    sc = loaded.scenario
    result = (loaded.model.checker().symmetry(symmetry).max_depth(sc.max_depth).max_states(sc.max_states)
              .progress(False).bfs())
    return loaded, result


@pytest.mark.parametrize("spec", SPECS, ids=[p.name for p in SPECS])
def test_spec_matches_expected(spec):
    expected = json.loads((spec / "expected.json").read_text())
    loaded, reduced = _run(spec, True)
    _, full = _run(spec, False)
    for result, counts in ((reduced, expected["symmetry"]), (full, expected["no_symmetry"])):
        assert {k: v.verdict for k, v in result.properties.items()} == expected["verdicts"]
        assert result.stats.states == counts["states"]
        assert result.stats.depth == counts["depth"]
        assert result.stats.transitions == counts["transitions"]
    assert loaded.scenario.expect == {k: v for k, v in expected["verdicts"].items() if k in loaded.scenario.expect}
    assert round(full.stats.states / reduced.stats.states, 2) == expected["reduction"]
    for name, res in reduced.properties.items():
        if res.verdict == "violated":
            path = res.path
            assert len(path) == expected["trace_length"][name]
            assert path.replays(loaded.model), f"{name}: trace does not replay"
            prop = next(p for p in loaded.model.properties() if p.name == name)
            if res.kind in ("state", "stuck"):
                assert not prop.condition(path.last_state)
                why = getattr(loaded.model, "explain", None) or explain  # numeric models explain themselves
                assert why(name, path.last_state), "a violation comes with an explanation"


def test_symmetry_reduces_a_spec_with_three_identical_nodes_and_replicas():
    expected = json.loads((ROOT / "specs/replicaset-node-crash/expected.json").read_text())
    assert expected["reduction"] > 5


def _explore_json(spec: Path, seed: str) -> dict:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    out = subprocess.run([sys.executable, "-m", "kmodel.cli", "explore", str(spec), "--format", "json"],
                         capture_output=True, text=True, env=env, cwd=ROOT)
    assert out.returncode in (0, 1), out.stderr
    doc = json.loads(out.stdout)
    for key in ("seconds", "states_per_second"):
        doc["stats"].pop(key)
    return doc


@pytest.mark.parametrize("spec", [ROOT / "specs/replicaset-capacity-short", ROOT / "specs/pinned-pod-overcommit"],
                         ids=["capacity-short", "pinned-pod"])
def test_output_is_identical_across_hash_seeds(spec):
    assert _explore_json(spec, "1") == _explore_json(spec, "4242")
