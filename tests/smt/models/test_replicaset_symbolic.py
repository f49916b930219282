"""The ReplicaSet expectations model (:mod:`kmodel.smt.models.replicaset`)."""

from __future__ import annotations

import pytest

from kmodel.smt.models.replicaset import ReplicaSetExpectations, satisfied_expectations
from kmodel.smt.ops import CONCRETE as o


def _state(**kw):
    m = ReplicaSetExpectations(replicas=3)
    base = m.init_states()[0]._asdict()
    base.update(kw)
    return m, m.State(**base)


@pytest.mark.parametrize("record,add,delete,expired,satisfied", [
    (0, 0, 0, 0, True),     # no record: sync
    (1, 2, 0, 0, False),    # creations outstanding
    (1, 0, 0, 0, True),     # all observed
    (1, -1, 0, 0, True),    # observed more than expected (add <= 0)
    (1, 0, 1, 0, False),    # a deletion outstanding
    (1, 2, 0, 1, True),     # expired: ExpectationsTimeout passed
], ids=["TestControllerExpectations/no-record", "outstanding-creations", "observed", "over-observed",
        "outstanding-deletion", "expired"])
def test_satisfied_expectations(record, add, delete, expired, satisfied):
    _, s = _state(has_record=record, exp_add=add, exp_del=delete, expired=expired)
    assert bool(satisfied_expectations(o, s)) is satisfied


def test_sync_waits_while_creations_are_unobserved():
    m, s = _state()
    actions = {str(a): n for a, n in m.successors(s)}
    created = actions["replicaset-controller: sync (done=3)"]
    assert (created.pods, created.unseen_adds, created.exp_add) == (3, 3, 3)
    assert not any(a.name == "sync" for a, _ in m.successors(created))  # expectations unmet


def test_failed_creations_lower_the_expectations():
    m = ReplicaSetExpectations(replicas=4, api_errors=1)
    s = m.init_states()[0]
    outcomes = sorted((n.pods, n.exp_add) for a, n in m.successors(s) if a.name == "sync")
    assert outcomes == [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)]  # slow start stops at any failing batch
    assert any(a.name == "sync" and n.pods == 0 and n.has_record == 1 for a, n in m.successors(s))


def test_explicit_complete_search_fast_and_slow_informer():
    fast = ReplicaSetExpectations(replicas=(0, 2), burst=2, api_errors=(0, 1), max_losses=(0, 1)).checker().bfs()
    assert fast["replicas-bounded"].verdict == "holds" and fast.stats.complete
    slow = ReplicaSetExpectations(replicas=(1, 2), burst=2, slow_informer=1).checker().max_depth(5).bfs()
    assert slow["replicas-bounded"].verdict == "violated" and len(slow["replicas-bounded"].path) == 3
