"""The scheduling benchmark's instances and solvers, small enough for the suite; the
1000-pod x 100-node run is the slow variant."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.scheduling import first_fit_decreasing, make_cluster, run  # noqa: E402
from kmodel.smt.placement import problem_from_objects  # noqa: E402
from kmodel.smt.scheduling import feasibility  # noqa: E402


def test_small_rows():
    rows = run([(50, 10)], [0.8, 0.95, "tight-infeasible"], per_pod=False)
    verdicts = [r["kmodel"] for r in rows]
    assert verdicts == ["feasible", "feasible", "infeasible"]
    assert rows[2]["greedy_stranded"] > 0 and rows[2]["ffd_stranded"] > 0


def test_planted_instances_have_the_requested_size():
    objs = make_cluster(200, 30, 0.95)
    problem = problem_from_objects(objs)
    assert 180 <= problem.pending <= 220
    assert first_fit_decreasing(problem) >= 0


def test_200_pods_30_nodes_95_percent_decided_quickly():
    problem = problem_from_objects(make_cluster(200, 30, 0.95))
    start = time.perf_counter()
    r = feasibility(problem, workers=2)
    assert r.status == "feasible"
    assert time.perf_counter() - start < 10


@pytest.mark.slow
def test_1000_pods_100_nodes_95_percent_under_10_seconds():
    problem = problem_from_objects(make_cluster(1000, 100, 0.95))
    start = time.perf_counter()
    r = feasibility(problem, workers=2)
    assert r.status == "feasible"
    assert time.perf_counter() - start < 10
