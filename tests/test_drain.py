"""``kubectl drain`` (``kmodel.drain``), the ``drain`` scenario event, the ``drain-completes``
property, the PodDisruptionBudget half of ``availability`` and symmetry with PDBs.

Filter cases rewrite ``staging/src/k8s.io/kubectl/pkg/drain/drain_test.go`` (TestDeleteOrEvict,
TestFilterPods) and ``filters.go``'s rules; upstream test names are in the ids.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kmodel.api import Create, UpdateStatus, apply
from kmodel.cluster import ClusterModel, World
from kmodel.drain import Drain, MIRROR_ANNOTATION, incomplete_drains, keys, pods_to_evict, reconcile, start_drain
from kmodel.errors import InvalidManifest
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef, OwnerReference, replace
from kmodel.objects.nodes import Node, NodeStatus
from kmodel.objects.policy import PodDisruptionBudget, PodDisruptionBudgetSpec
from kmodel.objects.workloads import (
    Container,
    Pod,
    PodCondition,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
    ReplicaSet,
    ReplicaSetSpec,
)
from kmodel.properties_disruption import eviction_violations
from kmodel.registry.eviction import EVICTION_REASON
from kmodel.scenario import load_spec
from kmodel.state import ClusterState

ROOT = Path(__file__).resolve().parents[1]
RS_OWNER = OwnerReference("apps/v1", "ReplicaSet", "web", "ReplicaSet/default/web", controller=True)
DS_OWNER = OwnerReference("apps/v1", "DaemonSet", "agent", "DaemonSet/default/agent", controller=True)
READY = PodStatus("Running", (PodCondition("Ready", "True"),))


def _pod(name: str, *, owner=None, phase: str = "Running", annotations=(), node: str = "a") -> Pod:  # type: ignore[no-untyped-def]
    return Pod(ObjectMeta(name, "default", labels=(("app", "web"),), owner_references=(owner,) if owner else (),
                          annotations=annotations),
               PodSpec((Container("c"),), node_name=node), replace(READY, phase=phase))


def _state(*pods: Pod) -> ClusterState:
    return ClusterState.of([Namespace(ObjectMeta("default")), Node(ObjectMeta("a")), Node(ObjectMeta("b")), *pods])


FILTER_CASES = [
    ("TestFilterPods-replicated pod is evicted", _pod("p", owner=RS_OWNER), False, ["p"], ""),
    ("TestFilterPods-DaemonSet pod is ignored (--ignore-daemonsets)", _pod("ds", owner=DS_OWNER), False, [], ""),
    ("TestFilterPods-finished DaemonSet pod is deleted", _pod("ds", owner=DS_OWNER, phase="Succeeded"), False,
     ["ds"], ""),
    ("TestFilterPods-mirror pod is skipped", _pod("static", annotations=((MIRROR_ANNOTATION, "x"),)), False, [], ""),
    ("TestDeleteOrEvict-bare pod without --force refuses the drain", _pod("bare"), False, [], "no controller"),
    ("TestDeleteOrEvict-bare pod with --force is evicted", _pod("bare"), True, ["bare"], ""),
    ("TestFilterPods-finished bare pod is deleted without --force", _pod("done", phase="Failed"), False, ["done"], ""),
    ("TestFilterPods-pod on another node is not touched", _pod("other", owner=RS_OWNER, node="b"), False, [], ""),
]


@pytest.mark.parametrize("pod,force,evict,error", [c[1:] for c in FILTER_CASES], ids=[c[0] for c in FILTER_CASES])
def test_pod_selection(pod, force, evict, error):
    s = start_drain(_state(pod), "a", force=force)
    drain = s.get(ObjectRef("Drain", "", "a"))
    assert s.get(ObjectRef("Node", "", "a")).spec.unschedulable
    assert [p.name for p in pods_to_evict(s, drain)] == evict
    assert (error in drain.error) if error else drain.error == ""
    assert [k.name for k in keys(s)] == evict


def test_drain_of_missing_node_is_not_enabled():
    assert start_drain(_state(), "nope") is None


def test_no_drain_no_keys():
    assert keys(_state(_pod("p", owner=RS_OWNER))) == []
    assert reconcile(_state(_pod("p", owner=RS_OWNER)), ObjectRef("Pod", "default", "p")) == ()


def _with_pdb(s: ClusterState, allowed: int, healthy: int, desired: int) -> ClusterState:
    pdb = PodDisruptionBudget(ObjectMeta("web", "default"), PodDisruptionBudgetSpec(LabelSelector((("app", "web"),)),
                                                                                    min_available=desired))
    s, r = apply(s, Create(pdb))
    created = s.get(r.ref)
    st = replace(created.status, observed_generation=1, disruptions_allowed=allowed, current_healthy=healthy,
                 desired_healthy=desired)
    s, _ = apply(s, UpdateStatus(replace(created, status=st)))
    return s


def test_blocked_drain_explains_the_429():
    s = start_drain(_with_pdb(_state(_pod("p", owner=RS_OWNER)), 0, 1, 1), "a")
    (why,) = incomplete_drains(s)
    assert "default/p (eviction refused: 429 TooManyRequests" in why and "needs 1 healthy pods and has 1" in why
    new, _ = apply(s, reconcile(s, ObjectRef("Pod", "default", "p"))[0])
    assert new == s  # refused: no step


def test_eviction_step_then_waits_for_deletion():
    s = start_drain(_with_pdb(_state(_pod("p", owner=RS_OWNER)), 1, 2, 1), "a")
    (req,) = reconcile(s, ObjectRef("Pod", "default", "p"))
    s2, resp = apply(s, req)
    assert resp.ok and keys(s2) == []
    assert "default/p (being deleted)" in incomplete_drains(s2)[0]
    assert incomplete_drains(s2.without(ObjectRef("Pod", "default", "p"))) == []


def test_eviction_violations_need_an_evicted_ready_pod():
    """The PDB half of availability: an evicted pod that was Ready, and too few healthy pods left."""
    evicted = _pod("p", owner=RS_OWNER)
    cond = (PodCondition("DisruptionTarget", "True", EVICTION_REASON), PodCondition("Ready", "True"))
    evicted = replace(evicted, metadata=replace(evicted.metadata, deleting=True),
                      status=replace(evicted.status, conditions=cond))
    s = _with_pdb(_state(evicted, _pod("q", owner=RS_OWNER)), 0, 1, 2)
    rs = ReplicaSet(ObjectMeta("web", "default"), ReplicaSetSpec(LabelSelector((("app", "web"),)),
                                                                 PodTemplateSpec((("app", "web"),), PodSpec((Container("c"),))), 2))
    s, _ = apply(s, Create(rs))
    (msg,) = eviction_violations(s)
    assert "1 healthy pods, fewer than desiredHealthy 2" in msg and "eviction of p" in msg
    # Not after a fault; not when the evicted pod was not Ready (it counted as unhealthy).
    from kmodel.cluster import Env
    assert eviction_violations(s, Env(node_failures=1)) == []
    unready = replace(evicted, status=replace(evicted.status, conditions=cond[:1]))
    assert eviction_violations(s.with_(unready)) == []


# -- scenario ---------------------------------------------------------------------------------
SCENARIO = """
apiVersion: kmodel.dev/v1alpha1
kind: Scenario
metadata: {name: t}
spec:
  events:
    - drain: %s
