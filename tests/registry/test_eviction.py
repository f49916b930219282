"""The Eviction API model against upstream's ``pkg/registry/core/pod/storage/eviction_test.go``.

Each case id starts with the upstream test function (TestEviction, TestEvictionIgnorePDB,
TestEvictionPDBStatus) and names the upstream case it rewrites. Upstream's dry-run, conflict
retry and bad-URL cases have no counterpart: the model's eviction is one atomic step.
"""

from __future__ import annotations

import pytest

from kmodel.api import Create, Evict, Update, UpdateStatus, apply
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef, replace
from kmodel.objects.policy import PodDisruptionBudget, PodDisruptionBudgetSpec, PodDisruptionBudgetStatus
from kmodel.objects.workloads import Container, Pod, PodCondition, PodSpec, PodStatus
from kmodel.registry.eviction import EVICTION_REASON, evict
from kmodel.state import ClusterState

LABELS = (("a", "true"),)
POD = ObjectRef("Pod", "default", "foo")
PDB = ObjectRef("PodDisruptionBudget", "default", "foo")


def _pdb(allowed: int, *, labels=LABELS, healthy: int = 0, desired: int = 0, stale: bool = False,
         policy: str = "", name: str = "foo") -> PodDisruptionBudget:
    status = PodDisruptionBudgetStatus(observed_generation=0 if stale else 1, disruptions_allowed=allowed,
                                       current_healthy=healthy, desired_healthy=desired)
    return PodDisruptionBudget(ObjectMeta(name, "default"),
                               PodDisruptionBudgetSpec(LabelSelector(labels), min_available=1,
                                                       unhealthy_pod_eviction_policy=policy), status)


def _state(phase: str = "Running", ready: bool = True, *pdbs: PodDisruptionBudget, deleting: bool = False):
    conditions = (PodCondition("Ready", "True" if ready else "False"),)
    s = ClusterState.of([Namespace(ObjectMeta("default"))])
    pod = Pod(ObjectMeta("foo", "default", labels=LABELS), PodSpec((Container("c"),), node_name="n"),
              PodStatus(phase, conditions))
    s, _ = apply(s, Create(pod))
    s, _ = apply(s, UpdateStatus(replace(s.get(POD), status=pod.status)))
    for p in pdbs:
        s, r = apply(s, Create(p))
        s, _ = apply(s, UpdateStatus(replace(s.get(r.ref), status=p.status)))
    if deleting:
        from kmodel.api import Delete

        s, _ = apply(s, Delete(POD))
    return s


POLICIES = ("", "IfHealthyBudget", "AlwaysAllow")  # "": unset (nil)
_NO_LABELS = ()


def _upstream_pdb(allowed: int, *, selector=LABELS, healthy: int = 0, desired: int = 0) -> PodDisruptionBudget:
    """Upstream's test PDBs, whose status is current (observedGeneration = generation)."""
    return _pdb(allowed, labels=selector, healthy=healthy, desired=desired)


def _ready(ready: bool | None) -> tuple[PodCondition, ...]:
    return () if ready is None else (PodCondition("Ready", "True" if ready else "False"),)


# (upstream test - case name, phase, Ready condition (None: none), terminating, pdbs, policies, code)
UPSTREAM = [
    ("TestEviction-matching pdbs with no disruptions allowed, pod running", "Running", None, False,
     [_upstream_pdb(0)], ("", "IfHealthyBudget"), 429),
    ("TestEviction-matching pdbs with no disruptions allowed, pod running (AlwaysAllow terminates it)", "Running",
     None, False, [_upstream_pdb(0)], ("AlwaysAllow",), 201),
    ("TestEviction-matching pdbs with no disruptions allowed, pod pending", "Pending", None, False,
     [_upstream_pdb(0)], POLICIES, 201),
    ("TestEviction-matching pdbs with no disruptions allowed, pod succeeded", "Succeeded", None, False,
     [_upstream_pdb(0)], POLICIES, 201),
    ("TestEviction-matching pdbs with no disruptions allowed, pod failed", "Failed", None, False,
     [_upstream_pdb(0)], POLICIES, 201),
    ("TestEviction-matching pdbs with disruptions allowed", "Running", None, False, [_upstream_pdb(1)], POLICIES, 201),
    ("TestEviction-non-matching pdbs", "Running", None, False, [_upstream_pdb(0, selector=(("b", "true"),))],
     POLICIES, 201),
    ("TestEviction-matching pdbs with no disruptions allowed, pod running, empty selector", "Running", None, False,
     [_upstream_pdb(0, selector=_NO_LABELS)], ("", "IfHealthyBudget"), 429),
    ("TestEvictionIgnorePDB-matching pdbs with no disruptions allowed, pod terminating", "Running", None, True,
     [_upstream_pdb(0)], POLICIES, 201),
    ("TestEvictionIgnorePDB-matching pdbs with no disruptions allowed, pod running, pod healthy, unhealthy pod not "
     "ours", "Running", True, False, [_upstream_pdb(0, healthy=2, desired=2)], POLICIES, 429),
    ("TestEvictionIgnorePDB-matching pdbs with disruptions allowed, pod running, pod healthy, healthy pod ours, "
     "deletes pod by honoring the PDB", "Running", True, False, [_upstream_pdb(1, healthy=3, desired=3)],
     POLICIES, 201),
    ("TestEvictionIgnorePDB-matching pdbs with no disruptions allowed, pod running, pod unhealthy, unhealthy pod "
     "ours", "Running", False, False, [_upstream_pdb(0, healthy=2, desired=2)], POLICIES, 201),
    ("TestEvictionIgnorePDB-matching pdbs with no disruptions allowed, pod running, pod unhealthy, unhealthy pod "
     "ours, skips the PDB check and deletes", "Running", False, False, [_upstream_pdb(0)], ("AlwaysAllow",), 201),
    ("TestEvictionIgnorePDB-matching pdbs with no disruptions allowed, pod running, pod healthy, empty selector, "
     "pod not deleted by honoring the PDB", "Running", True, False,
     [_upstream_pdb(0, selector=_NO_LABELS, healthy=3, desired=3)], POLICIES, 429),
    # Not upstream table cases, the same rules: a stale status and two budgets.
    ("checkAndDecrement-observedGeneration < generation", "Running", True, False, [_pdb(1, stale=True)],
     POLICIES, 429),
    ("getPodDisruptionBudgets-more than one PodDisruptionBudget", "Running", True, False,
     [_upstream_pdb(1), replace(_upstream_pdb(1), metadata=ObjectMeta("bar", "default"))], POLICIES, 500),
]
CASES = [(f"{c[0]} with {p or 'nil'} policy", *c[1:5], p, c[6]) for c in UPSTREAM for p in c[5]]


