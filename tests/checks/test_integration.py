"""The ready-made CI integrations, run locally on the bundled examples: the GitHub Actions
workflow's kmodel step and the pre-commit hook's command, with the example's manifest folder in
place of ``k8s/``."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    assert command[0] == "kmodel"
    return subprocess.run([sys.executable, "-m", "kmodel.cli", *command[1:]], cwd=cwd, capture_output=True,
                          text=True)


def test_github_actions_step_on_the_examples(tmp_path):
    workflow = yaml.safe_load((ROOT / "examples/ci/github-actions.yml").read_text())
    steps = workflow["jobs"]["check"]["steps"]
    (step,) = [s for s in steps if s.get("name") == "kmodel check"]
    upload = [s for s in steps if "upload-sarif" in s.get("uses", "")]
    assert upload and upload[0]["with"]["sarif_file"] == "kmodel.sarif"
    for example, code in (("shop", 0), ("shop-broken", 1)):
        work = tmp_path / example
        work.mkdir()
        (work / "k8s").symlink_to(ROOT / "examples" / example, target_is_directory=True)
        out = _run(shlex.split(step["run"]), work)
        assert out.returncode == code, out.stderr
        sarif = json.loads((work / "kmodel.sarif").read_text())
        assert sarif["version"] == "2.1.0"
        assert bool(sarif["runs"][0]["results"]) == bool(code)
        assert "errors" in out.stdout


def test_pre_commit_hook_on_the_examples(tmp_path):
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    config = yaml.safe_load((ROOT / "examples/ci/pre-commit-config.yaml").read_text())
    args = config["repos"][0]["hooks"][0]["args"]
    assert hook["id"] == config["repos"][0]["hooks"][0]["id"] and hook["pass_filenames"] is False
    for example, code in (("shop", 0), ("shop-broken", 1)):
        work = tmp_path / example
        work.mkdir()
        (work / "k8s").symlink_to(ROOT / "examples" / example, target_is_directory=True)
        out = _run(shlex.split(hook["entry"]) + args, work)
        assert out.returncode == code, out.stderr
