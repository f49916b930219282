"""The ``informerLag`` fault (``kmodel.informer``): the ReplicaSet controller's lagging pod cache,
its expectations in the environment, the expiry, and symmetry with unseen pods.

Model-level counterparts of upstream's ``pkg/controller/replicaset/replica_set_test.go`` cases
that drive expectations with a pod control that creates without delivering events
(TestControllerBurstReplicas: no second batch while expectations are pending;
TestDeleteControllerAndExpectations: a deleted ReplicaSet's record goes; TestRSSyncExpectations:
pending expectations, no manageReplicas), with the upstream test name in each test's docstring.
"""

from __future__ import annotations

import textwrap

import pytest

import kmodel
from kmodel import informer
from kmodel.api import Delete, apply
from kmodel.cluster import DEFAULT_CONTROLLERS, ClusterModel, Env, Faults, World
from kmodel.controllers.expectations import get_expectations
from kmodel.errors import InvalidManifest
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef, replace
from kmodel.objects.nodes import Node, NodeStatus
from kmodel.objects.workloads import Container, PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetSpec

ALLOC = (("cpu", 2000), ("memory", 4 << 30), ("pods", 110))
RS = ObjectRef("ReplicaSet", "default", "web")
RS_ONLY = tuple(c for c in DEFAULT_CONTROLLERS if c.name == "replicaset-controller")


def objects(replicas=2, nodes=("a",)):
    labels = (("app", "web"),)
    return [Namespace(ObjectMeta("default")),
            *[Node(ObjectMeta(n, labels=(("kubernetes.io/hostname", n),)), status=NodeStatus(ALLOC, ALLOC))
              for n in nodes],
            ReplicaSet(ObjectMeta("web", "default"), ReplicaSetSpec(LabelSelector(labels), PodTemplateSpec(
                labels, PodSpec((Container("web", requests=(("cpu", 500),)),))), replicas))]


def step(model, world, actor, verb):
    """The successor of ``world`` by the first step of ``actor`` with ``verb``."""
    for s, w in model.successors(world):
        if s.actor == actor and s.verb == verb:
            assert model.next_state(world, s) == w  # replay agrees
            return w
    raise AssertionError(f"no {actor} {verb} step among {[str(s) for s, _ in model.successors(world)]}")


def pods(world):
    return [p.name for p in world.cluster.list("Pod") if not p.metadata.deleting]


def reachable(model):
    """Every state reachable from the initial one (plain BFS over successors)."""
    seen = {model.initial}
    todo = [model.initial]
    while todo:
        w = todo.pop()
        for _, nxt in model.successors(w):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


# -- without the fault nothing changes ----------------------------------------------------------
def test_without_the_fault_the_controller_keeps_no_memory():
    model = ClusterModel(objects(), controllers=RS_ONLY)
    assert not informer.enabled(model)
    assert all(w.env.memory == () for w in reachable(model))


def test_the_lagging_model_contains_every_state_of_the_exact_one():
    """With ``informerLag`` the explorer may still deliver every event at once: the states of the
    exact model are among its states (with an empty memory and the budget unspent)."""
    exact = reachable(ClusterModel(objects(), controllers=RS_ONLY))
    lagging = reachable(ClusterModel(objects(), controllers=RS_ONLY, faults=Faults(informer_lag=1)))
    assert exact <= lagging and len(lagging) > len(exact)


# -- the controller's view and its expectations -------------------------------------------------
def test_pending_expectations_hold_the_controller_back_until_the_events_arrive():
    """TestRSSyncExpectations / TestControllerBurstReplicas: while the add events of its pods are
    undelivered, the controller sees none of them, yet creates nothing more; each delivery lowers
    the record, the last one removes it."""
    model = ClusterModel(objects(), controllers=RS_ONLY, faults=Faults(informer_lag=1))
    w = step(model, model.initial, "replicaset-controller", "sync (informer lags)")
    assert pods(w) == ["web-1", "web-2"]
    mem = informer.memory(w.env)
    assert [p.name for p, _ in mem.unseen] == ["web-1", "web-2"]
    assert get_expectations(mem.expectations, "default/web").add == 2
    assert informer.view(w.cluster, mem).list("Pod") == ()
    # the controller has nothing to do: its sync would write nothing (no step is offered)
    assert not [s for s, _ in model.successors(w) if s.actor == "replicaset-controller"]
    w = step(model, w, "replicaset-informer", "observe-add")
    assert get_expectations(informer.memory(w.env).expectations, "default/web").add == 1
    w = step(model, w, "replicaset-informer", "observe-add")
    assert w.env.memory == () and pods(w) == ["web-1", "web-2"]
    assert dict(w.env.faults) == {"informerLag": 1}


