"""``kmodel schedule``: verdicts, findings, exit codes, JSON schema, bad input, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from kmodel.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"


def run(*args, stdin=None):
    return CliRunner().invoke(cli, ["schedule", *args], input=stdin, catch_exceptions=False)


def test_feasible_spec_exits_0_with_placement():
    r = run(str(SPECS / "spread-zone-hostname-scale-up-fits"))
    assert r.exit_code == 0, r.output
    assert "FEASIBLE" in r.output and "a-1: web-6" in r.output
    assert "survives the loss of any single node" in r.output


def test_unschedulable_exits_1_with_the_rules_named():
    r = run(str(SPECS / "spread-zone-hostname-scale-up"))
    assert r.exit_code == 1
    assert "error unschedulable:" in r.output
    assert "pod web-6 (ReplicaSet/web) needs 500m cpu, 256Mi memory" in r.output
    assert "spreads over kubernetes.io/hostname with maxSkew 1 (bound matching pods: a-1 has 2, b-1 has 2, b-2 has 1)" in r.output


def test_json_schema_and_finding_ids():
    r = run(str(SPECS / "greedy-strands-big-pod"), "--format", "json")
    assert r.exit_code == 1
    doc = json.loads(r.output)
    assert doc["verdict"] == "feasible"
    assert set(doc) >= {"kmodel", "verdict", "summary", "findings", "placement", "greedy", "tolerance", "notes", "stats"}
    ids = [f["id"] for f in doc["findings"]]
    assert ids == ["scheduler-strands-pods", "node-loss-unsafe"]
    strand = doc["findings"][0]
    assert strand["objects"] == [{"kind": "ReplicaSet", "namespace": "default", "name": "batch"}]
    assert strand["details"]["stranded"] == ["batch-1"]
    assert strand["details"]["greedy_order"] == [["api-1", "n-1"], ["api-2", "n-2"]]
    placed = {p["pod"]: p["node"] for p in doc["placement"]}
    assert placed["api-1"] == placed["api-2"] != placed["batch-1"]
    assert doc["greedy"]["pending"] == ["batch-1"]


def test_zone_loss_finding():
    r = run(str(SPECS / "zone-loss-unsafe"), "--format", "json")
    doc = json.loads(r.output)
    assert r.exit_code == 1 and [f["id"] for f in doc["findings"]] == ["zone-loss-unsafe"]
    assert {z["name"]: z["verdict"] for z in doc["tolerance"]["zones"]} == {"zone-a": "infeasible", "zone-b": "infeasible"}
    assert all(n["verdict"] == "feasible" for n in doc["tolerance"]["nodes"])


def test_options_turn_checks_off():
    r = run(str(SPECS / "zone-loss-unsafe"), "--no-tolerance", "--no-greedy", "--objective", "fewest-nodes")
    assert r.exit_code == 0 and "zone loss" not in r.output


def test_no_nodes_is_bad_input():
    r = CliRunner().invoke(cli, ["schedule", "-"], input="apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n"
                                                          "spec: {containers: [{name: a, image: b}]}\n")
    assert r.exit_code == 2
    assert "no Node objects in the input" in r.output


def test_bad_manifest_names_file_line_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers: [{name: a, image: b}]\n"
                   "  topologySpreadConstraints:\n  - {maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}\n")
    r = CliRunner().invoke(cli, ["schedule", str(bad)])
    assert r.exit_code == 2
    lines = [line for line in r.output.splitlines() if line]
    assert len(lines) == 1 and "Traceback" not in r.output
    assert f"{bad}:7: document 1: spec.topologySpreadConstraints[0].maxSkew: must be greater than zero" in lines[0]


def test_output_is_identical_across_hash_seeds():
    def once(seed):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run([sys.executable, "-m", "kmodel.cli", "schedule", str(SPECS / "greedy-strands-big-pod"),
                              "--format", "json"], capture_output=True, text=True, env=env, cwd=ROOT)
        doc = json.loads(out.stdout)
        doc.pop("stats")
        return doc
    assert once("1") == once("777")
