"""The ``kmodel`` command: exit codes, formats, and bad input (one clear line, exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kmodel.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def run(*args, stdin=None):
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def test_explore_holds_exits_0():
    r = run("explore", str(ROOT / "specs/replicaset-node-crash"))
    assert r.exit_code == 0
    assert "HOLDS      eventually-stable" in r.output and "verdict: holds" in r.output


def test_explore_violated_exits_1_with_trace():
    r = run("explore", str(ROOT / "specs/replicaset-capacity-short"))
    assert r.exit_code == 1
    assert "VIOLATED   eventually-stable" in r.output
    assert "scheduler sync Pod/default/api-" in r.output
    assert "Insufficient cpu" in r.output


def test_explore_json_schema():
    r = run("explore", str(ROOT / "specs/pinned-pod-overcommit"), "--format", "json")
    assert r.exit_code == 1
    doc = json.loads(r.output)
    assert doc["verdict"] == "violated"
    assert set(doc["stats"]) >= {"states", "transitions", "depth", "seconds"}
    prop = doc["properties"]["eventually-stable"]
    assert prop["verdict"] == "violated" and prop["kind"] == "stuck"
    assert prop["trace"][0]["actor"] and "changes" in prop["trace"][0]


def test_incomplete_exits_0_and_says_so():
    r = run("explore", str(ROOT / "specs/replicaset-node-crash"), "--max-depth", "3")
    assert r.exit_code == 0
    assert "INCOMPLETE" in r.output and "nothing is claimed to hold" in r.output
    assert "HOLDS      eventually-stable" not in r.output


def test_other_strategies():
    spec = str(ROOT / "specs/replicaset-capacity-short")
    assert run("explore", spec, "--strategy", "dfs").exit_code == 1
    r = run("explore", spec, "--strategy", "simulate", "--seed", "3", "--runs", "20", "--max-depth", "30")
    assert r.exit_code == 1 and "simulate" in r.output


def test_no_symmetry_flag_changes_counts():
    spec = str(ROOT / "specs/replicaset-capacity-short")
    a = json.loads(run("explore", spec, "--format", "json").output)["stats"]["states"]
    b = json.loads(run("explore", spec, "--format", "json", "--no-symmetry").output)["stats"]["states"]
    assert b > a


def test_stdin_spec():
    text = (ROOT / "specs/pinned-pod-overcommit/cluster.yaml").read_text()
    r = run("explore", "-", stdin=text)
    assert r.exit_code == 1 and "VIOLATED   no-overcommit" in r.output


BAD = {
    "broken-yaml": ("apiVersion: v1\nkind: Node\nmetadata:\n  name: [a\n", 5, "began at line 4"),
    "missing-name": ("apiVersion: v1\nkind: Node\nmetadata:\n  labels: {a: b}\n", 3, "metadata.name"),
    "bad-quantity": ("apiVersion: v1\nkind: Node\nmetadata:\n  name: n\nstatus:\n  allocatable:\n    cpu: 2x\n",
                     7, "status.allocatable.cpu"),
    "unknown-version": ("apiVersion: apps/v1beta2\nkind: ReplicaSet\nmetadata:\n  name: r\n", 1, "apiVersion"),
    "duplicate": ("apiVersion: v1\nkind: Node\nmetadata:\n  name: n\n---\napiVersion: v1\nkind: Node\n"
                  "metadata:\n  name: n\n", 9, "metadata.name"),
    "bad-scenario": ("apiVersion: kmodel.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: s\nspec:\n"
                     "  faults:\n    nodeFailure: 1\n", 1, "spec.faults.nodeFailure"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_exits_2_naming_file_and_line(tmp_path, name):
    text, line, field = BAD[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    r = CliRunner().invoke(cli, ["explore", str(path)])
    assert r.exit_code == 2, r.output
    assert f"{path}:{line}" in r.output
    if field:
        assert field in r.output
    assert "Traceback" not in r.output
    assert r.output.count("\n") == 1  # one line


def test_missing_path_exits_2(tmp_path):
    r = CliRunner().invoke(cli, ["explore", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "nope" in r.output


def test_usage_error_exits_2():
    assert CliRunner().invoke(cli, ["explore"]).exit_code == 2
    assert CliRunner().invoke(cli, ["explore", "x", "--strategy", "zz"]).exit_code == 2


def test_console_script_prints_no_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: 3\n")
    out = subprocess.run([sys.executable, "-m", "kmodel.cli", "explore", str(path)], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.startswith("kmodel: error: ") and "Traceback" not in out.stderr
    assert f"{path}:6" in out.stderr and "spec.containers" in out.stderr