def test_the_expiry_lets_the_controller_act_on_its_lagging_view():
    """``ExpectationsTimeout`` fires while both events are undelivered: the next sync counts 0 pods
    and creates 2 more (the over-creation of specs/replicaset-informer-lag-expiry); the late
    events then lower the new record."""
    model = ClusterModel(objects(), controllers=RS_ONLY, faults=Faults(informer_lag=1, informer_lag_past_expiry=1))
    w = step(model, model.initial, "replicaset-controller", "sync (informer lags)")
    w = step(model, w, "fault", "expectations-expire")
    assert get_expectations(informer.memory(w.env).expectations, "default/web").expired
    w = step(model, w, "replicaset-controller", "sync")
    assert pods(w) == ["web-1", "web-2", "web-3", "web-4"]
    assert get_expectations(informer.memory(w.env).expectations, "default/web") is None  # fresh record, fulfilled
    w = step(model, w, "replicaset-informer", "observe-add")
    w = step(model, w, "replicaset-informer", "observe-add")
    assert w.env.memory == ()
    w = step(model, w, "replicaset-controller", "sync")  # now it sees 4 pods: it deletes 2
    assert len(pods(w)) == 2


def test_the_expiry_needs_a_pending_record_and_its_budget():
    model = ClusterModel(objects(), controllers=RS_ONLY, faults=Faults(informer_lag=1))
    w = step(model, model.initial, "replicaset-controller", "sync (informer lags)")
    assert not [s for s, _ in model.successors(w) if s.verb == "expectations-expire"]  # lag shorter than 5 min
    model = ClusterModel(objects(), controllers=RS_ONLY, faults=Faults(informer_lag_past_expiry=1))
    assert not [s for s, _ in model.successors(model.initial) if s.actor in ("fault", "replicaset-informer")]


def test_a_deleted_replica_sets_record_is_dropped():
    """TestDeleteControllerAndExpectations: after the ReplicaSet is deleted its expectations go;
    a late event for one of its pods changes nothing."""
    model = ClusterModel(objects(), controllers=RS_ONLY, faults=Faults(informer_lag=1))
    w = step(model, model.initial, "replicaset-controller", "sync (informer lags)")
    gone, resp = apply(w.cluster, Delete(RS))
    assert resp.ok and gone.get(RS) is None
    w = step(model, World(gone, w.env), "replicaset-informer", "observe-add")
    mem = informer.memory(w.env)
    assert mem.expectations == () and len(mem.unseen) == 1


def test_lagging_steps_read_as_a_trace():
    model = ClusterModel(objects(), controllers=RS_ONLY, faults=Faults(informer_lag=1))
    (s, w), = [(s, w) for s, w in model.successors(model.initial) if s.verb == "sync (informer lags)"]
    assert str(s) == "replicaset-controller sync (informer lags) ReplicaSet/default/web"
    assert [type(r).__name__ for r in model.requests(model.initial, s)] == ["Create", "Create", "UpdateStatus"]
    (d, _), *_ = [(s, x) for s, x in model.successors(w) if s.actor == "replicaset-informer"]
    assert str(d) == "replicaset-informer observe-add Pod/default/web-1"
    assert model.fairness(d) == ("replicaset-informer",) and model.fairness(s) == ("replicaset-controller", RS)


# -- symmetry -----------------------------------------------------------------------------------
def test_which_interchangeable_pod_is_unseen_does_not_matter_to_symmetry():
    model = ClusterModel(objects(), controllers=RS_ONLY, faults=Faults(informer_lag=1))
    w = step(model, model.initial, "replicaset-controller", "sync (informer lags)")
    first = step(model, w, "replicaset-informer", "observe-add")  # web-1 delivered, web-2 unseen
    seconds = [x for s, x in model.successors(w) if s.actor == "replicaset-informer" and s.target.name == "web-2"]
    assert len(seconds) == 1 and first != seconds[0]
    assert model.representative(first) == model.representative(seconds[0])
    # ... but how many are unseen does
    assert model.representative(first) != model.representative(w)
    delivered = step(model, first, "replicaset-informer", "observe-add")
    assert model.representative(first) != model.representative(delivered)