"""


@pytest.mark.parametrize("body,field", [
    ("{}", "spec.events[0].drain.node"),
    ("{node: a, force: yes-please}", "spec.events[0].drain.force"),
    ("{node: a, gracePeriod: 3}", "spec.events[0].drain.gracePeriod"),
])
def test_bad_drain_event_names_the_field(tmp_path, body, field):
    (tmp_path / "scenario.yaml").write_text(SCENARIO % body)
    with pytest.raises(InvalidManifest) as exc:
        load_spec([str(tmp_path)])
    assert exc.value.field == field and exc.value.line


def test_spec_trace_is_readable():
    """specs/pdb-blocks-drain: the stuck state says which pod remains and the 429."""
    from kmodel.properties import explain

    spec = load_spec([str(ROOT / "specs" / "pdb-blocks-drain")])
    result = spec.model.checker().symmetry().progress(False).bfs()
    res = result.properties["drain-completes"]
    assert res.verdict == "violated"
    assert any("needs 2 healthy pods and has 2 currently" in r
               for r in explain("drain-completes", res.path.last_state))
    assert any(spec.model.describe_action(a).startswith("user: kubectl drain worker-a") for a in res.path.actions)


def test_spec_drain_completes_evicts_through_the_budget():
    """specs/pdb-drain-completes: some behaviour evicts both pods from worker-a, one at a time."""
    spec = load_spec([str(ROOT / "specs" / "pdb-drain-completes")])
    model = spec.model
    seen_two_on_a = seen_evicted = seen_moved = False
    frontier, visited = [model.initial], {model.initial}
    while frontier:
        world = frontier.pop()
        pods = world.cluster.list("Pod")
        drained = world.cluster.get(ObjectRef("Drain", "", "worker-a")) is not None
        if drained and sum(1 for p in pods if p.spec.node_name == "worker-a" and not p.metadata.deleting) == 2:
            seen_two_on_a = True
        if any(p.status.condition("DisruptionTarget") is not None for p in pods):
            seen_evicted = True
            # maxUnavailable 1 of 2: an eviction of a healthy pod leaves one healthy (terminating
            # pods are replaced, so two may be terminating at once once a replacement is ready;
            # a pod still Pending is evicted without the budget).
            assert eviction_violations(world.cluster) == []
        if drained and len(pods) == 2 and all(p.spec.node_name == "worker-b" for p in pods):
            seen_moved = True
        for _, nxt in model.successors(world):
            if nxt not in visited:
                visited.add(nxt)
                frontier.append(nxt)
    assert seen_two_on_a and seen_evicted and seen_moved


def test_symmetry_renames_disrupted_pods():
    """A PDB's disruptedPods names pods: states that differ only by which pod was evicted share
    a representative, and the names are renamed with the pods."""
    spec = load_spec([str(ROOT / "specs" / "pdb-drain-completes")])
    model = spec.model
    base = model.initial.cluster
    reps = set()
    objects = list(base.objects())
    rs = base.get(ObjectRef("ReplicaSet", "default", "web"))
    owner = OwnerReference("apps/v1", "ReplicaSet", "web", rs.metadata.uid, controller=True)
    for evicted in ("web-1", "web-2"):
        s = base
        for name in ("web-1", "web-2"):
            p = Pod(ObjectMeta(name, "default", generate_name="web-", labels=(("app", "web"),),
                               owner_references=(owner,), deleting=name == evicted),
                    PodSpec((Container("web"),), node_name="worker-b"), READY)
            s = s.with_(p)
        pdb = s.get(ObjectRef("PodDisruptionBudget", "default", "web"))
        s = s.with_(replace(pdb, status=replace(pdb.status, disrupted_pods=(evicted,))))
        reps.add(model.representative(World(s)))
    assert len(reps) == 1
    del objects


def test_stale_budget_after_scale_down_breaks_availability(tmp_path):
    """The PodDisruptionBudget half of ``availability`` finds upstream's stale-status race: the
    ReplicaSet is scaled down (its controller deletes a Ready pod) and an eviction is admitted
    against ``disruptionsAllowed`` computed before the disruption controller saw the deletion,
    leaving fewer healthy pods than ``minAvailable`` (the cluster analogue of the numeric
    model's stale-budget refutation, ``kmodel.smt.models.disruption``)."""
    import shutil

    for f in ("nodes.yaml", "web.yaml"):
        shutil.copy(ROOT / "specs" / "pdb-drain-completes" / f, tmp_path / f)
    web = (tmp_path / "web.yaml").read_text().replace("replicas: 2", "replicas: 3").replace(
        "maxUnavailable: 1", "minAvailable: 2")
    (tmp_path / "web.yaml").write_text(web)
    (tmp_path / "scenario.yaml").write_text("""apiVersion: kmodel.dev/v1alpha1
kind: Scenario
metadata: {name: stale}
spec:
  controllers: [replicaset-controller, scheduler, kubelet, disruption-controller, kubectl-drain]
  events:
    - scale: {kind: ReplicaSet, name: web, replicas: 2}
    - drain: {node: worker-a}
  properties: [availability]
""")
    spec = load_spec([str(tmp_path)])
    result = spec.model.checker().symmetry().progress(False).bfs()
    res = result.properties["availability"]
    assert res.verdict == "violated"
    from kmodel.properties import explain

    (why,) = explain("availability", res.path.last_state)
    assert "fewer than desiredHealthy 2" in why
    assert res.path.actions[-1].actor == "kubectl-drain"


def test_cli_bad_drain_event_exits_2_without_traceback(tmp_path):
    from click.testing import CliRunner

    from kmodel.cli import cli

    (tmp_path / "scenario.yaml").write_text(SCENARIO % "{node: 7}")
    r = CliRunner().invoke(cli, ["explore", str(tmp_path)])
    assert r.exit_code == 2 and "spec.events[0].drain.node" in r.output and "Traceback" not in r.output
