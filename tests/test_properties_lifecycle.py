"""The self-healing, service-account and storage properties on hand-made worlds."""

from __future__ import annotations

from kmodel.cluster import Env, World
from kmodel.objects.meta import LabelSelector, Namespace, ObjectMeta, OwnerReference
from kmodel.objects.nodes import Node, NodeCondition, NodeStatus
from kmodel.objects.storage import PersistentVolume, PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeSpec, Volume
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
from kmodel.properties import by_id, explain
from kmodel.state import ClusterState

ZONE = "topology.kubernetes.io/zone"


def node(name, ready="True", zone="z1", cp=False):
    labels = ((ZONE, zone),) + ((("node-role.kubernetes.io/control-plane", ""),) if cp else ())
    return Node(ObjectMeta(name, labels=tuple(sorted(labels))),
                status=NodeStatus(conditions=(NodeCondition("Ready", ready),)))


RS = ReplicaSet(ObjectMeta("web", "default", uid="ReplicaSet/default/web"), ReplicaSetSpec(
    LabelSelector((("app", "web"),)), PodTemplateSpec((("app", "web"),), PodSpec((Container("c"),))), 1))
OWNER = (OwnerReference("apps/v1", "ReplicaSet", "web", "ReplicaSet/default/web", controller=True),)


def pod(name, node_name, ready="True", evicted=False, volumes=()):
    conds = [PodCondition("Ready", ready)]
    if evicted:
        conds.append(PodCondition("DisruptionTarget", "True", "DeletionByTaintManager"))
    return Pod(ObjectMeta(name, "default", labels=(("app", "web"),), owner_references=OWNER),
               PodSpec((Container("c"),), node_name=node_name, volumes=volumes), PodStatus("Running", tuple(conds)))


def holds(pid, objs, env=Env()):
    (prop,) = by_id([pid])
    return prop.condition(World(ClusterState.of(objs), env))


def test_pods_replaced_needs_healthy_nodes():
    assert holds("pods-replaced", [node("a"), RS, pod("web-1", "a")])
    assert not holds("pods-replaced", [node("a"), RS, pod("web-1", "a")], Env(machines=(("a", "down"),)))
    w = World(ClusterState.of([node("a", "Unknown"), RS, pod("web-1", "a")]), Env())
    assert explain("pods-replaced", w) == ["ReplicaSet/default/web has 0 of 1 pods running and ready on healthy nodes"]


def test_no_mass_eviction():
    objs = [node("a", "Unknown"), node("b", "Unknown"), pod("p", "a", evicted=True), pod("q", "b", evicted=True)]
    assert not holds("no-mass-eviction", objs)
    assert holds("no-mass-eviction", objs[:2] + [pod("p", "a", evicted=True), pod("q", "b")])
    assert holds("no-mass-eviction", [node("a"), node("b", "Unknown"), pod("q", "b", evicted=True)])  # a worker is Ready
    assert not holds("no-mass-eviction", [node("cp", cp=True), node("b", "Unknown"), pod("q", "b", evicted=True)])


def test_serviceaccount_ready():
    from kmodel.objects.access import ConfigMap, ServiceAccount

    ns = Namespace(ObjectMeta("default"))
    assert not holds("serviceaccount-ready", [ns])
    ok = [ns, ServiceAccount(ObjectMeta("default", "default")), ConfigMap(ObjectMeta("kube-root-ca.crt", "default"))]
    assert holds("serviceaccount-ready", ok)
    assert not holds("serviceaccount-ready", ok + [Pod(ObjectMeta("p", "default"), PodSpec(
        (Container("c"),), service_account_name="ghost"), PodStatus("Running"))])


def test_volume_topology():
    pv = PersistentVolume(ObjectMeta("pv"), PersistentVolumeSpec(1, storage_class_name="x", zones=("z1",)))
    claim = PersistentVolumeClaim(ObjectMeta("data", "default"), PersistentVolumeClaimSpec(1, storage_class_name="x",
                                                                                            volume_name="pv"))
    vol = (Volume("data", "data"),)
    assert holds("volume-topology", [node("a", zone="z1"), pv, claim, pod("p", "a", volumes=vol)])
    assert not holds("volume-topology", [node("b", zone="z2"), pv, claim, pod("p", "b", volumes=vol)])


def test_restart_backoff():
    from kmodel.objects.meta import replace

    good = pod("p", "a")
    assert holds("restart-backoff", [replace(good, status=replace(good.status, backoff=40, backoff_earned=40))])
    assert not holds("restart-backoff", [replace(good, status=replace(good.status, backoff=30, backoff_earned=30))])
    assert not holds("restart-backoff", [replace(good, status=replace(good.status, containers="backoff"))])
    # A kubelet that lost its entry (backoff 0) has not restarted anything early yet ...
    assert holds("restart-backoff", [replace(good, status=replace(good.status, backoff=0, backoff_earned=40))])
    assert holds("restart-backoff", [replace(good, status=replace(good.status, containers="backoff", backoff_earned=40))])
    # ... once it restarts the container inside the earned window, its entry differs from the earned one.
    early = replace(good, status=replace(good.status, backoff=10, backoff_earned=80, restart_count=3))
    assert not holds("restart-backoff", [early])
    why = explain("restart-backoff", World(ClusterState.of([early]), Env()))
    assert why == ["Pod/default/p was restarted (restart 3) before the back-off its crashes had earned ran out: "
                   "its kubelet lost its CrashLoopBackOff entry and holds 10 s where its restarts call for 80 s"]


def test_type_ok_tolerates_pods_bound_to_a_deleted_node():
    """Upstream allows a pod bound to a Node that no longer exists (the cloud node lifecycle
    controller deletes Nodes without cascading); pod GC's ``gcOrphaned`` removes it later."""
    from kmodel.objects.meta import replace
    from kmodel.properties import type_ok_errors

    def uid(obj):
        return replace(obj, metadata=replace(obj.metadata, uid=str(obj.ref)))

    objs = [uid(node("a")), RS, uid(pod("web-1", "gone"))]
    assert holds("type-ok", objs)
    assert type_ok_errors(ClusterState.of(objs), orphans=True) == ["Pod/default/web-1 is bound to missing node gone"]
    assert type_ok_errors(ClusterState.of(objs[:2] + [uid(pod("web-1", "a"))]), orphans=True) == []