def test_symmetry_keeps_the_verdicts_of_the_bundled_specs():
    for name, verdict in (("replicaset-informer-lag-expiry", "violated"), ("replicaset-informer-lag", "holds")):
        spec = kmodel.load_spec([f"specs/{name}"])
        on = spec.model.checker().symmetry(True).progress(False).bfs()
        off = spec.model.checker().symmetry(False).progress(False).bfs()
        assert on["replicas-bounded"].verdict == off["replicas-bounded"].verdict == verdict
        assert {k: v.verdict for k, v in on.properties.items()} == {k: v.verdict for k, v in off.properties.items()}


# -- scenario files -----------------------------------------------------------------------------
def _scenario(tmp_path, faults):
    (tmp_path / "web.yaml").write_text(textwrap.dedent("""\
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: web}
        spec:
          replicas: 1
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: nginx}]}
        """))
    (tmp_path / "scenario.yaml").write_text(textwrap.dedent(f"""\
        apiVersion: kmodel.dev/v1alpha1
        kind: Scenario
        metadata: {{name: t}}
        spec:
          faults: {faults}
        """))
    return kmodel.load_spec([str(tmp_path)])


def test_scenario_faults_set_the_budgets(tmp_path):
    spec = _scenario(tmp_path, "{informerLag: 2, informerLagPastExpiry: 1}")
    assert (spec.model.faults.informer_lag, spec.model.faults.informer_lag_past_expiry) == (2, 1)


@pytest.mark.parametrize("faults,field", [
    ("{informerLag: -1}", "spec.faults.informerLag"),
    ("{informerLagPastExpiry: yes}", "spec.faults.informerLagPastExpiry"),
    ("{informerlag: 1}", "spec.faults.informerlag"),
    ("{informerLagPastExpiry: 1}", "spec.faults.informerLagPastExpiry"),  # never usable alone
])
def test_bad_informer_faults_name_file_line_and_field(tmp_path, faults, field):
    with pytest.raises(InvalidManifest) as info:
        _scenario(tmp_path, faults)
    assert info.value.field == field and info.value.file.endswith("scenario.yaml") and info.value.line >= 1


def test_env_default_is_unchanged():
    assert Env().memory == () and replace(Env(), memory=()) == Env()


def test_every_reachable_memory_is_consistent():
    """Over every state of the expiry scenario (all controllers): an unexpired record never
    expects more adds than the controller has pods unseen, unseen pods are its own, and the
    memory is empty whenever nothing is unseen and no record is pending."""
    spec = kmodel.load_spec(["specs/replicaset-informer-lag-expiry"])
    states = reachable(spec.model)
    assert len(states) == 3570  # the pinned no-symmetry count (expected.json)
    for w in states:
        mem = informer.memory(w.env)
        for key, rec in mem.expectations:
            unseen = sum(1 for _, owner in mem.unseen if f"{owner.namespace}/{owner.name}" == key)
            assert rec.expired or rec.add <= unseen, (key, rec, mem.unseen)
        for pod, owner in mem.unseen:
            p = w.cluster.get(pod)
            assert p is None or p.metadata.controller_ref().name == owner.name
        if not mem.unseen:
            assert all(rec.expired for _, rec in mem.expectations) or not mem.expectations


def test_the_cluster_spec_agrees_with_the_numeric_model():
    """``kmodel.smt.models.replicaset`` (counts, no pods) and this cluster model find the same
    over-creation in the same 3 steps, and both hold when the lag is shorter than the expiry."""
    from kmodel.smt.models.replicaset import ReplicaSetExpectations

    numeric = ReplicaSetExpectations(replicas=2, slow_informer=1).checker().max_depth(4).bfs()["replicas-bounded"]
    cluster = kmodel.load_spec(["specs/replicaset-informer-lag-expiry"]).model.checker().progress(False).bfs()
    assert numeric.verdict == cluster["replicas-bounded"].verdict == "violated"
    assert len(numeric.path) == len(cluster["replicas-bounded"].path) == 3
    assert ReplicaSetExpectations(replicas=2).checker().bfs()["replicas-bounded"].verdict == "holds"
