"""Faults as environment steps, node recovery, and symmetry with the machines' states."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kmodel.cluster import ClusterModel, Env, Faults, World
from kmodel.faults import machine_state, rename_machines, set_machines
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, ObjectRef, replace
from kmodel.objects.nodes import Node, NodeStatus
from kmodel.objects.workloads import Container, PodSpec, PodTemplateSpec, ReplicaSet, ReplicaSetSpec
from kmodel.state import ClusterState

ALLOC = (("cpu", 2000), ("memory", 4 << 30), ("pods", 110))


def cluster(nodes=("a", "b"), replicas=2, zones=None, cp=()):
    objs = [Namespace(ObjectMeta("default"))]
    for i, n in enumerate(nodes):
        labels = [("kubernetes.io/hostname", n)]
        if zones:
            labels.append(("topology.kubernetes.io/zone", zones[i]))
        if n in cp:
            labels.append(("node-role.kubernetes.io/control-plane", ""))
        objs.append(Node(ObjectMeta(n, labels=tuple(sorted(labels))), status=NodeStatus(ALLOC, ALLOC)))
    labels = (("app", "web"),)
    objs.append(ReplicaSet(ObjectMeta("web", "default"), ReplicaSetSpec(LabelSelector(labels), PodTemplateSpec(
        labels, PodSpec((Container("web", requests=(("cpu", 500),)),))), replicas)))
    return objs


def faults_from(model, world):
    return [(s, w) for s, w in model.successors(world) if s.actor in ("fault", "node-recovery")]


def settle(model, world, skip=("fault", "node-recovery")):
    """Take controller steps (first successor) until none is enabled."""
    for _ in range(100):
        nxt = [(s, w) for s, w in model.successors(world) if s.actor not in skip]
        if not nxt:
            return world
        world = nxt[0][1]
    raise AssertionError("did not settle")


def test_machine_states_are_kept_sorted_and_renamed():
    env = set_machines(Env(), {"b": "down", "a": "partitioned"})
    assert env.machines == (("a", "partitioned"), ("b", "down"))
    assert machine_state(env, "c") == "up"
    assert set_machines(env, {"a": "up"}).machines == (("b", "down"),)
    assert rename_machines(env, {"a": "b", "b": "a"}).machines == (("a", "down"), ("b", "partitioned"))


def test_crash_is_silent_until_the_grace_period_expires_then_recovery_heals():
    model = ClusterModel(cluster(), faults=Faults(node_failures=1))
    w = settle(model, model.initial)
    crashes = [(s, x) for s, x in faults_from(model, w) if s.verb == "node-crash"]
    assert [s.target.name for s, _ in crashes] == ["a", "b"]
    step, crashed = crashes[0]
    assert crashed.cluster == w.cluster and machine_state(crashed.env, "a") == "down"
    monitor = next(x for s, x in model.successors(crashed) if s.actor == "node-lifecycle-controller")
    assert not monitor.cluster.get(ObjectRef("Node", "", "a")).ready
    recovered = next(x for s, x in model.successors(monitor) if s.actor == "node-recovery")
    node = recovered.cluster.get(ObjectRef("Node", "", "a"))
    assert node.ready and machine_state(recovered.env, "a") == "up"  # the kubelet posted Ready again
    for pod in recovered.cluster.list("Pod"):
        if pod.spec.node_name == "a":
            assert pod.status.restart_count == 1  # rebooted: containers restarted


def test_control_plane_partition_keeps_control_plane_nodes():
    model = ClusterModel(cluster(("cp", "a", "b"), cp=("cp",)), faults=Faults(control_plane_partitions=1))
    step, w = next((s, w) for s, w in faults_from(model, model.initial) if s.verb == "control-plane-partition")
    assert w.env.machines == (("a", "partitioned"), ("b", "partitioned"))
    heal = [s for s, _ in faults_from(model, w) if s.actor == "node-recovery"]
    assert [s.verb for s in heal] == ["heal", "heal"]


def test_zone_outage_and_zone_loss_take_a_whole_zone():
    model = ClusterModel(cluster(("a", "b", "c"), zones=("z1", "z1", "z2")), faults=Faults(zone_outages=1, zone_losses=1))
    outs = {(s.verb, s.target.name): w.env.machines for s, w in faults_from(model, model.initial)}
    assert outs[("zone-outage", "z1")] == (("a", "down"), ("b", "down"))
    assert outs[("zone-loss", "z2")] == (("c", "lost"),)


def test_budgets_bound_the_faults():
    model = ClusterModel(cluster(), faults=Faults(partitions=1))
    _, w = next((s, w) for s, w in faults_from(model, model.initial) if s.verb == "partition")
    assert not [s for s, _ in faults_from(model, w) if s.actor == "fault"]


def _swap(world, a, b):
    """The same world with nodes ``a`` and ``b`` exchanged (names, hostname labels, bound pods,
    machine states)."""
    m = {a: b, b: a}
    objs = []
    for o in world.cluster.objects():
        if o.kind == "Node" and o.name in m:
            labels = tuple(sorted((k, m.get(v, v) if k == "kubernetes.io/hostname" else v) for k, v in o.metadata.labels))
            o = replace(o, metadata=replace(o.metadata, name=m[o.name], uid=f"Node//{m[o.name]}", labels=labels))
        elif o.kind == "Pod" and o.spec.node_name in m:
            o = replace(o, spec=replace(o.spec, node_name=m[o.spec.node_name]))
        objs.append(o)
    return World(ClusterState.of(objs), rename_machines(world.env, m))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=14))
def test_representative_is_invariant_under_swapping_interchangeable_nodes(choices):
    """Symmetry soundness with machine states: a renamed world has the same representative, and
    the property verdicts agree."""
    model = ClusterModel(cluster(), faults=Faults(node_failures=1, partitions=1))
    w = model.initial
    for c in choices:
        succ = list(model.successors(w))
        if not succ:
            break
        w = succ[c % len(succ)][1]
        swapped = _swap(w, "a", "b")
        assert model.representative(swapped) == model.representative(w)
        for prop in model.properties():
            assert prop.condition(swapped) == prop.condition(w)


def test_a_down_machine_is_not_confused_with_an_empty_one():
    """Two worlds alike but for whether the down machine holds the pods are not merged."""
    model = ClusterModel(cluster(replicas=1), faults=Faults(node_failures=1))
    w = settle(model, model.initial)
    on = next(p.spec.node_name for p in w.cluster.list("Pod"))
    off = "b" if on == "a" else "a"
    down_with_pod = World(w.cluster, set_machines(w.env, {on: "down"}))
    down_without = World(w.cluster, set_machines(w.env, {off: "down"}))
    assert model.representative(down_with_pod) != model.representative(down_without)


def test_scenario_fault_budgets_and_errors(tmp_path):
    import pytest

    from kmodel.errors import InvalidManifest
    from kmodel.scenario import load_spec

    base = ("apiVersion: v1\nkind: Node\nmetadata: {name: a}\n---\n"
            "apiVersion: kmodel.dev/v1alpha1\nkind: Scenario\nmetadata: {name: s}\nspec:\n")
    (tmp_path / "ok.yaml").write_text(base + "  newNamespaces: [shop]\n  faults: {zoneLosses: 1, controlPlanePartitions: 2,"
                                             " probeFailures: 1, volumeLosses: 1, nodeLosses: 1, partitions: 1}\n")
    spec = load_spec([str(tmp_path / "ok.yaml")])
    f = spec.model.faults
    assert (f.zone_losses, f.control_plane_partitions, f.probe_failures, f.volume_losses, f.node_losses,
            f.partitions) == (1, 2, 1, 1, 1, 1)
    assert spec.scenario.new_namespaces == ("shop",)
    (tmp_path / "bad.yaml").write_text(base + "  faults: {zoneOutage: 1}\n")
    with pytest.raises(InvalidManifest) as err:
        load_spec([str(tmp_path / "bad.yaml")])
    assert err.value.field == "spec.faults.zoneOutage" and "zoneOutages" in str(err.value)


def test_volume_loss_fails_the_pods_that_mount_it():
    from kmodel.objects.storage import (PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec,
                                        PersistentVolumeSpec, PersistentVolumeStatus, Volume)
    from kmodel.agents.kubelet import reconcile as kubelet

    objs = cluster(("a",), replicas=1)
    rs = objs[-1]
    tmpl = rs.spec.template
    objs[-1] = replace(rs, spec=replace(rs.spec, template=replace(tmpl, spec=replace(
        tmpl.spec, volumes=(Volume("data", "data"),)))))
    objs += [PersistentVolume(ObjectMeta("pv"), PersistentVolumeSpec(10, claim_ref="default/data"),
                              PersistentVolumeStatus("Bound")),
             PersistentVolumeClaim(ObjectMeta("data", "default"), PersistentVolumeClaimSpec(1, storage_class_name="",
                                                                                            volume_name="pv"))]
    model = ClusterModel(objs, faults=Faults(volume_losses=1))
    w = settle(model, model.initial)
    assert [p.status.phase for p in w.cluster.list("Pod")] == ["Running"]
    step, lost = next((s, x) for s, x in faults_from(model, w) if s.verb == "volume-loss")
    pod = lost.cluster.list("Pod")[0]
    assert pod.status.containers == "terminated" and lost.cluster.get(step.target).status.lost
    assert kubelet(lost, pod.ref) == ()  # the kubelet cannot mount it again: the pod stays down


def test_kubelet_restart_is_offered_where_a_backoff_entry_would_be_lost(tmp_path):
    from kmodel.scenario import load_spec

    model = ClusterModel(cluster(("a",), replicas=1), faults=Faults(kubelet_restarts=1, pod_crashes=1))
    w = settle(model, model.initial)
    assert [s.verb for s, _ in faults_from(model, w)] == ["pod-crash"]  # no entry yet: nothing to forget
    crashed = next(x for s, x in faults_from(model, w) if s.verb == "pod-crash")
    w = settle(model, crashed)  # restarted at once, entry 10 s
    (step, forgot), = [(s, x) for s, x in faults_from(model, w) if s.verb == "kubelet-restart"]
    assert step.target == ObjectRef("Node", "", "a")
    assert [p.status.backoff for p in forgot.cluster.list("Pod")] == [0]
    assert forgot.env.machines == () and not [s for s, _ in faults_from(model, forgot) if s.verb == "kubelet-restart"]
    (tmp_path / "s.yaml").write_text("apiVersion: kmodel.dev/v1alpha1\nkind: Scenario\nmetadata: {name: s}\n"
                                     "spec:\n  faults: {kubeletRestarts: 2}\n")
    assert load_spec([str(tmp_path / "s.yaml")]).model.faults.kubelet_restarts == 2
