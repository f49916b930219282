"""``kmodel prove``: the bundled theorems, exit codes, reports, and bad theorem files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kmodel.cli import cli
from kmodel.errors import InvalidArgument
from kmodel.smt.models import ReplicaSetExpectations
from kmodel.smt.proofs import Theorem, load_theorems, prove

ROOT = Path(__file__).resolve().parents[2]


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_every_bundled_theorem_has_its_expected_outcome_within_a_minute():
    start = time.monotonic()
    r = run("prove", str(ROOT / "proofs"), "--format", "json")
    seconds = time.monotonic() - start
    doc = json.loads(r.output)
    assert r.exit_code == 0, [t for t in doc["theorems"] if not t["ok"]]
    assert doc["ok"] and seconds < 60
    names = {t["name"]: t for t in doc["theorems"]}
    for required in ("rolling-update-bounds", "fenceposts-resolve-to-int32", "replicaset-never-exceeds-replicas",
                     "pdb-eviction-respects-desired-healthy",
                     "hpa-legacy-scale-up-limit", "rolling-update-bounds-with-template-change",
                     "proportional-scaling-bounds", "replica-set-fraction-bounds",
                     "rolling-update-bounds-on-any-cluster"):
        assert required in names and names[required]["outcome"] == "proved", required
    for refuted in ("fenceposts-int32-wrap", "proportional-scaling-int32-product", "replicaset-exceeds-replicas-past-expiry",
                    "rolling-update-stalls-on-a-full-cluster"):
        assert names[refuted]["outcome"] == "refuted", refuted
    for t in doc["theorems"]:
        assert t["assumptions"] and t["upstream"], t["name"]
        if t["outcome"] == "refuted":
            assert t["counterexample"]["parameters"], t["name"]
    assert names["replicaset-exceeds-replicas-past-expiry"]["smallest"] == {"replicas": 1}
    assert names["pdb-stale-status-after-node-failure"]["smallest"] == {"replicas": 2, "max_failures": 1}
    stalled = names["rolling-update-stalls-on-a-full-cluster"]
    assert "stuck" in stalled["reason"] and "loop_start" not in stalled["counterexample"]
    assert names["proportional-scaling-bounds"]["method"] == "k-induction"


def test_the_prove_run_takes_well_under_a_minute_of_cpu():
    """``kmodel prove proofs/`` within 60 s on one core: measured as this process's CPU time."""
    start = time.process_time()
    r = run("prove", str(ROOT / "proofs"))
    assert r.exit_code == 0
    assert time.process_time() - start < 30


def test_text_report_says_proved_refuted_and_replayed():
    r = run("prove", str(ROOT / "proofs/replicaset_expectations.py"))
    assert r.exit_code == 0
    assert "PROVED    replicaset-never-exceeds-replicas (k-induction, k=1" in r.output
    assert "REFUTED   replicaset-exceeds-replicas-past-expiry" in r.output
    assert "counterexample to replicas-bounded after 3 steps (replayed):" in r.output
    assert "assumes: informer delay shorter than ExpectationsTimeout (5 min)" in r.output
    assert "2 theorems: 2 as expected (1 proved, 1 refuted), 0 differ" in r.output


def _write(tmp_path, text, name="t.py"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


HEADER = "from kmodel.smt.proofs import Theorem\nfrom kmodel.smt.models import ReplicaSetExpectations\n"


def test_an_outcome_other_than_expected_exits_1(tmp_path):
    path = _write(tmp_path, HEADER + (
        "THEOREMS = [Theorem('wrong', 'claims a refutation that is a proof',\n"
        "    ReplicaSetExpectations(replicas=(0, 5)), ('replicas-bounded',), expect='refuted',\n"
        "    invariants='model', depth=3)]\n"))
    r = run("prove", path)
    assert r.exit_code == 1
    assert "PROVED    wrong" in r.output and "[expected refuted]" in r.output


def test_unknown_outcome_exits_1_with_the_counterexample_to_induction(tmp_path):
    path = _write(tmp_path, HEADER + (
        "THEOREMS = [Theorem('weak', 'no strengthening', ReplicaSetExpectations(replicas=(0, 5), api_errors=1),\n"
        "    ('replicas-bounded',), method='k-induction', max_k=1)]\n"))
    r = run("prove", path)
    assert r.exit_code == 1
    assert "UNKNOWN   weak" in r.output and "counterexample to induction:" in r.output


@pytest.mark.parametrize("text,message,line", [
    ("THEOREMS = [\n", "syntax error", 1),
    (HEADER + "x = 1\n", "defines no THEOREMS", None),
    (HEADER + "THEOREMS = [1]\n", "THEOREMS[0] is a int, not a Theorem", None),
    (HEADER + "THEOREMS = [Theorem('t', 'c', ReplicaSetExpectations(), ('nope',))]\n", "no property 'nope'", 3),
    (HEADER + "THEOREMS = [Theorem('t', 'c', ReplicaSetExpectations(), ('replicas-bounded',), expect='maybe')]\n",
     "expect must be 'proved' or 'refuted'", 3),
], ids=["syntax", "empty", "not-a-theorem", "unknown-property", "bad-expect"])
def test_bad_theorem_files_exit_2_naming_file_and_line(tmp_path, text, message, line):
    path = _write(tmp_path, text)
    r = CliRunner().invoke(cli, ["prove", path])
    assert r.exit_code == 2
    assert message in r.output and path in r.output and "Traceback" not in r.output
    if line is not None:
        assert f"{path}:{line}" in r.output


def test_missing_path_and_unknown_theorem_name():
    assert CliRunner().invoke(cli, ["prove", "no/such/dir"]).exit_code == 2
    r = CliRunner().invoke(cli, ["prove", str(ROOT / "proofs/hpa_normalization.py"), "--theorem", "nope"])
    assert r.exit_code == 2 and "no theorem named nope" in r.output


def test_theorem_validation_and_the_model_invariants_option():
    with pytest.raises(InvalidArgument, match="method must be one of"):
        Theorem("t", "c", ReplicaSetExpectations(), ("replicas-bounded",), method="magic")
    t = Theorem("t", "c", ReplicaSetExpectations(replicas=(0, 50)), ("replicas-bounded",), invariants="model")
    r = prove(t)
    assert r.ok and r.outcome == "proved" and r.result.k == 1


def test_load_theorems_reads_every_bundled_file():
    files = sorted((ROOT / "proofs").glob("*.py"))
    assert len(files) >= 5
    assert sum(len(load_theorems(str(f))) for f in files) >= 17
