"""README.md opens with the commands a newcomer runs; keep them (and the sample output) true."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from kmodel.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _first_blocks(n: int) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, re.S)[:n]


def test_the_first_command_installs_and_runs_kmodel_on_bundled_inputs(monkeypatch):
    first, second = _first_blocks(2)
    assert first.startswith("pip install -e .")
    assert "pytest" in second
    commands = [shlex.split(part.strip()) for part in re.split(r"&&|;", first) if "kmodel" in part.split()[0:1]]
    assert commands, first
    monkeypatch.chdir(ROOT)
    for argv in commands:
        assert argv[0] == "kmodel"
        for arg in argv[2:]:
            if not arg.startswith("-"):
                assert (ROOT / arg).exists(), f"README names {arg}, which does not exist"
        result = CliRunner().invoke(cli, argv[1:])
        # check: the broken example has findings (1); explore: the spec holds (0)
        assert result.exit_code in (0, 1), (argv, result.output)


def test_the_sample_check_output_ends_like_the_real_one(monkeypatch):
    monkeypatch.chdir(ROOT)
    sample = README[README.index("$ kmodel check examples/shop-broken"):]
    sample_summary = re.search(r"^\d+ errors, \d+ warnings in \d+ objects \(\d+ checks\)$", sample, re.M)
    assert sample_summary is not None
    real = CliRunner().invoke(cli, ["check", "examples/shop-broken"]).output.strip().splitlines()[-1]
    assert real == sample_summary.group(0)
