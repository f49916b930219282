"""Scenarios naming a numeric model (``spec.model``) and ``kmodel explore --strategy smt``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import kmodel
from kmodel.cli import cli
from kmodel.errors import InvalidManifest

ROOT = Path(__file__).resolve().parents[2]

HEAD = "apiVersion: kmodel.dev/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n"


def _spec(tmp_path, body, extra=""):
    (tmp_path / "scenario.yaml").write_text(HEAD + body)
    if extra:
        (tmp_path / "pod.yaml").write_text(extra)
    return str(tmp_path)


def test_a_numeric_spec_loads_its_model_and_selected_properties(tmp_path):
    path = _spec(tmp_path, "  model:\n    name: disruption-budget\n    params: {replicas: [1, 2], pdbValue: 1}\n"
                            "  properties: [eviction-respects-budget]\n  bounds: {maxDepth: 5}\n")
    spec = kmodel.load_spec([path])
    assert [p.name for p in spec.model.properties()] == ["eviction-respects-budget"]
    assert spec.scenario.max_depth == 5 and spec.model.domains["replicas"] == (1, 2)


@pytest.mark.parametrize("body,field,message", [
    ("  model: {name: nope}\n", "spec.model.name", "unknown model 'nope'"),
    ("  model: {name: disruption-budget, params: {replica: 3}}\n", "spec.model.params", "unknown parameter 'replica'"),
    ("  model: {name: disruption-budget, params: {replicas: [1, 2, 3]}}\n", "spec.model.params.replicas",
     "expected a number, [lo, hi]"),
    ("  model: {name: disruption-budget}\n  faults: {nodeFailures: 1}\n", "spec.faults", "does not apply"),
    ("  model: {name: disruption-budget}\n  properties: [type-ok, nope]\n", "spec.properties[1]", "unknown property"),
    ("  model: {name: disruption-budget}\n  expect: {allowed-non-negative: maybe}\n", "spec.expect.allowed-non-negative",
     "expected verdict"),
    ("  model: {name: disruption-budget, colour: red}\n", "spec.model.colour", "unknown field 'colour'"),
], ids=["model", "param", "range", "faults", "property", "verdict", "field"])
def test_bad_numeric_scenarios_name_file_line_and_field(tmp_path, body, field, message):
    path = _spec(tmp_path, body)
    with pytest.raises(InvalidManifest) as err:
        kmodel.load_spec([path])
    assert err.value.field == field and message in str(err.value)
    assert err.value.file.endswith("scenario.yaml") and err.value.line == 1 and err.value.document == 1


def test_manifests_beside_a_numeric_model_are_an_error(tmp_path):
    pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n"
    path = _spec(tmp_path, "  model: {name: disruption-budget}\n", extra=pod)
    with pytest.raises(InvalidManifest, match="has no place in it"):
        kmodel.load_spec([path])


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_explore_strategy_smt_on_a_numeric_spec():
    r = run("explore", str(ROOT / "specs/pdb-eviction-node-failure"), "--strategy", "smt", "--max-depth", "4")
    assert r.exit_code == 1
    assert "VIOLATED   eviction-respects-budget" in r.output and "smt" in r.output
    assert "state broke: 0 -> 1" in r.output


def test_explore_strategy_smt_on_a_cluster_spec_is_bad_input_naming_the_model():
    r = run("explore", str(ROOT / "specs/replicaset-capacity-short"), "--strategy", "smt", "--max-depth", "3")
    assert r.exit_code == 2
    assert "ClusterModel (controllers:" in r.output and "has no SMT encoding" in r.output
    assert "Traceback" not in r.output


def test_explore_strategy_smt_needs_a_depth(tmp_path):
    path = _spec(tmp_path, "  model: {name: disruption-budget}\n")
    r = run("explore", path, "--strategy", "smt")
    assert r.exit_code == 2 and "needs a depth" in r.output
