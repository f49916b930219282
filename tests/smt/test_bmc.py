"""Bounded model checking: the same verdicts and counterexample lengths as breadth-first search,
counterexamples replayed, models without an encoding refused by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kmodel
from kmodel.errors import EncodingUnsupported, InvalidArgument
from kmodel.smt import encode
from kmodel.smt.bmc import ReplayMismatch, bmc
from kmodel.smt.models import DisruptionBudget, HPALegacyNormalization, ReplicaSetExpectations, RollingUpdate

ROOT = Path(__file__).resolve().parents[2]

#: (id, model, depth): BFS and BMC must agree at this depth.
DIFFERENTIAL = [
    ("replicaset-fast-informer", ReplicaSetExpectations(replicas=(0, 2), burst=2, api_errors=(0, 1), max_losses=(0, 1)), 5),
    ("replicaset-slow-informer", ReplicaSetExpectations(replicas=(1, 2), burst=2, slow_informer=1), 4),
    ("rolling-update", RollingUpdate(replicas=(1, 2), max_surge=(0, 1), max_unavailable=(0, 1)), 4),
    ("rolling-update-failure", RollingUpdate(replicas=2, max_surge=1, max_unavailable=0, max_failures=1), 4),
    ("hpa", HPALegacyNormalization(min_replicas=(1, 3), max_replicas=(2, 6), current=(0, 4), max_metric=5), 3),
    ("pdb", DisruptionBudget(replicas=(1, 3), pdb_kind=(0, 3), pdb_value=(0, 3), max_failures=(0, 1)), 4),
]


def _verdicts(result):
    return {k: (v.verdict, len(v.path) if v.path is not None else None) for k, v in result.properties.items()}


@pytest.mark.parametrize("model,depth", [c[1:] for c in DIFFERENTIAL], ids=[c[0] for c in DIFFERENTIAL])
def test_bmc_and_bfs_agree_at_the_same_depth(model, depth):
    bfs = model.checker().max_depth(depth).bfs()
    smt = model.checker().smt(depth=depth)
    for name, res in bfs.properties.items():
        mine = smt[name]
        if res.verdict == "violated" or mine.verdict == "violated":
            assert (mine.verdict, len(mine.path)) == (res.verdict, len(res.path)), name
        elif res.path is not None and res.kind == "example":  # a sometimes property: same shortest example
            assert mine.verdict == "holds" and len(mine.path) == len(res.path), name
        elif mine.verdict == "holds":
            assert res.verdict == "holds", name  # BMC says holds only when exhausted
        else:
            assert mine.verdict == "incomplete" and res.verdict in ("incomplete", "holds"), name
    for res in smt.properties.values():
        if res.path is not None:
            assert res.path.replays(model.fix(res.path.states[0]))


NUMERIC_SPECS = sorted(p for p in (ROOT / "specs").iterdir()
                       if (p / "scenario.yaml").exists() and "model:" in (p / "scenario.yaml").read_text())


@pytest.mark.parametrize("spec", NUMERIC_SPECS, ids=[p.name for p in NUMERIC_SPECS])
def test_bundled_specs_give_the_same_verdicts_with_both_engines(spec):
    """Every bundled spec the SMT engine supports: same verdict at the same depth, same length."""
    loaded = kmodel.load_spec([str(spec)])
    depth = min(loaded.scenario.max_depth or 5, 5)
    bfs = loaded.model.checker().max_depth(depth).bfs()
    smt = loaded.model.checker().smt(depth)
    for name, res in bfs.properties.items():
        if res.verdict == "violated":
            assert smt[name].verdict == "violated" and len(smt[name].path) == len(res.path)
        else:
            assert smt[name].verdict != "violated"
    expected = json.loads((spec / "expected.json").read_text())
    for name, length in expected["trace_length"].items():
        if length <= depth:
            assert len(smt[name].path) == length


def test_exhausted_search_holds():
    m = ReplicaSetExpectations(replicas=(0, 2), burst=2)
    r = m.checker().smt(depth=8)
    assert r["replicas-bounded"].verdict == "holds" and r.stats.complete
    assert m.checker().bfs()["replicas-bounded"].verdict == "holds"


def test_bounded_search_is_incomplete_never_holds():
    r = ReplicaSetExpectations(replicas=(0, 10_000), api_errors=1).checker().smt(depth=2)
    assert r["replicas-bounded"].verdict == "incomplete"
    assert "within 2 steps" in r["replicas-bounded"].reason
    assert r.verdict == "incomplete" and not r.stats.complete and r.stats.strategy == "smt"


def test_symbolic_parameters_come_back_concrete():
    r = ReplicaSetExpectations(replicas=(1, 10_000), slow_informer=1).checker().smt(depth=3)
    path = r["replicas-bounded"].path
    assert 1 <= path.states[0].replicas <= 10_000
    assert path.last_state.pods > path.states[0].replicas


def test_a_counterexample_that_does_not_replay_is_an_internal_error(monkeypatch):
    """A decoding (or encoding) bug must surface as an internal error, never as a violation."""

    original = encode.Encoding.decode_state

    def corrupt(self, zmodel, t):
        s = original(self, zmodel, t)
        return s._replace(pods=s.pods + 7) if t == 1 else s

    monkeypatch.setattr(encode.Encoding, "decode_state", corrupt)
    with pytest.raises(ReplayMismatch, match="internal error: the SMT counterexample .* does not replay at step"):
        bmc(ReplicaSetExpectations(replicas=(1, 3), slow_informer=1), depth=3)


def test_models_without_an_encoding_are_refused_by_name():
    spec = kmodel.load_spec([str(ROOT / "specs/replicaset-capacity-short")])
    with pytest.raises(EncodingUnsupported, match=r"ClusterModel \(controllers: .*replicaset-controller.*\) has no SMT encoding"):
        spec.model.checker().smt(depth=2)


def test_smt_needs_a_depth():
    with pytest.raises(InvalidArgument, match="smt\\(\\) needs a depth"):
        ReplicaSetExpectations().checker().smt()
    assert ReplicaSetExpectations().checker().max_depth(1).smt().stats.depth <= 1


def test_bit_vector_reading_gives_the_same_counterexample_length():
    m = ReplicaSetExpectations(replicas=(1, 3), burst=2, slow_informer=1)
    assert len(bmc(m, depth=4, width=32)["replicas-bounded"].path) == 3
