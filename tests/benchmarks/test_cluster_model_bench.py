"""The cluster-model benchmark (benchmarks/cluster_model.py) runs and its counts match the pins."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import cluster_model  # noqa: E402


def test_a_small_spec_matches_its_pins(capsys) -> None:
    assert cluster_model.main(["--specs", "partition-empties-endpoints", "--no-rollout", "--check"]) == 0
    out = capsys.readouterr().out
    assert "partition-empties-endpoints" in out and "COUNT CHANGED" not in out


def test_the_rollout_row_reports_the_dynamic_check(capsys) -> None:
    row = cluster_model.run_rollout(2, bounded=True)
    assert row["states"] > 0 and row["verdict"] == "decided"
