"""``kmodel diagram``: outputs, stamps, --check/--update, and bad input (exit 2, one line)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from kmodel.cli import cli
from kmodel.render.command import Request, check_directory
from kmodel.render.output import read_stamp

ROOT = Path(__file__).resolve().parents[2]
SPEC = str(ROOT / "specs/replicaset-capacity-short")


def run(*args, stdin=None):
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def test_dot_on_standard_output_and_mermaid():
    r = run("diagram", SPEC, "--view", "workload")
    assert r.exit_code == 0 and r.output.startswith('digraph "kmodel" {')
    r = run("diagram", SPEC, "--view", "architecture", "--format", "mmd", "--settle")
    assert r.exit_code == 0 and "flowchart TB" in r.output and "unschedulable" in r.output


def test_writes_stamped_files_with_relative_paths(tmp_path):
    out = tmp_path / "d" / "trace.svg"
    out.parent.mkdir()
    r = run("diagram", SPEC, "--view", "trace", "-o", str(out))
    assert r.exit_code == 0, r.output
    stamp = read_stamp(out.read_bytes(), "svg")
    assert stamp["view"] == "trace" and not os.path.isabs(stamp["paths"][0])
    assert Request.from_stamp(stamp, str(out.parent)).paths == (os.path.normpath(SPEC),)
    assert b"eventually&#45;stable violated" in out.read_bytes()  # graphviz writes - as &#45;


def test_check_fails_when_inputs_change_and_update_fixes_it(tmp_path):
    spec = tmp_path / "spec"
    shutil.copytree(SPEC, spec)
    out = tmp_path / "diagrams"
    out.mkdir()
    for view in ("architecture", "workload"):
        assert run("diagram", str(spec), "--view", view, "--settle", "-o", str(out / f"{view}.png")).exit_code == 0
    assert run("diagram", str(spec), "--view", "workload", "-o", str(out / "workload.mmd")).exit_code == 0
    r = run("diagram", "--check", str(out))
    assert r.exit_code == 0 and "current" in r.output
    text = (spec / "cluster.yaml").read_text().replace("replicas: 3", "replicas: 2")
    (spec / "cluster.yaml").write_text(text)
    r = run("diagram", "--check", str(out))
    assert r.exit_code == 1
    assert "architecture.png: stale" in r.output and "workload.mmd: stale" in r.output
    assert run("diagram", "--update", str(out)).exit_code == 0
    assert check_directory(str(out)) == []


def test_check_reports_unstamped_and_hand_edited_files(tmp_path):
    out = tmp_path / "d"
    out.mkdir()
    (out / "hand.svg").write_text("<svg/>")
    assert run("diagram", SPEC, "--view", "workload", "-o", str(out / "w.dot")).exit_code == 0
    (out / "w.dot").write_text((out / "w.dot").read_text().replace("ReplicaSet", "ReplicaSat"))
    problems = check_directory(str(out))
    assert any("hand.svg: no kmodel stamp" in p for p in problems)
    assert any("w.dot: differs from a fresh render" in p for p in problems)


def test_bad_input_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Node\nmetadata:\n  name: n\nstatus:\n  allocatable:\n    cpu: 2x\n")
    r = run("diagram", str(bad), "--view", "architecture")
    assert r.exit_code == 2 and "bad.yaml:7" in r.output and "status.allocatable.cpu" in r.output
    assert "Traceback" not in r.output
    cfg = tmp_path / "c.yaml"
    cfg.write_text("apiVersion: kmodel.dev/v1alpha1\nkind: DiagramConfig\nspec:\n  colapse: true\n")
    r = run("diagram", SPEC, "--view", "workload", "--config", str(cfg))
    assert r.exit_code == 2 and "c.yaml:4: document 1: spec.colapse" in r.output


def test_usage_errors_exit_2():
    assert run("diagram", SPEC).exit_code == 2  # no --view
    assert run("diagram", SPEC, "--view", "workload", "-o", "x.jpeg").exit_code == 2
    assert run("diagram", SPEC, "--check", "diagrams").exit_code == 2
    r = run("diagram", str(ROOT / "specs/replicaset-capacity-short"), "--view", "trace", "--property", "type-ok")
    assert r.exit_code == 2 and "type-ok is holds" not in r.output and "there is no counterexample" in r.output
    r = run("diagram", SPEC, "--view", "trace", "--property", "nope")
    assert r.exit_code == 2 and "not a property" in r.output


def test_stdin_input():
    text = (ROOT / "specs/pinned-pod-overcommit/cluster.yaml").read_text()
    r = run("diagram", "-", "--view", "trace", "--property", "no-overcommit", stdin=text)
    assert r.exit_code == 0 and "no-overcommit violated" in r.output
