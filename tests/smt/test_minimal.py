"""Smallest failing configurations (Z3 optimisation), replayed."""

from __future__ import annotations

import pytest

from kmodel.errors import InvalidArgument
from kmodel.smt.minimal import smallest
from kmodel.smt.models import DisruptionBudget, ReplicaSetExpectations, RollingUpdate


def test_smallest_replicas_for_the_expectations_race():
    r = smallest(ReplicaSetExpectations(replicas=(0, 10_000), slow_informer=1), "replicas-bounded",
                 minimize=["replicas"], depth=4)
    assert r.params["replicas"] == 1 and len(r.path) == 3
    assert r.path.replays(ReplicaSetExpectations(replicas=1, slow_informer=1).fix(r.path.states[0]))


def test_lexicographic_order_of_parameters():
    m = DisruptionBudget(replicas=(0, 1000), pdb_kind=0, pdb_value=(0, 1000), max_failures=(0, 10))
    r = smallest(m, "eviction-respects-budget", minimize=["replicas", "max_failures"], depth=4)
    assert (r.params["replicas"], r.params["max_failures"], r.params["pdb_value"]) == (2, 1, 1)


def test_smallest_rollout_that_exceeds_the_surge_with_pods():
    m = RollingUpdate(replicas=(0, 1000), max_surge=(0, 10), max_unavailable=(0, 10))
    r = smallest(m, "pods-bound", minimize=["replicas", "max_surge"], depth=4)
    assert (r.params["replicas"], r.params["max_surge"]) == (1, 0)


def test_no_violation_within_depth_is_none():
    assert smallest(ReplicaSetExpectations(replicas=(0, 10)), "replicas-bounded", minimize=["replicas"], depth=3) is None


def test_bad_requests():
    with pytest.raises(InvalidArgument, match="not a parameter"):
        smallest(ReplicaSetExpectations(), "replicas-bounded", minimize=["pods"])
    with pytest.raises(InvalidArgument, match="for invariants"):
        smallest(ReplicaSetExpectations(), "reaches-replicas", minimize=["replicas"])
