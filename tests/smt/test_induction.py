"""k-induction with strengthening invariants, counterexamples to induction, and Spacer."""

from __future__ import annotations

from kmodel.smt.induction import k_induction, spacer
from kmodel.smt.models import DisruptionBudget, HPALegacyNormalization, ReplicaSetExpectations, RollingUpdate


def test_plain_k_induction_fails_with_a_counterexample_to_induction():
    m = ReplicaSetExpectations(replicas=(0, 10_000), api_errors=1, max_losses=(0, 5))
    r = k_induction(m, ["replicas-bounded"], max_k=2)
    assert r.status == "unknown" and r.cti is not None
    assert r.reason.startswith("not 2-inductive")
    first, last = r.cti.states[0], r.cti.states[-1]
    assert first.pods <= first.replicas and last.pods > last.replicas  # satisfies, then violates
    for i, action in enumerate(r.cti.actions):  # the steps are real steps of the model
        assert m.fix(first).next_state(r.cti.states[i], action) == r.cti.states[i + 1]


def test_strengthening_invariants_make_it_1_inductive():
    m = ReplicaSetExpectations(replicas=(0, 10_000), api_errors=1, max_losses=(0, 5))
    r = k_induction(m, ["replicas-bounded"], invariants=m.invariants())
    assert (r.status, r.k) == ("proved", 1)
    assert "invariant expectations-cover-unseen-creations" in r.claim


def test_a_real_violation_is_a_refutation_from_the_base_case():
    m = ReplicaSetExpectations(replicas=(0, 10_000), slow_informer=1)
    r = k_induction(m, ["replicas-bounded"], max_k=4)
    assert r.status == "refuted" and len(r.path) == 3 and r.violated == "replicas-bounded"


def test_a_false_strengthening_invariant_is_reported_not_used():
    m = ReplicaSetExpectations(replicas=(1, 10), slow_informer=1)
    r = k_induction(m, ["type-ok"], invariants={"never-expired": lambda o, s: s.expired == 0}, max_k=3)
    assert r.status == "unknown" and "never-expired" in r.reason and r.path is not None


def test_rolling_update_bounds_for_every_size():
    m = RollingUpdate(replicas=(0, 10_000), max_surge={"pct": 0, "value": None},
                      max_unavailable={"pct": 0, "value": None})
    assert k_induction(m, ["surge-bound", "availability"], invariants=m.invariants(), max_k=1).status == "proved"


def test_hpa_and_pdb_proofs():
    hpa = HPALegacyNormalization(min_replicas=None, max_replicas=None, current=None, max_metric=2**30 - 1,
                                 max_edits=(0, 3))
    assert k_induction(hpa, ["scale-up-limit"], invariants=hpa.invariants(), max_k=1).status == "proved"
    pdb = DisruptionBudget(replicas=(0, 10_000), pdb_kind=None, pdb_value=(0, 10_000))
    assert k_induction(pdb, ["eviction-respects-budget"], invariants=pdb.invariants(), max_k=1).status == "proved"


def test_spacer_finds_the_invariant_itself():
    r = spacer(DisruptionBudget(replicas=(0, 1000), pdb_value=(0, 1000)), ["eviction-respects-budget"], timeout=30)
    assert r.status == "proved" and "ready" in r.invariant


def test_spacer_refutation_comes_with_a_replayed_counterexample():
    r = spacer(HPALegacyNormalization(min_replicas=(0, 9), max_replicas=(1, 9), current=(0, 9), max_metric=9),
               ["scale-up-limit-any-branch"], timeout=30)
    assert r.status == "refuted" and r.path is not None and r.path.actions