def _upstream_state(phase: str, ready, terminating: bool, pdbs, policy: str) -> ClusterState:  # type: ignore[no-untyped-def]
    s = ClusterState.of([Namespace(ObjectMeta("default"))])
    pod = Pod(ObjectMeta("foo", "default", labels=LABELS), PodSpec((Container("c"),), node_name="foo"),
              PodStatus(phase, _ready(ready)))
    s, _ = apply(s, Create(pod))
    s, _ = apply(s, UpdateStatus(replace(s.get(POD), status=pod.status)))
    for p in pdbs:
        p = replace(p, spec=replace(p.spec, unhealthy_pod_eviction_policy=policy))
        s, r = apply(s, Create(p))
        s, _ = apply(s, UpdateStatus(replace(s.get(r.ref), status=p.status)))
    if terminating:
        from kmodel.api import Delete

        s, _ = apply(s, Delete(POD))
    return s


@pytest.mark.parametrize("phase,ready,terminating,pdbs,policy,code", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_upstream_eviction(phase, ready, terminating, pdbs, policy, code):
    state = _upstream_state(phase, ready, terminating, pdbs, policy)
    new, resp = evict(state, POD)
    assert resp.code == code, resp
    if code == 201:
        pod = new.get(POD)
        assert pod is None or pod.metadata.deleting
    else:
        assert new == state  # a refused eviction changes nothing


def test_eviction_pdb_status_condition_only_changes_at_zero():
    """TestEvictionPDBStatus: 'pdb status is updated after eviction' (1 -> 0, InsufficientPods) and
    'condition reason is only updated if AllowedDisruptions becomes 0' (3 -> 2, SufficientPods)."""
    from kmodel.objects.policy import update_disruption_allowed_condition

    for allowed, want, reason in ((1, 0, "InsufficientPods"), (3, 2, "SufficientPods")):
        budget = _pdb(allowed)
        budget = replace(budget, status=update_disruption_allowed_condition(budget.status))
        s = _state("Running", True, budget)
        new, resp = evict(s, POD)
        st = new.get(PDB).status
        assert resp.ok and st.disruptions_allowed == want and st.condition("DisruptionAllowed").reason == reason


def test_eviction_decrements_and_records_in_the_same_write():
    """checkAndDecrement: disruptionsAllowed - 1 and disruptedPods[pod], then the delete with the
    DisruptionTarget condition (addConditionAndDeletePod)."""
    s = _state("Running", True, _pdb(1, healthy=2, desired=1))
    new, resp = apply(s, Evict(POD))
    assert resp.ok
    st = new.get(PDB).status
    assert (st.disruptions_allowed, st.disrupted_pods) == (0, ("foo",))
    assert st.condition("DisruptionAllowed").reason == "InsufficientPods"
    pod = new.get(POD)
    assert pod.metadata.deleting
    assert pod.status.condition("DisruptionTarget") == PodCondition("DisruptionTarget", "True", EVICTION_REASON)


def test_eviction_without_budget_writes_no_budget():
    s = _state("Running", True)
    new, resp = evict(s, POD)
    assert resp.ok and new.get(POD).metadata.deleting and new.list("PodDisruptionBudget") == ()


def test_missing_pod_is_404():
    _, resp = evict(_state(), ObjectRef("Pod", "default", "nope"))
    assert resp.code == 404


def test_unbound_pending_pod_is_removed_at_once():
    s = ClusterState.of([Namespace(ObjectMeta("default"))])
    s, _ = apply(s, Create(Pod(ObjectMeta("foo", "default", labels=LABELS), PodSpec((Container("c"),)))))
    s, _ = apply(s, Create(_pdb(0)))
    new, resp = evict(s, POD)
    assert resp.ok and new.get(POD) is None


def test_nil_selector_matches_nothing_for_eviction():
    """getPodDisruptionBudgets: a nil selector selects nothing (an empty one everything, above)."""
    budget = _pdb(0)
    s = _state("Running", True, replace(budget, spec=replace(budget.spec, selector=None)))
    _, resp = evict(s, POD)
    assert resp.ok


def test_pdb_validation_both_set_is_invalid():
    s = ClusterState.of([Namespace(ObjectMeta("default"))])
    bad = PodDisruptionBudget(ObjectMeta("x", "default"), PodDisruptionBudgetSpec(LabelSelector(LABELS), 1, 1))
    _, resp = apply(s, Create(bad))
    assert resp.code == 422 and "spec.maxUnavailable: Invalid value: minAvailable and maxUnavailable" in resp.message
    for value, message in ((-1, "greater than or equal to 0"), ("101%", "not be greater than 100%"),
                           ("half", "integer or percentage")):
        _, resp = apply(s, Create(replace(bad, spec=PodDisruptionBudgetSpec(None, value))))
        assert resp.code == 422 and message in resp.message and "spec.minAvailable" in resp.message
    good = replace(bad, spec=PodDisruptionBudgetSpec(None, 1))
    s2, resp = apply(s, Create(good))
    assert resp.ok and s2.get(resp.ref).metadata.generation == 1
    _, resp = apply(s2, Update(replace(s2.get(resp.ref), spec=PodDisruptionBudgetSpec(None, 1, 2))))
    assert resp.code == 422


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(phase=st.sampled_from(["Pending", "Running", "Succeeded", "Failed"]), ready=st.booleans(),
       allowed=st.integers(0, 3), healthy=st.integers(0, 4), desired=st.integers(0, 4), stale=st.booleans(),
       policy=st.sampled_from(["", "IfHealthyBudget", "AlwaysAllow"]))
def test_eviction_budget_accounting(phase, ready, allowed, healthy, desired, stale, policy):
    """Whatever the pod and budget: a refused eviction changes nothing; an admitted one deletes
    the pod and decrements ``disruptionsAllowed`` by one exactly when it went through the
    budget (a Running, Ready pod always does), never below 0."""
    s = _state(phase, ready, _pdb(allowed, healthy=healthy, desired=desired, stale=stale, policy=policy))
    new, resp = evict(s, POD)
    before, after = s.get(PDB).status.disruptions_allowed, new.get(PDB).status.disruptions_allowed
    assert after >= 0
    if not resp.ok:
        assert resp.code == 429 and new == s
        assert phase == "Running" and (stale or allowed == 0)
        return
    pod = new.get(POD)
    assert pod is None or pod.metadata.deleting
    assert after in (before, before - 1)
    if phase == "Running" and ready:
        assert after == before - 1 and new.get(PDB).status.disrupted_pods == ("foo",)


# -- review against v1.35 (eviction.go) ---------------------------------------------------------
def test_terminating_pod_still_gets_the_disruption_target_condition():
    """TestEvictionIgnorePDB 'matching pdbs with no disruptions allowed, pod terminating':
    canIgnorePDB lets it through, and addConditionAndDeletePod updates the pod with
    DisruptionTarget=True (EvictionByEvictionAPI) before the delete, whatever its state."""
    s = _state("Running", True, _pdb(0), deleting=True)
    assert s.get(POD).metadata.deleting and s.get(POD).status.condition("DisruptionTarget") is None
    new, resp = evict(s, POD)
    assert resp.ok
    assert new.get(POD).status.condition("DisruptionTarget") == PodCondition("DisruptionTarget", "True",
                                                                              EVICTION_REASON)
    assert new.get(PDB).status == s.get(PDB).status  # the budget is not touched


@pytest.mark.parametrize("allowed,disrupted,message", [
    pytest.param(-1, (), 'poddisruptionbudget.policy "foo" is forbidden: pdb disruptions allowed is negative',
                 id="checkAndDecrement-negative disruptionsAllowed: 403 NewForbidden"),
    pytest.param(1, tuple(f"p{i}" for i in range(2001)),
                 'poddisruptionbudget.policy "foo" is forbidden: DisruptedPods map too big - too many evictions '
                 "not confirmed by PDB controller",
                 id="checkAndDecrement-more than MaxDisruptedPodSize entries: 403 NewForbidden"),
])
def test_check_and_decrement_forbidden(allowed, disrupted, message):
    budget = _pdb(allowed)
    budget = replace(budget, status=replace(budget.status, disrupted_pods=disrupted))
    s = _state("Running", True, budget)
    new, resp = evict(s, POD)
    assert (resp.code, resp.reason, resp.message) == (403, "Forbidden", message)
    assert new == s
