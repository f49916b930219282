"""The PDB/eviction model (:mod:`kmodel.smt.models.disruption`).

``desiredHealthy`` follows ``getExpectedPodCount`` (``pkg/controller/disruption/disruption.go``):
percentages round up for both ``minAvailable`` and ``maxUnavailable``.
"""

from __future__ import annotations

import pytest

from kmodel.smt.models.disruption import DisruptionBudget, desired_healthy
from kmodel.smt.ops import CONCRETE as o


@pytest.mark.parametrize("kind,value,expected_pods,desired", [
    (0, 2, 5, 2),      # minAvailable: 2
    (1, 28, 5, 2),     # minAvailable: 28% of 5 = 1.4 -> 2 (rounded up)
    (2, 1, 5, 4),      # maxUnavailable: 1
    (3, 28, 5, 3),     # maxUnavailable: 28% of 5 -> 2 (rounded up) -> desired 3
    (2, 7, 5, 0),      # maxUnavailable larger than the pods: desired 0, not negative
    (1, 100, 3, 3),
], ids=["minAvailable-int", "minAvailable-percent-rounds-up", "maxUnavailable-int",
        "maxUnavailable-percent-rounds-up", "maxUnavailable-above-expected", "minAvailable-100%"])
def test_desired_healthy(kind, value, expected_pods, desired):
    assert desired_healthy(o, kind, value, expected_pods) == desired


def test_eviction_decision_paths():
    m = DisruptionBudget(replicas=3, pdb_kind=0, pdb_value=2)
    s = m.init_states()[0]
    names = {a.name for a, _ in m.successors(s)}
    assert "evict-ready" not in names  # no status yet: 429 until the controller has synced
    synced = next(n for a, n in m.successors(s) if a.name == "sync")
    assert (synced.st_healthy, synced.st_desired, synced.st_allowed) == (3, 2, 1)
    evicted = next(n for a, n in m.successors(synced) if a.name == "evict-ready")
    assert (evicted.ready, evicted.st_allowed) == (2, 0)
    assert not any(a.name == "evict-ready" for a, _ in m.successors(evicted))  # budget spent


def test_explicit_search_with_and_without_node_failures():
    safe = DisruptionBudget(replicas=(1, 3), pdb_kind=(0, 3), pdb_value=(0, 3)).checker().bfs()
    assert safe["eviction-respects-budget"].verdict == "holds" and safe.stats.complete
    r = DisruptionBudget(replicas=(1, 3), pdb_kind=0, pdb_value=(0, 3), max_failures=1).checker().bfs()
    path = r["eviction-respects-budget"].path
    assert [a.name for a in path.actions] == ["sync", "node-failure", "evict-ready"]
